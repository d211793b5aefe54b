"""At most `limit` sign-in attempts per Telegram user (in memory) and per e-mail address (in SQLite, so that
neither many Telegram accounts nor a restart get around it) in any `window` seconds."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from storage.login_attempts import LoginAttemptStore

LIMIT, WINDOW = 5, 15 * 60.0


class LoginAttempts:
    def __init__(self, store: LoginAttemptStore, *, limit: int = LIMIT, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic, wall_clock: Callable[[], float] = time.time) -> None:
        """`clock` times the per-user limit; `wall_clock` the per-address one, which outlives the process."""
        self.limit = limit
        self.window = window
        self.clock, self.wall_clock = clock, wall_clock
        self._store = store
        self._attempts: dict[int, deque[float]] = {}

    async def email_wait_minutes(self, email: str) -> int:
        """0 when the address may be tried now, else the minutes until it may."""
        recent = await self._store.since(email, self.wall_clock() - self.window)
        if len(recent) < self.limit:
            return 0
        return max(1, math.ceil((recent[-self.limit] + self.window - self.wall_clock()) / 60))

    async def record_email(self, email: str) -> int:
        """Count one attempt on the address; return how many are left in the window."""
        now = self.wall_clock()
        await self._store.add(email, now, forget_before=now - self.window)
        return max(0, self.limit - len(await self._store.since(email, now - self.window)))

    def wait_minutes(self, user_id: int) -> int:
        """0 when the user may try now, else the minutes until they may."""
        recent = self._recent(user_id)
        if len(recent) < self.limit:
            return 0
        return max(1, math.ceil((recent[0] + self.window - self.clock()) / 60))

    def record(self, user_id: int) -> int:
        """Count one attempt; return how many are left in the window."""
        recent = self._recent(user_id)
        recent.append(self.clock())
        self._attempts[user_id] = recent
        return max(0, self.limit - len(recent))

    def _recent(self, user_id: int) -> deque[float]:
        recent = self._attempts.get(user_id, deque())
        cutoff = self.clock() - self.window
        while recent and recent[0] <= cutoff:
            recent.popleft()
        if not recent:
            self._attempts.pop(user_id, None)
        return recent
