"""Temporary numbers: when each one expires, when to remind about it, and how its delete is going.

A row lives from the /add that made the number temporary until the number is gone (deleted at expiry, by
hand, or found deleted already). `due_at` is the next moment the expiry worker must look at the row: the
reminder, the expiry, or the retry of a delete that failed. The expiries of every account are also kept in
memory, so that /list can mark temporary numbers without reading SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import aiosqlite

from bot.core.models import SmartNumber

_COLUMNS = ("account_id, number_id, chat_id, user_id, user_name, phone_x, phone_b, description, expires_at, "
            "remind_at, due_at, attempts, last_error, deleting_at")
_NONE: Mapping[int, float] = {}


@dataclass(frozen=True, slots=True)
class Expiry:
    account_id: int          # the Plusofon user_id that owns the number
    number_id: int
    chat_id: int             # where it was added: reminders go there
    user_id: int | None      # who added it
    user_name: str
    phone_x: str
    phone_b: str
    description: str
    expires_at: float
    remind_at: float | None  # None once reminded, or when the number lives too short for a reminder
    due_at: float
    attempts: int = 0        # failed deletes so far
    last_error: str | None = None
    deleting_at: float | None = None  # a delete at expiry was started (and may have reached the API)

    def number(self) -> SmartNumber:
        """The number as the bot last saw it (for messages about it)."""
        return SmartNumber.model_construct(id=self.number_id, user_id=self.account_id, phone_a="",
                                           phone_b=self.phone_b, phone_x=self.phone_x,
                                           description=self.description, created_at=None)


class ExpiryStore:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._by_account: dict[int, dict[int, float]] = {}

    async def load(self) -> None:
        """Fill the in-memory view from the table (at start-up)."""
        self._by_account.clear()
        async with self._conn.execute("SELECT account_id, number_id, expires_at FROM expiries") as cursor:
            async for account_id, number_id, expires_at in cursor:
                self._by_account.setdefault(account_id, {})[number_id] = expires_at

    def of(self, account_id: int) -> Mapping[int, float]:
        """Number id → expiry (Unix time) of the account's temporary numbers; no I/O."""
        return self._by_account.get(account_id, _NONE)

    async def put(self, expiry: Expiry) -> None:
        await self._conn.execute(
            f"INSERT OR REPLACE INTO expiries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (expiry.account_id, expiry.number_id, expiry.chat_id, expiry.user_id, expiry.user_name, expiry.phone_x,
             expiry.phone_b, expiry.description, expiry.expires_at, expiry.remind_at, expiry.due_at,
             expiry.attempts, expiry.last_error, expiry.deleting_at),
        )
        self._remember(expiry.account_id, expiry.number_id, expiry.expires_at)

    async def get(self, account_id: int, number_id: int) -> Expiry | None:
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM expiries WHERE account_id = ? AND number_id = ?", (account_id, number_id),
        ) as cursor:
            row = await cursor.fetchone()
        return Expiry(*row) if row is not None else None

    async def due(self, now: float, limit: int = 100) -> list[Expiry]:
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM expiries WHERE due_at <= ? ORDER BY due_at LIMIT ?", (now, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Expiry(*row) for row in rows]

    async def expiring(self, accounts: list[int], start: float, end: float) -> list[Expiry]:
        """The accounts' temporary numbers that expire in [start, end), soonest first (the daily digest)."""
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM expiries WHERE account_id IN (SELECT value FROM json_each(?)) "
            "AND expires_at >= ? AND expires_at < ? ORDER BY expires_at, number_id",
            (json.dumps(accounts), start, end),
        ) as cursor:
            return [Expiry(*row) for row in await cursor.fetchall()]

    async def upcoming(self, account_id: int, before: float | None, offset: int, limit: int
                       ) -> tuple[int, list[Expiry]]:
        """/expiring: how many of the account's temporary numbers go before `before` (None: at any time), and
        `limit` of them from `offset`, the soonest first."""
        window = "account_id = ? AND expires_at < ?"
        args = (account_id, before if before is not None else float("inf"))
        async with self._conn.execute(f"SELECT count(*) FROM expiries WHERE {window}", args) as cursor:
            (total,) = await cursor.fetchone()
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM expiries WHERE {window} ORDER BY expires_at, number_id LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ) as cursor:
            rows = await cursor.fetchall()
        return total, [Expiry(*row) for row in rows]

    async def next_due(self) -> float | None:
        async with self._conn.execute("SELECT min(due_at) FROM expiries") as cursor:
            (due_at,) = await cursor.fetchone()
        return due_at

    async def reminded(self, expiry: Expiry) -> None:
        """The reminder went out: next, the expiry itself (unless the expiry moved meanwhile)."""
        await self._conn.execute(
            "UPDATE expiries SET remind_at = NULL, due_at = expires_at "
            "WHERE account_id = ? AND number_id = ? AND expires_at = ?",
            (expiry.account_id, expiry.number_id, expiry.expires_at),
        )

    async def start_deleting(self, expiry: Expiry, now: float) -> bool:
        """Claim the number for its delete at expiry, unless it was extended since `expiry` was read. From
        here on an extension is refused: the delete may reach the API at any moment."""
        cursor = await self._conn.execute(
            "UPDATE expiries SET deleting_at = coalesce(deleting_at, ?) "
            "WHERE account_id = ? AND number_id = ? AND expires_at = ?",
            (now, expiry.account_id, expiry.number_id, expiry.expires_at),
        )
        return cursor.rowcount == 1

    async def extend(self, expiry: Expiry, expires_at: float, remind_at: float | None) -> bool:
        """Move the expiry, unless somebody else moved it (or it was deleted, or its delete has begun) since
        `expiry` was read: True for exactly one of two quick taps."""
        cursor = await self._conn.execute(
            "UPDATE expiries SET expires_at = ?, remind_at = ?, due_at = ?, attempts = 0, last_error = NULL "
            "WHERE account_id = ? AND number_id = ? AND expires_at = ? AND deleting_at IS NULL",
            (expires_at, remind_at, remind_at if remind_at is not None else expires_at,
             expiry.account_id, expiry.number_id, expiry.expires_at),
        )
        if cursor.rowcount != 1:
            return False
        self._remember(expiry.account_id, expiry.number_id, expires_at)
        return True

    async def failed(self, expiry: Expiry, error: str, retry_at: float, *, maybe_deleted: bool = False) -> None:
        """The delete at expiry failed: try again at `retry_at`. Unless it `maybe_deleted` (no answer after
        the request went out), the claim is let go, so the number may still be extended meanwhile."""
        await self._conn.execute(
            "UPDATE expiries SET attempts = attempts + 1, last_error = ?, due_at = ?, "
            "deleting_at = CASE WHEN ? THEN deleting_at END WHERE account_id = ? AND number_id = ?",
            (error, retry_at, maybe_deleted, expiry.account_id, expiry.number_id),
        )

    async def remove(self, account_id: int, number_id: int) -> bool:
        """The number is gone: forget its expiry. True if it had one."""
        cursor = await self._conn.execute(
            "DELETE FROM expiries WHERE account_id = ? AND number_id = ?", (account_id, number_id),
        )
        numbers = self._by_account.get(account_id)
        if numbers is not None:
            numbers.pop(number_id, None)
            if not numbers:
                del self._by_account[account_id]
        return cursor.rowcount > 0

    async def forget_account(self, account_id: int) -> int:
        """No chat refers to the account any more: drop every expiry of it; return how many."""
        cursor = await self._conn.execute("DELETE FROM expiries WHERE account_id = ?", (account_id,))
        self._by_account.pop(account_id, None)
        return cursor.rowcount

    async def counts(self) -> tuple[int, int]:
        """How many temporary numbers wait for their expiry, and how many of their deletes have failed."""
        async with self._conn.execute("SELECT count(*), coalesce(sum(attempts > 0), 0) FROM expiries") as cursor:
            pending, failing = await cursor.fetchone()
        return pending, failing

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self._conn.execute("UPDATE expiries SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))

    def _remember(self, account_id: int, number_id: int, expires_at: float) -> None:
        self._by_account.setdefault(account_id, {})[number_id] = expires_at
