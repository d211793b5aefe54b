"""The bot's place in chats: a group that became a supergroup takes its settings, history and pending
notifications along; the bot removed from a chat marks it inactive, and added back retries it at once."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import PLUSOFON_TOKEN, PLUSOFON_USER_ID
from tests.fake_telegram import migrate_update, my_chat_member_update
from tests.harness import BotHarness, only

OLD_GROUP = -100777
NEW_GROUP = -1001777
GROUP_TEAM = -100888
TEAM = -100500  # the harness' NOTIFY_CHAT_ID
GROUP_ADMIN = 7003


def text_of(calls) -> str:
    return only(calls, "sendMessage").params["text"]


def notification_to(chat_id: int, phrase: str = "", *, ok: bool = True):
    return lambda call: (call.method_name == "sendMessage" and call.params.get("chat_id") == chat_id
                         and call.ok is ok and phrase in call.params.get("text", ""))


async def feed(h: BotHarness, update) -> None:
    await h.dp.feed_update(h.bot, update)


async def eventually(check, timeout: float = 5.0) -> None:
    """Poll an async `check` until it is true (only for state that no Telegram call announces)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def outbox_rows(h: BotHarness) -> list[tuple[int, str, float | None, str | None]]:
    async with h.dp["db"].execute("SELECT chat_id, text, sent_at, dropped FROM outbox ORDER BY id") as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def notifier_idle(h: BotHarness) -> None:
    """Wait until the notifier has read the outbox (it reads it at start-up and after each add or delete)."""
    notifier = h.services.notifier

    async def idle() -> bool:
        pump = notifier._pump
        return (pump is None or pump.done()) and notifier.pending == 0

    await eventually(idle)


# ---- a group becomes a supergroup --------------------------------------------------------------------


async def test_migration_moves_the_authorisation_history_and_pending_notifications(harness, plusofon):
    h = harness
    await h.connect_chat(OLD_GROUP, notify_chat_id=GROUP_TEAM)
    await h.chats.set_admins_only(OLD_GROUP, True)
    await h.connect_chat(100, notify_chat_id=OLD_GROUP)  # the private chat reports to the old group
    h.tg.set_chat_member(OLD_GROUP, GROUP_ADMIN, status="administrator")
    h.tg.set_chat_member(NEW_GROUP, GROUP_ADMIN, status="administrator")

    # history in the old group: an add (its notification goes to the group's team chat)
    await h.send("/add 79993332210 Старая группа", chat_id=OLD_GROUP, user_id=GROUP_ADMIN, chat_type="group")
    await h.tg.wait_for(notification_to(GROUP_TEAM, "Старая группа"))
    await notifier_idle(h)
    # a notification for the old group still waiting in the outbox
    await h.services.audit.record(chat_id=100, user_id=100, user_name="Иван", action="add", details="ждёт",
                               notify_chat_id=OLD_GROUP, notify_text="➕ ждёт отправки")
    assert (OLD_GROUP, "➕ ждёт отправки", None, None) in await outbox_rows(h)

    await feed(h, migrate_update(OLD_GROUP, NEW_GROUP, user_id=GROUP_ADMIN))

    assert await h.chats.get(OLD_GROUP) is None
    moved = await h.chats.get(NEW_GROUP)
    assert moved is not None
    assert (moved.user_id, moved.token, moved.notify_chat_id, moved.admins_only, moved.active) == (
        PLUSOFON_USER_ID, PLUSOFON_TOKEN, GROUP_TEAM, True, True)
    assert (await h.chats.get(100)).notify_chat_id == NEW_GROUP
    # the pending notification now goes to the supergroup
    rows = await outbox_rows(h)
    assert (NEW_GROUP, "➕ ждёт отправки", None, None) in rows
    assert not [row for row in rows if row[0] == OLD_GROUP]
    # the history moved with it
    audit = h.services.audit
    assert await audit.recent(OLD_GROUP) == []
    assert [e.action for e in await audit.recent(NEW_GROUP)] == ["add"]
    history = text_of(await h.send("/history", chat_id=NEW_GROUP, user_id=GROUP_ADMIN))
    assert "Старая группа" in history

    # the supergroup works; the old group is no longer connected
    plusofon.seed(PLUSOFON_USER_ID, 2)
    assert "Умные номера: 3" in text_of(await h.send("/list", chat_id=NEW_GROUP, user_id=GROUP_ADMIN))
    assert "только администраторы группы" in text_of(await h.send("/list", chat_id=NEW_GROUP, user_id=5))
    assert "не подключён" in text_of(await h.send("/list", chat_id=OLD_GROUP, user_id=GROUP_ADMIN,
                                                  chat_type="group"))

    # an add in the private chat now notifies the supergroup
    await h.send("/add 79993332211 После переезда")
    await h.tg.wait_for(notification_to(NEW_GROUP, "После переезда"))


