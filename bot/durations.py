"""How long a temporary number lives: `--ttl 7d` on /add, the `Срок` step of the dialogue, and when to remind."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

MOSCOW = timezone(timedelta(hours=3), "МСК")  # the users' time; Moscow keeps no daylight saving time
SHORTEST = timedelta(hours=1)
LONGEST = timedelta(days=365)
EXTENSION = timedelta(days=7)  # what "Продлить на 7 дней" adds

_HOURS = ("h", "ч", "час", "часа", "часов")
_DAYS = ("d", "д", "дн", "день", "дня", "дней")
_AMOUNT = re.compile(r"^\s*(\d{1,5})\s*([a-zа-яё]+)\.?\s*$", re.IGNORECASE)
# Phones turn a typed "--" into "—" or "–": all of them introduce the option.
_UNITS = "|".join(sorted(_HOURS + _DAYS, key=len, reverse=True))
# The value is one word (`7d`), or a number and a unit word (`7 дней`).
_OPTION = re.compile(rf"(?:^|\s)(?:--|—|–)ttl(?:\s*=\s*|\s+|$)(\d+\s+(?:{_UNITS})\b\.?|\S*)", re.IGNORECASE)


class TTLError(ValueError):
    """The `--ttl` value is missing, unreadable, or out of range."""


def parse_ttl(text: str) -> timedelta:
    """`12h`, `7d`, `30d` (also `12ч`, `7 дней`): one to 365 days' worth, in hours or days."""
    match = _AMOUNT.match(text)
    if match is None:
        raise TTLError(text)
    amount, unit = int(match.group(1)), match.group(2).lower()
    if unit in _HOURS:
        ttl = timedelta(hours=amount)
    elif unit in _DAYS:
        ttl = timedelta(days=amount)
    else:
        raise TTLError(text)
    if not SHORTEST <= ttl <= LONGEST:
        raise TTLError(text)
    return ttl


def take_ttl(arguments: str) -> tuple[str, timedelta | None]:
    """The /add arguments without their `--ttl X` option, and the ttl it gave (None when there is none)."""
    match = _OPTION.search(arguments)
    if match is None:
        return arguments, None
    rest = " ".join(part for part in (arguments[:match.start()].strip(), arguments[match.end():].strip()) if part)
    again = _OPTION.search(rest)
    if again is not None:
        raise TTLError(again.group(0).strip())
    return rest, parse_ttl(match.group(1))


def reminder_lead(ttl: timedelta) -> timedelta | None:
    """How long before the expiry to remind: a day, or an hour for numbers that live a day or less; None when
    the number would be reminded about at its birth."""
    lead = timedelta(days=1) if ttl > timedelta(days=1) else timedelta(hours=1)
    return lead if lead < ttl else None


def moscow(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, MOSCOW).strftime("%d.%m.%Y %H:%M")


def ttl_label(ttl: timedelta, language: str = "ru") -> str:
    """`7 дней`, `12 часов`; `7 days`, `12 hours` for English."""
    hours = int(ttl.total_seconds() // 3600)
    if hours % 24 == 0:
        return _plural(hours // 24, ("день", "дня", "дней") if language == "ru" else ("day", "days", "days"))
    return _plural(hours, ("час", "часа", "часов") if language == "ru" else ("hour", "hours", "hours"))


def _plural(amount: int, forms: tuple[str, str, str]) -> str:
    if forms[0] in ("day", "hour"):
        return f"{amount} {forms[0] if amount == 1 else forms[1]}"
    if amount % 10 == 1 and amount % 100 != 11:
        form = forms[0]
    elif 2 <= amount % 10 <= 4 and not 12 <= amount % 100 <= 14:
        form = forms[1]
    else:
        form = forms[2]
    return f"{amount} {form}"
