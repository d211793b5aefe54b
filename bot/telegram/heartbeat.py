"""Long polling's sign of life: a Bot API session middleware that beats on every getUpdates Telegram answered
(bot/heartbeat.py keeps the file)."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType


class GetUpdatesHeartbeat(BaseRequestMiddleware):
    def __init__(self, beat: Callable[[], None]) -> None:
        self._beat = beat

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        response = await make_request(bot, method)
        if isinstance(method, GetUpdates):
            self._beat()
        return response
