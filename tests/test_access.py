"""Who may do what: unconnected chats, commands for other bots, languages, other people's buttons and
forged callback data."""

from __future__ import annotations

import pytest

from handlers.texts import ENGLISH, RUSSIAN
from tests.fake_telegram import BOT_USERNAME
from tests.harness import BotHarness, button_data, buttons, markup_of, only, texts

STRANGER_CHAT = 555
GROUP = -100777
ADMINS = (7001, 7002)
INTERNAL_ERROR = "Что-то пошло не так"


@pytest.fixture
async def admin_harness(tmp_path, plusofon):
    """Like `harness` (chat 100 connected to account 40), with ADMIN_IDS set."""
    bot = await BotHarness(tmp_path, plusofon, notify_chat_id=-100500, admin_ids=frozenset(ADMINS)).start()
    await bot.connect_chat(100)
    yield bot
    await bot.stop()


def alert(calls) -> dict:
    answer = only(calls, "answerCallbackQuery")
    assert answer.ok
    assert answer.params.get("show_alert") is True, str(answer)
    assert answer.params.get("text"), str(answer)
    return answer.params


def no_internal_error(harness) -> None:
    assert not any(INTERNAL_ERROR in text for text in texts(harness.tg.calls)), harness.tg.describe_calls()


# ---- chats that are not connected ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["/list", "/find 999", "/export", "/add 79993332210 x", "/del 5", "/cancel"])
async def test_unconnected_chat_is_told_so_and_how_to_connect(admin_harness, plusofon, command):
    plusofon.seed(40, 5)
    calls = await admin_harness.send(command, chat_id=STRANGER_CHAT)
    assert [call.method_name for call in calls] == ["sendMessage"], [str(call) for call in calls]
    text = calls[0].params["text"]
    assert "не подключён" in text
    assert str(STRANGER_CHAT) in text  # the admin needs the chat's id to connect it
    assert plusofon.requests == []


async def test_unconnected_chat_without_admin_ids_still_gets_the_message(harness, plusofon):
    calls = await harness.send("/list", chat_id=STRANGER_CHAT)
    assert "не подключён" in only(calls, "sendMessage").params["text"]
    assert plusofon.requests == []


async def test_start_and_help_work_in_an_unconnected_chat(admin_harness, plusofon):
    start = only(await admin_harness.send("/start", chat_id=STRANGER_CHAT), "sendMessage").params["text"]
    assert "Здравствуйте" in start and "не подключён" in start and str(STRANGER_CHAT) in start
    help_text = only(await admin_harness.send("/help", chat_id=STRANGER_CHAT), "sendMessage").params["text"]
    assert "/list" in help_text and "/add" in help_text and "/del" in help_text
    assert "не подключён" in help_text
    assert plusofon.requests == []


async def test_start_in_a_connected_chat_says_connected(harness, plusofon):
    text = only(await harness.send("/start"), "sendMessage").params["text"]
    assert "подключён к аккаунту" in text and "40" in text and "не подключён" not in text
    assert plusofon.requests == []


async def test_button_in_an_unconnected_chat_gets_an_alert_and_no_api_call(admin_harness, plusofon):
    plusofon.seed(40, 31)
    calls = await admin_harness.press_data("p:2", chat_id=STRANGER_CHAT, message_id=1000)
    params = alert(calls)
    assert "не подключён" in params["text"]
    assert not [call for call in calls if call.method_name in ("sendMessage", "editMessageText")]
    assert plusofon.requests == []


# ---- commands addressed to another bot ------------------------------------------------------------


@pytest.mark.parametrize("chat_id", [100, GROUP, STRANGER_CHAT])
async def test_command_for_another_bot_is_ignored(harness, plusofon, chat_id):
    await harness.connect_chat(GROUP)
    plusofon.seed(40, 3)
    await harness.bot.me()  # cached at start-up by start_polling in production; mention checks need it
    before = len(harness.tg.calls)
    await harness.send("/list@otherbot", chat_id=chat_id)
    await harness.send("/del@otherbot 1", chat_id=chat_id)
    assert harness.tg.calls[before:] == [], harness.tg.describe_calls()
    assert plusofon.requests == []


