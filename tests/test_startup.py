"""A bot that cannot start must stop (issue 24): the real `python -m bot`, as an operator starts it, against
the test Telegram server, a closed port, a busy port or a bad database; it exits with the code of README →
Operations, in a bounded time, with one CRITICAL line, and leaves nothing running."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from storage.chats import ChatRepository
from storage.cipher import KEY_FILE_NAME, TokenCipher
from storage.database import connect
from storage.migrations import MIGRATIONS
from tests.conftest import PLUSOFON_TOKEN, ROOT
from tests.fake_bot_api import FakeBotApi
from tests.fake_telegram import TEST_TOKEN
from tests.harness import SECRET_KEY

STARTUP_TIMEOUT_S = 2.0
# the bound (STARTUP_TIMEOUT_S + 15 s), plus the import of aiogram: 5 s on a quiet 2-core machine, up
# to 30 s seen with seven test runs sharing it
BOUND = STARTUP_TIMEOUT_S + 15 + 30
WEBHOOK = {"WEBHOOK_URL": "https://bot.example/hook", "WEBHOOK_SECRET": "hook-secret",
           "WEBHOOK_HOST": "127.0.0.1"}


@dataclass
class Outcome:
    code: int
    log: str
    seconds: float

    @property
    def critical(self) -> list[str]:
        return [line for line in self.log.splitlines() if " CRITICAL " in line]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TEST_TOKEN) as api:
        yield api


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def busy_port() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


async def spawn(tmp_path: Path, telegram_url: str, **extra: str | None) -> asyncio.subprocess.Process:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "BOT_TOKEN": TEST_TOKEN,
           "TELEGRAM_API_URL": telegram_url, "PLUSOFON_API_URL": "http://127.0.0.1:9",
           "DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "INFO",
           "STARTUP_TIMEOUT_S": str(STARTUP_TIMEOUT_S), **extra}
    env = {name: value for name, value in env.items() if value is not None}
    # a session of its own: its process group shows whether anything it started outlives it
    pipe = asyncio.subprocess.PIPE
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=pipe,
                                                stderr=pipe, start_new_session=True)


async def outcome(process: asyncio.subprocess.Process, started: float, bound: float = BOUND) -> Outcome:
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=bound)
    except TimeoutError:
        os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        raise AssertionError(f"still running after {bound:.0f} s") from None
    seconds = time.monotonic() - started
    with pytest.raises(ProcessLookupError):  # nothing of its process group is left
        os.killpg(process.pid, 0)
    return Outcome(process.returncode, stderr.decode(), seconds)


async def run(tmp_path: Path, telegram_url: str, **extra: str | None) -> Outcome:
    started = time.monotonic()
    return await outcome(await spawn(tmp_path, telegram_url, **extra), started)


def assert_one_line(result: Outcome, *words: str) -> None:
    assert len(result.critical) == 1, result.log[-3000:]
    assert all(word in result.critical[0] for word in words), result.critical[0]
    assert "Traceback" not in result.log
    assert TEST_TOKEN.split(":")[1] not in result.log


# ---- Telegram: a token to fix, or trouble that may pass -------------------------------------------------


async def test_unreachable_telegram_is_tried_until_startup_timeout_then_exits_75(tmp_path: Path):
    result = await run(tmp_path, f"http://127.0.0.1:{closed_port()}")
    assert result.code == 75, result.log[-3000:]
    assert_one_line(result, "Telegram did not answer getMe within STARTUP_TIMEOUT_S=2 s", "TELEGRAM_API_URL")
    tries = [line for line in result.log.splitlines() if "start-up: getMe failed, try" in line]
    assert len(tries) >= 2 and "Cannot connect" in tries[0]  # one line a try (the first waits at most 1 s)
    assert f"({len(tries)} tries, last: " in result.critical[0] and tries[-1].endswith("; giving up")


async def test_a_refused_token_exits_2_naming_bot_token(tmp_path: Path, telegram: FakeBotApi):
    telegram.fail_next("getMe", status=401, description="Unauthorized")
    result = await run(tmp_path, telegram.base_url)
    assert result.code == 2, result.log[-3000:]
    assert_one_line(result, "Setting BOT_TOKEN: Telegram refused the token (Unauthorized)", "@BotFather")
    assert len(telegram.calls_of("getMe")) == 1  # not tried again: only the operator can fix it
    assert telegram.calls_of("getUpdates") == []


async def test_set_my_commands_answering_500_is_tried_until_startup_timeout(tmp_path: Path,
                                                                          telegram: FakeBotApi):
    telegram.fail_next("setMyCommands", status=500, times=1000)
    result = await run(tmp_path, telegram.base_url)
    assert result.code == 75, result.log[-3000:]
    assert_one_line(result, "Telegram did not answer setMyCommands within STARTUP_TIMEOUT_S=2 s",
                    "Internal Server Error")
    assert len(telegram.calls_of("setMyCommands")) >= 2
    assert telegram.calls_of("getUpdates") == []


async def test_sigterm_during_the_retries_stops_at_once_with_0(tmp_path: Path):
    process = await spawn(tmp_path, f"http://127.0.0.1:{closed_port()}", STARTUP_TIMEOUT_S="600")
    assert process.stderr is not None
    started = time.monotonic()
    async with asyncio.timeout(BOUND):
        while b"start-up: getMe failed, try 1" not in (line := await process.stderr.readline()):
            assert line, "the bot ended before it tried Telegram"
    process.send_signal(signal.SIGTERM)
    result = await outcome(process, started, bound=15)
    assert result.code == 0, result.log[-3000:]
    assert result.critical == [] and "Traceback" not in result.log
    assert "stopped during start-up" in result.log


# ---- the bot's own ports and files: settings to fix, reported before Telegram is asked anything ---------


async def test_metrics_port_in_use_exits_2_naming_metrics_port(tmp_path: Path, telegram: FakeBotApi):
    with busy_port() as taken:
        port = taken.getsockname()[1]
        result = await run(tmp_path, telegram.base_url, METRICS_HOST="127.0.0.1", METRICS_PORT=str(port))
    assert result.code == 2, result.log[-3000:]
    assert_one_line(result, f"Setting METRICS_PORT: cannot listen on 127.0.0.1:{port}", "in use")
    assert telegram.calls == []


async def test_webhook_port_in_use_exits_2_naming_webhook_port(tmp_path: Path, telegram: FakeBotApi):
    with busy_port() as taken:
        port = taken.getsockname()[1]
        result = await run(tmp_path, telegram.base_url, WEBHOOK_PORT=str(port), **WEBHOOK)
    assert result.code == 2, result.log[-3000:]
    assert_one_line(result, f"Setting WEBHOOK_PORT: cannot listen on 127.0.0.1:{port}", "in use")
    assert telegram.calls == []


async def test_a_database_folder_that_cannot_be_made_exits_2_naming_database_path(tmp_path: Path,
                                                                                 telegram: FakeBotApi):
    (tmp_path / "volume").write_text("a file where the folder should be")  # refused to root as well
    result = await run(tmp_path, telegram.base_url, DATABASE_PATH=str(tmp_path / "volume" / "bot.sqlite3"))
    assert result.code == 2, result.log[-3000:]
    assert_one_line(result, "Setting DATABASE_PATH: cannot create", "writable")
    assert telegram.calls == []


# ---- issue 22: a lost key, a newer schema -------------------------------------------------------------


async def connected_chat(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "bot.sqlite3")
    await ChatRepository(conn, TokenCipher([SECRET_KEY])).put(7001, 40, PLUSOFON_TOKEN, by_admin=True)
    await conn.close()


async def test_a_key_that_reads_no_stored_token_is_refused(tmp_path: Path, telegram: FakeBotApi):
    await connected_chat(tmp_path)
    other = Fernet.generate_key().decode()
    result = await run(tmp_path, telegram.base_url, SECRET_KEY=other)
    assert result.code == 2, result.log[-3000:]
    assert_one_line(result, "Setting SECRET_KEY: no key in SECRET_KEY decrypts the stored tokens of 1 of 1")
    assert other not in result.log and telegram.calls == []


async def test_no_key_is_generated_while_tokens_are_stored(tmp_path: Path, telegram: FakeBotApi):
    await connected_chat(tmp_path)
    result = await run(tmp_path, telegram.base_url, SECRET_KEY=None)
    assert result.code == 2, result.log[-3000:]
    assert_one_line(result, "Setting SECRET_KEY: SECRET_KEY is not set", f"{KEY_FILE_NAME} is missing")
    assert not (tmp_path / KEY_FILE_NAME).exists()
    assert telegram.calls == []


async def test_a_schema_newer_than_the_code_is_refused(tmp_path: Path, telegram: FakeBotApi):
    await connected_chat(tmp_path)
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:  # what a newer version of the bot leaves
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    result = await run(tmp_path, telegram.base_url)
    assert result.code == 2, result.log[-3000:]
    assert_one_line(result, f"Setting DATABASE_PATH: the database has schema version {len(MIGRATIONS) + 1}",
                    f"knows ({len(MIGRATIONS)})", "restore the backup")
    assert telegram.calls == []


async def test_the_admin_cli_refuses_a_newer_schema_in_one_line(tmp_path: Path):
    await connected_chat(tmp_path)
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "SECRET_KEY": SECRET_KEY,
           "DATABASE_PATH": str(tmp_path / "bot.sqlite3")}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "chats", "list", cwd=tmp_path,
                                                   env=env, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert stderr.decode().splitlines() == [stderr.decode().strip()]
    assert stderr.decode().startswith("Setting DATABASE_PATH: the database has schema version")
