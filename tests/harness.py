"""The whole bot in-process: `create_dispatcher` with a FakeSession for Telegram, the fake Plusofon server
over real HTTP, and a real SQLite file. Updates go in through `Dispatcher.feed_update`, as in production."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from bot.core.settings import Settings
from bot.dispatcher import create_bot, create_dispatcher, set_commands
from bot.plusofon import PlusofonClient
from bot.services.container import Services
from bot.services.expirer import Expirer
from bot.services.mirror import Mirror
from storage.chats import ChatRepository
from storage.cipher import TokenCipher
from storage.database import connect
from tests.conftest import SHARED_TLS
from tests.fake_plusofon import FakePlusofon
from tests.fake_telegram import (
    TEST_TOKEN,
    FakeSession,
    RecordedCall,
    callback_update,
    document_update,
    make_update,
    message_update,
)

SECRET_KEY = "6cM2tVfGYb0yJb9nJ0yIqXr0f1QpJkq8pC4v3m6z9bQ="
FAST_CLIENT = {"connect_timeout": 1.0, "request_timeout": 1.0, "deadline": 2.5, "backoff": 0.01,
               "retry_after_cap": 1.0, "verify": SHARED_TLS}
# For a test of the `harness` fixture that waits for the client to give up on a slow API (a fault lasting
# seconds): FAST_CLIENT's request timeout and deadline halved, still many times what a request to the fake
# takes.
GIVE_UP_SOONER = pytest.mark.client_options(request_timeout=0.5, deadline=1.25)


_MIGRATED: list[Path] = []  # an empty database with every migration applied, made once per test process


async def _new_database(path: Path) -> None:
    """Give a new bot a copy of an empty, migrated database (what `connect` would make of a new file, as it
    makes it: WAL, owner-only) instead of migrating from scratch, ~10 ms a bot. The migrations themselves are
    tested in tests/test_storage.py and tests/test_upgrade.py; `connect` still runs on every start and finds
    nothing to do."""
    if not _MIGRATED:
        template = Path(tempfile.mkdtemp(prefix="migrated-")) / "bot.sqlite3"
        atexit.register(shutil.rmtree, template.parent, ignore_errors=True)
        await (await connect(template)).close()  # the last connection closed: the WAL is checkpointed, gone
        assert not template.with_name(template.name + "-wal").exists()
        _MIGRATED.append(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_MIGRATED[0], path)
    os.chmod(path, 0o600)


class FakeClock:
    """Wall-clock time that moves only when a test says so (for the expiry worker)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class BotHarness:
    """One bot: `send` a message or `press` a button, then look at `tg` (Telegram) and `api` (Plusofon)."""

    def __init__(self, tmp_path: Path, api: FakePlusofon, **settings: Any) -> None:
        self.api = api
        self.tg = FakeSession()
        settings.setdefault("mirror_calls_per_minute", 60_000)  # loopback: read fast unless a test says
        for name in ("throttle_user_burst", "throttle_chat_burst"):  # tests act faster than people (but see
            settings.setdefault(name, 1_000_000)                     # tests/test_throttle.py)
        self.settings = Settings(bot_token=TEST_TOKEN, database_path=tmp_path / "bot.sqlite3",
                                 plusofon_api_url=api.base_url, secret_key=SECRET_KEY, _env_file=None,
                                 **settings)
        self.notifier_options: dict[str, Any] = {"window": 60.0, "backoff": 0.01}
        self.client_options: dict[str, Any] = dict(FAST_CLIENT)
        self.clock = FakeClock()
        self.expiry_options: dict[str, Any] = {"clock": self.clock}
        self.digest_options: dict[str, Any] = {"clock": self.clock}
        # the copy is read when an answer needs it (or `synced()`), not on first use nor periodically: tests
        # count calls and inject faults without a background read in between (tests/test_mirror.py sets it back)
        self.mirror_options: dict[str, Any] = {"read_when_used": False}
        self.bot: Bot = create_bot(self.settings, session=self.tg)
        self.dp: Dispatcher | None = None

    async def start(self) -> BotHarness:
        if not self.settings.database_path.exists():
            await _new_database(self.settings.database_path)
        db = await connect(self.settings.database_path)
        plusofon = PlusofonClient(self.api.base_url, self.settings.plusofon_client_id, **self.client_options)
        self.dp = create_dispatcher(self.settings, db=db, plusofon=plusofon, cipher=TokenCipher([SECRET_KEY]),
                                    notifier_options=self.notifier_options, expiry_options=self.expiry_options,
                                    mirror_options=self.mirror_options, digest_options=self.digest_options)
        await self.dp.emit_startup(bot=self.bot, dispatcher=self.dp, bots=[self.bot], **self.dp.workflow_data)
        await set_commands(self.bot)  # as bot/app.py's start-up does
        return self

    async def stop(self) -> None:
        if self.dp is not None:
            await self.dp.emit_shutdown(bot=self.bot, dispatcher=self.dp, bots=[self.bot],
                                        **self.dp.workflow_data)
            self.dp = None

    async def restart(self) -> None:
        """Stop and start again on the same database file: what a redeploy does."""
        await self.stop()
        await self.start()

    @property
    def services(self) -> Services:
        assert self.dp is not None
        return self.dp["services"]

    @property
    def expirer(self) -> Expirer:
        return self.services.expirer

    @property
    def chats(self) -> ChatRepository:
        return self.services.chats

    @property
    def mirror(self) -> Mirror:
        return self.services.mirror

    async def synced(self, account: int = 40, *, clear: bool = True, timeout: float = 10.0) -> None:
        """Have the account's copy read whole (as the first action of a connected chat would start), wait for it,
        and (by default) forget the requests so far, so that a test counts only what its actions cost."""
        auth = next(auth for auth in await self.chats.all() if auth.user_id == account)
        self.mirror.touch(auth.credentials)
        self.mirror.read_now(account)
        await self.mirror.settled(account, timeout)
        if clear:
            self.api.clear_requests()

    async def connect_chat(self, chat_id: int, user_id: int = 40, token: str = "tok-40-secret-value",
                           notify_chat_id: int | None = None) -> None:
        await self.chats.put(chat_id, user_id, token, notify_chat_id=notify_chat_id, by_admin=True)  # as the CLI

    async def send(self, text: str, *, chat_id: int = 100, user_id: int | None = None,
                   **options: Any) -> list[RecordedCall]:
        """Feed a user's message; return the Telegram calls the bot made while handling it."""
        if user_id is None:
            user_id = chat_id if chat_id > 0 else 100
        if chat_id < 0:
            options.setdefault("chat_type", "supergroup")
        return await self._feed(message_update(text, chat_id=chat_id, user_id=user_id, **options))

    async def send_file(self, content: bytes | None, file_name: str | None = None, *, caption: str | None = "/import",
                        mime_type: str | None = None, chat_id: int = 100, user_id: int | None = None,
                        **options: Any) -> list[RecordedCall]:
        """A user sends a document (served to the bot by getFile and the download), or a photo when `content`
        is None; the calls the bot made while handling it."""
        if user_id is None:
            user_id = chat_id if chat_id > 0 else 100
        if chat_id < 0:
            options.setdefault("chat_type", "supergroup")
        document = self.tg.telegram.user_file(content, file_name, mime_type) if content is not None else None
        return await self._feed(document_update(document, chat_id=chat_id, user_id=user_id, caption=caption,
                                                photo=content is None, **options))

    async def press(self, message: RecordedCall | tuple[int, int], button: str, *, user_id: int | None = None,
                    **options: Any) -> list[RecordedCall]:
        """Press the button labelled `button` (exact text or prefix) under a message the bot sent or edited."""
        chat_id, message_id = _message_ref(message)
        markup = self.tg.message_markup(chat_id, message_id)
        data = button_data(markup, button)
        if user_id is None:
            user_id = chat_id if chat_id > 0 else 100
        return await self._feed(callback_update(data, chat_id=chat_id, user_id=user_id, message_id=message_id,
                                                message_text=self.tg.message_text(chat_id, message_id) or "",
                                                reply_markup=markup, **options))

    async def press_data(self, data: str, *, chat_id: int, message_id: int, user_id: int | None = None,
                         **options: Any) -> list[RecordedCall]:
        """Send raw callback data, as a forged or stale button would."""
        if user_id is None:
            user_id = chat_id if chat_id > 0 else 100
        return await self._feed(callback_update(data, chat_id=chat_id, user_id=user_id, message_id=message_id,
                                                message_text=self.tg.message_text(chat_id, message_id) or "",
                                                **options))

    async def inline(self, text: str, *, user_id: int = 100, offset: str = "", **options: Any) -> dict[str, Any]:
        """The user types `@bot text` somewhere (asking for the page at `offset`): the bot's answerInlineQuery
        params, with the query's id as `inline_query_id`."""
        assert self.dp is not None
        payload = self.tg.inline_query(text, user_id=user_id, offset=offset, **options)
        await self.dp.feed_update(self.bot, make_update(payload))
        answer = self.tg.inline_answer(payload["inline_query"]["id"])
        assert answer is not None, f"the bot did not answer the inline query; calls:\n{self.tg.describe_calls(5)}"
        return answer

    async def choose(self, answer: dict[str, Any], result_id: str, chat_id: int) -> dict[str, Any]:
        """The user picks result `result_id` of an inline answer in chat `chat_id`: the message that appeared
        there (see FakeTelegram's InlineMode), after the bot got the `chosen_inline_result`."""
        assert self.dp is not None
        query_id = answer["inline_query_id"]
        before = set(self.tg.messages)
        await self.dp.feed_update(self.bot, make_update(self.tg.choose_inline_result(query_id, result_id, chat_id)))
        (key,) = set(self.tg.messages) - before
        return self.tg.messages[key]

    async def _feed(self, update: Any) -> list[RecordedCall]:
        """The calls made while handling `update` that concern its chat (background notifications to other
        chats are left out: tests wait for those with `tg.wait_for`)."""
        assert self.dp is not None
        before = len(self.tg.calls)
        await self.dp.feed_update(self.bot, update)
        chat_id = update.event.chat.id if update.message else update.callback_query.message.chat.id
        return [call for call in self.tg.calls[before:] if call.params.get("chat_id") in (None, chat_id)]


