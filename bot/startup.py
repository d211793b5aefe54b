"""Start-up's faults and their exit codes, and the start-up steps that need no aiogram (so that a setting to
fix is reported before seconds go into importing it): the database, the key, the listening ports, the stop
signals."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

import aiosqlite

from storage.cipher import SecretKeyError, TokenCipher, open_cipher, parse_keys, sealed_tokens
from storage.database import UnusableDatabase, connect

log = logging.getLogger(__name__)
T = TypeVar("T")

EXIT_STOPPED = 0         # a requested stop (SIGTERM, Ctrl-C), also during start-up
EXIT_CRASHED = 1         # an unexpected error: a bug, with its traceback in the log
EXIT_CONFIGURATION = 2   # a setting the operator must fix: one line names it
EXIT_TEMPORARY = 75      # EX_TEMPFAIL: no answer from Telegram within STARTUP_TIMEOUT_S; start again later
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StartupError(Exception):
    """The bot cannot start; the message says why and what to do, on one line."""

    exit_code = EXIT_CRASHED


class ConfigurationError(StartupError):
    exit_code = EXIT_CONFIGURATION

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"Setting {setting}: {problem}")
        self.setting = setting


class TelegramUnavailable(StartupError):
    exit_code = EXIT_TEMPORARY


class StopRequested(Exception):
    """SIGTERM or SIGINT came while the bot was starting."""


@dataclass(frozen=True)
class Deadline:
    """The end of start-up's patience with Telegram (STARTUP_TIMEOUT_S after the start), in loop time."""

    at: float
    seconds: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(asyncio.get_running_loop().time() + seconds, seconds)

    def remaining(self) -> float:
        return max(self.at - asyncio.get_running_loop().time(), 0.0)


async def open_database(path: Path) -> aiosqlite.Connection:
    try:
        return await connect(path)
    except UnusableDatabase as error:
        raise ConfigurationError("DATABASE_PATH", str(error)) from error


def check_key(secret_key: str | None) -> None:
    """A malformed SECRET_KEY, named before anything is opened."""
    if secret_key:
        try:
            TokenCipher(parse_keys(secret_key))
        except SecretKeyError as error:
            raise ConfigurationError("SECRET_KEY", str(error)) from error


async def open_key(secret_key: str | None, db: aiosqlite.Connection, database_path: Path) -> TokenCipher:
    """The cipher, refused when it cannot read every stored token (storage/cipher.py)."""
    try:
        return open_cipher(secret_key, database_path, await sealed_tokens(db))
    except SecretKeyError as error:
        raise ConfigurationError("SECRET_KEY", str(error)) from error


def listen(host: str, port: int, *, host_setting: str, port_setting: str) -> socket.socket:
    """A socket listening on host:port, for the HTTP server to come; a port in use names its setting."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise ConfigurationError(host_setting, f"{host!r} is no address to listen on ({error}): set an "
                                 "address of this machine, e.g. 127.0.0.1 (or 0.0.0.0 inside a container)") from error
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # what aiohttp does: restarts do not wait
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        where = f"cannot listen on {host}:{port} ({error.strerror or error})"
        if error.errno == errno.EADDRINUSE:
            raise ConfigurationError(port_setting, f"{where}: stop what uses the port, or choose another "
                                     f"{port_setting}") from error
        if error.errno == errno.EACCES:
            raise ConfigurationError(port_setting, f"{where}: choose a port above 1023") from error
        raise ConfigurationError(host_setting, f"{where}: set an address of this machine, e.g. 127.0.0.1 "
                                 "(or 0.0.0.0 inside a container)") from error
    return sock


class StopSignals:
    """SIGTERM and SIGINT while the bot runs set `requested` (the first one is logged)."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()

    def __enter__(self) -> Self:
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, self._received, sig)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)

    def _received(self, sig: signal.Signals) -> None:
        if not self.requested.is_set():
            log.info("%s received", sig.name)
        self.requested.set()

    async def unless_requested(self, step: Awaitable[T]) -> T:
        """`step`'s result, unless a stop comes first: then `step` is cancelled (its own clean-up runs) and
        StopRequested raised."""
        task = asyncio.ensure_future(step)
        waiting = asyncio.ensure_future(self.requested.wait())
        try:
            await asyncio.wait((task, waiting), return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if task.cancelled():
            raise StopRequested
        return task.result()
