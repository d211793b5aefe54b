"""Logging set-up, with a formatter that blanks out secrets whatever logger wrote them: every registered secret
(the bot's token, the tokens of connected chats), and whatever follows a secret-bearing command such as
`/login <user_id> <token>` wherever its text turns up (a logged update, an exception's message).

Two formats: text (the default) and JSON, one object a line, for log collectors (LOG_FORMAT=json). Both are
redacted the same way.
"""

from __future__ import annotations

import logging
import re
import sys
from collections import Counter
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

MASK = "[redacted]"
LOG_FORMATS = ("text", "json")
# The Telegram update being handled (set by bot.observing.UpdateObserver): JSON lines name it.
current_update: ContextVar[Any] = ContextVar("current_update", default=None)
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})")
_CALLBACK = re.compile(r"[A-Za-z0-9_]{1,16}")
SECRET_COMMANDS = ("login",)
# the command, then everything up to the end of the quoted string it sits in (or of the text)
_SECRET_ARGUMENTS = re.compile(r"(/(?:%s)(?:@\w+)?)(?:\s|\\[nrt])[^\"']*" % "|".join(SECRET_COMMANDS),
                               re.IGNORECASE)


class _Secrets:
    """The secrets to mask. A secret held for an owner (a chat's token, its refresh token) is replaced when the
    owner gets a new one and forgotten when no owner holds it any more, so the set holds what is live, not every
    token ever seen. The matcher is built once per change, not per line: long secrets (the tokens) are masked
    wherever they appear, longest first, with C-speed substring checks; secrets shorter than `SHORT` (a weak
    password) only as a whole word, by one compiled pattern, because masking "1234" inside every id and
    timestamp would wreck the log and, by where the masks fall, hint at the password."""

    SHORT = 6

    def __init__(self) -> None:
        self._held: Counter[str] = Counter()  # secret → how many owners (or permanent registrations) hold it
        self._owners: dict[Hashable, str] = {}
        self._long: tuple[str, ...] = ()
        self._short: re.Pattern[str] | None = None
        self._stale = False

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, secret: str, owner: Hashable | None) -> None:
        if owner is None:
            if secret not in self._held:
                self._add(secret)
            return
        old = self._owners.get(owner)
        if old == secret:
            return
        self._owners[owner] = secret
        self._add(secret)
        if old is not None:
            self._drop(old)

    def release(self, owner: Hashable) -> None:
        old = self._owners.pop(owner, None)
        if old is not None:
            self._drop(old)

    def redact(self, text: str) -> str:
        if self._stale:
            self._build()
        for secret in self._long:
            if secret in text:
                text = text.replace(secret, MASK)
        if self._short is not None:
            text = self._short.sub(MASK, text)
        return text

    def _add(self, secret: str) -> None:
        self._held[secret] += 1
        self._stale = self._stale or self._held[secret] == 1

    def _drop(self, secret: str) -> None:
        self._held[secret] -= 1
        if self._held[secret] <= 0:
            del self._held[secret]
            self._stale = True

    def _build(self) -> None:
        self._long = tuple(sorted((s for s in self._held if len(s) >= self.SHORT), key=len, reverse=True))
        short = sorted((s for s in self._held if len(s) < self.SHORT), key=len, reverse=True)
        self._short = (re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, short))})(?!\w)") if short else None)
        self._stale = False


_secrets = _Secrets()


def register_secret(secret: str, owner: Hashable | None = None) -> None:
    """From now on `secret` never appears in a log line or a logged traceback: for good (`owner` None: the bot's
    own token), or while `owner` (a chat's token, say) holds it: a new secret for the same owner replaces it.
    Only for secrets the bot holds (never for words a user typed: anyone could then censor any word)."""
    if secret:
        _secrets.hold(secret, owner)


def forget_secret(owner: Hashable) -> None:
    """`owner` holds no secret any more (a chat was disconnected): its secret is masked no longer unless another
    owner holds it too."""
    _secrets.release(owner)


def registered_secrets() -> int:
    """How many secrets are registered."""
    return len(_secrets)


def redact(text: str) -> str:
    text = _secrets.redact(text)
    if "/" in text:
        text = _SECRET_ARGUMENTS.sub(rf"\1 {MASK}", text)
    return text


class RedactingFormatter(logging.Formatter):
    """Redacts the final text, so that arguments, exception messages and tracebacks are all covered."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and update_id, chat_id and action
    while an update is being handled; `exception` holds a traceback. Every value is redacted before encoding
    (so that JSON escaping cannot hide a secret), and the line again after."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        update = current_update.get()
        if update is not None:
            entry.update(describe_update(update))
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return redact(orjson.dumps(entry, default=str).decode())


def describe_update(update: Any) -> dict[str, Any]:
    """update_id, chat_id and action (a command's name, or a button's kind) of an aiogram Update; never the
    text itself."""
    fields: dict[str, Any] = {"update_id": update.update_id}
    message, callback = update.message, update.callback_query
    if message is not None:
        fields["chat_id"] = message.chat.id
        command = _COMMAND.match(message.text or "")
        fields["action"] = f"/{command.group(1).lower()}" if command else "message"
    elif callback is not None:
        if callback.message is not None:
            fields["chat_id"] = callback.message.chat.id
        prefix = _CALLBACK.match((callback.data or "").partition(":")[0])
        fields["action"] = f"button:{prefix.group(0)}" if prefix else "button"
    else:
        chat = getattr(update.my_chat_member or update.chat_member, "chat", None)
        if chat is not None:
            fields["chat_id"] = chat.id
    return fields


def make_formatter(log_format: str = "text") -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    return RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def setup_logging(level: str, stream=None, log_format: str = "text") -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(log_format))
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
    owner = object()
    register_secret(secret, owner)
    try:
        yield
    finally:
        forget_secret(owner)
