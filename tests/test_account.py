"""Connecting chats from Telegram (/login, /logout, /link, /unlink), the group policy (/access) with group
admins, bot admins and anonymous admins, and /history."""

from __future__ import annotations

import json
import logging
import re
from html import unescape

import pytest

from bot.services.admins import ANONYMOUS_ADMIN_ID
from tests.conftest import PLUSOFON_TOKEN, PLUSOFON_USER_ID
from tests.fake_telegram import make_update, user_message_dict
from tests.harness import BotHarness, only, texts

BOT_ADMIN = 7001  # in ADMIN_IDS
USER = 7002  # nobody in particular
GROUP_ADMIN = 7003  # an administrator of GROUP (by getChatMember)
MEMBER = 7004  # a plain member of GROUP
GROUP = -100777
STRANGER_CHAT = 555
WRONG_TOKEN = "tok-wrong-secret-value"

ADMINS_ONLY = "только администраторы группы"
REFUSED_COMMAND = "администраторы группы или бота"
INTERNAL_ERROR = "Что-то пошло не так"


@pytest.fixture
async def admin_bot(make) -> BotHarness:
    return await make(admin_ids=frozenset({BOT_ADMIN}), notify_chat_id=-100500)


@pytest.fixture
async def group_bot(admin_bot: BotHarness) -> BotHarness:
    """GROUP connected to account 40; GROUP_ADMIN administers it, MEMBER is a plain member."""
    await admin_bot.connect_chat(GROUP)
    admin_bot.tg.set_chat_member(GROUP, GROUP_ADMIN, status="administrator")
    admin_bot.tg.set_chat_member(GROUP, MEMBER, status="member")
    admin_bot.tg.set_chat_member(GROUP, BOT_ADMIN, status="member")
    return admin_bot


def text_of(calls) -> str:
    return only(calls, "sendMessage").params["text"]


def handled_since(h: BotHarness, before: int):
    return h.tg.calls[before:]


def deleted(calls, chat_id: int, message_id: int) -> bool:
    return any(call.method_name == "deleteMessage" and call.params.get("chat_id") == chat_id
               and call.params.get("message_id") == message_id for call in calls)


def get_chat_member_calls(h: BotHarness, chat_id: int, user_id: int) -> int:
    return sum(1 for call in h.tg.calls_of("getChatMember")
               if call.params.get("chat_id") == chat_id and call.params.get("user_id") == user_id)


def no_internal_error(h: BotHarness) -> None:
    assert not any(INTERNAL_ERROR in text for text in texts(h.tg.calls)), h.tg.describe_calls()


async def audit_of(h: BotHarness, chat_id: int):
    return await h.services.audit.recent(chat_id, 100)


def anonymous_admin_update(text: str, chat_id: int = GROUP):
    """A message an anonymous administrator sent in `chat_id`: it is from @GroupAnonymousBot, on behalf of
    the group itself."""
    message = user_message_dict(text, chat_id=chat_id, user_id=ANONYMOUS_ADMIN_ID, chat_type="supergroup",
                                first_name="Group", username="GroupAnonymousBot")
    message["from"] = {"id": ANONYMOUS_ADMIN_ID, "is_bot": True, "first_name": "Group",
                       "username": "GroupAnonymousBot"}
    message["sender_chat"] = {"id": chat_id, "type": "supergroup", "title": "Test group"}
    return make_update({"message": message})


async def feed(h: BotHarness, update):
    before = len(h.tg.calls)
    await h.dp.feed_update(h.bot, update)
    return h.tg.calls[before:]


# ---- /login ----------------------------------------------------------------------------------------


async def test_login_by_a_bot_admin_connects_the_private_chat(admin_bot, plusofon):
    h = admin_bot
    before = len(h.tg.calls)
    calls = await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=BOT_ADMIN, message_id=501)
    made = handled_since(h, before)
    # the message with the token goes first, before anything else is done
    assert made[0].method_name == "deleteMessage", h.tg.describe_calls()
    assert made[0].params["chat_id"] == BOT_ADMIN and made[0].params["message_id"] == 501
    # the credentials were checked with one request carrying that token
    assert len(plusofon.requests) == 1 and plusofon.requests[0].method == "GET"
    assert plusofon.requests[0].headers["Authorization"] == f"Bearer {PLUSOFON_TOKEN}"
    assert plusofon.requests[0].query.get("user_id") in (None, str(PLUSOFON_USER_ID))
    auth = await h.chats.get(BOT_ADMIN)
    assert auth is not None
    assert (auth.user_id, auth.token, auth.added_by) == (PLUSOFON_USER_ID, PLUSOFON_TOKEN, BOT_ADMIN)
    reply = text_of(calls)
    assert "подключён" in reply and str(PLUSOFON_USER_ID) in reply
    assert PLUSOFON_TOKEN not in reply
    entries = await audit_of(h, BOT_ADMIN)
    assert [(e.action, e.result, e.user_id) for e in entries] == [("login", "ok", BOT_ADMIN)]
    assert PLUSOFON_TOKEN not in entries[0].details
    # and the chat works at once
    plusofon.seed(PLUSOFON_USER_ID, 2)
    assert "Умные номера: 2" in text_of(await h.send("/list", chat_id=BOT_ADMIN))


