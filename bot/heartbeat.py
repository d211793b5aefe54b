"""A file whose modification time says when the bot last heard from Telegram (a getUpdates answered, or a
webhook update received); `python -m bot health` reads it. Touched at most every few seconds: one cheap system
call, no database write. Beside it, a file naming the running bot's process (`running`), so that the check
says "stopped" once that process is gone. Standard library only: `python -m bot health` reads them without
loading aiogram, which takes seconds."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

EVERY = 5.0  # seconds between two touches of the file at most


def heartbeat_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".heartbeat")


class Heartbeat:
    def __init__(self, path: Path, *, every: float = EVERY) -> None:
        self.path = path
        self._every = every
        self._last = float("-inf")

    def beat(self) -> None:
        now = time.monotonic()
        if now - self._last < self._every:
            return
        self._last = now
        try:
            os.utime(self.path)
        except FileNotFoundError:
            self.path.touch(mode=0o600)


def age(path: Path) -> float | None:
    """Seconds since the last beat, or None when the bot never beat."""
    try:
        return max(time.time() - path.stat().st_mtime, 0.0)
    except FileNotFoundError:
        return None


def pid_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".pid")


@contextlib.contextmanager
def running(database_path: Path) -> Iterator[None]:
    """Name this process as the bot running on `database_path` until the block ends."""
    path = pid_path(database_path)
    pid = str(os.getpid())
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(pid + "\n")
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if path.read_text().strip() == pid:  # not a newer bot's file
                path.unlink()


def running_pid(database_path: Path) -> int | None:
    """The process of the bot running on `database_path`, or None when none is (stopped, or killed)."""
    try:
        pid = int(pid_path(database_path).read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except PermissionError:  # it does, under another user
        return pid
    except OSError:
        return None
    return pid
