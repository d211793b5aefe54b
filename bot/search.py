"""/find: what the user typed, as the mirror searches it, and the queries behind /find's page buttons.

A query with at least three digits and nothing but phone characters (`+7 999 333`, `8999333`, `333-22`) is a
phone fragment: its digits are looked for in phoneX and phoneB. Anything else is looked for in the
descriptions (case-insensitively, ё = е), and its digits, if it has any, in the phones as well.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

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
    chat_id: int
    user_id: int       # the Plusofon account searched
    text: str
    saved_at: float


class SearchCache:
    """The queries behind the page buttons of /find, under short random keys (the numbers are in the mirror)."""

    def __init__(self, *, query_ttl: float = 3600.0, max_queries: int = 2000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._query_ttl, self._max_queries = query_ttl, max_queries
        self._clock = clock
        self._queries: OrderedDict[str, SavedQuery] = OrderedDict()

    def save_query(self, chat_id: int, user_id: int, text: str) -> str:
        key = secrets.token_urlsafe(6)
        self._queries[key] = SavedQuery(chat_id, user_id, text, self._clock())
        while len(self._queries) > self._max_queries:
            self._queries.popitem(last=False)
        return key

    def query(self, key: str, chat_id: int, user_id: int) -> str | None:
        """The query saved under `key` by this chat for this account, unless it has expired."""
        saved = self._queries.get(key)
        if saved is None or saved.chat_id != chat_id or saved.user_id != user_id:
            return None
        if self._clock() - saved.saved_at > self._query_ttl:
            del self._queries[key]
            return None
        return saved.text