async def test_login_by_a_non_admin_is_refused_without_self_login(admin_bot, plusofon):
    h = admin_bot
    before = len(h.tg.calls)
    calls = await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=USER, message_id=502)
    assert handled_since(h, before)[0].method_name == "deleteMessage"
    assert deleted(calls, USER, 502)
    reply = text_of(calls)
    assert "только администраторы" in reply
    assert PLUSOFON_TOKEN not in reply
    assert await h.chats.get(USER) is None
    assert plusofon.requests == []


async def test_login_without_admin_ids_is_refused_by_default(make, plusofon):
    h = await make()
    calls = await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=USER, message_id=503)
    assert deleted(calls, USER, 503)
    assert "только администраторы" in text_of(calls)
    assert await h.chats.get(USER) is None
    assert plusofon.requests == []


async def test_self_login_lets_anyone_connect_their_private_chat(make, plusofon):
    h = await make(allow_self_login=True)
    calls = await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=USER, message_id=504)
    assert calls[0].method_name == "deleteMessage" and deleted(calls, USER, 504)
    assert "подключён" in text_of(calls)
    auth = await h.chats.get(USER)
    assert auth is not None and (auth.user_id, auth.token) == (PLUSOFON_USER_ID, PLUSOFON_TOKEN)
    assert plusofon.count("GET") == 1


async def test_login_with_a_wrong_token_stores_nothing(admin_bot, plusofon):
    h = admin_bot
    calls = await h.send(f"/login {PLUSOFON_USER_ID} {WRONG_TOKEN}", chat_id=BOT_ADMIN, message_id=505)
    assert calls[0].method_name == "deleteMessage" and deleted(calls, BOT_ADMIN, 505)
    reply = text_of(calls)
    assert "Не подключено" in reply and "не принял токен" in reply
    assert WRONG_TOKEN not in reply
    assert await h.chats.get(BOT_ADMIN) is None
    assert plusofon.count("GET") == 1
    assert [(e.action, e.result) for e in await audit_of(h, BOT_ADMIN)] == [
        ("login", "rejected: AuthenticationError")]


async def test_login_with_a_user_id_the_token_does_not_own(admin_bot, plusofon):
    h = admin_bot
    calls = await h.send(f"/login 41 {PLUSOFON_TOKEN}", chat_id=BOT_ADMIN, message_id=506)
    assert deleted(calls, BOT_ADMIN, 506)
    reply = text_of(calls)
    assert "Не подключено" in reply and "user_id не подходит" in reply
    assert await h.chats.get(BOT_ADMIN) is None
    assert plusofon.count("GET") == 1


@pytest.mark.parametrize("args", ["abc", "40", f"abc {PLUSOFON_TOKEN}", f"40 {PLUSOFON_TOKEN} extra",
                                  f"-40 {PLUSOFON_TOKEN}", f"٤٠ {PLUSOFON_TOKEN}"])
async def test_login_in_a_wrong_format_shows_the_usage(admin_bot, plusofon, args):
    h = admin_bot
    calls = await h.send(f"/login {args}".rstrip(), chat_id=BOT_ADMIN, message_id=507)
    assert calls[0].method_name == "deleteMessage" and deleted(calls, BOT_ADMIN, 507)
    reply = text_of(calls)
    assert "/login &lt;user_id&gt; &lt;API-токен&gt;" in reply
    assert PLUSOFON_TOKEN not in reply
    assert plusofon.requests == []
    assert await h.chats.get(BOT_ADMIN) is None


