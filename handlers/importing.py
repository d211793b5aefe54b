"""/import: a customers' CSV or XLSX file, checked first (nothing created), then created as a bulk job after
a press on ✅. The file comes with the caption /import, or /import answers a message with it, or /import comes
first and the file next. The job's buttons (create, cancel, stop) are handled in handlers/jobs.py."""

from __future__ import annotations

import io
import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, Document, Message

from bot.services.bulk import AccountBulk, SheetError
from handlers.filters import BulkPolicy
from handlers.job_views import JobViews, import_checked
from handlers.replies import typing
from handlers.texts import Texts

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024  # Telegram's, for a document's caption


class ImportFile(StatesGroup):
    waiting = State()


async def import_command(message: Message, state: FSMContext, bulk: AccountBulk, t: Texts) -> None:
    reply = message.reply_to_message
    document = message.document or (reply.document if reply is not None else None)
    if document is not None:
        await state.clear()
        await _check(message, document, bulk, t)
    elif message.photo or (reply is not None and reply.photo):
        await message.answer(t.import_photo)
    else:
        await state.set_state(ImportFile.waiting)
        await message.answer(t.import_usage)


async def got_file(message: Message, state: FSMContext, bulk: AccountBulk, t: Texts) -> None:
    await state.clear()
    assert message.document is not None
    await _check(message, message.document, bulk, t)


async def got_photo(message: Message, t: Texts) -> None:
    await message.answer(t.import_photo)


async def _check(message: Message, document: Document, bulk: AccountBulk, t: Texts) -> None:
    bot = message.bot
    assert bot is not None and message.from_user is not None
    limit = bulk.service.max_bytes
    too_big = t.import_too_big.format(size=(document.file_size or 0) // 1000, limit=limit // 1000)
    if document.file_size is not None and document.file_size > limit:
        await message.answer(too_big)
        return
    name = document.file_name or ""
    if (document.mime_type or "") == "application/pdf" or name.casefold().endswith(".pdf"):
        await message.answer(t.import_pdf)  # before downloading it
        return
    async with typing(bot, message.chat.id):
        try:
            buffer = await bot.download(document, destination=io.BytesIO())
        except TelegramAPIError as error:
            log.warning("could not download an /import file in chat %s: %s", message.chat.id, error)
            await message.answer(t.import_download_failed)
            return
        data = buffer.getvalue() if isinstance(buffer, io.BytesIO) else b""
        if len(data) > limit:
            await message.answer(too_big)
            return
        try:
            asked = await bulk.check_import(message.chat.id, message.from_user, data, name)
        except SheetError as error:
            await message.answer({"pdf": t.import_pdf, "kind": t.import_kind}.get(error.reason, t.import_broken))
            return
    if asked.too_many:
        await message.answer(t.import_too_many.format(limit=bulk.service.max_rows))
        return
    if not asked.rows:
        await message.answer(t.import_empty)
        return
    text, markup = import_checked(asked, t)
    if not asked.count(status="invalid"):
        await message.answer(text, reply_markup=markup)
        return
    wrong = BufferedInputFile(asked.wrong_file(JobViews(t)), f"{_stem(name)}-errors.csv")
    if len(text) <= CAPTION_LIMIT:
        await bot.send_document(message.chat.id, wrong, caption=text, reply_markup=markup)
    else:
        await bot.send_document(message.chat.id, wrong)
        await message.answer(text, reply_markup=markup)


def _stem(name: str) -> str:
    stem = name.rsplit(".", 1)[0] or "import"
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:40]


def create_import_router() -> Router:
    router = Router(name="import")
    router.message.middleware(BulkPolicy())
    router.message.register(import_command, Command("import"))
    router.message.register(got_file, ImportFile.waiting, F.document)
    router.message.register(got_photo, ImportFile.waiting, F.photo)
    return router


