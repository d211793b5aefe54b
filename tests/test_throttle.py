"""The limiter on commands and buttons, per user and per chat (issue 11, item 1)."""

from __future__ import annotations

import pytest

from tests.conftest import PLUSOFON_TOKEN
from tests.harness import BotHarness, only

SLOW = "Не так быстро"
BOT_ADMIN = 7001
GROUP = -100777


@pytest.fixture
def make(make):
    """A harness with the given throttle settings, chat 100 connected, on the harness's fake clock."""

    async def make_throttled(**settings) -> BotHarness:
        h = await make(admin_ids=frozenset({BOT_ADMIN}), **settings)
        h.dp["throttle"].clock = h.clock
        await h.connect_chat(100)
        return h

    return make_throttled


def answered(calls) -> list[str]:
    return [call.params["text"] for call in calls if call.method_name == "sendMessage"]


async def test_a_user_past_the_limit_hears_it_once_then_nothing_until_the_bucket_refills(make, plusofon):
    h = await make(throttle_user_burst=3, throttle_user_per_minute=6)  # then one every 10 s
    plusofon.seed(40, 3)
    for _ in range(3):
        assert "Умные номера: 3" in only(await h.send("/list"), "sendMessage").params["text"]
    assert plusofon.count("GET") == 3
    refused = await h.send("/list")
    assert [call.method_name for call in refused] == ["sendMessage"] and SLOW in refused[0].params["text"]
    for _ in range(20):
        assert await h.send("/list") == []  # no answer per dropped message
    assert plusofon.count("GET") == 3
    assert h.dp["throttle"].throttled["message"] == 21

    h.clock.advance(10)
    assert "Умные номера: 3" in only(await h.send("/list"), "sendMessage").params["text"]
    assert SLOW in only(await h.send("/list"), "sendMessage").params["text"]  # a new burst: told again, once
    assert await h.send("/list") == []


async def test_english_users_are_told_in_english(make):
    h = await make(throttle_user_burst=1)
    await h.send("/start", language_code="en")
    assert "Not so fast" in only(await h.send("/start", language_code="en"), "sendMessage").params["text"]


async def test_buttons_past_the_limit_get_one_callback_answer_and_no_work(make, plusofon):
    h = await make(throttle_user_burst=2, throttle_user_per_minute=6)
    plusofon.seed(40, 40)
    listing = only(await h.send("/list"), "sendMessage")
    assert "стр. 2/3" in only(await h.press(listing, "▶"), "editMessageText").params["text"]
    plusofon.clear_requests()
    refused = await h.press(listing, "▶")
    assert [call.method_name for call in refused] == ["answerCallbackQuery"]
    assert SLOW in refused[0].params["text"]
    assert await h.press(listing, "▶") == [] and await h.press_data("zzz", chat_id=100, message_id=1000) == []
    assert plusofon.requests == [] and h.dp["throttle"].throttled["callback"] == 3


async def test_the_chat_limit_holds_for_everyone_in_it_bot_admins_too(make, plusofon):
    h = await make(throttle_chat_burst=3, throttle_chat_per_minute=6)
    await h.connect_chat(GROUP)
    for user_id in (1, 2, 3):
        reply = only(await h.send("/list", chat_id=GROUP, user_id=user_id), "sendMessage")
        assert "номер" in reply.params["text"]
    assert SLOW in only(await h.send("/list", chat_id=GROUP, user_id=BOT_ADMIN), "sendMessage").params["text"]
    assert await h.send("/list", chat_id=GROUP, user_id=4) == []
    # other chats are not held up by this one
    assert "номер" in only(await h.send("/list"), "sendMessage").params["text"]


async def test_bot_admins_have_no_per_user_limit(make):
    h = await make(throttle_user_burst=2)
    await h.connect_chat(BOT_ADMIN)
    for _ in range(10):
        assert "номер" in only(await h.send("/list", chat_id=BOT_ADMIN), "sendMessage").params["text"]
    await h.send("/list", chat_id=GROUP, user_id=5)
    await h.send("/list", chat_id=GROUP, user_id=5)
    assert SLOW in only(await h.send("/list", chat_id=GROUP, user_id=5), "sendMessage").params["text"]


async def test_plain_messages_do_not_count(make):
    h = await make(throttle_user_burst=2)
    for _ in range(10):
        await h.send("просто текст")
    assert "номер" in only(await h.send("/list"), "sendMessage").params["text"]


async def test_a_throttled_login_is_still_deleted(make, plusofon):
    h = await make(throttle_user_burst=1, allow_self_login=True)
    await h.send("/start", chat_id=555)
    calls = await h.send(f"/login 40 {PLUSOFON_TOKEN}", chat_id=555, message_id=77)
    assert any(call.method_name == "deleteMessage" and call.params["message_id"] == 77 for call in calls)
    assert SLOW in only(calls, "sendMessage").params["text"]
    assert plusofon.requests == [] and await h.chats.get(555) is None


