"""Reminders and expiry notices go only to a chat connected to the number's account now: the adder's chat if it
still is, else another chat of that account, else the team chat alone, without buttons (issue 11, item 8)."""

from __future__ import annotations

from tests.harness import buttons, markup_of, only
from tests.test_expiry import add_temporary
from tests.test_notifications import notification_to

TEAM = -100500
OTHER_TOKEN = "tok-41-other-secret"


async def relink_100_to_account_41(harness, plusofon) -> None:
    plusofon.add_account(41, OTHER_TOKEN)
    await harness.connect_chat(100, user_id=41, token=OTHER_TOKEN)


async def test_a_relinked_chat_gets_no_reminder_another_chat_of_the_account_does(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    await relink_100_to_account_41(harness, plusofon)
    await harness.connect_chat(300)  # still account 40
    harness.clock.now = row.remind_at + 1
    before = len(harness.tg.calls)
    assert await harness.expirer.run_due() == 1
    calls = harness.tg.calls[before:]
    assert not [call for call in calls if call.params.get("chat_id") == 100]
    reminder = only(calls, "sendMessage", 300)
    assert f"id {number['id']}" in reminder.params["text"]
    assert buttons(markup_of(reminder)) == [["Продлить на 7 дней", "Удалить сейчас"]]
    edit = only(await harness.press(reminder, "Продлить на 7 дней"), "editMessageText")  # and they work there
    assert "Продлено" in edit.params["text"]


async def test_at_the_expiry_the_relinked_chat_hears_nothing_and_keeps_no_record(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon, "/add 79993332210 Иван Петров --ttl 1h")
    await relink_100_to_account_41(harness, plusofon)
    await harness.connect_chat(300)
    before = len(harness.tg.calls)
    harness.clock.now = row.expires_at + 1
    assert await harness.expirer.run_due() == 1
    assert plusofon.numbers(40) == []
    await harness.tg.wait_for(notification_to(300, "Срок истёк"))
    await harness.tg.wait_for(notification_to(TEAM, "Истёк срок"))
    assert not [call for call in harness.tg.calls[before:] if call.params.get("chat_id") == 100]
    assert "удалил по сроку" in only(await harness.send("/history", chat_id=300), "sendMessage").params["text"]
    assert "удалил по сроку" not in only(await harness.send("/history"), "sendMessage").params["text"]


async def test_with_no_chat_of_the_account_left_only_the_team_hears_without_buttons(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    await relink_100_to_account_41(harness, plusofon)
    harness.clock.now = row.remind_at + 1
    before = len(harness.tg.calls)
    assert await harness.expirer.run_due() == 1
    note = await harness.tg.wait_for(notification_to(TEAM, "истекает срок"))
    assert markup_of(note) is None
    assert not [call for call in harness.tg.calls[before:] if call.params.get("chat_id") == 100]


async def test_a_team_chat_connected_to_the_account_gets_one_reminder_with_buttons(harness, plusofon):
    _, _, row = await add_temporary(harness, plusofon)
    await harness.chats.remove(100)
    await harness.connect_chat(TEAM)
    harness.clock.now = row.remind_at + 1
    before = len(harness.tg.calls)
    assert await harness.expirer.run_due() == 1
    reminder = only(harness.tg.calls[before:], "sendMessage", TEAM)
    assert buttons(markup_of(reminder)) == [["Продлить на 7 дней", "Удалить сейчас"]]
    async with harness.dp["db"].execute("SELECT COUNT(*) FROM outbox WHERE text LIKE '%истекает срок%'") as cursor:
        assert (await cursor.fetchone())[0] == 0  # no second copy for the team: it was reminded itself
