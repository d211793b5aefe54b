"""/export: all the chat's smart numbers as a CSV document, written from the account's copy."""

from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import FSInputFile, Message

from bot.core.durations import local_zone
from bot.services.export import file_name
from bot.services.numbers import AccountNumbers, Loading
from handlers.loading import Progress, as_of, still_loading
from handlers.replies import typing
from handlers.texts import Texts


async def export_command(message: Message, numbers: AccountNumbers, t: Texts) -> None:
    bot, chat_id = message.bot, message.chat.id
    progress = Progress(bot, chat_id, t)
    async with typing(bot, chat_id), numbers.export(progress) as export:
        if isinstance(export, Loading):
            await progress.finish(still_loading(export, t))
        elif not export.rows:
            await progress.finish(t.export_empty)
        else:
            today = datetime.now(local_zone()).date()
            caption = t.export_caption.format(total=export.rows, date=f"{today:%d.%m.%Y}") + as_of(export.fresh, t)
            await bot.send_document(chat_id, FSInputFile(export.path, filename=file_name(today)), caption=caption)
            await progress.close()


def create_export_router() -> Router:
    router = Router(name="export")
    router.message.register(export_command, Command("export"))
    return router
