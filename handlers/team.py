"""The team chat hears about every add and delete (in Russian: it is the team's chat, not one user's)."""

from __future__ import annotations

from html import escape

from aiogram.types import Chat, User

from bot.notifier import Notifier
from bot.phones import display
from bot.plusofon import SmartNumber
from bot.settings import Settings
from handlers.texts import RUSSIAN
from handlers.views import person, shorten
from storage.chats import ChatAuth


def announce(notifier: Notifier, settings: Settings, auth: ChatAuth, chat: Chat, user: User | None, *,
             added: bool, number: SmartNumber | None, phone_b: str = "", description: str = "") -> None:
    target = auth.notify_chat_id if auth.notify_chat_id is not None else settings.notify_chat_id
    if target is None or target == chat.id:
        return
    t = RUSSIAN
    template = t.notify_added if added else t.notify_deleted
    described = number.description if number is not None else description
    notifier.notify(target, template.format(
        who=person(user.first_name, user.last_name, user.username) if user else "?",
        phone_x=display(number.phone_x) if number is not None else "?",
        phone_b=display(number.phone_b if number is not None else phone_b),
        description=escape(shorten(described, 200)) if described.strip() else f"<i>{t.no_description}</i>",
        chat=escape(chat.title) if chat.title else f"{t.private_chat} ({escape(chat.full_name)})",
    ))
