"""Benchmark 1: batch throughput of 200 queries under an enforced request budget.

Two cases: a real 60 s window with 1200 requests per window, which a 200-query batch never fills (the budget allows
the whole batch at once), and a budget-bound case with time scaled down, 100 requests per 5 s window on both the
fake and the Actor (`COINGLASS_RATE_WINDOW_S`), so the batch's requests take three windows. The fake records
when it counted each request against its budget; the figures are requests served per window, 429s, the request
span against the shortest span the budget allows, and the charges (pay-per-event on): one per query.
"""

from __future__ import annotations

import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bench.common import FAKE_PAIRS, Check, Section, TimedFake, fake_windows, run_actor  # noqa: E402

LATENCY_S = 0.05
QUERY_COUNT = 200
PAIRS = FAKE_PAIRS
MAP_COINS = ('BTC', 'ETH', 'SOL', 'XRP')  # each has a Binance USDT pair for the map's reference price
COMMAND = '.venv/bin/python bench/bench_throughput.py'
PRICE_PATH = '/api/futures/price/history'


def batch_queries(count: int = QUERY_COUNT) -> list[dict[str, Any]]:
    """`count` distinct queries: exchange lists, max pain, pair and coin maps, then single-page pair histories."""
    queries: list[dict[str, Any]] = []
    for range_ in ('1h', '4h', '12h', '24h'):
        queries.append({'mode': 'liquidation_exchange_list', 'range': range_})
        queries += [
            {'mode': 'liquidation_exchange_list', 'range': range_, 'coin': coin} for coin in (*MAP_COINS, 'DOGE')
        ]
    queries += [
        {'mode': 'liquidation_max_pain', 'range': range_} for range_ in ('12h', '24h', '48h', '3d', '7d', '14d', '30d')
    ]
    for range_ in ('1d', '7d', '30d'):
        queries += [{'mode': 'liquidation_map', 'symbol': pair, 'range': range_} for pair in PAIRS]
        queries += [{'mode': 'coin_liquidation_map', 'coin': coin, 'range': range_} for coin in MAP_COINS]
    limit = 100
    while len(queries) < count:
        queries.append(
            {
                'mode': 'pair_liquidation_history',
                'symbol': PAIRS[len(queries) % len(PAIRS)],
                'interval': '1h',
                'limit': limit,
            }
        )
        limit += 1
    return queries[:count]


@dataclass(frozen=True)
class Case:
    """A budget of `budget` requests per `window_s`, enforced by the fake and told to the Actor; run `repeats` times."""

    name: str
    budget: int
    window_s: float
    repeats: int


CASES = (
    Case('Budget-bound, time scaled: 100 requests per 5 s window', 100, 5.0, 5),
    Case('Real window: 1200 requests per 60 s', 1200, 60.0, 1),
)


def measure(case: Case) -> dict[str, Any]:
    """One run of the batch under the case's budget."""
    queries = batch_queries()
    with TimedFake(latency_s=LATENCY_S, budget_per_minute=case.budget, window_s=case.window_s) as fake:
        started = time.monotonic()
        run = run_actor(
            {'queries': queries}, fake.url, ppe=True, env={'COINGLASS_RATE_WINDOW_S': f'{case.window_s:g}'}, timeout=170
        )
        ended = started + run.wall_s
        first, last = fake.span()
        timings = list(fake.timings)
        too_many = fake.too_many_requests
    served = [timing for timing in timings if not timing.refused]
    items = run.items
    charges = run.charges
    per_event = Counter(str(entry['event_name']) for entry in charges)
    expected = Counter(str(query['mode']).upper() for query in queries)
    indices = sorted(item.get('query_index', -1) for item in items)
    windows = fake_windows([timing.counted for timing in served], case.window_s)
    full = windows[:-1]
    span = last - first
    allowed = (math.ceil(len(served) / case.budget) - 1) * case.window_s + LATENCY_S
    return {
        'exit_code': run.exit_code,
        'wall_s': run.wall_s,
        'to_first_request_s': first - started,
        'after_last_answer_s': ended - last,
        'span_s': span,
        'allowed_s': allowed,
        'span_ratio': span / allowed,
        'windows': windows,
        'per_window': sum(full) / len(full) / case.budget if full else None,
        'requests': len(timings),
        'reference_prices': sum(1 for timing in timings if timing.path == PRICE_PATH),
        'too_many': too_many,
        'summary': run.record('OUTPUT'),
        'items': len(items),
        'succeeded': sum(1 for item in items if item['success']),
        'charges': len(charges),
        'charged_once': per_event == expected and len(charges) == len(queries) and indices == list(range(len(queries))),
        'per_event': dict(sorted(per_event.items())),
        'max_rss_mb': run.max_rss_kb / 1024,
    }


