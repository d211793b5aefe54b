"""Team notifications: what the team chat hears about adds and deletes, and that the background sender keeps
to Telegram's limits without ever holding up or failing the user's own action."""

from __future__ import annotations

import asyncio
import functools
import logging
import time

import pytest

from bot.core.phones import display
from tests.harness import BotHarness, only

TEAM = -100500
OTHER_TEAM = -100600
GROUP = -100777


def notification_to(chat_id: int, phrase: str = ""):
    """Predicate: a delivered sendMessage to `chat_id` containing `phrase`."""
    return lambda call: (call.method_name == "sendMessage" and call.params.get("chat_id") == chat_id
                         and call.ok and phrase in call.params.get("text", ""))


@pytest.fixture
def make_harness(make):
    """conftest's `make` (settings, `notifier=` options), with chat 100 connected."""
    return functools.partial(make, connect=100)


async def outbox_targets(h: BotHarness) -> list[int]:
    """The chats that notifications were written for (the outbox is filled while the handler runs)."""
    async with h.dp["db"].execute("SELECT chat_id FROM outbox ORDER BY id") as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def add(h: BotHarness, text: str = "/add 79993332210 Иван Петров", **options):
    """Do an /add; assert the user got the success message at once; return it."""
    reply = only(await h.send(text, **options), "sendMessage")
    assert reply.ok and "Создан умный номер" in reply.params["text"], str(reply)
    return reply


def sends_to(h: BotHarness, chat_id: int):
    return h.tg.sent(chat_id)


# ---- content ----------------------------------------------------------------------------------


async def test_add_and_delete_are_announced_to_the_team(harness, plusofon):
    await add(harness, "/add +7 999 333-22-10 ООО <Рога & копыта>")
    created = plusofon.numbers(40)[-1]
    note = (await harness.tg.wait_for(notification_to(TEAM, "добавил"), timeout=3)).params["text"]
    assert "Иван" in note and "@ivan" in note
    assert display(created["phoneX"]) in note
    assert "+7 999 333-22-10" in note
    assert "ООО &lt;Рога &amp; копыта&gt;" in note and "<Рога" not in note
    assert "личный чат" in note

    ask = only(await harness.send(f"/del {created['id']}"), "sendMessage")
    await harness.press(ask, "✅")
    note = (await harness.tg.wait_for(notification_to(TEAM, "удалил"), timeout=3)).params["text"]
    assert "Иван" in note and "@ivan" in note
    assert display(created["phoneX"]) in note and "+7 999 333-22-10" in note
    assert "ООО &lt;Рога &amp; копыта&gt;" in note
    assert len([call for call in sends_to(harness, TEAM) if call.ok]) == 2


async def test_group_action_names_the_group(harness, plusofon):
    await harness.connect_chat(GROUP)
    await add(harness, "/add 79993332210 Иван", chat_id=GROUP, user_id=7, username=None)
    note = (await harness.tg.wait_for(notification_to(TEAM, "добавил"), timeout=3)).params["text"]
    assert "Test group" in note and "личный чат" not in note
    assert "Иван" in note and "@" not in note


async def test_no_notification_into_the_chat_where_it_happened(harness, plusofon):
    await harness.connect_chat(TEAM)
    await add(harness, chat_id=TEAM, user_id=7)
    number = plusofon.numbers(40)[-1]
    ask = only(await harness.send(f"/del {number['id']}", chat_id=TEAM, user_id=7), "sendMessage")
    await harness.press(ask, "✅", user_id=7)
    assert number["id"] not in {n["id"] for n in plusofon.numbers(40)}
    assert await outbox_targets(harness) == []
    # a barrier: an action elsewhere is announced in the team chat, and it is the only announcement there
    await add(harness)
    await harness.tg.wait_for(notification_to(TEAM, "личный чат"), timeout=3)
    announcements = [call for call in sends_to(harness, TEAM) if "добавил" in call.params["text"]
                     or "удалил" in call.params["text"]]
    assert len(announcements) == 1
    assert await outbox_targets(harness) == [TEAM]


async def test_chat_setting_overrides_the_default_notify_chat(harness, plusofon):
    await harness.connect_chat(100, notify_chat_id=OTHER_TEAM)
    await add(harness)
    await harness.tg.wait_for(notification_to(OTHER_TEAM, "добавил"), timeout=3)
    assert await outbox_targets(harness) == [OTHER_TEAM]
    assert sends_to(harness, TEAM) == []


async def test_no_notify_chat_configured_means_no_notification(make_harness, plusofon, monkeypatch):
    h = await make_harness()  # no NOTIFY_CHAT_ID, and chat 100 has no notify_chat_id
    await add(h)
    number = plusofon.numbers(40)[-1]
    ask = only(await h.send(f"/del {number['id']}"), "sendMessage")
    assert "удалён" in only(await h.press(ask, "✅"), "editMessageText").params["text"]
    assert await outbox_targets(h) == []
    assert h.services.notifier.pending == 0
    assert {call.params.get("chat_id") for call in h.tg.sent()} == {100}


