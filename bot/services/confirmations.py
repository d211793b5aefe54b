"""The rules every ✅/❌ confirmation keeps: only in its own chat and account, only its owner may press it,
once, and not after it expired."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from storage.confirmations import Confirmation, ConfirmationStore, Status


class Refusal(enum.Enum):
    STALE = "stale"          # unknown key, another chat, action or account
    NOT_YOURS = "not_yours"  # somebody else's confirmation
    USED = "used"            # pressed before (or a second tap lost the race)
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Claim:
    """A press on a ✅/❌: the confirmation, now used up (`refusal` None), or why the press may not act."""

    pending: Confirmation | None
    refusal: Refusal | None = None


class Confirmations:
    def __init__(self, store: ConfirmationStore) -> None:
        self._store = store

    async def ask(self, *, chat_id: int, user_id: int, action: str, account: int, payload: dict[str, Any]) -> str:
        """A new confirmation for `user_id` in `chat_id`: its key, for the buttons."""
        return await self._store.create(chat_id=chat_id, user_id=user_id, action=action,
                                        payload={"account": account, **payload})

    async def claim(self, key: str, *, chat_id: int | None, user_id: int, action: str, account: int) -> Claim:
        """Use up the confirmation behind `key`, if this press may act on it."""
        pending = await self._store.get(key)
        if (pending is None or chat_id is None or pending.chat_id != chat_id or pending.action != action
                or pending.payload.get("account") != account):
            return Claim(None, Refusal.STALE)
        if pending.user_id != user_id:
            return Claim(pending, Refusal.NOT_YOURS)
        status = pending.status()
        if status is Status.USED:
            return Claim(pending, Refusal.USED)
        if status is Status.EXPIRED:
            return Claim(pending, Refusal.EXPIRED)
        if not await self._store.consume(pending.key):
            return Claim(pending, Refusal.USED)
        return Claim(pending)

    async def settle(self, key: str) -> None:
        """The claimed action is over, whatever came of it."""
        await self._store.settle(key)

    async def recover(self, action: str) -> int:
        """At start-up: confirmations of `action` used up by a press whose action the stop interrupted (between
        the ✅ and the call, or during it) may be pressed again, marked `tried`; how many."""
        return await self._store.reopen_acting(action)

    async def release(self, key: str, payload: dict[str, Any] | None = None) -> None:
        """Nothing was done: the ✅ may be pressed again (with `payload` instead, if given)."""
        await self._store.release(key, payload)
