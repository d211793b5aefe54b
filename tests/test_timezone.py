"""TIMEZONE: every time the bot shows is in that zone, with the zone's short name (МСК by default)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.settings import Settings, SettingsError, load
from tests.fake_telegram import TEST_TOKEN
from tests.harness import BotHarness, only


def shown(timestamp: float, zone: str) -> str:
    return datetime.fromtimestamp(timestamp, ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")


async def add_temporary(h: BotHarness, plusofon, phone: str = "79993332210", **options) -> tuple[str, float]:
    reply = only(await h.send(f"/add {phone} Анна --ttl 7d", **options), "sendMessage").params["text"]
    row = await h.services.expiries.get(40, plusofon.numbers(40)[-1]["id"])
    return reply, row.expires_at


async def test_moscow_by_default_as_before(harness: BotHarness, plusofon):
    await harness.connect_chat(100)
    reply, expires_at = await add_temporary(harness, plusofon)
    assert f"удалится {shown(expires_at, 'Europe/Moscow')} (МСК), напомню" in reply
    history = only(await harness.send("/history"), "sendMessage").params["text"]
    assert "(время МСК)" in history


@pytest.mark.parametrize(("zone", "russian", "english"), [
    ("Asia/Yekaterinburg", "+05", "+05"),
    ("Europe/Moscow", "МСК", "MSK"),
    ("UTC", "UTC", "UTC"),
])
async def test_the_configured_zone_and_its_short_name(tmp_path, plusofon, zone, russian, english):
    h = await BotHarness(tmp_path, plusofon, timezone=zone).start()
    try:
        await h.connect_chat(100)
        reply, expires_at = await add_temporary(h, plusofon)
        assert f"удалится {shown(expires_at, zone)} ({russian})" in reply
        card = only(await h.send("/list"), "sendMessage").params["text"]
        assert f"до {shown(expires_at, zone)} ({russian})" in card
        reply, expires_at = await add_temporary(h, plusofon, "79993332211", language_code="en")
        assert f"deleted on {shown(expires_at, zone)} ({english})" in reply
        history = only(await h.send("/history", language_code="en"), "sendMessage").params["text"]
        assert f"(time {english})" in history
    finally:
        await h.stop()


async def test_a_zone_with_summer_time_names_the_season(tmp_path, plusofon):
    h = await BotHarness(tmp_path, plusofon, timezone="Europe/Berlin").start()
    try:
        await h.connect_chat(100)
        reply, expires_at = await add_temporary(h, plusofon, language_code="en")
        season = datetime.fromtimestamp(expires_at, ZoneInfo("Europe/Berlin")).tzname()
        assert season in ("CET", "CEST")
        assert f"{shown(expires_at, 'Europe/Berlin')} ({season})" in reply
    finally:
        await h.stop()


@pytest.mark.parametrize("value", ["Mars/Olympus", "MSK+3", "../../etc/passwd"])
def test_an_unknown_zone_stops_the_bot_with_one_line(monkeypatch, value):
    monkeypatch.setenv("BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("TIMEZONE", value)
    with pytest.raises(SettingsError, match="^Setting TIMEZONE: must be an IANA time zone name"):
        load(Settings)
