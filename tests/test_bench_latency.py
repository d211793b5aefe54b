"""The latency benchmark's instrument (bench/latency): what it counts at the fake Plusofon process and which
answer it takes as an action's final one. The bot is played by plain HTTP clients here, so that a syncing
bot (which does not exist yet) can be imitated."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bench.latency.answers import final_answer
from bench.latency.traffic import Sync, settle, take, watch_sync
from bench.processes import PlusofonProcess
from handlers.texts import Texts
from tests.conftest import SHARED_TLS
from tests.fake_bot_api import FakeBotApi

USER, TOKEN, CHAT = 40, "bench-token-40", 5_001
PATH = "/api/v1/smart-numbers"
BOT_TOKEN = "42:TEST"


@pytest.fixture
async def plusofon(tmp_path):
    server = PlusofonProcess([(USER, TOKEN, 300)], tmp_path, delay=0.02)  # 20 pages
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def http(plusofon):
    headers = {"Authorization": f"Bearer {TOKEN}", "Client": "10553", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=plusofon.base_url, headers=headers, timeout=10,
                                 verify=SHARED_TLS) as client:
        yield client


async def read_pages(http: httpx.AsyncClient, pages: range, in_flight: int = 4) -> None:
    limit = asyncio.Semaphore(in_flight)

    async def one(page: int) -> None:
        async with limit:
            response = await http.get(PATH, params={"page": page, "user_id": USER})
            assert response.status_code == 200

    await asyncio.gather(*(one(page) for page in pages))


async def watch(plusofon: PlusofonProcess, http: httpx.AsyncClient, background: range) -> Sync:
    """/list's page 1 (the trigger), then `background` pages read as a syncing bot would, watched."""
    await take(plusofon, USER)
    sync = Sync(started_at=time.monotonic())
    await read_pages(http, range(1, 2))
    reading = asyncio.create_task(read_pages(http, background))
    try:
        return await watch_sync(plusofon, USER, sync, quiet=0.5, stall=1.0, stall_refused=1.0, timeout=30)
    finally:
        await reading


async def test_a_sync_that_reads_every_page(plusofon, http):
    sync = await watch(plusofon, http, range(1, 21))
    assert (sync.ended, sync.complete, sync.background) == ("read every page", True, True)
    assert (sync.calls, sync.pages, sync.pages_read) == (20, 20, 20)  # the trigger's own call left out
    assert 0.1 < sync.seconds < 10  # 20 pages, 4 at a time, 20 ms each: from the start to the last read


async def test_a_sync_that_stops_part_way(plusofon, http):
    sync = await watch(plusofon, http, range(2, 11))
    assert (sync.ended, sync.complete, sync.background) == (
        "went quiet with 10 of 20 pages read",
        False,
        True,
    )
    assert sync.calls == 9


async def test_no_background_reads(plusofon, http):
    started = time.monotonic()
    sync = await watch(plusofon, http, range(0))
    assert (sync.ended, sync.complete, sync.background, sync.calls, sync.seconds) == (
        "no background reads",
        False,
        False,
        0,
        0.0,
    )
    assert time.monotonic() - started < 5  # ended by the quiet, not the timeout


async def test_settle_counts_an_actions_calls_by_route(plusofon, http):
    await take(plusofon, USER)
    await http.get(PATH, params={"page": 3, "user_id": USER})
    await http.post(PATH, json={"phone_b": "79161234567", "user_id": USER, "description": "x"})
    await http.delete(f"{PATH}/5")
    await http.delete(f"{PATH}/5")  # gone: 404
    traffic, settled = await settle(plusofon, USER, quiet=0.3, timeout=5)
    assert settled and traffic.calls == 4
    assert traffic.routes == {f"GET {PATH}": 1, f"POST {PATH}": 1, f"DELETE {PATH}/{{id}}": 2}
    assert traffic.statuses == {"200": 3, "404": 1} and traffic.pages_ok == {3}
    again, _ = await settle(plusofon, USER, quiet=0.3, timeout=5)
    assert again.calls == 0  # taken once


