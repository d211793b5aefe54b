"""/start and /help: open to every chat."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Chat, Message

from bot.core.settings import Settings
from bot.services.container import Services
from handlers.card_links import CardLink
from handlers.texts import Texts
from storage.chats import ChatAuth


def admins_hint(settings: Settings, t: Texts, chat: Chat) -> str:
    """The bot's admins, for someone who has to ask them for access: only in a private chat (a group may be full
    of strangers), as mentions with a neutral label, never their ids."""
    if chat.type != "private" or not settings.admin_ids:
        return ""
    admins = sorted(settings.admin_ids)
    labels = [t.admin_label] if len(admins) == 1 else [f"{t.admin_label} {n}" for n in range(1, len(admins) + 1)]
    links = ", ".join(f'<a href="tg://user?id={admin}">{escape(label)}</a>'
                      for admin, label in zip(admins, labels, strict=True))
    return t.and_admins.format(admins=links)


async def start(message: Message, auth: ChatAuth | None, services: Services, t: Texts) -> None:
    if auth is not None:
        await message.answer(t.start_connected.format(user_id=auth.user_id, help=t.help))
    else:
        await message.answer(t.start_not_connected.format(admins=admins_hint(services.settings, t, message.chat),
                                                          chat_id=message.chat.id))


async def help_(message: Message, auth: ChatAuth | None, services: Services, t: Texts) -> None:
    if auth is not None:
        await message.answer(t.help)
    else:
        admins = admins_hint(services.settings, t, message.chat)
        hint = t.not_connected.format(admins=admins, chat_id=message.chat.id)
        await message.answer(f"{t.help}\n\n{hint}")


def create_start_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart(), ~CardLink())  # a connected chat's card link: card_links.py
    router.message.register(help_, Command("help"))
    return router
