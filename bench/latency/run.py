"""The latency mode's phases: for each account size a fresh fake Plusofon answering after the round trip, and
the real bot started `repeat` times on one database (the first start on a fresh one): after each start a
/list marks the account used, the background reads are watched until they go quiet, then one round of
actions. Then the same with a fake that allows only `rate_limit` calls a minute, the actions done while the
sync runs; and, when 100,000 numbers are measured, an empty account for the RSS comparison."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.latency.actions import LIST_HEADER, Picks, Sample, Scene, play_round
from bench.latency.answers import final_answer
from bench.latency.traffic import Sync, take, watch_sync
from bench.load import BenchError
from bench.processes import BotProcess, PlusofonProcess, machine
from bench.world import PER_PAGE, SECRET_KEY, Account, Chat, write_database
from handlers.texts import Texts

CHAT_ID = 7_000_001
FIRST_ACCOUNT = 70_000
RSS_SIZE = 100_000
FIRST_LIST = "/list (first after start)"


@dataclass(frozen=True)
class LatencyOptions:
    rtt_ms: int = 100
    sizes: tuple[int, ...] = (40, 10_000, 100_000)
    repeat: int = 3
    """Bot starts per size, one round of actions each: every action is measured this many times."""
    rate_limit: int = 60
    """Calls a minute per token in the rate-limited phase."""
    limited_size: int = 1_000
    """Numbers of the rate-limited phase's account (0: no such phase)."""
    sync_quiet: float = 3.0
    """Seconds without a request that end the watch of the background reads."""

    @property
    def rtt(self) -> float:
        return self.rtt_ms / 1000

    @property
    def action_quiet(self) -> float:
        """Seconds without a request after an answer before its calls count as complete."""
        return max(0.3, 3 * self.rtt)


@dataclass
class Start:
    """One start of the bot: its background reads, its round of actions, its memory."""

    sync: Sync
    rss_after_sync_mb: float
    rss_end_mb: float | None = None
    """None: no round was played after the reads (the rate-limited phase when they did not finish)."""
    trigger_wait: float | None = None

    trigger_failure: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "sync": self.sync.as_json(),
            "rss_after_sync_mb": self.rss_after_sync_mb,
            "rss_end_mb": self.rss_end_mb,
            "first_list_wait_s": self.trigger_wait,
            "first_list_failure": self.trigger_failure,
        }


