"""An /import file checked before anything is created: every row by /add's rules, duplicates inside the file,
and customers who have a number in the account already (from the copy: no Plusofon call per row)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.durations import TTLError, parse_ttl
from bot.core.phones import normalize
from bot.services.numbers import MAX_DESCRIPTION
from storage.jobs import INVALID, PENDING, JobRow

# why a row is refused (the presentation layer words them); "duplicate:<row>" names the row it repeats
NOT_A_PHONE, PREMIUM, TOO_LONG, BAD_TTL, DUPLICATE = "phone", "premium", "long", "ttl", "duplicate"
NO_TTL = frozenset({"", "-", "—", "0", "нет", "no", "none", "без срока"})


async def check_rows(rows: list[tuple[int, str, str, str]], *, refuses: Callable[[str], bool],
                     has_numbers: Callable[[str], Awaitable[bool]]) -> list[JobRow]:
    """Every row as a job row: pending, or invalid with the reason; `existing` when the customer has a number.
    `refuses`: /add's premium-rate rule; `has_numbers`: whether the copy holds a number of the customer."""
    first_of: dict[str, int] = {}
    checked = []
    for number, typed_phone, description, typed_ttl in rows:
        phone_b = normalize(typed_phone) or ""
        error, ttl = None, None
        if not phone_b:
            error = NOT_A_PHONE
        elif refuses(phone_b):
            error = PREMIUM
        elif len(description) > MAX_DESCRIPTION:
            error = TOO_LONG
        elif typed_ttl.casefold() not in NO_TTL:
            try:
                ttl = parse_ttl(typed_ttl).total_seconds()
            except TTLError:
                error = BAD_TTL
        if error is None and phone_b in first_of:
            error = f"{DUPLICATE}:{first_of[phone_b]}"
        if error is None:
            first_of[phone_b] = number
        shown_phone = phone_b or typed_phone
        checked.append(JobRow(number, shown_phone, description, ttl,
                              existing=error is None and await has_numbers(phone_b),
                              status=INVALID if error else PENDING, error=error))
    return checked
