"""The whole benchmark, phase by phase: start everything, count Plusofon calls, measure the cases in
interleaved rounds, measure memory on a fresh bot, stop everything."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.load import BenchError, User, forget_history
from bench.measure import Case, measure, measure_memory, warm_up
from bench.processes import BotProcess, PlusofonProcess, machine, memory_of
from bench.report import Results
from bench.scenarios import Counted, count_actions, echo_step, list_step, mix_step, page_step, same_page
from bench.world import SECRET_KEY, YARDSTICK_ACCOUNT, Chat, World, write_database


@dataclass(frozen=True)
class Options:
    rounds: int = 3
    """Windows per case; the cases take turns, one window each per round."""
    window_seconds: float = 2.5
    users: int = 50
    warm_up_actions: int = 200
    crowd_chats: int = 2_000
    crowd_updates: int = 20_000
    crowd_concurrency: int = 10
    """Enough to keep the bot busy; more only adds queueing (and per-request pool scans in the clients)."""
    count_times: int = 3

    @classmethod
    def quick(cls) -> Options:
        return cls(rounds=1, window_seconds=1.5, warm_up_actions=100, crowd_chats=500, crowd_updates=2_000,
                   count_times=1)


class Phases:
    """Wall time of each phase, for the report."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        print(f"… {name}", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds[name] = time.monotonic() - started


async def run(options: Options) -> Results:
    phases = Phases()
    about = machine()
    started = time.monotonic()
    world = World.build(options.users, options.crowd_chats)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        plusofon = PlusofonProcess(world.accounts(), workdir / "plusofon")
        bots: dict[str, BotProcess] = {}
        try:
            with phases("start-up"):
                await plusofon.start()
                bots = await start_bots(world, plusofon.base_url, workdir)
                # This process holds aiogram's ~150 MB of models too: without freezing them, every full garbage
                # collection walks them all (~80 ms) and the answers that arrive meanwhile look late.
                gc.collect()
                gc.freeze()

            with phases("Plusofon calls per action"):
                counted, page_matches = await count_calls(world, bots, plusofon, options.count_times)

            cases = build_cases(world, bots)
            with phases("throughput"):
                for _ in range(options.rounds):
                    for case in cases.values():
                        if not case.warmed_up:
                            await warm_up(case, options.warm_up_actions)
                        window = await measure(case, plusofon, options.window_seconds)
                        print(f"    {case.name}: {window.throughput:.0f}/s, p99 {window.latency.p99:.0f} ms",
                              file=sys.stderr, flush=True)
            peak_memory = {name: bots[name].memory() for name in ("bot", "yardstick", "echo")}
            await asyncio.gather(*(bots[name].stop() for name in ("bot", "yardstick", "echo")))

            with phases(f"memory: {options.crowd_updates:,} /list from {options.crowd_chats:,} chats"):
                crowd = bots["crowd"]
                users = [User(crowd.telegram, chat.chat_id) for chat in world.crowd]
                memory = await measure_memory(crowd, users, options.crowd_updates, options.crowd_concurrency)
        except (BenchError, TimeoutError, RuntimeError, ExceptionGroup):
            for child in [plusofon, *(bot.child for bot in bots.values() if bot.child is not None)]:
                print(f"--- last lines of {child.name}'s log:\n{child.log_tail()}", file=sys.stderr)
            raise
        finally:
            await asyncio.gather(*(bot.stop() for bot in bots.values()), return_exceptions=True)
            await plusofon.stop()
        log_problems = {name: bot.child.log_problems() for name, bot in bots.items() if bot.child is not None}

    phases.seconds["total"] = time.monotonic() - started
    about["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return Results(machine=about, options=asdict(options), cases=cases, peak_memory=peak_memory, counted=counted,
                   same_page=page_matches, memory=memory, phases=phases.seconds, log_problems=log_problems,
                   driver_peak_mb=memory_of(os.getpid()).peak_mb)


async def start_bots(world: World, plusofon_url: str, workdir: Path) -> dict[str, BotProcess]:
    """The bot under test, a fresh one for the memory run, and the two yardsticks, started side by side."""

    async def real_bot(name: str, chats: list[Chat]) -> BotProcess:
        database = workdir / name / "bot.sqlite3"
        await write_database(database, chats)
        env = {"PLUSOFON_API_URL": plusofon_url, "DATABASE_PATH": str(database), "SECRET_KEY": SECRET_KEY,
               # simulated users act far faster than people: the limiter runs (and costs), but never refuses
               "THROTTLE_USER_BURST": "1000000", "THROTTLE_CHAT_BURST": "1000000"}
        return BotProcess(name, ["bot"], workdir / name, env)

    yardstick_env = {"PLUSOFON_API_URL": plusofon_url,
                     "YARDSTICK_PLUSOFON_USER_ID": str(YARDSTICK_ACCOUNT.user_id),
                     "YARDSTICK_PLUSOFON_TOKEN": YARDSTICK_ACCOUNT.token}
    bots = {
        "bot": await real_bot("bot", world.bot_chats),
        "crowd": await real_bot("crowd", world.crowd),
        "yardstick": BotProcess("yardstick", ["bench.yardstick"], workdir / "yardstick", yardstick_env),
        "echo": BotProcess("echo", ["bench.yardstick", "--echo"], workdir / "echo", {}),
    }
    await asyncio.gather(*(bot.start() for bot in bots.values()))
    return bots


async def count_calls(world: World, bots: dict[str, BotProcess], plusofon: PlusofonProcess,
                      times: int) -> tuple[list[Counted], bool]:
    """Plusofon calls of each action alone; and whether the yardstick's page is the bot's."""
    main, yardstick = bots["bot"].telegram, bots["yardstick"].telegram
    small = User(main, world.small[0].chat_id)
    page_matches = same_page(await small.send("/list"), await User(yardstick, small.chat_id).send("/list"))
    counted = await count_actions(
        plusofon, small=small, paged=User(main, world.paged[0].chat_id), large=User(main, world.large[0].chat_id),
        own=User(main, world.accounting.chat_id), yardstick=User(yardstick, small.chat_id), times=times,
    )
    forget_history(main)
    forget_history(yardstick)
    return counted, page_matches


def build_cases(world: World, bots: dict[str, BotProcess]) -> dict[str, Case]:
    """The throughput cases, in the order each round runs them (each bot's case next to what it is compared to)."""

    def users(bot: BotProcess, chats: list[Chat]) -> list[User]:
        return [User(bot.telegram, chat.chat_id) for chat in chats]

    main, echo, yardstick = bots["bot"], bots["echo"], bots["yardstick"]
    cases = [
        Case("echo", echo, users(echo, world.small), echo_step),
        Case("yardstick /list", yardstick, users(yardstick, world.small), list_step),
        Case("bot /list · 15 numbers", main, users(main, world.small), list_step),
        Case("bot /list · 10,000 numbers", main, users(main, world.large), list_step),
        Case("bot ▶ · 30 numbers", main, users(main, world.paged), page_step),
        Case("bot ▶ · 10,000 numbers", main, users(main, world.large_paging), page_step),
        Case("bot mix: /list ▶ /add /del ✅", main, users(main, world.mix), mix_step),
    ]
    return {case.name: case for case in cases}
