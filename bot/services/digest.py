"""The daily digest (DIGEST_TIME, in TIMEZONE): one message a day to each team chat with what was added and
deleted since its last digest (the audit records after the last it covered) and by whom, how many numbers the accounts hold, and what expires today and
tomorrow. A day with nothing to say sends nothing.

A team chat is what the journal tells of adds and deletes (`Journal.team_chat`): the digest covers the chats
that tell it, and their accounts. Each digest done (sent or quiet) is recorded per chat and day, so a restart
sends none twice; a digest whose time passed while the bot was down is sent when it is back, once. Time comes
from an injected clock (the tests move it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as time_of_day

from bot.core.durations import local_zone
from bot.services.journal import Journal
from bot.services.notifier import Notifier
from storage.audit import AuditEntry, AuditLog
from storage.chats import ChatRepository
from storage.digests import DigestStore
from storage.expiries import Expiry, ExpiryStore
from storage.mirror import MirrorStore
from storage.outbox import Outbox

log = logging.getLogger(__name__)
TICK = 60.0  # seconds between looks at the clock at most (a clock moved, a day that turned meanwhile)


@dataclass(frozen=True, slots=True)
class Digest:
    chat_id: int
    day: date                       # the local date it is sent on: "today" and "tomorrow" are from it
    added: list[AuditEntry]
    deleted: list[AuditEntry]       # by hand, and at expiry
    totals: dict[int, int]          # account → numbers it holds (Plusofon's count as last seen)
    today: list[Expiry]
    tomorrow: list[Expiry]

    @property
    def quiet(self) -> bool:
        return not (self.added or self.deleted or self.today or self.tomorrow)


def last_due(now: float, at: time_of_day) -> datetime:
    """The latest moment at or before `now` when the digest was due (today's, or yesterday's)."""
    zone = local_zone()
    local = datetime.fromtimestamp(now, zone)
    due = datetime.combine(local.date(), at, tzinfo=zone)
    return due if due <= local else datetime.combine(local.date() - timedelta(days=1), at, tzinfo=zone)


def day_start(day: date) -> float:
    return datetime.combine(day, time_of_day(0), tzinfo=local_zone()).timestamp()


class DailyDigest:
    def __init__(self, at: time_of_day | None, store: DigestStore, chats: ChatRepository, journal: Journal,
                 audit: AuditLog, expiries: ExpiryStore, mirror: MirrorStore, outbox: Outbox, notifier: Notifier,
                 render: Callable[[Digest], str], *, clock: Callable[[], float] = time.time,
                 tick: float = TICK) -> None:
        self._at, self._store, self._chats, self._journal = at, store, chats, journal
        self._audit, self._expiries, self._mirror = audit, expiries, mirror
        self._outbox, self._notifier, self._render = outbox, notifier, render
        self._clock, self._tick = clock, tick
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._at is not None:
            self._task = asyncio.get_running_loop().create_task(self._forever(), name="daily-digest")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def wake(self) -> None:
        """Look at the clock now (the tests, after moving it)."""
        self._wakeup.set()

    async def run_due(self) -> int:
        """Do each team chat's digest that is due and not done yet; return how many were sent."""
        if self._at is None:
            return 0
        now = self._clock()
        due = last_due(now, self._at)
        day, today = due.date(), datetime.fromtimestamp(now, local_zone()).date()
        sent, latest = 0, await self._audit.last_id()
        for target, chats in (await self._team_chats()).items():
            last = await self._store.last(target)
            if last is None:  # the chat's first look (a new team chat, the digest just switched on): from now
                await self._store.done(target, day.isoformat(), latest)
                continue
            if last[0] >= day.isoformat():
                continue
            digest = await self._gather(target, chats, today, last[1], latest)
            if await self._store.done(target, day.isoformat(), latest) and not digest.quiet:
                await self._outbox.add(target, self._render(digest))
                sent += 1
        if sent:
            self._notifier.wake()
            log.info("sent %d daily digests for %s", sent, day.isoformat())
        return sent

    async def _team_chats(self) -> dict[int, list[tuple[int, int]]]:
        """Team chat → the (chat, account) pairs of the connected chats that tell it."""
        groups: dict[int, list[tuple[int, int]]] = {}
        for auth in await self._chats.all():
            target = self._journal.team_chat(auth)
            if auth.active and target is not None:
                groups.setdefault(target, []).append((auth.chat_id, auth.user_id))
        return groups

    async def _gather(self, target: int, chats: list[tuple[int, int]], day: date, after_id: int,
                      up_to_id: int) -> Digest:
        changes = await self._audit.changes([chat for chat, _ in chats], after_id, up_to_id)
        accounts = sorted({account for _, account in chats})
        totals = {}
        for account in accounts:
            state = await self._mirror.state(account, counted=False)  # counting reads every row: only if needed
            if state is None:
                continue
            if state.total is not None:
                totals[account] = state.total
            elif count := await self._mirror.count(account):
                totals[account] = count
        today, tomorrow = day_start(day), day_start(day + timedelta(days=1))
        expiring = await self._expiries.expiring(accounts, today, day_start(day + timedelta(days=2)))
        return Digest(target, day, [entry for entry in changes if entry.action == "add"],
                      [entry for entry in changes if entry.action != "add"], totals,
                      [row for row in expiring if row.expires_at < tomorrow],
                      [row for row in expiring if row.expires_at >= tomorrow])

    async def _forever(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:
                log.exception("the daily digest failed; trying again in %.0f s", self._tick)
            assert self._at is not None
            now = self._clock()
            until_next = last_due(now, self._at).timestamp() + 86400 - now
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), min(max(until_next, 1.0), self._tick))
