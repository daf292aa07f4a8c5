"""Benchmark 5: several runs at once on one CoinGlass key, sharing its one request budget.

The publisher sets one `COINGLASS_API_KEY`, so every user's run spends the same key's budget at the same time. N
runs (`python -m src` subprocesses started together) of 24 single-request history queries each talk to ONE fake
CoinGlass that enforces one budget for the key, 60 requests per 10 s window (the Actor told the window through
`COINGLASS_RATE_WINDOW_S`), and answers 429 beyond it. The figures: the share of requests answered 429, the time
the whole load took against the shortest the budget allows, the slowest run against a lone run of the same 24
queries measured in the same benchmark, and that every query of every run was delivered and charged once.

The same load of 5 runs is measured again on a fake that refuses as the live API was captured doing: HTTP 200 with
`{"code": "400", "msg": "Too Many Requests"}`, with the `API-KEY-*` headers and without them. The aims of the 429
case hold for it.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bench.common import Check, Section, TimedFake, fake_windows, median, run_actor  # noqa: E402

LATENCY_S = 0.05
BUDGET = 60
WINDOW_S = 10.0
QUERIES_PER_RUN = 24
RUN_COUNTS = (2, 5, 10)
REPEATS = {2: 2, 5: 3, 10: 2}
AIM_RUNS = 5
AIM_429_SHARE = 0.05
AIM_SPAN_RATIO = 1.5
EVENT = 'PAIR_LIQUIDATION_HISTORY'
PAIRS = ('Binance_BTCUSDT', 'Binance_ETHUSDT', 'OKX_BTC-USDT-SWAP', 'Bybit_BTCUSDT', 'Gate_ETH_USDT')
COMMAND = '.venv/bin/python bench/bench_shared_key.py'
FIRST_LIMIT = 50
RUN_LIMITS = 30  # each run's queries take limits FIRST_LIMIT + RUN_LIMITS x run + 0..23
# The refusal forms measured besides HTTP 429, for AIM_RUNS runs: (fake options, label, repeats).
REFUSALS: Final[dict[str, tuple[dict[str, Any], str, int]]] = {
    'body200': ({'rate_limit_style': 'body200'}, 'HTTP 200 "Too Many Requests" with the API-KEY-* headers', 3),
    'body200-bare': (
        {'rate_limit_style': 'body200', 'rate_limit_headers': False},
        'HTTP 200 "Too Many Requests" without headers',
        2,
    ),
}


def run_queries(run: int = 0, count: int = QUERIES_PER_RUN) -> list[dict[str, Any]]:
    """`count` distinct pair histories of one request each (a limit below 1000 rows, no start time); each run's
    limits are its own (`RUN_LIMITS` apart), so the fake's records tell whose request each was."""
    return [
        {
            'mode': 'pair_liquidation_history',
            'symbol': PAIRS[i % len(PAIRS)],
            'interval': '1h',
            'limit': FIRST_LIMIT + RUN_LIMITS * run + i,
        }
        for i in range(count)
    ]


def run_of(target: str) -> int | None:
    """Which run sent the history request `target` (its path and query string); None for a lookup (the supported
    exchanges, asked once by every run), which names no run."""
    limits = parse_qs(urlsplit(target).query).get('limit')
    return None if not limits else (int(limits[0]) - FIRST_LIMIT) // RUN_LIMITS


def _run_figures(run: Any) -> dict[str, Any]:
    items = run.items
    charges = run.charges
    indices = sorted(item.get('query_index', -1) for item in items)
    per_event = Counter(str(entry['event_name']) for entry in charges)
    output = run.record('OUTPUT')
    return {
        'exit_code': run.exit_code,
        'wall_s': run.wall_s,
        'items': len(items),
        'succeeded': sum(1 for item in items if item['success']),
        'charges': len(charges),
        'charged_once': (
            run.exit_code == 0
            and indices == list(range(QUERIES_PER_RUN))
            and all(item['success'] for item in items)
            and per_event == Counter({EVENT: QUERIES_PER_RUN})
        ),
        'rate_limited': int(output['rate_limited_responses']),
        'requests': int(output['requests']),
    }


