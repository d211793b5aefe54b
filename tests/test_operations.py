"""The real `python -m bot` as operators run it: long polling with METRICS_PORT and LOG_FORMAT=json, checked
by `python -m bot health` from outside, as a container's HEALTHCHECK does."""

from __future__ import annotations

import asyncio
import re
import json
import os
import signal
import socket
import sys

import aiohttp

from tests.conftest import E2E_CHAT as CHAT
from tests.conftest import E2E_USER as USER
from tests.conftest import PLUSOFON_TOKEN, ROOT, spawn_bot
from tests.fake_bot_api import FakeBotApi
from tests.fake_telegram import TEST_TOKEN
from tests.harness import SECRET_KEY


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def health(tmp_path, telegram, plusofon) -> tuple[int, str]:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "BOT_TOKEN": TEST_TOKEN,
           "TELEGRAM_API_URL": telegram.base_url, "PLUSOFON_API_URL": plusofon.base_url,
           "DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "SECRET_KEY": SECRET_KEY}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "health", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    return process.returncode, out.decode()


async def test_polling_with_metrics_json_logs_and_a_health_check(tmp_path, plusofon):
    from storage.chats import ChatRepository
    from storage.cipher import TokenCipher
    from storage.database import connect

    conn = await connect(tmp_path / "bot.sqlite3")
    await ChatRepository(conn, TokenCipher([SECRET_KEY])).put(CHAT, 40, PLUSOFON_TOKEN)
    await conn.close()
    plusofon.seed(40, 3)
    port = free_port()
    async with FakeBotApi(token=TEST_TOKEN) as telegram:
        process = await spawn_bot(tmp_path, plusofon, telegram, METRICS_PORT=str(port), METRICS_HOST="127.0.0.1",
                                  LOG_FORMAT="json")
        try:
            since = telegram.cursor()
            telegram.push_message("/list", chat_id=CHAT, user_id=USER)  # it answers the getUpdates waiting now
            listing = await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == CHAT, since=since)
            assert "Умные номера: 3" in listing.params["text"]
            code, out = await health(tmp_path, telegram, plusofon)  # a getUpdates has been answered: healthy
            assert code == 0 and out.startswith("ok: database answers (1 chats); last getUpdates"), out

            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 200
                text = await response.text()
            assert 'plusofon_bot_updates_total{kind="message",outcome="handled"} 1.0' in text
            # the /list, and the account's first read in the background (its one page) if it has come by now
            assert re.search(r'plusofon_bot_plusofon_requests_total\{endpoint="list",outcome="ok"\} [12]\.0', text)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0, stderr.decode()[-2000:]
    code, out = await health(tmp_path, telegram, plusofon)  # the heartbeat is still fresh, the bot is gone
    assert code == 1 and out.startswith("stopped: "), out
    lines = [json.loads(line) for line in stderr.decode().splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    during_list = [line for line in lines if line.get("action") == "/list"]
    assert during_list and all(line["chat_id"] == CHAT and "update_id" in line for line in during_list)
    log = stderr.decode()
    assert PLUSOFON_TOKEN not in log and TEST_TOKEN.split(":")[1] not in log
