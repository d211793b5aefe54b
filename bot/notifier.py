"""Team notifications, sent in the background within Telegram's limits for a group.

A user's action never waits on (or fails because of) a notification.
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

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, *, per_minute: int = 20, window: float = 60.0, max_pending: int = 1000,
                 unreachable_pause: float = 600.0, max_attempts: int = 5, backoff: float = 1.0) -> None:
        self._per_window = per_minute
        self._window = window
        self._max_pending = max_pending
        self._pause = unreachable_pause
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._bot: Bot | None = None
        self._queues: dict[int, deque[str]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._sent_at: dict[int, deque[float]] = {}
        self._unreachable_until: dict[int, float] = {}

    def start(self, bot: Bot) -> None:
        self._bot = bot

    def notify(self, chat_id: int, text: str) -> None:
        """Queue `text` for `chat_id` and return at once."""
        if self._bot is None:
            log.error("notifier not started: dropping a notification for chat %s", chat_id)
            return
        loop = asyncio.get_running_loop()
        if self._unreachable_until.get(chat_id, 0.0) > loop.time():
            log.debug("chat %s is unreachable: notification dropped", chat_id)
            return
        queue = self._queues.setdefault(chat_id, deque())
        if len(queue) >= self._max_pending:
            log.warning("too many notifications pending for chat %s: dropping the oldest", chat_id)
            queue.popleft()
        queue.append(text)
        if chat_id not in self._workers:
            self._workers[chat_id] = loop.create_task(self._drain(chat_id), name=f"notify:{chat_id}")

    @property
    def pending(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    async def stop(self, timeout: float = 5.0) -> None:
        """Give the queued notifications `timeout` seconds to go out, then drop the rest."""
        workers = list(self._workers.values())
        if workers:
            _, unfinished = await asyncio.wait(workers, timeout=timeout)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        if self.pending:
            log.warning("stopping with %d notifications not sent", self.pending)
        self._queues.clear()

    async def _drain(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                await self._wait_for_slot(chat_id)
                if not await self._send(chat_id, queue[0]):
                    queue.clear()
                    break
                if queue:
                    queue.popleft()
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

    async def _send(self, chat_id: int, text: str) -> bool:
        """Send one message; False when the chat cannot be reached (its queue is then dropped)."""
        assert self._bot is not None
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            try:
                await self._bot.send_message(chat_id, text)
                self._sent_at[chat_id].append(loop.time())
                return True
            except TelegramRetryAfter as error:
                log.info("Telegram asks to wait %ss before notifying chat %s", error.retry_after, chat_id)
                await asyncio.sleep(error.retry_after)
            except TelegramMigrateToChat as error:
                log.warning("notify chat %s became supergroup %s", chat_id, error.migrate_to_chat_id)
                chat_id = error.migrate_to_chat_id
                self._sent_at.setdefault(chat_id, deque(maxlen=self._per_window))
            except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as error:
                if isinstance(error, TelegramBadRequest) and not _is_gone(error):
                    log.error("notification for chat %s refused: %s", chat_id, error.message)
                    return True
                log.warning("cannot notify chat %s (%s): its notifications are dropped for %d s",
                            chat_id, error.message, self._pause)
                self._unreachable_until[chat_id] = loop.time() + self._pause
                return False
            except (TelegramNetworkError, TelegramServerError) as error:
                attempt += 1
                if attempt >= self._max_attempts:
                    log.error("giving up a notification for chat %s after %d attempts: %s",
                              chat_id, attempt, error)
                    return True
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            except TelegramAPIError as error:
                log.error("notification for chat %s refused: %s", chat_id, error)
                return True


def _is_gone(error: TelegramBadRequest) -> bool:
    message = error.message.lower()
    return any(sign in message for sign in ("chat not found", "kicked", "not a member", "deactivated"))
