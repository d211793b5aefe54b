"""Upgrades: a database made by an older schema version (the oldest first), filled with what that version can
hold, then opened by today's code, which applies the newer migrations: every row and every value survives.

Generic over the migrations: whatever is appended to storage/migrations.py later runs here too, and every
table's rows are compared column by column before and after. A table that a later migration creates is
filled only if SEEDERS knows it (add one there when a new table must survive upgrades).
"""

from __future__ import annotations

import calendar
import json
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from storage import mirror_grams
from storage.chats import ChatRepository
from storage.cipher import TokenCipher
from storage.confirmations import ConfirmationStore
from storage.database import connect
from storage.expiries import ExpiryStore
from storage.migrations import MIGRATIONS
from storage.outbox import Outbox
from tests.harness import SECRET_KEY

NOW = time.time()
TOKEN = "tok-upgrade-secret-value"
CIPHER = TokenCipher([SECRET_KEY])

# Each fills one table using only the columns the table had when it was created.
SEEDERS: dict[str, Callable[[sqlite3.Connection], None]] = {
    "chats": lambda db: db.executemany(
        "INSERT INTO chats (chat_id, plusofon_user_id, token_encrypted, notify_chat_id, added_by, added_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(100, 40, CIPHER.encrypt(TOKEN), -100500, 7, "2026-01-01T00:00:00+00:00"),
         (-1001, 41, CIPHER.encrypt(TOKEN + "-2"), None, None, "2026-01-02T00:00:00+00:00")]),
    "confirmations": lambda db: db.execute(
        "INSERT INTO confirmations (id, chat_id, user_id, action, payload, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        ("key-1", 100, 7, "delete", json.dumps({"number_id": 12}), NOW + 600)),
    "fsm": lambda db: db.execute(
        "INSERT INTO fsm (key, state, data, updated_at) VALUES (?, ?, ?, ?)",
        ("bot:100:7", "AddNumber:phone", json.dumps({"phone": "+79993332210"}), NOW)),
    "audit": lambda db: db.execute(  # with a notification: the trigger puts it into the outbox as well
        "INSERT INTO audit (at, chat_id, user_id, user_name, action, details, result, notify_chat_id, "
        "notify_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (NOW, 100, 7, "Иван", "add", "id 12", "ok", -100500, "➕ Иван добавил номер")),
    "outbox": lambda db: db.execute(
        "INSERT INTO outbox (chat_id, text, created_at) VALUES (?, ?, ?)", (-100500, "своё сообщение", NOW)),
    "expiries": lambda db: db.execute(
        "INSERT INTO expiries (account_id, number_id, chat_id, user_id, user_name, phone_x, phone_b, description, "
        "expires_at, remind_at, due_at, attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (40, 12, 100, 7, "Иван", "+79770005419", "+79993332210", "Анна", NOW + 86_400, NOW + 3600, NOW + 3600,
         2, "ServerError")),
}


def build_old_database(path: Path, version: int) -> None:
    """The file exactly as the bot of that schema version left it: its migrations only, then its data."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.create_function(mirror_grams.FUNCTION, 3, mirror_grams.gram_words, deterministic=True)  # as connect()
        for number, script in enumerate(MIGRATIONS[:version], start=1):
            db.executescript(script)
            db.execute(f"PRAGMA user_version = {number}")
        for table in tables(db):
            if table in SEEDERS:
                SEEDERS[table](db)


def tables(db: sqlite3.Connection) -> list[str]:
    """The tables that hold data: not the full-text indexes (virtual, made from mirror_numbers by triggers; a
    contentless one cannot even be read) nor the shadow tables they keep their index in."""
    indexes = [name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")]
    return [name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if not any(name == index or name.startswith(index + "_") for index in indexes)]


def snapshot(path: Path, columns: dict[str, list[str]] | None = None) -> tuple[dict[str, list[str]], dict]:
    """Every row of every table (by the given columns, or all the columns there are now)."""
    with closing(sqlite3.connect(path)) as db:
        if columns is None:
            columns = {table: [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
                       for table in tables(db)}
        rows = {table: sorted(db.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall(), key=repr)
                for table, names in columns.items()}  # sorted here: some tables have no rowid
    return columns, rows


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
async def test_todays_code_upgrades_an_old_database_without_losing_anything(tmp_path: Path, version: int):
    path = tmp_path / "bot.sqlite3"
    build_old_database(path, version)
    columns, before = snapshot(path)
    assert before["chats"], "the oldest version already holds chats"

    conn = await connect(path)  # what the new bot does on start
    try:
        async with conn.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == len(MIGRATIONS)
        _, after = snapshot(path, columns)
        assert after == before  # every old row, every old value

        chats = ChatRepository(conn, CIPHER)
        first = await chats.get(100)
        assert first is not None and first.token == TOKEN and first.notify_chat_id == -100500 and first.active
        assert (await chats.get(-1001)).token == TOKEN + "-2"
        if "confirmations" in columns:
            confirmation = await ConfirmationStore(conn).get("key-1")
            assert confirmation is not None and confirmation.payload == {"number_id": 12}
            assert not confirmation.used
        if "outbox" in columns:
            waiting = {note.text for note in await Outbox(conn).pending()}
            assert waiting == {"➕ Иван добавил номер", "своё сообщение"}
        if "expiries" in columns:
            expiry = await ExpiryStore(conn).get(40, 12)
            assert expiry is not None and expiry.attempts == 2 and expiry.phone_x == "+79770005419"
    finally:
        await conn.close()


async def test_a_database_from_the_oldest_version_then_gets_todays_features(tmp_path: Path):
    path = tmp_path / "bot.sqlite3"
    build_old_database(path, 1)
    conn = await connect(path)
    try:
        key = await ConfirmationStore(conn).create(chat_id=100, user_id=7, action="delete", payload={"id": 1})
        assert (await ConfirmationStore(conn).get(key)) is not None
        await Outbox(conn).add(-100500, "после обновления")
        assert [note.text for note in await Outbox(conn).pending()] == ["после обновления"]
    finally:
        await conn.close()


async def test_old_audit_records_are_given_the_account_of_the_chats_present_connection_only(tmp_path: Path):
    """Issue 22, item 19: records made before the chat's present connection may be another account's, so after
    the upgrade /history shows only those made since (`added_at`)."""
    version = next(n for n, script in enumerate(MIGRATIONS) if "ADD COLUMN account_id" in script)
    path = tmp_path / "bot.sqlite3"
    build_old_database(path, version)
    connected = calendar.timegm((2026, 1, 1, 0, 0, 0))
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("DELETE FROM audit")
        db.execute("UPDATE chats SET added_at = '2026-01-01 00:00:00' WHERE chat_id = 100")
        db.executemany("INSERT INTO audit (at, chat_id, user_name, action, details, result) "
                       "VALUES (?, ?, '', 'add', ?, 'ok')",
                       [(connected - 60, 100, "before"), (connected + 60, 100, "since"), (connected, 555, "gone")])
    await (await connect(path)).close()
    with closing(sqlite3.connect(path)) as db:
        assert dict(db.execute("SELECT details, account_id FROM audit")) == {"before": None, "since": 40,
                                                                             "gone": None}
