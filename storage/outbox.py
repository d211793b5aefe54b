"""Team notifications waiting to be sent (rows are added by the audit trigger, see storage/audit.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    chat_id: int
    text: str


class Outbox:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def pending(self, after_id: int = 0, limit: int = 500) -> list[Notification]:
        async with self._conn.execute(
            "SELECT id, chat_id, text FROM outbox WHERE sent_at IS NULL AND dropped IS NULL AND id > ? "
            "ORDER BY id LIMIT ?", (after_id, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Notification(*row) for row in rows]

    async def add(self, chat_id: int, text: str) -> None:
        """A message of its own, not tied to an audit record (the trigger adds those)."""
        await self._conn.execute("INSERT INTO outbox (chat_id, text, created_at) VALUES (?, ?, ?)",
                                 (chat_id, text, time.time()))

    async def mark_sent(self, notification_id: int) -> None:
        await self._conn.execute("UPDATE outbox SET sent_at = ? WHERE id = ?", (time.time(), notification_id))

    async def drop(self, notification_id: int, reason: str) -> None:
        await self._conn.execute("UPDATE outbox SET dropped = ? WHERE id = ?", (reason[:200], notification_id))

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self._conn.execute(
            "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND sent_at IS NULL AND dropped IS NULL",
            (new_chat_id, old_chat_id),
        )

    async def backlog(self) -> tuple[int, float]:
        """How many notifications wait to be sent, and the age in seconds of the oldest (0 when none)."""
        async with self._conn.execute(
            "SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL AND dropped IS NULL",
        ) as cursor:
            count, oldest = await cursor.fetchone()
        return count, max(time.time() - oldest, 0.0) if oldest is not None else 0.0

    async def purge(self, before: float, limit: int) -> int:
        """Delete up to `limit` sent or dropped notifications created before `before`; return how many.
        Pending ones are never deleted."""
        cursor = await self._conn.execute(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < ? "
            "AND (sent_at IS NOT NULL OR dropped IS NOT NULL) ORDER BY id LIMIT ?)", (before, limit))
        return cursor.rowcount
