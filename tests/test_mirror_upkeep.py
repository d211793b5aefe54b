"""Keeping the account mirror true (issues 19 and 25): a copy never loses a number Plusofon still has, and
upkeep costs in proportion to what changed.

The account is changed behind the bot's back with the fake's own handles (as the web account would), some of it
between two page reads of a background read (`FakePlusofon.on_list`)."""

from __future__ import annotations

import asyncio
import math
import random

import pytest

from tests.fake_plusofon import FakePlusofon
from tests.harness import BotHarness
from tests.test_metrics import scrape, value
from tests.test_mirror import csv_rows, make, read_over


def change_once_during_the_read(api: FakePlusofon, *, at_page: int, position: int) -> list[int]:
    """When the background read asks for a page from `at_page` to twice that (not the last): the number at `position` (1-based, a page the
    read has passed) is deleted and one is added at the end, so the total stays the same. The deleted id, once
    it happened, is in the list returned."""
    done: list[int] = []

    def change(user_id: int, page: int) -> None:
        if done or not at_page <= page <= 2 * at_page:
            return
        gone = api.numbers(user_id)[position - 1]["id"]
        api.remove(user_id, gone)
        api.seed(user_id, 1, phone_b="79990003344")
        done.append(gone)

    api.on_list = change
    return done


async def export_ids(h: BotHarness) -> list[int]:
    return [int(row[0]) for row in csv_rows(await h.send("/export"))[1:]]


async def test_a_read_that_saw_a_delete_and_an_add_behind_it_loses_no_number(tmp_path, plusofon):
    """Issue 25's defect: the read ends with seen == total, yet the number shifted onto a page it had passed is
    missing. Such a read is not complete: the copy keeps every number and is made right."""
    plusofon.seed(40, 600)  # 40 pages
    h = make(tmp_path, plusofon)
    h.mirror_options["retry_delays"] = (0.05,)
    await h.start()
    try:
        await h.connect_chat(100)
        await h.synced()
        changed = change_once_during_the_read(plusofon, at_page=10, position=70)
        h.mirror.read_now(40)
        await h.mirror.settled(40, 20)
        assert changed
        assert await export_ids(h) == [n["id"] for n in plusofon.numbers(40)]
    finally:
        await h.stop()


async def test_a_first_read_that_saw_the_account_change_is_not_complete(tmp_path, plusofon):
    plusofon.seed(40, 600)
    h = make(tmp_path, plusofon)
    h.mirror_options["retry_delays"] = (0.05,)
    await h.start()
    try:
        await h.connect_chat(100)
        changed = change_once_during_the_read(plusofon, at_page=10, position=70)
        await h.synced(timeout=20)
        assert changed
        assert await export_ids(h) == [n["id"] for n in plusofon.numbers(40)]
    finally:
        await h.stop()


async def test_a_read_with_the_right_total_after_a_delete_and_an_add_behind_it_is_not_settled(tmp_path, plusofon):
    plusofon.seed(40, 600)
    h = make(tmp_path, plusofon)
    h.mirror_options["retry_delays"] = (600.0,)  # the next read comes much later: look at this one's result
    await h.start()
    try:
        await h.connect_chat(100)
        await h.synced()
        changed = change_once_during_the_read(plusofon, at_page=10, position=70)
        started = asyncio.create_task(plusofon.arrival("GET"))
        h.mirror.read_now(40)
        await started
        await read_over(h)
        assert changed and plusofon.total(40) == 600
        with pytest.raises(TimeoutError):
            await h.mirror.settled(40, 0.5)
    finally:
        await h.stop()


async def test_a_number_deleted_from_the_start_of_page_1_is_gone_from_find_at_once(tmp_path, plusofon):
    """The freshness check's low end: page 1 spans every id below its last, the lowest included."""
    plusofon.seed(40, 45)  # 3 pages
    h = await make(tmp_path, plusofon).start()
    try:
        await h.connect_chat(100)
        await h.synced()
        lowest = plusofon.numbers(40)[0]
        plusofon.remove(40, lowest["id"])
        calls = await h.send(f"/find {lowest['phoneB']}")
        assert "ничего не найдено" in calls[-1].params["text"]
    finally:
        await h.stop()


