"""The SQLite connection: pragmas for durability, and migrations applied at start-up."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from pathlib import Path

import aiosqlite

from storage import mirror_grams
from storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)
# what SQLite says when the file itself is the problem (not a passing lock): the operator must act
_UNUSABLE = ("readonly", "read-only", "unable to open", "not a database", "malformed", "disk i/o error")


class UnusableDatabase(Exception):
    """The database file cannot be used as it is; the message says why and what to do, on one line."""


class SchemaTooNew(UnusableDatabase):
    """The file was migrated by a newer version of the bot than this one."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"the database has schema version {found}, newer than this version of the bot knows "
                         f"({known}): run the newer version, or restore the backup made before the upgrade")


async def connect(path: Path | str) -> aiosqlite.Connection:
    """Open (creating if need be) the database, owner-only, with WAL and migrations applied.

    Raises UnusableDatabase when the file or its folder cannot be created, read or written, or holds a newer
    schema than the code knows."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        raise UnusableDatabase(f"cannot create {path} ({error.strerror or error}): make its folder writable "
                               "by the bot's user, or choose another path") from error
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as error:
        _refuse_if_unusable(path, error)
        raise
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA busy_timeout = 5000")
        await _switch_to_wal(conn)
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten, not just unlinked
        await conn.create_function(mirror_grams.FUNCTION, 3, mirror_grams.gram_words, deterministic=True)
        await migrate(conn)
    except sqlite3.Error as error:
        await conn.close()
        _refuse_if_unusable(path, error)
        raise
    except BaseException:
        await conn.close()
        raise
    return conn


async def checkpoint(conn: aiosqlite.Connection, patience: float = 10.0) -> bool:
    """Fold the WAL into the database file and empty it (so that deleted rows leave the disk). False if it
    could not: the caller tries again later.

    The bot's coroutines share one connection, and a SELECT on it that is not finished keeps a read transaction
    open: SQLite then answers "database table is locked" at once (its busy timeout does not apply). Either
    another coroutine is reading (it ends within moments: wait a little and try again, for up to `patience`
    seconds), or a read was cancelled while aiosqlite's thread ran it: that thread keeps the last statement's
    cursor until it runs the next statement, so one that returns nothing is run first to let it go. A reader on another connection (a backup, the health check) is waited for by SQLite
    itself, up to the busy timeout; if it is still there the checkpoint says it was blocked (its first column):
    that is not waited for again."""
    delay, waited = 0.005, 0.0
    while True:
        try:
            async with conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                blocked, _, _ = await cursor.fetchone()
            if blocked:
                log.warning("the write-ahead log could not be emptied: another connection is reading; "
                            "trying again later")
            return not blocked
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if waited >= patience:
                log.warning("the write-ahead log could not be emptied for %.0f s (%s); trying again later",
                            waited, error)
                return False
            log.debug("checkpoint waits for a read in progress on the connection (%s)", error)
            await conn.execute("SELECT 1 WHERE 0")  # aiosqlite's thread drops the cursor it still holds
        await asyncio.sleep(delay)
        waited += delay
        delay = min(delay * 2, 0.1)


def _refuse_if_unusable(path: Path, error: sqlite3.Error) -> None:
    """UnusableDatabase for a fault of the file; other errors (a lock held too long) stay as they are."""
    if any(words in str(error).lower() for words in _UNUSABLE):
        raise UnusableDatabase(f"{path} cannot be used ({error}): make the file and its folder readable and "
                               "writable by the bot's user, or restore the database from a backup") from error


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply the migrations the file has not seen; return the schema version. Running it twice changes nothing.

    The version is read inside the write transaction, so two processes starting at once migrate once.
    """
    await conn.execute("BEGIN IMMEDIATE")
    try:
        async with conn.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        if version > len(MIGRATIONS):
            raise SchemaTooNew(version, len(MIGRATIONS))
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in _statements(script):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {number}")
            log.info("database schema migrated to version %d", number)
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    return max(version, len(MIGRATIONS))


async def _switch_to_wal(conn: aiosqlite.Connection, patience: float = 10.0) -> None:
    """Switching a new file to WAL answers "locked" at once (busy_timeout does not apply) while another
    process holds a lock on it, so wait a little and try again."""
    delay, waited = 0.005, 0.0
    while True:
        try:
            async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
                (mode,) = await cursor.fetchone()
            if mode.lower() == "wal":
                return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if waited >= patience:
                raise
        await asyncio.sleep(delay)
        waited += delay
        delay = min(delay * 2, 0.1)


def _statements(script: str) -> list[str]:
    """The script's statements, split where SQLite itself says a statement is complete."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
