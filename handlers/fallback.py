"""Last in line: commands from chats that are not connected, and buttons nobody else took."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from handlers.replies import alert
from handlers.texts import Texts
from storage.chats import ChatAuth

GUARDED_COMMANDS = ("list", "find", "add", "del", "export", "cancel", "history", "import", "expiring")


async def not_connected(message: Message, auth: ChatAuth | None, t: Texts) -> None:
    if auth is None:
        await message.answer(t.not_connected.format(chat_id=message.chat.id))


async def stale_button(callback: CallbackQuery, callback_answer: CallbackAnswer, auth: ChatAuth | None,
                       t: Texts) -> None:
    alert(callback_answer, t.not_connected_alert if auth is None else t.stale_button)


def create_fallback_router() -> Router:
    router = Router(name="fallback")
    router.message.register(not_connected, Command(*GUARDED_COMMANDS))
    router.callback_query.register(stale_button)
    return router
