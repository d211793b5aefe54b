"""A consistent copy of the live database, by SQLite's online backup API: safe while the bot writes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path


class BackupError(Exception):
    """The copy was not made; the message says why."""


async def backup(source: Path, target: Path, *, force: bool = False) -> int:
    """Copy the database at `source` to `target` (mode 0600); return how many chats the copy holds.

    The copy is written beside `target` and moved into place only once checked, so a failure never leaves
    a half-written file at `target`. Without `force` an existing `target` is left alone.
    """
    return await asyncio.to_thread(_backup, source, target, force)


def _backup(source: Path, target: Path, force: bool) -> int:
    if not source.is_file():
        raise BackupError(f"базы данных {source} нет")
    if _is_part_of(source, target):
        raise BackupError("копию нельзя записать поверх самой базы или её журнала")
    try:
        return _write(source, target, force)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite: {error}") from None
    except OSError as error:
        raise BackupError(f"не удалось записать копию в {target}: {error.strerror or error}") from None


def _write(source: Path, target: Path, force: bool) -> int:
    reserved = False
    if not force:
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            raise BackupError(f"{target} уже существует; чтобы перезаписать, добавьте --force") from None
        reserved = True
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)  # mode 0600
    os.close(fd)
    try:
        chats = _copy(source, Path(temp))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if reserved:
            with contextlib.suppress(OSError):
                os.unlink(target)
        raise
    _fsync_dir(target.parent)
    return chats


def _copy(source: Path, temp: Path) -> int:
    # mode=rw: never create a database where there was none
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=10.0)
    try:
        dst = sqlite3.connect(temp)
        try:
            src.backup(dst)  # all pages in one step: one read transaction, one snapshot
            dst.execute("PRAGMA journal_mode = DELETE")  # the copy is one self-contained file
            (verdict,) = dst.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"копия не прошла проверку: {verdict}")
            (chats,) = dst.execute("SELECT count(*) FROM chats").fetchone()
        finally:
            dst.close()
    finally:
        src.close()
    with open(temp, "rb+") as file:
        os.fsync(file.fileno())
    return chats


def _is_part_of(source: Path, target: Path) -> bool:
    """Whether `target` is the database file itself or one of its companions (-wal, -shm, -journal)."""
    files = [source.with_name(source.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    for file in files:
        if target.resolve() == file.resolve():
            return True
        with contextlib.suppress(OSError):
            if target.samefile(file):
                return True
    return False


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
