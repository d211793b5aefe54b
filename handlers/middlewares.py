"""Per-update context: the chat's credentials, the user's language, one answer deadline, in-flight tracking."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, User

from bot.plusofon import PlusofonClient
from handlers.texts import texts_for
from storage.chats import ChatRepository

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
ANSWER_WITHIN = 18.0  # seconds for all Plusofon calls of one update: the user hears back within 20 s


class ContextMiddleware(BaseMiddleware):
    """Puts `auth` (the chat's ChatAuth or None) and `t` (Texts) into the handler data, and runs the handler
    under one Plusofon deadline."""

    def __init__(self, chats: ChatRepository, plusofon: PlusofonClient) -> None:
        self._chats = chats
        self._plusofon = plusofon

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        data["auth"] = await self._chats.get(chat.id) if chat is not None else None
        data["t"] = texts_for(user.language_code if user else None)
        with self._plusofon.within(ANSWER_WITHIN):
            return await handler(event, data)


class InFlight(BaseMiddleware):
    """Knows which updates are being handled, so that a shutdown can let them finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        task = asyncio.current_task()
        if task is None:
            return await handler(event, data)
        self._tasks.add(task)
        try:
            return await handler(event, data)
        finally:
            self._tasks.discard(task)

    async def finish(self, timeout: float) -> int:
        """Give the updates in flight `timeout` seconds, then cancel the rest; return how many were cancelled."""
        current = asyncio.current_task()
        running = [task for task in self._tasks if task is not current]
        if not running:
            return 0
        _, pending = await asyncio.wait(running, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return len(pending)
