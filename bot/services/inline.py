"""Inline mode (`@bot <query>` typed in any chat): the user's own numbers, from the copy, a page at a time.

The account is the one connected in the user's private chat with the bot (its chat id is the user's id), so a
user sees only what /list would show them there, whatever chat they type in. The answer reads only the copy in
SQLite, never Plusofon: an inline query comes with every keystroke, and the copy of a 10,000-number account
answers in milliseconds. The copy is kept by the mirror's background reads; asking marks the account as in use.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import SmartNumber
from bot.services.mirror import Mirror
from bot.services.search import parse_query, terms
from storage.chats import ChatRepository
from storage.mirror import MirrorStore

INLINE_PAGE = 20         # results per answer; Telegram asks for the next with `next_offset`
MAX_OFFSET = 1_000_000   # an offset past any account: a forged one is read as the end


@dataclass(frozen=True, slots=True)
class InlinePage:
    numbers: list[SmartNumber]
    total: int          # how many match
    next_offset: str    # what Telegram sends back for the next page; "" when this is the last


class InlineNumbers:
    def __init__(self, chats: ChatRepository, store: MirrorStore, mirror: Mirror) -> None:
        self._chats, self._store, self._mirror = chats, store, mirror

    async def find(self, user_id: int, typed: str, offset: str) -> InlinePage | None:
        """The numbers of the user's account that match `typed` (digits of phoneX or phoneB, words of the
        description; nothing typed: all of them), newest first, from `offset`. None when the user has no
        working account in their private chat: no chat, the bot removed from it, or its token refused."""
        auth = await self._chats.get(user_id)
        if auth is None or not auth.active or auth.failure is not None:
            return None
        self._mirror.touch(auth.credentials)
        start = min(int(offset), MAX_OFFSET) if offset.isascii() and offset.isdigit() else 0
        total, numbers = await self._store.search(auth.user_id, terms(parse_query(typed)), offset=start,
                                                  limit=INLINE_PAGE, newest_first=True)
        shown = start + len(numbers)
        return InlinePage(numbers, total, str(shown) if numbers and shown < total else "")
