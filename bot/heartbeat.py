"""A file whose modification time says when the bot last heard from Telegram (a getUpdates answered, or a
webhook update received); `python -m bot health` reads it. Touched at most every few seconds: one cheap system
call, no database write."""

from __future__ import annotations

import os
import time
from pathlib import Path

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

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


class GetUpdatesHeartbeat(BaseRequestMiddleware):
    """Beats on every getUpdates that Telegram answered (long polling)."""

    def __init__(self, heartbeat: Heartbeat) -> None:
        self._heartbeat = heartbeat

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        response = await make_request(bot, method)
        if isinstance(method, GetUpdates):
            self._heartbeat.beat()
        return response
