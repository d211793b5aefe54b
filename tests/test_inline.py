"""Inline mode: `@bot <query>` in any chat lists the user's own numbers from the copy (20 at a time), the number
picked goes into that chat as a short card, and a user with no account gets a button to connect one. Cards
share a number the same way (📤), and `/start card_<id>` opens a card."""

from __future__ import annotations

import time

from bot.core.models import SmartNumber
from bot.core.phones import display, display_text
from handlers.inline import CACHE_SECONDS
from storage.mirror import MirrorStore
from tests.harness import buttons, markup_of, only

OTHER_TOKEN = "tok-41-other-value"


def ids(answer: dict) -> list[int]:
    return [int(result["id"]) for result in answer["results"]]


async def test_an_empty_query_lists_the_newest_numbers_20_at_a_time_from_the_copy(harness, plusofon):
    numbers = plusofon.seed(40, 41)  # the third page has one
    await harness.synced()
    first = await harness.inline("")
    assert ids(first) == [n["id"] for n in reversed(numbers)][:20]
    assert first["is_personal"] is True and 0 < first["cache_time"] == CACHE_SECONDS <= 30
    assert first["next_offset"] == "20"
    second = await harness.inline("", offset=first["next_offset"])
    assert ids(second) == [n["id"] for n in reversed(numbers)][20:40] and second["next_offset"] == "40"
    last = await harness.inline("", offset=second["next_offset"])
    assert ids(last) == [n["id"] for n in reversed(numbers)][40:] and last["next_offset"] == ""
    assert plusofon.requests == []


async def test_a_query_matches_phone_digits_and_words_of_the_description(harness, plusofon):
    plusofon.seed(40, 30)
    ivans = plusofon.seed(40, 3, description="Иван Петров, склад")
    target = plusofon.seed(40, 1, phone_b="79161234567", description="Мария")[0]
    await harness.synced()
    assert ids(await harness.inline("иван")) == [n["id"] for n in reversed(ivans)]
    assert ids(await harness.inline("8 916 123-45-67")) == [target["id"]]  # the customer's phone, as typed
    assert ids(await harness.inline(display_text(target["phoneX"]))) == [target["id"]]
    nothing = await harness.inline("нет такого")
    assert nothing["results"] == [] and nothing["next_offset"] == ""
    assert plusofon.requests == []


async def test_a_result_shows_the_number_and_sends_a_card_with_a_tappable_phone_x(harness, plusofon):
    number = plusofon.seed(40, 1, description="Иван <b>Петров</b> & сын")[0]
    await harness.synced()
    answer = await harness.inline("")
    (result,) = answer["results"]
    assert result["type"] == "article" and result["title"] == display_text(number["phoneX"])
    assert result["description"] == f"клиент {display_text(number['phoneB'])} · Иван <b>Петров</b> & сын"
    shared = await harness.choose(answer, result["id"], chat_id=-100777)  # a customer group, not connected
    assert shared["text"] == (f"📞 {display_text(number['phoneX'])}\n→ {display_text(number['phoneB'])} (клиент)\n"
                              "Иван <b>Петров</b> & сын")  # what the chat reads: the description escaped
    before = shared["text"][: shared["text"].index(display_text(number["phoneX"]))]
    assert {"type": "phone_number", "offset": len(before.encode("utf-16-le")) // 2,  # Telegram counts UTF-16
            "length": len(display_text(number["phoneX"]))} in shared["entities"]  # it makes it a number to tap
    assert f"id {number['id']}" not in shared["text"] and plusofon.requests == []


async def test_english_users_get_english_results(harness, plusofon):
    number = plusofon.seed(40, 1, description="")[0]
    await harness.synced()
    answer = await harness.inline("", language_code="en")
    assert answer["results"][0]["description"] == f"customer {display_text(number['phoneB'])}"
    shared = await harness.choose(answer, str(number["id"]), chat_id=555)
    assert shared["text"].endswith("(customer)")


async def test_two_users_never_see_each_others_numbers(harness, plusofon):
    plusofon.add_account(41, OTHER_TOKEN)
    ours = plusofon.seed(40, 5, description="общий клиент")
    theirs = plusofon.seed(41, 5, description="общий клиент")
    await harness.connect_chat(200, 41, OTHER_TOKEN)   # user 200's private chat: account 41
    await harness.connect_chat(-100777, 40)            # a group on account 40 that user 200 is in
    await harness.synced(40)
    await harness.synced(41)
    for user, own, other in ((100, ours, theirs), (200, theirs, ours)):
        assert sorted(ids(await harness.inline("", user_id=user))) == [n["id"] for n in own]
        assert sorted(ids(await harness.inline("общий", user_id=user))) == [n["id"] for n in own]
        for number in other:
            assert (await harness.inline(number["phoneX"], user_id=user))["results"] == []


