"""/start and /help: open to every chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot.settings import Settings
from handlers.texts import Texts
from storage.chats import ChatAuth


def admins_hint(settings: Settings, t: Texts) -> str:
    if not settings.admin_ids:
        return ""
    links = ", ".join(f'<a href="tg://user?id={admin}">{admin}</a>' for admin in sorted(settings.admin_ids))
    return t.and_admins.format(admins=links)


def create_start_router() -> Router:
    router = Router(name="start")

    @router.message(CommandStart())
    async def start(message: Message, auth: ChatAuth | None, settings: Settings, t: Texts) -> None:
        if auth is not None:
            await message.answer(t.start_connected.format(user_id=auth.user_id, help=t.help))
        else:
            await message.answer(t.start_not_connected.format(admins=admins_hint(settings, t),
                                                              chat_id=message.chat.id))

    @router.message(Command("help"))
    async def help_(message: Message, auth: ChatAuth | None, settings: Settings, t: Texts) -> None:
        if auth is not None:
            await message.answer(t.help)
        else:
            hint = t.not_connected.format(admins=admins_hint(settings, t), chat_id=message.chat.id)
            await message.answer(f"{t.help}\n\n{hint}")

    return router