async def test_the_pending_notification_reaches_the_supergroup_after_a_restart(harness):
    h = harness
    await h.connect_chat(OLD_GROUP)
    await notifier_idle(h)
    await h.services.audit.record(chat_id=100, user_id=100, user_name="Иван", action="add", details="ждёт",
                               notify_chat_id=OLD_GROUP, notify_text="➕ ждёт отправки")
    await feed(h, migrate_update(OLD_GROUP, NEW_GROUP))
    since = len(h.tg.calls)
    await h.restart()  # the notifier sends what the outbox holds
    await h.tg.wait_for(notification_to(NEW_GROUP, "ждёт отправки"), since=since)
    assert not [call for call in h.tg.calls[since:] if call.params.get("chat_id") == OLD_GROUP]


async def test_migration_of_an_unconnected_group_changes_nothing(harness):
    h = harness
    await feed(h, migrate_update(OLD_GROUP, NEW_GROUP))
    assert await h.chats.get(NEW_GROUP) is None and await h.chats.get(OLD_GROUP) is None
    assert (await h.chats.get(100)) is not None


async def test_migration_onto_an_already_connected_supergroup(harness):
    h = harness
    await h.connect_chat(OLD_GROUP, notify_chat_id=GROUP_TEAM)
    await h.connect_chat(NEW_GROUP)
    await h.services.audit.record(chat_id=OLD_GROUP, user_id=1, user_name="Иван", action="add", details="было")
    await feed(h, migrate_update(OLD_GROUP, NEW_GROUP))
    assert await h.chats.get(OLD_GROUP) is None
    assert [e.details for e in await h.services.audit.recent(NEW_GROUP)] == ["было"]
    assert not any("Что-то пошло не так" in call.params.get("text", "") for call in h.tg.calls_of("sendMessage"))


# ---- the bot removed from a chat and added back ------------------------------------------------------


@pytest.mark.parametrize("gone", ["kicked", "left"])
async def test_bot_removed_from_a_group_marks_it_inactive_and_back_active(harness, gone):
    h = harness
    await h.connect_chat(OLD_GROUP)
    await feed(h, my_chat_member_update(OLD_GROUP, "member", gone))
    auth = await h.chats.get(OLD_GROUP)
    assert auth is not None and auth.active is False
    await feed(h, my_chat_member_update(OLD_GROUP, gone, "member"))
    assert (await h.chats.get(OLD_GROUP)).active is True
    assert h.tg.calls_of("sendMessage") == []  # nothing is said about it


async def test_bot_promoted_in_a_group_stays_active(harness):
    h = harness
    await h.connect_chat(OLD_GROUP)
    await feed(h, my_chat_member_update(OLD_GROUP, "member", "administrator"))
    assert (await h.chats.get(OLD_GROUP)).active is True


async def test_bot_blocked_in_a_private_chat_marks_it_inactive(harness):
    h = harness
    await feed(h, my_chat_member_update(100, "member", "kicked", user_id=100, chat_type="private"))
    assert (await h.chats.get(100)).active is False
    await feed(h, my_chat_member_update(100, "kicked", "member", user_id=100, chat_type="private"))
    assert (await h.chats.get(100)).active is True


async def test_membership_change_forgets_the_cached_group_admins(harness, plusofon):
    h = harness
    await h.connect_chat(OLD_GROUP)
    await h.chats.set_admins_only(OLD_GROUP, True)
    h.tg.set_chat_member(OLD_GROUP, GROUP_ADMIN, status="administrator")
    await h.send("/list", chat_id=OLD_GROUP, user_id=GROUP_ADMIN)
    await h.send("/list", chat_id=OLD_GROUP, user_id=GROUP_ADMIN)
    assert len(h.tg.calls_of("getChatMember")) == 1
    await feed(h, my_chat_member_update(OLD_GROUP, "member", "administrator"))
    await h.send("/list", chat_id=OLD_GROUP, user_id=GROUP_ADMIN)
    assert len(h.tg.calls_of("getChatMember")) == 2


async def _fail_one_notification(h: BotHarness) -> None:
    """Block the team chat, add a number: the notification fails and the team chat is marked unreachable."""
    h.tg.block_chat(TEAM)
    await h.send("/add 79993332210 Первый")
    await h.tg.wait_for(notification_to(TEAM, "Первый", ok=False))

    async def dropped() -> bool:
        return any("Первый" in row[1] and row[3] == "chat unreachable" for row in await outbox_rows(h))

    await eventually(dropped)
    h.tg.unblock_chat(TEAM)


async def test_team_chat_is_retried_at_once_when_the_bot_is_added_back(harness):
    h = harness
    await _fail_one_notification(h)
    await feed(h, my_chat_member_update(TEAM, "left", "member"))
    since = len(h.tg.calls)
    await h.send("/add 79993332211 Второй")
    await h.tg.wait_for(notification_to(TEAM, "Второй"), since=since)


async def test_without_the_bot_added_back_the_team_chat_stays_paused(harness):
    """The control case: the retry above is due to the membership update, not to the pause being short."""
    h = harness
    await _fail_one_notification(h)
    await h.send("/add 79993332211 Второй")

    async def dropped() -> bool:
        return any("Второй" in row[1] and row[3] == "chat unreachable" for row in await outbox_rows(h))

    await eventually(dropped)
    assert not [call for call in h.tg.calls_of("sendMessage")
                if call.params.get("chat_id") == TEAM and "Второй" in call.params["text"]]
