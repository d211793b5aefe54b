"""Medians, ratios and targets of a benchmark run: printed as a table and written as JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from bench.measure import Case, MemoryRun, Window
from bench.processes import Memory
from bench.scenarios import MIX, Counted

RSS_LIMIT_MB = 120.0
GROWTH_LIMIT = 0.10
SCALE_LIMIT = 1.1
P99_LIMIT = 1.1


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    limit: str
    passed: bool

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return f"{verdict}  {self.name}: {_num(self.value)} (target {self.limit})"


@dataclass
class Results:
    """Everything measured in one run."""

    machine: dict[str, Any]
    options: dict[str, Any]
    cases: dict[str, Case]
    peak_memory: dict[str, Memory]
    """Per bot process, read after its last case."""
    counted: list[Counted]
    same_page: bool
    memory: MemoryRun
    phases: dict[str, float]
    """Wall seconds of each phase."""
    log_problems: dict[str, list[str]]
    """Warning and error lines in each bot's log."""
    driver_peak_mb: float


def summary(case: Case) -> dict[str, Any]:
    """Medians over the case's windows."""
    windows = case.windows
    order = [name for name, _ in MIX]
    actions = sorted({name for window in windows for name in window.by_action},
                     key=lambda name: order.index(name) if name in order else len(order))
    return {
        "users": len(case.users),
        "windows": len(windows),
        "throughput": _median(windows, lambda w: w.throughput),
        "p50_ms": _median(windows, lambda w: w.latency.p50),
        "p95_ms": _median(windows, lambda w: w.latency.p95),
        "p99_ms": _median(windows, lambda w: w.latency.p99),
        "plusofon_calls_per_action": _median(windows, lambda w: w.plusofon_calls_per_action),
        "bot_cpu_ms_per_action": _median(windows, lambda w: w.bot_cpu_ms_per_action),
        "driver_cpu_share": _median(windows, lambda w: w.driver_cpu_share),
        "plusofon_cpu_share": _median(windows, lambda w: w.plusofon_cpu_share),
        "by_action": {
            name: {
                f"{p}_ms": median(getattr(w.by_action[name], p) for w in windows if name in w.by_action)
                for p in ("p50", "p95", "p99")
            }
            for name in actions
        },
    }


def paired_ratio(top: Case, bottom: Case, metric: Callable[[Window], float]) -> float:
    """Median over the rounds of metric(top) / metric(bottom): the rounds interleave the cases, so a slow spell
    of the shared machine weighs on both sides of each ratio."""
    return median(metric(a) / metric(b) for a, b in zip(top.windows, bottom.windows, strict=True))


def ratios(results: Results) -> dict[str, float]:
    cases, memory = results.cases, results.peak_memory
    bot, yardstick = cases["bot /list · 15 numbers"], cases["yardstick /list"]
    return {
        "list_throughput_bot_over_yardstick": paired_ratio(bot, yardstick, lambda w: w.throughput),
        "list_p99_bot_over_yardstick": paired_ratio(bot, yardstick, lambda w: w.latency.p99),
        "list_p50_bot_over_yardstick": paired_ratio(bot, yardstick, lambda w: w.latency.p50),
        "list_cpu_per_reply_bot_over_yardstick": paired_ratio(bot, yardstick, lambda w: w.bot_cpu_ms_per_action),
        "peak_rss_bot_over_yardstick": memory["bot"].peak_mb / memory["yardstick"].peak_mb,
        "yardstick_list_throughput_over_echo": paired_ratio(yardstick, cases["echo"], lambda w: w.throughput),
        "list_throughput_15_over_10000": paired_ratio(bot, cases["bot /list · 10,000 numbers"],
                                                      lambda w: w.throughput),
        "list_p99_10000_over_15": paired_ratio(cases["bot /list · 10,000 numbers"], bot, lambda w: w.latency.p99),
        "page_throughput_30_over_10000": paired_ratio(cases["bot ▶ · 30 numbers"], cases["bot ▶ · 10,000 numbers"],
                                                      lambda w: w.throughput),
        "page_p99_10000_over_30": paired_ratio(cases["bot ▶ · 10,000 numbers"], cases["bot ▶ · 30 numbers"],
                                               lambda w: w.latency.p99),
    }