# ---- limits and failures -------------------------------------------------------------------------


async def test_notifications_keep_to_the_rate_limit(make_harness, plusofon, monkeypatch):
    window = 0.8
    h = await make_harness(notify_chat_id=TEAM, notifier={"per_minute": 3, "window": window})
    loop = asyncio.get_running_loop()
    stamps: list[float] = []
    record = h.tg._record

    def stamped(call):
        if call.method_name == "sendMessage" and call.params.get("chat_id") == TEAM:
            stamps.append(loop.time())
        record(call)

    monkeypatch.setattr(h.tg, "_record", stamped)
    started = loop.time()
    for i in range(5):
        await add(h, f"/add 7999333221{i} Клиент {i}")
    adds_took = loop.time() - started
    await h.tg.wait_for(notification_to(TEAM, "Клиент 4"), timeout=3)
    assert len(stamps) == 5
    assert adds_took < window, "the adds themselves must not wait on the notifications"
    assert stamps[2] - stamps[0] < window - 0.2, "the first three go out at once"
    assert stamps[3] - stamps[0] >= window - 0.1, f"the 4th after {stamps[3] - stamps[0]:.2f}s"
    assert stamps[4] - stamps[1] >= window - 0.1
    notes = [call.params["text"] for call in h.tg.sent(TEAM)]
    assert [f"Клиент {i}" in note for i, note in enumerate(notes)] == [True] * 5  # in order, none lost


async def test_retry_after_is_respected_and_the_notification_delivered_once(make_harness, plusofon):
    # one notification per 0.3 s: the second one is surely still queued when the failure is injected
    h = await make_harness(notify_chat_id=TEAM, notifier={"per_minute": 1, "window": 0.3})
    await add(h, "/add 79993332210 Первый")
    await h.tg.wait_for(notification_to(TEAM, "Первый"), timeout=3)
    reply = await add(h, "/add 79993332211 Второй")
    assert reply.ok
    h.tg.fail_next("sendMessage", status=429, retry_after=1)  # consumed by the queued notification
    since = len(h.tg.calls)
    failed = await h.tg.wait_for(lambda call: call.method_name == "sendMessage", timeout=3, since=since)
    assert failed.params["chat_id"] == TEAM and not failed.ok
    failed_at = time.monotonic()
    await h.tg.wait_for(notification_to(TEAM, "Второй"), timeout=4)
    assert time.monotonic() - failed_at >= 0.8, "retried before retry_after"
    second = [call for call in h.tg.sent(TEAM) if "Второй" in call.params["text"]]
    assert [call.ok for call in second] == [False, True]
    assert len(plusofon.numbers(40)) == 2


async def test_kicked_from_team_chat_means_one_attempt_and_one_warning(harness, plusofon, caplog):
    caplog.set_level(logging.DEBUG)
    harness.tg.block_chat(TEAM)
    for i in range(3):
        await add(harness, f"/add 7999333221{i} Клиент {i}")
    await harness.tg.wait_for(lambda call: call.method_name == "sendMessage" and call.params["chat_id"] == TEAM,
                              timeout=3)
    notifier = harness.services.notifier
    assert notifier.pending == 0
    # one more add after the failure is known: dropped without trying
    await add(harness, "/add 79993332219 Клиент 9")
    assert notifier.pending == 0
    assert len(plusofon.numbers(40)) == 4
    assert len(sends_to(harness, TEAM)) == 1
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and str(TEAM) in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]


async def test_blocked_team_chat_does_not_affect_the_user(harness, plusofon):
    harness.tg.block_chat(TEAM)
    started = time.monotonic()
    await add(harness)
    number = plusofon.numbers(40)[-1]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    assert "удалён" in only(await harness.press(ask, "✅"), "editMessageText").params["text"]
    assert time.monotonic() - started < 2
    assert not any("Что-то пошло не так" in call.params["text"] for call in harness.tg.sent(100))


async def test_slow_team_chat_does_not_hold_up_the_user(harness, plusofon, monkeypatch):
    gate = asyncio.Event()
    make_request = harness.tg.make_request

    async def slow_for_team(bot, method, timeout=None):
        if getattr(method, "chat_id", None) == TEAM:
            await gate.wait()  # Telegram hangs for the team chat until the test lets it go
        return await make_request(bot, method, timeout)

    monkeypatch.setattr(harness.tg, "make_request", slow_for_team)
    started = time.monotonic()
    # if an add waited on its notification it would hang here: fail after a few seconds instead
    await asyncio.wait_for(add(harness, "/add 79993332210 Первый"), 3)
    await asyncio.wait_for(add(harness, "/add 79993332211 Второй"), 3)
    assert time.monotonic() - started < 2
    assert sends_to(harness, TEAM) == []
    gate.set()
    await harness.tg.wait_for(notification_to(TEAM, "Второй"), timeout=3)
    assert [("Первый" in c.params["text"], c.ok) for c in sends_to(harness, TEAM)] == [(True, True), (False, True)]
