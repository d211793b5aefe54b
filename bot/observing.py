"""The first middleware every update meets: it counts and times the update, and lets the logs name it."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update

from bot.core.logs import current_update
from bot.core.metrics import Metrics

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateObserver(BaseMiddleware):
    """Two counter increments and a context variable per update: cheap enough for the hot path."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        token = current_update.set(event)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            current_update.reset(token)
            self._metrics.update_handled(_kind(event), outcome, time.perf_counter() - started)


def _kind(update: Update) -> str:
    if update.message is not None:
        return "message"
    if update.callback_query is not None:
        return "callback_query"
    try:
        return update.event_type
    except Exception:  # noqa: BLE001 - an update type this aiogram does not know
        return "other"
