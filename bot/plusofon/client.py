"""The Plusofon smart-numbers client: one httpx.AsyncClient, bounded retries, one deadline per call."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

import httpx
import pydantic

from bot.core.backoff import retry_delay
from bot.plusofon import errors, responses
from bot.core.models import Credentials, SmartNumber, SmartNumberPage
from bot.plusofon.models import AccountOwner, AddResult, SignInTokens

if TYPE_CHECKING:
    from bot.core.metrics import Metrics

log = logging.getLogger(__name__)

PATH = "/api/v1/smart-numbers"
AUTHUSER_PATH, LOGIN_PATH, REFRESH_PATH = "/api/v1/authuser", "/api/v1/login", "/api/v1/refresh"
# The end (loop time) of the user action in progress: all its calls share it, see PlusofonClient.within.
_action_deadline: ContextVar[float | None] = ContextVar("plusofon_action_deadline", default=None)
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)
_ENDPOINTS = {"GET": "list", "POST": "add", "DELETE": "delete"}
# metric outcome of each error, most specific first
_OUTCOMES: tuple[tuple[type[errors.PlusofonError], str], ...] = (
    (errors.AuthenticationError, "unauthorized"), (errors.UserNotFoundError, "user_not_found"),
    (errors.NotFoundError, "not_found"), (errors.BadRequestError, "bad_request"),
    (errors.ValidationError, "invalid"), (errors.RateLimitError, "rate_limited"),
    (errors.MalformedResponseError, "malformed"), (errors.APITimeoutError, "timeout"),
    (errors.APIConnectionError, "connection_error"),
)
_ABANDONED = errors.APIConnectionError("the call was abandoned", request_sent=True)  # a cancelled request


class CallObserver(Protocol):
    """Told of every request the client sends (each attempt), e.g. to pace background reads around them."""

    def call_started(self, creds: Credentials) -> None: ...

    def call_finished(self, creds: Credentials, error: errors.PlusofonError | None) -> None: ...

    def call_budget(self, creds: Credentials, limit: int, remaining: int) -> None:
        """The answer carried Laravel's X-RateLimit-Limit and X-RateLimit-Remaining (calls left this window)."""


class PlusofonClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        *,
        connect_timeout: float = 5.0,
        request_timeout: float = 15.0,
        deadline: float = 18.0,
        max_retries: int = 2,
        backoff: float = 0.5,
        retry_after_cap: float = 10.0,
        page_concurrency: int = 4,
        max_connections: int = 100,
        max_idle_connections: int = 20,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        """`verify`: as httpx takes it; an SSLContext made once saves loading the CA bundle for every client
        (tens of milliseconds; the tests make hundreds of clients)."""
        self._request_timeout = request_timeout
        self._deadline = deadline
        self._max_retries = max_retries
        self._backoff = backoff
        self._retry_after_cap = retry_after_cap
        self._page_concurrency = page_concurrency
        self._observers: list[CallObserver] = []
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={"Accept": "application/json", "Content-Type": "application/json", "Client": client_id},
            timeout=httpx.Timeout(request_timeout, connect=connect_timeout),
            # few idle connections: httpcore checks every idle one on each request
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_idle_connections),
            transport=transport,
            verify=verify,
        )
        self._metrics: Metrics | None = None

    def instrument(self, metrics: Metrics) -> None:
        """Count and time every request from now on (see bot/core/metrics.py)."""
        self._metrics = metrics

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def observe(self, observer: CallObserver) -> None:
        self._observers.append(observer)

    @contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Every call made inside shares one deadline `seconds` from now (one user action, one answer time)."""
        token = _action_deadline.set(asyncio.get_running_loop().time() + seconds)
        try:
            yield
        finally:
            _action_deadline.reset(token)

    # -- the API's three calls -------------------------------------------------------------------

    async def list_page(self, creds: Credentials, page: int = 1, *, retry: bool = True,
                        per_page: int | None = None) -> SmartNumberPage:
        """One page of the list; `retry=False` leaves failures (a 429 too) to the caller's own pacing. `per_page`
        asks for pages of that size: a list that honours it echoes it in the page's `per_page` (up to its
        maximum); one that does not answers with its usual size."""
        params: dict[str, Any] = {"page": page, "user_id": creds.user_id}
        if per_page is not None:
            params["per_page"] = per_page
        body = await self._call("GET", PATH, creds, params=params, json={"user_id": creds.user_id}, retry=retry)
        return _model(SmartNumberPage, body)

    async def add(self, creds: Credentials, phone_b: str, description: str, *,
                  before: SmartNumberPage | None = None) -> AddResult:
        """Create a number and identify it by reading the list back (the API's answer does not say).

        `before` is page 1 as read just now, if the caller has it. Never retried: after an ambiguous failure
        the list tells whether the number was created.
        """
        if before is None:
            before = await self.list_page(creds, 1)
        payload = {"phone_b": phone_b, "user_id": creds.user_id, "description": description}
        ambiguous: errors.PlusofonError | None = None
        try:
            await self._call("POST", PATH, creds, json=payload, retry=False)
        except (errors.APIConnectionError, errors.ServerError) as error:
            if not _ambiguous(error):
                raise
            ambiguous = error
        try:
            number = await self._find_added(creds, before, phone_b, description)
        except errors.PlusofonError as error:
            if ambiguous is not None:
                raise errors.AddOutcomeUnknown("the add may or may not have gone through") from error
            log.warning("added a number for user %s but could not read it back: %s", creds.user_id, error)
            return AddResult(created=True)
        if ambiguous is None:
            return AddResult(created=True, number=number)
        if number is not None:
            log.warning("add for user %s failed ambiguously (%s) but the number exists", creds.user_id, ambiguous)
            return AddResult(created=True, number=number)
        if isinstance(ambiguous, errors.APITimeoutError):
            # The server may still be working on it: not there yet does not mean it will not be.
            raise errors.AddOutcomeUnknown("the add timed out and the number is not there yet") from ambiguous
        raise ambiguous

    async def create(self, creds: Credentials, phone_b: str, description: str) -> None:
        """Only the POST of an add, never retried, for a caller that identifies new numbers itself (a bulk job
        reads one page for many). AddOutcomeUnknown when the request may have reached Plusofon and its answer
        was lost (a dropped connection, a timeout, a 5xx): the list tells, before it is ever sent again."""
        payload = {"phone_b": phone_b, "user_id": creds.user_id, "description": description}
        try:
            await self._call("POST", PATH, creds, json=payload, retry=False)
        except (errors.APIConnectionError, errors.ServerError) as error:
            if _ambiguous(error):
                raise errors.AddOutcomeUnknown("the add may or may not have gone through") from error
            raise

    async def delete(self, creds: Credentials, number_id: int) -> None:
        await self._call("DELETE", f"{PATH}/{number_id}", creds, retry=True, gone_is_done=True)

    # -- signing in ------------------------------------------------------------------------------

    async def authuser(self, token: str) -> AccountOwner:
        """Whose account `token` opens (its `id` is the `user_id` of every smart-numbers call)."""
        body = await self._call("GET", AUTHUSER_PATH, None, bearer=token, retry=True)
        return _model(AccountOwner, body, "the authuser answer has no user id")

    async def login(self, email: str, password: str) -> SignInTokens:
        """Sign in with the account's e-mail and password; WrongCredentials when Plusofon refuses them."""
        try:
            body = await self._call("POST", LOGIN_PATH, None, json={"email": email, "password": password},
                                    retry=False)
        except (errors.AuthenticationError, errors.ValidationError, errors.UserNotFoundError) as error:
            raise errors.WrongCredentials(error.message, status_code=error.status_code, code=error.code) from None
        return _model(SignInTokens, body, "the sign-in answer has no token or refresh_token")

    async def refresh(self, refresh_token: str) -> SignInTokens:
        """A new pair for a refresh token; SignInExpired when Plusofon refuses it (expired or revoked).

        Not retried: a refresh that reached the server may have used the refresh token up."""
        try:
            body = await self._call("GET", REFRESH_PATH, None, bearer=refresh_token, retry=False)
        except (errors.ServerError, errors.RateLimitError):
            raise
        except errors.APIStatusError as error:
            raise errors.SignInExpired(error.message, status_code=error.status_code, code=error.code) from None
        return _model(SignInTokens, body, "the refresh answer has no token or refresh_token")

    # -- built on top of them -------------------------------------------------------------------

    async def list_all(self, creds: Credentials, *, first: SmartNumberPage | None = None) -> list[SmartNumber]:
        """Every number of the account: page 1 (unless given), then the others concurrently, a few at a time."""
        if first is None:
            first = await self.list_page(creds, 1)
        pages = [first, *await self._pages(creds, range(2, (first.last_page or 1) + 1))]
        unique = {number.id: number for page in pages for number in page.data}
        return [unique[key] for key in sorted(unique)]

    async def find(self, creds: Credentials, number_id: int) -> SmartNumber | None:
        """One number by id: a bisection over the pages while ids ascend (about log2(pages) calls), else a scan."""
        first = await self.list_page(creds, 1)
        found = _on_page(first, number_id)
        if found is not None or not first.data:
            return found
        if not _ascending(first):
            return await self._scan(creds, number_id)
        floor = first.data[-1].id
        if number_id < floor:
            return None
        low, high = 2, first.last_page or 1
        while low <= high:
            middle = (low + high) // 2
            page = await self.list_page(creds, middle)
            if not page.data:  # numbers were deleted meanwhile: the account has fewer pages now
                high = middle - 1
                continue
            if not _ascending(page) or page.data[0].id <= floor:
                return await self._scan(creds, number_id)
            found = _on_page(page, number_id)
            if found is not None:
                return found
            if number_id < page.data[0].id:
                high = middle - 1
            elif number_id > page.data[-1].id:
                low = middle + 1
            else:
                return None
        return None

    async def _scan(self, creds: Credentials, number_id: int) -> SmartNumber | None:
        log.info("ids do not ascend over the pages of user %s: scanning them all", creds.user_id)
        return next((number for number in await self.list_all(creds) if number.id == number_id), None)

    async def _pages(self, creds: Credentials, numbers: range) -> list[SmartNumberPage]:
        limit = asyncio.Semaphore(self._page_concurrency)

        async def fetch(page: int) -> SmartNumberPage:
            async with limit:
                return await self.list_page(creds, page)

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(fetch(page)) for page in numbers]
        except ExceptionGroup as failed:  # one page failed and the others were cancelled: raise the cause
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    async def _find_added(self, creds: Credentials, before: SmartNumberPage, phone_b: str,
                          description: str) -> SmartNumber | None:
        """The newest number with this phone_b and description that was not there before."""
        total_before = before.total or 0
        expected_page = max(1, math.ceil((total_before + 1) / before.per_page))
        after = await self.list_page(creds, expected_page)
        if not after.data and (after.last_page or 1) < expected_page:
            after = await self.list_page(creds, after.last_page or 1)
        if (after.total or 0) <= total_before and after.total is not None:
            return None
        newer_than = max((number.id for number in before.data), default=0)
        matches = [
            number for number in after.data
            if number.id > newer_than and number.phone_b == phone_b
            and number.description.strip() == description.strip()
        ]
        return max(matches, key=lambda number: number.id, default=None)

    # -- one call: attempts, retries, deadline ------------------------------------------------

    async def _call(self, method: str, path: str, creds: Credentials | None, *,
                    params: dict[str, Any] | None = None, json: Any = None, retry: bool,
                    gone_is_done: bool = False, bearer: str | None = None) -> Any:
        """One call: retried when `retry` (and the error allows), and, when the credentials can renew their
        token, renewed once after a 401 and made again (a 401 is a definite "not done": safe even for an add)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._deadline
        action_deadline = _action_deadline.get()
        if action_deadline is not None:
            deadline = min(deadline, action_deadline)
        hooks = creds.hooks if creds is not None else None
        token = bearer if creds is None else creds.token if hooks is None else hooks.current(creds.token)
        attempt = 0
        renewed = False
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0.05:
                raise errors.APITimeoutError("no time left for this action", request_sent=False)
            try:
                body = await self._attempt(method, path, creds, token, params, json,
                                           min(self._request_timeout, remaining))
            except errors.AuthenticationError:
                if hooks is None:
                    raise
                if not renewed:
                    fresh = await hooks.renew(token or "")
                    if fresh is not None:
                        log.info("%s %s: token renewed after a 401; once more", method, path)
                        renewed, token = True, fresh
                        continue
                await hooks.rejected()
                raise
            except errors.NotFoundError:
                if gone_is_done and attempt > 0:
                    log.info("%s %s: gone on retry, so the earlier attempt did it", method, path)
                    return None
                raise
            except (errors.APIConnectionError, errors.ServerError, errors.RateLimitError) as error:
                delay = self._retry_delay(error, attempt) if retry else None
                if delay is None or loop.time() + delay + 0.5 >= deadline:
                    raise
                log.warning("%s %s failed (%s); retry %d in %.2fs", method, path, error, attempt + 1, delay)
                await asyncio.sleep(delay)
                attempt += 1
            else:
                if hooks is not None:
                    await hooks.accepted()
                return body

    def _retry_delay(self, error: errors.PlusofonError, attempt: int) -> float | None:
        if attempt >= self._max_retries:
            return None
        if (isinstance(error, errors.APIStatusError) and error.status_code < 429
                and not isinstance(error, errors.MalformedResponseError)):
            return None  # an error body with a success status: the API meant it
        retry_after = error.retry_after if isinstance(error, errors.RateLimitError) else None
        return retry_delay(attempt, self._backoff, retry_after=retry_after, cap=self._retry_after_cap)

    async def _attempt(self, method: str, path: str, creds: Credentials | None, token: str | None,
                       params: dict[str, Any] | None, json: Any, timeout: float) -> Any:
        """One request: told to the observers when it acts for an account (sign-in calls do not), and counted and
        timed for the metrics."""
        observers = self._observers if creds is not None else ()
        for observer in observers:
            observer.call_started(creds)
        started = time.perf_counter()
        error: errors.PlusofonError | None = None
        try:
            body, budget = await self._request(method, path, token, params, json, timeout)
            if budget is not None:
                for observer in observers:
                    observer.call_budget(creds, *budget)
            return body
        except errors.PlusofonError as failed:
            error = failed
            raise
        except BaseException:  # cancelled: neither an answer nor a refusal
            error = _ABANDONED
            raise
        finally:
            for observer in observers:
                observer.call_finished(creds, error)
            if self._metrics is not None:
                endpoint = _ENDPOINTS.get(method, "other") if path.startswith(PATH) else "other"
                self._metrics.plusofon_request(endpoint, _outcome(error), time.perf_counter() - started)

    async def _request(self, method: str, path: str, token: str | None, params: dict[str, Any] | None,
                       json: Any, timeout: float) -> tuple[Any, tuple[int, int] | None]:
        """The answer's body, and its rate-limit budget (limit, remaining) when it carries one."""
        headers = {}
        if path != LOGIN_PATH:
            if token is None or not _sendable(token):
                raise errors.AuthenticationError("the API token is malformed", status_code=401)
            headers["Authorization"] = f"Bearer {token}"
        try:
            async with asyncio.timeout(max(timeout, 0.001)):
                response = await self._http.request(method, path, params=params, json=json, headers=headers)
        except TimeoutError:
            raise errors.APITimeoutError() from None
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise errors.APITimeoutError(request_sent=False) from _scrubbed(error)
        except httpx.TimeoutException as error:
            raise errors.APITimeoutError() from _scrubbed(error)
        except httpx.ConnectError as error:
            raise errors.APIConnectionError(request_sent=False) from _scrubbed(error)
        except httpx.TransportError as error:
            raise errors.APIConnectionError(
                f"Plusofon dropped the connection ({type(error).__name__})", request_sent=True
            ) from _scrubbed(error)
        return responses.parse(response), responses.budget(response.headers)


