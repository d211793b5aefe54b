"""/add with arguments and as a dialogue."""

from __future__ import annotations

import asyncio

import pytest

from tests.harness import buttons, markup_of, only, texts


@pytest.mark.parametrize("typed", ["+7 (999) 333-22-10", "8 999 333 22 10", "79993332210", "+79993332210"])
async def test_add_accepts_usual_phone_formats(harness, plusofon, typed):
    calls = await harness.send(f"/add {typed} Иван Петров")
    posts = [r for r in plusofon.requests if r.method == "POST"]
    assert len(posts) == 1
    assert posts[0].json == {"phone_b": "79993332210", "user_id": 40, "description": "Иван Петров"}
    created = plusofon.numbers(40)[-1]
    reply = only(calls, "sendMessage")
    text = reply.params["text"]
    phone_x = created["phoneX"]
    assert f"+7 {phone_x[1:4]} {phone_x[4:7]}-{phone_x[7:9]}-{phone_x[9:]}" in text
    assert "+7 999 333-22-10" in text and "Иван Петров" in text and f"id {created['id']}" in text
    assert buttons(markup_of(reply)) == [["🗑 Удалить"]]


async def test_add_foreign_number(harness, plusofon):
    await harness.send("/add +374 10 324040 Ереван")
    assert plusofon.numbers(40)[-1]["phoneB"] == "37410324040"


async def test_add_costs_at_most_three_api_calls(harness, plusofon):
    plusofon.seed(40, 14)
    await harness.send("/add 79993332210 Иван")
    assert len(plusofon.requests) <= 3
    assert plusofon.count("POST") == 1


async def test_add_on_a_big_account_asks_the_copy(harness, plusofon):
    """The duplicate guard needs every number: it asks the account's copy after the freshness check."""
    plusofon.seed(40, 40)  # three pages
    await harness.synced()
    await harness.send("/add 79993332210 Иван")
    assert plusofon.count("GET") == 3 and plusofon.count("POST") == 1  # pages 1 and 3, POST, read-back
    plusofon.clear_requests()
    ask = only(await harness.send("/add 79993332210 Пётр"), "sendMessage")
    assert "Создать ещё один?" in ask.params["text"]  # the copy knew Иван's new number at once
    assert len(plusofon.requests) == 2


async def test_add_identifies_new_number_among_identical_ones(harness, plusofon):
    plusofon.seed(40, 14, phone_b="79993332210", description="Иван")
    ask = only(await harness.send("/add 79993332210 Иван"), "sendMessage")
    text = only(await harness.press(ask, "✅ Создать ещё один"), "sendMessage").params["text"]
    newest = plusofon.numbers(40)[-1]
    assert f"id {newest['id']}" in text


@pytest.mark.parametrize("typed", ["/add 12345 Иван", "/add привет мир", "/add +7 999 Иван"])
async def test_invalid_phone_gets_example_and_no_api_call(harness, plusofon, typed):
    text = only(await harness.send(typed), "sendMessage").params["text"]
    assert "Не похоже на номер" in text and "Пример" in text
    assert plusofon.requests == []


async def test_description_over_255_is_refused(harness, plusofon):
    text = only(await harness.send("/add 79993332210 " + "д" * 256), "sendMessage").params["text"]
    assert "255" in text and "256" in text
    assert plusofon.requests == []


async def test_description_is_escaped_in_the_reply(harness, plusofon):
    text = only(await harness.send("/add 79993332210 <i>ООО «Рога & копыта»</i>"), "sendMessage").params["text"]
    assert "&lt;i&gt;ООО «Рога &amp; копыта»&lt;/i&gt;" in text
    assert plusofon.numbers(40)[-1]["description"] == "<i>ООО «Рога & копыта»</i>"


async def test_dialogue_phone_then_description(harness, plusofon):
    ask = only(await harness.send("/add"), "sendMessage")
    assert "телефон клиента" in ask.params["text"] and buttons(markup_of(ask)) == [["❌ Отмена"]]
    again = only(await harness.send("не телефон"), "sendMessage")
    assert "Не похоже на номер" in again.params["text"]
    ask_description = only(await harness.send("8 999 333 22 10"), "sendMessage")
    assert "+7 999 333-22-10" in ask_description.params["text"]
    assert buttons(markup_of(ask_description)) == [["Пропустить", "❌ Отмена"]]
    ask_ttl = only(await harness.send("Анна, склад"), "sendMessage")
    assert "временный" in ask_ttl.params["text"]
    assert buttons(markup_of(ask_ttl)) == [["12 часов", "7 дней", "30 дней"], ["Без срока"], ["❌ Отмена"]]
    assert plusofon.count("POST") == 0
    done = only(await harness.press(ask_ttl, "Без срока"), "sendMessage")
    assert "Создан умный номер" in done.params["text"] and "Временный" not in done.params["text"]
    assert plusofon.numbers(40)[-1]["description"] == "Анна, склад"
    assert plusofon.count("POST") == 1
    assert await harness.dp.fsm.storage.get_state(_key(harness)) is None