def measure_all() -> list[tuple[Case, list[dict[str, Any]]]]:
    return [(case, [measure(case) for _ in range(case.repeats)]) for case in CASES]


def section(results: list[tuple[Case, list[dict[str, Any]]]]) -> Section:
    modes = Counter(str(query['mode']) for query in batch_queries())
    section = Section(
        'Batch throughput',
        COMMAND,
        f'{QUERY_COUNT} distinct queries in one run via `queries` ('
        + ', '.join(f'{count} {mode}' for mode, count in modes.most_common())
        + f'; each map also fetches a reference price), fake latency {LATENCY_S * 1000:.0f} ms, budget enforced by '
        'the fake (HTTP 429 beyond it; its window opens at the first request after the last one expired) and told '
        'to the Actor in `API-KEY-MAX-LIMIT`; the Actor gets the same window in `COINGLASS_RATE_WINDOW_S`; '
        "pay-per-event on. Request span: from the first request's arrival to the last answer. Allowed: the "
        'shortest span the budget permits for the requests served, (ceil(requests / budget) - 1) x window + one '
        'latency. Windows are counted as the fake counts them (after the latency; 429s excluded).',
    )
    for case, runs in results:
        label = f'{case.budget}/{case.window_s:g} s'
        section.figures.append((f'**{case.name}**', f'{len(runs)} run{"s" if len(runs) > 1 else ""}'))
        rows: list[tuple[str, Any]] = [
            ('wall time (whole run)', lambda r: f'{r["wall_s"]:.2f} s'),
            ('request span / allowed', lambda r: f'{r["span_s"]:.2f} s / {r["allowed_s"]:.2f} s'),
            (
                'start to first request / last answer to exit',
                lambda r: f'{r["to_first_request_s"]:.2f} s / {r["after_last_answer_s"]:.2f} s',
            ),
            (
                'requests (queries + reference prices + 429s)',
                lambda r: f'{r["requests"]} ({QUERY_COUNT} + {r["reference_prices"]} + {r["too_many"]})',
            ),
            ('requests served per budget window', lambda r: ', '.join(map(str, r['windows']))),
            ('429s (fake) / retries (OUTPUT)', lambda r: f'{r["too_many"]} / {r["summary"]["retries"]}'),
            ('items / succeeded / charges', lambda r: f'{r["items"]} / {r["succeeded"]} / {r["charges"]}'),
            ('peak RSS', lambda r: f'{r["max_rss_mb"]:.0f} MB'),
        ]
        for name, show in rows:
            section.figures.append((f'{label}: {name}', ' \u2502 '.join(show(run) for run in runs)))
        section.figures.append(
            (
                f'{label}: charges per event',
                ', '.join(f'{event} {count}' for event, count in runs[0]['per_event'].items()),
            )
        )
        worst_429 = max(run['too_many'] for run in runs)
        section.checks += [
            Check(f'{label}: HTTP 429s (worst run)', str(worst_429), '0', worst_429 == 0),
            Check(
                f'{label}: each query delivered and charged once',
                ', '.join(f'{run["items"]} items / {run["charges"]} charges' for run in runs),
                f'{QUERY_COUNT} / {QUERY_COUNT}, per mode',
                all(run['charged_once'] and run['exit_code'] == 0 for run in runs),
            ),
        ]
        if runs[0]['requests'] > case.budget:
            fractions = [run['per_window'] for run in runs]
            ratios = [run['span_ratio'] for run in runs]
            section.checks += [
                Check(
                    f'{label}: requests served per full window / budget (worst run)',
                    f'{min(f or 0.0 for f in fractions):.2f} (runs: {", ".join(f"{f:.2f}" if f else "n/a" for f in fractions)})',
                    '>= 0.9',
                    all(f is not None and f >= 0.9 for f in fractions),
                ),
                Check(
                    f'{label}: request span / time the budget allows (worst run)',
                    f'{max(ratios):.2f} (runs: {", ".join(f"{r:.2f}" for r in ratios)})',
                    '<= 1.10',
                    max(ratios) <= 1.10,
                ),
            ]
        else:
            worst_span = max(run['span_s'] for run in runs)
            section.checks.append(
                Check(
                    f'{label}: request span (every request fits one window: the budget allows them at once)',
                    f'{worst_span:.2f} s',
                    f'far below one window: <= {case.window_s * 0.1:g} s',
                    worst_span <= case.window_s * 0.1,
                )
            )
    return section


def main() -> None:
    section(measure_all()).show()


if __name__ == '__main__':
    main()
