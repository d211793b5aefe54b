"""Faults survived: Telegram 429/5xx, a slow Plusofon while others are served, notifications across a restart,
a polling connection that fails, SIGTERM with a handler in flight (the real process)."""

from __future__ import annotations

import asyncio
import signal

from tests.conftest import E2E_CHAT as CHAT
from tests.conftest import E2E_USER as USER
from tests.harness import only

TEAM = -100500


async def wait_until(condition, timeout: float = 5.0) -> None:
    """For the fake Plusofon server, which has no events to wait on: poll its state briefly."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_reply_answered_429_is_sent_after_retry_after(harness, plusofon):
    harness.tg.fail_next("sendMessage", status=429, retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    calls = await harness.send("/list")
    attempts = [call for call in calls if call.method_name == "sendMessage"]
    assert [call.ok for call in attempts] == [False, True]
    assert loop.time() - started >= 0.9


async def test_edit_answered_5xx_is_retried(harness, plusofon):
    plusofon.seed(40, 20)
    listing = only(await harness.send("/list"), "sendMessage")
    harness.tg.fail_next("editMessageText", status=502, times=2)
    calls = await harness.press(listing, "▶")
    edits = [call for call in calls if call.method_name == "editMessageText"]
    assert [call.ok for call in edits] == [False, False, True]
    assert "стр. 2/2" in edits[-1].params["text"]


async def test_slow_plusofon_does_not_hold_up_other_chats(harness, plusofon):
    await harness.connect_chat(200)
    plusofon.inject("slow", method="GET", delay=0.8)
    slow = asyncio.create_task(harness.send("/list", chat_id=100))
    await wait_until(lambda: plusofon.in_flight == 1)
    fast = only(await harness.send("/list", chat_id=200), "sendMessage")
    assert "пока нет" in fast.params["text"]
    assert not slow.done()
    assert "пока нет" in only(await slow, "sendMessage").params["text"]


async def test_notification_written_before_a_stop_is_sent_after_the_restart_once(harness, plusofon):
    await harness.services.notifier.stop()  # the bot goes down right after the user's action...
    only(await harness.send("/add 79993332210 Иван"), "sendMessage")
    async with harness.dp["db"].execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL") as cursor:
        assert (await cursor.fetchone())[0] == 1
    await harness.restart()  # ...and comes back
    note = await harness.tg.wait_for(lambda call: call.params.get("chat_id") == TEAM and call.ok, timeout=5)
    assert "добавил" in note.params["text"]
    await harness.restart()
    await harness.send("/list")  # a barrier: the restarted notifier has had its chance to resend
    assert len([call for call in harness.tg.sent(TEAM) if call.ok]) == 1


async def test_notification_answered_5xx_is_retried_and_sent_once(harness, plusofon):
    harness.services.notifier._backoff = 0.01
    only(await harness.send("/add 79993332210 Иван"), "sendMessage")
    harness.tg.fail_next("sendMessage", status=500, times=2)
    await harness.send("/add 79993332211 Пётр")
    await harness.tg.wait_for(lambda call: call.params.get("chat_id") == TEAM and "Пётр" in call.params["text"]
                              and call.ok, timeout=5)
    delivered = [call for call in harness.tg.sent(TEAM) if call.ok]
    assert len(delivered) == 2


async def test_polling_recovers_after_failures(running_bot, plusofon):
    telegram, _ = running_bot
    telegram.fail_next("getUpdates", status=502, times=3)  # the polls after the pending one fail
    for attempt in range(2):
        since = telegram.cursor()
        telegram.push_message("/list", chat_id=CHAT, user_id=USER)
        reply = await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == CHAT, since=since,
                                        timeout=20)
        assert "пока нет" in reply.params["text"]
    failed = [call for call in telegram.calls_of("getUpdates") if call.status == 502]
    assert len(failed) == 3


async def test_sigterm_lets_the_handler_in_flight_answer_then_exits_0(running_bot, plusofon):
    telegram, process = running_bot
    plusofon.seed(40, 3)
    plusofon.inject("slow", method="GET", delay=1.5)
    since = telegram.cursor()
    telegram.push_message("/list", chat_id=CHAT, user_id=USER)
    await wait_until(lambda: plusofon.in_flight == 1, timeout=15)
    process.send_signal(signal.SIGTERM)
    reply = await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == CHAT, since=since, timeout=15)
    assert "Умные номера: 3" in reply.params["text"]
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert "stopped cleanly" in stderr.decode()
