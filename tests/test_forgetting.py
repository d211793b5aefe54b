"""An account no chat refers to any more is forgotten (issue 22, item 5): its copy (customers' phones and
descriptions), its expiries and the dialogue state of the chats that left it are deleted, with SQLite's
secure_delete, so that neither the database file nor a later backup holds them: after MIRROR_KEEP_DAYS (a
reconnect within them keeps everything), or at once with 0."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.services.retention import DAY
from storage.backup import backup
from tests.conftest import PLUSOFON_USER_ID
from tests.harness import BotHarness, only

ACCOUNT = PLUSOFON_USER_ID


async def rows(h: BotHarness, sql: str, *params) -> list[tuple]:
    async with h.dp["db"].execute(sql, params) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def held(h: BotHarness) -> tuple[int, int, int]:
    """(numbers in the copy, its account row, expiries) of ACCOUNT."""
    [(numbers,)] = await rows(h, "SELECT count(*) FROM mirror_numbers WHERE account_id = ?", ACCOUNT)
    [(accounts,)] = await rows(h, "SELECT count(*) FROM mirror_accounts WHERE account_id = ?", ACCOUNT)
    [(expiries,)] = await rows(h, "SELECT count(*) FROM expiries WHERE account_id = ?", ACCOUNT)
    return numbers, accounts, expiries


def on_disk(h: BotHarness) -> bytes:
    path = h.settings.database_path
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def used_account(h: BotHarness, plusofon) -> list[str]:
    """ACCOUNT with 3 numbers copied and a temporary one; returns the customers' digits the copy holds."""
    numbers = plusofon.seed(ACCOUNT, 3)
    assert "Создан умный номер" in only(await h.send("/add 79990007777 Временный --ttl 7d"),
                                        "sendMessage").params["text"]
    await h.synced(ACCOUNT)
    assert await held(h) == (4, 1, 1)
    return [number["phoneB"].lstrip("+") for number in numbers]


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


async def age_release(h: BotHarness, days: float) -> None:
    await h.dp["db"].execute("UPDATE released_accounts SET released_at = released_at - ?", (days * DAY,))


async def test_after_a_logout_the_account_is_kept_a_week_then_forgotten_for_good(make, plusofon, tmp_path):
    h = await make(connect=100)
    customers = await used_account(h, plusofon)
    assert all(digits.encode() in on_disk(h) for digits in customers)  # the scan does see them
    assert await rows(h, "PRAGMA secure_delete") == [(1,)]  # whatever the SQLite build's default
    await h.send("/logout")
    await h.services.retention.purge()
    assert await held(h) == (4, 1, 1)  # kept: a reconnect within MIRROR_KEEP_DAYS finds it all
    await age_release(h, 7.1)
    await h.services.retention.purge()
    assert await held(h) == (0, 0, 0)
    assert h.services.expiries.of(ACCOUNT) == {}
    for digits in customers:
        assert digits.encode() not in on_disk(h), digits  # overwritten, not just unlinked (secure_delete)
    await backup(h.settings.database_path, tmp_path / "copy.sqlite3")
    assert not any(digits.encode() in (tmp_path / "copy.sqlite3").read_bytes() for digits in customers)


async def test_a_reconnect_within_the_week_keeps_everything(make, plusofon):
    h = await make(connect=100)
    await used_account(h, plusofon)
    await h.send("/logout")
    await h.connect_chat(100)
    await age_release(h, 30)
    await h.services.retention.purge()
    assert await held(h) == (4, 1, 1)
    assert await rows(h, "SELECT * FROM released_accounts") == []


async def test_while_another_chat_refers_to_the_account_nothing_goes(make, plusofon):
    h = await make(connect=100, mirror_keep_days=0)
    await h.connect_chat(200)
    await used_account(h, plusofon)
    await h.send("/logout")
    await h.services.retention.purge()
    assert await held(h) == (4, 1, 1)


async def test_with_mirror_keep_days_0_a_logout_forgets_at_once(make, plusofon):
    h = await make(connect=100, mirror_keep_days=0)
    await used_account(h, plusofon)
    await h.send("/logout")
    assert await held(h) == (0, 0, 0)
    assert await rows(h, "SELECT * FROM released_accounts") == []


