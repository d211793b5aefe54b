"""Who is calling: Telegram's init data in `Authorization: tma <initData>`, checked as Telegram documents (an
HMAC-SHA256 under a key derived from the bot token) and no older than WEBAPP_MAX_AGE_HOURS."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiogram.utils.web_app import WebAppUser, safe_parse_webapp_init_data

SCHEME = "tma "


class Unauthorized(Exception):
    """The request does not come from this bot's Mini App, or its sign-in data is too old (the reason is for the
    log, never for the caller)."""


def caller(header: str | None, token: str, max_age: float, clock: Callable[[], float] = time.time) -> WebAppUser:
    """The Telegram user whose signed init data `header` carries."""
    if not header or not header.startswith(SCHEME):
        raise Unauthorized("no tma authorization")
    try:
        data = safe_parse_webapp_init_data(token, header[len(SCHEME):].strip())
    except ValueError:  # a forged hash, another bot's signature, or not init data at all
        raise Unauthorized("bad signature") from None
    if data.user is None:
        raise Unauthorized("no user in the init data")
    age = clock() - data.auth_date.timestamp()
    if age > max_age:
        raise Unauthorized(f"signed {age:.0f} s ago")
    return data.user