def measure(run_count: int, refusal: dict[str, Any] | None = None) -> dict[str, Any]:
    """Start `run_count` runs together on one fake key and measure the load they make.

    `refusal`: the fake's options for how it refuses beyond the budget (default: HTTP 429).
    """
    env = {'COINGLASS_RATE_WINDOW_S': f'{WINDOW_S:g}'}
    with TimedFake(latency_s=LATENCY_S, budget_per_minute=BUDGET, window_s=WINDOW_S, **(refusal or {})) as fake:
        gate = threading.Barrier(run_count)

        def one(run: int) -> Any:
            gate.wait()
            return run_actor({'queries': run_queries(run)}, fake.url, ppe=True, env=env, timeout=300)

        started = time.monotonic()
        with ThreadPoolExecutor(run_count) as pool:
            runs = list(pool.map(one, range(run_count)))
        first, last = fake.span()
        timings = list(fake.timings)
        too_many = fake.too_many_requests
    served = [timing for timing in timings if not timing.refused]
    windows = fake_windows([timing.counted for timing in served], WINDOW_S)
    span = last - first
    allowed = (math.ceil(len(served) / BUDGET) - 1) * WINDOW_S + LATENCY_S
    per_run = [_run_figures(run) for run in runs]
    first_request: dict[int, float] = {}
    last_answer: dict[int, float] = {}
    for timing in timings:
        run = run_of(timing.target)
        if run is None:
            continue
        first_request[run] = min(first_request.get(run, timing.arrived), timing.arrived)
        last_answer[run] = max(last_answer.get(run, timing.answered), timing.answered)
    request_spans = [last_answer[run] - first_request[run] for run in range(run_count)]
    return {
        'runs': per_run,
        'requests': len(timings),
        'served': len(served),
        'too_many': too_many,
        'share_429': too_many / len(timings),
        'span_s': span,
        'allowed_s': allowed,
        'budget_bound': len(served) > BUDGET,
        'span_ratio': span / allowed,
        'to_first_request_s': first - started,
        'windows': windows,
        'per_window': sum(windows[:-1]) / len(windows[:-1]) / BUDGET if len(windows) > 1 else None,
        'slowest_s': max(run['wall_s'] for run in per_run),
        'start_spread_s': max(first_request.values()) - min(first_request.values()),
        'slowest_requests_s': max(request_spans),
        'all_delivered': all(run['charged_once'] for run in per_run),
        'counted_429s_match': sum(run['rate_limited'] for run in per_run) == too_many,
    }


def measure_lone() -> dict[str, Any]:
    """One run of the same 24 queries alone on the key: the baseline for a run's time."""
    with TimedFake(latency_s=LATENCY_S, budget_per_minute=BUDGET, window_s=WINDOW_S) as fake:
        run = run_actor(
            {'queries': run_queries()}, fake.url, ppe=True, env={'COINGLASS_RATE_WINDOW_S': f'{WINDOW_S:g}'}
        )
        first, last = fake.span()
        too_many = fake.too_many_requests
    return {**_run_figures(run), 'span_s': last - first, 'too_many': too_many}


def measure_all() -> dict[str, Any]:
    lone = [measure_lone() for _ in range(3)]
    cases = {count: [measure(count) for _ in range(REPEATS[count])] for count in RUN_COUNTS}
    refusals = {
        name: [measure(AIM_RUNS, options) for _ in range(repeats)]
        for name, (options, _label, repeats) in REFUSALS.items()
    }
    return {'lone': lone, 'cases': cases, 'refusals': refusals}


def _repeats(values: list[float], form: str) -> str:
    return ', '.join(form.format(value) for value in values)


def _join(values: list[str]) -> str:
    return ' \u2502 '.join(values)


def section(results: dict[str, Any]) -> Section:
    lone = results['lone']
    lone_wall = median([run['wall_s'] for run in lone])
    lone_span = median([run['span_s'] for run in lone])
    section = Section(
        'Shared key: concurrent runs on one budget',
        COMMAND,
        f'N runs (`python -m src` subprocesses started together) of {QUERIES_PER_RUN} single-request '
        f'`pair_liquidation_history` queries each, on ONE fake CoinGlass key: a budget of {BUDGET} requests per '
        f'{WINDOW_S:g} s window for everyone (refused beyond it, with HTTP 429 unless the case says otherwise; '
        "`API-KEY-MAX-LIMIT` / `API-KEY-USE-LIMIT` on every answer unless it says without headers; the fake's "
        'window opens at the first request after the last one expired), told to each run '
        f'through `COINGLASS_RATE_WINDOW_S={WINDOW_S:g}`; fake latency {LATENCY_S * 1000:.0f} ms, pay-per-event on. '
        'Span: from the first request to arrive to the last answer, over all runs. Allowed: the shortest span '
        'the budget permits for the requests served, (ceil(served / budget) - 1) x window + one latency. '
        f'Baseline: one run of the same {QUERIES_PER_RUN} queries alone on the key, measured here '
        f'({len(lone)} runs, medians).',
    )
    section.figures.append(
        (
            f'lone run: wall time / request span / 429s ({len(lone)} runs)',
            _join([f'{run["wall_s"]:.2f} s / {run["span_s"]:.2f} s / {run["too_many"]}' for run in lone]),
        )
    )
    for count, cases in results['cases'].items():
        _add_case(section, f'{count} runs', count, cases, (lone_wall, lone_span))
    for name, cases in results.get('refusals', {}).items():
        _add_case(section, f'{AIM_RUNS} runs, {REFUSALS[name][1]}', AIM_RUNS, cases, (lone_wall, lone_span))
    return section


