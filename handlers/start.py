"""/start and /help: open to every chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from handlers.card_links import CardLink
from handlers.texts import Texts
from storage.chats import ChatAuth


async def start(message: Message, auth: ChatAuth | None, t: Texts) -> None:
    if auth is not None:
        await message.answer(t.start_connected.format(user_id=auth.user_id, help=t.help))
    else:
        await message.answer(t.start_not_connected.format(chat_id=message.chat.id))


async def help_(message: Message, auth: ChatAuth | None, t: Texts) -> None:
    if auth is not None:
        await message.answer(t.help)
    else:
        hint = t.not_connected.format(chat_id=message.chat.id)
        await message.answer(f"{t.help}\n\n{hint}")


def create_start_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart(), ~CardLink())  # a connected chat's card link: card_links.py
    router.message.register(help_, Command("help"))
    return router
