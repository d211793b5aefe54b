"""The buttons of a bulk job: ✅ create (the new customers, or all) / 🗑 delete all, ❌ cancel, ⏹ stop; and the
delete of many: `/del 12 15 19`, and 🗑 Удалить все N under a /find or /expiring result."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.bulk import CANCEL, AccountBulk, DeleteAsked
from handlers.callbacks import DeleteAllCallback, DeleteExpiringCallback, JobCallback
from handlers.filters import BulkPolicy
from handlers.job_views import JobViews, delete_asked
from handlers.replies import alert, answer_now, drop_keyboard, show, typing
from handlers.texts import Texts

MANY_IDS = re.compile(r"^\s*[0-9]{1,18}(?:[\s,;]+[0-9]{1,18})+[\s,;]*$")
MAX_IDS = 500


async def job_button(callback: CallbackQuery, callback_data: JobCallback, callback_answer: CallbackAnswer,
                     bulk: AccountBulk, t: Texts) -> None:
    message = callback.message
    if not isinstance(message, Message):
        alert(callback_answer, t.job_stale)
        return
    jobs = bulk.service
    if callback_data.action == "stop":
        if await jobs.stop_job(callback_data.job, message.chat.id):
            await answer_now(callback, callback_answer, t.job_stopping)
        else:
            alert(callback_answer, t.job_stale)
        return
    asked = await jobs.job(callback_data.job)
    if asked is None or asked.chat_id != message.chat.id or asked.state != "asked":
        alert(callback_answer, t.job_stale)
        return
    if asked.user_id != callback.from_user.id:
        alert(callback_answer, t.job_not_yours)
        return
    job = await jobs.confirm(callback_data.job, callback.from_user.id, callback_data.action)
    if job is None:
        alert(callback_answer, t.job_stale)
        return
    await answer_now(callback, callback_answer)
    if callback_data.action == CANCEL:
        await drop_keyboard(callback)
        await message.answer(t.job_cancelled)
        return
    await drop_keyboard(callback)
    text, markup = JobViews().job_progress(job, await jobs.counts(job.id), None)
    progress = await message.answer(text, reply_markup=markup)
    await jobs.run(job.id, progress.message_id)


async def del_many_command(message: Message, command: CommandObject, bulk: AccountBulk, t: Texts) -> None:
    if message.sender_chat is not None or message.from_user is None:
        await message.answer(t.anonymous_cannot_delete)
        return
    ids = [int(part) for part in re.findall(r"[0-9]+", command.args or "")][:MAX_IDS]
    if not all(ids):
        await message.answer(t.del_many_usage)
        return
    async with typing(message.bot, message.chat.id):
        asked = await bulk.ask_delete(message.chat.id, message.from_user, ids)
    await _ask(message, asked, t)


async def delete_all_button(callback: CallbackQuery, callback_data: DeleteAllCallback,
                            callback_answer: CallbackAnswer, bulk: AccountBulk, t: Texts) -> None:
    await _ask_from_button(callback, callback_answer, t, lambda chat_id: bulk.ask_delete_search(
        chat_id, callback.from_user, callback_data.key))


async def delete_expiring_button(callback: CallbackQuery, callback_data: DeleteExpiringCallback,
                                 callback_answer: CallbackAnswer, bulk: AccountBulk, t: Texts) -> None:
    await _ask_from_button(callback, callback_answer, t, lambda chat_id: bulk.ask_delete_expiring(
        chat_id, callback.from_user, callback_data.until or None))


async def _ask_from_button(callback: CallbackQuery, callback_answer: CallbackAnswer, t: Texts,
                           ask: Callable[[int], Awaitable[DeleteAsked | None]]) -> None:
    """A "delete all" button: the confirmation of what it stands for, or why it is stale."""
    message = callback.message
    if not isinstance(message, Message):
        alert(callback_answer, t.job_stale)
        return
    await answer_now(callback, callback_answer)
    async with typing(callback.bot, message.chat.id):
        asked = await ask(message.chat.id)
    if asked is None:  # a /find result forgotten meanwhile
        await show(callback, t.find_expired)
        return
    await _ask(message, asked, t)


async def _ask(message: Message, asked: DeleteAsked, t: Texts) -> None:
    text, markup = delete_asked(asked, t)
    await message.answer(text, reply_markup=markup)


def create_jobs_router() -> Router:
    """Before the delete router: it takes `/del` with several ids."""
    router = Router(name="jobs")
    for observer in (router.message, router.callback_query):
        observer.middleware(BulkPolicy())
    router.callback_query.register(job_button, JobCallback.filter())
    router.callback_query.register(delete_all_button, DeleteAllCallback.filter())
    router.callback_query.register(delete_expiring_button, DeleteExpiringCallback.filter())
    router.message.register(del_many_command, Command("del", magic=F.args.regexp(MANY_IDS)))
    return router
