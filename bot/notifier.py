"""Team notifications: sent from the SQLite outbox in the background, within Telegram's limits for a group.

A user's action never waits on (or fails because of) a notification. Each row is marked sent once Telegram
accepts it; rows still pending when the bot stops are sent after the next start.
"""

from __future__ import annotations

import asyncio
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

from storage.outbox import Notification, Outbox

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, outbox: Outbox, *, per_minute: int = 20, window: float = 60.0,
                 unreachable_pause: float = 600.0, max_attempts: int = 5, backoff: float = 1.0) -> None:
        self._outbox = outbox
        self._per_window = per_minute
        self._window = window
        self._pause = unreachable_pause
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._bot: Bot | None = None
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
        self.wake()

    def wake(self) -> None:
        """New rows are in the outbox: queue them (returns at once)."""
        if self._bot is None:
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

    async def stop(self, timeout: float = 5.0) -> None:
        """Give queued notifications `timeout` seconds; the rest stay in the outbox for the next start."""
        if self._pump is not None:
            await asyncio.wait([self._pump], timeout=timeout)
        workers = list(self._workers.values())
        if workers:
            _, unfinished = await asyncio.wait(workers, timeout=timeout)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        if self.pending:
            log.info("%d notifications stay in the outbox until the next start", self.pending)
        self._queues.clear()
        self._bot = None

    async def _load(self) -> None:
        try:
            while True:
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
                await self._wait_for_slot(chat_id)
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

    async def _wait_for_slot(self, chat_id: int) -> None:
        loop = asyncio.get_running_loop()
        sent = self._sent_at.setdefault(chat_id, deque(maxlen=self._per_window))
        while len(sent) >= self._per_window and sent[0] + self._window > loop.time():
            await asyncio.sleep(sent[0] + self._window - loop.time())

    async def _send(self, row: Notification) -> str | None:
        """Send one notification: None once Telegram accepted it, else why it was given up."""
        loop = asyncio.get_running_loop()
        chat_id, attempt = row.chat_id, 0
        while self._bot is not None:
            try:
                await self._bot.send_message(chat_id, row.text)
                self._sent_at.setdefault(row.chat_id, deque(maxlen=self._per_window)).append(loop.time())
                return None
            except TelegramRetryAfter as error:
                log.info("Telegram asks to wait %ss before notifying chat %s", error.retry_after, chat_id)
                await asyncio.sleep(error.retry_after)
            except TelegramMigrateToChat as error:
                log.warning("notify chat %s became supergroup %s", chat_id, error.migrate_to_chat_id)
                chat_id = error.migrate_to_chat_id
            except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as error:
                if isinstance(error, TelegramBadRequest) and not _is_gone(error):
                    log.error("notification for chat %s refused: %s", chat_id, error.message)
                    return f"refused: {error.message}"
                log.warning("cannot notify chat %s (%s): its notifications are dropped for %d s",
                            chat_id, error.message, self._pause)
                self._unreachable_until[row.chat_id] = loop.time() + self._pause
                return "chat unreachable"
            except (TelegramNetworkError, TelegramServerError) as error:
                attempt += 1
                if attempt >= self._max_attempts:
                    log.error("giving up a notification for chat %s after %d attempts: %s", chat_id, attempt, error)
                    return f"gave up: {error}"
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            except TelegramAPIError as error:
                log.error("notification for chat %s refused: %s", chat_id, error)
                return f"refused: {error}"
        return "stopped"


def _is_gone(error: TelegramBadRequest) -> bool:
    message = error.message.lower()
    return any(sign in message for sign in ("chat not found", "kicked", "not a member", "deactivated"))
