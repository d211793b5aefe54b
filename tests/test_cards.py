"""Number cards: 📇 next to each number on a /list or /find page opens its card in the same message, with a
copy-phoneX button, 🗑 Удалить (the usual confirmation) and ◀ Назад to the page it came from."""

from __future__ import annotations

import secrets
from datetime import datetime

from aiogram.filters.callback_data import CallbackData

from bot.core.phones import display
from bot.plusofon import SmartNumber
from handlers.callbacks import CardCallback, FindCallback, PageCallback
from handlers.cards import back_to
from handlers.texts import RUSSIAN
from handlers.views import TELEGRAM_TEXT_LIMIT, card_text
from tests.fake_plusofon import PHONE_A, TIME_FORMAT
from tests.harness import button_data, buttons, markup_of, only

CARD_BUTTONS = [["📋 Скопировать номер", "📤 Поделиться"], ["🗑 Удалить", "◀ Назад"]]


def card_label(number: dict) -> str:
    return f"📇 {display(number['phoneX'])}"


def created(number: dict) -> str:
    return f"{datetime.strptime(number['created_at'], TIME_FORMAT):%d.%m.%Y %H:%M}"


def alert(calls) -> str:
    answer = only(calls, "answerCallbackQuery")
    assert answer.params.get("show_alert") is True, str(answer)
    return answer.params["text"]


# ---- the buttons on a page ----------------------------------------------------------------------


async def test_a_list_page_has_a_row_per_number_with_its_card_and_its_delete(harness, plusofon):
    numbers = plusofon.seed(40, 20)
    message = only(await harness.send("/list"), "sendMessage")
    rows = buttons(markup_of(message))
    assert rows[0] == ["1/2", "▶"]
    assert rows[1:] == [[card_label(n), f"🗑 {n['id']}"] for n in numbers[:15]]
    assert rows[1][0] == "📇 +7 977 000-50-00"
    markup = markup_of(message)
    assert button_data(markup, rows[1][0]) == f"n:{numbers[0]['id']}:1:"
    assert button_data(markup, rows[1][1]) == f"d:{numbers[0]['id']}"
    assert plusofon.count("GET") == 1


async def test_a_find_page_has_the_same_rows_with_the_find_key(harness, plusofon):
    plusofon.seed(40, 5)
    found = plusofon.seed(40, 20, description="Склад")
    message = only(await harness.send("/find склад"), "sendMessage")
    rows = buttons(markup_of(message))
    assert rows[0] == ["1/2", "▶"]
    assert rows[1:-1] == [[card_label(n), f"🗑 {n['id']}"] for n in found[:15]]
    assert rows[-1] == ["🗑 Удалить все 20"]
    key = FindCallback.unpack(button_data(markup_of(message), "▶")).key
    card = CardCallback.unpack(button_data(markup_of(message), card_label(found[0])))
    assert card == CardCallback(id=found[0]["id"], page=1, key=key)


# ---- the card -------------------------------------------------------------------------------------


async def test_the_card_shows_every_field_in_the_same_message_without_an_api_call(harness, plusofon):
    description = "<b>x</b> & y " + "длинное описание " * 12  # longer than a page shows
    numbers = plusofon.seed(40, 3, description=description)
    listing = only(await harness.send("/list"), "sendMessage")
    assert description.strip() not in listing.params["text"]  # the page cuts it
    plusofon.clear_requests()
    number = numbers[1]
    calls = await harness.press(listing, card_label(number))
    card = only(calls, "editMessageText")
    assert card.params["message_id"] == listing.result["message_id"]
    text = card.params["text"]
    assert text.startswith("<b>Умный номер</b>")
    assert "📞 +7 977 000-50-01" in text and "→ +7 999 200-00-01" in text
    assert f"исходящий: {display(PHONE_A)}" in text
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y " + "длинное описание " * 11 + "длинное описание" in text
    assert "<b>x</b>" not in text
    assert f"<code>id {number['id']}</code>" in text and created(number) in text
    assert card.params["parse_mode"] == "HTML"
    assert buttons(markup_of(card)) == CARD_BUTTONS
    assert only(calls, "answerCallbackQuery").ok
    assert not [call for call in calls if call.method_name == "sendMessage"]
    assert plusofon.count() == 0


async def test_a_number_without_description_says_so(harness, plusofon):
    number = plusofon.seed(40, 1, description="")[0]
    listing = only(await harness.send("/list"), "sendMessage")
    text = only(await harness.press(listing, card_label(number)), "editMessageText").params["text"]
    assert "<i>без описания</i>" in text


