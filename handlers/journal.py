"""Every add, delete, login, link and logout goes to the audit trail; adds and deletes also tell the team chat
(in Russian: it is the team's chat, not one user's). The notification is written with its audit record."""

from __future__ import annotations

from html import escape

from aiogram.types import Chat, User

from bot.notifier import Notifier
from bot.phones import display
from bot.plusofon import SmartNumber
from bot.settings import Settings
from handlers.texts import RUSSIAN
from handlers.views import person, shorten
from storage.audit import AuditLog
from storage.chats import ChatAuth


class Journal:
    def __init__(self, audit: AuditLog, notifier: Notifier, settings: Settings) -> None:
        self._audit = audit
        self._notifier = notifier
        self._settings = settings

    async def number_changed(self, auth: ChatAuth, chat: Chat, user: User | None, *, added: bool,
                             number: SmartNumber | None, phone_b: str = "", description: str = "",
                             error: str | None = None) -> None:
        phone_x = display(number.phone_x) if number is not None else "?"
        phone_b = display(number.phone_b if number is not None else phone_b)
        described = number.description if number is not None else description
        target = auth.notify_chat_id if auth.notify_chat_id is not None else self._settings.notify_chat_id
        text = None
        if error is None and target is not None and target != chat.id:
            t = RUSSIAN
            text = (t.notify_added if added else t.notify_deleted).format(
                who=_who(user), phone_x=phone_x, phone_b=phone_b,
                description=escape(shorten(described, 200)) if described.strip() else f"<i>{t.no_description}</i>",
                chat=escape(chat.title) if chat.title else f"{t.private_chat} ({escape(chat.full_name)})",
            )
        number_id = f"id {number.id} " if number is not None else ""
        await self._audit.record(
            chat_id=chat.id, user_id=user.id if user else None, user_name=_plain_name(user),
            action="add" if added else "delete", details=f"{number_id}{phone_x} → {phone_b} {described}".strip(),
            result=error or "ok", notify_chat_id=target, notify_text=text,
        )
        if text is not None:
            self._notifier.wake()

    async def account_event(self, chat: Chat, user: User | None, action: str, details: str = "",
                            result: str = "ok") -> None:
        await self._audit.record(chat_id=chat.id, user_id=user.id if user else None, user_name=_plain_name(user),
                                 action=action, details=details, result=result)


def _who(user: User | None) -> str:
    return person(user.first_name, user.last_name, user.username) if user else "?"


def _plain_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.full_name + (f" (@{user.username})" if user.username else "")
