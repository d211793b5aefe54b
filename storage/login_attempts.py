"""Sign-in attempts per e-mail address, kept in SQLite so that a restart does not reset the limit. The address is
stored only as a SHA-256 of its folded form, and rows older than the limit's window are deleted as new ones come."""

from __future__ import annotations

import hashlib

import aiosqlite


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()


class LoginAttemptStore:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def since(self, email: str, cutoff: float) -> list[float]:
        """When the address was tried after `cutoff`, oldest first."""
        async with self._conn.execute("SELECT at FROM login_attempts WHERE email_hash = ? AND at > ? ORDER BY at",
                                      (email_key(email), cutoff)) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def add(self, email: str, at: float, *, forget_before: float) -> None:
        await self._conn.execute("DELETE FROM login_attempts WHERE at <= ?", (forget_before,))
        await self._conn.execute("INSERT INTO login_attempts (email_hash, at) VALUES (?, ?)", (email_key(email), at))