@dataclass
class SizeRun:
    size: int
    starts: list[Start] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    log_problems: list[str] = field(default_factory=list)
    rate_limit: int | None = None
    during_sync: list[Sample] = field(default_factory=list)
    """Rate-limited phase: the actions done while the sync ran (their calls are not counted)."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.size // PER_PAGE))

    def as_json(self) -> dict[str, Any]:
        by_action: dict[str, list[dict[str, Any]]] = {}
        for sample in self.samples:
            by_action.setdefault(sample.action, []).append(sample.as_json())
        return {
            "numbers": self.size,
            "pages": self.pages,
            "rate_limit": self.rate_limit,
            "starts": [start.as_json() for start in self.starts],
            "actions": by_action,
            "during_sync": [{"action": s.action, **s.as_json()} for s in self.during_sync],
            "log_problems": self.log_problems[:20],
            "log_problem_count": len(self.log_problems),
        }


@dataclass
class LatencyResults:
    options: LatencyOptions
    machine: dict[str, Any]
    sizes: list[SizeRun]
    limited: SizeRun | None
    empty: SizeRun | None
    seconds: float = 0.0

    def options_json(self) -> dict[str, Any]:
        return asdict(self.options)


async def run_latency(options: LatencyOptions) -> LatencyResults:
    started = time.monotonic()
    about = machine()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        workdir = Path(tmp)
        sizes, limited, empty = [], None, None
        for index, size in enumerate(options.sizes):
            sizes.append(await run_size(size, options, workdir / f"size-{size}", FIRST_ACCOUNT + index))
        if options.limited_size:
            limited = await run_size(
                options.limited_size,
                options,
                workdir / "limited",
                FIRST_ACCOUNT + 100,
                rate_limit=options.rate_limit,
            )
        if RSS_SIZE in options.sizes:
            empty = await run_size(0, options, workdir / "empty", FIRST_ACCOUNT + 200, repeat=1)
    return LatencyResults(options, about, sizes, limited, empty, time.monotonic() - started)


async def run_size(
    size: int,
    options: LatencyOptions,
    workdir: Path,
    user_id: int,
    *,
    rate_limit: int | None = None,
    repeat: int | None = None,
) -> SizeRun:
    account = Account(user_id, size)
    limited = f", at most {rate_limit} calls a minute" if rate_limit else ""
    print(f"… {size:,} numbers, round trip {options.rtt_ms} ms{limited}", file=sys.stderr, flush=True)
    result = SizeRun(size, rate_limit=rate_limit)
    plusofon = PlusofonProcess(
        [(user_id, account.token, size)], workdir / "plusofon", delay=options.rtt, rate_limit=rate_limit
    )
    database = workdir / "bot" / "bot.sqlite3"
    await write_database(database, [Chat(CHAT_ID, account)])
    env = {"PLUSOFON_API_URL": "", "DATABASE_PATH": str(database), "SECRET_KEY": SECRET_KEY,
           # the simulated user acts back to back, far faster than a person: the limiter must not refuse it
           "THROTTLE_USER_BURST": "1000000", "THROTTLE_CHAT_BURST": "1000000"}
    numbers = size
    await plusofon.start()
    try:
        env["PLUSOFON_API_URL"] = plusofon.base_url
        for start_number in range(repeat or options.repeat):
            bot = BotProcess(f"bot-{start_number + 1}", ["bot"], workdir / "bot", env)
            try:
                numbers = await one_start(
                    bot,
                    plusofon,
                    account,
                    numbers,
                    options,
                    result,
                    during_sync=rate_limit is not None and start_number == 0,
                )
            except (BenchError, TimeoutError, RuntimeError):
                if bot.child is not None:
                    print(f"--- last lines of the bot's log:\n{bot.child.log_tail()}", file=sys.stderr)
                raise
            finally:
                await bot.stop()
                if bot.child is not None:
                    result.log_problems += bot.child.log_problems()
            if rate_limit is not None:
                break  # one start: the actions during the sync and after it
    finally:
        await plusofon.stop()
    return result


async def one_start(
    bot: BotProcess,
    plusofon: PlusofonProcess,
    account: Account,
    numbers: int,
    options: LatencyOptions,
    result: SizeRun,
    *,
    during_sync: bool,
) -> int:
    """Start the bot, mark the account used with a /list, watch the background reads, play a round (while they
    run, in the rate-limited phase; then another once they are done). The account's size at the end."""
    await take(plusofon, account.user_id)  # what came before this start is not its sync
    await bot.start()
    sync = Sync(started_at=time.monotonic())
    trigger = await final_answer(
        bot.telegram,
        CHAT_ID,
        lambda: bot.telegram.push_message("/list", chat_id=CHAT_ID, user_id=CHAT_ID),
        lambda c: LIST_HEADER in str(c.params.get("text")) or c.params.get("text") == Texts.list_empty,
        idle=30.0,
        cap=60.0,
    )
    picks = await pick(plusofon, account.user_id, numbers, len(result.starts))
    pages = max(1, -(-numbers // PER_PAGE))
    watching = watch_sync(
        plusofon,
        account.user_id,
        sync,
        quiet=options.sync_quiet,
        stall=15.0,
        stall_refused=65.0 + options.sync_quiet,
        timeout=sync_timeout(pages, options, result),
    )
    if during_sync:
        scene = Scene(bot.telegram, CHAT_ID, plusofon, account.user_id, numbers, count_calls=False,
                      quiet=options.action_quiet, label="during the sync: ")
        watcher = asyncio.create_task(watching)
        try:
            await play_round(scene, picks, cold=True)
        except BaseException:
            watcher.cancel()
            raise
        sync = await watcher
        result.during_sync += scene.samples
        numbers = scene.numbers
    else:
        sync = await watching
    if during_sync:
        result.during_sync.insert(0, Sample(FIRST_LIST, trigger, None))
    if not trigger.ok:
        print(f"      the first /list failed: {trigger.failure}", file=sys.stderr)
    print(f"      background reads: {sync.calls} calls, {sync.seconds:.1f} s ({sync.ended})", file=sys.stderr)
    start = Start(sync, bot.memory().rss_mb, trigger_wait=trigger.wait, trigger_failure=trigger.failure)
    if during_sync and not sync.complete:  # the round after the sync would only repeat the failures
        result.starts.append(start)
        return numbers
    scene = Scene(bot.telegram, CHAT_ID, plusofon, account.user_id, numbers, count_calls=True,
                  quiet=options.action_quiet)
    await play_round(scene, picks, cold=not during_sync)
    start.rss_end_mb = bot.memory().rss_mb
    result.starts.append(start)
    result.samples += scene.samples
    bot.check_alive()
    return scene.numbers


def sync_timeout(pages: int, options: LatencyOptions, result: SizeRun) -> float:
    """Long enough for any sane sync: every page one after another, or at the rate limit twice over."""
    if result.rate_limit:
        return 2 * 60.0 * pages / result.rate_limit + 180.0
    return pages * options.rtt + 300.0


async def pick(plusofon: PlusofonProcess, user_id: int, numbers: int, turn: int) -> Picks:
    """The numbers a round uses; `turn` moves the /find targets, so that each start looks for others."""
    if numbers == 0:
        return Picks(None, None, None, None)

    async def at(position: int) -> dict[str, Any]:
        found = await plusofon.number(user_id, min(max(position, 0), numbers - 1))
        if found is None:
            raise BenchError(f"the fake has no number at {position} of {numbers}")
        return found

    old = max(PER_PAGE, numbers // 4) if numbers > PER_PAGE else numbers // 2
    return Picks(
        old=await at(old),
        customer=await at(numbers // 2),
        cold=await at(3 * numbers // 4 + turn),
        warm=await at(numbers // 3 + turn),
        newest=await at(numbers - 1),
    )
