"""The daily digest: at DIGEST_TIME in TIMEZONE, the team chat hears what was added and deleted since the last
digest and by whom, how many numbers the account holds, and what expires today and tomorrow; nothing on a quiet
day; once a day across restarts; sent late, once, when the bot was down at that time. The clock is the
harness's FakeClock: no test waits for real time to pass."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.phones import display_text
from tests.harness import only

TEAM = -100500
DIGEST_AT = 13  # o'clock, local


def noon_zone() -> str:
    """A zone where it is now between 12:00 and 13:00 (Etc/GMT-N is N hours east of UTC): the tests run at any
    hour without crossing a local midnight."""
    offset = (12 - datetime.now(ZoneInfo("UTC")).hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


async def team_digests(h) -> list[str]:
    """Every digest written for the team chat (sent or waiting in the outbox)."""
    async with h.dp["db"].execute("SELECT text FROM outbox WHERE chat_id = ? AND text LIKE '%<b>Сводка%' "
                                  "ORDER BY id", (TEAM,)) as cursor:
        return [row[0] for row in await cursor.fetchall()]


def seconds_until(h, hour: int, minute: int = 0) -> float:
    zone = ZoneInfo(h.settings.timezone)
    local = datetime.fromtimestamp(h.clock.now, zone)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp() - h.clock.now


async def digest_bot(make):
    h = await make(digest_time=f"{DIGEST_AT}:00", timezone=noon_zone(), notify_chat_id=TEAM, connect=100)
    assert 12 <= datetime.fromtimestamp(h.clock.now, ZoneInfo(h.settings.timezone)).hour < DIGEST_AT
    await h.services.digest.run_due()  # the first look sets where the first digest starts (the loop does too)
    return h


async def test_the_digest_comes_at_the_local_time_with_the_days_changes(make, plusofon):
    h = await digest_bot(make)
    plusofon.seed(40, 4)
    kept = only(await h.send("/add +7 999 111-22-33 Анна, склад"), "sendMessage")
    assert "✅" in kept.params["text"]
    await h.send("/add +7 999 444-55-66 Пётр --ttl 2h")  # goes today, after the digest
    await h.send("/add +7 999 777-88-99 Ольга --ttl 20h")  # goes tomorrow morning
    gone = plusofon.numbers(40)[0]
    asked = only(await h.send(f"/del {gone['id']}"), "sendMessage")
    await h.press(asked, "✅ Удалить")
    h.clock.advance(seconds_until(h, DIGEST_AT - 1, 59))
    assert await h.services.digest.run_due() == 0  # 12:59: not yet
    h.clock.advance(60)
    h.services.digest.wake()  # 13:00: the loop sends it
    sent = await h.tg.wait_for(lambda call: call.method_name == "sendMessage" and call.params["chat_id"] == TEAM
                               and "Сводка" in call.params["text"])
    text = sent.params["text"]
    today = datetime.fromtimestamp(h.clock.now, ZoneInfo(h.settings.timezone))
    assert text.startswith(f"📋 <b>Сводка за {today:%d.%m.%Y}</b>")
    assert "<b>Добавлено: 3</b>\n➕ " in text and "+7 999 111-22-33 Анна, склад — Иван (@ivan)" in text
    assert f"<b>Удалено: 1</b>\n➖ {display_text(gone['phoneX'])} → {display_text(gone['phoneB'])}" in text
    assert "<b>Истекает сегодня: 1</b>\n⏳ " in text and "+7 999 444-55-66 Пётр — до 1" in text
    assert "<b>Истекает завтра: 1</b>\n⏳ " in text and "+7 999 777-88-99 Ольга — до 0" in text
    assert text.endswith("Номеров в аккаунте: 6")
    assert await h.services.digest.run_due() == 0 and len(await team_digests(h)) == 1


async def test_the_digest_is_sent_once_across_a_restart(make, plusofon):
    h = await digest_bot(make)
    await h.send("/add +7 999 111-22-33 Анна --ttl 2h")  # expiring today: a digest run again would say it again
    h.clock.advance(seconds_until(h, DIGEST_AT, 5))
    assert await h.services.digest.run_due() == 1
    await h.restart()  # the loop looks at once: the day's digest is done
    assert await h.services.digest.run_due() == 0
    assert len(await team_digests(h)) == 1
    await h.send("/add +7 999 222-33-44 Борис")  # the next day's digest has the new change only
    h.clock.advance(86400)
    assert await h.services.digest.run_due() == 1
    second = (await team_digests(h))[-1]
    assert "Борис" in second and "Анна" not in second


async def test_a_digest_missed_while_the_bot_was_down_is_sent_late_once(make, plusofon):
    h = await digest_bot(make)
    await h.send("/add +7 999 111-22-33 Анна")
    await h.stop()
    h.clock.advance(seconds_until(h, DIGEST_AT + 2))  # down at 13:00, back at 15:00
    await h.start()
    late = await h.tg.wait_for(lambda call: call.method_name == "sendMessage" and call.params["chat_id"] == TEAM
                               and "Сводка" in call.params["text"])
    assert "Анна" in late.params["text"]
    await h.restart()
    h.clock.advance(3600)
    assert await h.services.digest.run_due() == 0 and len(await team_digests(h)) == 1


async def test_nothing_is_sent_on_a_quiet_day(make, plusofon):
    h = await digest_bot(make)
    plusofon.seed(40, 3)
    await h.synced()  # the account holds numbers, but nothing happened to them
    h.clock.advance(seconds_until(h, DIGEST_AT, 1))
    assert await h.services.digest.run_due() == 0
    assert await team_digests(h) == []
    await h.send("/add +7 999 111-22-33 Анна")  # the next day has something to say
    h.clock.advance(86400)
    assert await h.services.digest.run_due() == 1


async def test_no_digest_time_no_digest(make, plusofon):
    h = await make(notify_chat_id=TEAM, connect=100)
    await h.send("/add +7 999 111-22-33 Анна")
    h.clock.advance(2 * 86400)
    assert await h.services.digest.run_due() == 0 and await team_digests(h) == []


def test_a_digest_time_is_read_as_hours_and_minutes(tmp_path):
    from bot.core.settings import Settings, SettingsError, load

    assert Settings(bot_token="1:a", _env_file=None, digest_time="9:05").digest_time.isoformat() == "09:05:00"
    assert Settings(bot_token="1:a", _env_file=None, digest_time=" ").digest_time is None
    import os

    os.environ["DIGEST_TIME"], os.environ["BOT_TOKEN"] = "25:00", "1:a"
    try:
        load(Settings)
    except SettingsError as error:
        assert str(error).startswith("Setting DIGEST_TIME: must be a time of day as HH:MM")
    else:
        raise AssertionError("25:00 was taken")
    finally:
        del os.environ["DIGEST_TIME"], os.environ["BOT_TOKEN"]



