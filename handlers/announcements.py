"""The words of bot.services.announcements.Announcements: what the services say on their own, in Russian (the
team chat is the team's, not one user's, and the reminders and alerts go out with nobody's language at hand)."""

from __future__ import annotations

from html import escape

from aiogram.types import Chat, InlineKeyboardMarkup, User

from bot.core.durations import local_time
from bot.core.models import SmartNumber
from bot.core.phones import display, display_text
from handlers.expiry_views import expiry_reminder
from handlers.texts import RUSSIAN, Texts
from handlers.views import person, shorten, temporary_until
from storage.expiries import Expiry


class RussianAnnouncements:
    def __init__(self, t: Texts = RUSSIAN) -> None:
        self.t = t
        self.by_the_bot = t.by_the_bot

    def number_changed(self, user: User | None, chat: Chat, *, added: bool, number: SmartNumber | None,
                       phone_b: str, description: str, expires_at: float | None) -> str:
        t = self.t
        phone_x = escape(display_text(number.phone_x) if number is not None else "?", quote=False)
        customer = escape(display_text(number.phone_b if number is not None else phone_b), quote=False)
        text = (t.notify_added if added else t.notify_deleted).format(
            who=_who(user), phone_x=phone_x, phone_b=customer,
            description=self._described(number.description if number is not None else description),
            chat=escape(chat.title) if chat.title else f"{t.private_chat} ({escape(chat.full_name)})",
        )
        if expires_at is not None:
            text += "\n" + temporary_until(expires_at, t)
        return text

    def expiry_extended(self, user: User | None, row: Expiry, expires_at: float) -> str:
        return self.t.notify_extended.format(who=_who(user), when=local_time(expires_at, self.t.language),
                                             **self._fields(row))

    def expiring(self, row: Expiry) -> str:
        return self.t.notify_expiring.format(when=local_time(row.expires_at), who=_adder(row), **self._fields(row))

    def expired(self, row: Expiry, *, here: bool) -> str:
        if here:
            return self.t.expired_here.format(**self._fields(row))
        return self.t.notify_expired.format(who=_adder(row), **self._fields(row))

    def reminder(self, row: Expiry, now: float) -> tuple[str, InlineKeyboardMarkup]:
        return expiry_reminder(row, self.t, now)

    def sign_in_expired(self, user_id: int, chat_ids: list[int]) -> str:
        chats = escape(", ".join(map(str, chat_ids)) or "-")
        return self.t.signin_expired_admins.format(user_id=user_id, chats=chats)

    def _described(self, description: str) -> str:
        return escape(shorten(description, 200)) if description.strip() else f"<i>{self.t.no_description}</i>"

    def _fields(self, row: Expiry) -> dict[str, str]:
        return {"phone_x": display(row.phone_x), "phone_b": display(row.phone_b),
                "description": self._described(row.description)}


def _who(user: User | None) -> str:
    return person(user.first_name, user.last_name, user.username) if user else "?"


def _adder(row: Expiry) -> str:
    return escape(row.user_name) or "?"
