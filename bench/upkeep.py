"""`python -m bench --upkeep`: what keeping the account mirror true costs in Plusofon calls (issue 19).

The mirror (bot/services/mirror/) runs in this process against the test Plusofon (tests/fake_plusofon.py) on
127.0.0.1, as fast as loopback allows. Plusofon's limit of `--rate-limit` calls a minute per token is not waited
for: each figure's time is its calls at that rate (calls × 60 / limit seconds), since every background call
is paced under it and the calls, not the loopback's speed, are what costs. Per account size:

- the first whole read, in the list's usual pages of 15 and in pages of 100 (`per_page`, when the list accepts it);
- an idle account's upkeep each interval (the probe);
- the upkeep after 1, 10 and 100 numbers deleted in the web account at random places (the repair), beside the
  bound 2·d·⌈log2 pages⌉ + 2 and what the code before issue 19 spent (a whole read each interval, and on drift).
"""

from __future__ import annotations

import asyncio
import math
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.core.models import Credentials
from bot.plusofon import PlusofonClient
from bot.services.mirror import Mirror
from storage.database import connect
from storage.mirror import MirrorStore
from tests.fake_plusofon import FakePlusofon

ACCOUNT, TOKEN = 40, "bench-upkeep-token"
USUAL_PAGE = 15
MEASURED_USUAL = 10_000   # above, the first read in pages of 15 is computed (⌈n/15⌉ + 2), not made: minutes


@dataclass
class Row:
    size: int
    first_calls: int
    first_calls_big: int
    idle_calls: int
    repairs: dict[int, int]          # changes -> calls
    before: int                      # calls of a whole read in pages of 15: the old code's every interval
    pages: int
    seconds_measured: float


class _NoChats:
    """The mirror asks the chats for a key only when it has none; the bench hands it one."""

    async def all(self) -> list[object]:
        return []


async def _mirror(workdir: Path, api: FakePlusofon, name: str) -> tuple[Mirror, PlusofonClient, object]:
    db = await connect(workdir / f"{name}.sqlite3")
    client = PlusofonClient(api.base_url, api.client_id, deadline=60.0, request_timeout=30.0)
    mirror = Mirror(MirrorStore(db), client, _NoChats(), per_minute=1e9, read_when_used=False)  # type: ignore[arg-type]
    await mirror.start()
    mirror.touch(Credentials(ACCOUNT, TOKEN))
    return mirror, client, db


async def _close(mirror: Mirror, client: PlusofonClient, db: object) -> None:
    await mirror.stop()
    await client.aclose()
    await db.close()  # type: ignore[attr-defined]


def _gets(api: FakePlusofon) -> int:
    return api.count("GET")


async def _first_read(workdir: Path, api: FakePlusofon, name: str, timeout: float) -> tuple[int, tuple]:
    mirror, client, db = await _mirror(workdir, api, name)
    api.clear_requests()
    mirror.read_now(ACCOUNT)
    await mirror.settled(ACCOUNT, timeout)
    return _gets(api), (mirror, client, db)


async def measure(size: int, changes: tuple[int, ...], workdir: Path, seed: int = 19) -> Row:
    started = time.monotonic()
    rng = random.Random(seed)
    async with FakePlusofon() as api:
        api.add_account(ACCOUNT, TOKEN)
        api.seed(ACCOUNT, size)
        timeout = 60 + size / 100
        if size <= MEASURED_USUAL:
            usual, handles = await _first_read(workdir, api, f"usual-{size}", timeout)
            await _close(*handles)
        else:  # what the smaller sizes measured: every page, the count and the anchor's page once more
            usual = math.ceil(size / USUAL_PAGE) + 2
        api.max_per_page = 100
        big, (mirror, client, db) = await _first_read(workdir, api, f"big-{size}", timeout)
        try:
            api.clear_requests()
            await mirror.keep_now(ACCOUNT)
            await mirror.settled(ACCOUNT, timeout)
            idle = _gets(api)
            repairs = {}
            for count in changes:
                for number in rng.sample(api.numbers(ACCOUNT), min(count, api.total(ACCOUNT))):
                    api.remove(ACCOUNT, number["id"])
                api.clear_requests()
                await mirror.keep_now(ACCOUNT)
                await mirror.settled(ACCOUNT, timeout)
                repairs[count] = _gets(api)
                copy = [n.id for batch in [b async for b in mirror.everything(ACCOUNT)] for n in batch]
                if copy != [n["id"] for n in api.numbers(ACCOUNT)]:
                    raise RuntimeError(f"the copy of {size:,} numbers differs after {count} changes")
        finally:
            await _close(mirror, client, db)
    pages = math.ceil(size / USUAL_PAGE)
    return Row(size, usual, big, idle, repairs, pages, pages, time.monotonic() - started)


def bound(changes: int, pages: int) -> int:
    return 2 * changes * math.ceil(math.log2(max(pages, 1))) + 2


def table(rows: list[Row], limit: int) -> str:
    per_call = 60.0 / limit

    def at_rate(calls: int) -> str:
        seconds = calls * per_call
        return f"{calls:,} calls, {seconds / 60:.1f} min" if seconds >= 120 else f"{calls:,} calls, {seconds:.0f} s"

    sizes = [f"{row.size:,} numbers" for row in rows]
    lines = [f"| under {limit} calls a minute | " + " | ".join(sizes) + " |",
             "|---|" + "---|" * len(rows)]

    def line(label: str, cells: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    line("first read, pages of 15", [at_rate(row.first_calls) + ("*" if row.size > MEASURED_USUAL else "")
                                     for row in rows])
    line("first read, pages of 100 (`per_page`)", [at_rate(row.first_calls_big) for row in rows])
    line("idle account, each interval", [f"{row.idle_calls} calls" for row in rows])
    for count in rows[0].repairs:
        line(f"repair of {count} deleted elsewhere (bound)",
             [f"{row.repairs[count]} calls ({bound(count, row.pages)})" for row in rows])
    line("before issue 19: each interval, and each repair", [at_rate(row.before) for row in rows])
    return "\n".join(lines)


async def run_upkeep(sizes: tuple[int, ...], changes: tuple[int, ...], limit: int) -> tuple[str, list[dict]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-upkeep-") as tmp:
        for size in sizes:
            print(f"… {size:,} numbers", file=sys.stderr, flush=True)
            row = await measure(size, changes, Path(tmp))
            print(f"    {row.seconds_measured:.0f} s", file=sys.stderr, flush=True)
            rows.append(row)
    return table(rows, limit), [asdict(row) for row in rows]


def main(sizes: tuple[int, ...], limit: int) -> int:
    text, _ = asyncio.run(run_upkeep(sizes, (1, 10, 100), limit))
    print(text)
    print(f"\n(time = calls at {limit} a minute, computed, not waited for; measured on 127.0.0.1; "
          f"* computed as ⌈n/15⌉ + 2, as measured at the smaller sizes)")
    return 0
