"""Start-up's calls to Telegram: a refused token names BOT_TOKEN at once; a Telegram that cannot be reached or
answers 5xx/429 is tried again with backoff, a line a try, until STARTUP_TIMEOUT_S is spent."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import User

from bot.core.backoff import retry_delay
from bot.startup import ConfigurationError, Deadline, TelegramUnavailable
from bot.telegram.retry import caller_retries

log = logging.getLogger(__name__)
T = TypeVar("T")
BACKOFF = 1.0      # seconds before the second try; doubling (with jitter) up to BACKOFF_CAP
BACKOFF_CAP = 15.0


async def until_answered(what: str, call: Callable[[], Awaitable[T]], deadline: Deadline) -> T:
    """`call()`'s answer, tried again while Telegram cannot be reached or answers 5xx/429 (the request
    middleware's own retries are off: one retry layer); TelegramUnavailable when the next try would come
    after the deadline."""
    reason = "no answer"
    for attempt in itertools.count():
        try:
            with caller_retries():
                async with asyncio.timeout(deadline.remaining()):
                    return await call()
        except TimeoutError:
            wait = 0.0
        except TelegramRetryAfter as error:
            reason, wait = f"429, retry after {error.retry_after} s", float(error.retry_after)
        except (TelegramNetworkError, TelegramServerError) as error:
            reason, wait = str(error), retry_delay(attempt, BACKOFF, cap=BACKOFF_CAP)
        left = deadline.remaining()
        giving_up = wait >= left
        log.warning("start-up: %s failed, try %d (%s); %s", what, attempt + 1, reason,
                    "giving up" if giving_up else f"next try in {wait:.1f} s, giving up in {left:.0f} s")
        if giving_up:
            raise TelegramUnavailable(
                f"Telegram did not answer {what} within STARTUP_TIMEOUT_S={deadline.seconds:g} s "
                f"({attempt + 1} tries, last: {reason}): check the network and TELEGRAM_API_URL; the "
                "supervisor should start the bot again")
        await asyncio.sleep(wait)
    raise AssertionError("unreachable")


async def check_token(bot: Bot, deadline: Deadline) -> User:
    """getMe: who the bot is (aiogram keeps it), or the reason BOT_TOKEN is refused."""
    try:
        me = await until_answered("getMe", bot.me, deadline)
    except TelegramUnauthorizedError as error:
        raise ConfigurationError("BOT_TOKEN", f"Telegram refused the token ({error.message}): copy it "
                                 "again from @BotFather (/mybots, API Token), or set the new one after a "
                                 "/revoke") from error
    except TelegramNotFound as error:
        raise ConfigurationError("BOT_TOKEN", f"Telegram knows no bot with this token ({error.message}): "
                                 "check BOT_TOKEN, and TELEGRAM_API_URL if it is not the default") from error
    log.info("Telegram knows the bot as @%s (id %d)", me.username, me.id)
    return me
