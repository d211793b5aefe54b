"""Retries of Bot API calls that Telegram answered with 429 or 5xx, as an aiogram request middleware.

Each handler runs in its own task, so one chat's waiting never blocks another's. A caller with its own retry
loop (the team notifier) makes its calls inside `caller_retries()`, so they are tried once here: one layer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.core.backoff import retry_delay

log = logging.getLogger(__name__)

# Repeating these cannot duplicate anything the user sees, so a lost answer may be retried as well.
_IDEMPOTENT_PREFIXES = ("edit", "answer", "delete", "get", "set", "sendChatAction")
_caller_retries: ContextVar[bool] = ContextVar("telegram_caller_retries", default=False)


@contextmanager
def caller_retries() -> Iterator[None]:
    """Bot API calls made inside are not retried by the middleware: the caller retries them itself."""
    token = _caller_retries.set(True)
    try:
        yield
    finally:
        _caller_retries.reset(token)


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(self, *, attempts: int = 3, max_wait: float = 30.0, backoff: float = 0.5) -> None:
        self._attempts = attempts
        self._max_wait = max_wait
        self._backoff = backoff

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        if isinstance(method, GetUpdates) or _caller_retries.get():  # polling has its own backoff
            return await make_request(bot, method)
        name = method.__api_method__
        for attempt in range(self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == self._attempts or error.retry_after > self._max_wait:
                    raise
                delay: float = error.retry_after
            except (TelegramServerError, TelegramNetworkError) as error:
                if attempt == self._attempts or not _may_repeat(name, error):
                    raise
                delay = retry_delay(attempt, self._backoff)
            log.info("Telegram refused %s (attempt %d); retrying in %.1fs", name, attempt + 1, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")


def _may_repeat(name: str, error: Any) -> bool:
    return isinstance(error, TelegramServerError) or name.startswith(_IDEMPOTENT_PREFIXES)
