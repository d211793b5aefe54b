"""/find <text> and /list <text>: matching phones and descriptions over all pages, paginated like /list, with
page turns served from the account's copy (the mirror), which the chat's own adds and deletes keep current."""

from __future__ import annotations

import time

import pytest

from bot.core.phones import display
from bot.services.search import parse_query
from tests.harness import button_data, buttons, markup_of, only


def gets(plusofon) -> int:
    return plusofon.count("GET")


def alert(calls) -> str:
    answer = only(calls, "answerCallbackQuery")
    assert answer.params.get("show_alert") is True, str(answer)
    return answer.params["text"]


# ---- what matches -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["+7 999 200-00-07", "8 999 200 00 07", "79992000007", "(999) 2000007",
                                   "200-00-07", "8999200000 7"])
async def test_phone_fragment_in_any_formatting_finds_the_customer_phone(harness, plusofon, typed):
    numbers = plusofon.seed(40, 40)
    message = only(await harness.send(f"/find {typed}"), "sendMessage")
    text = message.params["text"]
    assert text.startswith("<b>Найдено: 1 · «") and "· стр. 1/1</b>" in text
    assert text.count("📞") == 1 and f"id {numbers[7]['id']}" in text
    assert "→ +7 999 200-00-07" in text
    assert buttons(markup_of(message)) == [[f"📇 {display(numbers[7]['phoneX'])}", f"🗑 {numbers[7]['id']}"]]


async def test_smart_number_digits_match_too(harness, plusofon):
    numbers = plusofon.seed(40, 40)
    text = only(await harness.send("/find 977 000-50-1"), "sendMessage").params["text"]
    assert "Найдено: 10 ·" in text  # phoneX 7977000501x: the numbers 10..19
    assert {f"id {n['id']}" in text for n in numbers[10:20]} == {True}


async def test_leading_8_of_a_partial_number_means_the_start_of_a_russian_number(harness, plusofon):
    plusofon.seed(40, 40)
    text = only(await harness.send("/find 8999 200 00 1"), "sendMessage").params["text"]
    assert text.startswith("<b>Найдено: 10 · «8999 200 00 1» · стр. 1/1</b>")


async def test_description_is_found_case_insensitively_in_cyrillic(harness, plusofon):
    plusofon.seed(40, 10)
    ivans = plusofon.seed(40, 7, description="Иван Петров, ООО «Ромашка»")
    plusofon.seed(40, 3, description="Пётр, склад")
    message = only(await harness.send("/find иВАН"), "sendMessage")
    text = message.params["text"]
    assert text.startswith("<b>Найдено: 7 · «иВАН» · стр. 1/1</b>")
    assert text.count("📞") == 7 and "Иван Петров, ООО «Ромашка»" in text
    assert [row[1] for row in buttons(markup_of(message))[:-1]] == [f"🗑 {n['id']}" for n in ivans]
    assert buttons(markup_of(message))[-1] == ["🗑 Удалить все 7"]
    assert "Найдено: 3 ·" in only(await harness.send("/find ПЕТР, склад"), "sendMessage").params["text"]  # ё = е


async def test_words_with_digits_search_descriptions_and_phones(harness, plusofon):
    plusofon.seed(40, 3, description="Офис 15")
    plusofon.seed(40, 3, description="Склад")
    text = only(await harness.send("/find офис 15"), "sendMessage").params["text"]
    assert "Найдено: 3 ·" in text
    assert parse_query("офис 15").digits == "15" and parse_query("офис 15").words == "офис 15"


async def test_the_query_in_the_header_is_escaped_and_shortened(harness, plusofon):
    plusofon.seed(40, 2, description="<b>" + "я" * 80)
    text = only(await harness.send("/find <b>" + "я" * 80), "sendMessage").params["text"]
    assert "«&lt;b&gt;" in text and "…»" in text and "<b>я" not in text


# ---- what the user sees otherwise ---------------------------------------------------------------


async def test_nothing_found_says_so_with_a_hint(harness, plusofon):
    plusofon.seed(40, 20)
    message = only(await harness.send("/find Василиса"), "sendMessage")
    text = message.params["text"]
    assert "«Василиса» ничего не найдено" in text and "/find 333-22" in text and "/list" in text
    assert markup_of(message) is None


