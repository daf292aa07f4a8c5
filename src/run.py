"""Run a batch of queries concurrently and deliver their results to the sink in groups.

The runner knows nothing of Apify: it hands finished `QueryResult`s to a `Sink` (push, charge, store charts) and
keeps a `done` set that the Actor persists, so a migrated or resurrected run skips what it already delivered.

Results are delivered in groups, not one by one: on the platform every push is an API call, and a batch of 1,000
queries would otherwise spend most of its time pushing, one after another, long after CoinGlass answered. A group
goes when `group_size` results are waiting (or `group_bytes` of their data), at least every `flush_every_s` seconds
while any are, and at the end.
The sink pushes a group's items of one event in one call (charging them together) and says which were pushed.

Memory is bounded by the work in flight, not by the batch: a result leaves the runner once pushed, and the run
keeps of it only a small record (no data, chart or echo) for its summary. The spending limit is a budget
(`src.budget`): a query is fetched only when what the limit leaves, less what the results in flight will cost,
pays for its event; the others are recorded as not delivered, and the run goes on with what still fits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol

from src.budget import Budget, NotDelivered

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, MutableSet, Sequence
    from decimal import Decimal

    from src.query import Query
    from src.result import Mark, QueryResult

DEFAULT_MAX_CONCURRENT_QUERIES: Final = 32
DEFAULT_GROUP_SIZE: Final = 100
DEFAULT_FLUSH_EVERY_S: Final = 1.0
DEFAULT_ITEMS_BUDGET: Final = 2 * 1024 * 1024
DEFAULT_GROUP_BYTES: Final = 8 * 1024 * 1024  # data waiting to be pushed, at most (as JSON): about one API payload


@dataclass(frozen=True)
class Delivery:
    """What the sink did with a group of results.

    Attributes:
        pushed: The results pushed, each with its dataset item.
        charged: How many events were charged.
        unpaid: The results of an event the spending limit no longer paid for: not pushed, not charged.
    """

    pushed: Sequence[tuple[QueryResult, Mapping[str, Any]]]
    charged: int
    unpaid: Sequence[QueryResult] = ()


def push_groups(results: Sequence[QueryResult]) -> list[tuple[str | None, list[QueryResult]]]:
    """The results grouped by the event they charge (None: free), each group in the results' order.

    One push call per group, so a batch's pushes stay few however its failures are interleaved.
    """
    groups: dict[str | None, list[QueryResult]] = {}
    for result in results:
        groups.setdefault(result.event, []).append(result)
    return list(groups.items())


def waiting_message(seconds: float, reason: str) -> str:
    """The status while the key's budget holds the run (`Waiting 58 s: <why>. The run goes on by itself.`)."""
    return f'Waiting {seconds:.0f} s: {reason}. The run goes on by itself.'


class Sink(Protocol):
    """Where results go: the default dataset (charging each result's event), the key-value store, the status."""

    async def deliver(self, results: Sequence[QueryResult]) -> Delivery:
        """Store the results' charts, push their items (one call per event) and charge their events.

        Free results are always pushed; of an event the spending limit no longer pays for, only the paid ones.
        """

    def price_usd(self, event: str) -> Decimal:
        """What one pushed result of `event` costs in USD (the per-item price included); 0 when it is free."""

    def left_usd(self) -> Decimal | None:
        """What the spending limit leaves in USD after what was charged; None when nothing limits the run."""

    async def progress(self, outcome: Outcome) -> None:
        """Report progress (`12/40 queries done`) and make the `done` marks durable."""

    async def waiting(self, seconds: float, reason: str) -> None:
        """Say that the run waits `seconds` for the key's budget (`reason` says why, never the key)."""

    async def write_output(self, record: Mapping[str, Any]) -> None:
        """Store the run's `OUTPUT` record."""

    async def read_mark(self, store: str, key: str) -> Mapping[str, Any] | None:
        """A `since_last_run` mark, or None when there is none."""

    async def save_marks(self, marks: Sequence[Mark]) -> None:
        """Save `since_last_run` marks (after their results were pushed)."""

    def dataset_url(self) -> str:
        """Where the results can be read, for the `OUTPUT` record."""


@dataclass
class Outcome:
    """What a run delivered, for the run's summary, its `OUTPUT` record and its final status.

    It keeps no data: `results` are the delivered results without their data, chart, echo and mark (their
    summaries, messages and alerts stay), and `items` their dataset items only while all of them fit `items_budget`
    bytes of JSON (None past it), so a batch of heatmaps does not hold every heatmap until the end.

    Attributes:
        results: The results delivered, in delivery order, without data or chart.
        items: The delivered items, each with its query index, while they fit `items_budget`; else None.
        not_delivered: The queries the spending limit kept from being delivered, in query order once the run ends.
    """

    total: int
    succeeded: int = 0
    failed: int = 0
    charged: int = 0
    skipped: int = 0
    items_budget: int = DEFAULT_ITEMS_BUDGET
    results: list[QueryResult] = field(default_factory=list)
    items: list[tuple[int, Mapping[str, Any]]] | None = field(default_factory=list)
    not_delivered: list[NotDelivered] = field(default_factory=list)
    _items_bytes: int = 0

    def add(self, index: int, result: QueryResult, item: Mapping[str, Any]) -> None:
        """Count a delivered result, keeping what the run's summary needs of it."""
        self.results.append(dataclasses.replace(result, data=None, chart=None, echo={}, mark=None))
        self.succeeded += result.success
        self.failed += not result.success
        if self.items is not None:
            self._items_bytes += json_size(item)
            if self._items_bytes <= self.items_budget:
                self.items.append((index, item))
            else:
                self.items = None

    @property
    def limit_reached(self) -> bool:
        """Whether the spending limit kept any query from being delivered."""
        return bool(self.not_delivered)

    @property
    def first_failure(self) -> QueryResult | None:
        """The first failure delivered, by query index (delivery order in a one-query run)."""
        failures = [result for result in self.results if not result.success]
        return min(failures, key=lambda result: result.index or 0, default=None)


