"""Every string the Plusofon API hands over is escaped before it reaches an HTML message, also a phone that
`phonenumbers` cannot read (issue 11, item 5)."""

from __future__ import annotations

from tests.harness import only

EVIL = '<a href="https://evil.example">позвоните</a>'
TEAM = -100500


def assert_inert(text: str) -> None:
    assert "<a href" not in text and "evil.example\">" not in text, text
    assert "&lt;a href=" in text, text


async def test_an_unreadable_phone_from_the_api_is_shown_escaped_everywhere(harness, plusofon):
    number = plusofon.seed(40, 1, phone_b=EVIL, description="<b>тоже</b>")[0]
    listing = only(await harness.send("/list"), "sendMessage")
    assert_inert(listing.params["text"])
    assert "&lt;b&gt;тоже" in listing.params["text"]

    card = only(await harness.press(listing, "📇"), "editMessageText")
    assert_inert(card.params["text"])

    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    assert_inert(ask.params["text"])
    assert_inert(only(await harness.press(ask, "✅"), "editMessageText").params["text"])
    note = await harness.tg.wait_for(lambda call: call.method_name == "sendMessage"
                                     and call.params.get("chat_id") == TEAM, timeout=3)
    assert_inert(note.params["text"])


async def test_a_found_number_with_an_unreadable_phone_is_escaped(harness, plusofon):
    plusofon.seed(40, 1, phone_b=EVIL, description="склад")
    assert_inert(only(await harness.send("/find склад"), "sendMessage").params["text"])
