"""The bot's place in chats: a group that became a supergroup takes what the bot keeps for it along; a chat the
bot was removed from is inactive until the bot is back."""

from __future__ import annotations

import logging

from bot.services.admins import GONE, GroupAdmins
from bot.services.notifier import Notifier
from storage.audit import AuditLog
from storage.chats import ChatRepository
from storage.expiries import ExpiryStore
from storage.outbox import Outbox

log = logging.getLogger(__name__)


class Membership:
    def __init__(self, chats: ChatRepository, audit: AuditLog, outbox: Outbox, expiries: ExpiryStore,
                 notifier: Notifier, group_admins: GroupAdmins) -> None:
        self._chats, self._audit, self._outbox, self._expiries = chats, audit, outbox, expiries
        self._notifier, self._group_admins = notifier, group_admins

    async def migrated(self, old: int, new: int) -> None:
        """Group `old` became supergroup `new`: its connection, journal, pending messages and expiries move."""
        await self._chats.migrate(old, new)
        await self._audit.move_chat(old, new)
        await self._outbox.move_chat(old, new)
        await self._expiries.move_chat(old, new)
        self._notifier.resume(new)
        log.info("chat %s became supergroup %s: its settings moved with it", old, new)

    async def changed(self, chat_id: int, old_status: str, new_status: str) -> None:
        """The bot's status in the chat went from `old_status` to `new_status`."""
        self._group_admins.forget(chat_id)
        if new_status in GONE:
            await self._chats.set_active(chat_id, False)
            log.info("the bot was removed from chat %s: marked inactive", chat_id)
        elif old_status in GONE:
            await self._chats.set_active(chat_id, True)
            self._notifier.resume(chat_id)
            log.info("the bot is back in chat %s", chat_id)
