"""A file whose modification time says when the bot last heard from Telegram (a getUpdates answered, or a
webhook update received); `python -m bot health` reads it. Touched at most every few seconds: one cheap system
call, no database write. Standard library only: `python -m bot health` reads it without loading aiogram,
which takes seconds."""

from __future__ import annotations

import os
import time
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
