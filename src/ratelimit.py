"""Pace requests so the key's per-minute budget is used fully and never exceeded.

CoinGlass tells every response's budget (`API-KEY-MAX-LIMIT`, requests per minute) and how much of the current
minute is used (`API-KEY-USE-LIMIT`). A request holds one of the budget's slots from when it is sent until one
window after its answer came back: CoinGlass counted it at some moment in between, so two requests whose slots
never overlap are at least a window apart at CoinGlass too, and no window-long interval there, whatever the
network's delays and however CoinGlass aligns its minutes, can hold more requests than the slots. Usage the
headers show beyond our own requests (another program on the same key) shrinks our share. After a 429 every
request waits until the window can have rolled. Until the first answer tells the budget, one request goes alone:
a burst sized on an assumed budget would overrun a smaller one, or a key another program shares.
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
IN_FLIGHT_POLL_S: Final = 0.05  # how often to look again while every slot is held by a request not yet answered


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
        self._in_flight: deque[float] = deque()  # send times of requests not answered yet
        self._answers: deque[float] = deque()  # answer times of the last window
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._answered = asyncio.Event()  # set by the first `observe`: until then only one request is out
        self._probing = False

    @property
    def allowance(self) -> int:
        """Requests we may send per window: the budget less others' use and a small safety margin."""
        margin = max(1, self.budget // 100)
        return max(1, self.budget - self._external_use - margin)

    async def acquire(self) -> None:
        """Wait until one more request fits in the budget, then count it as sent."""
        async with self._lock:  # waiters queue here, so they go in arrival order
            if self._probing:
                await self._answered.wait()
            while (delay := self._delay(self._clock())) > 0:
                await self._sleep(delay)
            self._in_flight.append(self._clock())
            self._probing = not self._answered.is_set()

    def observe(self, max_limit: str | None, used: str | None) -> None:
        """Learn the budget and others' usage from a response's rate-limit headers (ignored when unreadable).

        Call it for every request that was sent, with `None`s when no response came: that too ends the wait of the
        requests held back behind the first one.
        """
        self._answered.set()
        if self._in_flight:  # the oldest one, whichever this was: that frees no slot earlier than its own would
            self._in_flight.popleft()
            self._answers.append(self._clock())
        budget = _positive_int(max_limit)
        if budget is not None:
            self.budget = budget
        used_count = _positive_int(used)
        if used_count is not None:
            self._prune(self._clock())
            self._external_use = max(0, used_count - self._held())

    def penalize(self, wait_s: float) -> None:
        """After a 429: hold every request for `wait_s` (the window, or CoinGlass's Retry-After)."""
        self._blocked_until = max(self._blocked_until, self._clock() + wait_s)

    def _delay(self, now: float) -> float:
        if now < self._blocked_until:
            return self._blocked_until - now
        self._prune(now)
        excess = self._held() - self.allowance  # slots that must free up before one more request may go
        if excess < 0:
            return 0.0
        if excess < len(self._answers):
            return self._answers[excess] + self.window_s - now
        return IN_FLIGHT_POLL_S

    def _held(self) -> int:
        return len(self._in_flight) + len(self._answers)

    def _prune(self, now: float) -> None:
        while self._answers and self._answers[0] <= now - self.window_s:
            self._answers.popleft()


def _positive_int(text: str | None) -> int | None:
    try:
        value = int(str(text).strip())
    except ValueError:
        return None
    return value if value >= 0 else None
