"""How fast the background read of one account may call Plusofon.

Plusofon does not publish its limits. The pacer starts at a ceiling (a setting), spaces the read's calls
evenly, lets at most `concurrency` be in flight, and holds them back while a user's call for the account is in
flight (users always go first). A 429 (the read's or a user's) teaches it the limit: what the account sent in
the last minute. From then on the read keeps to three quarters of that, leaving the rest to users, after a
pause as long as `Retry-After` asks; every clean minute raises the limit by a quarter, until the ceiling.

When Plusofon's answers carry Laravel's `X-RateLimit-Limit` and `X-RateLimit-Remaining` (the client hands them
to `budget`), background calls also keep a reserve for users: while what remains of the window, less the
background calls sent since, is under `RESERVE` of the limit, they wait (at most a window, then one call asks
again).

Any background work of an account (the mirror's reads, bulk jobs) takes its turns from the account's one pacer:
`async with pacer.call(): ...` around each call.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

WINDOW = 60.0          # seconds: the span Plusofon's limit is assumed to count over
SHARE = 0.75           # of a learnt limit, what the background read may use
DEFAULT_PAUSE = 10.0   # seconds, when a 429 says no Retry-After
MIN_PER_MINUTE = 6.0
FLOOR = 0.1            # of the ceiling: the least a 429 can teach (a 429 after a few calls is someone else's)
GROWTH = 1.25          # the learnt limit grows so much each clean window
RESERVE = 0.2          # of the limit Plusofon reports, what background calls leave to users


class Pacer:
    def __init__(self, per_minute: float, *, concurrency: int = 4, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`per_minute`: the ceiling; `window`: the span Plusofon counts calls over (tests shrink it). Inside,
        limits are counted per window."""
        self.window = window
        self.ceiling = max(per_minute, MIN_PER_MINUTE) * window / 60.0
        self._floor = max(MIN_PER_MINUTE * window / 60.0, self.ceiling * FLOOR)
        self.concurrency = concurrency
        self.learnt: float | None = None          # the limit a 429 taught, calls a window
        self._clock = clock
        self._calls: deque[float] = deque()       # start times of every call of the account in the window
        self._users = 0                           # user calls in flight
        self._mine = 0                            # background calls in flight
        self._next_at = 0.0
        self._paused_until = 0.0
        self._clean_since = 0.0
        self._changed = asyncio.Event()
        self.limit: int | None = None             # Plusofon's limit, as its headers last said
        self._remaining = 0                       # what they said was left of the window
        self._heard_at = 0.0
        self._sent_since = 0                      # background calls started since then

    @property
    def per_window(self) -> float:
        """What the background read may send now, calls a window."""
        if self.learnt is None:
            return self.ceiling
        return max(self._floor, min(self.ceiling, self.learnt * SHARE))

    # -- what the client tells of every call of the account ------------------------------------

    def user_started(self) -> None:
        now = self._clock()
        self._trim(now)
        self._users += 1
        self._calls.append(now)

    def user_finished(self) -> None:
        self._users = max(0, self._users - 1)
        self._changed.set()

    def rate_limited(self, retry_after: float | None) -> None:
        now = self._clock()
        self._trim(now)
        sent = max(len(self._calls) - 1, self._floor)
        self.learnt = sent if self.learnt is None else min(self.learnt, sent)
        self._paused_until = max(self._paused_until, now + (retry_after if retry_after else DEFAULT_PAUSE))
        self._clean_since = self._paused_until
        self._changed.set()

    def budget(self, limit: int, remaining: int) -> None:
        """An answer said the account may send `remaining` more of `limit` calls in this window."""
        self.limit, self._remaining = max(limit, 1), max(remaining, 0)
        self._heard_at = self._clock()
        self._sent_since = 0
        self._changed.set()

    # -- the background read -------------------------------------------------------------------

    @asynccontextmanager
    async def call(self) -> AsyncIterator[None]:
        """Wait for the read's turn to send one call; the block is the call."""
        while True:
            now = self._clock()
            self._relax(now)
            wait = self._wait(now)
            if wait <= 0:
                break
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=wait if wait != float("inf") else None)
            except TimeoutError:
                pass
        now = self._clock()
        self._next_at = max(self._next_at, now) + self.window / self.per_window
        self._calls.append(now)
        self._mine += 1
        self._sent_since += 1
        try:
            yield
        finally:
            self._mine -= 1
            self._changed.set()

    def _wait(self, now: float) -> float:
        """Seconds until the read may send (inf: until something changes)."""
        if self._users > 0 or self._mine >= self.concurrency:
            return float("inf")
        waits = [self._paused_until - now, self._next_at - now]
        self._trim(now)
        if self.learnt is not None and len(self._calls) >= self.per_window:
            waits.append(self._calls[0] + self.window - now)
        if self.limit is not None and self._remaining - self._sent_since < self.limit * RESERVE:
            if now >= self._heard_at + self.window:  # a new window has begun since: one call asks again
                self._remaining, self._sent_since = self.limit, 0
            else:
                waits.append(self._heard_at + self.window - now)
        return max(waits)

    def _relax(self, now: float) -> None:
        """A clean window since the last 429: allow a quarter more; at the ceiling, forget the lesson."""
        if self.learnt is None or now < self._clean_since + self.window:
            return
        self.learnt *= GROWTH
        self._clean_since = now
        if self.learnt * SHARE >= self.ceiling:
            self.learnt = None

    def _trim(self, now: float) -> None:
        while self._calls and self._calls[0] <= now - self.window:
            self._calls.popleft()
