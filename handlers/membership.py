"""The bot's place in chats: a group that became a supergroup, the bot removed from a chat or added back."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import ChatMemberUpdated, Message

from bot.services.admins import GroupAdmins
from bot.services.notifier import Notifier
from storage.audit import AuditLog
from storage.chats import ChatRepository
from storage.expiries import ExpiryStore
from storage.outbox import Outbox

log = logging.getLogger(__name__)
GONE = ("left", "kicked")


def create_membership_router() -> Router:
    router = Router(name="membership")

    @router.message(F.migrate_to_chat_id)
    async def group_upgraded(message: Message, chats: ChatRepository, audit: AuditLog, outbox: Outbox,
                             expiries: ExpiryStore, notifier: Notifier) -> None:
        old, new = message.chat.id, message.migrate_to_chat_id
        assert new is not None
        await chats.migrate(old, new)
        await audit.move_chat(old, new)
        await outbox.move_chat(old, new)
        await expiries.move_chat(old, new)
        notifier.resume(new)
        log.info("chat %s became supergroup %s: its settings moved with it", old, new)

    @router.my_chat_member()
    async def bot_membership(update: ChatMemberUpdated, chats: ChatRepository, notifier: Notifier,
                             group_admins: GroupAdmins) -> None:
        chat_id = update.chat.id
        group_admins.forget(chat_id)
        if update.new_chat_member.status in GONE:
            await chats.set_active(chat_id, False)
            log.info("the bot was removed from chat %s: marked inactive", chat_id)
        elif update.old_chat_member.status in GONE:
            await chats.set_active(chat_id, True)
            notifier.resume(chat_id)
            log.info("the bot is back in chat %s", chat_id)

    return router
