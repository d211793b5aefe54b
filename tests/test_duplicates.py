"""The duplicate guard: /add for a customer who has a smart number already asks first (one-shot, owner-only)."""

from __future__ import annotations

import asyncio

from tests.harness import button_data, buttons, markup_of, only
from tests.test_account import anonymous_admin_update
from tests.test_notifications import notification_to

TEAM = -100500
GROUP = -100777


async def ask_duplicate(harness, plusofon, text="/add 8 999 333 22 10 Иван, второй номер", **options):
    """Seed a number for customer 79993332210, /add for the same customer; return the question."""
    plusofon.seed(40, 3, phone_b="79993332210", description="Иван Петров")
    ask = only(await harness.send(text, **options), "sendMessage")
    assert "Создать ещё один?" in ask.params["text"], ask.params["text"]
    assert plusofon.count("POST") == 0
    return ask


async def test_existing_numbers_are_shown_and_nothing_is_created_yet(harness, plusofon):
    plusofon.seed(40, 2)
    ask = await ask_duplicate(harness, plusofon)
    text = ask.params["text"]
    assert "У клиента +7 999 333-22-10 уже есть умный номер (3)" in text
    same = [n for n in plusofon.numbers(40) if n["phoneB"] == "79993332210"]
    assert all(f"id {n['id']}" in text for n in same)
    assert text.index(f"id {same[-1]['id']}") < text.index(f"id {same[0]['id']}")  # the newest first
    assert buttons(markup_of(ask)) == [["✅ Создать ещё один", "❌ Отмена"]]
    assert "79993332210" not in button_data(markup_of(ask), "✅")  # an opaque server-side key


async def test_confirm_creates_one_and_tells_the_team(harness, plusofon):
    ask = await ask_duplicate(harness, plusofon)
    data = button_data(markup_of(ask), "✅")
    calls = await harness.press(ask, "✅ Создать ещё один")
    assert only(calls, "editMessageReplyMarkup")  # the question loses its buttons
    done = only(calls, "sendMessage")
    assert "Создан умный номер" in done.params["text"]
    assert plusofon.count("POST") == 1
    newest = plusofon.numbers(40)[-1]
    assert newest["description"] == "Иван, второй номер" and f"id {newest['id']}" in done.params["text"]
    assert len(plusofon.numbers(40)) == 4
    await harness.tg.wait_for(notification_to(TEAM, "добавил(а) умный номер"))
    again = await harness.press_data(data, chat_id=100, message_id=ask.result["message_id"])  # one-shot
    assert plusofon.count("POST") == 1
    assert only(again, "answerCallbackQuery").params.get("text") == "Это уже сделано."


async def test_cancel_creates_nothing(harness, plusofon):
    ask = await ask_duplicate(harness, plusofon)
    edit = only(await harness.press(ask, "❌ Отмена"), "editMessageText")
    assert "не создан" in edit.params["text"]
    assert plusofon.count("POST") == 0


async def test_only_the_asker_may_confirm(harness, plusofon):
    await harness.connect_chat(GROUP)
    ask = await ask_duplicate(harness, plusofon, chat_id=GROUP, user_id=1)
    calls = await harness.press(ask, "✅", user_id=2)
    answer = only(calls, "answerCallbackQuery")
    assert "не ваше" in answer.params["text"] and answer.params["show_alert"] is True
    assert plusofon.count("POST") == 0
    await harness.press(ask, "✅", user_id=1)
    assert plusofon.count("POST") == 1


async def test_double_tap_creates_once(harness, plusofon):
    ask = await ask_duplicate(harness, plusofon)
    plusofon.delay = 0.2
    await asyncio.gather(harness.press(ask, "✅"), harness.press(ask, "✅"))
    assert plusofon.count("POST") == 1


async def test_expired_confirmation_creates_nothing(harness, plusofon):
    ask = await ask_duplicate(harness, plusofon)
    await harness.dp["db"].execute("UPDATE confirmations SET expires_at = 0")
    calls = await harness.press(ask, "✅")
    assert "устарело" in only(calls, "answerCallbackQuery").params["text"]
    assert "/add" in only(calls, "editMessageText").params["text"]
    assert plusofon.count("POST") == 0


