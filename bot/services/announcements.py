"""What the services say to people on their own (the team chat's notifications, reminders, the admins' alerts).
The words are the presentation layer's: it provides an `Announcements` (handlers/announcements.py) when the bot
is wired, so that no service imports a text or a view."""

from __future__ import annotations

from typing import Any, Protocol

from aiogram.types import Chat, User

from bot.core.models import SmartNumber
from storage.expiries import Expiry


class Announcements(Protocol):
    by_the_bot: str  # the name the audit trail gives to the bot's own actions

    def number_changed(self, user: User | None, chat: Chat, *, added: bool, number: SmartNumber | None,
                       phone_b: str, description: str, expires_at: float | None) -> str:
        """To the team chat: `user` added or deleted a number in `chat`."""

    def expiry_extended(self, user: User | None, row: Expiry, expires_at: float) -> str:
        """To the team chat: a temporary number now goes at `expires_at`."""

    def expiring(self, row: Expiry) -> str:
        """To the team chat: a temporary number is about to go."""

    def expired(self, row: Expiry, *, here: bool) -> str:
        """A temporary number was deleted at its expiry: to its own chat (`here`), or to the team chat."""

    def reminder(self, row: Expiry, now: float) -> tuple[str, Any]:
        """To the chat of a temporary number, before it goes: the text and its buttons (extend, delete now)."""

    def sign_in_expired(self, user_id: int, chat_ids: list[int]) -> str:
        """To the bot's admins: Plusofon refused to renew an account's sign-in."""
