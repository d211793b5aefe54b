"""A fake Plusofon smart-numbers API server (see /work/shared/API.md).

A real aiohttp server on 127.0.0.1 for tests and benchmarks:

    async with FakePlusofon() as api:
        api.add_account(40, "token")
        api.seed(40, 31)
        api.inject("drop_after", method="POST")
        api.add_login(40, "boss@example.com", "password")   # sign-in: /authuser, /login, /refresh
        api.max_per_page = 100          # the list honours ?per_page= up to 100 (None: ignores it, as by default)
        api.rate_headers = True         # answers carry X-RateLimit-Limit / -Remaining while rate_limit is set
        api.on_list = lambda user_id, page: ...   # runs before each list page is cut: change the account there
        api.token_lifetime = 60; api.expire_tokens(); api.revoke_refresh_tokens()
        ... point the client at api.base_url ...

Standalone:

    python -m tests.fake_plusofon --port 0 --seed 40:tok:20 [--seed ...]

prints ``READY http://127.0.0.1:PORT`` once listening and serves until SIGTERM/SIGINT.

Order of checks for each request: record it, apply ``delay``, apply a pending fault,
then the rate limit (429), auth (401), user_id (500 "User not found"), validation (422/400), action.

``rate_limit = 60`` allows 60 requests per token (per Authorization header) in each ``rate_window``
(60 s) window, counted from the window's first request, as Laravel's ``throttle`` does; beyond it the
answer is 429 with ``Retry-After`` (whole seconds until the window ends) and the request is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import secrets
import signal
import sys
import time
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, Self

from aiohttp import web
from multidict import CIMultiDict

API_PATH = "/api/v1/smart-numbers"
AUTHUSER_PATH, LOGIN_PATH, REFRESH_PATH = "/api/v1/authuser", "/api/v1/login", "/api/v1/refresh"
WRONG_PASSWORD = "Неверный e-mail или пароль"
PHONE_A = "79991230046"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SEED_EPOCH = datetime(2022, 7, 1, 7, 59, 59)

# fault name -> allowed keyword params
FAULTS: dict[str, frozenset[str]] = {
    "html500": frozenset(),
    "error200": frozenset(),
    "invalid_json": frozenset(),
    "slow": frozenset({"delay"}),
    "drop": frozenset(),
    "drop_after": frozenset(),
    "slow_after": frozenset({"delay"}),
    "429": frozenset({"retry_after"}),
    "500": frozenset(),
    "503": frozenset(),
    "401": frozenset(),
}

HTML_500 = (
    "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
    "<center><h1>500 Internal Server Error</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
TRUNCATED_JSON = '{"current_page": 1, "data": ['
PHONE_B_RE = re.compile(r"[0-9]{11,15}")
INT_RE = re.compile(r"-?[0-9]+")
_by_id = itemgetter("id")
JSON_KEY = web.RequestKey("json", object)  # the parsed request body, stored by the middleware
BUDGET_KEY = web.RequestKey("budget", int)  # calls the token has left in its window, for the rate-limit headers


@dataclass
class RecordedRequest:
    method: str  # "GET", "POST", "DELETE"
    path: str  # e.g. "/api/v1/smart-numbers/17"
    query: dict[str, str]
    headers: CIMultiDict[str]  # a CIMultiDict copy: lookups are case-insensitive
    json: Any  # parsed JSON body, or None (no body / not JSON)
    raw_body: bytes
    at: float = 0.0  # time.monotonic() when it arrived
    status: int | None = None  # the answer's status once answered; 0 if the connection was dropped


@dataclass
class _Login:
    user_id: int
    password: str


@dataclass
class _Fault:
    name: str
    method: str | None
    remaining: int
    params: dict[str, Any]


class _Stopped(Exception):
    """Raised inside a sleeping handler when the server is stopping."""


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # PHP's json_encode escapes "/" and non-ASCII; mimic it so clients see real-looking bodies.
    text = json.dumps(data, separators=(",", ":")).replace("/", "\\/")
    return web.Response(text=text, status=status, headers=headers, content_type="application/json")


def _error(message: str, code: int, status: int | None = None) -> web.Response:
    return json_response({"message": message, "code": code}, status=code if status is None else status)


def _validation_error(errors: dict[str, list[str]]) -> web.Response:
    first = next(iter(errors.values()))[0]
    return json_response({"message": first, "errors": errors}, status=422)


def _now() -> str:
    return datetime.now(UTC).strftime(TIME_FORMAT)


class FakePlusofon:
    """In-memory smart-numbers API. Numbers per user are kept in a list ordered by id."""

    def __init__(self, *, client_id: str = "10553", per_page: int = 15, port: int = 0) -> None:
        self.client_id = client_id
        self.per_page = per_page
        self.port = port
        self.delay = 0.0  # seconds added to every request
        self.list_order: dict[int, Any] = {}  # user_id -> function reordering the list as the server pages it
        self.record_requests = True  # set False in long benchmarks to save memory
        self.rate_limit: int | None = None  # requests per token per rate_window; None = unlimited
        self.rate_window = 60.0
        self.rate_headers = False  # X-RateLimit-Limit/-Remaining on every answer (with rate_limit set), as Laravel
        self.max_per_page: int | None = None  # None: ?per_page= is ignored; else honoured up to this and echoed
        self.on_list: Any = None  # (user_id, page) -> None, called before a list page is cut (changes mid-read)
        self.rate_limited = 0  # requests answered 429 by the rate limit
        self.base_url = ""
        self.requests: list[RecordedRequest] = []
        self._tokens: dict[str, int] = {}
        self._numbers: dict[int, list[dict]] = {}
        self._faults: list[_Fault] = []
        self._next_id = 1
        self._next_phone_x = 5000  # phoneX = "7977" + 7 digits
        self._next_phone_b = 2000000  # seeded phoneB = "7999" + 7 digits
        self._seed_clock = SEED_EPOCH
        self._active = 0
        self._idle: asyncio.Event | None = None
        self._stopping: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._arrivals: list[tuple[str, asyncio.Future[RecordedRequest]]] = []
        self._windows: dict[str, tuple[float, int]] = {}  # Authorization header -> (window start, requests)
        # sign-in: e-mail -> account; tokens from sign-in expire `token_lifetime` seconds after they are issued
        self.token_lifetime: float | None = None
        self.issued: list[tuple[str, str]] = []  # every (token, refresh_token) given out, oldest first
        self._logins: dict[str, _Login] = {}
        self._profiles: dict[int, dict[str, Any]] = {}
        self._sessions: dict[str, tuple[int, float]] = {}  # token -> (user_id, expires at, monotonic)
        self._refresh_tokens: dict[str, int] = {}  # the live ones -> user_id

    # ---- lifecycle -------------------------------------------------------------

    async def start(self) -> str:
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = asyncio.Event()
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(API_PATH, self._list)
        app.router.add_post(API_PATH, self._add)
        app.router.add_delete(API_PATH + "/{id}", self._delete)
        app.router.add_get(AUTHUSER_PATH, self._authuser)
        app.router.add_post(LOGIN_PATH, self._login)
        app.router.add_get(REFRESH_PATH, self._refresh)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is None:
            return
        assert self._stopping is not None and self._idle is not None
        self._stopping.set()  # wakes every sleeping handler; they drop their connection
        try:
            await asyncio.wait_for(self._idle.wait(), 2.0)
        except TimeoutError:
            pass
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def idle(self, timeout: float = 5.0) -> None:
        """Wait until no request is being handled (orphaned ones included)."""
        assert self._idle is not None
        await asyncio.wait_for(self._idle.wait(), timeout)

    @property
    def in_flight(self) -> int:
        """Requests currently being handled (including orphaned ones whose client left)."""
        return self._active

    # ---- state -----------------------------------------------------------------

    def add_account(self, user_id: int, token: str) -> None:
        self._tokens[token] = user_id
        self._numbers.setdefault(user_id, [])

    def add_login(self, user_id: int, email: str, password: str, *, first_name: str = "", last_name: str = "",
                  middle_name: str = "", phone: str = "") -> None:
        """An account one can sign in to with `email` and `password` (it may also have API tokens)."""
        self._logins[email.lower()] = _Login(user_id, password)
        self._profiles[user_id] = {"email": email, "first_name": first_name, "last_name": last_name,
                                   "middle_name": middle_name, "phone": phone}
        self._numbers.setdefault(user_id, [])

    def expire_tokens(self, user_id: int | None = None) -> None:
        """Every token from sign-in (of `user_id`, or of everyone) expires now; refresh tokens still work."""
        for token, (owner, _) in list(self._sessions.items()):
            if user_id is None or owner == user_id:
                self._sessions[token] = (owner, 0.0)

    def revoke_token(self, token: str) -> None:
        """The web account revoked an API token: from now on it gets 401."""
        self._tokens.pop(token, None)

    def revoke_refresh_tokens(self, user_id: int | None = None) -> None:
        for token, owner in list(self._refresh_tokens.items()):
            if user_id is None or owner == user_id:
                del self._refresh_tokens[token]

    def _issue(self, user_id: int) -> dict[str, Any]:
        token, refresh_token = f"sess-{user_id}-{secrets.token_hex(12)}", f"refr-{user_id}-{secrets.token_hex(12)}"
        lifetime = self.token_lifetime
        expires = time.monotonic() + lifetime if lifetime is not None else math.inf
        self._sessions[token] = (user_id, expires)
        self._refresh_tokens[refresh_token] = user_id
        self.issued.append((token, refresh_token))
        return {"token": token, "refresh_token": refresh_token, "token_type": "bearer",
                "expires_in": int(lifetime) if lifetime is not None else None}

    def seed(
        self, user_id: int, count: int, *, phone_b: str | None = None, description: str | None = None
    ) -> list[dict]:
        items = self._numbers.setdefault(user_id, [])
        created = []
        for _ in range(count):
            self._seed_clock += timedelta(minutes=1)
            if phone_b is None:
                b = f"7999{self._next_phone_b:07d}"
                self._next_phone_b += 1
            else:
                b = phone_b
            item = self._new_number(user_id, b, None, self._seed_clock.strftime(TIME_FORMAT))
            if description is None:
                item["description"] = f"тестовый умный номер {item['id']}"
            else:
                item["description"] = description
            items.append(item)
            created.append(dict(item))
        return created

    def numbers(self, user_id: int) -> list[dict]:
        """Copies of the user's current numbers, ordered by id."""
        return [dict(n) for n in self._numbers.get(user_id, [])]

    def total(self, user_id: int) -> int:
        """How many numbers the user has (without copying them)."""
        return len(self._numbers.get(user_id, []))

    def remove(self, user_id: int, number_id: int) -> None:
        """Delete a number behind the bot's back (as the web account would)."""
        self._numbers[user_id] = [n for n in self._numbers.get(user_id, []) if n["id"] != number_id]

    def describe(self, user_id: int, number_id: int, description: str) -> None:
        """Change a number's description behind the bot's back (as the web account would)."""
        for number in self._numbers.get(user_id, []):
            if number["id"] == number_id:
                number["description"] = description

    def _new_number(self, user_id: int, phone_b: str, description: str | None, created_at: str) -> dict:
        item = {
            "id": self._next_id,
            "user_id": user_id,
            "phoneA": PHONE_A,
            "phoneB": phone_b,
            "phoneX": f"7977{self._next_phone_x:07d}",
            "description": description or "",
            "created_at": created_at,
        }
        self._next_id += 1
        self._next_phone_x += 1
        return item

    # ---- faults and recorded requests ------------------------------------------

    def inject(self, fault: str, *, method: str | None = None, times: int = 1, **params: Any) -> None:
        """The next `times` requests with this method (None = any) get `fault`. Faults queue in order."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {sorted(FAULTS)}")
        unknown = set(params) - FAULTS[fault]
        if unknown:
            raise ValueError(f"fault {fault!r} does not take {sorted(unknown)}")
        if times < 1:
            raise ValueError("times must be >= 1")
        self._faults.append(_Fault(fault, method.upper() if method else None, times, params))

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def pending_faults(self) -> int:
        return sum(f.remaining for f in self._faults)

    async def arrival(self, method: str, timeout: float = 5.0) -> RecordedRequest:
        """The next request with `method` to reach the server (while it is being answered)."""
        waiter = (method.upper(), asyncio.get_running_loop().create_future())
        self._arrivals.append(waiter)
        try:
            return await asyncio.wait_for(waiter[1], timeout)
        finally:
            self._arrivals.remove(waiter)

    def clear_requests(self) -> None:
        self.requests.clear()

    def count(self, method: str | None = None, path_prefix: str | None = None) -> int:
        method = method.upper() if method else None
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method)
            and (path_prefix is None or r.path.startswith(path_prefix))
        )

    def _take_fault(self, method: str) -> _Fault | None:
        for i, fault in enumerate(self._faults):
            if fault.method is None or fault.method == method:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[i]
                return fault
        return None

    # ---- request pipeline --------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self._active += 1
        assert self._idle is not None
        self._idle.clear()
        recorded: RecordedRequest | None = None
        try:
            raw = await request.read()
            body = _parse_json(raw)
            request[JSON_KEY] = body
            if self.record_requests:
                recorded = RecordedRequest(
                    method=request.method,
                    path=request.path,
                    query=dict(request.query),
                    headers=CIMultiDict(request.headers),
                    json=body,
                    raw_body=raw,
                    at=time.monotonic(),
                )
                self.requests.append(recorded)
                for method, arrival in self._arrivals:
                    if method == request.method and not arrival.done():
                        arrival.set_result(recorded)
            await self._sleep(self.delay)
            fault = self._take_fault(request.method)
            if fault is None:
                response = self._throttle(request) or await _call(handler, request)
                if BUDGET_KEY in request and self.rate_limit is not None:
                    response.headers["X-RateLimit-Limit"] = str(self.rate_limit)
                    response.headers["X-RateLimit-Remaining"] = str(request[BUDGET_KEY])
                return _answered(recorded, request, response)
            return _answered(recorded, request, await self._apply_fault(fault, request, handler))
        except _Stopped:
            return _answered(recorded, request, _drop(request))
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    def _throttle(self, request: web.Request) -> web.Response | None:
        """429 when this token has used up its window's requests (see the module doc); else count it."""
        if self.rate_limit is None:
            return None
        key = request.headers.get("Authorization", "")
        now = time.monotonic()
        started, used = self._windows.get(key, (now, 0))
        if now - started >= self.rate_window:
            started, used = now, 0
        if used >= self.rate_limit:
            self.rate_limited += 1
            retry_after = max(1, math.ceil(started + self.rate_window - now))
            headers = {"Retry-After": str(retry_after), "X-RateLimit-Limit": str(self.rate_limit),
                       "X-RateLimit-Remaining": "0"}
            return json_response({"message": "Too Many Attempts."}, 429, headers)
        self._windows[key] = (started, used + 1)
        if self.rate_headers:
            request[BUDGET_KEY] = self.rate_limit - used - 1
        return None

    async def _apply_fault(self, fault: _Fault, request: web.Request, handler: Any) -> web.StreamResponse:
        name = fault.name
        delay = float(fault.params.get("delay", 1.0))
        if name == "slow":
            await self._sleep(delay)
            return await _call(handler, request)
        if name == "slow_after":
            response = await _call(handler, request)
            await self._sleep(delay)
            return response
        if name == "drop":
            return _drop(request)
        if name == "drop_after":
            await _call(handler, request)
            return _drop(request)
        if name == "html500":
            return web.Response(text=HTML_500, status=500, content_type="text/html")
        if name == "error200":
            return _error("User not found", 500, status=200)
        if name == "invalid_json":
            return web.Response(text=TRUNCATED_JSON, content_type="application/json")
        if name == "429":
            retry_after = str(fault.params.get("retry_after", 1))
            return json_response({"message": "Too Many Attempts."}, 429, {"Retry-After": retry_after})
        if name == "500":
            return json_response({"message": "Server Error"}, 500)
        if name == "503":
            return json_response({"message": "Service Unavailable"}, 503)
        if name == "401":
            return json_response({"message": "Unauthenticated."}, 401)
        raise AssertionError(name)

    async def _sleep(self, delay: float) -> None:
        """Sleep `delay` seconds; raise _Stopped at once if the server is stopping."""
        if delay <= 0:
            return
        assert self._stopping is not None
        try:
            async with asyncio.timeout(delay):
                await self._stopping.wait()
        except TimeoutError:
            return
        raise _Stopped

    def _auth_user(self, request: web.Request) -> int | None:
        """The token's user_id, or None if the Authorization/Client headers are not valid."""
        if request.headers.get("Client") != self.client_id:
            return None
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        if token in self._tokens:
            return self._tokens[token]
        user_id, expires = self._sessions.get(token, (None, 0.0))
        return user_id if time.monotonic() < expires else None

    # ---- endpoints -----------------------------------------------------------------

    async def _list(self, request: web.Request) -> web.Response:
        user_id = self._auth_user(request)
        if user_id is None:
            return _unauthenticated()
        if _requested_user(request) != user_id:
            return _error("User not found", 500)
        page = _page_number(request.query.get("page"))
        if self.on_list is not None:
            self.on_list(user_id, page)
        items = self._numbers.get(user_id, [])
        if user_id in self.list_order:
            items = self.list_order[user_id](items)
        return json_response(self._paginate(items, page, self._page_size(request.query.get("per_page"))))

    def _page_size(self, asked: str | None) -> int:
        """Laravel's paginator: the size asked for (up to the maximum) when the list honours it, else the default."""
        if self.max_per_page is None or asked is None or not asked.isdigit() or int(asked) < 1:
            return self.per_page
        return min(int(asked), self.max_per_page)

    def _paginate(self, items: list[dict], page: int, per_page: int | None = None) -> dict:
        total = len(items)
        per_page = per_page or self.per_page
        last_page = max(1, math.ceil(total / per_page))
        start = (page - 1) * per_page
        data = items[start : start + per_page]
        path = self.base_url + API_PATH
        return {
            "current_page": page,
            "data": data,
            "first_page_url": f"{path}?page=1",
            "from": start + 1 if data else None,
            "last_page": last_page,
            "last_page_url": f"{path}?page={last_page}",
            "next_page_url": f"{path}?page={page + 1}" if page < last_page else None,
            "path": path,
            "per_page": per_page,
            "prev_page_url": f"{path}?page={page - 1}" if page > 1 else None,
            "to": start + len(data) if data else None,
            "total": total,
        }

    async def _add(self, request: web.Request) -> web.Response:
        user_id = self._auth_user(request)
        if user_id is None:
            return _unauthenticated()
        if _requested_user(request) != user_id:
            return _error("User not found.", 500)
        body = request[JSON_KEY] if isinstance(request[JSON_KEY], dict) else {}
        errors = _validate_add(body)
        if errors:
            return _validation_error(errors)
        item = self._new_number(user_id, body["phone_b"], body.get("description"), _now())
        self._numbers.setdefault(user_id, []).append(item)
        return json_response({"success": True})

    async def _delete(self, request: web.Request) -> web.Response:
        user_id = self._auth_user(request)
        if user_id is None:
            return _unauthenticated()
        raw_id = request.match_info["id"]
        if not INT_RE.fullmatch(raw_id):
            return _error("The smart number id must be int", 400)
        number_id = int(raw_id)
        items = self._numbers.get(user_id, [])
        i = bisect_left(items, number_id, key=_by_id)
        if i == len(items) or items[i]["id"] != number_id:
            return _error("Smart number not found", 404)
        del items[i]
        return json_response({"success": True})


    async def _authuser(self, request: web.Request) -> web.Response:
        user_id = self._auth_user(request)
        if user_id is None:
            return _unauthenticated()
        profile = self._profiles.get(user_id, {})
        return json_response({"user": {
            "id": user_id, "email": profile.get("email"), "phone": profile.get("phone") or None,
            "first_name": profile.get("first_name") or None, "last_name": profile.get("last_name") or None,
            "middle_name": profile.get("middle_name") or None, "role": {"name": "client", "client_id": 1},
            "created_at": "2022-07-01 07:59:59",
        }})

    async def _login(self, request: web.Request) -> web.Response:
        if request.headers.get("Client") != self.client_id:
            return _unauthenticated()
        body = request[JSON_KEY] if isinstance(request[JSON_KEY], dict) else {}
        email, password = body.get("email"), body.get("password")
        missing = {name: [f"The {name} field is required."] for name, value in (("email", email),
                   ("password", password)) if not isinstance(value, str) or not value}
        if missing:
            return _validation_error(missing)
        login = self._logins.get(email.strip().lower())
        if login is None or login.password != password:
            return json_response({"message": WRONG_PASSWORD}, 401)
        return json_response(self._issue(login.user_id))

    async def _refresh(self, request: web.Request) -> web.Response:
        if request.headers.get("Client") != self.client_id:
            return _unauthenticated()
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user_id = self._refresh_tokens.pop(token.strip(), None) if scheme.lower() == "bearer" else None
        if user_id is None:
            return json_response({"message": "Token has expired and can no longer be refreshed"}, 401)
        return json_response(self._issue(user_id))


