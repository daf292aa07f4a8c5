"""Benchmark 7: the MCP server (the Actor in Standby) against the batch Actor, side by side in one run.

One server process (`python -m src` with `APIFY_META_ORIGIN=STANDBY`, pay-per-event on) and batch runs of the same
query, all against the fake CoinGlass with 50 ms latency. Calls are made as the Apify MCP server makes them: a new
client for every call (`initialize`, `notifications/initialized`, `tools/call`: three HTTP requests, plain JSON-RPC
over httpx so that the client's own cost stays small), and, for comparison, on a session already open.

- Latency: a warm tool call (median and p95) against a batch run of the same query, the whole process from spawn to
  exit (median), as a ratio.
- Many callers on one key: 20 callers at once, each making 5 calls of one request each, on a key of 60 requests per
  10 s window (HTTP 429 beyond it); the share of requests answered 429, and the span from the first request to the
  last answer against the shortest the budget allows, as for concurrent batch runs (bench_shared_key.py).
- Memory: the server's RSS after 10 calls and after 1,000 (distinct queries of several modes, 10 callers at once).
"""

from __future__ import annotations

import asyncio
import atexit
import math
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path[:0] = [str(Path(__file__).resolve().parent.parent / 'tests'), str(Path(__file__).resolve().parent.parent)]

from standby import StandbyServer  # noqa: E402

from bench.common import Check, Section, TimedFake, fake_windows, median, run_actor  # noqa: E402

COMMAND = '.venv/bin/python bench/bench_standby.py'
LATENCY_S = 0.05
QUERY = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d', 'output': 'summary'}
WARM_CALLS = 40
BATCH_RUNS = 5
AIM_LATENCY_RATIO = 0.1
CALLERS = 20
CALLS_PER_CALLER = 5  # 100 requests: two windows' worth of the budget, less than two allowances
BUDGET = 60
WINDOW_S = 10.0
MEMORY_CALLS = (10, 100, 1000)
MEMORY_CONCURRENCY = 10
PAIRS = ('Binance_BTCUSDT', 'Binance_ETHUSDT', 'OKX_BTC-USDT-SWAP', 'Bybit_BTCUSDT', 'Gate_ETH_USDT')
ACCEPT = {'Accept': 'application/json, text/event-stream'}
INITIALIZE = {
    'jsonrpc': '2.0',
    'id': 0,
    'method': 'initialize',
    'params': {'protocolVersion': '2025-11-25', 'capabilities': {}, 'clientInfo': {'name': 'bench', 'version': '1'}},
}
INITIALIZED = {'jsonrpc': '2.0', 'method': 'notifications/initialized'}


