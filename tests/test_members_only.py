"""In a group, only its members act on its numbers, whatever /access says (issue 22, item 2): in public
supergroups and discussion groups people who never joined can send commands and press buttons. Membership is
Telegram's getChatMember (not `left`/`kicked`, nor `restricted` with `is_member` false), cached briefly, and
an error counts as "not a member".

What the tests cannot show: that Telegram really lets a non-member of a public supergroup press a button (the
review saw it; the fake delivers whatever it is fed), and what getChatMember answers for such a user there (the
Bot API docs: `left`)."""

from __future__ import annotations

import pytest
from aiogram import Bot

from bot.services.admins import MEMBER_TTL, GroupAdmins
from tests.conftest import PLUSOFON_USER_ID
from tests.fake_telegram import TEST_TOKEN, FakeSession
from tests.harness import BotHarness, FakeClock, only

GROUP = -100777
MEMBER = 7004
OUTSIDER = 7005
BOT_ADMIN = 7001
MEMBERS_ONLY = "только участники группы"


@pytest.fixture
async def group(make, plusofon) -> BotHarness:
    """GROUP connected to account 40 (/access all, the default) with 3 numbers; MEMBER is in it."""
    h = await make(admin_ids=frozenset({BOT_ADMIN}))
    await h.connect_chat(GROUP)
    h.tg.set_chat_member(GROUP, MEMBER, status="member")
    plusofon.seed(PLUSOFON_USER_ID, 3, description="Склад")
    return h


def refused(calls) -> bool:
    """The update got the "members only" answer (a message, or an alert for a button) and nothing else."""
    sent = [call for call in calls if call.method_name in ("sendMessage", "answerCallbackQuery")]
    assert len(sent) == 1, [str(call) for call in calls]
    text = sent[0].params.get("text") or ""
    assert not [call for call in calls if call.method_name in ("editMessageText", "sendDocument")]
    return MEMBERS_ONLY in text


@pytest.mark.parametrize("status, fields", [("left", {}), ("kicked", {}), ("restricted", {"is_member": False})])
@pytest.mark.parametrize("command", ["/list", "/find склад", "/export", "/history", "/del 5", "/add 79993332211 x"])
async def test_someone_who_is_not_in_the_group_is_refused_and_nothing_is_read(group, plusofon, status, fields,
                                                                            command):
    group.tg.set_chat_member(GROUP, OUTSIDER, status=status, **fields)
    plusofon.clear_requests()
    assert refused(await group.send(command, chat_id=GROUP, user_id=OUTSIDER))
    assert plusofon.requests == []


async def test_an_outsider_cannot_press_delete_nor_confirm(group, plusofon):
    group.tg.set_chat_member(GROUP, OUTSIDER, status="left")
    listing = only(await group.send("/list", chat_id=GROUP, user_id=MEMBER), "sendMessage")
    number = plusofon.numbers(PLUSOFON_USER_ID)[0]
    plusofon.clear_requests()
    assert refused(await group.press(listing, f"🗑 {number['id']}", user_id=OUTSIDER))
    ask = only(await group.press(listing, f"🗑 {number['id']}", user_id=MEMBER), "sendMessage")
    assert refused(await group.press(ask, "✅", user_id=OUTSIDER))
    assert [r for r in plusofon.requests if r.method == "DELETE"] == []
    assert len(plusofon.numbers(PLUSOFON_USER_ID)) == 3


@pytest.mark.parametrize("status, fields", [("member", {}), ("restricted", {"is_member": True}),
                                            ("administrator", {}), ("creator", {})])
async def test_members_of_every_kind_may(group, status, fields):
    group.tg.set_chat_member(GROUP, OUTSIDER, status=status, **fields)
    assert "Умные номера: 3" in only(await group.send("/list", chat_id=GROUP, user_id=OUTSIDER),
                                     "sendMessage").params["text"]


async def test_a_bot_admin_outside_the_group_is_refused_too(group):
    group.tg.set_chat_member(GROUP, BOT_ADMIN, status="left")
    assert refused(await group.send("/list", chat_id=GROUP, user_id=BOT_ADMIN))


async def test_when_telegram_cannot_say_the_answer_is_no(group, plusofon):
    """Failing closed: an error from getChatMember refuses, and is not remembered."""
    group.tg.fail_next("getChatMember", status=400, description="Bad Request: user not found")
    plusofon.clear_requests()
    assert refused(await group.send("/list", chat_id=GROUP, user_id=MEMBER))
    assert plusofon.requests == []
    assert "Умные номера: 3" in only(await group.send("/list", chat_id=GROUP, user_id=MEMBER),
                                     "sendMessage").params["text"]


async def test_membership_is_asked_once_for_a_few_actions(group):
    for _ in range(3):
        await group.send("/list", chat_id=GROUP, user_id=MEMBER)
    asked = [call for call in group.tg.calls_of("getChatMember") if call.params.get("user_id") == MEMBER]
    assert len(asked) == 1


async def test_membership_is_remembered_briefly():
    """Someone who leaves loses access once the cache forgets them: a minute."""
    tg, clock = FakeSession(), FakeClock()
    bot = Bot(TEST_TOKEN, session=tg)
    members = GroupAdmins(timer=clock)
    tg.set_chat_member(GROUP, MEMBER, status="member")
    assert await members.is_member(bot, GROUP, MEMBER)
    tg.set_chat_member(GROUP, MEMBER, status="left")
    clock.advance(MEMBER_TTL - 1)
    assert await members.is_member(bot, GROUP, MEMBER)
    clock.advance(2)
    assert not await members.is_member(bot, GROUP, MEMBER)
    assert len(tg.calls_of("getChatMember")) == 2


async def test_a_private_chat_asks_nobody(group):
    await group.connect_chat(MEMBER)
    await group.send("/list", chat_id=MEMBER)
    assert group.tg.calls_of("getChatMember") == []
