"""Every add, delete, login, link and logout goes to the audit trail; adds and deletes also tell the team chat.
The notification is written with its audit record (the outbox delivers it)."""

from __future__ import annotations

from aiogram.types import Chat, User

from bot.core.durations import local_time
from bot.core.models import SmartNumber
from bot.core.phones import display_text
from bot.core.settings import Settings
from bot.services.announcements import Announcements
from bot.services.notifier import Notifier
from storage.audit import AuditEntry, AuditLog
from storage.chats import ChatAuth
from storage.expiries import Expiry
from storage.outbox import Outbox


class Journal:
    def __init__(self, audit: AuditLog, outbox: Outbox, notifier: Notifier, settings: Settings,
                 say: Announcements) -> None:
        self._audit = audit
        self._outbox = outbox
        self._notifier = notifier
        self._settings = settings
        self._say = say

    def team_chat(self, auth: ChatAuth | None) -> int | None:
        """The chat's own notify chat, else NOTIFY_CHAT_ID: but that only for a chat the bot's admins connected (a
        stranger's self-connected chat must not post into the company's chat), or, with no chat to ask, when only
        admins can connect chats."""
        if auth is not None and auth.notify_chat_id is not None:
            return auth.notify_chat_id
        trusted = auth.by_admin if auth is not None else not self._settings.allow_self_login
        return self._settings.notify_chat_id if trusted else None

    async def number_changed(self, auth: ChatAuth, chat: Chat, user: User | None, *, added: bool,
                             number: SmartNumber | None, phone_b: str = "", description: str = "",
                             error: str | None = None, expires_at: float | None = None) -> None:
        plain_x = display_text(number.phone_x) if number is not None else "?"
        plain_b = display_text(number.phone_b if number is not None else phone_b)
        described = number.description if number is not None else description
        target = self.team_chat(auth)
        text = None
        if error is None and target is not None and target != chat.id:
            text = self._say.number_changed(user, chat, added=added, number=number, phone_b=phone_b,
                                            description=description, expires_at=expires_at)
        number_id = f"id {number.id} " if number is not None else ""
        await self._audit.record(
            chat_id=chat.id, user_id=user.id if user else None, user_name=plain_name(user),
            action="add" if added else "delete", details=f"{number_id}{plain_x} → {plain_b} {described}".strip(),
            result=error or "ok", notify_chat_id=target, notify_text=text, account_id=auth.user_id,
        )
        if text is not None:
            self._notifier.wake()

    async def expiry_extended(self, row: Expiry, auth: ChatAuth, chat: Chat, user: User | None,
                              expires_at: float) -> None:
        target = self.team_chat(auth)
        text = None
        if target is not None and target != chat.id:
            text = self._say.expiry_extended(user, row, expires_at)
        await self._audit.record(chat_id=chat.id, user_id=user.id if user else None, user_name=plain_name(user),
                                 action="extend", details=f"id {row.number_id} → {local_time(expires_at)}",
                                 notify_chat_id=target, notify_text=text, account_id=auth.user_id)
        if text is not None:
            self._notifier.wake()

    async def expiry_reminded(self, row: Expiry, auth: ChatAuth | None) -> None:
        """The team hears that a temporary number is about to go (`auth`'s chat, if any, was reminded)."""
        target = self.team_chat(auth)
        if target is None or (auth is not None and target == auth.chat_id):
            return
        await self._outbox.add(target, self._say.expiring(row))
        self._notifier.wake()

    async def number_expired(self, row: Expiry, auth: ChatAuth) -> None:
        """Deleted at its expiry: recorded in `auth`'s chat (the one it was added in, if it is still connected to
        the number's account), which hears of it, and the team too."""
        target = self.team_chat(auth)
        team_text = None
        if target is not None and target != auth.chat_id:
            team_text = self._say.expired(row, here=False)
        await self._audit.record(
            chat_id=auth.chat_id, user_id=None, user_name=self._say.by_the_bot, action="expire",
            details=f"id {row.number_id} {display_text(row.phone_x)} → {display_text(row.phone_b)} "
                    f"{row.description}".strip(),
            notify_chat_id=target, notify_text=team_text, account_id=auth.user_id,
        )
        await self._outbox.add(auth.chat_id, self._say.expired(row, here=True))
        self._notifier.wake()

    async def job_row(self, chat_id: int, user_id: int, user_name: str, *, added: bool, number_id: int | None,
                      phone_x: str, phone_b: str, description: str, error: str | None = None,
                      account: int) -> None:
        """A number a bulk job added or deleted, in the chat's /history (the team hears of the job once, at its
        end: `job_finished`)."""
        number = f"id {number_id} " if number_id is not None else ""
        plain_x = display_text(phone_x) if phone_x else "?"
        await self._audit.record(chat_id=chat_id, user_id=user_id, user_name=user_name,
                                 action="add" if added else "delete",
                                 details=f"{number}{plain_x} → {display_text(phone_b)} {description}".strip(),
                                 result=error or "ok", account_id=account)

    async def job_finished(self, auth: ChatAuth, chat_id: int, text: str) -> None:
        """One line to the team chat when a bulk job ends (unless the job ran in the team chat itself)."""
        target = self.team_chat(auth)
        if target is not None and target != chat_id:
            await self._outbox.add(target, text)
            self._notifier.wake()

    async def recent(self, auth: ChatAuth, limit: int) -> list[AuditEntry]:
        """The chat's latest records made on its present account, newest first (not a previous account's)."""
        return await self._audit.recent(auth.chat_id, limit, account_id=auth.user_id)

    async def account_event(self, chat: Chat, user: User | None, action: str, details: str = "",
                            result: str = "ok", *, account: int | None = None) -> None:
        """`account`: the Plusofon account it concerns, if any."""
        await self._audit.record(chat_id=chat.id, user_id=user.id if user else None, user_name=plain_name(user),
                                 action=action, details=details, result=result, account_id=account)


def plain_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.full_name + (f" (@{user.username})" if user.username else "")