async def test_login_while_plusofon_is_down_stores_nothing(admin_bot, plusofon):
    h = admin_bot
    plusofon.inject("500", times=3)
    calls = await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=BOT_ADMIN, message_id=508)
    assert calls[0].method_name == "deleteMessage" and deleted(calls, BOT_ADMIN, 508)
    reply = text_of(calls)
    assert "не отвечает" in reply or "ответил ошибкой" in reply, reply
    assert "✅" not in reply and PLUSOFON_TOKEN not in reply
    assert await h.chats.get(BOT_ADMIN) is None
    assert plusofon.pending_faults == 0  # retried, then gave up
    assert [e.result for e in await audit_of(h, BOT_ADMIN)] == ["failed: ServerError"]
    no_internal_error(h)


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_login_in_a_group_deletes_the_message_and_calls_the_token_leaked(admin_bot, plusofon, chat_type):
    h = admin_bot
    calls = await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=GROUP, user_id=BOT_ADMIN,
                         chat_type=chat_type, message_id=509)
    assert calls[0].method_name == "deleteMessage" and deleted(calls, GROUP, 509)
    reply = text_of(calls)
    assert "скомпрометированным" in reply
    assert PLUSOFON_TOKEN not in reply
    assert await h.chats.get(GROUP) is None
    assert await h.chats.get(BOT_ADMIN) is None
    assert plusofon.requests == []


async def test_login_in_a_group_where_the_message_cannot_be_deleted_does_not_claim_it_was(admin_bot, plusofon):
    """A bot that is not a group admin cannot delete other people's messages."""
    h = admin_bot
    h.tg.fail_next("deleteMessage", status=400, description="Bad Request: message can't be deleted")
    calls = await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=GROUP, user_id=BOT_ADMIN,
                         message_id=510)
    delete = only(calls, "deleteMessage")
    assert not delete.ok
    reply = text_of(calls)
    assert "скомпрометированным" in reply
    assert "удалил сообщение" not in reply  # it is still there: the user must delete it themselves


async def test_the_token_is_in_no_telegram_call_and_no_log_line(make, plusofon, caplog):
    caplog.set_level(logging.DEBUG)
    h = await make(admin_ids=frozenset({BOT_ADMIN}))
    await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=USER)  # not allowed
    await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=GROUP, user_id=BOT_ADMIN)  # group
    await h.send(f"/login {PLUSOFON_USER_ID} {WRONG_TOKEN}", chat_id=BOT_ADMIN)  # rejected
    await h.send(f"/login 41 {PLUSOFON_TOKEN}", chat_id=BOT_ADMIN)  # wrong user_id
    plusofon.inject("500", times=3)
    await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=BOT_ADMIN)  # API down
    await h.send(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=BOT_ADMIN)  # connected
    plusofon.seed(PLUSOFON_USER_ID, 3)
    await h.send("/list", chat_id=BOT_ADMIN)
    await h.send("/history", chat_id=BOT_ADMIN)
    assert await h.chats.get(BOT_ADMIN) is not None
    assert len(h.tg.calls) > 10
    for call in h.tg.calls:
        dumped = json.dumps(call.params, ensure_ascii=False, default=str) + json.dumps(call.response, default=str)
        for token in (PLUSOFON_TOKEN, WRONG_TOKEN):
            assert token not in dumped, str(call)
    assert caplog.records
    for record in caplog.records:
        line = record.getMessage() + (record.exc_text or "")
        for token in (PLUSOFON_TOKEN, WRONG_TOKEN):
            assert token not in line, f"{record.name}: {line}"
    assert PLUSOFON_TOKEN not in caplog.text and WRONG_TOKEN not in caplog.text


# ---- /logout ---------------------------------------------------------------------------------------


async def test_logout_disconnects_the_private_chat(harness, plusofon):
    reply = text_of(await harness.send("/logout"))
    assert "отключён" in reply
    assert await harness.chats.get(100) is None
    entries = await audit_of(harness, 100)
    assert [(e.action, e.details, e.result) for e in entries] == [("logout", f"user_id {PLUSOFON_USER_ID}", "ok")]
    assert "не подключён" in text_of(await harness.send("/list"))
    assert plusofon.requests == []


async def test_logout_in_an_unconnected_chat(harness):
    assert "и так не подключён" in text_of(await harness.send("/logout", chat_id=STRANGER_CHAT))


async def test_logout_in_a_group_points_to_unlink(harness):
    await harness.connect_chat(GROUP)
    reply = text_of(await harness.send("/logout", chat_id=GROUP, user_id=100))
    assert "в личном чате" in reply and "/unlink" in reply
    assert await harness.chats.get(GROUP) is not None


# ---- /link -----------------------------------------------------------------------------------------