def arguments(query: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return str(query['mode']), {name: value for name, value in query.items() if name != 'mode'}


async def tool_call(http: httpx.AsyncClient, url: str, query: dict[str, Any], *, connect: bool) -> dict[str, Any]:
    """One `tools/call` (after `initialize` and `notifications/initialized` when `connect`); its JSON-RPC result."""
    if connect:
        (await http.post(url, json=INITIALIZE, headers=ACCEPT)).raise_for_status()
        (await http.post(url, json=INITIALIZED, headers=ACCEPT)).raise_for_status()
    name, args = arguments(query)
    call = {'jsonrpc': '2.0', 'id': 1, 'method': 'tools/call', 'params': {'name': name, 'arguments': args}}
    response = await http.post(url, json=call, headers=ACCEPT)
    response.raise_for_status()
    result: dict[str, Any] = response.json()['result']
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def rss_mb(pid: int) -> float:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError('no VmRSS')


# --- latency ---------------------------------------------------------------------------------------------------------


async def _warm_calls(url: str) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {'new client': [], 'open session': []}
    async with httpx.AsyncClient(timeout=60) as http:
        for _ in range(3):  # warm: the kinds loaded, the connection pool and the caches filled
            await tool_call(http, url, QUERY, connect=True)
        for _ in range(WARM_CALLS):
            for label, connect in (('new client', True), ('open session', False)):
                started = time.perf_counter()
                result = await tool_call(http, url, QUERY, connect=connect)
                times[label].append(time.perf_counter() - started)
                assert not result.get('isError'), result
    return times


def measure_latency(storage: Path) -> dict[str, Any]:
    with TimedFake(latency_s=LATENCY_S, budget_per_minute=100_000) as fake:
        batch = []
        for _ in range(BATCH_RUNS):
            run = run_actor(QUERY, fake.url, ppe=True)
            assert run.exit_code == 0, run.stderr[-2000:]
            assert run.item['success'], run.item['message']
            batch.append(run.wall_s)
        with StandbyServer(fake.url, storage, python=sys.executable) as server:
            fake.clear()
            times = asyncio.run(_warm_calls(server.url))
            requests = fake.count()
    calls = times['new client']
    return {
        'batch_s': batch,
        'calls_s': calls,
        'session_s': times['open session'],
        'median_s': median(calls),
        'p95_s': percentile(calls, 0.95),
        'session_median_s': median(times['open session']),
        'batch_median_s': median(batch),
        'ratio': median(calls) / median(batch),
        'requests_per_call': requests / (2 * WARM_CALLS),
    }


# --- 20 callers on one budget ----------------------------------------------------------------------------------------


def caller_queries(caller: int) -> list[dict[str, Any]]:
    """The caller's calls: distinct pair histories of one request each (a limit of its own, no start time)."""
    return [
        {
            'mode': 'pair_liquidation_history',
            'symbol': PAIRS[(caller + i) % len(PAIRS)],
            'interval': '1h',
            'limit': 50 + CALLS_PER_CALLER * caller + i,
            'output': 'summary',
        }
        for i in range(CALLS_PER_CALLER)
    ]


async def _callers(url: str) -> list[tuple[float, dict[str, Any]]]:
    async def caller(index: int) -> list[tuple[float, dict[str, Any]]]:
        done = []
        async with httpx.AsyncClient(timeout=120) as http:
            for query in caller_queries(index):
                started = time.perf_counter()
                result = await tool_call(http, url, query, connect=True)
                done.append((time.perf_counter() - started, result))
        return done

    answers = await asyncio.gather(*(caller(index) for index in range(CALLERS)))
    return [answer for answers_of_one in answers for answer in answers_of_one]


def measure_callers(storage: Path) -> dict[str, Any]:
    with TimedFake(latency_s=LATENCY_S, budget_per_minute=BUDGET, window_s=WINDOW_S) as fake:
        window = f'{WINDOW_S:g}'
        with StandbyServer(fake.url, storage, python=sys.executable, COINGLASS_RATE_WINDOW_S=window) as server:
            charged_before = len(server.charges())
            answers = asyncio.run(_callers(server.url))
            charged = len(server.charges()) - charged_before
        timings = list(fake.timings)
        too_many = fake.too_many_requests
        first, last = fake.span()
    served = [timing for timing in timings if timing.status != 429]
    errors = [result for _, result in answers if result.get('isError')]
    rate_limited = [result for result in errors if '"error_type":"rate_limited"' in result['content'][0]['text']]
    latencies = [seconds for seconds, _ in answers]
    span = last - first
    allowed = (math.ceil(len(served) / BUDGET) - 1) * WINDOW_S + LATENCY_S
    return {
        'calls': len(answers),
        'answered': len(answers) - len(errors),
        'errors': len(errors),
        'rate_limited': len(rate_limited),
        'charged': charged,
        'requests': len(timings),
        'served': len(served),
        'too_many': too_many,
        'share_429': too_many / len(timings),
        'span_s': span,
        'allowed_s': allowed,
        'span_ratio': span / allowed,
        'windows': fake_windows([timing.counted for timing in served], WINDOW_S),
        'latency_median_s': median(latencies),
        'latency_p95_s': percentile(latencies, 0.95),
        'latency_max_s': max(latencies),
    }


# --- memory over 1,000 calls -----------------------------------------------------------------------------------------


def memory_query(index: int) -> dict[str, Any]:
    """Distinct queries of several modes, so that nothing a call leaves behind could be shared by the next."""
    pair = PAIRS[index % len(PAIRS)]
    kinds: list[dict[str, Any]] = [
        {'mode': 'pair_liquidation_history', 'symbol': pair, 'interval': '1h', 'limit': 20 + index % 900},
        {'mode': 'liquidation_map', 'symbol': pair, 'range': ('1d', '7d', '30d')[index % 3]},
        {'mode': 'liquidation_exchange_list', 'range': ('1h', '4h', '12h', '24h')[index % 4], 'coin': 'BTC'},
        {'mode': 'liquidation_max_pain', 'range': ('12h', '24h', '48h', '3d', '7d')[index % 5]},
    ]
    return kinds[index % len(kinds)] | {'output': 'summary'}


async def _memory_calls(url: str, pid: int, marks: tuple[int, ...]) -> dict[int, float]:
    rss: dict[int, float] = {}
    done = 0
    async with httpx.AsyncClient(timeout=60) as http:
        for mark in marks:
            queue = list(range(done, mark))

            async def worker(queue: list[int] = queue) -> None:
                while queue:
                    result = await tool_call(http, url, memory_query(queue.pop()), connect=True)
                    assert not result.get('isError'), result

            await asyncio.gather(*(worker() for _ in range(MEMORY_CONCURRENCY)))
            done = mark
            await asyncio.sleep(1.0)  # let the server settle (its keep-alive connections, the SDK's state)
            rss[mark] = rss_mb(pid)
    return rss


def measure_memory(storage: Path) -> dict[str, Any]:
    with (
        TimedFake(latency_s=LATENCY_S, budget_per_minute=100_000) as fake,
        StandbyServer(fake.url, storage, python=sys.executable, ppe=False) as server,
    ):
        assert server.process is not None
        started = rss_mb(server.process.pid)
        began = time.perf_counter()
        rss = asyncio.run(_memory_calls(server.url, server.process.pid, MEMORY_CALLS))
        seconds = time.perf_counter() - began
    return {'started_mb': started, 'rss_mb': rss, 'seconds': seconds}


def measure_all() -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix='cg-bench-standby-'))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return {
        'latency': measure_latency(root / 'latency'),
        'callers': measure_callers(root / 'callers'),
        'memory': measure_memory(root / 'memory'),
    }


