"""Benchmark 1: batch throughput of 200 queries under an enforced request budget."""

from __future__ import annotations

import math
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bench.common import Check, Section, TimedFake, fake_windows, run_actor  # noqa: E402

LATENCY_S = 0.05
QUERY_COUNT = 200
PAIRS = (
    'Binance_BTCUSDT',
    'Binance_ETHUSDT',
    'Binance_SOLUSDT',
    'Binance_XRPUSDT',
    'Binance_BTCUSD_PERP',
    'Binance_ETHUSD_PERP',
    'OKX_BTC-USDT-SWAP',
    'OKX_ETH-USDT-SWAP',
    'OKX_SOL-USDT-SWAP',
    'Bybit_BTCUSDT',
    'Bybit_ETHUSDT',
    'Bybit_DOGEUSDT',
    'Gate_BTC_USDT',
    'Gate_ETH_USDT',
)
MAP_COINS = ('BTC', 'ETH', 'SOL', 'XRP')  # each has a Binance USDT pair for the map's reference price
COMMAND = '.venv/bin/python bench/bench_throughput.py'


def batch_queries(count: int = QUERY_COUNT) -> list[dict[str, Any]]:
    """`count` distinct queries: exchange lists, max pain, pair and coin maps, then single-page pair histories."""
    queries: list[dict[str, Any]] = []
    for range_ in ('1h', '4h', '12h', '24h'):
        queries.append({'mode': 'liquidation_exchange_list', 'range': range_})
        queries += [{'mode': 'liquidation_exchange_list', 'range': range_, 'coin': coin} for coin in (*MAP_COINS, 'DOGE')]
    queries += [{'mode': 'liquidation_max_pain', 'range': range_} for range_ in ('12h', '24h', '48h', '3d', '7d', '14d', '30d')]
    for range_ in ('1d', '7d', '30d'):
        queries += [{'mode': 'liquidation_map', 'symbol': pair, 'range': range_} for pair in PAIRS]
        queries += [{'mode': 'coin_liquidation_map', 'coin': coin, 'range': range_} for coin in MAP_COINS]
    limit = 100
    while len(queries) < count:
        queries.append({'mode': 'pair_liquidation_history', 'symbol': PAIRS[len(queries) % len(PAIRS)], 'interval': '1h', 'limit': limit})
        limit += 1
    return queries[:count]


@dataclass
class Case:
    name: str
    budget: int
    window_s: float


def measure(case: Case) -> dict[str, Any]:
    queries = batch_queries()
    with TimedFake(latency_s=LATENCY_S, budget_per_minute=case.budget, window_s=case.window_s) as fake:
        run = run_actor(
            {'queries': queries}, fake.url, ppe=True, env={'COINGLASS_RATE_WINDOW_S': f'{case.window_s:g}'}, timeout=170
        )
        arrivals = sorted(moment for moment, _ in fake.arrivals)
        requests = len(fake.requests)
        too_many = fake.too_many_requests
    items = run.items()
    charges = run.charges()
    summary = run.record('OUTPUT')
    per_event = Counter(str(entry['event_name']) for entry in charges)
    expected = Counter(str(query['mode']).upper() for query in queries)
    indices = Counter(item.get('query_index') for item in items)
    span = arrivals[-1] - arrivals[0] + LATENCY_S if arrivals else 0.0
    windows = fake_windows([moment + LATENCY_S for moment in arrivals], case.window_s)
    allowed = (math.ceil(requests / case.budget) - 1) * case.window_s + LATENCY_S
    return {
        'run': run,
        'items': items,
        'requests': requests,
        'too_many': too_many,
        'summary': summary,
        'per_event': per_event,
        'expected': expected,
        'indices': indices,
        'span': span,
        'windows': windows,
        'allowed': allowed,
    }


def main() -> None:
    for case in (Case('scaled', 100, 5.0), Case('real', 1200, 60.0)):
        result = measure(case)
        run = result['run']
        print(case, 'exit', run.exit_code, 'wall', round(run.wall_s, 2), 'requests', result['requests'], '429', result['too_many'])
        print(' span', round(result['span'], 2), 'allowed', result['allowed'], 'windows', result['windows'])
        print(' charges', sum(result['per_event'].values()), result['per_event'] == result['expected'], 'items', len(result['items']), 'indices ok', sorted(result['indices']) == list(range(QUERY_COUNT)))
        print(' summary', result['summary'])


if __name__ == '__main__':
    main()
