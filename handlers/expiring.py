"""The buttons of an expiry reminder: extend the number by 7 days, or delete it now (after the usual ✅)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.durations import local_time
from bot.services.numbers import AccountNumbers
from handlers.callbacks import ExpiryCallback
from handlers.deleting import ask
from handlers.replies import alert, show
from handlers.texts import Texts
from handlers.views import number_block


async def extend(callback: CallbackQuery, callback_data: ExpiryCallback, callback_answer: CallbackAnswer,
                 numbers: AccountNumbers, t: Texts) -> None:
    if not isinstance(callback.message, Message):
        alert(callback_answer, t.expiry_gone)
        return
    done = await numbers.extend(callback.message.chat, callback.from_user, callback_data.id,
                                seen_at=callback_data.at)
    if done.row is None:
        alert(callback_answer, t.expiry_gone)
    elif done.deleting:
        alert(callback_answer, t.expiry_deleting)
    elif done.expires_at is None:
        callback_answer.text = t.confirmation_used  # another tap moved it first
    else:
        await show(callback, t.extended.format(when=local_time(done.expires_at, t.language),
                                               number=number_block(done.row.number(), t)))


async def delete_now(callback: CallbackQuery, callback_data: ExpiryCallback, callback_answer: CallbackAnswer,
                     numbers: AccountNumbers, t: Texts) -> None:
    asked = None
    if callback.message is not None:
        asked = await numbers.ask_delete_expiring(callback.message.chat.id, callback.from_user.id, callback_data.id)
    if asked is None or callback.message is None:
        alert(callback_answer, t.expiry_gone)
        return
    await ask(callback.bot, callback.message.chat.id, asked, t)


def create_expiry_router() -> Router:
    router = Router(name="expiry")
    router.callback_query.register(extend, ExpiryCallback.filter(F.action == "more"))
    router.callback_query.register(delete_now, ExpiryCallback.filter(F.action == "now"))
    return router
