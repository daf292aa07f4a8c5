"""Pace requests so the key's per-minute budget is used fully and never exceeded.

CoinGlass tells every response's budget (`API-KEY-MAX-LIMIT`, requests per minute) and how much of the current
minute is used (`API-KEY-USE-LIMIT`). The limiter keeps the send times of the last window and lets a request go
only while fewer than the budget were sent within one window: no window-long interval, and so none of
CoinGlass's minutes, can hold more than the budget. Usage the headers show beyond our own sends (another
program on the same key) shrinks our share. After a 429 every request waits until the window can have rolled.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

MAX_LIMIT_HEADER: Final = 'API-KEY-MAX-LIMIT'
USE_LIMIT_HEADER: Final = 'API-KEY-USE-LIMIT'
CHEAPEST_PLAN_BUDGET: Final = 30  # Hobbyist: assumed until the first response tells the real budget


class RateLimiter:
    """A sliding-window pacer shared by every request of a run."""

    def __init__(
        self,
        *,
        window_s: float = 60.0,
        initial_budget: int = CHEAPEST_PLAN_BUDGET,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.window_s = window_s
        self.budget = initial_budget
        self._external_use = 0
        self._blocked_until = 0.0
        self._sends: deque[float] = deque()
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()

    @property
    def allowance(self) -> int:
        """Requests we may send per window: the budget less others' use and a small safety margin."""
        margin = max(1, self.budget // 100)
        return max(1, self.budget - self._external_use - margin)

    async def acquire(self) -> None:
        """Wait until one more request fits in the budget, then count it as sent."""
        async with self._lock:  # waiters queue here, so they go in arrival order
            while (delay := self._delay(self._clock())) > 0:
                await self._sleep(delay)
            self._sends.append(self._clock())

    def observe(self, max_limit: str | None, used: str | None) -> None:
        """Learn the budget and others' usage from a response's rate-limit headers (ignored when unreadable)."""
        budget = _positive_int(max_limit)
        if budget is not None:
            self.budget = budget
        used_count = _positive_int(used)
        if used_count is not None:
            self._prune(self._clock())
            self._external_use = max(0, used_count - len(self._sends))

    def penalize(self, wait_s: float) -> None:
        """After a 429: hold every request for `wait_s` (the window, or CoinGlass's Retry-After)."""
        self._blocked_until = max(self._blocked_until, self._clock() + wait_s)

    def _delay(self, now: float) -> float:
        if now < self._blocked_until:
            return self._blocked_until - now
        self._prune(now)
        allowance = self.allowance
        if len(self._sends) < allowance:
            return 0.0
        return self._sends[len(self._sends) - allowance] + self.window_s - now

    def _prune(self, now: float) -> None:
        while self._sends and self._sends[0] <= now - self.window_s:
            self._sends.popleft()


def _positive_int(text: str | None) -> int | None:
    try:
        value = int(str(text).strip())
    except ValueError:
        return None
    return value if value >= 0 else None