async def test_command_with_this_bots_name_works_in_a_group(harness, plusofon):
    await harness.connect_chat(GROUP)
    plusofon.seed(40, 3)
    calls = await harness.send(f"/list@{BOT_USERNAME}", chat_id=GROUP, user_id=1, chat_type="supergroup")
    text = only(calls, "sendMessage", GROUP).params["text"]
    assert "Умные номера: 3" in text
    assert plusofon.count("GET") == 1


# ---- language -----------------------------------------------------------------------------------


async def test_english_user_gets_english_texts(harness, plusofon):
    plusofon.seed(40, 3)
    start = only(await harness.send("/start", language_code="en"), "sendMessage").params["text"]
    assert start.startswith("Hello!") and "connected to Plusofon" in start
    assert "Здравствуйте" not in start
    listing = only(await harness.send("/list", language_code="en"), "sendMessage").params["text"]
    assert "Smart numbers: " in listing and "page 1/1" in listing
    assert "Умные номера" not in listing


async def test_english_user_in_an_unconnected_chat(harness, plusofon):
    text = only(await harness.send("/list", chat_id=STRANGER_CHAT, language_code="en-US"), "sendMessage")
    assert "not connected" in text.params["text"] and "не подключён" not in text.params["text"]


async def test_russian_is_the_default_for_other_and_missing_languages(harness, plusofon):
    for language in ("de", None):
        text = only(await harness.send("/list", language_code=language), "sendMessage").params["text"]
        assert "пока нет" in text


async def test_command_menu_is_set_in_russian_and_english_at_start_up(harness):
    menus = harness.tg.calls_of("setMyCommands")
    assert len(menus) == 2, harness.tg.describe_calls()
    by_language = {call.params.get("language_code"): call.params["commands"] for call in menus}
    assert set(by_language) == {None, "en"}
    russian = {c["command"]: c["description"] for c in by_language[None]}
    english = {c["command"]: c["description"] for c in by_language["en"]}
    assert russian == RUSSIAN.commands and english == ENGLISH.commands
    assert set(russian) == {"list", "find", "add", "del", "import", "expiring", "export", "cancel", "history",
                            "help"}
    assert russian["list"] != english["list"]


# ---- someone else's confirmation ----------------------------------------------------------------


async def test_only_the_user_who_started_a_delete_may_confirm_it(harness, plusofon):
    await harness.connect_chat(GROUP)
    number = plusofon.seed(40, 3)[1]
    user_a, user_b = 1, 2
    ask = only(await harness.send(f"/del {number['id']}", chat_id=GROUP, user_id=user_a), "sendMessage")
    assert buttons(markup_of(ask)) == [["✅ Удалить", "❌ Отмена"]]
    params = alert(await harness.press(ask, "✅", user_id=user_b))
    assert "не ваше" in params["text"]
    assert plusofon.count("DELETE") == 0
    assert number["id"] in {n["id"] for n in plusofon.numbers(40)}
    # B's press did not use the confirmation up: A can still confirm
    calls = await harness.press(ask, "✅", user_id=user_a)
    assert "удалён" in only(calls, "editMessageText").params["text"]
    assert plusofon.count("DELETE") == 1
    assert number["id"] not in {n["id"] for n in plusofon.numbers(40)}
    no_internal_error(harness)


# ---- forged and random callback data ------------------------------------------------------------


@pytest.mark.parametrize("data", ["c:doesnotexist:1", "c:doesnotexist:0", "zzz", "p:notanint", "d:notanint",
                                  "c:a:b:c:1", "", "p:", "a:skip", "x:more:9223372036854775808:0",
                                  "x:now:-10000000000000000000000000:1", "n:9223372036854775808:1:",
                                  "d:9223372036854775808", "f:key:99999999999999999999", "p:99999999999999999999"])