@pytest.mark.parametrize("how", ["unlink", "relink"])
async def test_a_group_unlinked_or_linked_to_another_account_lets_its_account_go(make, plusofon, how):
    bot_admin, group = 7001, -100777
    h = await make(admin_ids=frozenset({bot_admin}), mirror_keep_days=0)
    await h.connect_chat(group)
    h.tg.set_chat_member(group, bot_admin, status="administrator")
    numbers = plusofon.seed(ACCOUNT, 2)
    await h.synced(ACCOUNT)
    assert (await held(h))[0] == len(numbers)
    if how == "unlink":
        await h.send("/unlink", chat_id=group, user_id=bot_admin)
    else:
        plusofon.add_account(41, "tok-41-other-value")
        await h.connect_chat(bot_admin, user_id=41, token="tok-41-other-value")
        assert "Группа подключена" in only(await h.send("/link", chat_id=group, user_id=bot_admin),
                                           "sendMessage").params["text"]
    assert await held(h) == (0, 0, 0)


async def test_a_chat_removed_by_the_cli_is_noticed_by_the_next_retention_pass(make, plusofon):
    h = await make(connect=100, mirror_keep_days=0)
    await used_account(h, plusofon)
    assert await h.chats.remove(100)  # what `python -m bot chats remove 100` does, from its own process
    await h.services.retention.purge()
    assert await held(h) == (0, 0, 0)


async def test_the_dialogue_state_of_a_chat_that_logs_out_is_deleted(make, plusofon):
    h = await make(connect=100)
    await h.send("/add")
    await h.send("79990008888")  # the dialogue now holds the customer's phone
    assert await rows(h, "SELECT key FROM fsm WHERE data LIKE '%79990008888%'")
    await h.send("/logout")
    assert await rows(h, "SELECT key FROM fsm WHERE key LIKE 'fsm:%:100:%'") == []
    assert b"79990008888" not in on_disk(h)


async def test_a_read_in_progress_stops_and_does_not_bring_the_copy_back(make, plusofon):
    h = await make(connect=100, mirror_keep_days=0, mirror_calls_per_minute=120)  # 1 page each 0.5 s
    plusofon.seed(ACCOUNT, 200)
    auth = await h.chats.get(100)
    h.mirror.touch(auth.credentials)
    h.mirror.read_now(ACCOUNT)
    await eventually(lambda: (h.mirror.progress(ACCOUNT) or (0, 0))[0] > 0)
    await h.send("/logout")
    assert plusofon.count("GET") < 200 // 15  # stopped, not waited for to the end
    plusofon.clear_requests()
    assert await held(h) == (0, 0, 0)
    h.mirror.read_now(ACCOUNT)
    await h.services.retention.purge()
    assert await held(h) == (0, 0, 0)
    assert plusofon.requests == []


def test_the_setting_defaults_to_a_week_and_takes_0(tmp_path: Path):
    from bot.core.settings import Settings
    from tests.fake_telegram import TEST_TOKEN

    assert Settings(bot_token=TEST_TOKEN, _env_file=None).mirror_keep_days == 7
    assert Settings(bot_token=TEST_TOKEN, _env_file=None, mirror_keep_days=0).mirror_keep_days == 0



async def test_a_checkpoint_a_long_read_kept_from_happening_is_done_on_the_next_pass(tmp_path: Path):
    """The rows are deleted at once; emptying the WAL can be kept waiting by a read in progress on the shared
    connection (storage.database.checkpoint gives up after its patience). The next pass owes it, even with
    nothing new to forget."""
    from types import SimpleNamespace

    from bot.services.forgetting import Forgetting
    from storage.database import connect
    from storage.released import ReleasedAccounts

    class Released(ReleasedAccounts):
        def __init__(self, conn) -> None:
            super().__init__(conn)
            self.answers, self.calls = [False, True], 0

        async def checkpoint(self) -> bool:
            self.calls += 1
            return self.answers.pop(0)

    async def nothing(_account: int) -> int:
        return 0

    conn = await connect(tmp_path / "bot.sqlite3")
    try:
        await conn.execute("INSERT INTO released_accounts (account_id, released_at) VALUES (40, 0)")
        released = Released(conn)
        kept = SimpleNamespace(forget=nothing, forget_account=nothing)
        forgetting = Forgetting(released, kept, kept, None, keep_days=0, clock=lambda: 1.0)
        assert await forgetting.forget_due() == 1
        assert released.calls == 1
        assert await forgetting.forget_due() == 0
        assert released.calls == 2  # owed, so tried again
        assert await forgetting.forget_due() == 0
        assert released.calls == 2  # paid: nothing to do
    finally:
        await conn.close()
