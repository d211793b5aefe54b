"""/find: what the user typed, as the mirror searches it, and the queries behind /find's page buttons.

A query with at least three digits and nothing but phone characters (`+7 999 333`, `8999333`, `333-22`) is a
phone fragment: its digits are looked for in phoneX and phoneB. Anything else is looked for in the
descriptions (case-insensitively, ё = е), and its digits, if it has any, in the phones as well.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from cachetools import LRUCache, TTLCache

from storage.mirror import SearchWords, fold

PHONE_CHARACTERS = re.compile(r"[\d\s+\-().]+")
MIN_PHONE_DIGITS = 3


@dataclass(frozen=True, slots=True)
class Query:
    text: str                  # as typed, whitespace collapsed
    words: str                 # casefolded text for descriptions ("" = descriptions are not searched)
    digits: str                # digits to find anywhere in a phone ("" = phones are not searched)
    prefix: str = ""           # digits a phone may start with instead: a leading 8 typed for the 7 of Russia

    @property
    def empty(self) -> bool:
        return not self.text


def parse_query(typed: str | None) -> Query:
    text = " ".join((typed or "").split())
    digits = re.sub(r"\D", "", text)
    phone_only = len(digits) >= MIN_PHONE_DIGITS and PHONE_CHARACTERS.fullmatch(text) is not None
    prefix = ""
    if digits.startswith("8") and phone_only:
        if len(digits) == 11:
            digits = "7" + digits[1:]  # 8 999 333 22 10 is +7 999 333 22 10
        elif len(digits) >= 4:
            prefix = "7" + digits[1:]  # 8999333: the start of a Russian number written with 8
    return Query(text=text, words="" if phone_only else fold(text), digits=digits, prefix=prefix)


def terms(query: Query) -> SearchWords:
    """What the mirror looks for."""
    return SearchWords(words=query.words, digits=query.digits, prefix=query.prefix)


# -- the cache ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SavedQuery:
    user_id: int       # the Plusofon account searched
    text: str


class SearchCache:
    """The queries behind the page buttons of /find, under short random keys (the numbers are in the mirror):
    `queries_per_chat` per chat (one busy chat pushes out only its own) for `query_ttl` seconds each, for the
    `max_query_chats` chats that used them last."""

    def __init__(self, *, query_ttl: float = 3600.0, queries_per_chat: int = 50, max_query_chats: int = 5000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._chats: LRUCache[int, TTLCache[str, SavedQuery]] = LRUCache(maxsize=max_query_chats)
        self._new_chat = partial(TTLCache, maxsize=queries_per_chat, ttl=query_ttl, timer=clock)

    def save_query(self, chat_id: int, user_id: int, text: str) -> str:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = self._new_chat()
        key = secrets.token_urlsafe(6)
        chat[key] = SavedQuery(user_id, text)
        return key

    def query(self, key: str, chat_id: int, user_id: int) -> str | None:
        """The query saved under `key` by this chat for this account, unless it has expired."""
        chat = self._chats.get(chat_id)
        saved = chat.get(key) if chat is not None else None
        return saved.text if saved is not None and saved.user_id == user_id else None
