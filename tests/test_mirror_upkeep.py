"""Keeping the account mirror true (issues 19 and 25): a copy never loses a number Plusofon still has, and
upkeep costs in proportion to what changed.

The account is changed behind the bot's back with the fake's own handles (as the web account would), some of it
between two page reads of a background read (`FakePlusofon.on_list`)."""

from __future__ import annotations

import asyncio

import pytest

from tests.fake_plusofon import FakePlusofon
from tests.harness import BotHarness
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
