"""Pace requests so that every run on one CoinGlass key shares its budget: few 429s, and none of it left idle.

The publisher sets one key, so every user's run and every scheduled task spends the same budget at once. Every
answer tells what the key may spend per window (`API-KEY-MAX-LIMIT`, B) and what everyone has spent in the
current window (`API-KEY-USE-LIMIT`, U). A run paces on what is left for the whole key, B - U, not on what it
alone has sent:

- The server's window. Use only grows within a window, so an answer that shows no more use than the run had
  already seen when it sent that request, or that answers a request sent after the window the run knew had ended,
  belongs to a new window. The run puts the new window's start at that answer, the latest it can have been: it
  never expects a roll before one happens, and learns the roll within a round trip when it has a request out
  across it. Until the window it knows can have rolled, the key's use is the highest U seen in it; after that
  nothing of the new window is known but that it began empty, and on a crowded key one request goes first to
  look (others may have spent it since it rolled).
- Its share of what is left. A run keeps at most `share` x (B - U) requests in flight. A run alone takes all of
  it (past its start, a lone run paces as it did before runs shared): alone means that its own answered requests
  account for all the use it saw, or that for a second and 3 answers the use grew by nothing but its own
  requests (the others have stopped). On a crowded key a run's share is 0.35 of the part of the key's use that
  its answers account for, over this window and the last, plus 1/32 so that a run that has had little so far is
  not starved: each run leaves the others a margin of (1 - share) of what is left, none when alone and most of
  it in a crowd. The shares of all runs add up to less than one (for up to about 20 runs), so their claims
  cannot overrun the budget however they interleave; as answers come back each claims again on a fresher,
  smaller remainder, and the window fills within a few round trips rather than being left idle.
- Old views and the last requests of a window. On a crowded key a view that has not changed for a while is
  trusted less: what it shows left is halved every 2 s, since others will have taken part of it. Where a run's
  share of what is left is a fraction f of one request, it sends one with probability f, so that the runs
  together fill the last requests of the window instead of each waiting for a whole one. A collision there costs
  a 429 now and then; leaving the last requests idle would cost a whole window whenever a load just fits the
  windows it needs.
- 429s, and every other form of rate limit (CoinGlass really answers one over HTTP 200, `{"code": "400", "msg":
  "Too Many Requests"}`; `src.errors` reads both as one): each goes through `observe(..., counted=False)` and
  `rate_limited_wait` alike. One halves the run's share (multiplicative backoff); every new window it sees doubles
  it back, up to what its use says. One whose headers show the budget spent, or that carries none, holds every
  request of the run until the window it knows can have rolled: at most a window, less when it knows when the
  window began. One while the key shows plenty of room is a hiccup: that request alone backs off for seconds
  (`CoinGlassClient`).
- The start. Until the first answer tells the budget, one request goes alone: a burst sized on an assumed budget
  would overrun a smaller one. After it, a run that has seen n < 32 answers takes at most n/32 of what is left,
  so runs started together see each other in the key's use before any of them claims much.
- Its own requests. Whatever the key shows, no window-long interval may hold more of the run's own requests than
  the budget less a 1 % margin. A request holds one slot from when it is sent until one window after its answer
  came back: CoinGlass counted it at some moment in between, so two requests whose slots never overlap are at
  least a window apart at CoinGlass too, whatever the network's delays and however CoinGlass aligns its windows.

A wait of `LONG_WAIT_S` or more (an MCP tool call gives up after 30 to 45 s) is announced once, when it begins,
through the optional `on_long_wait(seconds, reason)` callback, e.g. to say so in the run's status message.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

MAX_LIMIT_HEADER: Final = 'API-KEY-MAX-LIMIT'
USE_LIMIT_HEADER: Final = 'API-KEY-USE-LIMIT'
CHEAPEST_PLAN_BUDGET: Final = 30  # Hobbyist: assumed until the first response tells the real budget
RECHECK_S: Final = 0.05  # how soon to look again when only an answer or others' progress can change the picture
CROWD_FACTOR: Final = 0.35  # on a crowded key, a run claims this part of its own share of the key's use ...
STARVE_GUARD: Final = 1 / 32  # ... plus this much of what is left, so that a run that has had little is not starved
MIN_SHARE: Final = 1 / 64  # the floor of a run's share, however many 429s it drew
RAMP_ANSWERS: Final = 32  # a run claims its full share once it has seen this many answers
QUIET_S: Final = 1.0  # a run whose answers show only its own requests counted for this long ...
QUIET_ANSWERS: Final = 3  # ... and this many answers is alone
STALE_HALF_LIFE_S: Final = 2.0  # on a crowded key, what an unchanged view shows left halves this often
SPENT_SHARE: Final = 0.9  # a 429 while the key's use is at least this part of its budget: the budget is spent
LONG_WAIT_S: Final = 25.0  # a wait this long is announced: an MCP tool call waits 30 s by default, 45 s at most
BUDGET_SPENT: Final = "the CoinGlass key's request budget is spent"


@dataclass(eq=False)
class Ticket:
    """One request `RateLimiter.acquire` let through; hand it back to `observe`, or to `release` if unanswered.

    Attributes:
        sent_at: When it went (the limiter's clock).
        generation: The server window the run believed current then.
        seen_used: The key's use in that window as last seen before it went (0 when nothing of it was seen).
    """

    sent_at: float
    generation: int
    seen_used: int


@dataclass
class _Window:
    """One server window as a run sees it.

    Attributes:
        generation: Counts the windows the run has seen opening.
        start_by: The window began at or before this moment (None: no window seen yet).
        used: The highest use by everyone seen in it.
        own: The run's answered requests it counted.
        crowded_at: When an answer last showed requests counted that were not the run's answered ones.
        quiet: The run's answers since then, each of which found only its own request counted.
    """

    generation: int = 0
    start_by: float | None = None
    used: int = 0
    own: int = 0
    crowded_at: float = 0.0
    quiet: int = 0


class KeyView:
    """What one run knows of the key's windows from the answers' headers: the budget, everyone's use, its own part.

    The module docstring says how a window is told from the next and when a run counts as alone.
    """

    def __init__(self, *, window_s: float, budget: int) -> None:
        self.window_s = window_s
        self.budget = budget
        self.observations = 0  # answers that carried the key's use
        self.window = _Window()
        self.previous = _Window()
        self.backoff = 1.0  # halved by each rate limit, doubled back by each new window

    def learn(self, ticket: Ticket, used: int, now: float, *, counted: bool) -> None:
        """Take in one answer's use of the key (`counted`: the request was counted, not turned away)."""
        self.observations += 1
        window = self.window
        if self._opens_window(ticket, used, counted=counted):
            self.previous = window
            self.window = _Window(window.generation + 1, now, used, int(counted), now)
            self.backoff = min(1.0, self.backoff * 2)
            return
        if used > window.used + counted:  # others' requests were counted since the run last looked
            window.crowded_at, window.quiet = now, 0
        else:
            window.quiet += counted
        window.used = max(window.used, used)
        window.own += counted

    def _opens_window(self, ticket: Ticket, used: int, *, counted: bool) -> bool:
        """Whether this answer belongs to a window after the one the run knows (the module docstring says why)."""
        window = self.window
        if window.start_by is None or ticket.sent_at >= window.start_by + self.window_s:
            return True
        return counted and ticket.generation == window.generation and used <= ticket.seen_used

    def share(self, now: float) -> float:
        """The part of what is left of the key's budget this run may have in flight (1.0 when it is alone)."""
        used, own = self.use()
        base = 1.0 if self.alone(now) else CROWD_FACTOR * own / used + STARVE_GUARD
        ramp = min(1.0, self.observations / RAMP_ANSWERS)
        return max(MIN_SHARE, min(base, ramp) * self.backoff)

    def use(self) -> tuple[int, int]:
        """The key's use by everyone this window and the last, and the part of it the run's answers account for."""
        window, previous = self.window, self.previous
        return window.used + previous.used, window.own + previous.own

    def alone(self, now: float) -> bool:
        """Whether nobody else spends the key as far as the run can tell.

        Its answers account for all the use it saw, or for `QUIET_S` and `QUIET_ANSWERS` answers the use grew by
        nothing but its own requests.
        """
        used, own = self.use()
        window = self.window
        return used <= own or (window.quiet >= QUIET_ANSWERS and now - window.crowded_at >= QUIET_S)

    def rolled(self, now: float) -> bool:
        """Whether the window the run knows can have rolled (or it knows none)."""
        start = self.window.start_by
        return start is None or now >= start + self.window_s

    def roll_at(self, now: float) -> float:
        """When the window the run knows rolls at the latest; a whole window from now when it knows none."""
        start = self.window.start_by
        if start is None or now >= start + self.window_s:
            return now + self.window_s
        return start + self.window_s

    def seen_used(self, now: float) -> int:
        """The key's use in its current window as far as the run knows: 0 once the window it knew can have rolled."""
        return 0 if self.rolled(now) else self.window.used


class RateLimiter:
    """Paces every request of one run on a key that other runs may be spending at the same time."""

    def __init__(
        self,
        *,
        window_s: float = 60.0,
        initial_budget: int = CHEAPEST_PLAN_BUDGET,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        on_long_wait: Callable[[float, str], Awaitable[None]] | None = None,
    ) -> None:
        self.window_s = window_s
        self.view = KeyView(window_s=window_s, budget=initial_budget)
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._on_long_wait = on_long_wait
        self._lock = asyncio.Lock()
        self._answered = asyncio.Event()  # set by the first answer: until then only one request is out
        self._observed = asyncio.Event()  # set by every answer: the picture changed
        self._probing = False
        self._in_flight: set[Ticket] = set()
        self._answers: deque[float] = deque()  # when our requests of the last window were answered
        self._last_answer_at = 0.0
        self._rejected_used: int | None = None  # the use the last rate limit showed
        self._blocked_until = 0.0
        self._block_reason = ''
        self._announced_until = 0.0

    @property
    def budget(self) -> int:
        """What the key may spend per window (`API-KEY-MAX-LIMIT`; the cheapest plan's until an answer says)."""
        return self.view.budget

    @property
    def share(self) -> float:
        """The part of what is left of the key's budget this run may have in flight (1.0 when it is alone)."""
        return self.view.share(self._clock())

    async def acquire(self) -> Ticket:
        """Wait until one more request fits, then count it as sent."""
        async with self._lock:  # waiters queue here, so they go in arrival order
            if self._probing:
                await self._answered.wait()
            while True:
                self._observed.clear()
                delay = self._delay(self._clock())
                if delay <= 0:
                    break
                await self._announce(delay)
                await self._pause(delay)
            now = self._clock()
            ticket = Ticket(now, self.view.window.generation, self.view.seen_used(now))
            self._in_flight.add(ticket)
            self._probing = not self._answered.is_set()
            return ticket

    def observe(self, ticket: Ticket, max_limit: str | None, used: str | None, *, counted: bool = True) -> None:
        """Learn from an answer's rate-limit headers (unreadable ones are ignored).

        `counted` is False for a rate limit, however it came (an HTTP 429, or an HTTP 200 saying so): CoinGlass
        turned the request away, and the run backs off.
        """
        now = self._settle(ticket)
        budget = _non_negative_int(max_limit)
        if budget:
            self.view.budget = budget
        used_count = _non_negative_int(used)
        if used_count is not None:
            self.view.learn(ticket, used_count, now, counted=counted)
        elif counted:
            self.view.window.own += 1
        if not counted:
            self._rejected_used = used_count
            self.view.backoff = max(MIN_SHARE, self.view.backoff / 2)

    def release(self, ticket: Ticket) -> None:
        """A request that got no answer: nothing to learn, but it no longer holds the others back."""
        self._settle(ticket)

    def rate_limited_wait(self) -> float | None:
        """After a rate limit: the seconds until the key's window rolls when its budget is spent, else None.

        The budget counts as spent when the refusal showed at least `SPENT_SHARE` of it used, or showed no use at all
        (no `API-KEY-*` headers: nothing says otherwise): then every request should wait that long (`penalize`).
        None when the key showed plenty of room: the refusal was a hiccup, and the caller backs off for seconds.
        """
        used = self._rejected_used
        if used is not None and used < SPENT_SHARE * self.budget:
            return None
        now = self._clock()
        return max(RECHECK_S, self.view.roll_at(now) - now)

    def penalize(self, wait_s: float, reason: str = BUDGET_SPENT) -> None:
        """Hold every request of the run for `wait_s` seconds; `reason` is what a long wait's announcement says."""
        until = self._clock() + wait_s
        if until > self._blocked_until:
            self._blocked_until = until
            self._block_reason = reason

    def _settle(self, ticket: Ticket) -> float:
        now = self._clock()
        self._in_flight.discard(ticket)
        self._answers.append(now)
        self._last_answer_at = now
        self._answered.set()
        self._observed.set()
        return now

    def _delay(self, now: float) -> float:
        """0 when one more request may go now, else how long to wait before looking again."""
        if now < self._blocked_until:
            return self._blocked_until - now
        own_wait = self._own_delay(now)
        if own_wait > 0:
            return own_wait
        view = self.view
        used = view.seen_used(now)
        in_flight = len(self._in_flight)
        if used + in_flight >= view.budget:
            return RECHECK_S if in_flight else max(RECHECK_S, view.roll_at(now) - now)
        if view.rolled(now) and not view.alone(now):
            room = 1.0 - in_flight  # a window the run has seen nothing of, on a crowded key: one request looks first
        else:  # others will have taken part of what an old view shows
            room = (view.share(now) * (view.budget - used) - in_flight) * self._trust(now)
            if used == 0 and in_flight == 0:
                room = max(room, 1.0)
        if room >= 1 or (room > 0 and self._rng.random() < room):
            return 0.0
        return RECHECK_S

    def _own_delay(self, now: float) -> float:
        """The wait the run's own requests impose: a window-long interval holds at most the budget less 1 %."""
        while self._answers and self._answers[0] <= now - self.window_s:
            self._answers.popleft()
        allowance = max(1, self.budget - max(1, self.budget // 100))
        excess = len(self._in_flight) + len(self._answers) - allowance  # slots that must free before one more
        if excess < 0:
            return 0.0
        if excess < len(self._answers):
            return self._answers[excess] + self.window_s - now
        return RECHECK_S

    def _trust(self, now: float) -> float:
        """How far to trust the view: 1 alone, or right after an answer or a roll; halving every `STALE_HALF_LIFE_S`."""
        if self.view.alone(now):
            return 1.0  # nobody else takes what the view shows
        changed = self._last_answer_at
        if self.view.rolled(now) and self.view.window.start_by is not None:
            changed = max(changed, self.view.window.start_by + self.window_s)
        return float(0.5 ** (max(0.0, now - changed) / STALE_HALF_LIFE_S))

    async def _pause(self, seconds: float) -> None:
        """Sleep `seconds`, or less when an answer arrives first."""
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(self._observed.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when the waiting request is cancelled
            sleeper.cancel()
            waker.cancel()

    async def _announce(self, delay: float) -> None:
        """Tell `on_long_wait` once when a wait of `LONG_WAIT_S` or more begins; a failing callback is only logged."""
        now = self._clock()
        if self._on_long_wait is None or delay < LONG_WAIT_S or now + delay <= self._announced_until + RECHECK_S:
            return
        self._announced_until = now + delay
        if now < self._blocked_until and self._block_reason != BUDGET_SPENT:
            reason = f'{self._block_reason}; waiting {delay:.0f} s'
        else:
            reason = f'{BUDGET_SPENT}; waiting {delay:.0f} s for its window to roll'
        try:
            await self._on_long_wait(delay, reason)
        except Exception:  # a status message that fails must not fail the request
            logger.warning('Could not report a wait of %.0f s', delay, exc_info=True)


def _non_negative_int(text: str | None) -> int | None:
    try:
        value = int(str(text).strip())
    except ValueError:
        return None
    return value if value >= 0 else None
