"""The daily digest's record: for each team chat, the last day whose digest was done (sent, or found quiet) and
the last audit record it covered, after which the next one starts. One row per chat; it survives restarts."""

from __future__ import annotations

import aiosqlite


class DigestStore:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def last(self, chat_id: int) -> tuple[str, int] | None:
        """(day, last audit id covered) of the chat's last digest, or None before its first."""
        async with self._conn.execute("SELECT day, audit_id FROM digests WHERE chat_id = ?", (chat_id,)) as cursor:
            row = await cursor.fetchone()
        return (row[0], row[1]) if row is not None else None

    async def done(self, chat_id: int, day: str, audit_id: int) -> bool:
        """Record the digest of `day` (an ISO date) as done, unless that day's (or a later one's) was: whether
        this call recorded it (so two workers never both send one)."""
        cursor = await self._conn.execute(
            """INSERT INTO digests (chat_id, day, audit_id) VALUES (?, ?, ?)
               ON CONFLICT (chat_id) DO UPDATE SET day = excluded.day, audit_id = excluded.audit_id
               WHERE digests.day < excluded.day""", (chat_id, day, audit_id))
        return cursor.rowcount > 0