def json_size(value: Any) -> int:
    """Bytes of `value` as compact JSON."""
    return len(json.dumps(value, separators=(',', ':'), ensure_ascii=False).encode())


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
        group_size: int = DEFAULT_GROUP_SIZE,
        flush_every_s: float = DEFAULT_FLUSH_EVERY_S,
        items_budget: int = DEFAULT_ITEMS_BUDGET,
        group_bytes: int = DEFAULT_GROUP_BYTES,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._execute = execute
        self.sink = sink
        self.done = done
        self.batch = batch
        self.group_size = max(1, group_size)
        self.flush_every_s = flush_every_s
        self.items_budget = items_budget
        self.group_bytes = group_bytes
        self._sleep = sleep
        self._slots = asyncio.Semaphore(max_concurrent_queries)
        self._budget = Budget(sink)
        self._ready: list[tuple[int, QueryResult]] = []
        self._ready_bytes = 0
        self._deliver_lock = asyncio.Lock()

    async def run(self, queries: Sequence[Query]) -> Outcome:
        """Run every query not yet done and the spending limit still pays for; deliver what they return."""
        skipped = sum(1 for index in range(len(queries)) if index in self.done)
        outcome = Outcome(total=len(queries), skipped=skipped, items_budget=self.items_budget)
        pending = [
            asyncio.create_task(self._one(index, query, outcome))
            for index, query in enumerate(queries)
            if index not in self.done
        ]
        flusher = asyncio.create_task(self._flush_periodically(outcome))
        try:
            for finished in asyncio.as_completed(pending):
                await finished  # each task hands its result over itself: a finished task keeps nothing
            await self._flush(outcome)
        finally:
            flusher.cancel()
            for task in pending:
                task.cancel()
            await asyncio.gather(flusher, *pending, return_exceptions=True)
        outcome.not_delivered.sort(key=lambda record: record.index)
        return outcome

    async def _one(self, index: int, query: Query, outcome: Outcome) -> None:
        async with self._slots:
            refused = await self._budget.reserve(index, query, lambda: self._flush(outcome))
            if refused is not None:
                outcome.not_delivered.append(refused)
                return
            try:
                result = await self._execute(query, index if self.batch else None)
            except BaseException:
                self._budget.release(query.mode.event_name)
                raise
        self._ready.append((index, result))
        self._ready_bytes += result.data_bytes
        if result.event is None:  # free: nothing to set aside for it any more
            self._budget.release(query.mode.event_name)
        else:
            self._budget.signal()  # a query waiting for the budget may push it to settle
        if len(self._ready) >= self.group_size or self._ready_bytes >= self.group_bytes:
            await self._flush(outcome)

    async def _flush_periodically(self, outcome: Outcome) -> None:
        while True:
            await self._sleep(self.flush_every_s)
            await self._flush(outcome)

    async def _flush(self, outcome: Outcome) -> None:
        """Deliver every waiting result, in groups; one group at a time keeps counts and the budget exact."""
        async with self._deliver_lock:
            while self._ready:
                await self._deliver(self._next_group(), outcome)

    def _next_group(self) -> list[tuple[int, QueryResult]]:
        """The `group_size` waiting results of the lowest indices (fewer when fewer wait).

        Results wait here while a group is being pushed, so without the cap a slow push would make the next group
        as large as the batch (one huge API call, and a restart that redoes it all).
        """
        self._ready.sort(key=lambda ready: ready[0])  # query order within a group
        group, self._ready = self._ready[: self.group_size], self._ready[self.group_size :]
        self._ready_bytes -= sum(result.data_bytes for _index, result in group)
        return group

    async def _deliver(self, group: list[tuple[int, QueryResult]], outcome: Outcome) -> None:
        """Push one group through the sink and record what it did."""
        delivery = await self.sink.deliver([result for _index, result in group])
        index_of = {id(result): index for index, result in group}
        for result, item in delivery.pushed:
            self.done.add(index_of[id(result)])
            outcome.add(index_of[id(result)], result, item)
        for result in delivery.unpaid:
            outcome.not_delivered.append(
                self._budget.unpaid(index_of[id(result)], str(result.mode), result.event or '')
            )
        for _index, result in group:
            if result.event is not None:  # its charge is the sink's to count now (or it was not made)
                self._budget.release(result.event)
        outcome.charged += delivery.charged
        marks = [result.mark for result, _item in delivery.pushed if result.mark is not None]
        if marks:  # only now: a run that fails or stops before pushing never skips rows
            await self.sink.save_marks(marks)
        await self.sink.progress(outcome)
