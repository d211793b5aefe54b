"""/find: which smart numbers match what the user typed, and a short-lived cache of whole account lists.

A query with at least three digits and nothing but phone characters (`+7 999 333`, `8999333`, `333-22`) is a
phone fragment: its digits are looked for in phoneX and phoneB. Anything else is looked for in the
descriptions (case-insensitively, ё = е), and its digits, if it has any, in the phones as well.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.plusofon import SmartNumber

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
    return Query(text=text, words="" if phone_only else _fold(text), digits=digits, prefix=prefix)


def matches(number: SmartNumber, query: Query) -> bool:
    if query.digits:
        for phone in (number.phone_x, number.phone_b):
            phone_digits = phone if phone.isdigit() else re.sub(r"\D", "", phone)
            if query.digits in phone_digits or (query.prefix and phone_digits.startswith(query.prefix)):
                return True
    return bool(query.words) and query.words in _fold(number.description)


def search(numbers: Sequence[SmartNumber], query: Query) -> list[SmartNumber]:
    if query.empty:
        return []
    return [number for number in numbers if matches(number, query)]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold().replace("ё", "е")


# -- the cache ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SavedQuery:
    chat_id: int
    user_id: int       # the Plusofon account searched
    text: str
    saved_at: float


class SearchCache:
    """Whole lists of the accounts searched lately (`ttl` seconds, `max_accounts` of them, least recently used
    out first), and the queries behind the page buttons of /find, under short random keys: `queries_per_chat`
    per chat (one busy chat pushes out only its own), for the `max_query_chats` chats that searched last."""

    def __init__(self, *, ttl: float = 60.0, max_accounts: int = 200, query_ttl: float = 3600.0,
                 queries_per_chat: int = 50, max_query_chats: int = 5000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._max_accounts = ttl, max_accounts
        self._query_ttl, self._per_chat, self._max_query_chats = query_ttl, queries_per_chat, max_query_chats
        self._clock = clock
        self._lists: OrderedDict[int, tuple[float, list[SmartNumber]]] = OrderedDict()
        self._queries: OrderedDict[int, OrderedDict[str, SavedQuery]] = OrderedDict()  # by chat, then by key

    # whole lists, by account

    def get(self, user_id: int) -> list[SmartNumber] | None:
        entry = self._lists.get(user_id)
        if entry is None:
            return None
        loaded_at, numbers = entry
        if self._clock() - loaded_at > self._ttl:
            del self._lists[user_id]
            return None
        self._lists.move_to_end(user_id)
        return numbers

    def put(self, user_id: int, numbers: list[SmartNumber]) -> None:
        self._lists[user_id] = (self._clock(), numbers)
        self._lists.move_to_end(user_id)
        while len(self._lists) > self._max_accounts:
            self._lists.popitem(last=False)

    async def numbers(self, user_id: int, load: Callable[[], Awaitable[list[SmartNumber]]]) -> list[SmartNumber]:
        """The account's list from the cache, or `load()`ed (and cached) when it is not there."""
        numbers = self.get(user_id)
        if numbers is None:
            numbers = await load()
            self.put(user_id, numbers)
        return numbers

    def added(self, user_id: int, number: SmartNumber) -> None:
        """The bot itself added `number`: a cached list takes it in rather than being read again."""
        entry = self._lists.get(user_id)
        if entry is not None:
            self._lists[user_id] = (entry[0], [*entry[1], number])

    def removed(self, user_id: int, number_id: int) -> None:
        """The bot itself deleted a number: a cached list drops it."""
        entry = self._lists.get(user_id)
        if entry is not None:
            self._lists[user_id] = (entry[0], [number for number in entry[1] if number.id != number_id])

    def invalidate(self, user_id: int) -> None:
        """The account's numbers changed (an add or a delete): the next search reads them again."""
        self._lists.pop(user_id, None)

    # queries, by key

    def save_query(self, chat_id: int, user_id: int, text: str) -> str:
        key = secrets.token_urlsafe(6)
        chat = self._queries.setdefault(chat_id, OrderedDict())
        self._queries.move_to_end(chat_id)
        chat[key] = SavedQuery(chat_id, user_id, text, self._clock())
        while len(chat) > self._per_chat:
            chat.popitem(last=False)
        while len(self._queries) > self._max_query_chats:
            self._queries.popitem(last=False)
        return key

    def query(self, key: str, chat_id: int, user_id: int) -> str | None:
        """The query saved under `key` by this chat for this account, unless it has expired."""
        chat = self._queries.get(chat_id)
        saved = chat.get(key) if chat is not None else None
        if chat is None or saved is None or saved.user_id != user_id:
            return None
        if self._clock() - saved.saved_at > self._query_ttl:
            del chat[key]
            return None
        return saved.text
