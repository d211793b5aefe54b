"""Temporary numbers: /add --ttl and the Срок step, the reminder with its buttons, the delete at expiry (through
restarts and failures), and the mark in /list. The expiry worker runs on the harness's FakeClock."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.durations import local_time
from tests.harness import buttons, markup_of, only, texts
from tests.test_notifications import notification_to

TEAM = -100500
DAY, HOUR = 86_400, 3_600


async def add_temporary(harness, plusofon, text="/add 79993332210 Иван Петров --ttl 7d"):
    reply = only(await harness.send(text), "sendMessage")
    assert "Создан умный номер" in reply.params["text"], reply.params["text"]
    number = plusofon.numbers(40)[-1]
    row = await harness.services.expiries.get(40, number["id"])
    assert row is not None
    return reply, number, row


async def rows(harness):
    async with harness.dp["db"].execute("SELECT number_id, attempts, last_error FROM expiries") as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


# ---- making a number temporary ---------------------------------------------------------------------------


@pytest.mark.parametrize(("option", "seconds"), [
    ("--ttl 7d", 7 * DAY), ("--ttl 12h", 12 * HOUR), ("--ttl 30d", 30 * DAY), ("--ttl=12h", 12 * HOUR),
    ("—ttl 7d", 7 * DAY), ("–ttl 3д", 3 * DAY), ("--TTL 48ч", 48 * HOUR),
])
async def test_ttl_option(harness, plusofon, option, seconds):
    reply, number, row = await add_temporary(harness, plusofon, f"/add 79993332210 Иван Петров {option}")
    assert number["description"] == "Иван Петров"  # the option is not part of the description
    assert row.expires_at == pytest.approx(harness.clock() + seconds, abs=5)
    assert f"удалится {local_time(row.expires_at)}" in reply.params["text"]


async def test_option_may_come_before_the_description(harness, plusofon):
    _, number, _ = await add_temporary(harness, plusofon, "/add +7 999 333-22-10 --ttl 7d Иван Петров")
    assert number["description"] == "Иван Петров" and number["phoneB"] == "79993332210"


@pytest.mark.parametrize("option", ["--ttl", "--ttl 0d", "--ttl 400d", "--ttl abc", "--ttl 7w", "--ttl 30m",
                                    "--ttl 7d --ttl 8d"])
async def test_bad_ttl_gets_examples_and_no_api_call(harness, plusofon, option):
    text = only(await harness.send(f"/add 79993332210 Иван {option}"), "sendMessage").params["text"]
    assert "--ttl 7d" in text and "365" in text
    assert plusofon.requests == []


async def test_reminder_lead_follows_the_term(harness, plusofon):
    reply, _, row = await add_temporary(harness, plusofon)
    assert "напомню за день" in reply.params["text"]
    assert row.remind_at == pytest.approx(row.expires_at - DAY)
    reply, _, row = await add_temporary(harness, plusofon, "/add 79993332211 Пётр --ttl 12h")
    assert "напомню за час" in reply.params["text"]
    assert row.remind_at == pytest.approx(row.expires_at - HOUR)
    reply, _, row = await add_temporary(harness, plusofon, "/add 79993332212 Анна --ttl 1h")
    assert "напомню" not in reply.params["text"] and row.remind_at is None


async def test_team_hears_the_number_is_temporary(harness, plusofon):
    _, _, row = await add_temporary(harness, plusofon)
    note = await harness.tg.wait_for(notification_to(TEAM, "добавил(а) умный номер"))
    assert f"временный, до {local_time(row.expires_at)}" in note.params["text"]


async def test_dialogue_has_a_term_step(harness, plusofon):
    await harness.send("/add")
    await harness.send("79993332210")
    ask = only(await harness.send("Иван"), "sendMessage")
    done = only(await harness.press(ask, "7 дней"), "sendMessage")
    assert "Временный" in done.params["text"]
    row = await harness.services.expiries.get(40, plusofon.numbers(40)[-1]["id"])
    assert row.expires_at == pytest.approx(harness.clock() + 7 * DAY, abs=5)


async def test_dialogue_takes_a_typed_term_and_refuses_a_bad_one(harness, plusofon):
    await harness.send("/add")
    await harness.send("79993332210")
    await harness.send("Иван")
    again = only(await harness.send("когда-нибудь"), "sendMessage")
    assert "Не понял срок" in again.params["text"] and buttons(markup_of(again))[0] == ["12 часов", "7 дней",
                                                                                      "30 дней"]
    assert plusofon.count("POST") == 0
    await harness.send("3 дня")
    row = await harness.services.expiries.get(40, plusofon.numbers(40)[-1]["id"])
    assert row.expires_at == pytest.approx(harness.clock() + 3 * DAY, abs=5)


async def test_dialogue_keeps_the_term_given_with_add(harness, plusofon):
    await harness.send("/add 79993332210 --ttl 12h")
    done = only(await harness.send("Иван"), "sendMessage")  # no Срок question: /add said it already
    assert "Временный" in done.params["text"]


async def test_list_marks_temporary_numbers(harness, plusofon):
    plusofon.seed(40, 2)
    _, number, row = await add_temporary(harness, plusofon)
    text = only(await harness.send("/list"), "sendMessage").params["text"]
    assert text.count("⏳") == 1
    block = text[text.index(f"id {number['id']}") - 200:]
    assert f"⏳ временный, до {local_time(row.expires_at)}" in block


# ---- the reminder ----------------------------------------------------------------------------------------


async def remind(harness, plusofon, row):
    harness.clock.now = row.remind_at + 1
    before = len(harness.tg.calls)
    assert await harness.expirer.run_due() == 1
    return only([c for c in harness.tg.calls[before:] if c.params.get("chat_id") == 100], "sendMessage")


async def test_reminder_goes_to_the_adder_and_the_team_once(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    harness.clock.now = row.remind_at - 60
    assert await harness.expirer.run_due() == 0
    reminder = await remind(harness, plusofon, row)
    text = reminder.params["text"]
    assert 'href="tg://user?id=100"' in text and f"id {number['id']}" in text and "через 24 ч" in text
    assert buttons(markup_of(reminder)) == [["Продлить на 7 дней", "Удалить сейчас"]]
    note = await harness.tg.wait_for(notification_to(TEAM, "истекает срок"))
    assert local_time(row.expires_at) in note.params["text"]
    assert await harness.expirer.run_due() == 0  # reminded once
    assert plusofon.count("DELETE") == 0


async def test_extend_moves_the_expiry_once(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    reminder = await remind(harness, plusofon, row)
    edit = only(await harness.press(reminder, "Продлить на 7 дней"), "editMessageText")
    new_expiry = row.expires_at + 7 * DAY
    assert f"Продлено до {local_time(new_expiry)}" in edit.params["text"]
    assert (await harness.services.expiries.get(40, number["id"])).expires_at == pytest.approx(new_expiry)
    await harness.tg.wait_for(notification_to(TEAM, "продлил(а)"))
    data = f"x:more:{number['id']}:{int(row.expires_at)}"  # the same button again (a second tap)
    calls = await harness.press_data(data, chat_id=100, message_id=reminder.result["message_id"])
    assert only(calls, "answerCallbackQuery").params["text"] == "Это уже сделано."
    assert (await harness.services.expiries.get(40, number["id"])).expires_at == pytest.approx(new_expiry)
    harness.clock.now = row.expires_at + 1  # the old expiry passes: nothing happens
    await harness.expirer.run_due()
    assert plusofon.count("DELETE") == 0
    harness.clock.now = new_expiry - DAY + 1  # and a new reminder comes a day before the new one
    assert await harness.expirer.run_due() == 1


async def test_delete_now_asks_the_usual_confirmation(harness, plusofon):
    _, _, row = await add_temporary(harness, plusofon)
    reminder = await remind(harness, plusofon, row)
    ask = only(await harness.press(reminder, "Удалить сейчас"), "sendMessage")
    assert "Удалить умный номер?" in ask.params["text"]
    assert plusofon.count("DELETE") == 0
    await harness.press(ask, "✅")
    assert plusofon.numbers(40) == [] and await rows(harness) == []
    calls = await harness.press(reminder, "Продлить на 7 дней")
    assert "нет срока" in only(calls, "answerCallbackQuery").params["text"]


async def test_reminder_buttons_of_another_account_are_refused(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    plusofon.add_account(41, "tok-41-other-secret")
    await harness.connect_chat(200, user_id=41, token="tok-41-other-secret")
    calls = await harness.press_data(f"x:now:{number['id']}:{int(row.expires_at)}", chat_id=200, message_id=1)
    assert "нет срока" in only(calls, "answerCallbackQuery").params["text"]
    assert not harness.tg.sent(200)


# ---- the expiry ------------------------------------------------------------------------------------------


async def test_expired_number_is_deleted_and_everyone_told(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    harness.clock.now = row.expires_at + 1
    assert await harness.expirer.run_due() == 1
    assert [r.path for r in plusofon.requests if r.method == "DELETE"] == [f"/api/v1/smart-numbers/{number['id']}"]
    assert plusofon.numbers(40) == [] and await rows(harness) == []
    await harness.tg.wait_for(notification_to(100, "Срок истёк"))
    await harness.tg.wait_for(notification_to(TEAM, "Истёк срок"))
    history = only(await harness.send("/history"), "sendMessage").params["text"]
    assert "удалил по сроку" in history
    listing = only(await harness.send("/list"), "sendMessage").params["text"]
    assert "пока нет" in listing


async def test_expiry_survives_a_restart(harness, plusofon):
    """The bot is down when the number expires: it is deleted as soon as the bot is back, by itself."""
    _, _, row = await add_temporary(harness, plusofon, "/add 79993332210 Иван --ttl 12h")
    await harness.stop()
    harness.clock.now = row.expires_at + HOUR
    await harness.start()
    await harness.tg.wait_for(notification_to(TEAM, "Истёк срок"))
    assert plusofon.numbers(40) == [] and await rows(harness) == []
    reminders = [t for t in texts(harness.tg.sent(100)) if "Продлить" in t]
    assert reminders == []  # past its expiry, a reminder is pointless


async def test_reminder_survives_a_restart(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    await harness.restart()
    harness.clock.now = row.remind_at + 1
    harness.expirer.wake()
    reminder = await harness.tg.wait_for(lambda c: c.method_name == "sendMessage" and c.params["chat_id"] == 100
                                         and "Продлить его" in c.params["text"])
    assert f"id {number['id']}" in reminder.params["text"]
    assert plusofon.numbers(40) != []


async def test_failed_delete_is_retried_later(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    plusofon.inject("503", method="DELETE", times=3)  # the client's own retries fail too
    harness.clock.now = row.expires_at + 1
    await harness.expirer.run_due()
    assert plusofon.count("DELETE") == 3 and len(plusofon.numbers(40)) == 1
    assert await rows(harness) == [(number["id"], 1, "ServerError")]
    assert await harness.expirer.run_due() == 0  # not again at once
    harness.clock.advance(61)
    assert await harness.expirer.run_due() == 1
    assert plusofon.numbers(40) == [] and await rows(harness) == []
    await harness.tg.wait_for(notification_to(TEAM, "Истёк срок"))


async def test_failed_delete_is_not_forgotten_across_a_restart(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    plusofon.inject("401", method="DELETE")
    harness.clock.now = row.expires_at + 1
    await harness.expirer.run_due()
    assert await rows(harness) == [(number["id"], 1, "AuthenticationError")]
    await harness.restart()
    harness.clock.advance(61)
    harness.expirer.wake()
    await harness.tg.wait_for(notification_to(TEAM, "Истёк срок"))
    assert plusofon.numbers(40) == []


async def test_number_deleted_by_hand_is_dropped_quietly(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    plusofon.remove(40, number["id"])  # deleted in the web account
    await harness.tg.wait_for(notification_to(TEAM, "добавил(а)"))
    sent_before = len(harness.tg.sent())
    harness.clock.now = row.expires_at + 1
    assert await harness.expirer.run_due() == 1
    assert await rows(harness) == []
    await harness.stop()  # let the notifier finish whatever it had
    assert len(harness.tg.sent()) == sent_before


async def test_del_forgets_the_expiry(harness, plusofon):
    _, number, _ = await add_temporary(harness, plusofon)
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    await harness.press(ask, "✅")
    assert await rows(harness) == [] and harness.services.expiries.of(40) == {}


async def test_expiry_uses_another_chat_of_the_account_when_its_own_is_gone(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    await harness.chats.remove(100)
    harness.clock.now = row.expires_at + 1
    await harness.expirer.run_due()
    assert await rows(harness) == [(number["id"], 1, "no credentials")]  # kept, to be tried again
    await harness.connect_chat(300)
    harness.clock.advance(61)
    await harness.expirer.run_due()
    assert plusofon.numbers(40) == [] and await rows(harness) == []


async def test_card_shows_the_expiry_and_extends(harness, plusofon):
    _, _, row = await add_temporary(harness, plusofon)
    listing = only(await harness.send("/list"), "sendMessage")
    card = only(await harness.press(listing, "📇"), "editMessageText")
    assert f"⏳ временный, до {local_time(row.expires_at)}" in card.params["text"]
    assert ["Продлить на 7 дней"] in buttons(markup_of(card))
    edit = only(await harness.press(listing, "Продлить на 7 дней"), "editMessageText")
    assert f"Продлено до {local_time(row.expires_at + 7 * DAY)}" in edit.params["text"]


async def test_find_marks_temporary_numbers(harness, plusofon):
    plusofon.seed(40, 20, description="Склад")
    _, _, row = await add_temporary(harness, plusofon, "/add 79993332210 Склад временный --ttl 30d")
    text = only(await harness.send("/find временный"), "sendMessage").params["text"]
    assert f"⏳ временный, до {local_time(row.expires_at)}" in text


# ---- races: a tap during the delete at expiry, a shutdown cutting a delete short --------------------------


async def test_extend_during_the_delete_at_expiry_is_refused(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon)
    harness.clock.now = row.expires_at + 1
    plusofon.delay = 0.3
    arrival = asyncio.ensure_future(plusofon.arrival("DELETE"))
    worker = asyncio.ensure_future(harness.expirer.run_due())
    await arrival  # the DELETE is on its way
    calls = await harness.press_data(f"x:more:{number['id']}:{int(row.expires_at)}", chat_id=100, message_id=1)
    answer = only(calls, "answerCallbackQuery")
    assert "удаляется" in answer.params["text"] and not [c for c in calls if c.method_name == "editMessageText"]
    await worker
    assert plusofon.numbers(40) == [] and await rows(harness) == []


async def test_expiry_extended_while_earlier_rows_took_time_is_kept(harness, plusofon):
    _, first, row = await add_temporary(harness, plusofon)
    _, second, second_row = await add_temporary(harness, plusofon, "/add 79993332211 Пётр --ttl 7d")
    harness.clock.now = max(row.expires_at, second_row.expires_at) + 1
    plusofon.delay = 0.3
    arrival = asyncio.ensure_future(plusofon.arrival("DELETE"))
    worker = asyncio.ensure_future(harness.expirer.run_due())
    deleting = await arrival
    other = second if deleting.path.endswith(f"/{first['id']}") else first
    other_row = second_row if other is second else row
    edit = only(await harness.press_data(f"x:more:{other['id']}:{int(other_row.expires_at)}", chat_id=100,
                                         message_id=1), "editMessageText")
    assert "Продлено" in edit.params["text"]
    await worker
    assert [n["id"] for n in plusofon.numbers(40)] == [other["id"]]  # the extended one survived the batch
    assert [r[0] for r in await rows(harness)] == [other["id"]]


async def test_delete_cut_short_by_a_shutdown_is_announced_after_the_restart(harness, plusofon):
    _, _, row = await add_temporary(harness, plusofon)
    await harness.tg.wait_for(notification_to(TEAM, "добавил(а)"))
    harness.clock.now = row.expires_at + 1
    plusofon.delay = 0.3
    arrival = asyncio.ensure_future(plusofon.arrival("DELETE"))
    harness.expirer.wake()
    await arrival
    await harness.expirer.stop(timeout=0.01)  # cancelled while the DELETE is being answered
    await plusofon.idle()  # the fake finishes the DELETE all the same
    assert plusofon.numbers(40) == [] and len(await rows(harness)) == 1
    plusofon.delay = 0.0
    await harness.restart()
    await harness.tg.wait_for(notification_to(TEAM, "Истёк срок"))
    await harness.tg.wait_for(notification_to(100, "Срок истёк"))
    assert await rows(harness) == []


async def test_ttl_in_words(harness, plusofon):
    _, number, row = await add_temporary(harness, plusofon, "/add 79993332210 Иван Петров --ttl 7 дней")
    assert number["description"] == "Иван Петров"
    assert row.expires_at == pytest.approx(harness.clock() + 7 * DAY, abs=5)


async def test_reminder_of_an_anonymous_admins_number_mentions_nobody(harness, plusofon):
    from tests.test_account import anonymous_admin_update

    group = -100777
    await harness.connect_chat(group)
    await harness._feed(anonymous_admin_update("/add 79993332210 Иван --ttl 7d", group))
    row = await harness.services.expiries.get(40, plusofon.numbers(40)[-1]["id"])
    assert row.user_id is None
    harness.clock.now = row.remind_at + 1
    await harness.expirer.run_due()
    reminder = harness.tg.sent(group)[-1]
    assert reminder.params["text"].startswith("⏰ Временный умный номер удалится") and "tg://user" not in \
        reminder.params["text"]