async def test_confirmation_survives_a_restart(harness, plusofon):
    ask = await ask_duplicate(harness, plusofon)
    await harness.restart()
    await harness.press(ask, "✅")
    assert plusofon.count("POST") == 1


async def test_forged_key_is_refused(harness, plusofon):
    ask = await ask_duplicate(harness, plusofon)
    calls = await harness.press_data("g:forged-key:1", chat_id=100, message_id=ask.result["message_id"])
    assert "устарела" in only(calls, "answerCallbackQuery").params["text"]
    assert plusofon.count("POST") == 0


async def test_another_chat_cannot_use_the_key(harness, plusofon):
    await harness.connect_chat(200)
    ask = await ask_duplicate(harness, plusofon)
    calls = await harness.press_data(button_data(markup_of(ask), "✅"), chat_id=200, message_id=1, user_id=100)
    assert "устарела" in only(calls, "answerCallbackQuery").params["text"]
    assert plusofon.count("POST") == 0


async def test_the_dialogue_is_guarded_too(harness, plusofon):
    plusofon.seed(40, 1, phone_b="79993332210", description="Иван")
    await harness.send("/add")
    await harness.send("+7 999 333-22-10")
    ask_ttl = only(await harness.send("Иван снова"), "sendMessage")
    ask = only(await harness.press(ask_ttl, "Без срока"), "sendMessage")
    assert "Создать ещё один?" in ask.params["text"]
    await harness.press(ask, "✅")
    assert plusofon.numbers(40)[-1]["description"] == "Иван снова"


async def test_term_is_kept_through_the_confirmation(harness, plusofon):
    ask = await ask_duplicate(harness, plusofon, text="/add 79993332210 Иван --ttl 7d")
    done = only(await harness.press(ask, "✅"), "sendMessage")
    assert "Временный" in done.params["text"]
    assert harness.services.expiries.of(40).keys() == {plusofon.numbers(40)[-1]["id"]}


async def test_another_customer_is_not_a_duplicate(harness, plusofon):
    plusofon.seed(40, 3, phone_b="79993332210")
    done = only(await harness.send("/add 79993332211 Другой"), "sendMessage")
    assert "Создан умный номер" in done.params["text"]


async def test_english(harness, plusofon):
    plusofon.seed(40, 1, phone_b="79993332210")
    ask = only(await harness.send("/add 79993332210 Ivan", language_code="en"), "sendMessage")
    assert "Create another one?" in ask.params["text"]
    assert buttons(markup_of(ask)) == [["✅ Create another", "❌ Cancel"]]


async def test_anonymous_admin_is_told_to_add_as_themselves(harness, plusofon):
    await harness.connect_chat(GROUP)
    plusofon.seed(40, 1, phone_b="79993332210")
    ask = only(await harness._feed(anonymous_admin_update("/add 79993332210 Иван", GROUP)), "sendMessage")
    assert "от своего имени" in ask.params["text"] and markup_of(ask) is None
    assert plusofon.count("POST") == 0


async def test_a_big_account_is_searched_whole(harness, plusofon):
    plusofon.seed(40, 10_000)
    plusofon.seed(40, 1, phone_b="79993332210", description="на последней странице")
    ask = only(await harness.send("/add 79993332210 Иван"), "sendMessage")
    assert "на последней странице" in ask.params["text"]


async def test_guard_sees_a_customer_stored_with_formatting(harness, plusofon):
    plusofon.seed(40, 1, phone_b="+7 999 333-22-10", description="из веб-кабинета")
    ask = only(await harness.send("/add 89993332210 Иван"), "sendMessage")
    assert "Создать ещё один?" in ask.params["text"] and "из веб-кабинета" in ask.params["text"]


async def test_confirmation_can_be_pressed_again_when_plusofon_refused(harness, plusofon):
    ask = await ask_duplicate(harness, plusofon)
    plusofon.inject("401", method="POST")
    calls = await harness.press(ask, "✅")
    assert "токен" in only(calls, "sendMessage").params["text"]
    assert len(plusofon.numbers(40)) == 3
    done = only(await harness.press(ask, "✅"), "sendMessage")  # released: the same button works now
    assert "Создан умный номер" in done.params["text"] and len(plusofon.numbers(40)) == 4
