"""One whole read of an account into the mirror: every page, paced, written as it comes, resumable.

The account may change while it is read (numbers added or deleted in the web account shift the others across
pages): rows are keyed by id, so a number seen twice is kept once; a read is *settled* only when Plusofon's
count held still over all its pages and equals what the read saw, and only a settled read removes the numbers
it did not see. An unsettled one is done again later. The next page to read is saved as it goes, so a restart
carries on where the read stopped.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from bot.services.mirror.pacer import Pacer
from bot.plusofon import Credentials, PlusofonClient, RateLimitError, SmartNumberPage
from storage.mirror import MirrorStore

log = logging.getLogger(__name__)
IN_BACKGROUND: ContextVar[bool] = ContextVar("mirror_in_background", default=False)
MAX_RATE_LIMITED = 30   # 429s in a row before the read gives up for now
SAVE_EVERY = 10         # pages between saves of where the read is


@dataclass(frozen=True, slots=True)
class ReadResult:
    settled: bool
    total: int
    seen: int
    removed: int
    calls: int


class Reader:
    def __init__(self, store: MirrorStore, client: PlusofonClient, pacer: Pacer, creds: Credentials, *,
                 clock: Callable[[], float] = time.time,
                 on_progress: Callable[[int, int], None] = lambda loaded, total: None) -> None:
        self._store, self._client, self._pacer, self._creds = store, client, pacer, creds
        self._account = creds.user_id
        self._clock = clock
        self._on_progress = on_progress
        self.calls = 0

    async def run(self) -> ReadResult:
        IN_BACKGROUND.set(True)
        state = await self._store.state(self._account)
        resuming = state is not None and state.sync_next is not None
        start = state.sync_next if resuming and state is not None else 1
        first = await self._page(start)
        if resuming and state is not None:
            generation, totals = state.generation, {state.sync_total, first.total}
            log.info("mirror of account %s: resuming its read at page %d", self._account, start)
        else:
            generation, totals = await self._store.begin_read(self._account, first.total, self._clock()), {first.total}
        await self._store.put(self._account, ((number, start) for number in first.data), generation=generation)
        bounds: dict[int, tuple[int, int]] = {}
        ordered = _note(bounds, start, first)
        last = first.last_page or 1
        done = {start}
        loaded = len(first.data) + (start - 1) * first.per_page
        self._on_progress(loaded, first.total or 0)
        pages = itertools.count(start + 1)
        next_page = next(pages)

        async def worker() -> None:
            nonlocal next_page, last, ordered, loaded
            while next_page <= last:
                number = next_page
                next_page = next(pages)
                page = await self._page(number)
                totals.add(page.total)
                last = max(last, page.last_page or 1)  # added meanwhile: the list grew a page
                await self._store.put(self._account, ((item, number) for item in page.data), generation=generation)
                ordered = _note(bounds, number, page) and ordered
                done.add(number)
                loaded += len(page.data)
                self._on_progress(loaded, page.total or 0)
                if len(done) % SAVE_EVERY == 0:
                    await self._store.update(self._account, sync_next=_first_missing(done, start))

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(self._pacer.concurrency):
                    group.create_task(worker())
        except BaseException:  # stopped (a shutdown, a failure): the next read carries on from here
            await self._store.update(self._account, sync_next=_first_missing(done, start))
            raise
        ordered = ordered and _ascending(bounds)
        total = first.total if len(totals) == 1 else None
        seen = await self._store.count(self._account, generation=generation)
        settled = total is not None and seen == total
        removed = await self._store.end_read(self._account, generation, settled=settled,
                                             total=total if total is not None else seen, ordered=ordered,
                                             at=self._clock())
        if not settled:
            log.info("mirror of account %s changed while read (counts %s, saw %d): reading again later",
                     self._account, sorted(t for t in totals if t is not None), seen)
        return ReadResult(settled, total or 0, seen, removed, self.calls)

    async def _page(self, number: int) -> SmartNumberPage:
        for _ in range(MAX_RATE_LIMITED):
            async with self._pacer.call():
                self.calls += 1
                try:
                    return await self._client.list_page(self._creds, number, retry=False)
                except RateLimitError:
                    continue  # the pacer heard of it too, and waits as long as it was asked to
        raise RateLimitError("Plusofon keeps refusing the background read", status_code=429)


def _note(bounds: dict[int, tuple[int, int]], number: int, page: SmartNumberPage) -> bool:
    """Remember the page's first and last id; whether its ids ascend within it."""
    ids = [item.id for item in page.data]
    if ids:
        bounds[number] = (ids[0], ids[-1])
    return all(a < b for a, b in itertools.pairwise(ids))


def _ascending(bounds: dict[int, tuple[int, int]]) -> bool:
    """Whether each page's ids come after the previous page's."""
    ranges = [bounds[page] for page in sorted(bounds)]
    return all(earlier[1] < later[0] for earlier, later in itertools.pairwise(ranges))


def _first_missing(done: set[int], start: int) -> int:
    page = start
    while page in done:
        page += 1
    return page