# -- upkeep in proportion to change: a seeded property test ---------------------------------------------


def bound(changes: int, pages: int) -> int:
    """Issue 19's budget for an upkeep after `changes` outside changes to an account of `pages` pages."""
    return 2 * changes * math.ceil(math.log2(max(pages, 1))) + 2


def gets_of(api: FakePlusofon, account: int) -> int:
    return sum(1 for r in api.requests if r.method == "GET" and r.query.get("user_id") == str(account))


async def copy_ids(h: BotHarness, account: int) -> list[int]:
    return [number.id for batch in [b async for b in h.mirror.everything(account)] for number in batch]


def burst(api: FakePlusofon, rng: random.Random, account: int, kind: str) -> int:
    """Outside changes of one `kind` (deletes anywhere, adds at the end, or both); how many."""
    changes = 0
    if kind in ("delete", "both"):
        ids = [n["id"] for n in api.numbers(account)]
        for gone in rng.sample(ids, min(len(ids), rng.randint(1, 6))):
            api.remove(account, gone)
            changes += 1
    if kind in ("add", "both"):
        added = rng.randint(1, 20)
        api.seed(account, added)
        changes += added
    return changes


CASES = [  # (seed, numbers): sizes around page boundaries, and big ones
    (1, 0), (2, 1), (3, 15), (4, 16), (5, 44), (6, 200), (7, 777), (8, 1500), (9, 3000), (10, 2000),
]


@pytest.mark.parametrize(("seed", "size"), CASES)
async def test_upkeep_after_random_changes_makes_the_copy_equal_within_the_bound(tmp_path, plusofon, seed, size):
    """Random bursts of changes made elsewhere (deletes anywhere, adds at the end, both, and changes while the
    repair reads): after upkeep the copy is the server's list; without changes during the repair, the calls stay
    within 2·d·⌈log2 pages⌉ + 2; with them, it converges or falls back to one whole read, never loops."""
    rng = random.Random(seed)
    plusofon.seed(40, size)
    plusofon.max_per_page = 100  # the whole read in pages of 100; upkeep reads the usual 15
    h = await make(tmp_path, plusofon).start()
    try:
        await h.connect_chat(100)
        await h.synced()
        for _ in range(3):
            kind = rng.choice(["delete", "add", "both", "delete", "during"])
            pages = math.ceil(max(plusofon.total(40), 1) / 15)
            during: list[int] = []
            if kind == "during":
                changes = burst(plusofon, rng, 40, "delete")

                def change(user_id: int, page: int, during: list[int] = during) -> None:
                    if not during and len(plusofon.requests) > 3:  # after the probe: under the repair
                        during.append(burst(plusofon, rng, user_id, rng.choice(["delete", "both"])))

                plusofon.on_list = change
            else:
                changes = burst(plusofon, rng, 40, kind)
            pages = max(pages, math.ceil(max(plusofon.total(40), 1) / 15))
            plusofon.clear_requests()
            await h.mirror.keep_now(40)
            await h.mirror.settled(40, 20)
            plusofon.on_list = None
            spent = gets_of(plusofon, 40)
            assert await copy_ids(h, 40) == [n["id"] for n in plusofon.numbers(40)], (kind, changes)
            if during:
                # converged (another round) or fell back to one whole read (and its own upkeep after it)
                assert spent <= bound(changes + during[0], pages) * 3 + pages + 3 + 2, (kind, spent)
            else:
                assert spent <= bound(changes, pages), (kind, changes, pages, spent)
    finally:
        await h.stop()


async def test_an_idle_account_costs_two_calls_an_interval(tmp_path, plusofon):
    plusofon.seed(40, 3000)
    plusofon.max_per_page = 100
    h = await make(tmp_path, plusofon).start()
    try:
        await h.connect_chat(100)
        await h.synced()
        await h.mirror.keep_now(40)
        await h.mirror.settled(40, 5)
        assert sorted(int(r.query["page"]) for r in plusofon.requests) == [1, 200]
    finally:
        await h.stop()


# -- what the API tells: per_page and the rate-limit headers ----------------------------------------------