async def test_link_by_a_group_admin_with_a_connected_private_chat(admin_bot, plusofon):
    h = admin_bot
    await h.connect_chat(GROUP_ADMIN)
    h.tg.set_chat_member(GROUP, GROUP_ADMIN, status="administrator")
    reply = text_of(await h.send("/link", chat_id=GROUP, user_id=GROUP_ADMIN))
    assert "Группа подключена" in reply and str(PLUSOFON_USER_ID) in reply
    assert PLUSOFON_TOKEN not in reply
    auth = await h.chats.get(GROUP)
    assert auth is not None
    assert (auth.user_id, auth.token, auth.added_by) == (PLUSOFON_USER_ID, PLUSOFON_TOKEN, GROUP_ADMIN)
    assert [(e.action, e.result) for e in await audit_of(h, GROUP)] == [("link", "ok")]
    plusofon.seed(PLUSOFON_USER_ID, 1)
    assert "Умные номера: 1" in text_of(await h.send("/list", chat_id=GROUP, user_id=MEMBER))


async def test_link_by_the_group_creator_works(admin_bot):
    h = admin_bot
    await h.connect_chat(GROUP_ADMIN)
    h.tg.set_chat_member(GROUP, GROUP_ADMIN, status="creator")
    assert "Группа подключена" in text_of(await h.send("/link", chat_id=GROUP, user_id=GROUP_ADMIN))
    assert await h.chats.get(GROUP) is not None


async def test_link_by_a_plain_member_is_refused(admin_bot, plusofon):
    h = admin_bot
    await h.connect_chat(MEMBER)
    h.tg.set_chat_member(GROUP, MEMBER, status="member")
    reply = text_of(await h.send("/link", chat_id=GROUP, user_id=MEMBER))
    assert REFUSED_COMMAND in reply
    assert await h.chats.get(GROUP) is None
    assert plusofon.requests == []


async def test_link_without_a_connected_private_chat(admin_bot):
    h = admin_bot
    h.tg.set_chat_member(GROUP, GROUP_ADMIN, status="administrator")
    reply = text_of(await h.send("/link", chat_id=GROUP, user_id=GROUP_ADMIN))
    assert "Сначала подключите" in reply
    assert await h.chats.get(GROUP) is None


async def test_link_in_a_private_chat_shows_the_usage(admin_bot):
    h = admin_bot
    await h.connect_chat(GROUP_ADMIN)
    reply = text_of(await h.send("/link", chat_id=GROUP_ADMIN))
    assert "в группе" in reply


async def test_link_by_an_anonymous_admin_is_refused(admin_bot):
    h = admin_bot
    calls = await feed(h, anonymous_admin_update("/link"))
    assert "Анонимный администратор" in text_of(calls)
    assert await h.chats.get(GROUP) is None


# /link: who may link, what a link may replace, what it carries (issue 22, item 1)

OTHER_TOKEN = "tok-41-other-value"
TAKEN = "подключил другой человек"
LINK_NOT_ALLOWED = "Вам нельзя подключать группы"


async def test_link_never_takes_over_a_group_someone_else_connected(admin_bot, plusofon):
    """A group admin whose own private chat a bot admin connected (to another account) cannot move the group."""
    h = admin_bot
    plusofon.add_account(41, OTHER_TOKEN)
    await h.connect_chat(GROUP)  # the CLI: account 40
    await h.connect_chat(GROUP_ADMIN, user_id=41, token=OTHER_TOKEN)
    h.tg.set_chat_member(GROUP, GROUP_ADMIN, status="administrator")
    reply = text_of(await h.send("/link", chat_id=GROUP, user_id=GROUP_ADMIN))
    assert TAKEN in reply
    auth = await h.chats.get(GROUP)
    assert (auth.user_id, auth.token, auth.added_by) == (PLUSOFON_USER_ID, PLUSOFON_TOKEN, None)
    assert [(e.action, e.result) for e in await audit_of(h, GROUP)] == [("link", "refused: connected by another")]


async def test_a_bot_admin_may_relink_a_group_and_anyone_may_relink_their_own(admin_bot, plusofon):
    h = admin_bot
    plusofon.add_account(41, OTHER_TOKEN)
    await h.connect_chat(GROUP)
    await h.connect_chat(BOT_ADMIN, user_id=41, token=OTHER_TOKEN)
    h.tg.set_chat_member(GROUP, BOT_ADMIN, status="administrator")
    assert "Группа подключена" in text_of(await h.send("/link", chat_id=GROUP, user_id=BOT_ADMIN))
    assert (await h.chats.get(GROUP)).user_id == 41
    await h.connect_chat(GROUP_ADMIN)  # account 40, by the CLI
    h.tg.set_chat_member(GROUP, GROUP_ADMIN, status="administrator")
    group2 = -100778
    h.tg.set_chat_member(group2, GROUP_ADMIN, status="administrator")
    assert "Группа подключена" in text_of(await h.send("/link", chat_id=group2, user_id=GROUP_ADMIN))
    assert "Группа подключена" in text_of(await h.send("/link", chat_id=group2, user_id=GROUP_ADMIN))
    assert TAKEN in text_of(await h.send("/link", chat_id=GROUP, user_id=GROUP_ADMIN))
    assert (await h.chats.get(GROUP)).user_id == 41