def section(results: dict[str, Any]) -> Section:
    latency, callers, memory = results['latency'], results['callers'], results['memory']
    section = Section(
        'MCP server (Actor Standby) against the batch Actor',
        COMMAND,
        f'One server process (`python -m src`, `APIFY_META_ORIGIN=STANDBY`) and batch runs of the same query, against '
        f'the fake CoinGlass with {LATENCY_S * 1000:.0f} ms latency. A call as the Apify MCP server makes it: a new '
        'client (`initialize`, `notifications/initialized`, `tools/call`, three HTTP requests); "open session": '
        f'`tools/call` alone. Query: `{QUERY}`. Callers: {CALLERS} at once, {CALLS_PER_CALLER} one-request history '
        f'calls each, on a key of {BUDGET} requests per {WINDOW_S:g} s window (429 beyond), told to the server '
        f"through `COINGLASS_RATE_WINDOW_S`. Memory: the server's RSS after each number of calls, distinct queries "
        f'of four modes, {MEMORY_CONCURRENCY} callers at once.',
    )
    section.figures += [
        (
            f'batch run, whole process ({BATCH_RUNS} runs)',
            f'median {latency["batch_median_s"] * 1000:.0f} ms ('
            + ', '.join(f'{value * 1000:.0f}' for value in latency['batch_s'])
            + ' ms)',
        ),
        (
            f'warm tool call, new client ({WARM_CALLS} calls)',
            f'median {latency["median_s"] * 1000:.1f} ms, p95 {latency["p95_s"] * 1000:.1f} ms',
        ),
        ('warm tool call, open session', f'median {latency["session_median_s"] * 1000:.1f} ms'),
        ('CoinGlass requests per warm call', f'{latency["requests_per_call"]:.2f}'),
        (
            f'{CALLERS} callers: calls answered / rate-limit errors / other errors',
            (
                f'{callers["answered"]} / {callers["rate_limited"]} / {callers["errors"] - callers["rate_limited"]} '
                f'of {callers["calls"]} ({callers["charged"]} charged)'
            ),
        ),
        (
            f'{CALLERS} callers: requests (served + 429s), share answered 429',
            f'{callers["requests"]} ({callers["served"]} + {callers["too_many"]}), {callers["share_429"]:.1%}',
        ),
        (
            f'{CALLERS} callers: span / allowed (ratio)',
            f'{callers["span_s"]:.2f} s / {callers["allowed_s"]:.2f} s ({callers["span_ratio"]:.2f}x)',
        ),
        (f'{CALLERS} callers: requests served per budget window', ', '.join(map(str, callers['windows']))),
        (
            f'{CALLERS} callers: call latency median / p95 / max',
            f'{callers["latency_median_s"]:.2f} s / {callers["latency_p95_s"]:.2f} s / {callers["latency_max_s"]:.2f} s',
        ),
        (
            'server RSS at start / after ' + ' / '.join(f'{count:,}' for count in memory['rss_mb']) + ' calls',
            f'{memory["started_mb"]:.0f} / '
            + ' / '.join(f'{value:.1f}' for value in memory['rss_mb'].values())
            + f' MB ({memory["seconds"]:.0f} s of calls)',
        ),
    ]
    rss = memory['rss_mb']
    first, last = rss[MEMORY_CALLS[0]], rss[MEMORY_CALLS[-1]]
    growth = rss[MEMORY_CALLS[-1]] / rss[MEMORY_CALLS[1]]
    section.checks += [
        Check(
            'warm tool call / batch run (medians)',
            f'{latency["ratio"]:.3f} ({latency["median_s"] * 1000:.0f} ms / {latency["batch_median_s"] * 1000:.0f} ms)',
            f'< {AIM_LATENCY_RATIO}',
            latency['ratio'] < AIM_LATENCY_RATIO,
        ),
        Check(
            f'{CALLERS} callers: every call answered and charged once',
            f'{callers["answered"]} answered, {callers["charged"]} charged',
            f'{callers["calls"]} / {callers["calls"]}',
            callers['answered'] == callers['charged'] == callers['calls'],
        ),
        Check(
            f'{CALLERS} callers: share of requests answered 429',
            f'{callers["share_429"]:.1%}',
            '<= 5% (as for 5 concurrent runs)',
            callers['share_429'] <= 0.05,
        ),
        Check(
            f'RSS after {MEMORY_CALLS[-1]:,} calls / after {MEMORY_CALLS[0]}',
            f'{last / first:.2f} ({first:.0f} -> {last:.0f} MB; {growth:.2f} from {MEMORY_CALLS[1]} calls on)',
            '<= 1.1',
            last / first <= 1.1,
        ),
    ]
    section.notes.append(
        f'Statistics of {len(latency["calls_s"])} warm calls: mean {statistics.fmean(latency["calls_s"]) * 1000:.1f} ms, '
        f'min {min(latency["calls_s"]) * 1000:.1f} ms, max {max(latency["calls_s"]) * 1000:.1f} ms.'
    )
    return section


def main() -> None:
    section(measure_all()).show()


if __name__ == '__main__':
    main()