async def test_settle_gives_up_on_a_fake_that_never_goes_quiet(tmp_path):
    slow = PlusofonProcess([(USER, TOKEN, 1)], tmp_path, delay=1.5)  # answers long after settle's 0.5 s
    await slow.start()
    try:
        headers = {"Authorization": f"Bearer {TOKEN}", "Client": "10553"}
        async with httpx.AsyncClient(base_url=slow.base_url, headers=headers, timeout=10) as client:
            pending = asyncio.create_task(client.get(PATH, params={"user_id": USER}))
            deadline = time.monotonic() + 5
            while (await take(slow, USER)).in_flight == 0:
                assert time.monotonic() < deadline, "the request never arrived"
                await asyncio.sleep(0.02)
            started = time.monotonic()
            traffic, settled = await settle(slow, USER, quiet=0.2, timeout=0.5)
            assert not settled and traffic.calls == 0 and time.monotonic() - started < 2
            assert (await pending).status_code == 200
            traffic, settled = await settle(slow, USER, quiet=0.2, timeout=5)
            assert settled and traffic.calls == 1  # counted once answered
    finally:
        await slow.stop()


# ---- the final answer ----


@pytest.fixture
async def telegram():
    async with FakeBotApi(token=BOT_TOKEN) as api:
        yield api


async def bot_says(telegram: FakeBotApi, method: str, **params: object) -> dict:
    async with httpx.AsyncClient(base_url=telegram.base_url, verify=SHARED_TLS) as client:
        response = await client.post(f"/bot{BOT_TOKEN}/{method}", json={"chat_id": CHAT, **params})
        return response.json()["result"]


def push(telegram: FakeBotApi):
    return lambda: telegram.push_message("/find 999", chat_id=CHAT, user_id=CHAT)


def found(call) -> bool:
    return "Найдено:" in str(call.params.get("text"))


async def test_the_wait_runs_to_the_edit_that_carries_the_result(telegram):
    async def progress_then_result() -> None:
        sent = await bot_says(telegram, "sendMessage", text="Загружаю список: 3 400 из 10 000…")
        await bot_says(telegram, "sendChatAction", action="typing")
        await bot_says(
            telegram,
            "editMessageText",
            message_id=sent["message_id"],
            text="Загружаю список: 9 000 из 10 000…",
        )
        await asyncio.sleep(0.3)  # the imitated bot's own pace, not a wait for something
        await bot_says(
            telegram, "editMessageText", message_id=sent["message_id"], text="<b>Найдено: 1 · «999»</b>"
        )

    bot = asyncio.create_task(progress_then_result())
    outcome = await final_answer(telegram, CHAT, push(telegram), found, idle=5, cap=10)
    await bot
    assert outcome.ok and outcome.final is not None and outcome.final.method == "editMessageText"
    assert outcome.interim == 2 and outcome.wait >= 0.3 and outcome.first_wait < outcome.wait


async def test_an_error_text_ends_the_wait_as_a_failure(telegram):
    bot = asyncio.create_task(bot_says(telegram, "sendMessage", text=Texts.error_unavailable))
    outcome = await final_answer(telegram, CHAT, push(telegram), found, idle=5, cap=10)
    await bot
    assert not outcome.ok and outcome.wait is None and outcome.failure.startswith("error")
    assert "Plusofon не отвечает" in outcome.failure


async def test_silence_ends_the_wait_as_a_failure(telegram):
    started = time.monotonic()
    outcome = await final_answer(telegram, CHAT, push(telegram), found, idle=0.3, cap=10)
    assert not outcome.ok and "without an answer" in outcome.failure and time.monotonic() - started < 2