async def test_dialogue_skip_description(harness, plusofon):
    await harness.send("/add")
    ask = only(await harness.send("79993332210"), "sendMessage")
    ask_ttl = only(await harness.press(ask, "Пропустить"), "sendMessage")
    calls = await harness.press(ask_ttl, "Без срока")
    assert "Создан умный номер" in only(calls, "sendMessage").params["text"]
    assert plusofon.numbers(40)[-1]["description"] == ""
    assert only(calls, "answerCallbackQuery")


async def test_add_with_phone_only_asks_for_description(harness, plusofon):
    ask = only(await harness.send("/add +7 999 333-22-10"), "sendMessage")
    assert "описание" in ask.params["text"]
    await harness.send("Пётр")
    await harness.send("без срока")
    assert plusofon.numbers(40)[-1]["description"] == "Пётр"


async def test_dialogue_cancel_button_and_command(harness, plusofon):
    ask = only(await harness.send("/add"), "sendMessage")
    edit = only(await harness.press(ask, "❌ Отмена"), "editMessageText")
    assert "отменено" in edit.params["text"]
    assert await harness.send("79993332210") == []  # the dialogue is over: plain text is ignored
    await harness.send("/add")
    assert "отменено" in only(await harness.send("/cancel"), "sendMessage").params["text"]
    assert "нечего" in only(await harness.send("/cancel"), "sendMessage").params["text"]
    assert plusofon.requests == []


async def test_text_outside_dialogue_is_ignored(harness, plusofon):
    assert await harness.send("79993332210") == []


async def test_dialogue_survives_a_restart(harness, plusofon):
    await harness.send("/add")
    await harness.send("79993332210")
    await harness.restart()
    only(await harness.send("После рестарта"), "sendMessage")
    await harness.restart()
    only(await harness.send("нет"), "sendMessage")
    assert plusofon.numbers(40)[-1]["description"] == "После рестарта"


async def test_other_commands_work_during_dialogue(harness, plusofon):
    await harness.send("/add")
    listing = only(await harness.send("/list"), "sendMessage")
    assert "пока нет" in listing.params["text"]
    await harness.send("79993332210")
    await harness.send("Иван")
    await harness.send("без срока")
    assert plusofon.count("POST") == 1


async def test_dialogue_in_group_is_per_user(harness, plusofon):
    await harness.connect_chat(-100777)
    ask = only(await harness.send("/add", chat_id=-100777, user_id=1), "sendMessage")
    assert "отвечайте на это сообщение" in ask.params["text"]
    assert await harness.send("79993332210", chat_id=-100777, user_id=2) == []
    await harness.send("79993332210", chat_id=-100777, user_id=1)
    await harness.send("Клиент Первого", chat_id=-100777, user_id=1)
    assert await harness.send("7d", chat_id=-100777, user_id=2) == []
    await harness.send("без срока", chat_id=-100777, user_id=1)
    assert plusofon.numbers(40)[-1]["description"] == "Клиент Первого"


def _key(harness):
    from aiogram.fsm.storage.base import StorageKey

    return StorageKey(bot_id=harness.bot.id, chat_id=100, user_id=100)


async def test_double_tap_on_a_term_button_creates_one_number(harness, plusofon):
    await harness.send("/add")
    await harness.send("79993332210")
    ask = only(await harness.send("Иван"), "sendMessage")
    plusofon.delay = 0.1
    results = await asyncio.gather(harness.press(ask, "7 дней"), harness.press(ask, "7 дней"))
    assert plusofon.count("POST") == 1
    assert sum("Создан умный номер" in text for calls in results for text in texts(calls)) == 1


async def test_double_tap_on_skip_with_a_term_given_creates_one_number(harness, plusofon):
    ask = only(await harness.send("/add 79993332210 --ttl 7d"), "sendMessage")
    plusofon.delay = 0.1
    await asyncio.gather(harness.press(ask, "Пропустить"), harness.press(ask, "Пропустить"))
    assert plusofon.count("POST") == 1


