"""Who administers a group, and who is in it at all, asked of Telegram and remembered briefly."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatMemberRestricted
from cachetools import TTLCache

log = logging.getLogger(__name__)
ANONYMOUS_ADMIN_ID = 1087968824  # @GroupAnonymousBot: what a message from an anonymous group admin says it is from
ADMIN_TTL = 300.0    # seconds an answer "administers the group" is remembered
MEMBER_TTL = 60.0    # seconds an answer "is in the group" is remembered: someone who leaves loses access soon
GONE = ("left", "kicked")


class GroupAdmins:
    def __init__(self, *, ttl: float = ADMIN_TTL, member_ttl: float = MEMBER_TTL, max_entries: int = 10_000,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[tuple[int, int], bool] = TTLCache(maxsize=max_entries, ttl=ttl, timer=timer)
        self._members: TTLCache[tuple[int, int], bool] = TTLCache(maxsize=max_entries, ttl=member_ttl,
                                                                   timer=timer)

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        cached = self._cache.get((chat_id, user_id))
        return cached if cached is not None else (await self._ask(bot, chat_id, user_id))[0]

    async def is_member(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """In the group now (a member, restricted but in it, an administrator, its creator). When Telegram
        cannot say, the answer is no (and it is asked again next time)."""
        cached = self._members.get((chat_id, user_id))
        return cached if cached is not None else (await self._ask(bot, chat_id, user_id))[1]

    async def _ask(self, bot: Bot, chat_id: int, user_id: int) -> tuple[bool, bool]:
        """getChatMember: (administers, is in), both remembered; (False, False), not remembered, when Telegram
        did not answer."""
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError as error:
            log.warning("cannot check %s's membership of chat %s: %s", user_id, chat_id, error)
            return False, False
        admin = member.status in ("creator", "administrator")
        present = member.status not in GONE and not (isinstance(member, ChatMemberRestricted)
                                                      and not member.is_member)
        self._cache[(chat_id, user_id)], self._members[(chat_id, user_id)] = admin, present
        return admin, present

    def forget(self, chat_id: int) -> None:
        for cache in (self._cache, self._members):
            for key in [key for key in cache if key[0] == chat_id]:
                cache.pop(key, None)  # None: it may have expired since
