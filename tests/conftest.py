"""Shared fixtures: a fake Plusofon API (tests/fake_plusofon.py) and PlusofonClients pointed at it."""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.core.logs import JsonFormatter, RedactingFormatter, quiet_chatty_libraries
from bot.plusofon import Credentials, PlusofonClient
from tests.fake_plusofon import FakePlusofon

PLUSOFON_USER_ID = 40
PLUSOFON_TOKEN = "tok-40-secret-value"
PLUSOFON_CLIENT_ID = "10553"

# The TLS settings every client would load for itself (httpx's default, the CA bundle: ~35 ms a client), made
# once for all the tests' clients. The fakes speak plain HTTP; production clients still make their own.
SHARED_TLS = httpx.create_ssl_context()

# Short timeouts and a tiny backoff so that retries and deadlines cost milliseconds, not seconds.
PLUSOFON_TEST_CLIENT_DEFAULTS: dict[str, Any] = {
    "connect_timeout": 1.0,
    "request_timeout": 2.0,
    "deadline": 5.0,
    "max_retries": 2,
    "backoff": 0.01,
    "retry_after_cap": 2.0,
    "page_concurrency": 4,
    "verify": SHARED_TLS,
}


@pytest.fixture
async def plusofon() -> AsyncIterator[FakePlusofon]:
    """A running FakePlusofon with one empty account: user 40, token PLUSOFON_TOKEN."""
    async with FakePlusofon(client_id=PLUSOFON_CLIENT_ID) as api:
        api.add_account(PLUSOFON_USER_ID, PLUSOFON_TOKEN)
        yield api


@pytest.fixture
def plusofon_creds() -> Credentials:
    """Credentials of the `plusofon` fixture's account (user 40, token PLUSOFON_TOKEN)."""
    return Credentials(PLUSOFON_USER_ID, PLUSOFON_TOKEN)


@pytest.fixture
async def plusofon_client_factory(plusofon: FakePlusofon) -> AsyncIterator[Callable[..., PlusofonClient]]:
    """Make PlusofonClients against `plusofon` with short timeouts (kwargs override); closed at teardown."""
    made: list[PlusofonClient] = []

    def make(**overrides: Any) -> PlusofonClient:
        client = PlusofonClient(plusofon.base_url, PLUSOFON_CLIENT_ID,
                                **{**PLUSOFON_TEST_CLIENT_DEFAULTS, **overrides})
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def plusofon_client(plusofon_client_factory: Callable[..., PlusofonClient]) -> PlusofonClient:
    """A PlusofonClient against `plusofon` with PLUSOFON_TEST_CLIENT_DEFAULTS (closed at teardown)."""
    return plusofon_client_factory()


@pytest.fixture
async def make(tmp_path, plusofon: FakePlusofon):
    """Build (and at teardown stop) a harness with the given settings and Notifier options; no chat is
    connected unless `connect` names one (connected to account 40, as the CLI does)."""
    from tests.harness import BotHarness

    made: list[BotHarness] = []

    async def make_harness(*, notifier: dict | None = None, connect: int | None = None,
                           **settings) -> BotHarness:
        directory = tmp_path / f"h{len(made)}"
        directory.mkdir()
        h = BotHarness(directory, plusofon, **settings)
        h.notifier_options = {**h.notifier_options, **(notifier or {})}
        made.append(h)
        await h.start()
        if connect is not None:
            await h.connect_chat(connect)
        return h

    yield make_harness
    for h in made:
        await h.stop()


def pytest_collection_finish(session: pytest.Session) -> None:
    """As `python -m bot` does once it has started (bot/app.py, `_settle_memory`): everything loaded by now,
    aiogram's and pydantic's models and the collected tests, is moved out of the garbage collector's way, so
    that its full collections (dozens in a run) stop walking all of it each time (~0.2 s each)."""
    gc.collect()
    gc.freeze()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "client_options(**options): PlusofonClient options for the `harness` "
                                       "fixture's bot, over tests/harness.py's FAST_CLIENT")


