"""`/access admins` in plain groups and supergroups alike, for every command that reads or changes the numbers:
/list, /find (and its page buttons), /export, /history, /add, /del (issue 11, items 7 and 18)."""

from __future__ import annotations

import pytest

from tests.conftest import PLUSOFON_USER_ID
from tests.harness import BotHarness, only

BOT_ADMIN = 7001
GROUP_ADMIN = 7003
MEMBER = 7004
ADMINS_ONLY = "только администраторы группы"
CHATS = {"group": -4777, "supergroup": -100777}


@pytest.fixture(params=sorted(CHATS))
async def group(request, tmp_path, plusofon):
    """(harness, chat id, chat type): the group connected to account 40 and set to /access admins."""
    chat_type = request.param
    chat_id = CHATS[chat_type]
    h = await BotHarness(tmp_path, plusofon, admin_ids=frozenset({BOT_ADMIN}), notify_chat_id=-100500).start()
    await h.connect_chat(chat_id)
    h.tg.set_chat_member(chat_id, GROUP_ADMIN, status="administrator")
    h.tg.set_chat_member(chat_id, MEMBER, status="member")
    plusofon.seed(PLUSOFON_USER_ID, 20, description="Склад")
    await h.send("/add 79993332210 Иван Петров", chat_id=chat_id, user_id=GROUP_ADMIN, chat_type=chat_type)
    reply = only(await h.send("/access admins", chat_id=chat_id, user_id=GROUP_ADMIN, chat_type=chat_type),
                 "sendMessage").params["text"]
    assert ADMINS_ONLY in reply
    plusofon.clear_requests()
    yield h, chat_id, chat_type
    await h.stop()


@pytest.mark.parametrize("command", ["/list", "/find склад", "/list склад", "/export", "/history", "/del 5",
                                     "/add 79993332211 x"])
async def test_a_plain_member_is_refused_and_nothing_is_read(group, plusofon, command):
    h, chat_id, chat_type = group
    calls = await h.send(command, chat_id=chat_id, user_id=MEMBER, chat_type=chat_type)
    text = only(calls, "sendMessage").params["text"]
    assert not [call for call in calls if call.method_name not in ("sendMessage", "getChatMember")]
    assert ADMINS_ONLY in text
    assert "Иван" not in text and "79993332210" not in text and "999 333" not in text
    assert plusofon.requests == []


@pytest.mark.parametrize("status, fields", [("restricted", {}), ("restricted", {"is_member": False}), ("left", {}),
                                            ("kicked", {})])
async def test_restricted_left_and_kicked_users_get_the_admins_only_refusal(group, plusofon, status, fields):
    """Issue 25: none of them administers the group, so none gets past /access admins (nor is told more)."""
    h, chat_id, chat_type = group
    h.tg.set_chat_member(chat_id, MEMBER, status=status, **fields)
    calls = await h.send("/list", chat_id=chat_id, user_id=MEMBER, chat_type=chat_type)
    assert ADMINS_ONLY in only(calls, "sendMessage").params["text"]
    assert plusofon.requests == []


@pytest.mark.parametrize("command, answer", [("/find склад", "Найдено: 20"), ("/history", "Последние действия"),
                                             ("/list", "Умные номера: 21")])
async def test_group_and_bot_admins_still_may(group, command, answer):
    h, chat_id, chat_type = group
    for user_id in (GROUP_ADMIN, BOT_ADMIN):
        text = only(await h.send(command, chat_id=chat_id, user_id=user_id, chat_type=chat_type),
                    "sendMessage").params["text"]
        assert answer in text, (user_id, text)


async def test_export_is_for_admins_only(group):
    h, chat_id, chat_type = group
    await h.send("/export", chat_id=chat_id, user_id=MEMBER, chat_type=chat_type)
    assert not h.tg.calls_of("sendDocument")
    await h.send("/export", chat_id=chat_id, user_id=GROUP_ADMIN, chat_type=chat_type)
    assert len(h.tg.calls_of("sendDocument")) == 1


async def test_a_plain_member_cannot_turn_the_pages_of_an_admins_find(group, plusofon):
    h, chat_id, chat_type = group
    found = only(await h.send("/find склад", chat_id=chat_id, user_id=GROUP_ADMIN, chat_type=chat_type),
                 "sendMessage")
    plusofon.clear_requests()
    calls = await h.press(found, "▶", user_id=MEMBER, chat_type=chat_type)
    answer = only(calls, "answerCallbackQuery")
    assert answer.params.get("show_alert") is True and ADMINS_ONLY in answer.params["text"]
    assert not [call for call in calls if call.method_name in ("sendMessage", "editMessageText")]
    assert "стр. 2/2" in only(await h.press(found, "▶", user_id=GROUP_ADMIN, chat_type=chat_type),
                              "editMessageText").params["text"]
