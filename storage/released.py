"""Accounts no chat refers to any more, and since when: triggers on `chats` keep the table (see migrations),
so a chat removed by any path counts, and a chat connected to the account again takes it back."""

from __future__ import annotations

import aiosqlite

from storage.database import checkpoint


class ReleasedAccounts:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def due(self, released_before: float) -> list[int]:
        """The accounts released before that moment, oldest first."""
        async with self._conn.execute(
            "SELECT account_id FROM released_accounts WHERE released_at <= ? ORDER BY released_at",
            (released_before,)) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def notice_strays(self, now: float) -> None:
        """Count as released from `now` an account something is still kept for although no chat refers to it
        (a write that raced its forgetting)."""
        await self._conn.execute(
            """INSERT OR IGNORE INTO released_accounts (account_id, released_at)
               SELECT account_id, ? FROM (SELECT account_id FROM mirror_accounts UNION SELECT account_id FROM expiries)
               WHERE account_id NOT IN (SELECT plusofon_user_id FROM chats)""", (now,))

    async def still(self, account: int) -> bool:
        """Still released (no chat connected to it meanwhile)."""
        async with self._conn.execute("SELECT 1 FROM released_accounts WHERE account_id = ?", (account,)) as cursor:
            return await cursor.fetchone() is not None

    async def forgotten(self, account: int) -> None:
        """Everything kept for the account is gone."""
        await self._conn.execute("DELETE FROM released_accounts WHERE account_id = ?", (account,))

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database file and empty it, so that the pages of deleted rows leave it too;
        False if a read in progress kept it from that for too long."""
        return await checkpoint(self._conn)
