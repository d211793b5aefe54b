"""Limits on how fast commands and buttons are taken: per user and per chat, so that nobody can make the bot work
(and call Plusofon) without end. Token buckets: `burst` actions at once, then `per_minute`."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User
from cachetools import TTLCache

from bot.core.logs import SECRET_COMMANDS
from bot.core.settings import Settings
from bot.services.admins import ANONYMOUS_ADMIN_ID
from handlers.adding import AddNumber
from handlers.commands import command_words
from handlers.signin import SignIn
from handlers.texts import texts_for

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
MAX_KEYS = 100_000  # users or chats tracked at once, whatever happens
# senders that stand for many people: an anonymous group admin, a channel posting in a group, the channel's
# automatic forwards; each gets a bucket per chat, not one for all the groups of Telegram
SHARED_SENDERS = frozenset({ANONYMOUS_ADMIN_ID, 136817688, 777000})
# the dialogue steps whose plain-text answer may call Plusofon: they count like commands
PLUSOFON_STEPS = frozenset({AddNumber.description.state, AddNumber.ttl.state, SignIn.password.state})
SECRET_STEPS = frozenset({SignIn.password.state})  # a message there is deleted, limit or not


@dataclass(slots=True)
class Bucket:
    tokens: float
    at: float
    warned: bool = False  # told "not so fast" since the last action that went through


class Buckets:
    """One token bucket per key. A key left alone until its bucket is full again is forgotten (a new bucket would
    be the same), so memory holds only the keys active lately."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._now = 0.0  # the time of the latest get(), the cache's clock
        self._buckets: TTLCache[Hashable, Bucket] = TTLCache(maxsize=MAX_KEYS, ttl=burst / self._rate,
                                                             timer=lambda: self._now)

    def __len__(self) -> int:
        return len(self._buckets)

    def get(self, key: Hashable, now: float) -> Bucket:
        """The key's bucket, refilled up to `now`."""
        self._now = now
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = Bucket(self._burst, now)
        else:
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._rate)
            bucket.at = now
        self._buckets[key] = bucket  # stored again: its idle time starts now
        return bucket


class Throttle(BaseMiddleware):
    """Takes a command or a button only while both the user's and the chat's buckets allow it. The bot's admins
    have no per-user limit, but the chat's applies to them too. Past the limit a message gets one short answer and
    a button one callback answer per burst (the limiter must not become a way to make the bot talk); the rest are
    dropped. `throttled` counts the dropped ones by kind ("message", "callback")."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.monotonic,
                 on_throttled: Callable[[str], None] = lambda kind: None) -> None:
        """`on_throttled(kind)` hears of each dropped update ("message", "callback_query"): the metrics."""
        self._admins = settings.admin_ids
        self._on_throttled = on_throttled
        self.users = Buckets(settings.throttle_user_per_minute, settings.throttle_user_burst)
        self.chats = Buckets(settings.throttle_chat_per_minute, settings.throttle_chat_burst)
        self.clock = clock
        self.throttled: Counter[str] = Counter()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        if chat is None or not await _counts(event, data):
            return await handler(event, data)
        now = self.clock()
        buckets = [self.chats.get(chat.id, now)]
        if user is not None and user.id not in self._admins:
            key = (user.id, chat.id) if user.id in SHARED_SENDERS else user.id
            buckets.append(self.users.get(key, now))
        empty = next((bucket for bucket in buckets if bucket.tokens < 1), None)
        if empty is None:
            for bucket in buckets:
                bucket.tokens -= 1
                bucket.warned = False
            return await handler(event, data)
        kind = "callback" if isinstance(event, CallbackQuery) else "message"
        self.throttled[kind] += 1
        self._on_throttled("callback_query" if kind == "callback" else kind)
        if isinstance(event, Message) and (_command(event) in SECRET_COMMANDS
                                           or data.get("raw_state") in SECRET_STEPS):
            with contextlib.suppress(TelegramAPIError):
                await event.delete()  # a token must not stay in the chat, limit or not
        if not empty.warned and isinstance(event, Message | CallbackQuery):
            empty.warned = True
            await _slow_down(event, user)
        return None


async def _counts(event: TelegramObject, data: dict[str, Any]) -> bool:
    """Buttons, this bot's commands (new or edited) and the dialogue steps that call Plusofon count; other
    messages (chatter in a group, the dialogue's first step, a command for another bot) do not."""
    if isinstance(event, CallbackQuery):
        return True
    if not isinstance(event, Message):
        return False
    words = _words(event)
    if words is None:
        return data.get("raw_state") in PLUSOFON_STEPS
    if not words[1]:
        return True
    bot: Bot = data["bot"]
    return words[1].lower() == ((await bot.me()).username or "").lower()


def _words(message: Message) -> tuple[str, str] | None:
    """The command's name and the bot it names ("" for none), or None when the message is no command."""
    return command_words(message.text or message.caption or "")


def _command(message: Message) -> str | None:
    words = _words(message)
    return words[0] if words is not None else None


async def _slow_down(event: Message | CallbackQuery, user: User | None) -> None:
    """A message in the chat, or a callback answer for a button (which only its presser sees)."""
    with contextlib.suppress(TelegramAPIError):
        await event.answer(texts_for(user.language_code if user else None).throttled)