async def test_empty_query_shows_usage_without_calling_the_api(harness, plusofon):
    plusofon.seed(40, 5)
    text = only(await harness.send("/find"), "sendMessage").params["text"]
    assert "/find 999 333" in text and "/find Иван" in text
    assert only(await harness.send("/find    "), "sendMessage").params["text"] == text
    assert plusofon.count() == 0


async def test_english_users_get_english(harness, plusofon):
    plusofon.seed(40, 2, description="Ivan")
    text = only(await harness.send("/find ivan", language_code="en"), "sendMessage").params["text"]
    assert text.startswith("<b>Found: 2 · “ivan” · page 1/1</b>")


async def test_an_unconnected_chat_cannot_search(harness, plusofon):
    plusofon.seed(40, 5)
    calls = await harness.send("/find 999", chat_id=555)
    assert "не подключён" in only(calls, "sendMessage").params["text"]
    assert plusofon.count() == 0


async def test_api_errors_reach_the_user_through_the_error_router(harness, plusofon):
    plusofon.seed(40, 40)
    plusofon.inject("401", method="GET", times=3)
    text = only(await harness.send("/find 999"), "sendMessage").params["text"]
    assert "токен" in text and "Что-то пошло не так" not in text


# ---- /list <text> -------------------------------------------------------------------------------


async def test_list_with_text_searches_and_plain_list_is_unchanged(harness, plusofon):
    plusofon.seed(40, 31)
    plusofon.seed(40, 2, description="Ромашка")
    text = only(await harness.send("/list ромашка"), "sendMessage").params["text"]
    assert text.startswith("<b>Найдено: 2 · «ромашка» · стр. 1/1</b>")
    # the check (first and last page), then the account read once: its count, the last page, every page but
    # the last, the last page again (see bot/services/mirror/reader.py)
    assert gets(plusofon) == 2 + 1 + 3 + 1
    plusofon.clear_requests()
    text = only(await harness.send("/list"), "sendMessage").params["text"]
    assert text.startswith("<b>Умные номера: 33 · стр. 1/3</b>")
    assert gets(plusofon) == 1


# ---- pages and the cache ------------------------------------------------------------------------


async def test_pages_turn_without_api_calls(harness, plusofon):
    plusofon.seed(40, 5)
    found = plusofon.seed(40, 40, description="Склад №1")
    listing = only(await harness.send("/find склад"), "sendMessage")
    assert listing.params["text"].startswith("<b>Найдено: 40 · «склад» · стр. 1/3</b>")
    assert buttons(markup_of(listing))[0] == ["1/3", "▶"]
    assert gets(plusofon) == 2 + 1 + 3 + 1  # 45 numbers: the check (pages 1 and 3), then the read (see above)
    edit = only(await harness.press(listing, "▶"), "editMessageText")
    assert edit.params["text"].startswith("<b>Найдено: 40 · «склад» · стр. 2/3</b>")
    assert buttons(markup_of(edit))[0] == ["◀", "2/3", "▶"]
    assert f"id {found[15]['id']}" in edit.params["text"]
    last = only(await harness.press(listing, "▶"), "editMessageText")
    assert "стр. 3/3" in last.params["text"] and last.params["text"].count("📞") == 10
    assert "стр. 2/3" in only(await harness.press(listing, "◀"), "editMessageText").params["text"]
    assert gets(plusofon) == 7


async def test_page_buttons_carry_a_short_key_not_the_query(harness, plusofon):
    long_query = "Очень длинное описание клиента " * 5
    plusofon.seed(40, 20, description=long_query)
    listing = only(await harness.send(f"/find {long_query}"), "sendMessage")
    data = button_data(markup_of(listing), "▶")
    assert data.startswith("f:") and len(data.encode()) <= 64 and "Очень" not in data


async def test_a_stale_or_foreign_key_says_the_search_is_out_of_date(harness, plusofon):
    plusofon.seed(40, 40, description="Склад")
    listing = only(await harness.send("/find склад"), "sendMessage")
    data = button_data(markup_of(listing), "▶")
    message_id = listing.result["message_id"]
    assert "Поиск устарел" in alert(await harness.press_data("f:nokey:2", chat_id=100, message_id=message_id))
    await harness.connect_chat(200)
    assert "Поиск устарел" in alert(await harness.press_data(data, chat_id=200, message_id=message_id))
    assert gets(plusofon) == 7


