"""The daily digest as the team chat reads it (bot/services/digest.py gathers it), in Russian like the team
chat's other notifications (handlers/announcements.py)."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape

from bot.core.durations import local_zone
from bot.core.phones import display_text
from bot.services.digest import Digest
from handlers.texts import RUSSIAN, Texts
from handlers.views import shorten
from storage.audit import AuditEntry
from storage.expiries import Expiry

SHOWN = 20            # lines of each list; the rest is counted
DESCRIPTION_CUT = 60
_LEADING_ID = re.compile(r"^id \d+ ")


def digest_text(digest: Digest, t: Texts = RUSSIAN) -> str:
    parts = [t.digest_header.format(date=f"{digest.day:%d.%m.%Y}")]
    for header, lines in (
        (t.digest_added, [_change("➕", entry, t) for entry in digest.added]),
        (t.digest_deleted, [_change("➖", entry, t) for entry in digest.deleted]),
        (t.digest_expires_today, [_expiring(row, t) for row in digest.today]),
        (t.digest_expires_tomorrow, [_expiring(row, t) for row in digest.tomorrow]),
    ):
        if lines:
            shown = lines[:SHOWN] + ([t.digest_more.format(count=len(lines) - SHOWN)] if len(lines) > SHOWN else [])
            parts.append("\n".join([header.format(count=len(lines)), *shown]))
    if len(digest.totals) == 1:
        parts.append(t.digest_total.format(total=next(iter(digest.totals.values()))))
    else:
        parts.append("\n".join(t.digest_total_of.format(user_id=account, total=total)
                               for account, total in digest.totals.items()))
    return "\n\n".join(part for part in parts if part)


def _change(sign: str, entry: AuditEntry, t: Texts) -> str:
    """`➕ +7 977 000-50-02 → +7 999 000-00-01 Иван — Анна (@anna)`: the audit record's details (as written by
    the journal, without the id), and who."""
    what = shorten(_LEADING_ID.sub("", entry.details), DESCRIPTION_CUT + 40)
    who = t.digest_expired if entry.action == "expire" else entry.user_name or "—"
    return f"{sign} {escape(what)} — {escape(who)}"


def _expiring(row: Expiry, t: Texts) -> str:
    when = datetime.fromtimestamp(row.expires_at, local_zone()).strftime("%H:%M")
    described = f" {escape(shorten(row.description, DESCRIPTION_CUT))}" if row.description.strip() else ""
    return (f"⏳ {escape(display_text(row.phone_x))} → {escape(display_text(row.phone_b))}{described} — "
            f"{t.digest_until.format(time=when)}")
