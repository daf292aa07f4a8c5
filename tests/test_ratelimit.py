"""The limiter on a shared key: window learning, shares, backoff, long waits, and several runs sharing one budget.

The shared-key tests are a deterministic simulation in virtual time: an asyncio loop whose clock jumps to the next
timer instead of waiting, a simulated CoinGlass that counts one fixed window for everyone (opened, like the fake's,
by the first request after the last one expired) and answers with the two headers or a 429, and several runs,
each a `CoinGlassClient` with its own `RateLimiter` over an `httpx.MockTransport`, started a little apart.
"""

from __future__ import annotations

import asyncio
import math
import random
import selectors
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fake_clock import Clock

from src.client import CoinGlassClient
from src.ratelimit import BUDGET_SPENT, LONG_WAIT_S, RateLimiter, Ticket

# --- virtual time ---------------------------------------------------------------------------------------------------


class _JumpingSelector(selectors.DefaultSelector):
    """Never blocks: where the loop would wait for its next timer, the virtual clock jumps to it."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        events = super().select(0)
        if events or timeout == 0:
            return events
        if timeout is None:
            raise RuntimeError('simulation deadlock: nothing is scheduled')
        self._loop.now += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose `time()` is virtual: `asyncio.sleep(60)` takes no real time."""

    def __init__(self) -> None:
        self.now = 0.0
        super().__init__(selector=_JumpingSelector(self))

    def time(self) -> float:
        return self.now


def in_virtual_time(coroutine: Any) -> Any:
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(coroutine)


# --- a simulated key shared by several runs -------------------------------------------------------------------------


@dataclass
class SharedKey:
    """One key's budget, counted in fixed windows that open at the first request after the last one expired."""

    budget: int
    window_s: float
    start: float | None = None
    used: int = 0
    too_many: int = 0
    windows: list[int] = field(default_factory=list)
    first_count: float | None = None
    last_count: float = 0.0

    def count(self, now: float) -> tuple[int, int]:
        """(status, use header) of a request counted at `now`."""
        if self.start is None or now - self.start >= self.window_s:
            self.start, self.used = now, 0
            self.windows.append(0)
        if self.first_count is None:
            self.first_count = now
        self.last_count = now
        if self.used >= self.budget:
            self.too_many += 1
            return 429, self.used
        self.used += 1
        self.windows[-1] += 1
        return 200, self.used

    @property
    def served(self) -> int:
        return sum(self.windows)

    def span_ratio(self, latency_s: float) -> float:
        """The span of the counted requests over the shortest the budget allows for them."""
        assert self.first_count is not None
        allowed = (math.ceil(self.served / self.budget) - 1) * self.window_s + latency_s
        return (self.last_count - self.first_count + latency_s) / allowed


@dataclass(frozen=True)
class Load:
    """`runs` runs of `requests` each, started uniformly within `start_spread_s`, on a key of `budget`/`window_s`."""

    runs: int
    requests: int
    budget: int = 60
    window_s: float = 10.0
    latency_s: float = 0.05
    jitter_s: float = 0.02
    start_spread_s: float = 1.0
    connections: int = 16
    seed: int = 1


@dataclass
class Outcome:
    key: SharedKey
    delivered: list[int]
    rate_limited: list[int]

    @property
    def share_429(self) -> float:
        return self.key.too_many / (self.key.served + self.key.too_many)


async def _one_run(index: int, load: Load, key: SharedKey) -> tuple[int, int]:
    loop = asyncio.get_running_loop()
    rng = random.Random(load.seed * 1000 + index)
    connections = asyncio.Semaphore(load.connections)

    async def answer(request: httpx.Request) -> httpx.Response:
        async with connections:
            await asyncio.sleep(load.latency_s + rng.uniform(0, load.jitter_s))
            status, used = key.count(loop.time())
        body = {'code': '0', 'msg': 'success', 'data': []} if status == 200 else {'code': '429', 'msg': 'Too Many'}
        headers = {'API-KEY-MAX-LIMIT': str(load.budget), 'API-KEY-USE-LIMIT': str(used)}
        return httpx.Response(status, json=body, headers=headers)

    limiter = RateLimiter(window_s=load.window_s, clock=loop.time, rng=random.Random(load.seed * 7 + index))
    client = CoinGlassClient(
        'sim-key', base_url='https://cg.test', transport=httpx.MockTransport(answer), limiter=limiter, rng=rng
    )
    async with client:
        results = await asyncio.gather(*(client.get('/x') for _ in range(load.requests)))
    return len(results), client.rate_limited_count


