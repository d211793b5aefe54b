"""The two reference bots the real one is measured against, each run as its own process.

    python -m bench.yardstick          # /list: one Plusofon GET, one sendMessage with the same page as the bot's
    python -m bench.yardstick --echo   # the framework's floor: every message answered with its own text

Environment as for `python -m bot`: BOT_TOKEN, TELEGRAM_API_URL, PLUSOFON_API_URL, plus the one Plusofon
account every chat uses (YARDSTICK_PLUSOFON_USER_ID, YARDSTICK_PLUSOFON_TOKEN, PLUSOFON_CLIENT_ID).
No database, no middleware, no retries: what the bot's /list costs when nothing else is done.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import datetime
from functools import lru_cache
from html import escape
from typing import Any

import httpx
import phonenumbers
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

PATH = "/api/v1/smart-numbers"


@lru_cache(maxsize=8192)  # the bot caches this too; uncached it is ~45 µs a phone, 30 phones a page
def display(digits: str) -> str:
    number = phonenumbers.parse("+" + digits, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def page_text(page: dict[str, Any]) -> str:
    header = f"<b>Умные номера: {page['total']} · стр. {page['current_page']}/{page['last_page']}</b>"
    blocks = [
        f"📞 {display(number['phoneX'])} → {display(number['phoneB'])}\n"
        f"{escape(number['description'])}\n"
        f"<code>id {number['id']}</code> · {datetime.fromisoformat(number['created_at']):%d.%m.%Y}"
        for number in page["data"]
    ]
    return "\n\n".join([header, *blocks])


def page_keyboard(page: dict[str, Any]) -> InlineKeyboardMarkup:
    current, last = page["current_page"], page["last_page"]
    rows: list[list[InlineKeyboardButton]] = []
    if last > 1:
        row = [InlineKeyboardButton(text="◀", callback_data=f"p:{current - 1}")] if current > 1 else []
        row.append(InlineKeyboardButton(text=f"{current}/{last}", callback_data=f"p:{current}"))
        if current < last:
            row.append(InlineKeyboardButton(text="▶", callback_data=f"p:{current + 1}"))
        rows.append(row)
    for number in page["data"]:  # a row per number: 📇 its card, 🗑 its delete
        rows.append([InlineKeyboardButton(text=f"📇 {display(number['phoneX'])}",
                                          callback_data=f"n:{number['id']}:{current}:"),
                     InlineKeyboardButton(text=f"🗑 {number['id']}", callback_data=f"d:{number['id']}")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def list_dispatcher() -> Dispatcher:
    user_id = int(os.environ["YARDSTICK_PLUSOFON_USER_ID"])
    plusofon = httpx.AsyncClient(
        base_url=os.environ["PLUSOFON_API_URL"],
        headers={"Accept": "application/json", "Content-Type": "application/json",
                 "Client": os.environ.get("PLUSOFON_CLIENT_ID", "10553"),
                 "Authorization": f"Bearer {os.environ['YARDSTICK_PLUSOFON_TOKEN']}"},
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
    )
    dp = Dispatcher()

    @dp.message(Command("list"))
    async def list_command(message: Message) -> None:
        response = await plusofon.request("GET", PATH, params={"page": 1, "user_id": user_id},
                                          json={"user_id": user_id})
        page = response.json()
        await message.answer(page_text(page), reply_markup=page_keyboard(page))

    @dp.shutdown()
    async def close() -> None:
        await plusofon.aclose()

    return dp


def echo_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    return dp


async def serve(echo: bool) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session,
              default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True))
    dp = echo_dispatcher() if echo else list_dispatcher()
    await dp.start_polling(bot, allowed_updates=["message"], handle_signals=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Reference bots for the benchmark")
    parser.add_argument("--echo", action="store_true", help="answer every message with its own text")
    asyncio.run(serve(parser.parse_args().echo))


if __name__ == "__main__":
    main()
