"""The latency mode's report: a table per account size, the targets as PASS/FAIL lines, and the JSON."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from bench.latency.actions import ACTIONS, ADDS, EXPORT, Sample
from bench.latency.run import RSS_SIZE, LatencyOptions, LatencyResults, SizeRun

SYNC_SIZE, SYNC_LIMIT_S = 10_000, 30.0
EXPORT_SIZE_LIMIT, EXPORT_LIMIT_S = 10_000, 1.0
RSS_GROWTH_LIMIT_MB = 10.0


@dataclass(frozen=True)
class Target:
    name: str
    shown: str
    limit: str
    passed: bool

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.shown} (target {self.limit})"

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.shown, "limit": self.limit, "pass": self.passed}


def median_wait(samples: list[Sample]) -> float:
    """A failed action counts as an endless wait."""
    return median(s.outcome.wait if s.outcome.wait is not None else math.inf for s in samples)


def median_calls(samples: list[Sample]) -> float | None:
    counted = [s.calls for s in samples if s.calls is not None]
    return median(counted) if counted else None


def limits(action: str, size: int, options: LatencyOptions) -> tuple[float | None, int]:
    """(wait in seconds or None, calls) an action's medians must stay within."""
    if action in ADDS:
        return 3 * options.rtt + 0.1, 4
    if action == EXPORT:
        return (EXPORT_LIMIT_S if size <= EXPORT_SIZE_LIMIT else None), 3
    return 2 * options.rtt + 0.1, 3


def by_action(run: SizeRun) -> dict[str, list[Sample]]:
    grouped: dict[str, list[Sample]] = {}
    for sample in run.samples:
        grouped.setdefault(sample.action, []).append(sample)
    return {action: grouped[action] for action in ACTIONS if action in grouped}


def targets(results: LatencyResults) -> list[Target]:
    options = results.options
    found = []
    for run in results.sizes:
        for action, samples in by_action(run).items():
            wait, calls = median_wait(samples), median_calls(samples)
            wait_limit, calls_limit = limits(action, run.size, options)
            failed = sum(not s.outcome.ok for s in samples)
            shown = f"wait {_seconds(wait)}, {_num(calls)} calls" + (f", {failed} failed" if failed else "")
            limit = (f"≤ {wait_limit:.2f} s, " if wait_limit is not None else "") + f"≤ {calls_limit} calls"
            passed = (wait_limit is None or wait <= wait_limit) and calls is not None and calls <= calls_limit
            found.append(Target(f"{run.size:,} numbers · {action}", shown, limit, passed and not failed))
        if run.size == SYNC_SIZE and run.starts:
            sync = run.starts[0].sync
            shown = f"{sync.seconds:.1f} s, {sync.calls} calls, {sync.ended}"
            found.append(
                Target(
                    f"first sync of {run.size:,} numbers",
                    shown,
                    f"every page read, ≤ {SYNC_LIMIT_S:.0f} s",
                    sync.complete and sync.background and sync.seconds <= SYNC_LIMIT_S,
                )
            )
    limited = results.limited
    if limited is not None and limited.starts:
        sync = limited.starts[0].sync
        actions = [*limited.during_sync, *limited.samples]
        failed = [s for s in actions if not s.outcome.ok]
        shown = (
            f"sync: {sync.ended} ({sync.calls} calls, {sync.traffic.refused} answered 429, "
            f"{sync.seconds:.0f} s); "
            f"{len(failed)} of {len(actions)} actions failed"
        )
        found.append(
            Target(
                f"at most {limited.rate_limit} calls a minute, {limited.size:,} numbers",
                shown,
                "the sync reads every page, no action fails",
                sync.complete and sync.background and not failed,
            )
        )
    growths = rss_growths(results)
    if growths is not None:
        after_sync, after_round = growths
        growth = max(after_sync, after_round if after_round is not None else after_sync)
        shown = f"{after_sync:+.1f} MB after the background reads" + (
            f", {after_round:+.1f} MB after the round" if after_round is not None else ""
        )
        found.append(
            Target(
                f"RSS growth from mirroring {RSS_SIZE:,} numbers (vs an empty account)",
                shown,
                f"< {RSS_GROWTH_LIMIT_MB:.0f} MB at both",
                growth < RSS_GROWTH_LIMIT_MB,
            )
        )
    return found


def rss_growths(results: LatencyResults) -> tuple[float, float | None] | None:
    """100,000 numbers less an empty account: RSS after the first start's background reads, and after the last
    start's round (None if there was none)."""
    big = next((run for run in results.sizes if run.size == RSS_SIZE and run.starts), None)
    empty = results.empty
    if big is None or empty is None or not empty.starts:
        return None
    after_sync = big.starts[0].rss_after_sync_mb - empty.starts[0].rss_after_sync_mb
    end, empty_end = big.starts[-1].rss_end_mb, empty.starts[-1].rss_end_mb
    return after_sync, None if end is None or empty_end is None else end - empty_end


