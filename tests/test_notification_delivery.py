"""A team notification is delivered exactly once across stops and restarts, tried a bounded number of times,
and never waits longer than the cap on Telegram's retry_after."""

from __future__ import annotations

import asyncio

import pytest

from tests.harness import BotHarness, only

TEAM = -100500
DOCUMENTED_ATTEMPTS = 5  # README, Operations, "Team notifications": tried at most 5 times


@pytest.fixture
def make_harness(make):
    """A harness with NOTIFY_CHAT_ID=TEAM, chat 100 connected and the given Notifier options."""

    async def make_with(**notifier) -> BotHarness:
        return await make(notify_chat_id=TEAM, notifier=notifier, connect=100)

    return make_with


def to_team(phrase: str, *, ok: bool | None = True):
    return lambda call: (call.method_name == "sendMessage" and call.params.get("chat_id") == TEAM
                         and phrase in call.params.get("text", "") and (ok is None or call.ok == ok))


def team_calls(h: BotHarness, phrase: str) -> list:
    return [call for call in h.tg.sent(TEAM) if phrase in call.params["text"]]


async def add_while_down(h: BotHarness, *descriptions: str) -> None:
    """The notifier is stopped (the bot is going down) and users' adds leave their notifications pending."""
    await h.services.notifier.stop()
    for i, description in enumerate(descriptions):
        reply = only(await h.send(f"/add 7999333221{i} {description}"), "sendMessage")
        assert "Создан умный номер" in reply.params["text"]


async def assert_delivered_once(h: BotHarness, phrase: str) -> None:
    """Wait for the delivery, restart once more as a barrier, and count what Telegram took."""
    await h.tg.wait_for(to_team(phrase), timeout=5)
    await h.restart()
    await h.send("/list")  # the restarted notifier has had its chance to send it again
    assert [call.ok for call in team_calls(h, phrase)].count(True) == 1, h.tg.describe_calls()
    async with h.dp["db"].execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dropped IS NULL") as cur:
        assert (await cur.fetchone())[0] == 0


async def test_a_stop_during_the_retry_after_wait_starts_no_send_and_the_restart_sends_once(make_harness):
    h = await make_harness()
    await add_while_down(h, "Иван")
    h.tg.fail_next("sendMessage", status=429, retry_after=1)
    await h.restart()
    await h.tg.wait_for(to_team("Иван", ok=False), timeout=3)  # now waiting out retry_after
    # were the retry sent, Telegram would take it but answer late: a stop that cut it short would leave the
    # row unmarked, and the next start would send the notification a second time
    retry = h.tg.hold_next("sendMessage", 6, chat_id=TEAM)
    await h.stop()
    began_after_the_stop = retry.is_set()
    h.tg.drop_holds()
    await h.start()
    await assert_delivered_once(h, "Иван")
    assert not began_after_the_stop, "a send began after the bot began to stop"


async def test_a_send_under_way_at_the_stop_finishes_and_is_marked(make_harness):
    h = await make_harness(send_timeout=2)
    began = h.tg.hold_next("sendMessage", 0.5, chat_id=TEAM)  # Telegram takes it; the answer is late
    only(await h.send("/add 79993332210 Иван"), "sendMessage")
    await asyncio.wait_for(began.wait(), 3)
    await h.stop()
    await h.start()
    await assert_delivered_once(h, "Иван")


async def test_a_send_lost_on_the_way_when_the_bot_stops_is_sent_after_the_restart(make_harness):
    """Guards the outbox's promise: a row marked sent before Telegram took it would never be delivered."""
    h = await make_harness(send_timeout=1)
    began = h.tg.hold_next("sendMessage", 30, chat_id=TEAM, delivered=False)  # never arrives in time
    only(await h.send("/add 79993332210 Иван"), "sendMessage")
    await asyncio.wait_for(began.wait(), 3)
    await h.stop()  # in the middle of the send
    assert team_calls(h, "Иван") == []
    await h.start()
    await assert_delivered_once(h, "Иван")


async def test_a_5xx_is_tried_the_documented_number_of_times_then_given_up(make_harness):
    h = await make_harness()
    await add_while_down(h, "Первый", "Второй")
    h.tg.fail_next("sendMessage", status=500, times=DOCUMENTED_ATTEMPTS)
    await h.restart()
    await h.tg.wait_for(to_team("Второй"), timeout=10)  # the chat's queue moved on: the first was given up
    first = team_calls(h, "Первый")
    assert len(first) == DOCUMENTED_ATTEMPTS and not any(call.ok for call in first), h.tg.describe_calls()
    assert len(team_calls(h, "Второй")) == 1
    async with h.dp["db"].execute("SELECT dropped FROM outbox ORDER BY id") as cursor:
        assert [row[0] for row in await cursor.fetchall()][0].startswith("gave up")


async def test_a_huge_retry_after_is_capped(make_harness):
    h = await make_harness(retry_after_cap=0.5)
    await add_while_down(h, "Иван")
    h.tg.fail_next("sendMessage", status=429, retry_after=3600)
    loop = asyncio.get_running_loop()
    await h.restart()
    await h.tg.wait_for(to_team("Иван", ok=False), timeout=3)
    refused_at = loop.time()
    await h.tg.wait_for(to_team("Иван"), timeout=5)
    assert loop.time() - refused_at >= 0.2  # it waited (the cap, with jitter), but not an hour
    assert [call.ok for call in team_calls(h, "Иван")] == [False, True]
