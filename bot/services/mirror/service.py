"""The numbers of an account, answered from the mirror (a copy in SQLite) instead of reading every page.

- Background work per account (single-flight, paced by `Pacer`): a whole read fills the copy when the account is
  first used (its first call to Plusofon for a user) and resumes after a restart. Then, every `interval` for
  accounts used lately and when drift is seen, *upkeep* (repair.py): a probe of two pages, and a bisecting
  repair where they disagree, at a cost in proportion to what changed. A whole read again every `full_every`
  (the safety net: only it sees a description changed on a page nothing else reads), spread over accounts;
  and when the pages fit no explanation.
- A user action that needs the whole list first makes a *freshness check*: page 1 and the last page, together
  (one round trip). New ids at the end are taken in at once; a count that does not match the copy asks for a
  repair read in the background.
- /list and ▶ stay live reads; the pages they saw refresh the copy (batched, off the user's path).
- A chat is served from the copy only while its own token works: Plusofon accepted it within `trust_for`
  seconds, or the freshness check made with it passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from bot.services.mirror.pacer import Pacer
from bot.services.mirror.reader import IN_BACKGROUND, PER_PAGE, Reader, paced_page
from bot.services.mirror.repair import Repair, read_ends
from bot.plusofon import (
    AuthenticationError,
    Credentials,
    PlusofonClient,
    PlusofonError,
    RateLimitError,
    SmartNumber,
    SmartNumberPage,
)
from storage.chats import ChatRepository
from storage.mirror import AccountState, MirrorStore, SearchWords

log = logging.getLogger(__name__)
FULL_EVERY = 24 * 3600.0     # seconds between whole reads of an account kept fresh (the safety net)
SPREAD = 0.2                 # of that, how far accounts' whole reads are spread apart
STALE_AFTER = 300.0          # seconds: an older copy says as of when
TRUST_FOR = 300.0            # seconds a token stays trusted after Plusofon accepted it
USED_LATELY = 3600.0         # accounts used within this get their periodic read
TICK = 30.0                  # seconds between looks at what needs reading
READS_AT_ONCE = 2            # accounts read at the same time
RETRY_DELAYS = (30.0, 120.0, 600.0, 1800.0)   # after a read failed, or did not settle: 1st, 2nd, 3rd, later
FLUSH_EVERY = 1.0            # seconds pages seen by /list wait to be written together
SMALL_ACCOUNT_PAGES = 8      # a bisection over this many pages costs at most 4 calls
MAX_TRUSTED = 10_000


class NotReady(Exception):
    """The copy of a big account is still being read and the answer needs it."""

    def __init__(self, loaded: int, total: int) -> None:
        super().__init__(f"the copy is still being read ({loaded} of {total})")
        self.loaded, self.total = loaded, total


@dataclass(frozen=True, slots=True)
class Freshness:
    """What a freshness check found."""

    complete: bool                        # a whole read has finished: the copy has every number
    loaded: int                           # numbers in the copy
    total: int                            # numbers Plusofon has
    as_of: float | None = None            # the copy's time, when it is older than a few minutes
    first: SmartNumberPage | None = None  # page 1 as read just now (None: Plusofon could not be asked)
    last: SmartNumberPage | None = None   # the last page as read just now


@dataclass
class _Account:
    pacer: Pacer
    creds: Credentials | None = None
    used_at: float = 0.0
    used_saved: float = 0.0
    task: asyncio.Task[None] | None = None
    loaded: int = 0
    total: int = 0
    failures: int = 0
    retry_at: float = 0.0
    refused: set[str] = field(default_factory=set)   # tokens Plusofon refused to the background read
    wanted: bool = False                             # an answer is waiting for the copy
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def reading(self) -> bool:
        return self.task is not None and not self.task.done()


class Mirror:
    def __init__(self, store: MirrorStore, client: PlusofonClient, chats: ChatRepository, *,
                 per_minute: float = 1800.0, interval: float = 900.0, concurrency: int = 4,
                 clock: Callable[[], float] = time.time, tick: float = TICK,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS, trust_for: float = TRUST_FOR,
                 window: float | None = None, read_when_used: bool = True, full_every: float = FULL_EVERY,
                 on_read: Callable[[bool], None] = lambda settled: None,
                 on_calls: Callable[[str, int], None] = lambda reason, calls: None,
                 on_page_size: Callable[[bool], None] = lambda big: None) -> None:
        """`read_when_used=False` (tests) reads an account only when an answer needs its copy (or `read_now`):
        no read on first use, no periodic upkeep. `on_read(ok)` hears how each background task ended,
        `on_calls(reason, calls)` what it spent (reason: first, probe, repair, full), `on_page_size(big)` whether
        an account's list gave the big pages asked for (the metrics)."""
        self._store, self._client, self._chats = store, client, chats
        self._per_minute, self._interval, self._concurrency = per_minute, interval, concurrency
        self._clock, self._tick, self._retry_delays, self._trust_for = clock, tick, retry_delays, trust_for
        self._window = window
        self._read_when_used = read_when_used
        self._full_every = full_every
        self._on_read, self._on_calls, self._on_page_size = on_read, on_calls, on_page_size
        self._accounts: dict[int, _Account] = {}
        self._trusted: OrderedDict[tuple[int, str], float] = OrderedDict()
        self._seen_pages: dict[tuple[int, int], SmartNumberPage] = {}
        self._wakeup = asyncio.Event()
        self._flush_wanted = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # heard after each freshness check that reached Plusofon (bot/services/pending_adds.py settles there)
        self.after_check: Callable[[Credentials], Awaitable[None]] | None = None
        client.observe(self)

    # -- life -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Carry on with reads a restart interrupted, and keep reading accounts used lately."""
        now = self._clock()
        for state in await self._store.states():
            if state.sync_next is not None or (state.used_at or 0) >= now - USED_LATELY:
                holder = self._account(state.account_id)
                holder.used_at = holder.used_saved = state.used_at or 0.0
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._schedule_forever(), name="mirror-schedule"),
                       loop.create_task(self._flush_forever(), name="mirror-flush")]

    async def stop(self) -> None:
        tasks = [*self._tasks, *(a.task for a in self._accounts.values() if a.task is not None)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks = []
        with contextlib.suppress(Exception):
            await self._flush()

    def touch(self, creds: Credentials) -> None:
        """A chat of the account acts: remember its key for the background read; a new account is read now."""
        account = self._accounts.get(creds.user_id)
        if account is None:
            account = self._account(creds.user_id)
            if self._read_when_used:
                self._wakeup.set()
        if creds.token not in account.refused:
            account.creds = creds
        account.used_at = self._clock()

    async def keep_now(self, account: int) -> None:
        """Upkeep of the account now (a probe, and a repair if it disagrees), as its interval would start it."""
        await self._store.update(account, repair_at=self._clock())
        self._wakeup.set()

    async def forget(self, account: int, *, batch: int = 500, pause: float = 0.05) -> int:
        """No chat refers to the account any more: stop reading it, drop what memory holds of it, and delete its
        copy a batch at a time (the bot's own writes wait behind one batch at most). How many numbers went."""
        holder = self._accounts.pop(account, None)
        if holder is not None and holder.task is not None:
            holder.task.cancel()
            await asyncio.gather(holder.task, return_exceptions=True)
        for key in [key for key in self._trusted if key[0] == account]:
            del self._trusted[key]
        for key in [key for key in self._seen_pages if key[0] == account]:
            del self._seen_pages[key]
        total = 0
        while (deleted := await self._store.forget(account, batch)) == batch:
            total += deleted
            await asyncio.sleep(pause)
        return total + deleted

    def read_now(self, account: int) -> None:
        """Read the account now, unless it is being read."""
        self._account(account).wanted = True
        self._wakeup.set()

    def pacer(self, account: int) -> Pacer:
        """The account's pacer, for other background work on the account (bulk jobs) to share: its calls then
        keep to the same limit as the reads, behind users' own calls (make them with `IN_BACKGROUND` set)."""
        return self._account(account).pacer

    # -- what the client tells of every call -------------------------------------------------------

    def call_started(self, creds: Credentials) -> None:
        if not IN_BACKGROUND.get():
            self._account(creds.user_id).pacer.user_started()

    def call_budget(self, creds: Credentials, limit: int, remaining: int) -> None:
        self._account(creds.user_id).pacer.budget(limit, remaining)

    def call_finished(self, creds: Credentials, error: PlusofonError | None) -> None:
        account = self._account(creds.user_id)
        if not IN_BACKGROUND.get():
            account.pacer.user_finished()
        key = (creds.user_id, creds.token)
        if error is None:
            self._trusted[key] = time.monotonic()
            self._trusted.move_to_end(key)
            while len(self._trusted) > MAX_TRUSTED:
                self._trusted.popitem(last=False)
        elif isinstance(error, AuthenticationError):
            self._trusted.pop(key, None)
        elif isinstance(error, RateLimitError):
            account.pacer.rate_limited(error.retry_after)

    def trusted(self, creds: Credentials) -> bool:
        """Plusofon accepted this chat's token lately."""
        accepted = self._trusted.get((creds.user_id, creds.token))
        return accepted is not None and time.monotonic() - accepted <= self._trust_for

    # -- answers --------------------------------------------------------------------------------

    async def check(self, creds: Credentials) -> Freshness:
        """The freshness check (one round trip); see the module's docstring. When Plusofon cannot be asked, a
        chat whose token it accepted lately is answered from the copy (with its time); others get the error."""
        await self._flush()
        account = creds.user_id
        await self._store.ensure(account)
        state = await self._store.state(account, counted=False)  # its count reads every row: only if needed
        known_last = _pages(state.total) if state is not None and state.total else 1
        try:
            first, last = await read_ends(lambda number: self._client.list_page(creds, number), known_last)
            if (first.last_page or 1) > known_last and (known_last > 1 or state is None or state.total is None):
                # the list grew past the page read (or was never seen): its end, where new numbers are
                last = await self._client.list_page(creds, first.last_page or 1)
        except AuthenticationError:
            raise
        except PlusofonError:
            state = await self._store.state(account)
            if state is None or state.count == 0 or not self.trusted(creds):
                raise
            log.info("freshness check of account %s failed: answering from the copy", account)
            return Freshness(state.complete, state.count, state.total or state.count,
                             as_of=state.synced_at or self._clock())
        await self._take(account, first, state)
        if last is not first:
            await self._take(account, last, state)
        total = first.total or 0
        ids = {item.id for item in first.data} | {item.id for item in last.data}
        if len(ids) == total and first.total == last.total:
            await self._store.whole(account, total, ids, at=self._clock())  # one or two pages: all of it
        state = await self._store.state(account)
        assert state is not None
        if not state.complete and not self._account(account).reading:
            self.read_now(account)
        if state.complete and state.sync_next is None and total != state.count:
            await self._repair(account, f"Plusofon counts {total}, the copy {state.count}")
        stale = state.synced_at is not None and self._clock() - state.synced_at > STALE_AFTER
        if self.after_check is not None:
            try:
                await self.after_check(creds)
            except Exception:  # the answer waiting for this check does not depend on it
                log.exception("after the freshness check of account %s", account)
        return Freshness(state.complete, state.count, total, as_of=state.synced_at if stale else None,
                         first=first, last=last if last.current_page > 1 else None)

    async def search(self, account: int, what: SearchWords, page: int) -> tuple[int, list[SmartNumber]]:
        return await self._store.search(account, what, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)

    async def state(self, account: int, *, counted: bool = True) -> AccountState | None:
        return await self._store.state(account, counted=counted)

    async def newest(self, account: int, what: SearchWords | None, *, before: int | None, limit: int,
                     count: bool = True) -> tuple[int | None, list[SmartNumber]]:
        """The Mini App's list, from the copy: see MirrorStore.newest."""
        return await self._store.newest(account, what, before=before, limit=limit, count=count)

    async def of_customer(self, account: int, phone_b: str) -> list[SmartNumber]:
        return await self._store.of_customer(account, phone_b)

    def everything(self, account: int) -> AsyncIterator[list[SmartNumber]]:
        return self._store.all(account)

    async def number(self, creds: Credentials, number_id: int, *, locate: bool = True) -> SmartNumber | None:
        """A number for a card or a 🗑: from the copy while the chat's token is trusted, else `locate`d (unless
        not `locate`: the caller knows the copy is whole, so a number it lacks is gone)."""
        await self._flush()
        if self.trusted(creds):
            found = await self._store.get(creds.user_id, number_id)
            if found is not None or not locate:
                return found
        return await self.locate(creds, number_id)

    async def locate(self, creds: Credentials, number_id: int) -> SmartNumber | None:
        """A number as Plusofon has it now, in at most 4 calls: the copy knows its page (ids ascend), so one
        read confirms it; a number moved by deletes before it is a page or two away."""
        await self._flush()
        account = creds.user_id
        state = await self._store.state(account)
        known = await self._store.get(account, number_id)
        if known is None:
            if state is None or not state.complete:
                total = state.total if state is not None and state.total else 0
                if _pages(total) <= SMALL_ACCOUNT_PAGES:
                    return await self._client.find(creds, number_id)
                progress = self.progress(account) or (state.count if state else 0, total)
                raise NotReady(*progress)
            if state.ordered and number_id > await self._store.max_id(account):
                page_number = _pages(state.total or state.count)  # newer than the copy: at the end, if anywhere
            else:
                if not self.trusted(creds):  # the copy says "no such number", but only to a working token
                    await self._take(account, await self._client.list_page(creds, 1), state)
                return None
        else:
            rank, seen_on = await self._store.position(account, number_id)
            page_number = rank // PER_PAGE + 1 if state is None or state.ordered else (seen_on or 1)
        for _ in range(3):
            page = await self._client.list_page(creds, page_number)
            await self._take(account, page, state)
            found = next((item for item in page.data if item.id == number_id), None)
            if found is not None:
                return found
            ordered = state is None or state.ordered
            if not page.data and (page.last_page or 1) < page_number:
                page_number = page.last_page or 1
            elif not ordered or not page.data:
                break
            elif number_id < page.data[0].id and page_number > 1:
                page_number -= 1
            elif number_id > page.data[-1].id and page_number < (page.last_page or 1):
                page_number += 1
            else:
                await self._store.remove(account, [number_id])  # where it would be, it is not: gone
                return None
        await self._repair(account, f"number {number_id} was not where the copy had it")
        return None

    async def summary(self) -> tuple[int, int, float]:
        """Accounts in the copy, numbers held, and the sync lag: of the accounts used in the last hour (the ones
        kept fresh), the most seconds since one was last read whole (or, never read, since it was first used)."""
        states = await self._store.states()
        now = self._clock()
        lag = max((now - (state.synced_at or state.used_at or now) for state in states
                   if (state.used_at or 0) >= now - USED_LATELY), default=0.0)
        return len(states), sum(state.count for state in states), lag

    def progress(self, account: int) -> tuple[int, int] | None:
        """(loaded, total) of the read in progress, if one is."""
        state = self._accounts.get(account)
        if state is None or not state.reading:
            return None
        return state.loaded, state.total

    async def wait_complete(self, account: int, timeout: float,
                            on_progress: Callable[[int, int], Awaitable[None]]) -> bool:
        """Wait (at most `timeout` s) for the account's first whole read, reporting progress now and then."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        holder = self._account(account)
        while True:
            state = await self._store.state(account)
            if state is not None and state.complete:
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            progress = self.progress(account)
            if progress is not None:
                await on_progress(*progress)
            holder.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(holder.changed.wait(), min(remaining, 2.0))

    async def settled(self, account: int, timeout: float) -> AccountState:
        """Wait until the account's copy is whole and no read of it is in progress or due (for tests and tools)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        holder = self._account(account)
        while True:
            await self._flush()
            state = await self._store.state(account)
            if (state is not None and state.complete and state.sync_next is None and state.repair_at is None
                    and not holder.reading):
                return state
            if loop.time() >= deadline:
                raise TimeoutError(f"the copy of account {account} did not settle in {timeout} s: {state}")
            self._wakeup.set()
            holder.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(holder.changed.wait(), min(deadline - loop.time(), 0.5))

    # -- what the bot itself changed, and what /list saw --------------------------------------------

    async def added(self, account: int, number: SmartNumber) -> None:
        if await self._store.get(account, number.id) is None:
            await self._store.put(account, [(number, None)])
            await self._store.adjust_total(account, +1)

    async def removed(self, account: int, number_id: int) -> None:
        if await self._store.remove(account, [number_id]):
            await self._store.adjust_total(account, -1)

    def saw_page(self, account: int, page: SmartNumberPage) -> None:
        """A live page (/list, ▶): written into the copy shortly, with others."""
        self._seen_pages[(account, page.current_page)] = page
        self._flush_wanted.set()

    # -- inside -------------------------------------------------------------------------------------

    def _account(self, account: int) -> _Account:
        holder = self._accounts.get(account)
        if holder is None:
            pacer = Pacer(self._per_minute, concurrency=self._concurrency, **({"window": self._window}
                                                                              if self._window else {}))
            holder = self._accounts[account] = _Account(pacer)
        return holder

    async def _take(self, account: int, page: SmartNumberPage, state: AccountState | None) -> None:
        """A page read just now refreshes its numbers; on an ordered account the ids it spans but lacks are
        gone (page 1 spans everything below its last id; an empty page 1 with total 0, everything)."""
        number = page.current_page
        await self._store.put(account, ((item, number) for item in page.data))
        if state is not None and not state.ordered:
            return
        ids = [item.id for item in page.data]
        if any(a >= b for a, b in zip(ids, ids[1:], strict=False)):
            return
        if not ids:
            if number == 1 and page.total == 0:
                await self._store.remove_between(account, -1, 2**62, [])
            return
        gone = await self._store.remove_between(account, -1 if number == 1 else ids[0], ids[-1], ids)
        if gone:
            log.info("mirror of account %s: %d numbers deleted elsewhere", account, len(gone))

    async def _repair(self, account: int, why: str) -> None:
        holder = self._account(account)
        if holder.reading:
            return
        log.info("mirror of account %s drifted (%s): reading it again", account, why)
        await self._store.update(account, repair_at=self._clock())
        self._wakeup.set()

    async def _flush(self) -> None:
        pages, self._seen_pages = self._seen_pages, {}
        states: dict[int, AccountState | None] = {}
        for (account, _), page in pages.items():
            if account not in states:
                states[account] = await self._store.state(account, counted=False)
            await self._take(account, page, states[account])
        for account, before in states.items():
            holder = self._accounts.get(account)
            if before is None or not before.complete or (holder is not None and holder.reading):
                continue
            totals = {page.total for (owner, _), page in pages.items() if owner == account}
            count = await self._store.count(account)
            if any(total is not None and total != count for total in totals):
                await self._repair(account, f"a page counts {sorted(t for t in totals if t is not None)}, "
                                            f"the copy {count}")

    async def _flush_forever(self) -> None:
        while True:
            await self._flush_wanted.wait()
            await asyncio.sleep(FLUSH_EVERY)  # gather the pages of a second into one write each
            self._flush_wanted.clear()
            try:
                await self._flush()
            except Exception:
                log.exception("could not write pages into the mirror")

    async def _schedule_forever(self) -> None:
        while True:
            try:
                await self._schedule()
            except Exception:
                log.exception("mirror scheduling failed")
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._tick)

    async def _schedule(self) -> None:
        now = self._clock()
        reading = sum(holder.reading for holder in self._accounts.values())
        for account, holder in list(self._accounts.items()):
            if holder.used_at > holder.used_saved + self._tick:
                await self._store.update(account, used_at=holder.used_at)
                holder.used_saved = holder.used_at
            if holder.reading or reading >= READS_AT_ONCE or now < holder.retry_at:
                continue
            # read only now: a read that ended during the awaits above has left its state
            work = self._due(await self._store.state(account), holder, now, account)
            if work is None:
                continue
            creds = await self._credentials(account, holder)
            if creds is None:
                continue
            holder.wanted = False
            holder.task = asyncio.get_running_loop().create_task(self._work(account, holder, creds, work),
                                                                 name=f"mirror-{work}-{account}")
            reading += 1

    def _due(self, state: AccountState | None, holder: _Account, now: float, account: int) -> str | None:
        """What the account needs now: "read" (whole), "upkeep" (a probe and a repair), or nothing."""
        upkeep = "upkeep" if state is not None and state.complete and state.ordered \
            and state.complete_to is not None and state.sync_next is None else "read"
        if holder.wanted or (state is not None and state.sync_next is not None):
            return "read"
        if state is not None and state.repair_at is not None and state.repair_at <= now:
            return upkeep
        if not self._read_when_used:
            return None
        if state is None or not state.complete:
            return "read"
        if holder.used_at < now - USED_LATELY:
            return None
        if (state.full_at or state.synced_at or 0) + self._full_every * (1 - SPREAD * _spread(account)) <= now:
            return "read"
        return upkeep if (state.synced_at or 0) <= now - self._interval else None

    async def _credentials(self, account: int, holder: _Account) -> Credentials | None:
        """A key of the account for the background read: the latest chat's, else any connected chat's."""
        if holder.creds is not None and holder.creds.token not in holder.refused:
            return holder.creds
        for auth in await self._chats.all():
            if auth.user_id == account and auth.active and auth.token not in holder.refused:
                holder.creds = auth.credentials
                return holder.creds
        return None

    async def _work(self, account: int, holder: _Account, creds: Credentials, work: str) -> None:
        """The background task of an account: upkeep (and the whole read it may ask for), or a whole read."""
        try:
            if work == "upkeep":
                why = await self._upkeep(account, holder, creds)
                if why is None:
                    return
                log.info("mirror of account %s: a whole read instead of a repair: %s", account, why)
            await self._read(account, holder, creds)
        except AuthenticationError:
            self._on_read(False)
            log.warning("mirror of account %s: Plusofon refused a chat's token; trying another", account)
            holder.refused.add(creds.token)
            holder.creds = None
            self._trusted.pop((account, creds.token), None)
            self._wakeup.set()
        except PlusofonError as error:
            self._on_read(False)
            holder.retry_at = self._clock() + self._delay(holder)
            log.warning("mirror of account %s: the read stopped (%s); carrying on in %.0f s", account,
                        error, holder.retry_at - self._clock())
        except Exception:
            self._on_read(False)
            holder.retry_at = self._clock() + self._delay(holder)
            log.exception("mirror of account %s: the read failed", account)
        finally:
            holder.changed.set()
            self._wakeup.set()

    async def _upkeep(self, account: int, holder: _Account, creds: Credentials) -> str | None:
        """A probe, and a repair where it disagrees; why a whole read is needed instead, if it is."""
        async def fetch(number: int) -> SmartNumberPage:
            return await paced_page(self._client, holder.pacer, creds, number)

        async def take(page: SmartNumberPage) -> None:
            await self._take(account, page, state)

        state = await self._store.state(account)
        repair = Repair(self._store, account, fetch, take, per_page=PER_PAGE)
        try:
            result = await repair.run()
        finally:
            self._on_calls("probe", repair.result.probe_calls)
            self._on_calls("repair", repair.result.repair_calls)
        if result.clean:
            await self._store.update(account, synced_at=self._clock())
            self._on_read(True)
            holder.failures = 0
            if result.repair_calls:
                log.info("mirror of account %s repaired in %d calls (%d rounds)", account,
                         result.probe_calls + result.repair_calls, result.rounds)
        return result.fallback

    async def _read(self, account: int, holder: _Account, creds: Credentials) -> None:
        def progress(loaded: int, total: int) -> None:
            holder.loaded, holder.total = loaded, total
            holder.changed.set()

        def page_size(size: int) -> None:
            log.info("mirror of account %s: its list gives pages of %d when asked for big ones", account, size)
            self._on_page_size(size > PER_PAGE)

        before = await self._store.state(account)
        reason = "full" if before is not None and before.complete else "first"
        reader = Reader(self._store, self._client, holder.pacer, creds, clock=self._clock, on_progress=progress,
                        on_page_size=page_size)
        started = time.monotonic()
        try:
            result = await reader.run()
        finally:
            self._on_calls(reason, reader.calls)
        self._on_read(True)
        log.info("mirror of account %s: read %d numbers in %d calls, %.1f s%s", account, result.seen,
                 reader.calls, time.monotonic() - started, "" if result.settled else " (changing: again later)")
        if result.settled:
            holder.failures = 0
        else:
            await self._store.update(account, repair_at=self._clock() + self._delay(holder))

    def _delay(self, holder: _Account) -> float:
        delay = self._retry_delays[min(holder.failures, len(self._retry_delays) - 1)]
        holder.failures += 1
        return delay


def _spread(account: int) -> float:
    """A fraction in [0, 1) fixed for the account: where its whole reads fall in the spread."""
    return (account * 2654435761 % 2**32) / 2**32


def _pages(total: int | None) -> int:
    return max(1, math.ceil((total or 0) / PER_PAGE))
