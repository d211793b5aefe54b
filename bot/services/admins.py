"""Who administers a group, asked of Telegram and remembered for a few minutes."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

log = logging.getLogger(__name__)
ANONYMOUS_ADMIN_ID = 1087968824  # @GroupAnonymousBot: what a message from an anonymous group admin says it is from


class GroupAdmins:
    def __init__(self, *, ttl: float = 300.0, max_entries: int = 10_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._cache: OrderedDict[tuple[int, int], tuple[bool, float]] = OrderedDict()

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        key = (chat_id, user_id)
        cached = self._cache.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError as error:
            log.warning("cannot check whether %s administers chat %s: %s", user_id, chat_id, error)
            return False
        admin = member.status in ("creator", "administrator")
        self._cache[key] = (admin, time.monotonic() + self._ttl)
        self._cache.move_to_end(key)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return admin

    def forget(self, chat_id: int) -> None:
        for key in [key for key in self._cache if key[0] == chat_id]:
            del self._cache[key]
