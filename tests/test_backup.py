"""`python -m bot backup PATH` as a real subprocess, while the test process keeps writing to the database."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from storage.chats import ChatRepository
from storage.cipher import TokenCipher
from storage.database import connect
from storage.migrations import MIGRATIONS
from tests.bot_command import Result, base_env, run_bot
from tests.harness import SECRET_KEY

TOKEN = "tok-backup-secret-value"


async def run_backup(db_path: Path, *args: str) -> Result:
    """Run the command from the folder above the database's (`.env` is looked for in the working folder)."""
    env = base_env(DATABASE_PATH=str(db_path), SECRET_KEY=SECRET_KEY, LOG_LEVEL="INFO")
    return await run_bot("backup", *args, cwd=db_path.parent.parent, env=env)


async def make_database(db_path: Path, chats: int) -> None:
    conn = await connect(db_path)
    try:
        repository = ChatRepository(conn, TokenCipher([SECRET_KEY]))
        for chat_id in range(1, chats + 1):
            await repository.put(chat_id, 40, TOKEN)
    finally:
        await conn.close()


def chat_ids(path: Path) -> list[int]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT chat_id FROM chats ORDER BY chat_id")]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


async def test_a_backup_taken_while_the_bot_writes_is_a_consistent_snapshot(db_path: Path, tmp_path: Path):
    conn = await connect(db_path)
    chats = ChatRepository(conn, TokenCipher([SECRET_KEY]))
    written = 0
    progress = asyncio.Event()

    async def keep_writing(stop: asyncio.Event) -> None:
        nonlocal written
        while not stop.is_set():
            await chats.put(written + 1, 40, TOKEN)  # one transaction per chat, ids in order
            written += 1
            progress.set()

    stop = asyncio.Event()
    writer = asyncio.create_task(keep_writing(stop))
    try:
        while written < 20:
            progress.clear()
            await progress.wait()
        target = tmp_path / "backup.sqlite3"
        before = written
        result = await run_backup(db_path, str(target))
        during = written - before
        progress.clear()
        await progress.wait()  # at least one more write after the backup finished
        stop.set()
        await writer
    finally:
        stop.set()
        await asyncio.gather(writer, return_exceptions=True)
        await conn.close()

    assert result.code == 0, result
    assert during > 0  # the bot did write while the backup ran
    copied = chat_ids(target)
    assert copied == list(range(1, len(copied) + 1))  # a prefix: no half-applied state
    assert before <= len(copied) < written  # committed when the backup began, and not after it ended
    assert str(target) in result.stdout and str(len(copied)) in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1

    assert target.stat().st_mode & 0o777 == 0o600
    with closing(sqlite3.connect(db_path)) as source:
        (version,) = source.execute("PRAGMA user_version").fetchone()
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA user_version").fetchone() == (version,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    assert version == len(MIGRATIONS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.sqlite3", "data"]  # no temporary file left


async def test_an_existing_file_is_kept_unless_forced(db_path: Path, tmp_path: Path):
    await make_database(db_path, 3)
    target = tmp_path / "backup.sqlite3"
    target.write_bytes(b"an older backup")
    target.chmod(0o644)

    refused = await run_backup(db_path, str(target))
    assert refused.code == 1, refused
    assert "--force" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert target.read_bytes() == b"an older backup"

    forced = await run_backup(db_path, str(target), "--force")
    assert forced.code == 0, forced
    assert chat_ids(target) == [1, 2, 3]
    assert target.stat().st_mode & 0o777 == 0o600


async def test_failures_are_one_line_and_exit_1(db_path: Path, tmp_path: Path):
    await make_database(db_path, 1)

    unwritable = await run_backup(db_path, str(tmp_path / "no such folder" / "backup.sqlite3"))
    assert unwritable.code == 1 and unwritable.stdout == ""
    assert len(unwritable.stderr.strip().splitlines()) == 1, unwritable

    over_itself = await run_backup(db_path, str(db_path), "--force")
    assert over_itself.code == 1, over_itself
    assert chat_ids(db_path) == [1]

    missing = await run_backup(tmp_path / "elsewhere" / "bot.sqlite3", str(tmp_path / "backup.sqlite3"))
    assert missing.code == 1 and len(missing.stderr.strip().splitlines()) == 1, missing
    assert not (tmp_path / "elsewhere" / "bot.sqlite3").exists()  # no empty database made
    assert not (tmp_path / "backup.sqlite3").exists()


async def test_usage_errors_exit_2(db_path: Path):
    await make_database(db_path, 1)
    assert (await run_backup(db_path)).code == 2
    assert (await run_backup(db_path, "a", "b")).code == 2
