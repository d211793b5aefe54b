"""The audit trail: who did what, in which chat, when, and how it ended.

A record may carry a team notification; the `audit_notifies` trigger puts it into the outbox in the same
statement, so a notification exists exactly when its audit record does.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: float
    chat_id: int
    user_id: int | None
    user_name: str
    action: str
    details: str
    result: str


class AuditLog:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def record(self, *, chat_id: int, user_id: int | None, user_name: str, action: str, details: str = "",
                     result: str = "ok", notify_chat_id: int | None = None, notify_text: str | None = None,
                     account_id: int | None = None) -> None:
        """`account_id`: the Plusofon account the action was on (None: none, e.g. a refused /login)."""
        await self._conn.execute(
            "INSERT INTO audit (at, chat_id, user_id, user_name, action, details, result, notify_chat_id, "
            "notify_text, account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), chat_id, user_id, user_name, action, details, result,
             notify_chat_id if notify_text else None, notify_text, account_id),
        )

    async def recent(self, chat_id: int, limit: int = 20, *, account_id: int | None = None) -> list[AuditEntry]:
        """The chat's latest records, newest first; with `account_id`, only those made on that account."""
        where, params = ("chat_id = ?", (chat_id,)) if account_id is None else (
            "chat_id = ? AND account_id = ?", (chat_id, account_id))
        async with self._conn.execute(
            "SELECT at, chat_id, user_id, user_name, action, details, result FROM audit WHERE " + where +
            " ORDER BY id DESC LIMIT ?", (*params, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [AuditEntry(*row) for row in rows]

    async def last_id(self) -> int:
        async with self._conn.execute("SELECT coalesce(max(id), 0) FROM audit") as cursor:
            (last,) = await cursor.fetchone()
        return last

    async def changes(self, chat_ids: list[int], after_id: int, up_to_id: int) -> list[AuditEntry]:
        """The adds, deletes and deletes at expiry that went through in these chats, recorded after the record
        `after_id` up to `up_to_id`, oldest first (the daily digest)."""
        async with self._conn.execute(
            "SELECT at, chat_id, user_id, user_name, action, details, result FROM audit "
            "WHERE id > ? AND id <= ? AND chat_id IN (SELECT value FROM json_each(?)) "
            "AND action IN ('add', 'delete', 'expire') AND result = 'ok' ORDER BY id",
            (after_id, up_to_id, json.dumps(chat_ids)),
        ) as cursor:
            return [AuditEntry(*row) for row in await cursor.fetchall()]

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self._conn.execute("UPDATE audit SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))

    async def purge(self, before: float, limit: int) -> int:
        """Delete up to `limit` records made before `before`; return how many. A record whose notification is
        still in the outbox (pending, or sent but not purged yet) is kept: it goes once that row has gone."""
        cursor = await self._conn.execute(
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? AND NOT EXISTS "
            "(SELECT 1 FROM outbox WHERE outbox.audit_id = audit.id) ORDER BY id LIMIT ?)", (before, limit))
        return cursor.rowcount