def targets(results: Results, ratio: dict[str, float]) -> list[Target]:
    calls = {counted.action: counted.mean for counted in results.counted}
    memory = results.memory
    found = [
        Target("/list throughput at 50 users, bot / yardstick", ratio["list_throughput_bot_over_yardstick"],
               "≥ 1.0", ratio["list_throughput_bot_over_yardstick"] >= 1.0),
        Target("/list p99 latency at 50 users, bot / yardstick", ratio["list_p99_bot_over_yardstick"],
               f"≤ {P99_LIMIT}", ratio["list_p99_bot_over_yardstick"] <= P99_LIMIT),
    ]
    for action, limit in [("/list · 15 numbers", 1), ("/list · 10,000 numbers", 1), ("▶ · 30 numbers", 1),
                          ("▶ · 10,000 numbers", 1), ("🗑 from a page + ✅", 1)]:
        found.append(Target(f"Plusofon calls for {action}", calls[action], f"= {limit}", calls[action] == limit))
    # the freshness check (page 1 and the last page, one round trip), the POST, the read-back (issue 10)
    found.append(Target("Plusofon calls for /add", calls["/add"], "≤ 4", calls["/add"] <= 4))
    found += [
        Target(f"peak RSS after {memory.updates:,} updates from {memory.chats:,} chats, MB", memory.peak_mb,
               f"< {RSS_LIMIT_MB:.0f}", memory.peak_mb < RSS_LIMIT_MB),
        Target(f"RSS growth {memory.updates // 2:,} → {memory.updates:,} updates, %", memory.growth * 100,
               f"< {GROWTH_LIMIT * 100:.0f}", memory.growth < GROWTH_LIMIT),
        Target("/list throughput, 15 numbers / 10,000 numbers", ratio["list_throughput_15_over_10000"],
               f"≤ {SCALE_LIMIT}", ratio["list_throughput_15_over_10000"] <= SCALE_LIMIT),
        Target("▶ throughput, 30 numbers / 10,000 numbers", ratio["page_throughput_30_over_10000"],
               f"≤ {SCALE_LIMIT}", ratio["page_throughput_30_over_10000"] <= SCALE_LIMIT),
    ]
    return found


def as_json(results: Results) -> dict[str, Any]:
    ratio = ratios(results)
    return {
        "machine": results.machine,
        "options": results.options,
        "phases_seconds": results.phases,
        "cases": {
            name: {**summary(case), "runs": [window.as_json() for window in case.windows]}
            for name, case in results.cases.items()
        },
        "rss_mb": {name: {"rss": m.rss_mb, "peak": m.peak_mb} for name, m in results.peak_memory.items()},
        "driver_peak_rss_mb": results.driver_peak_mb,
        "plusofon_calls": {c.action: {"mean": c.mean, "each": c.calls} for c in results.counted},
        "yardstick_shows_the_same_page": results.same_page,
        "log_problems": results.log_problems,
        "memory": results.memory.as_json(),
        "ratios": ratio,
        "targets": [{"name": t.name, "value": t.value, "limit": t.limit, "pass": t.passed}
                    for t in targets(results, ratio)],
    }


def write_json(results: Results, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(as_json(results), ensure_ascii=False, indent=2, default=_json_default) + "\n")


def _json_default(value: object) -> object:
    if hasattr(value, "__dataclass_fields__"):
        return vars(value)
    raise TypeError(type(value))


# ---- the printed report ----

COLUMNS = f"{'case':<34}{'users':>6}{'replies/s':>11}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}" \
          f"{'Plusofon/act':>14}{'bot CPU ms/act':>16}"


