"""Only chats the bot's admins connected may post into the team chat (NOTIFY_CHAT_ID): with ALLOW_SELF_LOGIN a
stranger's chat must not (issue 11, item 4)."""

from __future__ import annotations

import functools
import itertools

import pytest

from tests.conftest import PLUSOFON_TOKEN
from tests.harness import BotHarness, only

TEAM = -100500
OTHER_TEAM = -100600
BOT_ADMIN = 7001
STRANGER = 555
GROUP_ADMIN = 7003
GROUP = -100777
PHISHING = "Срочно: смените пароль на https://evil.example"


@pytest.fixture
def make(make):
    """conftest's `make`, with a bot admin and the team chat."""
    return functools.partial(make, admin_ids=frozenset({BOT_ADMIN}), notify_chat_id=TEAM)


def team_messages(h: BotHarness, chat_id: int = TEAM) -> list[str]:
    return [call.params["text"] for call in h.tg.sent(chat_id)]


_phones = itertools.count(79993332210)


async def added(h: BotHarness, chat_id: int, user_id: int, description: str) -> None:
    command = f"/add {next(_phones)} {description}"
    assert "Создан" in only(await h.send(command, chat_id=chat_id, user_id=user_id), "sendMessage").params["text"]


async def wait_team(h: BotHarness, marker: str, chat_id: int = TEAM) -> None:
    """The notifier sends in order: once `marker`'s notification is there, every earlier one would be too."""
    await h.tg.wait_for(lambda call: call.method_name == "sendMessage" and call.params.get("chat_id") == chat_id
                        and marker in call.params["text"], timeout=5)


async def test_a_self_connected_chat_does_not_tell_the_team(make, plusofon):
    h = await make(allow_self_login=True)
    assert "подключён" in only(await h.send(f"/login 40 {PLUSOFON_TOKEN}", chat_id=STRANGER), "sendMessage") \
        .params["text"]
    assert not (await h.chats.get(STRANGER)).by_admin
    await added(h, STRANGER, STRANGER, PHISHING)
    await h.connect_chat(100)  # as the CLI does
    await added(h, 100, 100, "маркер-админа")
    await wait_team(h, "маркер-админа")
    assert not any("evil.example" in text for text in team_messages(h)), team_messages(h)


async def test_a_chat_a_bot_admin_connected_with_login_tells_the_team(make):
    h = await make(allow_self_login=True)
    await h.send(f"/login 40 {PLUSOFON_TOKEN}", chat_id=BOT_ADMIN)
    assert (await h.chats.get(BOT_ADMIN)).by_admin
    await added(h, BOT_ADMIN, BOT_ADMIN, "от админа")
    await wait_team(h, "от админа")


async def test_link_passes_on_who_connected_the_owners_chat(make):
    h = await make(allow_self_login=True, link_allowed="connected")
    stranger_group, team_group = -100901, -100902
    h.tg.set_chat_member(stranger_group, STRANGER, status="creator")
    h.tg.set_chat_member(team_group, GROUP_ADMIN, status="administrator")
    await h.send(f"/login 40 {PLUSOFON_TOKEN}", chat_id=STRANGER)
    await h.connect_chat(GROUP_ADMIN)  # the CLI connected this one's private chat
    assert "подключена" in only(await h.send("/link", chat_id=stranger_group, user_id=STRANGER), "sendMessage") \
        .params["text"]
    await h.send("/link", chat_id=team_group, user_id=GROUP_ADMIN)
    assert not (await h.chats.get(stranger_group)).by_admin and (await h.chats.get(team_group)).by_admin
    await added(h, stranger_group, STRANGER, PHISHING)
    await added(h, team_group, GROUP_ADMIN, "из группы команды")
    await wait_team(h, "из группы команды")
    assert not any("evil.example" in text for text in team_messages(h))


async def test_a_stranger_cannot_relink_a_group_the_admins_connected(make):
    """Even when anyone connected may /link (issue 22, item 1): the group keeps its connection and notify chat."""
    h = await make(allow_self_login=True, link_allowed="connected")
    await h.connect_chat(GROUP, notify_chat_id=OTHER_TEAM)
    h.tg.set_chat_member(GROUP, STRANGER, status="administrator")
    await h.send(f"/login 40 {PLUSOFON_TOKEN}", chat_id=STRANGER)
    assert "подключил другой человек" in only(await h.send("/link", chat_id=GROUP, user_id=STRANGER),
                                              "sendMessage").params["text"]
    auth = await h.chats.get(GROUP)
    assert (auth.added_by, auth.notify_chat_id, auth.by_admin) == (None, OTHER_TEAM, True)


@pytest.mark.parametrize("self_login", [True, False])
async def test_chats_connected_before_it_was_recorded_are_settled_at_start_up(make, self_login):
    h = await make(allow_self_login=self_login)
    linked_by_owner, linked_by_stranger = -100903, -100904
    await h.chats.put(100, 40, PLUSOFON_TOKEN)                                 # the CLI: no added_by
    await h.chats.put(BOT_ADMIN, 40, PLUSOFON_TOKEN, added_by=BOT_ADMIN)       # an admin's /login
    await h.chats.put(STRANGER, 40, PLUSOFON_TOKEN, added_by=STRANGER)         # a self-login
    await h.chats.put(GROUP_ADMIN, 40, PLUSOFON_TOKEN)                          # the CLI
    await h.chats.put(linked_by_owner, 40, PLUSOFON_TOKEN, added_by=GROUP_ADMIN)
    await h.chats.put(linked_by_stranger, 40, PLUSOFON_TOKEN, added_by=STRANGER)
    await h.dp["db"].execute("UPDATE chats SET connected_by_admin = NULL")  # as the migration leaves them
    await h.restart()
    by_admin = {chat_id: (await h.chats.get(chat_id)).by_admin
                for chat_id in (100, BOT_ADMIN, STRANGER, GROUP_ADMIN, linked_by_owner, linked_by_stranger)}
    if self_login:
        assert by_admin == {100: True, BOT_ADMIN: True, STRANGER: False, GROUP_ADMIN: True, linked_by_owner: True,
                            linked_by_stranger: False}
    else:  # only admins could connect chats
        assert all(by_admin.values())
