"""Numbers the bot has just shown, so that 🗑 under a page needs no API call to say what it deletes.

Kept as plain tuples (a pydantic model per number would cost ten times the memory)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime

from bot.plusofon import SmartNumber

_Fields = tuple[str, str, str, str, datetime | None]


class RecentNumbers:
    def __init__(self, max_entries: int = 20_000) -> None:
        self._max = max_entries
        self._numbers: OrderedDict[tuple[int, int], _Fields] = OrderedDict()

    def remember(self, user_id: int, numbers: Iterable[SmartNumber]) -> None:
        for number in numbers:
            key = (user_id, number.id)
            self._numbers[key] = (number.phone_a, number.phone_b, number.phone_x, number.description,
                                  number.created_at)
            self._numbers.move_to_end(key)
        while len(self._numbers) > self._max:
            self._numbers.popitem(last=False)

    def get(self, user_id: int, number_id: int) -> SmartNumber | None:
        fields = self._numbers.get((user_id, number_id))
        if fields is None:
            return None
        phone_a, phone_b, phone_x, description, created_at = fields
        return SmartNumber.model_construct(id=number_id, user_id=user_id, phone_a=phone_a, phone_b=phone_b,
                                           phone_x=phone_x, description=description, created_at=created_at)

    def forget(self, user_id: int, number_id: int) -> None:
        self._numbers.pop((user_id, number_id), None)
