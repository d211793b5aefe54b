"""One-shot confirmations behind ✅/❌ buttons, kept server-side so that they survive a restart.

The button carries only an opaque random key; who may press it, what it does and until when live here.
"""

from __future__ import annotations

import enum
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import aiosqlite


class Status(enum.Enum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Confirmation:
    key: str
    chat_id: int
    user_id: int
    action: str
    payload: dict[str, Any]
    expires_at: float
    used: bool

    def status(self, now: float | None = None) -> Status:
        if self.used:
            return Status.USED
        return Status.EXPIRED if (now or time.time()) >= self.expires_at else Status.OPEN


class ConfirmationStore:
    def __init__(self, conn: aiosqlite.Connection, *, ttl: float = 600.0, keep: float = 86_400.0) -> None:
        self._conn = conn
        self.ttl = ttl
        self._keep = keep

    async def create(self, *, chat_id: int, user_id: int, action: str, payload: dict[str, Any]) -> str:
        key = secrets.token_urlsafe(12)
        now = time.time()
        await self._conn.execute(
            "INSERT INTO confirmations (id, chat_id, user_id, action, payload, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (key, chat_id, user_id, action, json.dumps(payload, ensure_ascii=False), now + self.ttl),
        )
        await self._conn.execute("DELETE FROM confirmations WHERE expires_at < ?", (now - self._keep,))
        return key

    async def get(self, key: str) -> Confirmation | None:
        async with self._conn.execute(
            "SELECT id, chat_id, user_id, action, payload, expires_at, used_at FROM confirmations WHERE id = ?",
            (key,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return Confirmation(row["id"], row["chat_id"], row["user_id"], row["action"], json.loads(row["payload"]),
                            row["expires_at"], row["used_at"] is not None)

    async def consume(self, key: str) -> bool:
        """Mark it used if it is still open, and acting (its action is under way until `settle`); True for exactly
        one caller however many press at once."""
        cursor = await self._conn.execute(
            "UPDATE confirmations SET used_at = ?, payload = json_set(payload, '$.acting', 1) "
            "WHERE id = ? AND used_at IS NULL AND expires_at > ?",
            (time.time(), key, time.time()),
        )
        return cursor.rowcount == 1

    async def settle(self, key: str) -> None:
        """Its action is over (done, cancelled or failed): a restart has nothing to recover."""
        await self._conn.execute("UPDATE confirmations SET payload = json_remove(payload, '$.acting') WHERE id = ?",
                                 (key,))

    async def reopen_acting(self, action: str) -> int:
        """At start-up: the confirmations of `action` whose action was under way when the bot stopped are open
        again, marked `tried` (the action may or may not have reached the API); how many."""
        cursor = await self._conn.execute(
            "UPDATE confirmations SET used_at = NULL, "
            "payload = json_set(json_remove(payload, '$.acting'), '$.tried', json('true')) "
            "WHERE action = ? AND used_at IS NOT NULL AND json_extract(payload, '$.acting') = 1 AND expires_at > ?",
            (action, time.time()),
        )
        return cursor.rowcount

    async def release(self, key: str, payload: dict[str, Any] | None = None) -> None:
        """Open it again, with a new `payload` if given (the action failed and may be retried)."""
        if payload is None:
            await self._conn.execute("UPDATE confirmations SET used_at = NULL, "
                                     "payload = json_remove(payload, '$.acting') WHERE id = ?", (key,))
        else:
            await self._conn.execute("UPDATE confirmations SET used_at = NULL, payload = ? WHERE id = ?",
                                     (json.dumps(payload, ensure_ascii=False), key))
