"""Run a batch of queries: concurrently, each delivered to the sink as soon as it completes.

The runner knows nothing of Apify: it hands each `QueryResult` to a `Sink` (push, charge, store the chart) and
keeps a `done` set that the Actor persists, so a migrated or resurrected run skips what it already delivered.
It stops early when the sink says the spending limit is reached.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, MutableSet, Sequence

    from src.inputs import Query
    from src.result import QueryResult

DEFAULT_MAX_CONCURRENT_QUERIES = 32


@dataclass(frozen=True)
class Delivery:
    """What the sink did with one result: pushed it, charged `charged` events, found the spending limit reached."""

    pushed: bool
    charged: int
    limit_reached: bool


class Sink(Protocol):
    """Where results go: the default dataset (charging each result's event), the key-value store, the status."""

    async def deliver(self, result: QueryResult) -> Delivery:
        """Store the result's chart, push its item and charge its event (if any)."""

    async def progress(self, outcome: Outcome) -> None:
        """Report progress (`12/40 queries done`)."""

    async def write_output(self, record: Mapping[str, Any]) -> None:
        """Store the run's `OUTPUT` record."""

    def dataset_url(self) -> str:
        """Where the results can be read, for the `OUTPUT` record."""


@dataclass
class Outcome:
    """What a run delivered, for the run's summary and its final status."""

    total: int
    delivered: int = 0
    succeeded: int = 0
    failed: int = 0
    charged: int = 0
    skipped: int = 0
    limit_reached: bool = False
    results: list[QueryResult] = field(default_factory=list)

    @property
    def first_failure(self) -> QueryResult | None:
        """The first failure delivered, in delivery order."""
        return next((result for result in self.results if not result.success), None)


class BatchRunner:
    """Runs queries through `execute` into a sink, at most `max_concurrent_queries` at a time."""

    def __init__(
        self,
        execute: Callable[[Query, int | None], Awaitable[QueryResult]],
        sink: Sink,
        *,
        done: MutableSet[int],
        batch: bool,
        max_concurrent_queries: int = DEFAULT_MAX_CONCURRENT_QUERIES,
    ) -> None:
        self._execute = execute
        self.sink = sink
        self.done = done
        self.batch = batch
        self._slots = asyncio.Semaphore(max_concurrent_queries)
        self._deliver_lock = asyncio.Lock()

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
        return outcome

    async def _one(self, index: int, query: Query, outcome: Outcome) -> None:
        async with self._slots:
            result = await self._execute(query, index if self.batch else None)
        async with self._deliver_lock:  # one delivery at a time keeps counts and the limit check exact
            if outcome.limit_reached:
                return
            delivery = await self.sink.deliver(result)
            outcome.limit_reached = delivery.limit_reached
            if not delivery.pushed:
                return
            self.done.add(index)
            outcome.delivered += 1
            outcome.charged += delivery.charged
            outcome.succeeded += result.success
            outcome.failed += not result.success
            outcome.results.append(result)
            await self.sink.progress(outcome)
