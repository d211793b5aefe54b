"""The one retry delay used by every retry loop (Plusofon calls, Telegram requests, team notifications)."""

from __future__ import annotations

import random


def retry_delay(attempt: int, base: float, *, retry_after: float | None = None, cap: float = 60.0) -> float:
    """Seconds to wait before retry number `attempt + 1`: `base`·2^attempt with jitter (×0.5–1), at most `cap`;
    a server's `retry_after` is honoured up to `cap`."""
    delay = min(base * 2**attempt, cap) * random.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay
