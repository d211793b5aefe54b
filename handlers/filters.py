"""The guards of the authorised features, carried once by their parent router (handlers/__init__.py): the chat
must be connected, and in a group the user must be in it and the group's policy must allow them. Whoever passes
acts on the chat's account: the handlers get `numbers`, the account's numbers bound to this chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User

from bot.services.admins import ANONYMOUS_ADMIN_ID
from bot.services.container import Services
from handlers.replies import alert
from handlers.texts import Texts
from storage.chats import ChatAuth

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AuthorisedChat(Filter):
    """Passes when the chat is connected to Plusofon."""

    async def __call__(self, event: TelegramObject, auth: ChatAuth | None = None) -> bool:
        return auth is not None


class GroupPolicy(BaseMiddleware):
    """In a group, only its members may act on its numbers (people who never joined a public supergroup can
    still write and press buttons there); in a group set to "administrators only" (/access admins), only its
    administrators. Whoever may act gets `numbers`, the chat's account bound to this update."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        auth: ChatAuth = data["auth"]
        services: Services = data["services"]
        t: Texts = data["t"]
        refusal = await _refusal(auth, data.get("event_chat"), data.get("event_from_user"), services, data["bot"], t)
        if refusal is None:
            data["numbers"] = services.numbers.of(auth)
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            alert(data["callback_answer"], refusal)
        elif isinstance(event, Message):
            await event.answer(refusal)
        return None


async def _refusal(auth: ChatAuth, chat: Chat | None, user: User | None, services: Services, bot: Bot,
                   t: Texts) -> str | None:
    """Why the user may not act here, or None."""
    if chat is None or chat.type == "private":
        return None
    if user is not None and user.id == ANONYMOUS_ADMIN_ID:
        return None  # an administrator of this very group, writing on its behalf
    admins = services.group_admins
    if auth.admins_only:  # an administrator is a member: one answer for anyone else
        allowed = user is not None and (await admins.is_admin(bot, chat.id, user.id) or (
            user.id in services.settings.admin_ids and await admins.is_member(bot, chat.id, user.id)))
        return None if allowed else t.admins_only
    return None if user is not None and await admins.is_member(bot, chat.id, user.id) else t.members_only


class BulkPolicy(BaseMiddleware):
    """Bulk actions' guard (under GroupPolicy): who may not gets a refusal; who may gets `bulk`, the chat's
    account's bulk actions for this update."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        services: Services = data["services"]
        chat, user = data.get("event_chat"), data.get("event_from_user")
        if chat is not None and await may_act_in_bulk(chat, user, services, data["bot"]):
            data["bulk"] = services.bulk.of(data["numbers"])
            return await handler(event, data)
        t: Texts = data["t"]
        if isinstance(event, CallbackQuery):
            alert(data["callback_answer"], t.bulk_admins_only)
        elif isinstance(event, Message):
            await event.answer(t.bulk_admins_only)
        return None


async def may_act_in_bulk(chat: Chat, user: User | None, services: Services, bot: Bot) -> bool:
    """Bulk actions (/import, a delete of many): in a private chat its owner, in a group its administrators
    (and the bot's), whatever /access says for single actions."""
    if chat.type == "private":
        return True
    return user is not None and (user.id in services.settings.admin_ids or user.id == ANONYMOUS_ADMIN_ID
                                 or await services.group_admins.is_admin(bot, chat.id, user.id))
