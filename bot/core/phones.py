"""Phone numbers: what a person types in, and how the bot shows the API's digits."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from html import escape

import phonenumbers

DEFAULT_REGION = "RU"
_PHONE_CHARS = re.compile(r"^[+\d()\-.\s]+$")
MAX_PHONE_WORDS = 8  # "+7 (999) 333 22 10" is 5; more is a description, and trying them all is quadratic


def normalize(text: str) -> str | None:
    """Digits in international format without `+` (as the API wants), or None when it is not a valid phone."""
    text = text.strip()
    if not text or not _PHONE_CHARS.match(text) or sum(ch.isdigit() for ch in text) < 7:
        return None
    candidates = [text]
    if not text.startswith("+"):
        candidates.append("+" + text)  # `37410324040`: international digits typed without the plus
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")
    return None


def is_premium_rate(digits: str) -> bool:
    """Whether `digits` (as `normalize` gives them) is a premium-rate number: calls to it are billed at a high
    rate, the usual way of toll fraud."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.PREMIUM_RATE


def split_phone(text: str) -> tuple[str, str] | None:
    """Split `+7 (999) 333-22-10 Иван Петров` into (`79993332210`, `Иван Петров`).

    The phone is the longest run of leading words that reads as a valid phone number, so it may contain spaces.
    """
    words = list(itertools.islice(re.finditer(r"\S+", text), MAX_PHONE_WORDS + 1))
    run = 0
    while run < min(len(words), MAX_PHONE_WORDS) and _PHONE_CHARS.match(words[run].group()):
        run += 1
    for count in range(run, 0, -1):
        digits = normalize(text[: words[count - 1].end()])
        if digits:
            return digits, text[words[count - 1].end():].strip()
    return None


def display(digits: str) -> str:
    """`79770005419` → `+7 977 000-54-19`, a form Telegram makes tappable; escaped for HTML messages (the API
    may hand over anything as a phone, and what phonenumbers cannot parse is shown as it came)."""
    return escape(display_text(digits), quote=False)


@lru_cache(maxsize=8192)
def display_text(digits: str) -> str:
    """`display` as plain text, for button labels (Telegram shows them as they are)."""
    if not digits:
        return "—"
    try:
        number = phonenumbers.parse("+" + digits.lstrip("+"), None)
    except phonenumbers.NumberParseException:
        return "+" + digits.lstrip("+")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
