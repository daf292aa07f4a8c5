"""Run a batch of queries: concurrently, deduplicated, each pushed and charged as soon as it completes.

The runner knows nothing of Apify: it talks to a `Sink` (push one item, optionally charging an event) and a
`done` set that the Actor persists, so a migrated or resurrected run skips what it already delivered.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from src import envelope
from src.errors import CoinGlassError, PlanError
from src.modes import ENDPOINTS
from src.normalize import is_empty
from src.present import present

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableSet, Sequence

    from src.fetch import Fetched, Fetcher
    from src.inputs import Query

PRICING_URL = 'https://www.coinglass.com/pricing'


@dataclass(frozen=True)
class Delivery:
    """What the sink did with one item."""

    pushed: bool
    charged: int
    limit_reached: bool


class Sink(Protocol):
    """Where envelopes go: the default dataset, charging `event` when given."""

    async def push(self, item: dict[str, Any], event: str | None) -> Delivery:
        """Push one item."""

    async def store_chart(self, key: str, png: bytes) -> str:
        """Store a chart and return its public URL."""


@dataclass
class Outcome:
    """Counts for the run summary and the final status."""

    total: int
    delivered: int = 0
    succeeded: int = 0
    failed: int = 0
    charged: int = 0
    skipped: int = 0
    limit_reached: bool = False
    messages: list[str] = field(default_factory=list)


class BatchRunner:
    """Runs queries through a fetcher into a sink."""

    def __init__(
        self,
        fetcher: Fetcher,
        sink: Sink,
        *,
        done: MutableSet[int],
        batch: bool,
        max_concurrent_queries: int = 32,
        on_progress: Callable[[Outcome], Awaitable[None]] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.sink = sink
        self.done = done
        self.batch = batch
        self._slots = asyncio.Semaphore(max_concurrent_queries)
        self._fetches: dict[Query, asyncio.Task[Fetched]] = {}
        self._on_progress = on_progress
        self._push_lock = asyncio.Lock()

    async def run(self, queries: Sequence[Query]) -> Outcome:
        """Run every query not yet done; stop early when the spending limit is reached."""
        outcome = Outcome(total=len(queries), skipped=sum(1 for index in range(len(queries)) if index in self.done))
        pending = [
            asyncio.create_task(self._one(index, query, outcome))
            for index, query in enumerate(queries)
            if index not in self.done
        ]
        try:
            for finished in asyncio.as_completed(pending):
                await finished
                if outcome.limit_reached:
                    break
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for fetch in self._fetches.values():
                fetch.cancel()
        return outcome

    async def _one(self, index: int, query: Query, outcome: Outcome) -> None:
        async with self._slots:
            item, event = await self._envelope(index, query)
        async with self._push_lock:  # one push at a time keeps counts and the limit check exact
            if outcome.limit_reached:
                return
            delivery = await self.sink.push(item, event)
            outcome.limit_reached = delivery.limit_reached
            if not delivery.pushed:
                return
            self.done.add(index)
            outcome.delivered += 1
            outcome.charged += delivery.charged
            if item['success']:
                outcome.succeeded += 1
            else:
                outcome.failed += 1
            outcome.messages.append(item['message'])
            if self._on_progress is not None:
                await self._on_progress(outcome)

    async def _envelope(self, index: int, query: Query) -> tuple[dict[str, Any], str | None]:
        extra: dict[str, Any] = {'query_index': index} if self.batch else {}
        endpoint = ENDPOINTS[query.mode]
        try:
            fetched = await self._fetch_once(query)
            shown = await present(
                query,
                fetched.data,
                self.fetcher,
                chart_key=f'chart-{index:04d}-{query.mode}',
                store_chart=self.sink.store_chart,
            )
        except CoinGlassError as error:
            message = failure_message(query, error)
            return envelope.failure(query.mode, query.echo, message, error.kind, **extra), None
        empty = is_empty(fetched.data)
        notes = ' '.join([*fetched.notes, *shown.notes])
        if empty:
            message = f'No {endpoint.label} matched {query.subject}: CoinGlass answered with no data (not charged).'
        else:
            message = f'Fetched {endpoint.label} for {query.subject}{_count(fetched.data)}.'
        if shown.summary is not None:
            extra['summary'] = shown.summary
        if shown.chart_url is not None:
            extra['chart_url'] = shown.chart_url
        item = envelope.success(query.mode, query.echo, f'{message} {notes}'.strip(), shown.data, **extra)
        return item, None if empty else query.mode.event_name

    async def _fetch_once(self, query: Query) -> Fetched:
        """Identical queries in one batch share one fetch."""
        if query not in self._fetches:
            self._fetches[query] = asyncio.create_task(self.fetcher.fetch(query))
        return await asyncio.shield(self._fetches[query])


def failure_message(query: Query, error: CoinGlassError) -> str:
    """A sentence saying what went wrong with the query and what the user can do."""
    endpoint = ENDPOINTS[query.mode]
    head = f'Could not fetch {endpoint.label} for {query.subject}'
    if isinstance(error, PlanError):
        return (
            f"{head}: CoinGlass answered 'Upgrade plan'. {query.mode} needs the CoinGlass {endpoint.plan.title} "
            f"plan or higher, and the key's plan does not include it. Upgrade at {PRICING_URL} or use a mode "
            'your plan includes.'
        )
    return f'{head}: {error.detail}. {error.advice()}'


def _count(data: Any) -> str:
    if isinstance(data, list):
        return f': {len(data)} rows'
    if isinstance(data, dict) and 'liquidation_leverage_data' in data:
        return f': {len(data["price_candlesticks"])} candles, {len(data["liquidation_leverage_data"])} cells'
    if isinstance(data, dict):
        return f': {len(data)} price levels'
    return ''
