"""A real HTTP fake of the Telegram Bot API (aiohttp.web on 127.0.0.1, random port).

For end-to-end tests and benchmarks that run the bot with TELEGRAM_API_URL set to
`FakeBotApi.base_url`.  Answers come from the same `FakeTelegram` state machine as
`FakeSession`; getUpdates is long-polled from a queue fed by `push_update`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self

import aiogram.methods
from aiohttp import web

from tests.fake_telegram import (
    BOT_FIRST_NAME,
    BOT_USERNAME,
    FakeTelegram,
    TelegramControls,
    callback_query_dict,
    user_message_dict,
)

ParamsPredicate = Callable[[dict[str, Any]], bool]


def _api_method_names() -> dict[str, str]:
    """lower-case name -> Bot API name, for every method aiogram knows (Telegram ignores case)."""
    names: dict[str, str] = {}
    for attr in aiogram.methods.__all__:
        api_name = getattr(getattr(aiogram.methods, attr), "__api_method__", None)
        if isinstance(api_name, str):
            names[api_name.lower()] = api_name
    return names


API_METHODS: Final = _api_method_names()

# Form values are strings; these fields get converted back to numbers.
_INT_FIELDS: Final = frozenset(
    ["chat_id", "from_chat_id", "message_id", "user_id", "offset", "limit", "timeout", "message_thread_id", "reply_to_message_id", "cache_time", "until_date", "max_connections", "direct_messages_topic_id"]
)
# Free-text fields are never JSON/bool-decoded even if they look like JSON.
_TEXT_FIELDS: Final = frozenset(
    ["text", "caption", "title", "description", "short_description", "name", "data", "query", "url", "callback_query_id", "inline_message_id", "question", "explanation", "address", "custom_title"]
)
_INT_RE: Final = re.compile(r"-?\d+")


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    at: float
    """time.monotonic() when the request arrived."""
    index: int = -1
    """Position in FakeBotApi.calls."""
    status: int = 200
    response: dict[str, Any] | None = None
    """The JSON answered (None while a getUpdates is still waiting)."""


@dataclass(frozen=True)
class UploadedFile:
    """A file the client uploaded in a multipart request (e.g. sendDocument's document)."""

    filename: str | None
    content: bytes
    content_type: str | None


def _error(status: int, description: str) -> web.Response:
    return _json(status, {"ok": False, "error_code": status, "description": description})


def _json(status: int, payload: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(payload), content_type="application/json")


def _decode_value(key: str, value: Any) -> Any:
    """Form strings back to what the client meant: ints, bools, JSON objects/arrays."""
    if not isinstance(value, str) or key in _TEXT_FIELDS:
        return value
    if key in _INT_FIELDS and _INT_RE.fullmatch(value):
        return int(value)
    if value in ("true", "false"):
        return value == "true"
    if value[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query string + JSON / urlencoded / multipart body, files resolved from attach://."""
    raw: dict[str, Any] = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            raw.update(await request.json())
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    value = UploadedFile(value.filename, value.file.read(), value.content_type)
                raw[key] = value
    params = {key: _decode_value(key, value) for key, value in raw.items()}
    return _resolve_attachments(params)


def _resolve_attachments(params: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            attached = params.pop(value.removeprefix("attach://"), None)
            if attached is not None:
                params[key] = attached
    return params


class FakeBotApi(TelegramControls):
    """Serves the Bot API for one token; records calls; queues updates for getUpdates."""

    def __init__(
        self,
        *,
        token: str,
        bot_username: str = BOT_USERNAME,
        bot_id: int = 42,
        bot_first_name: str = BOT_FIRST_NAME,
    ) -> None:
        self.token = token
        self.telegram = FakeTelegram(
            bot_id=bot_id, bot_username=bot_username, bot_first_name=bot_first_name
        )
        self.base_url = ""
        self.calls: list[ApiCall] = []
        self._calls_by_method: defaultdict[str, list[ApiCall]] = defaultdict(list)
        self._waiters: defaultdict[str, list[tuple[ParamsPredicate, asyncio.Future[ApiCall]]]]
        self._waiters = defaultdict(list)
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._update_pushed = asyncio.Event()  # replaced by a fresh Event on every push
        self._closing = False
        self._runner: web.AppRunner | None = None

    # ---- lifecycle ----

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._file)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self._closing = False
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        """Answer pending long polls at once, then shut the server down."""
        if self._runner is None:
            return
        self._closing = True
        self._wake_pollers()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---- updates ----

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (update_id assigned if missing); returns its id."""
        update = dict(update)
        update_id = update.setdefault("update_id", self._next_update_id)
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._updates.append(update)
        self._wake_pollers()
        return update_id

    def push_message(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int,
        chat_type: str = "private",
        first_name: str = "Иван",
        username: str | None = "ivan",
        language_code: str | None = "ru",
        **extra: Any,
    ) -> int:
        """Queue a user's text message (bot_command entities included); returns the update_id."""
        message = user_message_dict(
            text,
            chat_id=chat_id,
            user_id=user_id,
            chat_type=chat_type,
            first_name=first_name,
            username=username,
            language_code=language_code,
            message_id=self.telegram.next_message_id(chat_id),
            **extra,
        )
        return self.push_update({"message": message})

    def push_callback(
        self,
        data: str,
        *,
        chat_id: int,
        user_id: int,
        message_id: int,
        message_text: str | None = None,
        first_name: str = "Иван",
        username: str | None = "ivan",
        language_code: str | None = "ru",
    ) -> int:
        """Queue a button press on a bot message; text/markup default to its current content."""
        current = self.messages.get((chat_id, message_id), {})
        query = callback_query_dict(
            data,
            chat_id=chat_id,
            user_id=user_id,
            message_id=message_id,
            message_text=message_text or current.get("text") or "...",
            reply_markup=current.get("reply_markup"),
            first_name=first_name,
            username=username,
            language_code=language_code,
            bot_user=self.telegram.bot_user,
        )
        return self.push_update({"callback_query": query})

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    def _wake_pollers(self) -> None:
        self._update_pushed.set()
        self._update_pushed = asyncio.Event()

    # ---- calls ----

    def cursor(self) -> int:
        """Index to pass as `since=` to only see calls made from now on."""
        return len(self.calls)

    def calls_of(self, method: str) -> list[ApiCall]:
        return list(self._calls_by_method.get(self._api_name(method), ()))

    async def wait_for(
        self,
        method: str,
        predicate: ParamsPredicate = lambda params: True,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> ApiCall:
        """First `method` call at index >= `since` whose params match (recorded or future).

        Take `since = api.cursor()` before pushing an update to ignore earlier calls.
        """
        method = self._api_name(method)
        made = self._calls_by_method.get(method, [])
        start = bisect_left(made, since, key=lambda call: call.index)
        for call in itertools.islice(made, start, None):
            if predicate(call.params):
                return call
        future: asyncio.Future[ApiCall] = asyncio.get_running_loop().create_future()
        waiter = (predicate, future)
        self._waiters[method].append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(self._timeout_message(method, since, timeout)) from None
        finally:
            self._waiters[method].remove(waiter)

    def _timeout_message(self, method: str, since: int, timeout: float) -> str:
        seen = self.calls[since:][-30:]
        lines = [f"  {c.method}({c.params}) -> {c.status}" for c in seen] or ["  (none)"]
        return f"no {method} call matched within {timeout}s; calls since #{since}:\n" + "\n".join(
            lines
        )

    def _record(self, call: ApiCall) -> None:
        call.index = len(self.calls)
        self.calls.append(call)
        self._calls_by_method[call.method].append(call)
        for predicate, future in self._waiters.get(call.method, ()):
            if future.done():
                continue
            try:
                if predicate(call.params):
                    future.set_result(call)
            except Exception as error:  # noqa: BLE001 - a broken predicate fails the waiting test
                future.set_exception(error)

    @staticmethod
    def _api_name(method: str) -> str:
        return API_METHODS.get(method.lower(), method)

    # ---- HTTP ----

    async def _file(self, request: web.Request) -> web.Response:
        """Telegram's file server: the bytes of a file a user sent (FakeTelegram.user_file)."""
        content = self.telegram.file_content(request.match_info["path"])
        if request.match_info["token"] != self.token or content is None:
            return _error(404, "Not Found")
        return web.Response(body=content, content_type="application/octet-stream")

    async def _not_found(self, request: web.Request) -> web.Response:
        return _error(404, "Not Found")

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = API_METHODS.get(request.match_info["method"].lower())
        if method is None:
            return _error(404, "Not Found")
        call = ApiCall(method, await read_params(request), time.monotonic())
        if method == "getUpdates":
            return await self._get_updates(call)
        call.status, call.response = self.telegram.handle(method, call.params)
        self._record(call)
        return _json(call.status, call.response)

    async def _get_updates(self, call: ApiCall) -> web.Response:
        self._record(call)
        failure = self.telegram.take_failure(call.method)
        if failure is not None:
            call.status, call.response = failure
            return _json(call.status, call.response)
        params = call.params
        self._confirm(params.get("offset"))
        if not self._updates and not self._closing and (params.get("timeout") or 0) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._update_pushed.wait(), params["timeout"])
        limit = min(max(params.get("limit") or 100, 1), 100)
        call.response = {"ok": True, "result": list(itertools.islice(self._updates, limit))}
        return _json(200, call.response)

    def _confirm(self, offset: int | None) -> None:
        """Drop updates below `offset`; a negative offset keeps only the last -offset ones."""
        if offset is None:
            return
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()
