"""Team notifications: sent from the SQLite outbox in the background, within Telegram's limits for a group.

A user's action never waits on (or fails because of) a notification. Each row is marked sent once Telegram
accepts it; rows still pending when the bot stops are sent after the next start. When the bot stops, no send
begins any more, and a send already under way (at most `send_timeout` seconds) finishes and is marked, so a
notification Telegram took is never sent again after the restart. This is the only retry layer for these
sends: they bypass the session's RetryMiddleware.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.core.backoff import retry_delay
from bot.telegram.retry import caller_retries
from storage.outbox import Notification, Outbox

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, outbox: Outbox, *, per_minute: int = 20, window: float = 60.0,
                 unreachable_pause: float = 600.0, max_attempts: int = 5, backoff: float = 1.0,
                 retry_after_cap: float = 60.0, send_timeout: int = 5) -> None:
        """`max_attempts`: tries of one notification, whatever the failure (429, 5xx, network), before it is
        given up; `retry_after_cap`: the longest Telegram's `retry_after` is waited; `send_timeout`: the
        longest one send may take, and so the longest a stop waits for the send under way."""
        self._outbox = outbox
        self._per_window = per_minute
        self._window = window
        self._pause = unreachable_pause
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._retry_after_cap = retry_after_cap
        self._send_timeout = send_timeout
        self._bot: Bot | None = None
        self._stopping = asyncio.Event()
        self._queues: dict[int, deque[Notification]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._sent_at: dict[int, deque[float]] = {}
        self._unreachable_until: dict[int, float] = {}
        self._loaded_up_to = 0
        self._pump: asyncio.Task[None] | None = None
        self._pump_again = False

    def start(self, bot: Bot) -> None:
        """Begin sending, starting with whatever the outbox still holds from before."""
        self._bot = bot
        self._stopping.clear()
        self._loaded_up_to = 0
        self.wake()

    def wake(self) -> None:
        """New rows are in the outbox: queue them (returns at once)."""
        if self._bot is None or self._stopping.is_set():
            return
        if self._pump is not None and not self._pump.done():
            self._pump_again = True
            return
        self._pump = asyncio.get_running_loop().create_task(self._load(), name="notify:load")

    def resume(self, chat_id: int) -> None:
        """The bot is back in `chat_id`: try it again at once."""
        self._unreachable_until.pop(chat_id, None)

    @property
    def pending(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    async def settle(self) -> None:
        """Wait until every notification queued so far has been sent or given up (a stop does not wait)."""
        while tasks := [task for task in (self._pump, *self._workers.values()) if task is not None and not task.done()]:
            await asyncio.wait(tasks)

    async def stop(self) -> None:
        """Begin no more sends; let the one under way finish and be marked. The rest stay in the outbox."""
        self._stopping.set()
        tasks = [task for task in (self._pump, *self._workers.values()) if task is not None and not task.done()]
        if tasks:
            # a send ends within send_timeout (aiogram's request timeout); marking it takes a moment more
            _, unfinished = await asyncio.wait(tasks, timeout=self._send_timeout + 1.0)
            for task in unfinished:
                task.cancel()
            if unfinished:
                log.warning("%d notification senders did not finish in time", len(unfinished))
            await asyncio.gather(*unfinished, return_exceptions=True)
        if self.pending:
            log.info("%d notifications stay in the outbox until the next start", self.pending)
        self._queues.clear()
        self._bot = None

    async def _load(self) -> None:
        try:
            while not self._stopping.is_set():
                self._pump_again = False
                rows = await self._outbox.pending(after_id=self._loaded_up_to)
                for row in rows:
                    self._loaded_up_to = max(self._loaded_up_to, row.id)
                    await self._enqueue(row)
                if not rows and not self._pump_again:
                    return
        except Exception:
            log.exception("could not read the notification outbox")

    async def _enqueue(self, row: Notification) -> None:
        loop = asyncio.get_running_loop()
        if self._unreachable_until.get(row.chat_id, 0.0) > loop.time():
            await self._outbox.drop(row.id, "chat unreachable")
            return
        self._queues.setdefault(row.chat_id, deque()).append(row)
        if row.chat_id not in self._workers:
            self._workers[row.chat_id] = loop.create_task(self._drain(row.chat_id), name=f"notify:{row.chat_id}")

    async def _drain(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                if not await self._wait_for_slot(chat_id):
                    return
                row = queue[0]
                outcome = await self._send(row)
                if outcome == "stopped":
                    return  # it stays in the outbox for the next start
                if outcome is None:
                    await self._outbox.mark_sent(row.id)
                else:
                    await self._outbox.drop(row.id, outcome)
                queue.popleft()
                if outcome == "chat unreachable":
                    for rest in queue:
                        await self._outbox.drop(rest.id, outcome)
                    queue.clear()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("notification sender for chat %s failed", chat_id)
        finally:
            self._workers.pop(chat_id, None)
            if not queue:
                self._queues.pop(chat_id, None)

    async def _wait_for_slot(self, chat_id: int) -> bool:
        """Wait until the chat's rate allows a send; False if the bot stops meanwhile."""
        loop = asyncio.get_running_loop()
        sent = self._sent_at.setdefault(chat_id, deque(maxlen=self._per_window))
        while len(sent) >= self._per_window and sent[0] + self._window > loop.time():
            if not await self._sleep(sent[0] + self._window - loop.time()):
                return False
        return not self._stopping.is_set()

    async def _sleep(self, seconds: float) -> bool:
        """Wait `seconds`, or less if the bot begins to stop: False then."""
        if seconds > 0 and not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self._stopping.is_set()

    async def _send(self, row: Notification) -> str | None:
        """Send one notification: None once Telegram accepted it, "stopped" if the bot stopped first, else why
        it was given up (at most `max_attempts` tries)."""
        loop = asyncio.get_running_loop()
        chat_id, failure = row.chat_id, ""
        for attempt in range(self._max_attempts):
            if self._bot is None or self._stopping.is_set():
                return "stopped"
            try:
                with caller_retries():
                    await self._bot.send_message(chat_id, row.text, request_timeout=self._send_timeout)
                self._sent_at.setdefault(row.chat_id, deque(maxlen=self._per_window)).append(loop.time())
                return None
            except TelegramRetryAfter as error:
                failure = f"retry after {error.retry_after}s"
                delay = retry_delay(attempt, self._backoff, retry_after=error.retry_after, cap=self._retry_after_cap)
                log.info("Telegram asks to wait %ss before notifying chat %s; waiting %.1fs",
                         error.retry_after, chat_id, delay)
            except TelegramMigrateToChat as error:
                log.warning("notify chat %s became supergroup %s", chat_id, error.migrate_to_chat_id)
                chat_id, failure, delay = error.migrate_to_chat_id, "chat migrated", 0.0
            except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as error:
                if isinstance(error, TelegramBadRequest) and not _is_gone(error):
                    log.error("notification for chat %s refused: %s", chat_id, error.message)
                    return f"refused: {error.message}"
                log.warning("cannot notify chat %s (%s): its notifications are dropped for %d s",
                            chat_id, error.message, self._pause)
                self._unreachable_until[row.chat_id] = loop.time() + self._pause
                return "chat unreachable"
            except (TelegramNetworkError, TelegramServerError) as error:
                failure, delay = str(error), retry_delay(attempt, self._backoff)
            except TelegramAPIError as error:
                log.error("notification for chat %s refused: %s", chat_id, error)
                return f"refused: {error}"
            if attempt + 1 < self._max_attempts and not await self._sleep(delay):
                return "stopped"
        log.error("giving up a notification for chat %s after %d attempts: %s", chat_id, self._max_attempts, failure)
        return f"gave up: {failure}"


def _is_gone(error: TelegramBadRequest) -> bool:
    message = error.message.lower()
    return any(sign in message for sign in ("chat not found", "kicked", "not a member", "deactivated"))
