"""Adds under way: a row written before the POST and deleted once the add's outcome is handled. A row left by a
stop (a crash, or a shutdown that cancelled the update) is settled later by finding the number it made."""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class PendingAdd:
    id: int
    account: int
    chat_id: int
    chat_type: str
    user_id: int | None
    user_name: str
    phone_b: str
    description: str
    ttl: float | None       # seconds: the number is to be temporary
    above_id: int           # the highest number id known before the POST: the new one is above it
    started_at: float


class PendingAddStore:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def begin(self, *, account: int, chat_id: int, chat_type: str, user_id: int | None, user_name: str,
                    phone_b: str, description: str, ttl: float | None, above_id: int) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO pending_adds (account, chat_id, chat_type, user_id, user_name, phone_b, description, ttl, "
            "above_id, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (account, chat_id, chat_type, user_id, user_name, phone_b, description, ttl, above_id, time.time()))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def done(self, row_id: int) -> None:
        await self._conn.execute("DELETE FROM pending_adds WHERE id = ?", (row_id,))

    async def of_account(self, account: int) -> list[PendingAdd]:
        async with self._conn.execute(
            "SELECT id, account, chat_id, chat_type, user_id, user_name, phone_b, description, ttl, above_id, "
            "started_at FROM pending_adds WHERE account = ? ORDER BY id", (account,)) as cursor:
            return [PendingAdd(*row) for row in await cursor.fetchall()]

    async def accounts(self) -> dict[int, int]:
        """Each account with adds under way, and a chat of one of them."""
        async with self._conn.execute("SELECT account, MAX(chat_id) FROM pending_adds GROUP BY account") as cursor:
            return {row[0]: row[1] for row in await cursor.fetchall()}
