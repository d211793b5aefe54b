"""/export: all the chat's smart numbers as a CSV document."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from bot.durations import MOSCOW
from bot.export import file_name, numbers_csv
from bot.plusofon import Credentials, PlusofonClient
from bot.search import SearchCache
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.replies import typing
from handlers.texts import Texts


def create_export_router() -> Router:
    router = Router(name="export")
    router.message.filter(AuthorisedChat())
    router.message.middleware(GroupPolicy())

    @router.message(Command("export"))
    async def export_command(message: Message, bot: Bot, creds: Credentials, plusofon: PlusofonClient,
                             search_cache: SearchCache, t: Texts) -> None:
        chat_id = message.chat.id
        async with typing(bot, chat_id):
            numbers = await plusofon.list_all(creds)  # always fresh: a file is a record
            search_cache.put(creds.user_id, numbers)
        if not numbers:
            await message.answer(t.export_empty)
            return
        today = datetime.now(MOSCOW).date()
        document = BufferedInputFile(numbers_csv(numbers), file_name(today))
        caption = t.export_caption.format(total=len(numbers), date=f"{today:%d.%m.%Y}")
        await bot.send_document(chat_id, document, caption=caption)

    return router
