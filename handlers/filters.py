"""Router guards."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from storage.chats import ChatAuth


class AuthorisedChat(Filter):
    """Passes when the chat is connected to Plusofon, and hands the handler its `creds`."""

    async def __call__(self, event: TelegramObject, auth: ChatAuth | None = None) -> bool | dict[str, Any]:
        return {"creds": auth.credentials} if auth is not None else False