def table(results: Results) -> str:
    ratio = ratios(results)
    lines = [_machine_line(results), "", COLUMNS, "-" * len(COLUMNS)]
    for name, case in results.cases.items():
        s = summary(case)
        lines.append(f"{name:<34}{s['users']:>6}{s['throughput']:>11.1f}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}"
                     f"{s['p99_ms']:>9.1f}{s['plusofon_calls_per_action']:>14.2f}{s['bot_cpu_ms_per_action']:>16.2f}")
        if len(s["by_action"]) > 1:
            for action, p in s["by_action"].items():
                lines.append(f"{'    ' + action:<34}{'':>6}{'':>11}{p['p50_ms']:>9.1f}{p['p95_ms']:>9.1f}"
                             f"{p['p99_ms']:>9.1f}")
    windows = max(len(case.windows) for case in results.cases.values())
    lines.append(f"(medians of {windows} windows of {results.options['window_seconds']} s each; "
                 "latency = update queued → answer received)")
    lines.append("")

    lines.append("peak RSS (VmHWM) after the cases: " + ", ".join(
        f"{name} {m.peak_mb:.1f} MB" for name, m in results.peak_memory.items()))
    lines.append(f"bot / yardstick, /list at {len(results.cases['yardstick /list'].users)} users: "
                 f"throughput {ratio['list_throughput_bot_over_yardstick']:.2f}, "
                 f"p50 {ratio['list_p50_bot_over_yardstick']:.2f}, p99 {ratio['list_p99_bot_over_yardstick']:.2f}, "
                 f"CPU per reply {ratio['list_cpu_per_reply_bot_over_yardstick']:.2f}, "
                 f"peak RSS {ratio['peak_rss_bot_over_yardstick']:.2f}")
    lines.append(f"yardstick /list / echo throughput: {ratio['yardstick_list_throughput_over_echo']:.2f}; "
                 f"the yardstick shows the bot's page exactly: {'yes' if results.same_page else 'NO'}")
    lines.append(f"scale: /list throughput 15 / 10,000 numbers {ratio['list_throughput_15_over_10000']:.2f}, "
                 f"p99 10,000 / 15 {ratio['list_p99_10000_over_15']:.2f}; ▶ throughput 30 / 10,000 "
                 f"{ratio['page_throughput_30_over_10000']:.2f}, p99 10,000 / 30 {ratio['page_p99_10000_over_30']:.2f}")
    lines.append("")

    lines.append("Plusofon calls per action (one at a time, each repeated):")
    for counted in results.counted:
        lines.append(f"    {counted.action:<32}{_num(counted.mean):>6}   {counted.calls}")
    lines.append("")

    m = results.memory
    lines.append(f"memory: {m.updates:,} /list from {m.chats:,} chats on a fresh bot in {m.seconds:.0f} s "
                 f"({m.updates / m.seconds:.0f}/s, p50 {m.latency.p50:.0f} ms, p99 {m.latency.p99:.0f} ms, "
                 f"{m.bot_cpu_ms_per_update:.2f} CPU ms/update)")
    lines.append(f"    RSS at start {m.rss_start_mb:.1f} MB, after {m.updates // 2:,} {m.rss_half_mb:.1f} MB, "
                 f"after {m.updates:,} {m.rss_end_mb:.1f} MB (growth {m.growth * 100:+.1f}%), "
                 f"peak {m.peak_mb:.1f} MB")
    summaries = [summary(case) for case in results.cases.values()]
    driver = max(s["driver_cpu_share"] for s in summaries)
    fake_plusofon = max(s["plusofon_cpu_share"] for s in summaries)
    lines.append(f"driver (fake Bot API + users, this process): at most {driver:.0%} of a core in a window, "
                 f"peak RSS {results.driver_peak_mb:.0f} MB; fake Plusofon process: at most {fake_plusofon:.0%}")
    problems = {name: lines for name, lines in results.log_problems.items() if lines}
    if problems:
        for name, found in problems.items():
            lines.append(f"{name}'s log has {len(found)} warning/error lines, e.g. {found[0][:150]}")
    else:
        lines.append("bot logs: no warnings or errors")
    lines.append("")

    lines += [target.line() for target in targets(results, ratio)]
    lines.append("")
    lines.append("phases: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in results.phases.items()))
    return "\n".join(lines)


def _machine_line(results: Results) -> str:
    m = results.machine
    load = m.get("load_average_end", m["load_average"])
    return (f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}; load average at start "
            f"{m['load_average'][0]}, at end {load[0]}")


def _median(windows: list[Window], metric: Callable[[Window], float]) -> float:
    return median(metric(window) for window in windows) if windows else math.nan


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"