# ---- the printed report ----

COLUMNS = f"{'action':<26}{'wait s':>8}{'each':>22}{'1st answer':>12}{'calls':>7}{'each':>14}   routes (1st)"


def table(results: LatencyResults) -> str:
    o = results.options
    m = results.machine
    lines = [
        f"latency mode: every Plusofon call answered after {o.rtt_ms} ms; one user acting in sequence; "
        f"each action once per bot start, {o.repeat} starts per size (medians)",
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}; load average at start "
        f"{m['load_average'][0]}",
        "",
    ]
    for run in results.sizes:
        lines += size_block(run, f"{run.size:,} numbers ({run.pages:,} pages)")
    if results.limited is not None:
        run = results.limited
        lines += size_block(
            run,
            f"{run.size:,} numbers ({run.pages:,} pages), at most {run.rate_limit} calls a "
            "minute: the round after every page was read",
        )
        lines.append(
            "  the round right after the first /list, while the sync runs (calls not counted; in the "
            "start's reads above):"
        )
        for sample in run.during_sync:
            wait = _seconds(sample.outcome.wait)
            lines.append(f"    {sample.action:<24}{wait:>8}   {sample.outcome.failure or 'ok'}")
        lines.append("")
    if results.empty is not None:
        lines += size_block(results.empty, "empty account (the RSS baseline)")
    lines += [target.line() for target in targets(results)]
    lines.append(f"\n{results.seconds:.0f} s in all")
    return "\n".join(lines)


def size_block(run: SizeRun, title: str) -> list[str]:
    lines = [title, COLUMNS, "-" * len(COLUMNS)] if run.samples else [title.partition(":")[0]]
    for action, samples in by_action(run).items():
        waits = " ".join(_seconds(s.outcome.wait, short=True) for s in samples)
        firsts = [s.outcome.first_wait for s in samples if s.outcome.first_wait is not None]
        calls = " ".join("-" if s.calls is None else str(s.calls) for s in samples)
        routes = samples[0].traffic.routes if samples[0].traffic is not None else {}
        shown_routes = ", ".join(
            f"{route.split()[0]}{'/id' if route.endswith('}') else ''} {n}"
            for route, n in sorted(routes.items())
        )
        first = f"{median(firsts):.2f}" if firsts else "-"
        lines.append(
            f"{action:<26}{_seconds(median_wait(samples)):>8}{waits:>22}{first:>12}"
            f"{_num(median_calls(samples)):>7}{calls:>14}   {shown_routes}"
        )
    problems: dict[tuple[str, str], int] = {}
    for sample in run.samples:
        problem = sample.outcome.failure or (
            None if sample.settled else "the fake did not go quiet after it; calls counted for 15 s"
        )
        if problem:
            problems[sample.action, problem] = problems.get((sample.action, problem), 0) + 1
    for (action, problem), times in problems.items():
        lines.append(f"  ! {action}: {problem}" + (f" (×{times})" if times > 1 else ""))
    for number, start in enumerate(run.starts, 1):
        sync = start.sync
        lines.append(
            f"  start {number}: background reads {sync.calls} calls, {sync.seconds:.1f} s ({sync.ended}"
            f"{', ' + str(sync.traffic.refused) + ' answered 429' if sync.traffic.refused else ''}); "
            f"RSS after them {start.rss_after_sync_mb:.1f} MB"
            + (f", after the round {start.rss_end_mb:.1f} MB" if start.rss_end_mb is not None else "")
        )
    if run.log_problems:
        lines.append(
            f"  the bot's log has {len(run.log_problems)} warning/error lines, "
            f"e.g. {run.log_problems[0][:140]}"
        )
    lines.append("")
    return lines


def as_json(results: LatencyResults) -> dict[str, Any]:
    return {
        "machine": results.machine,
        "options": results.options_json(),
        "seconds": results.seconds,
        "sizes": {str(run.size): {**run.as_json(), "medians": medians(run)} for run in results.sizes},
        "rate_limited": None
        if results.limited is None
        else {**results.limited.as_json(), "medians": medians(results.limited)},
        "empty_account": None if results.empty is None else results.empty.as_json(),
        "rss_growth_mb": rss_growths(results),
        "targets": [target.as_json() for target in targets(results)],
    }


def medians(run: SizeRun) -> dict[str, dict[str, Any]]:
    return {
        action: {
            "wait_s": _finite(median_wait(samples)),
            "calls": median_calls(samples),
            "failed": sum(not s.outcome.ok for s in samples),
        }
        for action, samples in by_action(run).items()
    }


def write_json(results: LatencyResults, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(as_json(results), ensure_ascii=False, indent=2) + "\n")


def _finite(value: float) -> float | None:
    return None if math.isinf(value) else value


def _seconds(value: float | None, *, short: bool = False) -> str:
    if value is None or math.isinf(value):
        return "fail"
    return f"{value:.2f}" if short else f"{value:.3f}"


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
