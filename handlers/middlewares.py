"""Per-update context: the chat's credentials and the texts in the user's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, User

from handlers.texts import texts_for
from storage.chats import ChatRepository


class ContextMiddleware(BaseMiddleware):
    """Puts `auth` (the chat's ChatAuth or None) and `t` (Texts) into the handler data."""

    def __init__(self, chats: ChatRepository) -> None:
        self._chats = chats

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        data["auth"] = await self._chats.get(chat.id) if chat is not None else None
        data["t"] = texts_for(user.language_code if user else None)
        return await handler(event, data)
