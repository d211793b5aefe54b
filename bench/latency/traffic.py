"""What the fake Plusofon saw: calls by route and status, and conditions on it waited for by polling
(quiet after an action; a background sync that has read every page and gone quiet)."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.processes import PlusofonProcess

LIST_ROUTE = "GET /api/v1/smart-numbers"
POLL_SECONDS = 0.05


@dataclass
class Traffic:
    """Plusofon requests answered over a stretch of time."""

    routes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    pages_ok: set[int] = field(default_factory=set)
    """List pages answered 200."""

    def add(self, batch: dict[str, Any]) -> None:
        self.routes.update(batch["routes"])
        self.statuses.update(batch["statuses"])
        self.pages_ok.update(batch["pages_ok"])

    @property
    def calls(self) -> int:
        return sum(self.routes.values())

    @property
    def list_calls(self) -> int:
        return self.routes.get(LIST_ROUTE, 0)

    @property
    def refused(self) -> int:
        """429 answers."""
        return self.statuses.get("429", 0)

    def as_json(self) -> dict[str, Any]:
        return {"calls": self.calls, "routes": dict(self.routes), "statuses": dict(self.statuses)}


@dataclass(frozen=True)
class FakeNow:
    """The fake's state when it was asked."""

    in_flight: int
    idle_for: float | None
    """Seconds since the latest request arrived (None: none ever did)."""
    last_list_at: float | None
    """When the latest list GET arrived, in this process's time.monotonic()."""
    numbers: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.numbers / self.per_page))

    def quiet_for(self, seconds: float) -> bool:
        return self.in_flight == 0 and (self.idle_for is None or self.idle_for >= seconds)


async def take(plusofon: PlusofonProcess, user_id: int, into: Traffic | None = None) -> FakeNow:
    batch = await plusofon.take_calls()
    if into is not None:
        into.add(batch)
    ago = batch["last_list_ago"]
    return FakeNow(
        in_flight=batch["in_flight"],
        idle_for=batch["idle_for"],
        last_list_at=None if ago is None else time.monotonic() - ago,
        numbers=batch["numbers"][str(user_id)],
        per_page=batch["per_page"],
    )


async def settle(
    plusofon: PlusofonProcess, user_id: int, quiet: float, timeout: float
) -> tuple[Traffic, bool]:
    """The calls answered until nothing is in flight and nothing arrived for `quiet` seconds; and whether that
    happened within `timeout` (if not, the traffic so far)."""
    traffic = Traffic()
    deadline = time.monotonic() + timeout
    while True:
        now = await take(plusofon, user_id, traffic)
        if now.quiet_for(quiet):
            return traffic, True
        if time.monotonic() > deadline:
            return traffic, False
        await asyncio.sleep(POLL_SECONDS)


@dataclass
class Sync:
    """The bot's reads of an account from its start (or a trigger) until it has read every page and gone
    quiet, or gone quiet without reading beyond the pages the trigger itself reads."""

    traffic: Traffic = field(default_factory=Traffic)
    started_at: float = 0.0
    last_list_at: float | None = None
    complete: bool = False
    """Every page of the account was answered 200 meanwhile."""
    background: bool = False
    """List reads beyond the trigger's own were seen."""
    ended: str = ""
    """How the watch ended: "read every page", "no background reads", "went quiet with 40 of 667 pages read",
    "timed out with ..."."""
    trigger_calls: int = 1
    pages: int = 0
    """The account's pages when the watch ended."""

    @property
    def pages_read(self) -> int:
        return len(self.traffic.pages_ok & set(range(1, self.pages + 1)))

    @property
    def seconds(self) -> float:
        """From the start to the latest list read (0 when there were no background reads)."""
        if not self.background or self.last_list_at is None:
            return 0.0
        return max(0.0, self.last_list_at - self.started_at)

    @property
    def calls(self) -> int:
        """Every call seen, less the trigger's own."""
        return max(0, self.traffic.calls - self.trigger_calls)

    def as_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "seconds": self.seconds,
            "complete": self.complete,
            "background_reads": self.background,
            "ended": self.ended,
            "refused_429": self.traffic.refused,
            "pages_read": self.pages_read,
            "pages": self.pages,
            "traffic": self.traffic.as_json(),
        }


async def watch_sync(
    plusofon: PlusofonProcess,
    user_id: int,
    sync: Sync,
    *,
    quiet: float,
    stall: float,
    stall_refused: float,
    timeout: float,
) -> Sync:
    """Poll the fake until the sync is done (see Sync) or `timeout` passes.

    Done: every page read and `quiet` seconds without a request; or `quiet` seconds without a request and no
    list read beyond the trigger's (no background sync). A sync that read some pages but not all is given
    `stall` seconds of silence before it counts as stopped; `stall_refused` once the fake has answered 429 (a
    bot waiting out a Retry-After is silent that long).
    """
    deadline = time.monotonic() + timeout
    while True:
        now = await take(plusofon, user_id, sync.traffic)
        sync.last_list_at = now.last_list_at if sync.traffic.list_calls else None
        sync.background = sync.traffic.list_calls > sync.trigger_calls
        sync.pages = now.pages
        sync.complete = sync.pages_read == sync.pages
        if not sync.background and now.quiet_for(quiet):
            sync.ended = "no background reads"
            return sync
        if sync.complete and now.quiet_for(quiet):
            sync.ended = "read every page"
            return sync
        if sync.background and now.quiet_for(stall_refused if sync.traffic.refused else stall):
            sync.ended = f"went quiet with {sync.pages_read} of {sync.pages} pages read"
            return sync
        if time.monotonic() > deadline:
            sync.ended = f"timed out with {sync.pages_read} of {sync.pages} pages read"
            return sync
        await asyncio.sleep(POLL_SECONDS * 4)
