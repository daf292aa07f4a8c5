"""What a long-lived server shares between calls: CoinGlass's lists and prices for a while, identical queries in flight.

A batch run's `Fetcher` shares lookups, reference prices and identical queries within the run and forgets them with
it. A Standby server answers calls for hours, so `Sharing` keeps, for every call and session:

- CoinGlass's lists (supported pairs, coins and exchanges) for `LOOKUP_TTL_S` and reference prices for
  `PRICE_TTL_S`, each in a bounded TTL cache (`cachetools.TTLCache`); a failure is forgotten at once, so the next
  call asks again;
- one fetch per distinct query in flight: identical concurrent calls wait for the same fetch, which is forgotten once
  done and cancelled once nobody waits for it.

Each fetch runs in a `Fetcher` of its own (a `CachingFetcher`, whose lookups and prices come from the caches), closed
when it is done, so nothing of a call outlives it and memory does not grow with the calls served.

`Patience` stands for an MCP client that gives up after 30 to 45 s. When the key's limiter announces a wait of
`LONG_WAIT_S` or more (its `on_long_wait`: every request on the key is held), every fetch not yet done fails at once
with a `RateLimitedError` naming the wait (one whose last request was already out gives up too: the limiter does not
say whose requests it holds), and a fetch that starts while the key is held that long fails before it asks anything;
the pipeline turns either into the query's rate-limit failure, which is not charged.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Final, TypeVar

from cachetools import TTLCache

from src.errors import RateLimitedError
from src.fetch import Fetcher
from src.query import COIN, EXCHANGE, PAIR
from src.ratelimit import LONG_WAIT_S

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Hashable

    from src.client import CoinGlassClient
    from src.kinds import Fetched, ReferencePrice
    from src.query import Query

T = TypeVar('T')

LOOKUP_TTL_S: Final = 600.0  # CoinGlass adds pairs and exchanges now and then, not by the minute
PRICE_TTL_S: Final = 10.0  # a map's sides are measured from a price this old at most
MAX_LOOKUPS: Final = 16
MAX_PRICES: Final = 512


class Patience:
    """Whether the key's budget holds requests longer than an MCP client waits for an answer.

    `on_long_wait` is the limiter's callback; `within` runs a fetch that fails with `RateLimitedError` when such a
    wait begins before it is done, or has begun before it starts.
    """

    def __init__(self, *, limit_s: float = LONG_WAIT_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit_s = limit_s
        self._clock = clock
        self._held_until = 0.0
        self._reason = ''
        self._began = asyncio.Event()  # set, then replaced, each time a long wait begins

    async def on_long_wait(self, seconds: float, reason: str) -> None:
        """A wait of `seconds` begins for every request on the key (`reason` says why, never the key)."""
        self._held_until = max(self._held_until, self._clock() + seconds)
        self._reason = reason
        began, self._began = self._began, asyncio.Event()
        began.set()

    def check(self) -> None:
        """Raise `RateLimitedError` when the key is held for `limit_s` or more from now."""
        wait = self._held_until - self._clock()
        if wait >= self.limit_s:
            raise self._error(wait)

    async def within(self, work: Coroutine[Any, Any, T]) -> T:
        """`work`'s result; `RateLimitedError` (and `work` cancelled) when a long wait begins before it is done."""
        try:
            self.check()
        except RateLimitedError:
            work.close()
            raise
        task = asyncio.ensure_future(work)
        began = asyncio.ensure_future(self._began.wait())
        try:
            done, _pending = await asyncio.wait({task, began}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            began.cancel()
            if not task.done():
                task.cancel()
        if task in done:
            return task.result()
        raise self._error(self._held_until - self._clock())

    def _error(self, wait: float) -> RateLimitedError:
        return RateLimitedError(
            f'{self._reason}: longer than a tool call waits, so the call gave up; call again in {max(wait, 1):.0f} s'
        )


@dataclass(eq=False)
class _Flight:
    """One query being fetched, and how many calls wait for it."""

    task: asyncio.Future[Fetched[Any]]
    callers: int = 0


class Sharing:
    """Lookups, reference prices and in-flight queries shared by every call a server answers, over one client."""

    def __init__(
        self,
        client: CoinGlassClient,
        *,
        patience: Patience | None = None,
        lookup_ttl_s: float = LOOKUP_TTL_S,
        price_ttl_s: float = PRICE_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.patience = patience or Patience(clock=clock)
        self._lookups: TTLCache[Hashable, asyncio.Future[Any]] = TTLCache(MAX_LOOKUPS, lookup_ttl_s, timer=clock)
        self._prices: TTLCache[Hashable, asyncio.Future[Any]] = TTLCache(MAX_PRICES, price_ttl_s, timer=clock)
        self._flights: dict[Query, _Flight] = {}

    def fetcher(self, now_ms: int) -> Fetcher:
        """The fetcher one call hands to `src.pipeline.execute`: its queries go through this sharing."""
        return CallFetcher(self, now_ms=now_ms)

    @property
    def in_flight(self) -> int:
        """Distinct queries being fetched now."""
        return len(self._flights)

    @property
    def waiting(self) -> int:
        """Calls waiting for those fetches (at least `in_flight`: more when identical queries share one)."""
        return sum(flight.callers for flight in self._flights.values())

    async def fetch(self, query: Query, now_ms: int) -> Fetched[Any]:
        """The query's data, fetched once for every identical query in flight, within the key's patience.

        Raises:
            CoinGlassError: As `Fetcher.fetch`; `RateLimitedError` when the key is held longer than a call waits.
        """
        fetched = await self.patience.within(self._join(query, now_ms))
        return fetched if fetched.query is query else replace(fetched, query=query)  # its own output and echo

    async def _join(self, query: Query, now_ms: int) -> Fetched[Any]:
        flight = self._flights.get(query)
        if flight is None:
            flight = _Flight(asyncio.ensure_future(self._fetch_alone(query, now_ms)))
            self._flights[query] = flight
            flight.task.add_done_callback(partial(self._land, query, flight))
        flight.callers += 1
        try:
            return await asyncio.shield(flight.task)
        finally:
            flight.callers -= 1
            if flight.callers == 0:
                flight.task.cancel()  # nobody waits for it any more (a no-op once it is done)

    def _land(self, query: Query, flight: _Flight, _task: asyncio.Future[Any]) -> None:
        if self._flights.get(query) is flight:
            del self._flights[query]

    async def _fetch_alone(self, query: Query, now_ms: int) -> Fetched[Any]:
        fetcher = CachingFetcher(self, now_ms=now_ms)
        try:
            return await fetcher.fetch(query)
        finally:
            fetcher.close()

    async def lookup(self, path: str) -> Any:
        """A lookup endpoint's data, fetched at most once per `LOOKUP_TTL_S` for every call."""
        return await _remembered(self._lookups, path, lambda: self.client.get(path))

    async def reference_price(self, query: Query) -> ReferencePrice:
        """The query's reference price (`Fetcher.reference_price`), fetched at most once per `PRICE_TTL_S`."""
        key = (query.get(EXCHANGE), query.get(PAIR), query.get(COIN))
        price: ReferencePrice = await _remembered(self._prices, key, lambda: self._price_alone(query))
        return price

    async def _price_alone(self, query: Query) -> ReferencePrice:
        fetcher = Fetcher(self.client, now_ms=0)  # its own, so that no call's end cancels what others wait for
        try:
            return await fetcher.reference_price(query)
        finally:
            fetcher.close()

    def close(self) -> None:
        """Cancel whatever is still being fetched (the server is stopping)."""
        for flight in list(self._flights.values()):
            flight.task.cancel()
        for cache in (self._lookups, self._prices):
            for future in list(cache.values()):
                future.cancel()
            cache.clear()


class CallFetcher(Fetcher):
    """What one call hands to the pipeline: its queries are fetched through the server's `Sharing`."""

    def __init__(self, sharing: Sharing, *, now_ms: int) -> None:
        super().__init__(sharing.client, now_ms=now_ms)
        self._sharing = sharing

    async def fetch(self, query: Query) -> Fetched[Any]:
        """The query's data through the sharing (see `Sharing.fetch`)."""
        return await self._sharing.fetch(query, self.now_ms)


class CachingFetcher(Fetcher):
    """A fetcher of one query whose lookups and reference prices come from the server's caches."""

    def __init__(self, sharing: Sharing, *, now_ms: int) -> None:
        super().__init__(sharing.client, now_ms=now_ms)
        self._sharing = sharing

    async def lookup(self, path: str) -> Any:
        """A lookup endpoint's data from the shared cache."""
        return await self._sharing.lookup(path)

    async def reference_price(self, query: Query) -> ReferencePrice:
        """The query's reference price from the shared cache."""
        return await self._sharing.reference_price(query)


async def _remembered(
    cache: TTLCache[Hashable, asyncio.Future[Any]], key: Hashable, start: Callable[[], Awaitable[Any]]
) -> Any:
    """`start()`'s result, kept in `cache` under `key` until it expires; a failure is forgotten when it happens."""
    future = cache.get(key)
    if future is None:
        future = asyncio.ensure_future(start())
        cache[key] = future
        future.add_done_callback(partial(_forget_failure, cache, key))
    return await asyncio.shield(future)


def _forget_failure(cache: TTLCache[Hashable, asyncio.Future[Any]], key: Hashable, future: asyncio.Future[Any]) -> None:
    if (future.cancelled() or future.exception() is not None) and cache.get(key) is future:
        del cache[key]