def sizes_asked(api: FakePlusofon) -> set[str | None]:
    return {r.query.get("per_page") for r in api.requests if r.method == "GET"}


async def test_whole_reads_use_big_pages_when_the_list_accepts_them(tmp_path, plusofon):
    plusofon.seed(40, 450)
    plusofon.max_per_page = 50  # a paginator with a maximum: asked for 100, it gives (and echoes) 50
    h = await make(tmp_path, plusofon).start()
    try:
        await h.connect_chat(100)
        await h.synced(clear=False)
        assert plusofon.count("GET") == 9 + 2  # 450 in pages of 50, the count first, the last page again
        assert sizes_asked(plusofon) == {"100", "50"}  # asked once for 100; from then on the size it gave
        text = await scrape(h.services.metrics)
        assert value(text, "mirror_page_sizes_total", found="big") == 1
        assert value(text, "mirror_calls_total", reason="first") == 11
        assert await copy_ids(h, 40) == [n["id"] for n in plusofon.numbers(40)]
    finally:
        await h.stop()


async def test_whole_reads_keep_to_the_usual_pages_when_the_list_ignores_per_page(tmp_path, plusofon):
    plusofon.seed(40, 450)
    h = await make(tmp_path, plusofon).start()
    try:
        await h.connect_chat(100)
        await h.synced(clear=False)
        assert plusofon.count("GET") == 30 + 2
        assert value(await scrape(h.services.metrics), "mirror_page_sizes_total", found="usual") == 1
        assert await copy_ids(h, 40) == [n["id"] for n in plusofon.numbers(40)]
    finally:
        await h.stop()


async def test_background_reads_leave_a_fifth_of_the_limit_the_headers_tell_to_users(tmp_path, plusofon):
    """Plusofon allows 20 calls per 2 s per token and says so in X-RateLimit-Limit/-Remaining: the read keeps 4
    for users, so it is never refused, and a user acting meanwhile is answered."""
    plusofon.seed(40, 450)  # 32 calls: more than one window's worth
    plusofon.rate_limit, plusofon.rate_window, plusofon.rate_headers = 20, 2.0, True
    h = make(tmp_path, plusofon)
    h.mirror_options["window"] = 2.0
    await h.start()
    try:
        await h.connect_chat(100)
        await h.synced(timeout=20, clear=False)
        assert plusofon.rate_limited == 0
        calls = await h.send("/list")
        assert "Умные номера: 450" in calls[-1].params["text"]
        assert plusofon.rate_limited == 0
    finally:
        await h.stop()


# -- the safety net, and the cost an operator sees -------------------------------------------------------


async def test_only_the_whole_read_of_the_safety_net_sees_a_description_changed_elsewhere(tmp_path, plusofon):
    plusofon.seed(40, 600)
    h = make(tmp_path, plusofon, mirror_full_read_hours=1.0)
    h.mirror_options.update(clock=h.clock, tick=0.05)  # the scheduler looks often: no 30 s wait for it
    await h.start()
    try:
        await h.connect_chat(100)
        await h.synced()
        middle = plusofon.numbers(40)[300]
        plusofon.describe(40, middle["id"], "Переименован в кабинете")
        await h.mirror.keep_now(40)  # the probe reads pages 1 and 40: page 21 is not among them
        await h.mirror.settled(40, 10)
        assert "ничего не найдено" in (await h.send("/find Переименован"))[-1].params["text"]
        before = value(await scrape(h.services.metrics), "mirror_calls_total", reason="full")
        h.clock.advance(3600 * 1.01)  # past the account's place in the spread (within a fifth of the period)
        h.mirror.touch((await h.chats.get(100)).credentials)  # used lately: kept fresh
        async def full_read_done() -> None:
            while value(await scrape(h.services.metrics), "mirror_calls_total", reason="full") == before:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(full_read_done(), 10)
        await h.mirror.settled(40, 10)
        assert "Найдено: 1" in (await h.send("/find Переименован"))[-1].params["text"]
        text = await scrape(h.services.metrics)
        assert value(text, "mirror_calls_total", reason="probe") == 2
        assert value(text, "mirror_calls_total", reason="full") == 40 + 1  # the last page first, and again
    finally:
        await h.stop()
