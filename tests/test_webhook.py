"""Webhook mode: the real `python -m bot` serving webhooks, and `build_webhook_app` in-process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiohttp.test_utils import TestClient, TestServer

from bot.core.settings import Settings
from bot.dispatcher import create_bot, create_dispatcher
from bot.plusofon import PlusofonClient
from bot.startup import ConfigurationError, Deadline
from bot.webhook import SECRET_HEADER, UPDATES, build_webhook_app, register_webhook
from storage.chats import ChatRepository
from storage.cipher import TokenCipher
from storage.database import connect
from tests.conftest import PLUSOFON_TEST_CLIENT_DEFAULTS, PLUSOFON_TOKEN, PLUSOFON_USER_ID
from tests.fake_bot_api import FakeBotApi
from tests.fake_plusofon import FakePlusofon
from tests.fake_telegram import TEST_TOKEN, FakeSession, RecordedCall, user_message_dict
from tests.harness import SECRET_KEY

ROOT = Path(__file__).resolve().parents[1]
CHAT = 7101
WEBHOOK_URL = "https://bot.example/telegram/webhook"
WEBHOOK_SECRET = "whsec-Very_Secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def list_update(update_id: int, chat_id: int = CHAT) -> dict[str, Any]:
    return {"update_id": update_id, "message": user_message_dict("/list", chat_id=chat_id, user_id=chat_id)}


def is_listing(call: RecordedCall) -> bool:
    return call.method_name == "sendMessage" and "Умные номера" in call.params.get("text", "")


async def connect_chat(db_path: Path) -> None:
    conn = await connect(db_path)
    try:
        await ChatRepository(conn, TokenCipher([SECRET_KEY])).put(CHAT, PLUSOFON_USER_ID, PLUSOFON_TOKEN)
    finally:
        await conn.close()


# ---- the real process --------------------------------------------------------------------------------


async def test_the_bot_serves_webhooks_and_stops_on_sigterm(tmp_path: Path, plusofon: FakePlusofon):
    plusofon.seed(PLUSOFON_USER_ID, 3)
    await connect_chat(tmp_path / "bot.sqlite3")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with FakeBotApi(token=TEST_TOKEN) as telegram:
        env = {
            "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_URL": telegram.base_url, "PLUSOFON_API_URL": plusofon.base_url,
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "DEBUG",
            "WEBHOOK_URL": WEBHOOK_URL, "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port),
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            registered = await telegram.wait_for("setWebhook", timeout=20)
            assert registered.params["url"] == WEBHOOK_URL
            assert registered.params["secret_token"] == WEBHOOK_SECRET
            assert "message" in registered.params["allowed_updates"]
            assert not registered.params.get("drop_pending_updates")

            since = telegram.cursor()
            url = f"{base}/telegram/webhook"
            async with aiohttp.ClientSession() as http:
                for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: WEBHOOK_SECRET + "x"}):
                    async with http.post(url, json=list_update(1), headers=headers) as response:
                        assert response.status == 403
                right = {SECRET_HEADER: WEBHOOK_SECRET}
                async with http.post(url, json=list_update(2), headers=right) as response:
                    assert response.status == 200
                listing = await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == CHAT,
                                                  since=since)
                assert "Умные номера: 3" in listing.params["text"]
                async with http.get(f"{base}/healthz") as response:
                    assert response.status == 200
                    assert await response.json() == {"status": "ok"}
            assert len(telegram.calls_of("sendMessage")) == 1  # the refused updates reached no handler
            assert telegram.calls_of("getUpdates") == []
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            try:
                _, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
            except TimeoutError:
                process.kill()
                raise
    log = stderr.decode()
    assert process.returncode == 0, log[-3000:]
    assert "Traceback" not in log
    assert " DEBUG " in log
    for secret in (WEBHOOK_SECRET, PLUSOFON_TOKEN, TEST_TOKEN.split(":")[1]):
        assert secret not in log
    assert telegram.calls_of("deleteWebhook") == []  # updates queue at Telegram until the next start


# ---- in-process ----------------------------------------------------------------------------------------


class WebhookApp:
    def __init__(self, client: TestClient, dp: Dispatcher, bot: Bot, tg: FakeSession) -> None:
        self.client, self.dp, self.bot, self.tg = client, dp, bot, tg

    async def post(self, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with self.client.post("/telegram/webhook", json=update, headers=headers) as response:
            return response.status

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with self.client.get("/healthz") as response:
            return response.status, await response.json()


def webhook_settings(tmp_path: Path, plusofon: FakePlusofon) -> Settings:
    return Settings(bot_token=TEST_TOKEN, database_path=tmp_path / "bot.sqlite3",
                    plusofon_api_url=plusofon.base_url, secret_key=SECRET_KEY, webhook_url=WEBHOOK_URL,
                    webhook_secret=WEBHOOK_SECRET, webhook_host="127.0.0.1", webhook_port=free_port(),
                    _env_file=None)


async def make_dispatcher(settings: Settings) -> Dispatcher:
    client = PlusofonClient(settings.plusofon_api_url, settings.plusofon_client_id,
                            **PLUSOFON_TEST_CLIENT_DEFAULTS)
    return create_dispatcher(settings, db=await connect(settings.database_path), plusofon=client,
                             cipher=TokenCipher([SECRET_KEY]))


@pytest.fixture
async def webhook_app(tmp_path: Path, plusofon: FakePlusofon) -> AsyncIterator[WebhookApp]:
    plusofon.seed(PLUSOFON_USER_ID, 3)
    settings = webhook_settings(tmp_path, plusofon)
    await connect_chat(settings.database_path)
    tg = FakeSession()
    bot = create_bot(settings, session=tg)
    dp = await make_dispatcher(settings)
    server = TestClient(TestServer(build_webhook_app(settings, dp, bot, drain_seconds=5.0)))
    await server.start_server()
    try:
        yield WebhookApp(server, dp, bot, tg)
    finally:
        await server.close()


async def test_a_wrong_or_missing_secret_gets_403_and_reaches_no_handler(webhook_app: WebhookApp,
                                                                         monkeypatch: pytest.MonkeyPatch):
    fed: list[Any] = []
    feed = webhook_app.dp.feed_raw_update

    async def spy(*args: Any, **kwargs: Any) -> Any:
        fed.append(kwargs.get("update"))
        return await feed(*args, **kwargs)

    monkeypatch.setattr(webhook_app.dp, "feed_raw_update", spy)
    assert await webhook_app.post(list_update(1), secret=None) == 403
    assert await webhook_app.post(list_update(2), secret="") == 403
    assert await webhook_app.post(list_update(3), secret=WEBHOOK_SECRET[:-1]) == 403
    assert await webhook_app.post(list_update(4), secret="пароль") == 403
    assert fed == []

    assert await webhook_app.post(list_update(5)) == 200
    await webhook_app.tg.wait_for(is_listing)
    assert [update["update_id"] for update in fed] == [5]


async def test_health_reports_the_database_and_the_shutdown(webhook_app: WebhookApp):
    assert await webhook_app.health() == (200, {"status": "ok"})

    updates = webhook_app.client.app[UPDATES]
    updates.state = "stopping"
    assert await webhook_app.health() == (503, {"status": "stopping"})
    assert await webhook_app.post(list_update(1)) == 503  # Telegram delivers it again after the restart
    updates.state = "running"

    await webhook_app.dp["db"].close()
    assert await webhook_app.health() == (503, {"status": "database unavailable"})


async def test_shutdown_lets_an_update_in_flight_finish_first(webhook_app: WebhookApp,
                                                              plusofon: FakePlusofon):
    plusofon.delay = 0.3
    assert await webhook_app.post(list_update(1)) == 200  # answered at once; handled in the background
    while plusofon.in_flight == 0:
        await asyncio.sleep(0.01)

    await webhook_app.client.close()  # the app's shutdown: drain, then the dispatcher's (closes the DB)

    listing = [call for call in webhook_app.tg.calls if is_listing(call)]
    assert len(listing) == 1, webhook_app.tg.describe_calls()
    assert "Умные номера: 3" in listing[0].params["text"]


async def test_a_body_that_is_not_json_gets_400(webhook_app: WebhookApp):
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    async with webhook_app.client.post("/telegram/webhook", data=b"{not json", headers=headers) as response:
        assert response.status == 400


async def test_an_update_that_fails_is_logged(webhook_app: WebhookApp, caplog: pytest.LogCaptureFixture):
    assert await webhook_app.post({"update_id": 9, "message": {"text": "no chat, no date"}}) == 200
    await webhook_app.client.close()  # waits for the update being handled
    assert "update 9 failed" in caplog.text


async def test_registering_the_webhook_outlasts_telegram_being_down(tmp_path: Path, plusofon: FakePlusofon,
                                                                    monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("bot.startup_telegram.BACKOFF", 0.01)
    settings = webhook_settings(tmp_path, plusofon)
    tg = FakeSession()
    tg.fail_next("setWebhook", status=502, description="Bad Gateway")
    tg.fail_next("setWebhook", status=429, retry_after=1)
    dp = await make_dispatcher(settings)
    try:
        await register_webhook(settings, dp, create_bot(settings, session=tg), Deadline.after(10))
    finally:
        await dp["services"].plusofon.aclose()
        await dp["db"].close()
    calls = tg.calls_of("setWebhook")
    assert [call.ok for call in calls] == [False, False, True]
    assert calls[-1].params["secret_token"] == WEBHOOK_SECRET


async def test_a_refused_webhook_names_webhook_url(tmp_path: Path, plusofon: FakePlusofon):
    settings = webhook_settings(tmp_path, plusofon)
    tg = FakeSession()
    tg.fail_next("setWebhook", status=400, description="Bad Request: bad webhook: Failed to resolve host")
    dp = await make_dispatcher(settings)
    try:
        with pytest.raises(ConfigurationError) as refused:
            await register_webhook(settings, dp, create_bot(settings, session=tg), Deadline.after(10))
    finally:
        await dp["services"].plusofon.aclose()
        await dp["db"].close()
    assert refused.value.setting == "WEBHOOK_URL" and "Failed to resolve host" in str(refused.value)
    assert refused.value.exit_code == 2
