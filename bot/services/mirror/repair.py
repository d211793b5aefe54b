"""Upkeep of a complete copy at a cost in proportion to what changed: a probe, then, if needed, a bisecting repair.

*Probe*: page 1 and the last page, together (as the freshness check reads them). When the count and both pages
agree with the copy, that is all: two calls, whatever the account's size.

*Repair*, on an account whose ids ascend (new numbers go at the end): the copy predicts how many numbers come
before each page. Page `p` of `per_page` begins after `(p - 1) * per_page` numbers; the copy's count of ids below
the page's first id, less that, is the *excess* there: numbers the copy still has that were deleted before it.
Where the excess at the end of one page read and at the start of a later one agree, nothing between them changed;
where they differ, the page in the middle is read, and so on (a bisection, about log2(pages) reads per change).
Every page read refreshes its numbers and removes the ids in its span that it lacks; the ids between two
neighbouring pages are removed once the page read first is read again and has not moved (so the two were
neighbours at the same moment: ids only move when numbers before them are deleted). Numbers added since the
copy was last whole (ids above `complete_to`) are read page by page from the end first, so that below them the
copy can only have too many numbers, never too few: that is what makes equal excesses mean "unchanged".

When the pages change under a round (a count that moves, pages that overlap), the round starts over with a new
probe, at most `ROUNDS` times; ids that do not ascend, or no round that settles, ask for one whole read instead
(`Upkeep.fallback` says why). Nothing here removes a number Plusofon still has.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.plusofon import SmartNumberPage
from storage.mirror import AccountState, MirrorStore

log = logging.getLogger(__name__)
ROUNDS = 3          # rounds of a repair (each begins with a probe) before a whole read is asked for
TOP = 2**62         # above every id

Fetch = Callable[[int], Awaitable[SmartNumberPage]]


async def read_ends(fetch: Fetch, known_last: int) -> tuple[SmartNumberPage, SmartNumberPage]:
    """Page 1 and page `known_last` together (one round trip); the same page twice when it is 1."""
    if known_last > 1:
        first, last = await asyncio.gather(fetch(1), fetch(known_last))
        return first, last
    first = await fetch(1)
    return first, first


@dataclass
class Upkeep:
    clean: bool = False             # the copy agrees with Plusofon as of the reads
    fallback: str | None = None     # why a whole read is needed instead
    probe_calls: int = 0
    repair_calls: int = 0
    rounds: int = 0


class _Changed(Exception):
    """The pages moved under the round: start it over."""


class _Unordered(Exception):
    """Ids do not ascend over the pages: only a whole read can tell."""


@dataclass
class _Round:
    total: int
    per_page: int
    pages: dict[int, SmartNumberPage] = field(default_factory=dict)
    read_at: dict[int, int] = field(default_factory=dict)   # page -> order of its read in the round


class Repair:
    def __init__(self, store: MirrorStore, account: int, fetch: Fetch,
                 take: Callable[[SmartNumberPage], Awaitable[None]], *, per_page: int) -> None:
        """`fetch(page)`: one paced call for a page of the usual size; `take(page)`: the page into the copy (its
        numbers refreshed, the ids it spans but lacks removed)."""
        self._store, self._account, self._fetch, self._take = store, account, fetch, take
        self._per_page = per_page
        self._reads = 0
        self.result = Upkeep()

    async def run(self) -> Upkeep:
        for _ in range(ROUNDS):
            self.result.rounds += 1
            try:
                if await self._round():
                    self.result.clean = True
                    return self.result
            except _Changed as changed:
                log.info("mirror of account %s changed under its repair (%s): once more", self._account, changed)
            except _Unordered as unordered:
                self.result.fallback = f"ids do not ascend ({unordered})"
                return self.result
        self.result.fallback = f"the account kept changing over {ROUNDS} rounds of repair"
        return self.result

    # -- one round ---------------------------------------------------------------------------------

    async def _round(self) -> bool:
        state = await self._state()
        if state.complete_to is None:
            raise _Unordered("the copy does not say up to where it is whole")
        probing = self.result.rounds == 1
        first, last = await read_ends(lambda number: self._read(number, probe=probing),
                                      max(1, math.ceil(state.count / self._per_page)))
        now = _Round(first.total or 0, first.per_page or self._per_page)
        self._note(now, first)
        end = max(1, math.ceil(now.total / now.per_page))
        if last.total != now.total:
            raise _Changed(f"the count moved from {now.total} to {last.total}")
        if last.current_page == end:
            self._note(now, last)
        elif end not in now.pages:  # the copy's count put the end elsewhere: numbers were added or deleted
            self._note(now, await self._read(end))
        if now.total == 0 or end == 1:
            await self._take(now.pages[1])
            await self._cut_above(now.pages[end])
            return await self._agrees(now, state, now.pages[end])
        for page in (now.pages[1], now.pages[end]):
            await self._take(page)
        await self._cut_above(now.pages[end])
        await self._read_new(now, end, state.complete_to)
        await self._bisect(now)
        return await self._agrees(now, state, now.pages[end])

    async def _read_new(self, now: _Round, end: int, complete_to: int) -> None:
        """Pages from the end back to the first that begins with an id the copy was whole up to."""
        page = end
        while page > 1 and now.pages[page].data[0].id > complete_to:
            page -= 1
            if page not in now.pages:
                self._note(now, await self._read(page))
                await self._take(now.pages[page])

    async def _bisect(self, now: _Round) -> None:
        known = sorted(now.pages)
        pending = list(itertools.pairwise(known))
        while pending:
            low, high = pending.pop()
            before, after = now.pages[low], now.pages[high]
            if before.data[-1].id >= after.data[0].id:
                raise _Changed(f"pages {low} and {high} overlap")
            if high == low + 1:
                await self._between(now, low, high)
                continue
            if await self._excess_after(low, before) == await self._excess_before(high, after):
                continue
            middle = (low + high) // 2
            page = await self._read(middle)
            self._note(now, page)
            await self._take(page)
            pending += [(low, middle), (middle, high)]

    async def _between(self, now: _Round, low: int, high: int) -> None:
        """Ids in the copy between two neighbouring pages are gone, once the page read first has not moved."""
        gap = await self._store.ids_between(self._account, now.pages[low].data[-1].id, now.pages[high].data[0].id)
        if not gap:
            return
        earlier = low if now.read_at[low] < now.read_at[high] else high
        again = await self._read(earlier)
        before = [item.id for item in now.pages[earlier].data]
        if [item.id for item in again.data][:len(before)] != before or again.total != now.total:
            raise _Changed(f"page {earlier} moved")
        removed = await self._store.remove(self._account, gap)
        log.info("mirror of account %s: %d numbers deleted elsewhere", self._account, removed)

    async def _agrees(self, now: _Round, state: AccountState, last: SmartNumberPage) -> bool:
        count = await self._store.count(self._account)
        if count != now.total:
            raise _Changed(f"Plusofon counts {now.total}, the copy {count}")
        top = last.data[-1].id if last.data else state.complete_to or 0
        await self._store.update(self._account, total=now.total, repair_at=None,
                                 complete_to=max(top, state.complete_to or 0))
        return True

    # -- pages -------------------------------------------------------------------------------------

    async def _read(self, number: int, *, probe: bool = False) -> SmartNumberPage:
        page = await self._fetch(number)
        if probe:
            self.result.probe_calls += 1
        else:
            self.result.repair_calls += 1
        ids = [item.id for item in page.data]
        if any(a >= b for a, b in itertools.pairwise(ids)):
            raise _Unordered(f"page {number}")
        return page

    def _note(self, now: _Round, page: SmartNumberPage) -> None:
        if page.total != now.total:
            raise _Changed(f"the count moved from {now.total} to {page.total}")
        if page.per_page != now.per_page:
            raise _Unordered("pages of different sizes")
        if not page.data and now.total > 0:
            raise _Changed(f"page {page.current_page} is empty")
        self._reads += 1
        now.pages[page.current_page] = page
        now.read_at[page.current_page] = self._reads

    async def _cut_above(self, last: SmartNumberPage) -> None:
        """The last page ends the list: ids above its last are gone (all of them, when the list is empty)."""
        if last.current_page >= (last.last_page or 1):
            await self._store.remove_between(self._account, last.data[-1].id if last.data else -1, TOP, [])

    async def _excess_after(self, number: int, page: SmartNumberPage) -> int:
        below = await self._store.below(self._account, page.data[-1].id, inclusive=True)
        return below - ((number - 1) * page.per_page + len(page.data))

    async def _excess_before(self, number: int, page: SmartNumberPage) -> int:
        return await self._store.below(self._account, page.data[0].id) - (number - 1) * page.per_page

    async def _state(self) -> AccountState:
        state = await self._store.state(self._account)
        assert state is not None
        return state
