"""The SQLite connection: pragmas for durability, and migrations applied at start-up."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import aiosqlite

from storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)


async def connect(path: Path | str) -> aiosqlite.Connection:
    """Open (creating if need be) the database, owner-only, with WAL and migrations applied."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await migrate(conn)
    except BaseException:
        await conn.close()
        raise
    return conn


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply the migrations the file has not seen; return the schema version. Running it twice changes nothing."""
    async with conn.execute("PRAGMA user_version") as cursor:
        (version,) = await cursor.fetchone()
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        await conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        log.info("database schema migrated to version %d", number)
    return max(version, len(MIGRATIONS))
