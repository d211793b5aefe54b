"""`python -m bot health`: the database answers and Telegram was heard from recently (polling), or the webhook
server answers (webhook mode)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.__main__ import main
from bot.core.settings import Settings
from bot.dispatcher import create_bot, create_dispatcher
from bot.health import MAX_SILENCE, check
from bot.heartbeat import Heartbeat, heartbeat_path, running
from bot.plusofon import PlusofonClient
from bot.webhook import SECRET_HEADER, build_webhook_app
from storage.cipher import TokenCipher
from storage.database import connect
from tests.fake_telegram import TEST_TOKEN, FakeSession, user_message_dict
from tests.harness import SECRET_KEY


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_for(tmp_path: Path, **overrides) -> Settings:
    return Settings(bot_token=TEST_TOKEN, database_path=tmp_path / "bot.sqlite3", secret_key=SECRET_KEY,
                    _env_file=None, **overrides)


async def make_database(path: Path) -> None:
    conn = await connect(path)
    await conn.close()


async def test_polling_is_healthy_only_while_getupdates_is_answered(tmp_path: Path):
    settings = settings_for(tmp_path)
    healthy, reason = check(settings)
    assert not healthy and "no database" in reason

    await make_database(settings.database_path)
    with running(settings.database_path):  # this process plays the bot
        healthy, reason = check(settings)
        assert not healthy and "not answered getUpdates yet" in reason

        Heartbeat(heartbeat_path(settings.database_path)).beat()
        healthy, reason = check(settings)
        assert healthy and reason.startswith("ok") and "0 chats" in reason

        stale = time.time() - MAX_SILENCE - 5
        os.utime(heartbeat_path(settings.database_path), (stale, stale))
        healthy, reason = check(settings)
        assert not healthy and "no answered getUpdates for" in reason


async def test_a_database_that_does_not_answer_is_unhealthy(tmp_path: Path):
    settings = settings_for(tmp_path)
    settings.database_path.write_bytes(b"this is not a database, just some bytes" * 100)
    Heartbeat(heartbeat_path(settings.database_path)).beat()
    healthy, reason = check(settings)
    assert not healthy and reason.startswith("the database does not answer")


def test_the_heartbeat_touches_the_file_at_most_every_few_seconds(tmp_path: Path):
    path = tmp_path / "beat"
    heartbeat = Heartbeat(path, every=3600)
    heartbeat.beat()
    os.utime(path, (1000, 1000))
    heartbeat.beat()  # too soon after the first: no system call
    assert path.stat().st_mtime == 1000


async def test_webhook_mode_asks_the_running_server(tmp_path: Path, plusofon):
    settings = settings_for(tmp_path, webhook_url="https://bot.example/hook", webhook_secret="s3cret-hook",
                            webhook_host="127.0.0.1", webhook_port=free_port(), plusofon_api_url=plusofon.base_url)
    await make_database(settings.database_path)
    marker = running(settings.database_path)  # this process plays the bot
    marker.__enter__()
    healthy, reason = check(settings)
    assert not healthy and "does not answer" in reason

    dp = create_dispatcher(settings, db=await connect(settings.database_path),
                           plusofon=PlusofonClient(plusofon.base_url, "10553"), cipher=TokenCipher([SECRET_KEY]))
    runner = web.AppRunner(build_webhook_app(settings, dp, create_bot(settings, session=FakeSession())))
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", settings.webhook_port).start()
        healthy, reason = await _in_thread(check, settings)
        assert healthy, reason
        assert "last update never" in reason  # no update came, and that is no fault in webhook mode
        url = f"http://127.0.0.1:{settings.webhook_port}/metrics"  # the same port serves /metrics
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200
            assert "plusofon_bot_outbox_pending 0.0" in await response.text()
        update = {"update_id": 1, "message": user_message_dict("/start", chat_id=501, user_id=501)}
        hook = f"http://127.0.0.1:{settings.webhook_port}{settings.webhook_path}"
        async with aiohttp.ClientSession() as http, http.post(hook, json=update, headers={
                SECRET_HEADER: "s3cret-hook"}) as response:
            assert response.status == 200
        healthy, reason = await _in_thread(check, settings)
        assert healthy and "last update 0 s ago" in reason  # the bot recorded the update
    finally:
        marker.__exit__(None, None, None)
        await runner.cleanup()


async def _in_thread(function, *args):
    import asyncio

    return await asyncio.to_thread(function, *args)  # the check blocks; the server runs on this loop


def test_the_command_exits_1_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "missing.sqlite3"))
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "no database" in out
    assert TEST_TOKEN not in out


def test_the_command_does_not_load_aiogram():
    """The container runs it every 30 s (compose.yaml): importing aiogram alone costs seconds of CPU."""
    code = "import sys, bot.__main__, bot.health; print(sorted(m for m in sys.modules if m.startswith('aiogram')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_bot_killed_without_a_clean_stop_reads_as_stopped(tmp_path: Path):
    settings = settings_for(tmp_path)
    sqlite3.connect(settings.database_path).executescript("CREATE TABLE chats (chat_id INTEGER)")
    Heartbeat(heartbeat_path(settings.database_path)).beat()  # fresh: it heard from Telegram a moment ago
    # a process that names itself the bot, then dies without its clean-up (as under kill -9)
    code = ("import os, sys; from pathlib import Path; from bot.heartbeat import running; "
            "running(Path(sys.argv[1])).__enter__(); os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(settings.database_path)], check=True, timeout=60,
                   cwd=Path(__file__).resolve().parents[1])
    healthy, reason = check(settings)
    assert not healthy and reason.startswith("stopped: "), reason
