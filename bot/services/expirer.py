"""The background worker behind temporary numbers: reminds before the expiry, deletes at it, retries failures.

Everything it needs to know lives in the `expiries` table, so a restart loses nothing: rows that fell due
while the bot was down are handled as soon as it is back. A delete that fails stays due and is tried again
later, with growing pauses, for as long as it takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.core.durations import EXTENSION, remind_at
from bot.plusofon import (
    APIConnectionError,
    NotFoundError,
    PlusofonClient,
    PlusofonError,
    ServerError,
    SmartNumber,
)
from bot.services.mirror import Mirror
from bot.services.announcements import Announcements
from bot.services.journal import Journal
from storage.chats import ChatAuth, ChatRepository
from storage.expiries import Expiry, ExpiryStore

log = logging.getLogger(__name__)
DELETE_WITHIN = 18.0                                  # seconds for one delete, retries included
RETRY_DELAYS = (60.0, 300.0, 900.0, 3600.0)           # after the 1st, 2nd, 3rd, and every later failure
BATCH = 100


class Expirer:
    def __init__(self, store: ExpiryStore, chats: ChatRepository, plusofon: PlusofonClient, journal: Journal,
                 mirror: Mirror, say: Announcements, *, clock: Callable[[], float] = time.time,
                 idle_wait: float = 300.0, retry_delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self._store, self._chats, self._plusofon, self._journal = store, chats, plusofon, journal
        self._mirror, self._say = mirror, say
        self.clock = clock
        self._idle_wait = idle_wait
        self._retry_delays = retry_delays
        self._bot: Bot | None = None
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._lock = asyncio.Lock()
        self._stopping = False

    def start(self, bot: Bot) -> None:
        self._bot = bot
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="expiries")

    def wake(self) -> None:
        """An expiry was added or moved: look at the table again now."""
        self._wakeup.set()

    async def stop(self, timeout: float = 5.0) -> None:
        """Let a delete in progress finish (it may have reached the API), then stop."""
        if self._task is None:
            return
        self._stopping = True
        self._wakeup.set()
        _, pending = await asyncio.wait([self._task], timeout=timeout)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None

    async def schedule(self, number: SmartNumber, ttl: timedelta, *, account: int, chat_id: int,
                       user_id: int | None, user_name: str) -> Expiry:
        """Make `number` temporary: it goes `ttl` from now, with a reminder before (see bot.core.durations)."""
        expires_at = self.clock() + ttl.total_seconds()
        reminder = remind_at(expires_at, ttl)
        row = Expiry(account, number.id, chat_id, user_id, user_name, number.phone_x, number.phone_b,
                     number.description, expires_at, reminder, reminder if reminder is not None else expires_at)
        await self._store.put(row)
        self.wake()
        return row

    async def extend(self, row: Expiry, by: timedelta = EXTENSION) -> float | None:
        """Push the expiry `by` later (from now, if it has passed): the new expiry, or None when another tap
        moved it first."""
        expires_at = max(row.expires_at, self.clock()) + by.total_seconds()
        if not await self._store.extend(row, expires_at, remind_at(expires_at, by)):
            return None
        self.wake()
        return expires_at

    async def run_due(self) -> int:
        """Handle every row that is due now; return how many were handled."""
        handled = 0
        async with self._lock:
            while not self._stopping:
                rows = await self._store.due(self.clock(), BATCH)
                for row in rows:
                    if self._stopping:
                        break
                    # read again: a tap on "Продлить" or a /del may have changed it while the rows before it took
                    fresh = await self._store.get(row.account_id, row.number_id)
                    if fresh is not None and fresh.due_at <= self.clock():
                        await self._handle(fresh)
                        handled += 1
                if len(rows) < BATCH:
                    break
        return handled

    async def _run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                await self.run_due()
                next_due = await self._store.next_due()
            except Exception:
                log.exception("the expiry worker failed; trying again shortly")
                next_due = self.clock() + 5.0
            wait = self._idle_wait if next_due is None else min(max(next_due - self.clock(), 0.5), self._idle_wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), wait)

    async def _handle(self, row: Expiry) -> None:
        try:
            if self.clock() >= row.expires_at:
                await self._expire(row)
            else:
                await self._remind(row)
        except Exception as error:  # one bad row must not stop the others, nor be forgotten
            log.exception("expiry of number %s (account %s) failed", row.number_id, row.account_id)
            await self._store.failed(row, type(error).__name__, self.clock() + self._retry_delay(row))

    async def _remind(self, row: Expiry) -> None:
        """To a chat connected to the number's account now (where its buttons work), and to the team chat; with
        no such chat, to the team chat alone, without buttons."""
        assert self._bot is not None
        auth = await self._credentials(row)
        if auth is not None:
            text, markup = self._say.reminder(row, self.clock())
            try:
                await self._bot.send_message(auth.chat_id, text, reply_markup=markup)
            except TelegramAPIError as error:  # the chat is gone or the bot was removed: the team still hears
                log.warning("could not remind chat %s about number %s: %s", auth.chat_id, row.number_id, error)
        await self._store.reminded(row)
        await self._journal.expiry_reminded(row, auth)

    async def _expire(self, row: Expiry) -> None:
        auth = await self._credentials(row)
        if auth is None:
            log.warning("number %s of account %s expired, but no connected chat holds that account's token; "
                        "will try again", row.number_id, row.account_id)
            await self._store.failed(row, "no credentials", self.clock() + self._retry_delay(row))
            return
        if not await self._store.start_deleting(row, self.clock()):
            return  # extended just now
        try:
            with self._plusofon.within(DELETE_WITHIN):
                await self._plusofon.delete(auth.credentials, row.number_id)
        except NotFoundError:
            await self._forget(row)
            if row.deleting_at is None:
                log.info("expired number %s of account %s was deleted already", row.number_id, row.account_id)
                return
            # an earlier attempt, cut short (a restart, a timeout), did delete it: announce it now
        except PlusofonError as error:
            delay = self._retry_delay(row)
            log.warning("could not delete expired number %s of account %s (attempt %d): %s; again in %.0f s",
                        row.number_id, row.account_id, row.attempts + 1, error, delay)
            maybe = (isinstance(error, APIConnectionError) and error.request_sent) or isinstance(error, ServerError)
            await self._store.failed(row, type(error).__name__, self.clock() + delay, maybe_deleted=maybe)
            return
        else:
            await self._forget(row)
        await self._journal.number_expired(row, auth)
        log.info("expired number %s of account %s deleted", row.number_id, row.account_id)

    async def _forget(self, row: Expiry) -> None:
        await self._store.remove(row.account_id, row.number_id)
        await self._mirror.removed(row.account_id, row.number_id)

    async def _credentials(self, row: Expiry) -> ChatAuth | None:
        """The chat where the number was added if it is still connected to the number's account, or else any
        connected chat of that account (never a chat relinked to another account since)."""
        auth = await self._chats.get(row.chat_id)
        if auth is not None and auth.active and auth.user_id == row.account_id:
            return auth
        return next((other for other in await self._chats.all()
                     if other.active and other.user_id == row.account_id), None)

    def _retry_delay(self, row: Expiry) -> float:
        return self._retry_delays[min(row.attempts, len(self._retry_delays) - 1)]