async def test_a_page_turn_checks_a_token_not_accepted_lately(tmp_path, plusofon):
    from tests.harness import BotHarness

    h = BotHarness(tmp_path, plusofon)
    h.mirror_options["trust_for"] = 0.0  # no acceptance counts as recent
    await h.start()
    try:
        await h.connect_chat(100)
        plusofon.seed(40, 40, description="Склад")
        listing = only(await h.send("/find склад"), "sendMessage")
        plusofon.clear_requests()
        assert "стр. 2/3" in only(await h.press(listing, "▶"), "editMessageText").params["text"]
        assert sorted(int(r.query["page"]) for r in plusofon.requests) == [1, 3]  # the check, nothing more
    finally:
        await h.stop()


async def test_an_add_in_the_chat_updates_the_cached_list(harness, plusofon):
    plusofon.seed(40, 40, description="Склад")
    listing = only(await harness.send("/find склад"), "sendMessage")
    await harness.send("/add 8 999 333 22 10 Склад новый")
    newest = plusofon.numbers(40)[-1]
    plusofon.clear_requests()
    edit = only(await harness.press(listing, "▶"), "editMessageText")
    assert "Найдено: 41 · «склад» · стр. 2/3" in edit.params["text"]
    last = only(await harness.press(listing, "▶"), "editMessageText")
    assert f"id {newest['id']}" in last.params["text"]
    assert gets(plusofon) == 0  # the bot knew what it had added: nothing read again


async def test_a_delete_in_the_chat_updates_the_cached_list(harness, plusofon):
    numbers = plusofon.seed(40, 20, description="Склад")
    listing = only(await harness.send("/find склад"), "sendMessage")
    ask = only(await harness.press(listing, f"🗑 {numbers[0]['id']}"), "sendMessage")
    await harness.press(ask, "✅")
    assert plusofon.count("DELETE") == 1
    plusofon.clear_requests()
    edit = only(await harness.press(listing, "▶"), "editMessageText")
    assert "Найдено: 19 · «склад» · стр. 2/2" in edit.params["text"]
    assert f"id {numbers[0]['id']}<" not in edit.params["text"]
    assert gets(plusofon) == 0  # the bot knew what it had deleted


async def test_10000_numbers_are_searched_in_seconds_reading_each_page_once(harness, plusofon):
    numbers = plusofon.seed(40, 10_000)
    target = numbers[7777]
    started = time.monotonic()
    calls = await harness.send(f"/find {target['phoneB'][1:]}")
    elapsed = time.monotonic() - started
    answer = calls[-1]  # the answer, or the progress message edited into it
    assert answer.params["text"].startswith("<b>Найдено: 1 ·")
    assert f"id {target['id']}" in answer.params["text"]
    read = [int(r.query["page"]) for r in plusofon.requests]
    # the check (pages 1 and 667), then each page once, and page 1 (the count) and 667 (the anchor) once more
    assert sorted(read[2:]) == sorted([1, 667, *range(1, 668)])
    assert elapsed < 10, f"took {elapsed:.1f} s"
    plusofon.clear_requests()
    wide = only(await harness.send("/find тестовый"), "sendMessage")  # from the copy: the check only
    assert wide.params["text"].startswith("<b>Найдено: 10000 · «тестовый» · стр. 1/667</b>")
    only(await harness.press(wide, "▶"), "editMessageText")
    assert sorted(int(r.query["page"]) for r in plusofon.requests) == [1, 667]


async def test_one_busy_chat_cannot_expire_the_find_buttons_of_another(harness, plusofon):
    """Issue 11, item 10: saved queries are bounded per chat, not in one shared line."""
    busy = -100999
    await harness.connect_chat(busy)
    plusofon.seed(40, 20, description="Склад")
    found = only(await harness.send("/find склад"), "sendMessage")
    cache = harness.services.searches
    first = cache.save_query(busy, 40, "склад")
    for n in range(5_000):  # what a user with a script and a lot of patience could make the bot save
        cache.save_query(busy, 40, f"запрос {n}")
    assert cache.query(first, busy, 40) is None  # the busy chat pushed out its own oldest
    assert "стр. 2/2" in only(await harness.press(found, "▶"), "editMessageText").params["text"]