async def test_a_link_carries_the_by_admin_of_the_private_chat_and_never_more(make):
    """A bot admin whose private chat was connected as a stranger's (before they were made admin, say) links a
    group: the group is a stranger's too, and does not tell NOTIFY_CHAT_ID."""
    h = await make(admin_ids=frozenset({BOT_ADMIN}), notify_chat_id=-100500, link_allowed="connected")
    await h.chats.put(BOT_ADMIN, PLUSOFON_USER_ID, PLUSOFON_TOKEN, added_by=BOT_ADMIN, by_admin=False)
    h.tg.set_chat_member(GROUP, BOT_ADMIN, status="administrator")
    assert "Группа подключена" in text_of(await h.send("/link", chat_id=GROUP, user_id=BOT_ADMIN))
    assert not (await h.chats.get(GROUP)).by_admin


async def test_by_default_a_self_connected_user_may_not_link(make, plusofon):
    h = await make(admin_ids=frozenset({BOT_ADMIN}), allow_self_login=True)
    await h.send(f"/login 40 {PLUSOFON_TOKEN}", chat_id=USER)
    assert (await h.chats.get(USER)) is not None
    h.tg.set_chat_member(GROUP, USER, status="administrator")
    plusofon.clear_requests()
    reply = text_of(await h.send("/link", chat_id=GROUP, user_id=USER))
    assert LINK_NOT_ALLOWED in reply
    assert await h.chats.get(GROUP) is None
    assert [(e.action, e.result) for e in await audit_of(h, GROUP)] == [("link", "refused: not allowed")]
    assert plusofon.requests == []


@pytest.mark.parametrize("allowed, linkers", [("admins", {BOT_ADMIN}),
                                              ("admin_connected", {BOT_ADMIN, GROUP_ADMIN}),
                                              ("connected", {BOT_ADMIN, GROUP_ADMIN, USER})])
async def test_link_allowed_says_who_may_link(make, allowed, linkers):
    h = await make(admin_ids=frozenset({BOT_ADMIN}), allow_self_login=True, link_allowed=allowed)
    await h.connect_chat(BOT_ADMIN)
    await h.connect_chat(GROUP_ADMIN)  # by the CLI: a bot admin made it
    await h.send(f"/login 40 {PLUSOFON_TOKEN}", chat_id=USER)  # self-connected
    for n, user in enumerate((BOT_ADMIN, GROUP_ADMIN, USER)):
        group = GROUP - n
        h.tg.set_chat_member(group, user, status="administrator")
        reply = text_of(await h.send("/link", chat_id=group, user_id=user))
        assert ("Группа подключена" in reply) == (user in linkers), (user, reply)
        assert (await h.chats.get(group) is not None) == (user in linkers)


# ---- /unlink ---------------------------------------------------------------------------------------


async def test_unlink_by_a_group_admin(group_bot):
    h = group_bot
    reply = text_of(await h.send("/unlink", chat_id=GROUP, user_id=GROUP_ADMIN))
    assert "отключена" in reply
    assert await h.chats.get(GROUP) is None
    assert [(e.action, e.result) for e in await audit_of(h, GROUP)] == [("unlink", "ok")]


async def test_unlink_by_a_plain_member_is_refused(group_bot):
    h = group_bot
    reply = text_of(await h.send("/unlink", chat_id=GROUP, user_id=MEMBER))
    assert REFUSED_COMMAND in reply
    assert await h.chats.get(GROUP) is not None


async def test_unlink_by_a_bot_admin_who_is_not_a_group_admin(group_bot):
    h = group_bot
    reply = text_of(await h.send("/unlink", chat_id=GROUP, user_id=BOT_ADMIN))
    assert "отключена" in reply
    assert await h.chats.get(GROUP) is None


async def test_unlink_of_an_unconnected_group_and_in_a_private_chat(admin_bot):
    h = admin_bot
    assert "и так не подключён" in text_of(await h.send("/unlink", chat_id=GROUP, user_id=BOT_ADMIN))
    assert "в группе" in text_of(await h.send("/unlink", chat_id=BOT_ADMIN))


