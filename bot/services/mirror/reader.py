"""One whole read of an account into the mirror: every page, paced, written as it comes, resumable.

The account may change while it is read (numbers added or deleted in the web account shift the others across
pages): rows are keyed by id, so a number seen twice is kept once. A deleted number shifts every later one a
position down, so one that was on a page not yet read moves onto a page already read, and the read misses it:
even when a number added at the end keeps the count the same. Ids ascend and new ones go at the end, so the id
at a position can only grow, and it grows exactly when a number at or before that position is deleted. So the
read first notes the id at the last position (`anchor`), reads every page after that, and reads the anchor's
page once more at the end: the read is *settled* only when the anchor has not moved, Plusofon's count held
still over all its pages and equals what the read saw. Only a settled read removes the numbers it did not see
and counts as complete; an unsettled one is done again later. The next page to read is saved as it goes, so a
restart carries on where the read stopped (the anchor is saved with it).

Whole reads ask for big pages (`BIG_PAGE`); the list's answer says the size it used (Laravel's paginator echoes
`per_page`), found out once per account and kept.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
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
BIG_PAGE = 100          # the page size whole reads ask for
PER_PAGE = 15           # the list's usual page size (what /list and the freshness check read)


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
                 on_progress: Callable[[int, int], None] = lambda loaded, total: None,
                 on_page_size: Callable[[int], None] = lambda size: None) -> None:
        """`on_page_size(size)`: the page size the account's list gave when first asked for `BIG_PAGE`."""
        self._store, self._client, self._pacer, self._creds = store, client, pacer, creds
        self._account = creds.user_id
        self._clock = clock
        self._on_progress = on_progress
        self._on_page_size = on_page_size
        self._size: int | None = None
        self.calls = 0

    async def run(self) -> ReadResult:
        IN_BACKGROUND.set(True)
        state = await self._store.state(self._account)
        self._size = state.page_size if state is not None else None
        tail: SmartNumberPage | None = None
        if state is not None and state.sync_next is not None:
            start, total, anchor, generation = state.sync_next, state.sync_total, state.sync_last_id, state.generation
            totals: set[int | None] = {total}
            log.info("mirror of account %s: resuming its read at page %d", self._account, start)
        else:
            if self._size is not None and state is not None and state.complete and state.total is not None:
                head = await self._page(_page_of(state.total, self._size))  # the last page, if the count held
            else:
                head = await self._page(1)
                if self._size is None:
                    self._size = head.per_page
                    await self._store.update(self._account, page_size=self._size)
                    self._on_page_size(self._size)
            total = head.total or 0
            tail = head if head.current_page == _page_of(total, self._size) else \
                await self._page(_page_of(total, self._size))
            total, totals = tail.total or 0, {tail.total}
            anchor = self._at(tail, total)
            generation = await self._store.begin_read(self._account, total, self._clock(), last_id=anchor)
            await self._put(tail, generation)
            start = 1
        size = self._size or PER_PAGE
        last = _page_of(total or 0, size)
        done: set[int] = set(range(1, start))
        loaded = (start - 1) * size
        self._on_progress(loaded, total or 0)
        pages = iter(range(start, last))  # the last page, the anchor's, was read as the read began
        next_page = next(pages, None)
        bounds: dict[int, tuple[int, int]] = {}
        ordered = True

        async def worker() -> None:
            nonlocal next_page, loaded, ordered
            while next_page is not None:
                number = next_page
                next_page = next(pages, None)
                page = await self._page(number)
                totals.add(page.total)
                await self._put(page, generation)
                ordered = _note(bounds, number, page) and ordered
                done.add(number)
                loaded += len(page.data)
                self._on_progress(loaded, page.total or 0)
                if len(done) % SAVE_EVERY == 0:
                    await self._store.update(self._account, sync_next=_first_missing(done, start))

        try:
            if start < last:
                async with asyncio.TaskGroup() as group:
                    for _ in range(self._pacer.concurrency):
                        group.create_task(worker())
                end = await self._page(last)  # the anchor's page once more: was a number before it deleted?
            elif tail is not None and last == 1:
                end = tail  # one page, one answer: nothing could move under it
            else:
                end = await self._page(last)
        except BaseException:  # stopped (a shutdown, a failure): the next read carries on from here
            await self._store.update(self._account, sync_next=min(_first_missing(done, start), last))
            raise
        totals.add(end.total)
        await self._put(end, generation)
        still = total == 0 or (anchor is not None and self._at(end, total) == anchor)
        ordered = _note(bounds, last, end) and ordered and _ascending(bounds)
        seen = await self._store.count(self._account, generation=generation)
        settled = still and len(totals) == 1 and seen == total
        removed = await self._store.end_read(self._account, generation, settled=settled,
                                             total=total if len(totals) == 1 else seen, ordered=ordered,
                                             at=self._clock())
        if not settled:
            log.info("mirror of account %s changed while read (counts %s, saw %d, %s): reading again later",
                     self._account, sorted(t for t in totals if t is not None), seen,
                     "the last position held still" if still else "numbers before the last position were deleted")
        return ReadResult(settled, total or 0, seen, removed, self.calls)

    def _at(self, page: SmartNumberPage, position: int) -> int | None:
        """The id at `position` (1-based, of the whole list) on `page`, if it holds that position."""
        index = position - 1 - (page.current_page - 1) * page.per_page
        return page.data[index].id if 0 <= index < len(page.data) else None

    async def _put(self, page: SmartNumberPage, generation: int) -> None:
        """The page's numbers into the copy, each with the page of the usual size it is on."""
        offset = (page.current_page - 1) * page.per_page
        await self._store.put(self._account, ((number, (offset + index) // PER_PAGE + 1)
                                              for index, number in enumerate(page.data)), generation=generation)

    async def _page(self, number: int) -> SmartNumberPage:
        def counted() -> None:
            self.calls += 1

        return await paced_page(self._client, self._pacer, self._creds, number, per_page=self._size or BIG_PAGE,
                                on_call=counted)


async def paced_page(client: PlusofonClient, pacer: Pacer, creds: Credentials, number: int, *,
                     per_page: int | None = None, on_call: Callable[[], None] = lambda: None) -> SmartNumberPage:
    """One page for background work: each attempt waits for the pacer's turn; a 429 is tried again after the
    pause the pacer takes from it."""
    IN_BACKGROUND.set(True)
    for _ in range(MAX_RATE_LIMITED):
        async with pacer.call():
            on_call()
            try:
                return await client.list_page(creds, number, retry=False, per_page=per_page)
            except RateLimitError:
                continue  # the pacer heard of it too, and waits as long as it was asked to
    raise RateLimitError("Plusofon keeps refusing the background read", status_code=429)


def _page_of(position: int, size: int) -> int:
    """The page that holds `position` (1-based); page 1 for an empty list."""
    return max(1, math.ceil(position / size))


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