async def test_dialogue_survives_a_plusofon_failure(harness, plusofon):
    await harness.send("/add")
    await harness.send("79993332210")
    ask = only(await harness.send("Иван"), "sendMessage")
    plusofon.inject("503", method="GET", times=3)  # the duplicate guard cannot read the list
    failed = only(await harness.press(ask, "Без срока"), "sendMessage")
    assert "Plusofon ответил ошибкой" in failed.params["text"] and "Выберите срок ещё раз" in failed.params["text"]
    assert plusofon.count("POST") == 0
    done = only(await harness.press(failed, "Без срока"), "sendMessage")  # one tap, nothing typed again
    assert "Создан умный номер" in done.params["text"]
    assert plusofon.numbers(40)[-1]["description"] == "Иван"


@pytest.mark.parametrize("button", ["❌ Отмена", "Пропустить", "7 дней"])
async def test_a_press_on_another_users_dialogue_is_refused(harness, plusofon, button):
    """Issue 22, item 17: user 2 is at the same step of a dialogue of their own; their press on user 1's prompt
    neither edits it nor moves either dialogue."""
    group = -100777
    await harness.connect_chat(group)
    prompts = {}
    for user in (1, 2):
        await harness.send("/add --ttl 7d" if button == "Пропустить" else "/add", chat_id=group, user_id=user)
        prompts[user] = only(await harness.send(f"7999333221{user}", chat_id=group, user_id=user), "sendMessage")
        if button == "7 дней":
            prompts[user] = only(await harness.send(f"Клиент {user}", chat_id=group, user_id=user), "sendMessage")
    calls = await harness.press(prompts[1], button, user_id=2)
    assert [call.method_name for call in calls] == ["answerCallbackQuery"]
    assert "чужого диалога" in calls[0].params["text"] and calls[0].params.get("show_alert")
    assert plusofon.count("POST") == 0
    from aiogram.fsm.storage.base import StorageKey

    for user in (1, 2):  # both dialogues are where they were
        key = StorageKey(bot_id=harness.bot.id, chat_id=group, user_id=user)
        assert await harness.dp.fsm.storage.get_state(key) is not None
    assert "Создан" in " ".join(texts(await harness.press(prompts[1], "7 дней" if button == "7 дней" else button,
                                                          user_id=1))) or button == "❌ Отмена"


# ---- an add that a stop interrupts (issue 22, item 3) -----------------------------------------------------


async def interrupted_add(harness, plusofon, action) -> None:
    """The POST reaches Plusofon and creates the number, then the bot stops before it hears back (the update
    is cancelled, as a shutdown past its grace or a crash would leave it)."""
    plusofon.inject("slow_after", method="POST", delay=5)
    before = plusofon.total(40)
    task = asyncio.create_task(harness.send(action) if isinstance(action, str) else action())
    async with asyncio.timeout(5):
        while plusofon.total(40) == before:
            await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    plusofon.clear_faults()


async def test_an_add_interrupted_after_the_post_is_settled_at_start_up(harness, plusofon):
    plusofon.seed(40, 20, phone_b="79993332210", description="Иван")  # the same customer and words, older
    ask = only(await harness.send("/add 79993332210 Иван --ttl 7d"), "sendMessage")
    await interrupted_add(harness, plusofon, lambda: harness.press(ask, "✅"))
    created = plusofon.numbers(40)[-1]
    assert await harness.services.expiries.get(40, created["id"]) is None
    await harness.restart()
    async with asyncio.timeout(5):
        while await harness.services.expiries.get(40, created["id"]) is None:
            await asyncio.sleep(0.01)
    expiries = [await harness.services.expiries.get(40, number["id"]) for number in plusofon.numbers(40)]
    assert [row.number_id for row in expiries if row is not None] == [created["id"]]  # not an older one
    history = only(await harness.send("/history"), "sendMessage").params["text"]
    assert f"id {created['id']}" in history


async def test_an_interrupted_add_is_settled_by_the_next_freshness_check(harness, plusofon):
    await interrupted_add(harness, plusofon, "/add 79993332211 Пётр --ttl 12h")
    created = plusofon.numbers(40)[-1]
    plusofon.inject("503", method="GET", times=6)  # the start-up's own check cannot reach Plusofon
    await harness.restart()
    plusofon.clear_faults()
    await harness.send("/find 79993332211")
    row = await harness.services.expiries.get(40, created["id"])
    assert row is not None and row.phone_b == "79993332211"
