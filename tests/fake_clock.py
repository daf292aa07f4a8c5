"""A fake monotonic clock for the pacing, retry and deadline tests: no test waits for real time."""

from __future__ import annotations


class Clock:
    """Reads as a monotonic clock (`clock()`, in seconds); `await clock.sleep(s)` advances it at once.

    `sleeps` lists every sleep asked for, in seconds, in order.
    """

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