async def test_answers_in_other_chats_are_not_this_users(telegram):
    async def elsewhere_then_here() -> None:
        async with httpx.AsyncClient(base_url=telegram.base_url) as client:
            await client.post(
                f"/bot{BOT_TOKEN}/sendMessage", json={"chat_id": CHAT + 1, "text": "Найдено: 9"}
            )
        await bot_says(telegram, "sendMessage", text="Найдено: 1")

    bot = asyncio.create_task(elsewhere_then_here())
    outcome = await final_answer(telegram, CHAT, push(telegram), found, idle=5, cap=10)
    await bot
    assert outcome.ok and outcome.final.params["text"] == "Найдено: 1" and outcome.interim == 0


async def test_a_progress_message_may_stand_longer_than_the_wait_for_a_first_answer(telegram):
    async def progress_then_pause() -> None:
        sent = await bot_says(telegram, "sendMessage", text="Загружаю список: 100 из 10 000…")
        await asyncio.sleep(0.6)  # the imitated bot's own pace: longer than `idle`
        await bot_says(telegram, "editMessageText", message_id=sent["message_id"], text="Найдено: 1")

    bot = asyncio.create_task(progress_then_pause())
    outcome = await final_answer(telegram, CHAT, push(telegram), found, idle=0.3, cap=10, progress_idle=5)
    await bot
    assert outcome.ok and outcome.interim == 1 and outcome.wait >= 0.6


# ---- the targets ----


def sample(action: str, wait: float | None, calls: int):
    from collections import Counter

    from bench.latency.actions import Sample
    from bench.latency.answers import Outcome
    from bench.latency.traffic import Traffic

    failure = None if wait is not None else "error"
    traffic = Traffic(routes=Counter({"GET /api/v1/smart-numbers": calls}))
    return Sample(action, Outcome(None, wait, wait, 0, failure), traffic)


def verdicts(runs, **options) -> dict[str, bool]:
    from bench.latency.report import targets
    from bench.latency.run import LatencyOptions, LatencyResults

    machine = {"cpu": "x", "cores": 2, "python": "3.11", "load_average": [0.0]}
    results = LatencyResults(LatencyOptions(**options), machine, runs, None, None)
    return {target.name: target.passed for target in targets(results)}


def test_targets_at_100_ms():
    from bench.latency.run import SizeRun, Start

    run = SizeRun(10_000, samples=[
        sample("/list", 0.29, 1), sample("/list", 0.31, 1), sample("/list", 0.30, 3),  # median 0.30: in
        sample("▶", 0.31, 1),  # 2 round trips + 100 ms is 0.30
        sample("/add new customer", 0.39, 4),  # an /add may take 3 round trips + 100 ms and 4 calls
        sample("/add existing customer", 0.2, 5),
        sample("/export", 0.9, 3),  # up to 1 s at 10,000 numbers
        sample("/find cold", 0.1, 1), sample("/find cold", None, 1), sample("/find cold", None, 1),
    ])
    sync = Sync(started_at=0.0, last_list_at=25.0, complete=True, background=True, pages=667)
    run.starts.append(Start(sync, 100.0))
    assert verdicts([run]) == {
        "10,000 numbers · /list": True, "10,000 numbers · ▶": False,
        "10,000 numbers · /find cold": False,  # two of three failed: the median wait is endless
        "10,000 numbers · /export": True,
        "10,000 numbers · /add new customer": True, "10,000 numbers · /add existing customer": False,
        "first sync of 10,000 numbers": True,
    }
    sync.last_list_at = 31.0  # 31 s
    assert not verdicts([run])["first sync of 10,000 numbers"]
    sync.last_list_at, sync.complete = 20.0, False
    assert not verdicts([run])["first sync of 10,000 numbers"]


def test_targets_follow_the_round_trip_and_size():
    from bench.latency.run import SizeRun

    run = SizeRun(100_000, samples=[sample("/list", 0.39, 1), sample("/export", 5.0, 3)])
    assert verdicts([run], rtt_ms=150) == {"100,000 numbers · /list": True,  # 2 × 150 ms + 100 ms
                                           "100,000 numbers · /export": True}  # no wait target above 10,000
    assert not verdicts([run], rtt_ms=100)["100,000 numbers · /list"]