# ---- /access ---------------------------------------------------------------------------------------


async def test_access_without_arguments_shows_everyone_by_default(group_bot):
    reply = text_of(await group_bot.send("/access", chat_id=GROUP, user_id=MEMBER))
    assert "все участники" in reply and "/access admins" in reply


async def test_access_admins_by_a_plain_member_is_refused(group_bot, plusofon):
    h = group_bot
    assert REFUSED_COMMAND in text_of(await h.send("/access admins", chat_id=GROUP, user_id=MEMBER))
    assert not (await h.chats.get(GROUP)).admins_only
    plusofon.seed(PLUSOFON_USER_ID, 1)
    assert "Умные номера: 1" in text_of(await h.send("/list", chat_id=GROUP, user_id=MEMBER))


async def test_access_admins_limits_the_group_to_its_admins(group_bot, plusofon):
    h = group_bot
    plusofon.seed(PLUSOFON_USER_ID, 20)  # two pages: ◀ ▶ and 🗑 buttons
    reply = text_of(await h.send("/access admins", chat_id=GROUP, user_id=GROUP_ADMIN))
    assert "Готово" in reply and ADMINS_ONLY in reply
    assert (await h.chats.get(GROUP)).admins_only
    assert [(e.action, e.details) for e in await audit_of(h, GROUP)] == [("access", "admins")]
    assert ADMINS_ONLY in text_of(await h.send("/access", chat_id=GROUP, user_id=MEMBER))

    # a plain member: refused, and Plusofon is not asked
    for command in ("/list", "/add 79993332210 Иван", "/del 5", "/add"):
        reply = text_of(await h.send(command, chat_id=GROUP, user_id=MEMBER))
        assert ADMINS_ONLY in reply, (command, reply)
    assert plusofon.requests == []

    # a group admin: works; whether they administer the group was asked once, then remembered
    assert get_chat_member_calls(h, GROUP, GROUP_ADMIN) == 1
    listing = only(await h.send("/list", chat_id=GROUP, user_id=GROUP_ADMIN), "sendMessage")
    assert "Умные номера: 20" in listing.params["text"]
    assert "Умные номера: 20" in text_of(await h.send("/list", chat_id=GROUP, user_id=GROUP_ADMIN))
    assert get_chat_member_calls(h, GROUP, GROUP_ADMIN) == 1

    # a bot admin who is no group admin: works too
    assert "Умные номера: 20" in text_of(await h.send("/list", chat_id=GROUP, user_id=BOT_ADMIN))
    no_internal_error(h)


async def test_a_plain_member_pressing_a_delete_button_gets_the_admins_only_alert(group_bot, plusofon):
    h = group_bot
    plusofon.seed(PLUSOFON_USER_ID, 20)
    await h.send("/access admins", chat_id=GROUP, user_id=GROUP_ADMIN)
    listing = only(await h.send("/list", chat_id=GROUP, user_id=GROUP_ADMIN), "sendMessage")
    plusofon.clear_requests()
    calls = await h.press(listing, "🗑", user_id=MEMBER)
    answer = only(calls, "answerCallbackQuery")
    assert answer.params.get("show_alert") is True and ADMINS_ONLY in answer.params["text"]
    assert not [call for call in calls if call.method_name in ("sendMessage", "editMessageText")]
    assert plusofon.requests == []
    # the admin's own press still works
    ask = only(await h.press(listing, "🗑", user_id=GROUP_ADMIN), "sendMessage")
    assert "Удалить умный номер?" in ask.params["text"]
    no_internal_error(h)


async def test_a_plain_member_pressing_a_page_button_gets_the_admins_only_alert(group_bot, plusofon):
    h = group_bot
    plusofon.seed(PLUSOFON_USER_ID, 20)
    await h.send("/access admins", chat_id=GROUP, user_id=GROUP_ADMIN)
    listing = only(await h.send("/list", chat_id=GROUP, user_id=GROUP_ADMIN), "sendMessage")
    plusofon.clear_requests()
    before = len(h.tg.calls)
    calls = await h.press(listing, "▶", user_id=MEMBER)
    assert plusofon.requests == []
    assert not [call for call in calls if call.method_name in ("sendMessage", "editMessageText")], \
        h.tg.describe_calls(len(h.tg.calls) - before)
    answer = only(calls, "answerCallbackQuery")
    assert answer.params.get("show_alert") is True and ADMINS_ONLY in (answer.params.get("text") or "")


