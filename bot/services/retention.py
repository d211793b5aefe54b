"""Retention: sent team notifications and old audit records are purged in the background, so neither table
grows for ever, the Mini App's answers kept by Idempotency-Key go after a day, and accounts no chat has referred
to for MIRROR_KEEP_DAYS are forgotten (see forgetting.py). One pass at start, then one every `interval`; each deletes a batch at a time with a pause
between batches, so the bot's own writes never wait long behind it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from bot.services.forgetting import Forgetting
from storage.answers import KeptAnswers
from storage.audit import AuditLog
from storage.outbox import Outbox

log = logging.getLogger(__name__)
DAY = 86_400.0
ANSWERS_KEPT = DAY  # the Mini App's answers by Idempotency-Key: a retry comes within moments, not days


class Retention:
    def __init__(self, audit: AuditLog, outbox: Outbox, *, outbox_days: int, audit_days: int,
                 interval: float = 3600.0, batch: int = 500, pause: float = 0.05,
                 clock: Callable[[], float] = time.time, forgetting: Forgetting | None = None,
                 answers: KeptAnswers | None = None) -> None:
        self._audit = audit
        self._answers = answers
        self._forgetting = forgetting
        self._outbox = outbox
        self._outbox_keep = outbox_days * DAY
        self._audit_keep = audit_days * DAY
        self._interval = interval
        self._batch = batch
        self._pause = pause
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self.passed = asyncio.Event()
        """Set once a pass has finished (the first one runs at start)."""

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def purge(self) -> tuple[int, int]:
        """One pass: sent or dropped notifications past their term first (their audit records may go then),
        then audit records past theirs. Returns how many (notifications, audit records) were deleted."""
        now = self._clock()
        notifications = await self._in_batches(self._outbox.purge, now - self._outbox_keep)
        records = await self._in_batches(self._audit.purge, now - self._audit_keep)
        if self._answers is not None:
            await self._in_batches(self._answers.purge, now - ANSWERS_KEPT)
        if self._forgetting is not None:
            await self._forgetting.forget_due()
        if notifications or records:
            log.info("retention: deleted %d sent notifications and %d audit records", notifications, records)
        return notifications, records

    async def _in_batches(self, purge: Callable[[float, int], Awaitable[int]], before: float) -> int:
        total = 0
        while True:
            deleted = await purge(before, self._batch)
            total += deleted
            if deleted < self._batch:
                return total
            await asyncio.sleep(self._pause)

    async def _run(self) -> None:
        while True:
            try:
                await self.purge()
            except Exception:
                log.exception("retention pass failed; trying again in %.0f s", self._interval)
            self.passed.set()
            await asyncio.sleep(self._interval)