@pytest.fixture
async def harness(request: pytest.FixtureRequest, tmp_path, plusofon: FakePlusofon):
    """The whole bot (see tests/harness.py) with chat 100 (private, user 100) connected to account 40.

    `@pytest.mark.client_options(request_timeout=..., ...)` sets its Plusofon client's options: a test that
    waits for the client to give up on a slow API waits for shorter timeouts."""
    from tests.harness import BotHarness

    bot = BotHarness(tmp_path, plusofon, notify_chat_id=-100500)
    if (marker := request.node.get_closest_marker("client_options")) is not None:
        bot.client_options.update(marker.kwargs)
    await bot.start()
    await bot.connect_chat(100)
    yield bot
    await bot.stop()


WATCHED_SECRETS: list[str] = []


def watch_secret(*secrets: str) -> None:
    """This test's log must not contain these either (passwords, tokens from sign-in, refresh tokens)."""
    WATCHED_SECRETS.extend(secrets)


@pytest.fixture(autouse=True)
def no_secrets_in_debug_logs():
    """Every test runs with DEBUG logging through the bot's own redacting formatters, text and JSON; neither the
    Plusofon token nor the bot token may appear in what they wrote, tracebacks included."""
    from tests.fake_telegram import TEST_TOKEN

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    json_handler = logging.StreamHandler(stream)
    json_handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.addHandler(json_handler)
    root.setLevel(logging.DEBUG)
    quiet_chatty_libraries("DEBUG")  # as `python -m bot` with LOG_LEVEL=DEBUG does
    yield
    root.removeHandler(handler)
    root.removeHandler(json_handler)
    root.setLevel(level)
    written = stream.getvalue()
    assert PLUSOFON_TOKEN not in written, "the Plusofon token reached a log line"
    watched, WATCHED_SECRETS[:] = list(WATCHED_SECRETS), []
    assert not [secret for secret in watched if secret in written], "a watched secret reached a log line"
    assert TEST_TOKEN not in written and TEST_TOKEN.split(":")[1] not in written, "the bot token reached a log line"


ROOT = Path(__file__).resolve().parents[1]
E2E_CHAT = E2E_USER = 7001


@pytest.fixture
async def running_bot(tmp_path, plusofon):
    """The real `python -m bot` process, polling a FakeBotApi, with chat E2E_CHAT connected to account 40."""
    from storage.chats import ChatRepository
    from storage.cipher import TokenCipher
    from storage.database import connect
    from tests.fake_bot_api import FakeBotApi
    from tests.fake_telegram import TEST_TOKEN
    from tests.harness import SECRET_KEY

    db_path = tmp_path / "bot.sqlite3"
    conn = await connect(db_path)
    await ChatRepository(conn, TokenCipher([SECRET_KEY])).put(E2E_CHAT, 40, PLUSOFON_TOKEN, by_admin=True)
    await conn.close()
    async with FakeBotApi(token=TEST_TOKEN) as telegram:
        process = await spawn_bot(tmp_path, plusofon, telegram)
        try:
            yield telegram, process
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def spawn_bot(tmp_path, plusofon, telegram, **extra_env: str) -> asyncio.subprocess.Process:
    """Start `python -m bot` on tmp_path/bot.sqlite3 against the two fakes; return once it polls."""
    from tests.fake_telegram import TEST_TOKEN
    from tests.harness import SECRET_KEY

    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "BOT_TOKEN": TEST_TOKEN,
        "TELEGRAM_API_URL": telegram.base_url, "PLUSOFON_API_URL": plusofon.base_url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "DEBUG",
        "NOTIFY_CHAT_ID": "-100500", **extra_env,
    }
    since = telegram.cursor()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    await telegram.wait_for("getUpdates", timeout=20, since=since)
    return process
