"""The answers of the Mini App's POSTs under their Idempotency-Key (webapp/api.py: `once_per_key`), kept a day,
so that a retry after the bot restarted gets the first answer too, never a second number or a second job.

A key is claimed before its request is answered and the answer saved after; a claim whose answer was never saved
(the bot stopped meanwhile) says so, and the request is not made again. The answers hold customers' phones:
they go with their account when it is forgotten (bot/services/forgetting.py)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class Kept:
    status: int | None   # None: the first request was still being answered when the bot stopped
    body: bytes


class KeptAnswers:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def claim(self, user_id: int, path: str, key: str, *, account_id: int, now: float) -> Kept | None:
        """None: the first request with this key, now claimed; else what the first one left."""
        cursor = await self._conn.execute(
            """INSERT INTO kept_answers (user_id, path, key, account_id, created_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT DO NOTHING""", (user_id, path, key, account_id, now))
        if cursor.rowcount == 1:
            return None
        async with self._conn.execute(
                "SELECT status, body FROM kept_answers WHERE user_id = ? AND path = ? AND key = ?",
                (user_id, path, key)) as cursor:
            row = await cursor.fetchone()
        return Kept(row[0], row[1] or b"") if row is not None else Kept(None, b"")

    async def save(self, user_id: int, path: str, key: str, status: int, body: bytes) -> None:
        await self._conn.execute(
            "UPDATE kept_answers SET status = ?, body = ? WHERE user_id = ? AND path = ? AND key = ?",
            (status, body, user_id, path, key))

    async def release(self, user_id: int, path: str, key: str) -> None:
        """The request failed before anything was done: a retry may make it."""
        await self._conn.execute("DELETE FROM kept_answers WHERE user_id = ? AND path = ? AND key = ?",
                                 (user_id, path, key))

    async def purge(self, before: float, limit: int) -> int:
        """Delete up to `limit` answers kept since before `before`; how many."""
        cursor = await self._conn.execute(
            """DELETE FROM kept_answers WHERE (user_id, path, key) IN
                   (SELECT user_id, path, key FROM kept_answers WHERE created_at < ? LIMIT ?)""", (before, limit))
        return cursor.rowcount

    async def forget_account(self, account_id: int) -> int:
        cursor = await self._conn.execute("DELETE FROM kept_answers WHERE account_id = ?", (account_id,))
        return cursor.rowcount
