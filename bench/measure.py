"""One measurement of one case: a fixed-duration closed loop, with what it cost each process taking part."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.load import Latencies, Recorder, Step, User, closed_loop, forget_history, round_robin
from bench.processes import BotProcess, PlusofonProcess, own_cpu_seconds
from bench.scenarios import list_step


@dataclass
class Case:
    """Simulated `users` doing `step` against `bot`."""

    name: str
    bot: BotProcess
    users: list[User]
    step: Step
    windows: list[Window] = field(default_factory=list)
    warmed_up: bool = False


@dataclass
class Window:
    """One fixed-duration measurement."""

    seconds: float
    throughput: float
    """Answers per second that arrived within the window."""
    latency: Latencies
    """Of all its actions together."""
    by_action: dict[str, Latencies]
    actions: int
    """Every action done, those whose answer came after the window too."""
    plusofon_calls_per_action: float
    bot_cpu_ms_per_action: float
    driver_cpu_share: float
    """CPU seconds this process (fake Bot API + users) used per second: near 1.0 it would be the bottleneck."""
    plusofon_cpu_share: float

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


RAMP_SECONDS = 1.0


async def warm_up(case: Case, actions: int) -> None:
    """A few hundred actions first: connection pools fill, caches and lazy imports settle."""
    await closed_loop(case.users, case.step, actions=actions, ramp=RAMP_SECONDS)
    forget_history(case.bot.telegram)
    case.warmed_up = True


async def measure(case: Case, plusofon: PlusofonProcess, seconds: float) -> Window:
    case.bot.check_alive()
    await plusofon.take_counts()
    bot_cpu, driver_cpu, plusofon_cpu = case.bot.cpu_seconds(), own_cpu_seconds(), plusofon.cpu_seconds()
    started = time.monotonic()
    recorder = await closed_loop(case.users, case.step, seconds=seconds, ramp=RAMP_SECONDS)
    wall = time.monotonic() - started  # the window and the last answers after it
    calls = await plusofon.take_total()
    bot_cpu = case.bot.cpu_seconds() - bot_cpu
    driver_cpu = own_cpu_seconds() - driver_cpu
    plusofon_cpu = plusofon.cpu_seconds() - plusofon_cpu
    forget_history(case.bot.telegram)
    window = _window(recorder, seconds, calls, bot_cpu, driver_cpu / wall, plusofon_cpu / wall)
    case.windows.append(window)
    return window


def _window(recorder: Recorder, seconds: float, calls: int, bot_cpu: float, driver_share: float,
            plusofon_share: float) -> Window:
    actions = max(recorder.actions, 1)
    everything = [value for values in recorder.latencies.values() for value in values]
    return Window(
        seconds=seconds,
        throughput=recorder.in_window / seconds,
        latency=Latencies.of(everything),
        by_action={name: Latencies.of(values) for name, values in recorder.latencies.items()},
        actions=recorder.actions,
        plusofon_calls_per_action=calls / actions,
        bot_cpu_ms_per_action=bot_cpu * 1000 / actions,
        driver_cpu_share=driver_share,
        plusofon_cpu_share=plusofon_share,
    )


@dataclass
class MemoryRun:
    """/list from many chats in turn, on a bot that has seen nothing else: how its memory grows."""

    chats: int
    updates: int
    seconds: float
    rss_start_mb: float
    """After start-up, before the first update."""
    rss_half_mb: float
    """After the first half of the updates."""
    rss_end_mb: float
    peak_mb: float
    """VmHWM at the end: the most the process has ever been resident."""
    latency: Latencies
    bot_cpu_ms_per_update: float

    @property
    def growth(self) -> float:
        """RSS growth over the second half, as a fraction of the RSS at half-way."""
        return (self.rss_end_mb - self.rss_half_mb) / self.rss_half_mb

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "growth": self.growth}


async def measure_memory(bot: BotProcess, users: list[User], updates: int, concurrency: int,
                         chunk: int = 1000) -> MemoryRun:
    """`updates` /list, the chats taken in turn, `concurrency` at a time; RSS read at half-way and at the end,
    each time after the answers in flight arrived. The fake Bot API's history is dropped every `chunk`."""
    bot.check_alive()
    start = bot.memory()
    cpu, started = bot.cpu_seconds(), time.monotonic()
    latencies: list[float] = []
    readings = []
    done = 0
    for target in (updates // 2, updates):
        while done < target:
            size = min(chunk, target - done)
            recorder = await round_robin(users, list_step, size, concurrency, start=done)
            forget_history(bot.telegram)
            latencies += recorder.latencies["/list"]
            done += size
        readings.append(bot.memory())
    half, end = readings
    return MemoryRun(
        chats=len(users), updates=updates, seconds=time.monotonic() - started,
        rss_start_mb=start.rss_mb, rss_half_mb=half.rss_mb, rss_end_mb=end.rss_mb, peak_mb=end.peak_mb,
        latency=Latencies.of(latencies), bot_cpu_ms_per_update=(bot.cpu_seconds() - cpu) * 1000 / updates,
    )