async def test_a_user_with_no_account_gets_a_button_to_connect_one(harness, plusofon):
    plusofon.seed(40, 3)
    await harness.synced()
    await harness.connect_chat(-100777, 40)  # user 300 is in a connected group: that is not their account
    answer = await harness.inline("", user_id=300)
    assert answer["results"] == [] and answer["is_personal"] is True
    assert answer["button"] == {"text": "Подключите аккаунт Plusofon", "start_parameter": "connect"}
    start = only(await harness.send("/start connect", chat_id=300), "sendMessage")
    assert "не подключён" in start.params["text"]


async def test_a_chat_whose_token_plusofon_refused_gets_the_button_too(harness, plusofon):
    plusofon.seed(40, 3)
    await harness.synced()
    await harness.chats.mark(100, failure="token refused")
    answer = await harness.inline("")
    assert answer["results"] == [] and answer["button"]["start_parameter"] == "connect"


async def test_a_10000_number_account_answers_with_no_plusofon_call(harness, plusofon):
    numbers = plusofon.seed(40, 10_000)
    copy = MirrorStore(harness.dp["db"])  # the copy a whole read leaves (read in tests/test_find.py: 10 s here)
    await copy.put(40, [(SmartNumber.model_validate(n), None) for n in numbers])
    await copy.update(40, total=10_000, synced_at=time.time())
    started = time.monotonic()
    newest = await harness.inline("")
    found = await harness.inline(numbers[7777]["phoneB"][1:])
    page = await harness.inline("тестовый", offset="9980")
    elapsed = time.monotonic() - started
    assert ids(newest) == [n["id"] for n in reversed(numbers[-20:])] and newest["next_offset"] == "20"
    assert ids(found) == [numbers[7777]["id"]]
    assert len(page["results"]) == 20 and page["next_offset"] == ""
    assert plusofon.requests == []
    assert elapsed < 2, f"three answers took {elapsed:.2f} s"


async def test_a_forged_offset_is_read_as_the_start_or_the_end(harness, plusofon):
    plusofon.seed(40, 3)
    await harness.synced()
    assert len((await harness.inline("", offset="-5"))["results"]) == 3
    assert (await harness.inline("", offset="9" * 30))["results"] == []  # past what SQLite can count


# ---- sharing from a card, and the card's deep link ----------------------------------------------


async def test_the_card_shares_its_number_inline(harness, plusofon):
    number = plusofon.seed(40, 3)[1]
    listing = only(await harness.send("/list"), "sendMessage")
    card = only(await harness.press(listing, f"📇 {display_text(number['phoneX'])}"), "editMessageText")
    share = markup_of(card)["inline_keyboard"][0][1]
    assert share == {"text": "📤 Поделиться", "switch_inline_query": "+" + number["phoneX"]}
    plusofon.clear_requests()
    assert ids(await harness.inline(share["switch_inline_query"])) == [number["id"]]
    assert plusofon.requests == []


async def test_a_card_link_opens_the_card_in_a_connected_chat(harness, plusofon):
    number = plusofon.seed(40, 3, description="Иван")[2]
    await harness.synced()
    card = only(await harness.send(f"/start card_{number['id']}"), "sendMessage")
    assert card.params["text"].startswith("<b>Умный номер</b>") and f"📞 {display(number['phoneX'])}" in \
        card.params["text"]
    assert buttons(markup_of(card)) == [["📋 Скопировать номер", "📤 Поделиться"], ["🗑 Удалить", "◀ Назад"]]
    assert plusofon.requests == []  # from the copy
    back = only(await harness.press(card, "◀ Назад"), "editMessageText")
    assert back.params["text"].startswith("<b>Умные номера: 3")


async def test_a_card_link_to_a_number_of_another_account_shows_nothing_of_it(harness, plusofon):
    plusofon.add_account(41, OTHER_TOKEN)
    theirs = plusofon.seed(41, 1, description="Чужой")[0]
    plusofon.seed(40, 2)
    await harness.synced()
    answer = only(await harness.send(f"/start card_{theirs['id']}"), "sendMessage")
    assert answer.params["text"].startswith(f"Умный номер с id {theirs['id']} не найден")
    assert "Чужой" not in answer.params["text"]


async def test_a_card_link_in_a_chat_that_is_not_connected_is_the_usual_start(harness, plusofon):
    answer = only(await harness.send("/start card_5", chat_id=300), "sendMessage")
    assert answer.params["text"].startswith("Здравствуйте!") and "не подключён" in answer.params["text"]
    assert plusofon.requests == []