def _message_ref(message: RecordedCall | tuple[int, int]) -> tuple[int, int]:
    if isinstance(message, tuple):
        return message
    result = message.result
    if isinstance(result, dict):
        return result["chat"]["id"], result["message_id"]
    return int(message.params["chat_id"]), int(message.params["message_id"])


def buttons(markup: dict[str, Any] | None) -> list[list[str]]:
    """Button labels, row by row."""
    if not markup:
        return []
    return [[button["text"] for button in row] for row in markup.get("inline_keyboard", [])]


def button_data(markup: dict[str, Any] | None, label: str) -> str:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if button["text"] == label or button["text"].startswith(label):
                return button["callback_data"]
    raise AssertionError(f"no button {label!r} in {json.dumps(markup, ensure_ascii=False)}")


def texts(calls: list[RecordedCall], method: str = "sendMessage") -> list[str]:
    return [call.params["text"] for call in calls if call.method_name == method]


def only(calls: list[RecordedCall], method: str, chat_id: int | None = None) -> RecordedCall:
    """The one call of `method` (to `chat_id`, when given) among `calls`."""
    matching = [call for call in calls if call.method_name == method
                and (chat_id is None or call.params.get("chat_id") == chat_id)]
    assert len(matching) == 1, f"expected one {method}, got {[str(call) for call in calls]}"
    return matching[0]


def markup_of(call: RecordedCall) -> dict[str, Any] | None:
    markup = call.params.get("reply_markup")
    return markup if markup else None