async def test_forged_callback_data_gets_an_alert_and_no_api_call(harness, plusofon, data):
    plusofon.seed(40, 31)
    calls = await harness.press_data(data, chat_id=100, message_id=1000)
    alert(calls)
    assert not [call for call in calls if call.method_name != "answerCallbackQuery"], [str(c) for c in calls]
    assert plusofon.requests == []
    no_internal_error(harness)


async def test_confirmation_key_from_another_chat_is_refused(harness, plusofon):
    await harness.connect_chat(GROUP)
    number = plusofon.seed(40, 3)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")  # private chat 100, user 100
    forged = button_data(markup_of(ask), "✅")
    plusofon.clear_requests()
    # the same user, the same Plusofon account, but another chat
    calls = await harness.press_data(forged, chat_id=GROUP, user_id=100, message_id=ask.result["message_id"])
    alert(calls)
    assert plusofon.requests == []
    # and in a chat that is not connected at all
    alert(await harness.press_data(forged, chat_id=STRANGER_CHAT, user_id=100,
                                   message_id=ask.result["message_id"]))
    assert plusofon.requests == []
    no_internal_error(harness)
    # the key still works where it was made
    await harness.press(ask, "✅")
    assert plusofon.count("DELETE") == 1


async def test_confirmation_key_of_another_account_is_refused(harness, plusofon):
    """Chat -100777 is connected to another account: a key made in chat 100 must not delete there."""
    plusofon.add_account(41, "tok-41-other-value")
    await harness.connect_chat(GROUP, user_id=41, token="tok-41-other-value")
    number = plusofon.seed(40, 1)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    plusofon.clear_requests()
    alert(await harness.press_data(button_data(markup_of(ask), "✅"), chat_id=GROUP, user_id=100,
                                   message_id=ask.result["message_id"]))
    assert plusofon.requests == []


# ---- who the admins are (issue 11, item 11) --------------------------------------------------------


def visible(html_text: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html_text))


@pytest.mark.parametrize("command", ["/start", "/help", "/login", "/list"])
@pytest.mark.parametrize("language", ["ru", "en"])
async def test_a_stranger_in_a_private_chat_never_gets_the_admins_ids(admin_harness, command, language):
    """Issue 22, item 18: a tg://user?id= mention hands its id to whoever reads the message (the client shows
    it, and opens the profile), so the admins are not mentioned at all, only named by their role."""
    text = only(await admin_harness.send(command, chat_id=STRANGER_CHAT, language_code=language),
                "sendMessage").params["text"]
    assert "tg://user" not in text and "<a " not in text, text
    assert not any(str(admin) in text for admin in ADMINS), text
    assert ("администратор" if language == "ru" else "admin") in text


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
@pytest.mark.parametrize("command", ["/start", "/help", "/list", "/access", "/history"])
async def test_a_group_never_hears_who_the_admins_are(admin_harness, chat_type, command):
    chat_id = -4242 if chat_type == "group" else -1004242
    calls = await admin_harness.send(command, chat_id=chat_id, user_id=555, chat_type=chat_type)
    text = only(calls, "sendMessage").params["text"]
    assert "не подключён" in text
    assert "tg://user" not in text and not any(str(admin) in text for admin in ADMINS), text


async def test_confirmation_made_before_the_chat_was_reconnected_is_refused_in_the_same_chat(harness, plusofon):
    """The chat check passes (same chat, same user): only the account check stands between the old ✅ and a
    DELETE sent with the new account's token."""
    plusofon.add_account(41, "tok-41-other-value")
    number = plusofon.seed(40, 1)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    await harness.connect_chat(100, user_id=41, token="tok-41-other-value")  # chat 100 now belongs to account 41
    plusofon.clear_requests()
    calls = await harness.press(ask, "✅")
    assert [r for r in plusofon.requests if r.method == "DELETE"] == []
    assert not any("tok-41-other-value" in r.headers.get("Authorization", "") for r in plusofon.requests)
    assert "устарела" in alert(calls)["text"]
    assert [n["id"] for n in plusofon.numbers(40)] == [number["id"]]
    no_internal_error(harness)