async def _simulate(load: Load) -> Outcome:
    key = SharedKey(load.budget, load.window_s)
    starts = random.Random(load.seed)
    delays = [starts.uniform(0, load.start_spread_s) for _ in range(load.runs)]

    async def started(index: int) -> tuple[int, int]:
        await asyncio.sleep(delays[index])
        return await _one_run(index, load, key)

    runs = await asyncio.gather(*(started(index) for index in range(load.runs)))
    return Outcome(key, [done for done, _ in runs], [limited for _, limited in runs])


def simulate(load: Load) -> Outcome:
    return in_virtual_time(_simulate(load))  # type: ignore[no-any-return]


# --- several runs on one key ----------------------------------------------------------------------------------------


@pytest.mark.parametrize('seed', [1, 2, 3])
def test_five_runs_share_the_key_with_few_429s_and_no_idle_budget(seed: int) -> None:
    """The benchmark's load: 5 runs of 24 started within a second, on 60 per 10 s. 120 requests fit two windows
    exactly, so both must be full; runs that each believed they owned the budget drew a third of them as 429s."""
    outcome = simulate(Load(runs=5, requests=24, seed=seed))
    assert outcome.delivered == [24] * 5
    assert outcome.key.windows == [60, 60]  # not a request of the budget left idle
    assert outcome.key.too_many <= 5, outcome.key.too_many
    assert outcome.share_429 <= 0.05
    assert outcome.key.span_ratio(0.05) <= 1.5
    assert sum(outcome.rate_limited) == outcome.key.too_many


def test_ten_runs_converge_to_sharing() -> None:
    outcome = simulate(Load(runs=10, requests=24))
    assert outcome.delivered == [24] * 10
    assert outcome.key.windows == [60, 60, 60, 60]
    assert outcome.share_429 <= 0.1, outcome.key.too_many
    assert outcome.key.span_ratio(0.05) <= 1.25


def test_runs_that_fit_one_window_draw_no_429() -> None:
    outcome = simulate(Load(runs=2, requests=24))
    assert outcome.delivered == [24, 24]
    assert outcome.key.windows == [48]
    assert outcome.key.too_many == 0


def test_a_lone_batch_uses_the_budget_less_its_margin_without_a_429() -> None:
    """The single-run figures hold: 254 requests on 100 per 5 s take three windows of 99, 99 and 56."""
    outcome = simulate(Load(runs=1, requests=254, budget=100, window_s=5.0, start_spread_s=0.0))
    assert outcome.key.windows == [99, 99, 56]
    assert outcome.key.too_many == 0
    assert outcome.key.span_ratio(0.05) <= 1.05


# --- one limiter, step by step --------------------------------------------------------------------------------------


def limiter_on(clock: Clock, **options: Any) -> RateLimiter:
    return RateLimiter(window_s=10.0, clock=clock, sleep=clock.sleep, rng=random.Random(3), **options)


async def answered(limiter: RateLimiter, clock: Clock, budget: int, used: int, *, counted: bool = True) -> Ticket:
    ticket = await limiter.acquire()
    limiter.observe(ticket, str(budget), str(used), counted=counted)
    return ticket


async def test_a_spent_key_holds_requests_until_its_window_rolls() -> None:
    clock = Clock()
    limiter = limiter_on(clock)
    await answered(limiter, clock, 100, 1)  # the probe opens the window, answered at 0
    clock.now = 2.0
    await answered(limiter, clock, 100, 100)  # others spent the rest
    await limiter.acquire()
    assert clock.now == pytest.approx(10.0)  # the window began by 0: it has rolled at 10


