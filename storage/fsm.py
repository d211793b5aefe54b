"""The /add dialogue's state: in memory for speed, written through to SQLite to survive a restart.

Bounded both ways: a dialogue untouched for `ttl` seconds is forgotten (or for `kept[state]` seconds, for a state
that must outlive the others), and at most `max_entries` are kept.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import aiosqlite
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey


class SQLiteStorage(BaseStorage):
    def __init__(self, conn: aiosqlite.Connection, *, ttl: float = 3600.0, max_entries: int = 10_000,
                 kept: Mapping[str, float] | None = None) -> None:
        self._conn = conn
        self._ttl = ttl
        self._kept = dict(kept or {})
        self._max_entries = max_entries
        self._keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._entries: OrderedDict[str, tuple[str | None, dict[str, Any], float]] = OrderedDict()

    async def load(self) -> None:
        """Read the dialogues that were open when the bot stopped; forget the stale ones."""
        now, longest = time.time(), max([self._ttl, *self._kept.values()])
        await self._conn.execute("DELETE FROM fsm WHERE updated_at < ?", (now - longest,))
        async with self._conn.execute(
            "SELECT key, state, data, updated_at FROM fsm ORDER BY updated_at DESC LIMIT ?", (self._max_entries,)
        ) as cursor:
            rows = await cursor.fetchall()
        for row in reversed(rows):
            if row["updated_at"] >= now - self._ttl_of(row["state"]):
                self._entries[row["key"]] = (row["state"], json.loads(row["data"]), row["updated_at"])

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        _, data, _ = self._get(key)
        await self._put(key, state.state if isinstance(state, State) else state, data)

    async def get_state(self, key: StorageKey) -> str | None:
        return self._get(key)[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        state, _, _ = self._get(key)
        await self._put(key, state, dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict(self._get(key)[1])

    async def forget_chat(self, bot_id: int, chat_id: int) -> None:
        """The chat was disconnected: every dialogue in it goes (they may hold a customer's phone)."""
        prefix = f"fsm:{bot_id}:{chat_id}:"
        for name in [name for name in self._entries if name.startswith(prefix)]:
            del self._entries[name]
        await self._conn.execute("DELETE FROM fsm WHERE substr(key, 1, length(?)) = ?", (prefix, prefix))

    async def close(self) -> None:
        self._entries.clear()

    @property
    def size(self) -> int:
        """Dialogues held (no __len__: aiogram tests a storage for truth)."""
        return len(self._entries)

    def _get(self, key: StorageKey) -> tuple[str | None, dict[str, Any], float]:
        name = self._keys.build(key)
        entry = self._entries.get(name)
        if entry is None:
            return None, {}, 0.0
        if entry[2] < time.time() - self._ttl_of(entry[0]):
            del self._entries[name]
            return None, {}, 0.0
        return entry

    def _ttl_of(self, state: str | None) -> float:
        return self._kept.get(state or "", self._ttl)

    async def _put(self, key: StorageKey, state: str | None, data: dict[str, Any]) -> None:
        name = self._keys.build(key)
        now = time.time()
        if state is None and not data:
            self._entries.pop(name, None)
            await self._conn.execute("DELETE FROM fsm WHERE key = ?", (name,))
            return
        self._entries[name] = (state, data, now)
        self._entries.move_to_end(name)
        await self._conn.execute(
            "INSERT INTO fsm (key, state, data, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data, "
            "updated_at = excluded.updated_at",
            (name, state, json.dumps(data, ensure_ascii=False), now),
        )
        while len(self._entries) > self._max_entries:
            oldest, _ = self._entries.popitem(last=False)
            await self._conn.execute("DELETE FROM fsm WHERE key = ?", (oldest,))
