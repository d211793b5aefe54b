"""Callback data of the inline buttons; prefixes are short because Telegram allows 64 bytes."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

SQLiteInt = Annotated[int, Field(ge=0, lt=2**63)]  # what SQLite can compare with: else the button is forged
PageNumber = Annotated[int, Field(ge=0, lt=2**31)]  # no list has more pages (an offset of 15 a page stays an int)


class PageCallback(CallbackData, prefix="p"):
    """Show page `page` of /list (the middle button re-renders the current one)."""

    page: PageNumber


class DeleteCallback(CallbackData, prefix="d"):
    """🗑 next to a number: ask for the same confirmation as /del."""

    id: SQLiteInt


class ConfirmCallback(CallbackData, prefix="c"):
    """✅ or ❌ of a confirmation; `key` is an opaque server-side id, never the number's id."""

    key: str
    yes: bool


class AddCallback(CallbackData, prefix="a"):
    """Buttons of the /add dialogue: `skip` (no description), `ttl` (with `value`: a duration or "" for none),
    or `cancel`; `user` is whose dialogue it is (a press by anyone else is refused)."""

    action: str
    value: str = ""
    user: int = 0


class FindCallback(CallbackData, prefix="f"):
    """Show page `page` of a /find; `key` names the query, kept server-side (bot.services.search.SearchCache)."""

    key: str
    page: PageNumber


class CardCallback(CallbackData, prefix="n"):
    """📇 next to a number: open its card. `key` empty: it came from /list page `page`; else from page `page`
    of the /find saved under `key` (bot.services.search.SearchCache), which is where its ◀ Назад leads."""

    id: SQLiteInt
    page: PageNumber
    key: str = ""


class DuplicateCallback(CallbackData, prefix="g"):
    """✅/❌ under "Создать ещё один?" (/add for a customer who has a number already); `key` as in ConfirmCallback."""

    key: str
    yes: bool


class ExpiryCallback(CallbackData, prefix="x"):
    """Buttons of an expiry reminder: `more` (extend by 7 days) or `now` (delete, after the usual confirmation).
    `at` is the expiry the reminder was about (whole seconds): once it has moved, the reminder's buttons are spent."""

    action: str
    id: SQLiteInt
    at: SQLiteInt


class JobCallback(CallbackData, prefix="j"):
    """Buttons of a bulk job (bot/services/bulk/): `new`, `all` or `cancel` under its question, `stop` under its
    progress; `job` is its id (who may press is checked server-side)."""

    action: str
    job: SQLiteInt


class DeleteAllCallback(CallbackData, prefix="da"):
    """🗑 Удалить все N under a /find result; `key` names the query (bot.services.search.SearchCache)."""

    key: str


class ExpiringCallback(CallbackData, prefix="e"):
    """Show page `page` of /expiring; `until` is the window's end as /expiring set it (Unix time, 0: no window)."""

    page: PageNumber
    until: SQLiteInt


class DeleteExpiringCallback(CallbackData, prefix="de"):
    """🗑 Удалить все N under /expiring: every temporary number that goes before `until` (0: all of them)."""

    until: SQLiteInt
