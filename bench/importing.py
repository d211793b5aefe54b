"""`python -m bench --import`: an /import of 1,000 rows under a 60-calls-a-minute limit, in-process (the bot's
dispatcher with the test fakes, as tests/harness.py builds it; the file goes through getFile and the download).

What it reports: the calls the job spent against the floor (one POST a row and one page read per 15 new
numbers), the 429s it met, and its time against the floor the limit allows (floor calls / limit). At 60 calls
a minute a real run would take about 18 minutes, so time is compressed: the fake's rate window and the pacer's
window are both `60 / scale` seconds (a minute becomes 6 s at the default scale of 10) and the measured time is
multiplied back. The scale is kept low enough that the limit, not this machine's CPU, sets the pace (each row
is a few SQLite writes, made durable before its POST). One distortion, against the bot: Retry-After is whole seconds, so a compressed 429
asks for a pause of one compressed minute where a real one asks for the rest of the window.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.services.numbers import PER_PAGE
from tests.fake_plusofon import FakePlusofon
from tests.harness import BotHarness, button_data

ACCOUNT, TOKEN = 40, "tok-40-secret-value"


@dataclass(frozen=True, slots=True)
class ImportResult:
    case: str
    rows: int
    limit: int                 # calls a minute Plusofon allows
    ceiling: float             # MIRROR_CALLS_PER_MINUTE
    posts: int                 # POSTs answered (not 429)
    reads: int                 # page reads answered (not 429)
    rate_limited: int          # calls answered 429
    floor_calls: int
    minutes: float             # the job's time, scaled back to real minutes
    floor_minutes: float
    created_once: bool         # every row exists exactly once


async def run_import(rows: int = 1_000, limit: int = 60, scale: float = 10.0,
                     seeded: int = 37) -> list[ImportResult]:
    results = []
    for case, ceiling in (("default ceiling: learns the limit from 429s", 1800.0),
                          ("MIRROR_CALLS_PER_MINUTE = the limit", float(limit))):
        results.append(await _one(case, rows, limit, ceiling, scale, seeded))
    return results


async def _one(case: str, rows: int, limit: int, ceiling: float, scale: float, seeded: int) -> ImportResult:
    window = 60.0 / scale
    phones = [f"7999{n:07d}" for n in range(5_000_000, 5_000_000 + rows)]
    async with FakePlusofon() as api:
        api.add_account(ACCOUNT, TOKEN)
        api.seed(ACCOUNT, seeded)  # an account whose last page is part full
        with tempfile.TemporaryDirectory(prefix="bench-import-") as directory:
            h = BotHarness(Path(directory), api, mirror_calls_per_minute=ceiling * scale,
                           job_progress_seconds=5.0 / scale, import_max_rows=max(rows, 5_000))
            h.mirror_options["window"] = window
            h.client_options.update(request_timeout=10.0, deadline=20.0)  # this machine's load is not Plusofon's
            await h.start()
            try:
                await h.connect_chat(100)
                calls = await h.send_file(_csv(phones), "campaign.csv")
                asked = next(c for c in calls if c.method_name in ("sendMessage", "sendDocument"))
                api.rate_limit, api.rate_window = limit, window
                api.clear_requests()
                started = time.monotonic()
                await h.press_data(button_data(asked.params["reply_markup"], "✅"), chat_id=100,
                                   message_id=asked.result["message_id"])
                await h.tg.wait_for(lambda c: c.method_name == "sendDocument" and "result" in str(
                    getattr(c.params.get("document"), "filename", "")), timeout=rows * 2 * window + 120)
                elapsed = time.monotonic() - started
            finally:
                await h.stop()
        made = [n["phoneB"] for n in api.numbers(ACCOUNT)][seeded:]
        limited = api.rate_limited
        answered = [r for r in api.requests if r.status != 429]
        posts = sum(1 for r in answered if r.method == "POST")
        reads = sum(1 for r in answered if r.method == "GET")
    floor_calls = rows + math.ceil(rows / PER_PAGE)
    return ImportResult(case, rows, limit, ceiling, posts, reads, limited, floor_calls,
                        minutes=elapsed * scale / 60.0, floor_minutes=floor_calls / limit,
                        created_once=sorted(made) == sorted(phones))


def _csv(phones: list[str]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Телефон", "Описание"])
    writer.writerows([phone, f"кампания, клиент {i}"] for i, phone in enumerate(phones, start=1))
    return out.getvalue().encode("cp1251")


def table(results: list[ImportResult]) -> str:
    lines = [(f"/import of {results[0].rows} rows, Plusofon limit {results[0].limit} calls a minute "
              f"(time compressed, scaled back; see bench/importing.py)"), "",
             f"{'case':46} {'POST':>5} {'reads':>5} {'429':>4} {'calls/floor':>12} {'minutes/floor':>14} once",
             "-" * 100]
    for r in results:
        calls = r.posts + r.reads
        lines.append(f"{r.case:46} {r.posts:5d} {r.reads:5d} {r.rate_limited:4d} "
                     f"{f'{calls}/{r.floor_calls}':>12} {f'{r.minutes:.1f}/{r.floor_minutes:.1f}':>14} "
                     f"{'yes' if r.created_once else 'NO'}")
    return "\n".join(lines)


def main() -> int:
    results = asyncio.run(run_import())
    print(table(results))
    return 0 if all(r.created_once for r in results) else 1

