"""Retention: sent notifications are kept a week and the audit a year (settings), purged in the background at
start and then periodically, a batch at a time; a record whose notification is still pending is never purged,
and /history and backups stay right."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import time
from contextlib import closing

import pytest
from pydantic import ValidationError

from bot.services.retention import DAY, Retention
from bot.core.settings import Settings, describe
from storage.audit import AuditLog
from storage.backup import backup
from storage.database import connect
from storage.outbox import Outbox
from tests.fake_telegram import TEST_TOKEN
from tests.harness import BotHarness, only

TEAM = -100500


@pytest.fixture
def make_harness(make):
    """conftest's `make`, with the team chat and chat 100 connected."""
    return functools.partial(make, notify_chat_id=TEAM, connect=100)


async def add(h: BotHarness, phone: str, description: str, *, delivered: bool = True) -> None:
    reply = only(await h.send(f"/add {phone} {description}"), "sendMessage")
    assert "Создан умный номер" in reply.params["text"]
    if delivered:
        await h.tg.wait_for(lambda call: call.params.get("chat_id") == TEAM and call.ok
                            and description in call.params["text"], timeout=3)


async def age(h: BotHarness, description: str, *, audit_days: float, outbox_days: float | None = None) -> None:
    """Make the action on `description` (and its notification) look that many days old."""
    db = h.dp["db"]
    await db.execute("UPDATE audit SET at = at - ? WHERE details LIKE ?", (audit_days * DAY, f"%{description}%"))
    if outbox_days is not None:
        await db.execute("UPDATE outbox SET created_at = created_at - ? WHERE text LIKE ?",
                         (outbox_days * DAY, f"%{description}%"))


async def rows(h: BotHarness, sql: str) -> list[tuple]:
    async with h.dp["db"].execute(sql) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def described(h: BotHarness, table: str) -> list[str]:
    column = "details" if table == "audit" else "text"
    found = []
    for (value,) in await rows(h, f"SELECT {column} FROM {table} ORDER BY id"):
        found += [word for word in ("Старый", "Недавний", "Ждёт") if word in value]
    return found


async def test_old_rows_are_purged_at_start_and_history_and_backups_stay_right(make_harness, tmp_path):
    h = await make_harness()
    await add(h, "79993332210", "Старый")
    await add(h, "79993332211", "Недавний")
    await h.services.notifier.stop()  # lets the sends under way be marked
    await age(h, "Старый", audit_days=366, outbox_days=8)
    await age(h, "Недавний", audit_days=364, outbox_days=6)

    await h.restart()
    await asyncio.wait_for(h.services.retention.passed.wait(), 5)  # the pass at start
    assert await described(h, "outbox") == ["Недавний"]
    assert await described(h, "audit") == ["Недавний"]

    history = only(await h.send("/history"), "sendMessage").params["text"]
    assert "Недавний" in history and "Старый" not in history

    target = tmp_path / "copy.sqlite3"
    assert await backup(h.settings.database_path, target) == 1
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
        assert [row[0] for row in copy.execute("SELECT details FROM audit")] == \
            [details for (details,) in await rows(h, "SELECT details FROM audit ORDER BY id")]


async def test_an_audit_record_whose_notification_is_pending_is_kept(make_harness):
    h = await make_harness()
    await h.services.notifier.stop()  # the team chat has not been told yet
    await add(h, "79993332210", "Ждёт", delivered=False)
    await age(h, "Ждёт", audit_days=400, outbox_days=400)
    assert await h.services.retention.purge() == (0, 0)
    assert await described(h, "audit") == ["Ждёт"]
    assert await rows(h, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(1,)]

    await h.restart()  # sent now; once sent its week runs out (it is 400 days old), and the record goes with it
    await h.tg.wait_for(lambda call: call.params.get("chat_id") == TEAM and call.ok, timeout=3)
    await h.services.notifier.stop()
    assert await h.services.retention.purge() == (1, 1)
    assert await described(h, "audit") == [] and await described(h, "outbox") == []


async def test_the_terms_come_from_the_settings(make_harness):
    h = await make_harness(outbox_retention_days=1, audit_retention_days=30)
    await add(h, "79993332210", "Старый")
    await add(h, "79993332211", "Недавний")
    await h.services.notifier.stop()
    await age(h, "Старый", audit_days=31, outbox_days=2)
    await age(h, "Недавний", audit_days=29, outbox_days=0.5)
    assert await h.services.retention.purge() == (1, 1)
    assert await described(h, "audit") == ["Недавний"] and await described(h, "outbox") == ["Недавний"]


async def test_a_big_backlog_goes_in_batches(tmp_path):
    conn = await connect(tmp_path / "bot.sqlite3")
    try:
        audit, outbox = AuditLog(conn), Outbox(conn)
        for i in range(7):
            await audit.record(chat_id=1, user_id=1, user_name="u", action="add", details=str(i),
                               notify_chat_id=TEAM, notify_text=f"note {i}")
        await conn.execute("UPDATE outbox SET sent_at = created_at WHERE id <= 5")
        later = time.time() + 400 * DAY
        batches: list[int] = []
        purge = outbox.purge

        async def counted(before: float, limit: int) -> int:
            batches.append(await purge(before, limit))
            return batches[-1]

        outbox.purge = counted  # type: ignore[method-assign]
        retention = Retention(audit, outbox, outbox_days=7, audit_days=365, batch=2, pause=0, clock=lambda: later)
        assert await retention.purge() == (5, 5)
        assert batches == [2, 2, 1]
        async with conn.execute("SELECT count(*) FROM audit") as cursor:
            assert (await cursor.fetchone())[0] == 2  # the two whose notifications are pending
    finally:
        await conn.close()


@pytest.mark.parametrize("name", ["outbox_retention_days", "audit_retention_days"])
def test_a_term_below_a_day_is_refused_naming_the_setting(name):
    with pytest.raises(ValidationError) as raised:
        Settings(bot_token=TEST_TOKEN, _env_file=None, **{name: "0"})
    assert describe(raised.value).startswith(f"Setting {name.upper()}:")


def test_the_default_terms_are_a_week_and_a_year():
    settings = Settings(bot_token=TEST_TOKEN, _env_file=None)
    assert (settings.outbox_retention_days, settings.audit_retention_days) == (7, 365)
