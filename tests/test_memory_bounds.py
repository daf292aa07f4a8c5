"""Memory bounded by the work in flight: nothing keeps a query's data once its result is built and pushed.

The peaks themselves are measured, not asserted (bench/bench_batch_memory.py); these tests hold the mechanism: the
fetch stage lets go of a query's data once it has arrived (identical queries in flight still share one fetch), and
the runner lets go of a result once it is pushed. Weak references tell whether anything still holds an object.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import httpx
from conftest import MemorySink
from fake_coinglass import NOW_MS, default_response

from src.client import CoinGlassClient
from src.fetch import Fetcher
from src.inputs import parse_run_input
from src.modes import Mode
from src.query import Query
from src.result import QueryResult
from src.run import BatchRunner


def answer(request: httpx.Request) -> httpx.Response:
    status, body = default_response(request.url.path, dict(request.url.params))
    return httpx.Response(status, json=body)


def history(end_time: int) -> Query:
    raw = {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h', 'end_time': end_time}
    return parse_run_input(raw, now_ms=NOW_MS).queries[0]


async def test_the_fetch_stage_lets_go_of_a_querys_data_once_it_arrived() -> None:
    """The issue's cause: a per-query cache kept every query's whole data until the run ended (931 MB for 1,000)."""
    calls: list[httpx.Request] = []

    def counted(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return answer(request)

    async with CoinGlassClient('k-123', base_url='https://cg.test', transport=httpx.MockTransport(counted)) as client:
        fetcher = Fetcher(client, now_ms=NOW_MS)
        fetched = await fetcher.fetch(history(NOW_MS))
        held = weakref.ref(fetched)
        del fetched
        await asyncio.sleep(0)  # the loop's own wake-up handles are let go on its next turn
        gc.collect()
        assert held() is None
        shared = await asyncio.gather(*(fetcher.fetch(history(NOW_MS - 3_600_000)) for _ in range(3)))
    assert shared[0].data is shared[1].data is shared[2].data  # identical queries in flight: one fetch
    assert len(calls) == 2


class Blob(dict[str, Any]):
    """Stands for a query's data: JSON, and weakly referenceable."""


async def test_the_runner_lets_go_of_a_result_once_it_is_pushed() -> None:
    held: dict[int, weakref.ref[Blob]] = {}
    alive_when_later_ran: list[list[int]] = []

    async def execute(_query: Query, index: int | None) -> QueryResult:
        gc.collect()
        alive_when_later_ran.append([earlier for earlier, ref in held.items() if ref() is not None])
        blob = Blob()
        held[index or 0] = weakref.ref(blob)
        return QueryResult(mode='liquidation_max_pain', success=True, message='ok', index=index, data=blob, event=None)

    sink = MemorySink()  # it keeps a JSON copy of each item, as the dataset would, not the result
    runner = BatchRunner(execute, sink, done=set(), batch=True, max_concurrent_queries=1, group_size=1)
    outcome = await runner.run([Query(mode=Mode.LIQUIDATION_MAX_PAIN, echo={})] * 6)
    assert outcome.succeeded == 6
    assert alive_when_later_ran == [[]] * 6  # each earlier result was gone by the time the next one ran
