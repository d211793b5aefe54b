"""Logging set-up, with a filter that blanks out every registered secret whatever logger wrote it."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_secrets: set[str] = set()
MASK = "[redacted]"


def register_secret(secret: str) -> None:
    """From now on `secret` never appears in a log line or a logged traceback."""
    if len(secret) >= 6:
        _secrets.add(secret)


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFormatter(logging.Formatter):
    """Redacts the final text, so that arguments, exception messages and tracebacks are all covered."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    quiet_chatty_libraries(level)


def quiet_chatty_libraries(level: str) -> None:
    # httpx logs one INFO line per request: useful when debugging, noise otherwise; aiosqlite logs every
    # statement with its parameters at DEBUG, which is noise even then.
    logging.getLogger("httpx").setLevel(level if level == "DEBUG" else "WARNING")
    logging.getLogger("aiosqlite").setLevel("INFO")


@contextmanager
def secret_while(secret: str) -> Iterator[None]:
    """`secret` is redacted while inside only: a password is not kept once the call that needs it is over."""
    added = len(secret) >= 6 and secret not in _secrets
    if added:
        _secrets.add(secret)
    try:
        yield
    finally:
        if added:
            _secrets.discard(secret)
