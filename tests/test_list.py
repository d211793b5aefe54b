"""/list and its buttons, through the whole dispatcher, the fake Telegram and the fake Plusofon server."""

from __future__ import annotations

import re
from html import unescape

from bot.core.phones import display
from tests.harness import buttons, markup_of, only, texts


async def test_list_shows_first_page_with_header_numbers_and_buttons(harness, plusofon):
    numbers = plusofon.seed(40, 31)
    calls = await harness.send("/list")
    message = only(calls, "sendMessage")
    text = message.params["text"]
    assert text.startswith("<b>Умные номера: 31 · стр. 1/3</b>")
    first = numbers[0]
    assert "+7 977 000-50-00 → +7 999 200-00-00" in text
    assert f"id {first['id']}" in text and "01.07.2022" in text
    assert text.count("📞") == 15
    rows = buttons(markup_of(message))
    assert rows[0] == ["1/3", "▶"]
    assert rows[1] == ["📇 +7 977 000-50-00", f"🗑 {first['id']}"]  # a row per number: its card, its delete
    assert rows[1:] == [[f"📇 {display(n['phoneX'])}", f"🗑 {n['id']}"] for n in numbers[:15]]
    gets = [r for r in plusofon.requests if r.method == "GET"]
    assert len(gets) == 1 and gets[0].query["page"] == "1" and gets[0].json == {"user_id": 40}
    assert message.params["parse_mode"] == "HTML"


async def test_next_and_previous_edit_the_same_message(harness, plusofon):
    plusofon.seed(40, 31)
    listing = only(await harness.send("/list"), "sendMessage")
    calls = await harness.press(listing, "▶")
    edit = only(calls, "editMessageText")
    assert edit.params["message_id"] == listing.result["message_id"]
    assert "стр. 2/3" in edit.params["text"]
    assert buttons(markup_of(edit))[0] == ["◀", "2/3", "▶"]
    assert only(calls, "answerCallbackQuery")
    calls = await harness.press(listing, "▶")
    last = only(calls, "editMessageText")
    assert "стр. 3/3" in last.params["text"] and last.params["text"].count("📞") == 1
    assert buttons(markup_of(last))[0] == ["◀", "3/3"]
    calls = await harness.press(listing, "◀")
    assert "стр. 2/3" in only(calls, "editMessageText").params["text"]
    assert [r.query["page"] for r in plusofon.requests] == ["1", "2", "3", "2"]
    assert not texts(harness.tg.calls[-3:])  # no stray messages


async def test_one_page_has_no_navigation_row(harness, plusofon):
    plusofon.seed(40, 3)
    message = only(await harness.send("/list"), "sendMessage")
    assert "стр. 1/1" in message.params["text"]
    rows = buttons(markup_of(message))
    assert len(rows) == 3 and all(row[0].startswith("📇 +7 977") and row[1].startswith("🗑 ") for row in rows)


async def test_empty_list_says_so_and_shows_add_syntax(harness, plusofon):
    message = only(await harness.send("/list"), "sendMessage")
    assert "пока нет" in message.params["text"] and "/add" in message.params["text"]
    assert markup_of(message) is None


async def test_page_that_no_longer_exists_shows_the_last_page(harness, plusofon):
    plusofon.seed(40, 31)
    listing = only(await harness.send("/list"), "sendMessage")
    for number in plusofon.numbers(40)[10:]:
        await harness.services.plusofon.delete(harness.services.chats._known[100].credentials, number["id"])
    plusofon.clear_requests()
    edit = only(await harness.press(listing, "▶"), "editMessageText")
    assert "Умные номера: 10 · стр. 1/1" in edit.params["text"]
    assert [r.query["page"] for r in plusofon.requests] == ["2", "1"]


async def test_same_content_again_is_not_an_error(harness, plusofon):
    plusofon.seed(40, 31)
    listing = only(await harness.send("/list"), "sendMessage")
    calls = await harness.press(listing, "1/3")
    assert [call.method_name for call in calls].count("sendMessage") == 0
    edit = only(calls, "editMessageText")
    assert not edit.ok and "not modified" in str(edit.response)
    assert only(calls, "answerCallbackQuery").ok


async def test_description_is_escaped_and_cut(harness, plusofon):
    plusofon.seed(40, 1, description="<b>Ромашка</b> & Co " + "я" * 100)
    text = only(await harness.send("/list"), "sendMessage").params["text"]
    assert "&lt;b&gt;Ромашка&lt;/b&gt; &amp; Co" in text and "<b>Ромашка" not in text
    assert "я" * 70 not in text and "…" in text


async def test_long_descriptions_stay_under_telegram_limit(harness, plusofon):
    plusofon.seed(40, 15, description="<&>" * 85)
    text = only(await harness.send("/list"), "sendMessage").params["text"]
    assert len(text) < 4096


async def test_every_number_on_a_page_of_long_descriptions_is_whole(harness, plusofon):
    """The page fits Telegram's limit by shortening the descriptions, never by cutting the text: each number
    keeps its phones, its (shortened, still valid HTML) description, its id and date, and its buttons."""
    numbers = plusofon.seed(40, 15, description="<&> " * 85)
    message = only(await harness.send("/list"), "sendMessage")
    text = message.params["text"]
    assert len(text) < 4096
    header, *blocks = text.split("\n\n")
    assert header.startswith("<b>Умные номера: 15")
    assert len(blocks) == len(numbers), blocks[-1]
    for block, number in zip(blocks, numbers, strict=True):
        lines = block.split("\n")
        assert len(lines) == 3, f"number {number['id']} is not whole: {block!r}"
        phones, description, footer = lines
        assert phones == f"📞 {display(number['phoneX'])} → {display(number['phoneB'])}"
        shortened = unescape(description)
        assert shortened.endswith("…") and len(shortened) > 5, description
        assert number["description"].startswith(shortened.removesuffix("…")), description  # no entity cut in half
        assert re.fullmatch(rf"<code>id {number['id']}</code> · \d\d\.\d\d\.\d{{4}}", footer), footer
    assert buttons(markup_of(message)) == [[f"📇 {display(n['phoneX'])}", f"🗑 {n['id']}"] for n in numbers]
