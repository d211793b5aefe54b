"""/export: all the chat's smart numbers as a CSV document, written from the account's copy."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import FSInputFile, Message

from bot.durations import local_zone
from bot.export import csv_file, file_name
from bot.mirror import Mirror
from bot.plusofon import Credentials
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.loading import Progress, as_of, complete_copy
from handlers.replies import typing
from handlers.texts import Texts


def create_export_router() -> Router:
    router = Router(name="export")
    router.message.filter(AuthorisedChat())
    router.message.middleware(GroupPolicy())

    @router.message(Command("export"))
    async def export_command(message: Message, bot: Bot, creds: Credentials, mirror: Mirror, t: Texts) -> None:
        chat_id = message.chat.id
        progress = Progress(bot, chat_id, t)
        async with typing(bot, chat_id):
            fresh = await mirror.check(creds)  # the file is a record: the copy is checked against Plusofon first
        if not await complete_copy(mirror, fresh, creds.user_id, progress):
            return
        path, rows = await csv_file(mirror.everything(creds.user_id))
        try:
            if not rows:
                await progress.finish(t.export_empty)
                return
            today = datetime.now(local_zone()).date()
            caption = t.export_caption.format(total=rows, date=f"{today:%d.%m.%Y}") + as_of(fresh, t)
            async with typing(bot, chat_id):
                await bot.send_document(chat_id, FSInputFile(path, filename=file_name(today)), caption=caption)
            await progress.close()
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)

    return router