async def test_a_group_admin_turns_pages_in_an_admins_only_group(group_bot, plusofon):
    h = group_bot
    plusofon.seed(PLUSOFON_USER_ID, 20)
    await h.send("/access admins", chat_id=GROUP, user_id=GROUP_ADMIN)
    listing = only(await h.send("/list", chat_id=GROUP, user_id=GROUP_ADMIN), "sendMessage")
    edit = only(await h.press(listing, "▶", user_id=GROUP_ADMIN), "editMessageText")
    assert "стр. 2/2" in edit.params["text"]
    no_internal_error(h)


async def test_access_admins_by_a_bot_admin_and_access_all_restores_everyone(group_bot, plusofon):
    h = group_bot
    plusofon.seed(PLUSOFON_USER_ID, 1)
    assert ADMINS_ONLY in text_of(await h.send("/access admins", chat_id=GROUP, user_id=BOT_ADMIN))
    assert ADMINS_ONLY in text_of(await h.send("/list", chat_id=GROUP, user_id=MEMBER))
    assert REFUSED_COMMAND in text_of(await h.send("/access all", chat_id=GROUP, user_id=MEMBER))
    assert (await h.chats.get(GROUP)).admins_only
    reply = text_of(await h.send("/access all", chat_id=GROUP, user_id=GROUP_ADMIN))
    assert "все участники" in reply
    assert not (await h.chats.get(GROUP)).admins_only
    assert "Умные номера: 1" in text_of(await h.send("/list", chat_id=GROUP, user_id=MEMBER))


async def test_access_in_a_private_chat_and_in_an_unconnected_group(admin_bot):
    h = admin_bot
    assert "в группе" in text_of(await h.send("/access admins", chat_id=BOT_ADMIN))
    assert "не подключён" in text_of(await h.send("/access", chat_id=GROUP, user_id=BOT_ADMIN))


# ---- anonymous administrators ----------------------------------------------------------------------


async def test_an_anonymous_admin_cannot_delete(group_bot, plusofon):
    h = group_bot
    plusofon.seed(PLUSOFON_USER_ID, 6)
    calls = await feed(h, anonymous_admin_update("/del 5"))
    reply = text_of(calls)
    assert "Анонимный администратор не может подтвердить удаление" in reply
    assert plusofon.requests == []


async def test_an_anonymous_admin_may_list_in_an_admins_only_group(group_bot, plusofon):
    h = group_bot
    plusofon.seed(PLUSOFON_USER_ID, 3)
    await h.send("/access admins", chat_id=GROUP, user_id=GROUP_ADMIN)
    calls = await feed(h, anonymous_admin_update("/list"))
    assert "Умные номера: 3" in text_of(calls)
    assert get_chat_member_calls(h, GROUP, ANONYMOUS_ADMIN_ID) == 0
    # and still cannot delete there
    calls = await feed(h, anonymous_admin_update("/del 1"))
    assert "Анонимный администратор" in text_of(calls)
    assert plusofon.count("DELETE") == 0 and plusofon.count("GET") == 1


# ---- /history --------------------------------------------------------------------------------------


def history_lines(text: str) -> list[str]:
    lines = text.split("\n")
    assert "Последние действия" in lines[0]
    return lines[1:]


async def test_history_lists_an_add_then_a_delete(harness, plusofon):
    assert "ничего не происходило" in text_of(await harness.send("/history"))
    await harness.send("/add 79993332210 Иван Петров")
    number = plusofon.numbers(PLUSOFON_USER_ID)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    await harness.press(ask, "✅")
    lines = history_lines(text_of(await harness.send("/history")))
    assert len(lines) == 2, lines
    assert "добавил(а)" in lines[0] and "Иван Петров" in lines[0] and "✅" in lines[0]
    assert "удалил(а)" in lines[1] and f"id {number['id']}" in lines[1]
    assert "Иван" in lines[0]  # who did it


async def test_history_shows_the_latest_twenty_newest_last(harness):
    audit = harness.services.audit
    for n in range(1, 26):
        await audit.record(chat_id=100, user_id=100, user_name="Иван", action="add", details=f"action {n}",
                           account_id=PLUSOFON_USER_ID)
    lines = history_lines(text_of(await harness.send("/history")))
    assert len(lines) == 20
    assert "action 6 " in lines[0] + " " and lines[-1].endswith("· ✅") and "action 25" in lines[-1]
    assert not any(re.search(r"action [1-5]\b", line) for line in lines)