def _outcome(error: errors.PlusofonError | None) -> str:
    """The metric outcome of a request."""
    if error is None:
        return "ok"
    if error is _ABANDONED:
        return "server_error"
    return next((name for kind, name in _OUTCOMES if isinstance(error, kind)), "server_error")


def _ambiguous(error: errors.PlusofonError) -> bool:
    """A failed POST that may have gone through: the request was sent and no definite refusal came back."""
    if isinstance(error, errors.APIConnectionError):
        return error.request_sent
    return isinstance(error, errors.MalformedResponseError) or (
        isinstance(error, errors.ServerError) and error.status_code >= 500)


def _scrubbed(error: httpx.HTTPError) -> Exception:
    """The httpx error as a cause without its request (which holds the Authorization header)."""
    return type(error)(str(error))


def _sendable(token: str) -> bool:
    """Whether the token can go into a header as it is (else httpx would fail, quoting it)."""
    return bool(token) and token.isascii() and token.isprintable() and not any(ch.isspace() for ch in token)


def _model(cls: type[ModelT], body: Any, problem: str = "the answer does not look like the documented one",
           ) -> ModelT:
    try:
        return cls.model_validate(body)
    except pydantic.ValidationError:
        raise errors.MalformedResponseError(problem, status_code=200) from None


def _on_page(page: SmartNumberPage, number_id: int) -> SmartNumber | None:
    return next((number for number in page.data if number.id == number_id), None)


def _ascending(page: SmartNumberPage) -> bool:
    ids = [number.id for number in page.data]
    return all(a < b for a, b in itertools.pairwise(ids))

