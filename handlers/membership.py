"""The bot's place in chats: a group that became a supergroup, the bot removed from a chat or added back."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import ChatMemberUpdated, Message

from bot.services.container import Services


async def group_upgraded(message: Message, services: Services) -> None:
    assert message.migrate_to_chat_id is not None
    await services.membership.migrated(message.chat.id, message.migrate_to_chat_id)


async def bot_membership(update: ChatMemberUpdated, services: Services) -> None:
    await services.membership.changed(update.chat.id, update.old_chat_member.status,
                                      update.new_chat_member.status)


def create_membership_router() -> Router:
    router = Router(name="membership")
    router.message.register(group_upgraded, F.migrate_to_chat_id)
    router.my_chat_member.register(bot_membership)
    return router