async def test_history_escapes_what_users_wrote(harness, plusofon):
    await harness.send("/add 79993332210 <b>Иван</b> & <script>", first_name="<i>Злой</i>")
    text = text_of(await harness.send("/history"))
    assert "<b>Иван</b>" not in text and "<script>" not in text and "<i>Злой</i>" not in text
    assert "&lt;b&gt;Иван&lt;/b&gt; &amp; &lt;script&gt;" in text
    assert "&lt;i&gt;Злой&lt;/i&gt;" in text
    no_internal_error(harness)


async def test_a_long_history_is_cut_between_whole_entities(harness):
    audit = harness.services.audit
    for n in range(20):
        await audit.record(chat_id=100, user_id=100, user_name="Иван", action="add", details="&" * 120,
                           account_id=PLUSOFON_USER_ID)
    text = text_of(await harness.send("/history"))
    assert len(text) <= 4096
    broken = re.findall(r"&(?!(?:lt|gt|amp|quot|#x27|#39);)", text)
    assert not broken, text[-40:]
    assert unescape(text).count("&") > 0


async def test_history_in_an_unconnected_chat(harness):
    assert "не подключён" in text_of(await harness.send("/history", chat_id=STRANGER_CHAT))


async def test_history_of_a_group_is_its_own(group_bot, plusofon):
    h = group_bot
    await h.connect_chat(BOT_ADMIN)
    await h.send("/add 79993332210 Групповой", chat_id=GROUP, user_id=MEMBER)
    await h.send("/add 79993332211 Личный", chat_id=BOT_ADMIN)
    group_text = text_of(await h.send("/history", chat_id=GROUP, user_id=MEMBER))
    assert "Групповой" in group_text and "Личный" not in group_text



async def test_history_after_a_reconnect_to_another_account_shows_none_of_the_old_ones(harness, plusofon):
    """Issue 22, item 19: a chat reconnected to another account sees only what was done on that one."""
    await harness.send("/add 79993332210 Клиент старого аккаунта")
    plusofon.add_account(41, "tok-41-other-value")
    await harness.connect_chat(100, user_id=41, token="tok-41-other-value")
    text = text_of(await harness.send("/history"))
    assert "Клиент старого" not in text and "999 333" not in text and "добавил(а)" not in text, text
    await harness.send("/add 79993332211 Новый клиент")
    lines = history_lines(text_of(await harness.send("/history")))
    assert len(lines) == 1 and "Новый клиент" in lines[0], lines
    await harness.connect_chat(100)  # back to account 40: its own actions are its own again
    lines = history_lines(text_of(await harness.send("/history")))
    assert len(lines) == 1 and "Клиент старого аккаунта" in lines[0], lines


# ---- a token edited into a message (issue 11, item 9) --------------------------------------------------


def edited(text: str, *, chat_id: int, user_id: int, chat_type: str, message_id: int):
    from tests.fake_telegram import now

    message = user_message_dict(text, chat_id=chat_id, user_id=user_id, chat_type=chat_type,
                                message_id=message_id, edit_date=now())
    return make_update({"edited_message": message})


async def test_the_bot_asks_telegram_for_edited_messages(admin_bot):
    assert "edited_message" in admin_bot.dp.resolve_used_update_types()


async def test_a_login_edited_into_a_group_message_is_deleted_and_warned_about(admin_bot, plusofon):
    h = admin_bot
    before = len(h.tg.calls)
    await h.dp.feed_update(h.bot, edited(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=GROUP,
                                         user_id=MEMBER, chat_type="supergroup", message_id=321))
    calls = handled_since(h, before)
    assert deleted(calls, GROUP, 321)
    assert "скомпрометированным" in text_of(calls)
    assert await h.chats.get(GROUP) is None and plusofon.requests == []


async def test_a_login_edited_in_a_private_chat_is_deleted_and_handled_like_a_new_one(admin_bot, plusofon):
    h = admin_bot
    before = len(h.tg.calls)
    await h.dp.feed_update(h.bot, edited(f"/login {PLUSOFON_USER_ID} {PLUSOFON_TOKEN}", chat_id=BOT_ADMIN,
                                         user_id=BOT_ADMIN, chat_type="private", message_id=322))
    calls = handled_since(h, before)
    assert deleted(calls, BOT_ADMIN, 322)
    assert "подключён" in text_of(calls)
    assert (await h.chats.get(BOT_ADMIN)).user_id == PLUSOFON_USER_ID


async def test_other_edited_messages_are_left_alone(admin_bot, plusofon):
    h = admin_bot
    before = len(h.tg.calls)
    await h.dp.feed_update(h.bot, edited("/list", chat_id=BOT_ADMIN, user_id=BOT_ADMIN, chat_type="private",
                                         message_id=323))
    assert handled_since(h, before) == [] and plusofon.requests == []
