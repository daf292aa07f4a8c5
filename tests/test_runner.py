"""The batch runner: results delivered in groups (by size, by time, at the end), each once, the limit exact.

Units with a scripted `execute` and the memory sink; time is a fake clock whose sleeps the test advances, so no
test waits for real.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from conftest import MemorySink

from src.errors import ErrorType
from src.modes import Mode
from src.query import Query
from src.result import QueryResult
from src.run import BatchRunner

MAP = Query(mode=Mode.LIQUIDATION_MAP, echo={})


def result(index: int | None, *, success: bool = True, event: str | None = 'LIQUIDATION_MAP') -> QueryResult:
    return QueryResult(
        mode='liquidation_map',
        success=success,
        message=f'result {index}',
        index=index,
        event=event if success else None,
        error_type=None if success else ErrorType.SERVER,
    )


class Gate:
    """An `execute` whose queries finish only when the test opens their gate; and a sleep the test steps."""

    def __init__(self, count: int) -> None:
        self.opened = [asyncio.Event() for _ in range(count)]
        self.ticks: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()

    async def execute(self, _query: Query, index: int | None) -> QueryResult:
        await self.opened[index or 0].wait()
        return result(index, success=(index or 0) % 5 != 4)

    async def sleep(self, _seconds: float) -> None:
        tick: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self.ticks.put(tick)
        await tick

    async def tick(self) -> None:
        """Let the periodic flush run once."""
        (await self.ticks.get()).set_result(None)
        for _ in range(5):
            await asyncio.sleep(0)


async def run(runner: BatchRunner, count: int) -> Any:
    return await runner.run([MAP] * count)


async def test_results_go_in_groups_of_the_group_size() -> None:
    sink = MemorySink()
    done: set[int] = set()
    runner = BatchRunner(lambda _q, index: asyncio.sleep(0, result(index)), sink, done=done, batch=True, group_size=4)
    outcome = await run(runner, 10)
    assert sorted(item['query_index'] for item in sink.items) == list(range(10))
    assert sink.calls == 3  # 4 + 4 + 2, each group one event: one push call each
    assert (outcome.succeeded, outcome.charged, len(sink.charges)) == (10, 10, 10)
    assert done == set(range(10))


class SlowSink(MemorySink):
    """A sink whose first push waits until every query has finished: results pile up meanwhile."""

    def __init__(self, all_finished: asyncio.Event) -> None:
        super().__init__()
        self.all_finished = all_finished
        self.group_sizes: list[int] = []

    async def deliver(self, results: Any) -> Any:
        self.group_sizes.append(len(results))
        await self.all_finished.wait()
        return await super().deliver(results)


async def test_results_that_pile_up_during_a_slow_push_still_go_in_groups_of_the_group_size() -> None:
    """On the platform a push is an API call: what finishes meanwhile waits, and goes in capped groups after it."""
    all_finished, finished = asyncio.Event(), 0

    async def execute(_query: Query, index: int | None) -> QueryResult:
        nonlocal finished
        finished += 1
        if finished == 10:
            all_finished.set()
        return result(index)

    sink = SlowSink(all_finished)
    outcome = await run(BatchRunner(execute, sink, done=set(), batch=True, group_size=3), 10)
    assert sink.group_sizes == [3, 3, 3, 1]  # not 3 and then the 7 that piled up
    assert [item['query_index'] for item in sink.items] == list(range(10))
    assert (outcome.succeeded, outcome.charged) == (10, 10)


async def test_a_group_goes_when_time_is_up_and_nothing_is_lost_meanwhile() -> None:
    gate = Gate(6)
    sink = MemorySink()
    runner = BatchRunner(gate.execute, sink, done=set(), batch=True, group_size=100, sleep=gate.sleep)
    task = asyncio.create_task(run(runner, 6))
    for index in (0, 1):
        gate.opened[index].set()
    await asyncio.sleep(0.01)
    assert sink.items == []  # below the group size: waiting for the clock
    await gate.tick()
    assert sorted(item['query_index'] for item in sink.items) == [0, 1]
    gate.opened[2].set()
    gate.opened[3].set()
    await gate.tick()  # a flush while queries keep finishing
    for index in (4, 5):
        gate.opened[index].set()
    outcome = await task
    assert sorted(item['query_index'] for item in sink.items) == list(range(6))  # the last ones at the end
    assert (outcome.succeeded, outcome.failed) == (5, 1)  # index 4 fails
    assert [charge['event_name'] for charge in sink.charges] == ['LIQUIDATION_MAP'] * 5


async def test_results_finishing_during_a_push_are_not_lost() -> None:
    """A push that takes long: every result that finishes meanwhile is delivered by a later group."""
    sink = MemorySink()
    original = sink.deliver

    async def slow(results: Any) -> Any:
        await asyncio.sleep(0.001)
        return await original(results)

    sink.deliver = slow  # type: ignore[method-assign]
    runner = BatchRunner(
        lambda _q, index: asyncio.sleep(0.0001 * (index or 0), result(index)),
        sink,
        done=set(),
        batch=True,
        group_size=3,
        flush_every_s=0.0005,
    )
    outcome = await run(runner, 40)
    assert sorted(item['query_index'] for item in sink.items) == list(range(40))
    assert len(outcome.results) == 40


@pytest.mark.parametrize(('limit_usd', 'delivered'), [(0.035, 3), (0.01, 1), (0.0, 0)])
async def test_the_spending_limit_fetches_only_what_it_pays_for(limit_usd: float, delivered: int) -> None:
    sink = MemorySink(max_total_charge_usd=limit_usd)  # a map costs 0.01
    done: set[int] = set()
    executed: list[int | None] = []

    async def execute(_query: Query, index: int | None) -> QueryResult:
        executed.append(index)
        return result(index)

    runner = BatchRunner(execute, sink, done=done, batch=True, group_size=5)
    outcome = await run(runner, 10)
    assert outcome.limit_reached is True
    assert len(sink.items) == len(sink.charges) == delivered == len(outcome.results) == len(executed)
    assert [record.index for record in outcome.not_delivered] == list(range(delivered, 10))
    assert done == {item['query_index'] for item in sink.items}


class SilentLimitSink(MemorySink):
    """A sink whose limit the runner cannot see beforehand: it finds out only when it pushes."""

    def left_usd(self) -> Any:
        return None


async def test_failures_are_pushed_whatever_the_limit_and_the_unpaid_are_named() -> None:
    sink = SilentLimitSink(max_total_charge_usd=0.02)  # two maps
    runner = BatchRunner(
        lambda _q, index: asyncio.sleep(0, result(index, success=(index or 0) % 2 == 0)),
        sink,
        done=set(),
        batch=True,
        group_size=10,
    )
    outcome = await run(runner, 8)  # 0, 2, 4, 6 succeed; 1, 3, 5, 7 fail
    assert sorted(item['query_index'] for item in sink.items) == [0, 1, 2, 3, 5, 7]
    assert [(record.index, record.fetched) for record in outcome.not_delivered] == [(4, True), (6, True)]
    assert outcome.not_delivered[0].reason.startswith('fetched, but not delivered: your spending limit left $0.00')
    assert (outcome.succeeded, outcome.failed, outcome.charged) == (2, 4, 2)


async def test_free_results_are_pushed_beside_charged_ones() -> None:
    sink = MemorySink()
    runner = BatchRunner(
        lambda _q, index: asyncio.sleep(0, result(index, event=None if (index or 0) % 2 else 'LIQUIDATION_MAP')),
        sink,
        done=set(),
        batch=True,
        group_size=10,
    )
    await run(runner, 10)
    assert len(sink.items) == 10
    assert len(sink.charges) == 5
    assert sink.calls == 2  # one call for the free ones, one for the event


async def test_a_group_is_pushed_in_query_order_whatever_order_its_queries_finished_in() -> None:
    sink = MemorySink()

    async def execute(_query: Query, index: int | None) -> QueryResult:
        await asyncio.sleep(0.001 * (10 - (index or 0)))  # the last query finishes first
        return result(index, success=index != 4)

    await BatchRunner(execute, sink, done=set(), batch=True, group_size=10).run([MAP] * 10)
    assert [item['query_index'] for item in sink.items] == [0, 1, 2, 3, 5, 6, 7, 8, 9, 4]  # the failure after
    assert sink.calls == 2


async def test_queries_done_before_a_restart_are_skipped() -> None:
    sink = MemorySink()
    done = {0, 2}
    seen: list[int | None] = []

    async def execute(_query: Query, index: int | None) -> QueryResult:
        seen.append(index)
        return result(index)

    outcome = await BatchRunner(execute, sink, done=done, batch=True).run([MAP] * 4)
    assert sorted(index for index in seen if index is not None) == [1, 3]
    assert outcome.skipped == 2
    assert done == {0, 1, 2, 3}


async def test_the_outcome_keeps_no_data_and_items_only_within_the_budget() -> None:
    """A batch of big results must not stay in memory until the end: the outcome keeps summaries, not data."""

    async def big(_query: Query, index: int | None) -> QueryResult:
        return QueryResult(
            mode='liquidation_map', success=True, message='m', index=index, data=['x' * 1000], event='LIQUIDATION_MAP'
        )

    small = await BatchRunner(big, MemorySink(), done=set(), batch=True, items_budget=100_000).run([MAP] * 5)
    assert small.items is not None
    assert [index for index, _item in small.items] == sorted(index for index, _item in small.items)
    assert all(result.data is None for result in small.results)
    large = await BatchRunner(big, MemorySink(), done=set(), batch=True, items_budget=3_000).run([MAP] * 5)
    assert large.items is None  # past 3 KB: none kept
    assert len(large.results) == 5
    assert all(result.data is None and result.chart is None for result in large.results)


async def test_large_results_go_before_the_group_is_full() -> None:
    """Results of 5 MB of data each: a group goes at 8 MB waiting, not at 100 results."""
    sink = MemorySink()
    big = [dataclasses.replace(result(index), data_bytes=5 * 1024 * 1024) for index in range(6)]
    runner = BatchRunner(
        lambda _q, index: asyncio.sleep(0, big[index or 0]), sink, done=set(), batch=True, max_concurrent_queries=1
    )
    outcome = await run(runner, 6)
    assert outcome.succeeded == 6
    assert sink.calls == 3  # 2 + 2 + 2
