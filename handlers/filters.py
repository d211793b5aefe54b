"""Router guards: the chat must be connected, and in a group the group's policy must allow the user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User
from aiogram.utils.callback_answer import CallbackAnswer

from bot.admins import ANONYMOUS_ADMIN_ID, GroupAdmins
from bot.mirror import Mirror
from bot.settings import Settings
from handlers.texts import Texts
from storage.chats import ChatAuth

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AuthorisedChat(Filter):
    """Passes when the chat is connected to Plusofon, and hands the handler its `creds`."""

    async def __call__(self, event: TelegramObject, auth: ChatAuth | None = None) -> bool | dict[str, Any]:
        return {"creds": auth.credentials} if auth is not None else False


class GroupPolicy(BaseMiddleware):
    """In a group set to "administrators only" (/access admins), nobody else may act on its numbers. Whoever
    may act uses the account: the mirror hears of it (its first use starts the account's copy)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        auth: ChatAuth | None = data.get("auth")
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        if auth is None or not auth.admins_only or chat is None or chat.type == "private":
            return await _in_use(handler, event, data)
        settings: Settings = data["settings"]
        if user is not None and (user.id in settings.admin_ids or user.id == ANONYMOUS_ADMIN_ID
                                 or await group_admins(data).is_admin(data["bot"], chat.id, user.id)):
            return await _in_use(handler, event, data)
        t: Texts = data["t"]
        if isinstance(event, CallbackQuery):
            answer: CallbackAnswer = data["callback_answer"]
            answer.text, answer.show_alert = t.admins_only, True
        elif isinstance(event, Message):
            await event.answer(t.admins_only)
        return None


async def _in_use(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
    auth: ChatAuth | None = data.get("auth")
    if auth is not None:
        mirror: Mirror = data["mirror"]
        mirror.touch(auth.credentials)
    return await handler(event, data)


def group_admins(data: dict[str, Any]) -> GroupAdmins:
    return data["group_admins"]
