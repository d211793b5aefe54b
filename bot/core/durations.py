"""How long a temporary number lives: `--ttl 7d` on /add, the `Срок` step of the dialogue, and when to remind."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Moscow"
# Russian spelling of the zones' short names that have one; any other zone shows its tz abbreviation
_RUSSIAN_ABBREVIATIONS = {"MSK": "МСК"}
_zone: tzinfo = ZoneInfo(DEFAULT_TIMEZONE)  # the users' time: TIMEZONE, set once at start-up
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


def remind_at(expires_at: float, ttl: timedelta) -> float | None:
    """When to remind about a number that lives `ttl` and goes at `expires_at` (None: no reminder)."""
    lead = reminder_lead(ttl)
    return expires_at - lead.total_seconds() if lead is not None else None


def use_timezone(name: str) -> None:
    """Show every time in the zone `name` (TIMEZONE; an IANA name such as Europe/Moscow) from now on."""
    global _zone
    _zone = ZoneInfo(name)


def local_zone() -> tzinfo:
    return _zone


def zone_label(timestamp: float, language: str = "ru") -> str:
    """The zone's short name at that moment (МСК in Russian for Moscow; `MSK`, `CET`, `+05`...)."""
    name = datetime.fromtimestamp(timestamp, _zone).tzname() or "UTC"
    return _RUSSIAN_ABBREVIATIONS.get(name, name) if language == "ru" else name


def local_time(timestamp: float, language: str = "ru") -> str:
    """`03.12.2026 14:05 (МСК)`: the moment in the users' zone, with the zone's short name."""
    moment = datetime.fromtimestamp(timestamp, _zone)
    return f"{moment.strftime('%d.%m.%Y %H:%M')} ({zone_label(timestamp, language)})"


def ttl_label(ttl: timedelta, language: str = "ru") -> str:
    """`7 дней`, `12 часов`; `7 days`, `12 hours` for English."""
    hours = int(ttl.total_seconds() // 3600)
    amount, forms = (hours // 24, ("день", "дня", "дней")) if hours % 24 == 0 else (hours, ("час", "часа", "часов"))
    if language != "ru":
        unit = "day" if hours % 24 == 0 else "hour"
        return f"{amount} {unit}" if amount == 1 else f"{amount} {unit}s"
    if amount % 10 == 1 and amount % 100 != 11:
        return f"{amount} {forms[0]}"
    if 2 <= amount % 10 <= 4 and not 12 <= amount % 100 <= 14:
        return f"{amount} {forms[1]}"
    return f"{amount} {forms[2]}"
