"""The Mini App over real HTTP: init data signed as Telegram signs it, and a bot (tests/harness.py) with the
Mini App's server started on a port the system picks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.fake_telegram import TEST_TOKEN
from tests.harness import BotHarness
from webapp.server import bound_port, start_webapp_server

APP_URL = "https://bot.example.org/app/"


def init_data(user_id: int, *, token: str = TEST_TOKEN, age: float = 0.0, language: str = "ru",
              first_name: str = "Анна") -> str:
    """What Telegram hands the page as `initData` for this user (HMAC-SHA256, key from the bot token)."""
    fields = {"auth_date": str(int(time.time() - age)), "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
              "user": json.dumps({"id": user_id, "first_name": first_name, "language_code": language},
                                 ensure_ascii=False, separators=(",", ":"))}
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def auth(user_id: int, **options: Any) -> dict[str, str]:
    return {"Authorization": "tma " + init_data(user_id, **options)}


@asynccontextmanager
async def app_server(h: BotHarness) -> AsyncIterator[httpx.AsyncClient]:
    """The harness's bot with the Mini App served on 127.0.0.1 (any free port); a client pointed at /app/."""
    runner = await start_webapp_server(h.settings, h.services, port=0)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{bound_port(runner)}", timeout=10.0) as client:
            yield client
    finally:
        await runner.cleanup()