async def test_the_copy_button_copies_phone_x_with_a_plus(harness, plusofon):
    number = plusofon.seed(40, 3)[2]
    listing = only(await harness.send("/list"), "sendMessage")
    card = only(await harness.press(listing, card_label(number)), "editMessageText")
    copy = markup_of(card)["inline_keyboard"][0][0]
    assert copy["text"] == "📋 Скопировать номер"
    assert copy["copy_text"] == {"text": "+" + number["phoneX"]} and "callback_data" not in copy


async def test_delete_from_the_card_asks_the_usual_confirmation_and_deletes(harness, plusofon):
    numbers = plusofon.seed(40, 5)
    number = numbers[3]
    listing = only(await harness.send("/list"), "sendMessage")
    await harness.press(listing, card_label(number))
    plusofon.clear_requests()
    ask = only(await harness.press(listing, "🗑 Удалить"), "sendMessage")  # under the card now
    assert ask.params["text"].startswith("Удалить умный номер?") and f"id {number['id']}" in ask.params["text"]
    assert buttons(markup_of(ask)) == [["✅ Удалить", "❌ Отмена"]]
    assert "удалён" in only(await harness.press(ask, "✅"), "editMessageText").params["text"]
    assert [r.method for r in plusofon.requests] == ["DELETE"]
    assert number["id"] not in {n["id"] for n in plusofon.numbers(40)}


# ---- ◀ Назад ----------------------------------------------------------------------------------------


async def test_back_from_a_card_of_list_page_2_shows_page_2_again(harness, plusofon):
    numbers = plusofon.seed(40, 31)
    listing = only(await harness.send("/list"), "sendMessage")
    only(await harness.press(listing, "▶"), "editMessageText")
    number = numbers[20]
    assert button_data(harness.tg.message_markup(100, listing.result["message_id"]),
                       card_label(number)) == f"n:{number['id']}:2:"
    plusofon.clear_requests()
    card = only(await harness.press(listing, card_label(number)), "editMessageText")
    assert f"id {number['id']}" in card.params["text"] and plusofon.count() == 0
    page = only(await harness.press(listing, "◀ Назад"), "editMessageText")
    assert page.params["text"].startswith("<b>Умные номера: 31 · стр. 2/3</b>")
    assert buttons(markup_of(page))[0] == ["◀", "2/3", "▶"]
    assert [(r.method, r.query["page"]) for r in plusofon.requests] == [("GET", "2")]


async def test_back_from_a_card_of_find_page_2_returns_to_it_from_the_cache(harness, plusofon):
    plusofon.seed(40, 5)
    found = plusofon.seed(40, 40, description="Склад")
    listing = only(await harness.send("/find склад"), "sendMessage")
    only(await harness.press(listing, "▶"), "editMessageText")
    plusofon.clear_requests()
    card = only(await harness.press(listing, card_label(found[16])), "editMessageText")
    assert "Склад" in card.params["text"] and f"id {found[16]['id']}" in card.params["text"]
    page = only(await harness.press(listing, "◀ Назад"), "editMessageText")
    assert page.params["text"].startswith("<b>Найдено: 40 · «склад» · стр. 2/3</b>")
    assert f"id {found[16]['id']}" in page.params["text"]
    assert plusofon.count("GET") == 0


async def test_back_to_an_expired_search_says_so(harness, plusofon):
    found = plusofon.seed(40, 3, description="Склад")
    listing = only(await harness.send("/find склад"), "sendMessage")
    await harness.press(listing, card_label(found[0]))
    await harness.restart()  # the query is forgotten
    assert "Поиск устарел" in alert(await harness.press(listing, "◀ Назад"))


# ---- numbers the bot does not remember ----------------------------------------------------------


async def test_a_card_after_a_restart_looks_the_number_up(harness, plusofon):
    numbers = plusofon.seed(40, 40)
    listing = only(await harness.send("/list"), "sendMessage")
    await harness.restart()  # the numbers the page showed are forgotten
    plusofon.clear_requests()
    calls = await harness.press(listing, card_label(numbers[2]))
    card = only(calls, "editMessageText")
    assert card.params["text"].startswith("<b>Умный номер</b>") and f"id {numbers[2]['id']}" in card.params["text"]
    assert buttons(markup_of(card)) == CARD_BUTTONS
    assert only(calls, "answerCallbackQuery").ok
    assert plusofon.count("GET") == 1  # on page 1: found at once
    plusofon.clear_requests()
    ask = only(await harness.press(listing, "🗑 Удалить"), "sendMessage")  # remembered now: no second lookup
    assert "Удалить умный номер?" in ask.params["text"] and plusofon.count() == 0


