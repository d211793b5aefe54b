"""Premium-rate customer phones are refused by default (toll fraud), unless ALLOW_PREMIUM_NUMBERS allows them
(issue 11, item 6)."""

from __future__ import annotations

import pytest

from tests.harness import BotHarness, only

PREMIUM = ["+1 900 555 0123", "8 809 123 45 67", "+44 909 876 5432"]


@pytest.mark.parametrize("phone", PREMIUM)
async def test_add_refuses_a_premium_rate_phone_and_asks_plusofon_nothing(harness, plusofon, phone):
    text = only(await harness.send(f"/add {phone} Иван"), "sendMessage").params["text"]
    assert "премиум" in text and "ALLOW_PREMIUM_NUMBERS" in text
    assert plusofon.requests == []


async def test_the_add_dialogue_refuses_it_and_asks_again(harness, plusofon):
    await harness.send("/add")
    refused = only(await harness.send(PREMIUM[0]), "sendMessage").params["text"]
    assert "премиум" in refused
    asked = only(await harness.send("+7 999 333-22-10"), "sendMessage").params["text"]
    assert "Теперь пришлите описание" in asked
    assert plusofon.requests == []


async def test_english_users_hear_it_in_english(harness):
    text = only(await harness.send(f"/add {PREMIUM[0]} Ivan", language_code="en"), "sendMessage").params["text"]
    assert "premium-rate" in text


async def test_an_ordinary_number_still_goes_through(harness, plusofon):
    text = only(await harness.send("/add 8 999 333 22 10 Иван"), "sendMessage").params["text"]
    assert "Создан" in text and plusofon.count("POST") == 1


async def test_allow_premium_numbers_lets_an_admin_allow_them(tmp_path, plusofon):
    h = await BotHarness(tmp_path, plusofon, allow_premium_numbers=True).start()
    try:
        await h.connect_chat(100)
        text = only(await h.send(f"/add {PREMIUM[0]} Иван"), "sendMessage").params["text"]
        assert "Создан" in text and plusofon.count("POST") == 1
    finally:
        await h.stop()