async def test_usage_falling_tells_the_run_a_new_window_began() -> None:
    clock = Clock()
    limiter = limiter_on(clock)
    await answered(limiter, clock, 100, 40)  # the window began at 0 at the latest
    clock.now = 7.0
    await answered(limiter, clock, 100, 20)  # less than seen before this request went: a window began by now
    began_by = clock.now  # a little after 7: a crowded key's old view is trusted less, so the request waited
    clock.now = 8.0
    await answered(limiter, clock, 100, 100)  # spent
    await limiter.acquire()
    assert 7 < began_by < 8
    assert clock.now == pytest.approx(began_by + 10)  # the new window's roll, not the old one's at 10


async def test_others_use_shrinks_the_share_and_a_run_alone_takes_all() -> None:
    clock = Clock()
    alone = limiter_on(clock)
    for used in range(1, 41):  # past the ramp of a run's first 32 answers
        await answered(alone, clock, 1000, used)
    assert alone.share == 1.0
    crowded = limiter_on(clock)
    for step in range(1, 41):
        await answered(crowded, clock, 1000, 100 + 4 * step)  # three others' requests for each of ours
    # Three others' requests for each of its own: four runs together must leave a margin, and none is starved.
    assert 0 < crowded.share < 1 / 4
    for step in range(1, 4):
        clock.now += 0.4
        await answered(crowded, clock, 1000, 260 + step)  # only ours counted, three times in 1.2 s
    assert crowded.share == 1.0


async def test_a_429_halves_the_share_and_a_new_window_doubles_it_back() -> None:
    clock = Clock()
    limiter = limiter_on(clock)
    for used in range(1, 41):
        await answered(limiter, clock, 100, used)
    assert limiter.share == 1.0
    await answered(limiter, clock, 100, 40, counted=False)
    assert limiter.share == 0.5
    clock.now = 10.5
    await answered(limiter, clock, 100, 1)  # a new window
    assert limiter.share == 1.0


async def test_after_a_429_only_a_spent_budget_holds_every_request_until_the_roll() -> None:
    clock = Clock()
    limiter = limiter_on(clock)
    await answered(limiter, clock, 100, 12, counted=False)
    assert limiter.rate_limited_wait() is None  # plenty of room: the caller backs off in seconds
    clock.now = 4.0
    await answered(limiter, clock, 100, 95, counted=False)
    assert limiter.rate_limited_wait() == pytest.approx(6.0)  # spent: until the window that began by 0 rolls


async def test_a_long_wait_is_announced_once_with_its_reason() -> None:
    clock = Clock()
    calls: list[tuple[float, str]] = []

    async def on_long_wait(seconds: float, reason: str) -> None:
        calls.append((seconds, reason))

    limiter = RateLimiter(
        window_s=60.0, clock=clock, sleep=clock.sleep, rng=random.Random(3), on_long_wait=on_long_wait
    )
    await answered(limiter, clock, 30, 1)
    clock.now = 2.0
    await answered(limiter, clock, 30, 30)  # spent: the next requests wait until 60
    first, second = asyncio.ensure_future(limiter.acquire()), asyncio.ensure_future(limiter.acquire())
    limiter.observe(await first, '30', '1')  # the window that rolled at 60
    await second
    assert clock.now == pytest.approx(60.0, abs=0.1)
    assert calls == [(58.0, f'{BUDGET_SPENT}; waiting 58 s for its window to roll')]


async def test_a_short_wait_is_not_announced_and_a_failing_callback_fails_nothing() -> None:
    clock = Clock()
    calls: list[tuple[float, str]] = []

    async def on_long_wait(seconds: float, reason: str) -> None:
        calls.append((seconds, reason))
        raise RuntimeError('status update failed')

    limiter = RateLimiter(window_s=LONG_WAIT_S - 1, clock=clock, sleep=clock.sleep, on_long_wait=on_long_wait)
    await answered(limiter, clock, 30, 30)  # spent at 0
    await answered(limiter, clock, 30, 1)  # waited 24 s for the roll: not announced
    assert clock.now == pytest.approx(LONG_WAIT_S - 1)
    assert calls == []
    limiter.penalize(40.0, 'CoinGlass asked to wait (Retry-After)')
    await limiter.acquire()
    assert calls == [(40.0, 'CoinGlass asked to wait (Retry-After); waiting 40 s')]
