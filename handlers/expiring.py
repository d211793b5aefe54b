"""The buttons of an expiry reminder: extend the number by 7 days, or delete it now (after the usual ✅)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.durations import local_time
from bot.plusofon import Credentials
from handlers.callbacks import ExpiryCallback
from handlers.deleting import ask_confirmation
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.journal import Journal
from handlers.replies import show
from handlers.texts import Texts
from handlers.views import number_block
from storage.chats import ChatAuth
from storage.confirmations import ConfirmationStore
from storage.expiries import ExpiryStore

if TYPE_CHECKING:  # bot.expirer imports handlers: a real import here would be circular
    from bot.expirer import Expirer


def create_expiry_router() -> Router:
    router = Router(name="expiry")
    router.callback_query.filter(AuthorisedChat())
    router.callback_query.middleware(GroupPolicy())

    @router.callback_query(ExpiryCallback.filter(F.action == "more"))
    async def extend(callback: CallbackQuery, callback_data: ExpiryCallback, callback_answer: CallbackAnswer,
                     auth: ChatAuth, creds: Credentials, expiries: ExpiryStore, expirer: Expirer, journal: Journal,
                     t: Texts) -> None:
        row = await expiries.get(creds.user_id, callback_data.id)
        if row is None or not isinstance(callback.message, Message):
            callback_answer.text, callback_answer.show_alert = t.expiry_gone, True
            return
        if row.deleting_at is not None:
            callback_answer.text, callback_answer.show_alert = t.expiry_deleting, True
            return
        expires_at = await expirer.extend(row) if int(row.expires_at) == callback_data.at else None
        if expires_at is None:
            latest = await expiries.get(creds.user_id, callback_data.id)
            deleting = latest is not None and latest.deleting_at is not None
            callback_answer.text = t.expiry_deleting if deleting else t.confirmation_used
            callback_answer.show_alert = deleting
            return
        await show(callback, t.extended.format(when=local_time(expires_at, t.language), number=number_block(row.number(), t)))
        await journal.expiry_extended(row, auth, callback.message.chat, callback.from_user, expires_at)

    @router.callback_query(ExpiryCallback.filter(F.action == "now"))
    async def delete_now(callback: CallbackQuery, callback_data: ExpiryCallback, callback_answer: CallbackAnswer,
                         bot: Bot, auth: ChatAuth, creds: Credentials, expiries: ExpiryStore,
                         confirmations: ConfirmationStore, t: Texts) -> None:
        row = await expiries.get(creds.user_id, callback_data.id)
        if row is None or callback.message is None:
            callback_answer.text, callback_answer.show_alert = t.expiry_gone, True
            return
        await ask_confirmation(bot, callback.message.chat, callback.from_user, row.number(), auth, confirmations, t)

    return router
