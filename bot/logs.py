"""Logging set-up, with a formatter that blanks out secrets whatever logger wrote them: every registered secret
(the bot's token, the tokens of connected chats), and whatever follows a secret-bearing command such as
`/login <user_id> <token>` wherever its text turns up (a logged update, an exception's message)."""

from __future__ import annotations

import logging
import re
import sys

_secrets: set[str] = set()
MASK = "[redacted]"
SECRET_COMMANDS = ("login",)
# the command, then everything up to the end of the quoted string it sits in (or of the text)
_SECRET_ARGUMENTS = re.compile(r"(/(?:%s)(?:@\w+)?)(?:\s|\\[nrt])[^\"']*" % "|".join(SECRET_COMMANDS),
                               re.IGNORECASE)


def register_secret(secret: str) -> None:
    """From now on `secret` never appears in a log line or a logged traceback. Only for secrets the bot holds
    (never for words a user typed: anyone could then censor any word, and the set would grow without end)."""
    if len(secret) >= 6:
        _secrets.add(secret)


def registered_secrets() -> int:
    """How many secrets are registered."""
    return len(_secrets)


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    if "/" in text:
        text = _SECRET_ARGUMENTS.sub(rf"\1 {MASK}", text)
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
