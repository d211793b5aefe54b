"""Who administers a group, asked of Telegram and remembered for a few minutes."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from cachetools import TTLCache

log = logging.getLogger(__name__)
ANONYMOUS_ADMIN_ID = 1087968824  # @GroupAnonymousBot: what a message from an anonymous group admin says it is from


class GroupAdmins:
    def __init__(self, *, ttl: float = 300.0, max_entries: int = 10_000) -> None:
        self._cache: TTLCache[tuple[int, int], bool] = TTLCache(maxsize=max_entries, ttl=ttl)

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        key = (chat_id, user_id)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError as error:
            log.warning("cannot check whether %s administers chat %s: %s", user_id, chat_id, error)
            return False
        admin = member.status in ("creator", "administrator")
        self._cache[key] = admin
        return admin

    def forget(self, chat_id: int) -> None:
        for key in [key for key in self._cache if key[0] == chat_id]:
            self._cache.pop(key, None)  # None: it may have expired since