async def test_a_forged_card_of_a_number_on_a_later_page_is_found(harness, plusofon):
    numbers = plusofon.seed(40, 40)
    message = only(await harness.send("/find"), "sendMessage")  # any message of the bot's
    number = numbers[35]
    card = only(await harness.press_data(f"n:{number['id']}:1:", chat_id=100,
                                         message_id=message.result["message_id"]), "editMessageText")
    assert f"id {number['id']}" in card.params["text"] and display(number["phoneB"]) in card.params["text"]
    assert 1 < plusofon.count("GET") <= 3  # a bisection over the pages, not a scan of them all


async def test_a_number_deleted_meanwhile_is_said_to_be_gone(harness, plusofon):
    numbers = plusofon.seed(40, 5)
    listing = only(await harness.send("/list"), "sendMessage")
    gone = numbers[1]
    await harness.services.plusofon.delete(harness.services.chats._known[100].credentials, gone["id"])
    await harness.restart()  # the page's numbers are forgotten: the card has to ask Plusofon
    calls = await harness.press(listing, card_label(gone))
    edit = only(calls, "editMessageText")
    assert edit.params["text"] == (f"Умный номер с id {gone['id']} не найден: возможно, его уже удалили. "
                                   "Обновите список: /list")
    assert buttons(markup_of(edit)) == [["◀ Назад"]]
    assert only(calls, "answerCallbackQuery").ok
    page = only(await harness.press(listing, "◀ Назад"), "editMessageText")
    assert page.params["text"].startswith("<b>Умные номера: 4 · стр. 1/1</b>")


async def test_a_card_in_an_unconnected_chat_is_refused(harness, plusofon):
    numbers = plusofon.seed(40, 3)
    calls = await harness.press_data(f"n:{numbers[0]['id']}:1:", chat_id=555, message_id=1)
    assert "не подключён" in alert(calls)
    assert plusofon.count() == 0


# ---- language, limits ---------------------------------------------------------------------------


async def test_english_users_get_an_english_card(harness, plusofon):
    number = plusofon.seed(40, 2, description="")[0]
    listing = only(await harness.send("/list", language_code="en"), "sendMessage")
    card = only(await harness.press(listing, card_label(number), language_code="en"), "editMessageText")
    text = card.params["text"]
    assert text.startswith("<b>Smart number</b>") and "(customer)" in text and "outgoing:" in text
    assert "<i>no description</i>" in text and "created " in text
    assert buttons(markup_of(card)) == [["📋 Copy number", "📤 Share"], ["🗑 Delete", "◀ Back"]]


def test_callback_data_fits_in_64_bytes_and_round_trips():
    for card in (CardCallback(id=10**18 - 1, page=10**9, key=secrets.token_urlsafe(6)),
                 CardCallback(id=10**18 - 1, page=10**9)):
        data = card.pack()
        assert len(data.encode()) <= 64, data
        assert CardCallback.unpack(data) == card


def test_back_leads_to_the_page_the_card_came_from():
    back: CallbackData = back_to(CardCallback(id=5, page=3))
    assert back == PageCallback(page=3)
    assert back_to(CardCallback(id=5, page=2, key="AbCd_-12")) == FindCallback(key="AbCd_-12", page=2)


def test_a_huge_description_still_fits_in_one_message():
    number = SmartNumber(id=1, phoneX="79770005000", phoneB="79992000000", description="<&>" * 3000,
                         created_at=datetime(2024, 1, 2, 3, 4))
    text = card_text(number, RUSSIAN)
    assert len(text) < TELEGRAM_TEXT_LIMIT and "…" in text and "02.01.2024 03:04" in text


# ---- another account's number (issue 25) -------------------------------------------------------


async def test_a_card_or_delete_of_another_accounts_number_is_not_found_and_shows_nothing_of_it(harness, plusofon):
    """Ids are unique across accounts and the copy holds every connected account: its lookups must be scoped by
    the chat's account, or a forged 📇/🗑 would show (and offer to delete) a number of somebody else's."""
    plusofon.add_account(41, "tok-41-other-value")
    plusofon.seed(40, 3)
    theirs = plusofon.seed(41, 3, description="Чужой клиент")[1]
    await harness.connect_chat(200, user_id=41, token="tok-41-other-value")
    await harness.synced(40)
    await harness.synced(41)
    listing = only(await harness.send("/list"), "sendMessage")
    message_id = listing.result["message_id"]
    for data in (f"n:{theirs['id']}:1:", f"d:{theirs['id']}"):
        calls = await harness.press_data(data, chat_id=100, message_id=message_id)
        shown = " ".join(str(call.params.get("text", "")) for call in calls)
        assert "не найден" in shown, (data, shown)
        for field in (theirs["phoneX"], theirs["phoneB"], display(theirs["phoneX"]), display(theirs["phoneB"]),
                      "Чужой клиент"):
            assert field not in shown, (data, field, shown)
    assert [r for r in plusofon.requests if r.method == "DELETE"] == []
    assert len(plusofon.numbers(41)) == 3
