"""Numbers the bot has just shown, so that 🗑 under a page needs no API call to say what it deletes."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from bot.plusofon import SmartNumber


class RecentNumbers:
    def __init__(self, max_entries: int = 20_000) -> None:
        self._max = max_entries
        self._numbers: OrderedDict[tuple[int, int], SmartNumber] = OrderedDict()

    def remember(self, user_id: int, numbers: Iterable[SmartNumber]) -> None:
        for number in numbers:
            key = (user_id, number.id)
            self._numbers[key] = number
            self._numbers.move_to_end(key)
        while len(self._numbers) > self._max:
            self._numbers.popitem(last=False)

    def get(self, user_id: int, number_id: int) -> SmartNumber | None:
        return self._numbers.get((user_id, number_id))

    def forget(self, user_id: int, number_id: int) -> None:
        self._numbers.pop((user_id, number_id), None)

    def __len__(self) -> int:
        return len(self._numbers)
