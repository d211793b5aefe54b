"""At most `limit` sign-in attempts per Telegram user in any `window` seconds (in memory)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

LIMIT, WINDOW = 5, 15 * 60.0


class LoginAttempts:
    def __init__(self, *, limit: int = LIMIT, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._attempts: dict[int, deque[float]] = {}

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