async def test_idle_users_and_chats_are_forgotten(make):
    h = await make(throttle_user_burst=5, throttle_user_per_minute=60, throttle_chat_burst=5,
                   throttle_chat_per_minute=60)
    throttle = h.dp["throttle"]
    for user_id in range(1000, 1300):
        await h.send("/start", chat_id=user_id)
    assert len(throttle.users) == 300 and len(throttle.chats) == 300
    h.clock.advance(5)  # long enough for every bucket to be full again
    await h.send("/start", chat_id=2000)
    assert len(throttle.users) == 1 and len(throttle.chats) == 1


async def test_commands_for_another_bot_do_not_count(make):
    h = await make(throttle_chat_burst=2)
    await h.connect_chat(GROUP)
    await h.bot.me()  # cached at start-up by start_polling in production
    for _ in range(10):
        assert await h.send("/list@otherbot", chat_id=GROUP) == []
    assert "номер" in only(await h.send("/list@plusofon_test_bot", chat_id=GROUP), "sendMessage").params["text"]


# ---- what the router would take, edits, dialogue steps, shared senders (issue 22, items 6-9) --------------


@pytest.mark.parametrize("prefix", ["\u00a0", "\u3000", "\n", " \t"])
async def test_a_command_behind_whitespace_counts_as_the_router_takes_it(make, plusofon, prefix):
    h = await make(throttle_user_burst=2, throttle_user_per_minute=1)
    plusofon.seed(40, 3)
    for _ in range(2):
        assert "Умные номера: 3" in only(await h.send(f"{prefix}/list"), "sendMessage").params["text"]
    assert SLOW in only(await h.send(f"{prefix}/list"), "sendMessage").params["text"]
    for _ in range(10):
        assert await h.send(f"{prefix}/list") == []
    assert plusofon.count("GET") == 2


async def test_edited_commands_are_throttled(make, plusofon):
    from tests.fake_telegram import make_update, now, user_message_dict

    h = await make(throttle_user_burst=2, throttle_user_per_minute=1, allow_self_login=True)
    for message_id in range(10):
        message = user_message_dict(f"/login 40 {PLUSOFON_TOKEN}", chat_id=555, user_id=555,
                                    message_id=500 + message_id, edit_date=now())
        await h.dp.feed_update(h.bot, make_update({"edited_message": message}))
    assert plusofon.count(path_prefix="/api/v1/authuser") <= 2 and h.dp["throttle"].throttled["message"] == 8
    deleted = {call.params["message_id"] for call in h.tg.calls if call.method_name == "deleteMessage"}
    assert deleted == set(range(500, 510))  # throttled or not, a token does not stay in the chat


async def test_anonymous_admins_get_a_bucket_per_chat(make):
    anonymous = 1087968824
    h = await make(throttle_user_burst=2, throttle_user_per_minute=1)
    for group in (GROUP, GROUP - 1):
        await h.connect_chat(group)
        for _ in range(2):
            assert "номер" in only(await h.send("/list", chat_id=group, user_id=anonymous), "sendMessage").params["text"]
        assert SLOW in only(await h.send("/list", chat_id=group, user_id=anonymous), "sendMessage").params["text"]


async def test_the_add_dialogues_retry_step_is_throttled_and_backs_off_after_a_429(make, plusofon):
    h = await make(throttle_user_burst=3, throttle_user_per_minute=6)
    h.services.numbers.clock = h.clock
    await h.send("/add")
    await h.send("79993332210")
    await h.send("Иван")  # three messages: the burst is spent on them and /add
    h.clock.advance(60)  # the bucket is full again
    plusofon.inject("429", method="POST", times=100)
    for _ in range(20):
        await h.send("7d")
    assert plusofon.count("POST") == 1  # one 429, then the dialogue waits before it asks again
    assert h.dp["throttle"].throttled["message"] >= 17
    h.clock.advance(61)
    plusofon.clear_faults()
    assert "Создан умный номер" in only(await h.send("7d"), "sendMessage").params["text"]
    assert plusofon.count("POST") == 2


async def test_a_bucket_never_holds_more_than_its_burst(make):
    """One action, a pause shorter than the idle time (the bucket would overflow if not capped), then a burst:
    exactly `burst` actions go through (issue 25)."""
    h = await make(throttle_user_burst=3, throttle_user_per_minute=6)  # full again after 30 s

    def served(calls) -> bool:
        return bool(calls) and SLOW not in only(calls, "sendMessage").params["text"]

    assert served(await h.send("/start"))
    h.clock.advance(25)  # 10 s' worth refills the one token; 15 s more would make 1.5 too many
    results = [await h.send("/start") for _ in range(5)]
    assert [served(calls) for calls in results] == [True, True, True, False, False]