# ---- helpers -------------------------------------------------------------------------


async def _call(handler: Any, request: web.Request) -> web.StreamResponse:
    """Run the route handler, turning aiohttp's 404/405 into Laravel-like JSON."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        return json_response({"message": exc.reason}, exc.status)


def _answered(recorded: RecordedRequest | None, request: web.Request, response: web.StreamResponse
              ) -> web.StreamResponse:
    """Note the answer's status on the recorded request (0: the connection was dropped)."""
    if recorded is not None:
        dropped = request.transport is None or request.transport.is_closing()
        recorded.status = 0 if dropped else response.status
    return response


def _drop(request: web.Request) -> web.Response:
    """Close the connection without a response; aiohttp ignores the write to the closed transport."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _unauthenticated() -> web.Response:
    return json_response({"message": "Unauthenticated."}, 401)


def _requested_user(request: web.Request) -> int | None:
    """user_id from the JSON body if it has one, else from the query string; None if missing/not an int."""
    body = request[JSON_KEY]
    if isinstance(body, dict) and "user_id" in body:
        value = body["user_id"]
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    value = request.query.get("user_id")
    return int(value) if value is not None and INT_RE.fullmatch(value) else None


def _page_number(value: str | None) -> int:
    """Laravel treats a missing or invalid page as page 1."""
    if value is None or not value.isdigit() or int(value) < 1:
        return 1
    return int(value)


def _validate_add(body: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    phone_b = body.get("phone_b")
    if phone_b is None or phone_b == "":
        errors["phone_b"] = ["The phone b field is required."]
    elif not isinstance(phone_b, str) or not PHONE_B_RE.fullmatch(phone_b):
        errors["phone_b"] = ["The phone b format is invalid."]
    description = body.get("description")
    if description is not None:
        if not isinstance(description, str):
            errors["description"] = ["The description must be a string."]
        elif len(description) > 255:
            errors["description"] = ["The description may not be greater than 255 characters."]
    return errors


# ---- standalone ----------------------------------------------------------------------


def _parse_seed(value: str) -> tuple[int, str, int]:
    try:
        user_id, token, count = value.split(":")
        return int(user_id), token, int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected USER_ID:TOKEN:COUNT, got {value!r}") from None


async def _serve(args: argparse.Namespace) -> None:
    api = FakePlusofon(client_id=args.client_id, per_page=args.per_page, port=args.port)
    api.delay = args.delay
    api.rate_limit = args.rate_limit
    api.record_requests = False  # a long-running process would otherwise grow without bound
    for user_id, token, count in args.seed:
        api.add_account(user_id, token)
        api.seed(user_id, count)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await api.start()
    print(f"READY {api.base_url}", flush=True)
    try:
        await stop.wait()
    finally:
        await api.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Plusofon smart-numbers API")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--seed", type=_parse_seed, action="append", default=[], metavar="USER_ID:TOKEN:COUNT"
    )
    parser.add_argument("--client-id", default="10553")
    parser.add_argument("--per-page", type=int, default=15)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests a minute per token")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