def _add_case(section: Section, label: str, count: int, cases: list[dict[str, Any]], lone: tuple[float, float]) -> None:
    """The figures and checks of one load (`count` runs, `cases` its repeats) on the section; `lone`: a lone run's
    median wall time and request span."""
    _add_figures(section, label, cases, lone[0])
    _add_checks(section, label, count, cases, lone[1])


def _add_figures(section: Section, label: str, cases: list[dict[str, Any]], lone_wall: float) -> None:
    section.figures.append((f'**{label} on one key**', f'{len(cases)} repeat{"s" if len(cases) > 1 else ""}'))
    rows: list[tuple[str, Any]] = [
        (
            'requests (served + refused)',
            lambda c: f'{c["requests"]} ({c["served"]} + {c["too_many"]})',
        ),
        ('share of requests refused', lambda c: f'{c["share_429"]:.1%}'),
        (
            'span / allowed (ratio)',
            lambda c: (
                f'{c["span_s"]:.2f} s / {c["allowed_s"]:.2f} s ({c["span_ratio"]:.2f}x)'
                if c['budget_bound']
                else f'{c["span_s"]:.2f} s (fits one window)'
            ),
        ),
        ('requests served per budget window', lambda c: ', '.join(map(str, c['windows']))),
        (
            'slowest run: wall time / its first request to its last answer',
            lambda c: f'{c["slowest_s"]:.2f} s / {c["slowest_requests_s"]:.2f} s (a lone run: {lone_wall:.2f} s wall)',
        ),
        (
            "spawn to the first request / spread of the runs' first requests",
            lambda c: f'{c["to_first_request_s"]:.2f} s / {c["start_spread_s"]:.2f} s',
        ),
        (
            'items / charges per run',
            lambda c: (
                'all ' + f'{QUERIES_PER_RUN} / {QUERIES_PER_RUN}'
                if c['all_delivered']
                else ', '.join(f'{r["items"]} / {r["charges"]}' for r in c['runs'])
            ),
        ),
        (
            "refusals per run (each run's OUTPUT `rate_limited_responses`)",
            lambda c: (
                ', '.join(str(r['rate_limited']) for r in c['runs'])
                + ('' if c['counted_429s_match'] else f' (the fake counted {c["too_many"]})')
            ),
        ),
    ]
    for name, show in rows:
        section.figures.append((f'{label}: {name}', _join([show(case) for case in cases])))


def _add_checks(section: Section, label: str, count: int, cases: list[dict[str, Any]], lone_span: float) -> None:
    worst_share = max(case['share_429'] for case in cases)
    section.checks.append(
        Check(
            f'{label}: each query of each run delivered and charged once',
            _join(
                [
                    'yes' if case['all_delivered'] else f'no ({sum(r["items"] for r in case["runs"])} items)'
                    for case in cases
                ]
            ),
            f'{count} x {QUERIES_PER_RUN} / {count} x {QUERIES_PER_RUN}',
            all(case['all_delivered'] for case in cases),
        )
    )
    aimed = count == AIM_RUNS
    section.checks.append(
        Check(
            f'{label}: share of requests refused (worst repeat)',
            f'{worst_share:.1%} (repeats: {_repeats([case["share_429"] for case in cases], "{:.1%}")})',
            f'<= {AIM_429_SHARE:.0%}' if aimed else 'as few as possible (aim set for 5 runs)',
            worst_share <= AIM_429_SHARE if aimed else True,
        )
    )
    if all(case['budget_bound'] for case in cases):
        worst_ratio = max(case['span_ratio'] for case in cases)
        section.checks.append(
            Check(
                f'{label}: span / time the budget allows (worst repeat)',
                f'{worst_ratio:.2f} (repeats: {_repeats([case["span_ratio"] for case in cases], "{:.2f}")})',
                f'<= {AIM_SPAN_RATIO}' if aimed else 'as low as possible (aim set for 5 runs)',
                worst_ratio <= AIM_SPAN_RATIO if aimed else True,
            )
        )
    else:
        worst_span = max(case['span_s'] for case in cases)
        section.checks.append(
            Check(
                f'{label}: span (the load fits one window) / lone run',
                f'{worst_span:.2f} s / {lone_span:.2f} s',
                'a fraction of one window',
                worst_span <= WINDOW_S * 0.5,
            )
        )


def main() -> None:
    section(measure_all()).show()


if __name__ == '__main__':
    main()
