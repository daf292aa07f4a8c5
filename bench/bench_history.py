"""Benchmark 3: one year of hourly pair liquidation history in one query, fetched in concurrent 1000-row windows."""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bench.common import NOW_MS, Check, Section, TimedFake, median, run_actor  # noqa: E402

LATENCY_S = 0.05
REPEATS = 3
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
END_MS = NOW_MS  # the fake's "now": it serves no rows after it
START_MS = END_MS - 365 * DAY_MS
EXPECTED_ROWS = (END_MS - START_MS) // HOUR_MS + 1  # both ends inclusive: 8,761
EXPECTED_WINDOWS = math.ceil(EXPECTED_ROWS / 1000)
HISTORY_PATH = '/api/futures/liquidation/history'
QUERY = {
    'mode': 'pair_liquidation_history',
    'symbol': 'Binance_BTCUSDT',
    'interval': '1h',
    'start_time': START_MS,
    'end_time': END_MS,
}
COMMAND = '.venv/bin/python bench/bench_history.py'


def check_rows(rows: list[dict[str, Any]]) -> None:
    """Assert the year is complete, in order, without duplicates or gaps."""
    times = [row['time'] for row in rows]
    assert len(rows) == EXPECTED_ROWS, f'{len(rows)} rows, expected {EXPECTED_ROWS}'
    assert times[0] == START_MS, f'first row at {times[0]}, expected {START_MS}'
    assert times[-1] == END_MS, f'last row at {times[-1]}, expected {END_MS}'
    steps = {later - earlier for earlier, later in itertools.pairwise(times)}
    assert steps == {HOUR_MS}, f'steps between rows: {sorted(steps)[:5]}'
    for row in rows:
        assert isinstance(row['long_liquidation_usd'], float)
        assert isinstance(row['short_liquidation_usd'], float)


def rounds(arrivals: list[float]) -> list[int]:
    """Requests per round trip: a new round starts when a request arrives a latency or more after the previous one."""
    sizes: list[int] = []
    previous = None
    for moment in arrivals:
        if previous is None or moment - previous >= LATENCY_S * 0.8:
            sizes.append(0)
        sizes[-1] += 1
        previous = moment
    return sizes


def measure_all(repeats: int = REPEATS) -> dict[str, Any]:
    runs = []
    with TimedFake(latency_s=LATENCY_S) as fake:
        for _ in range(repeats):
            fake.clear()
            run = run_actor(QUERY, fake.url, ppe=True)
            items = run.items
            assert run.exit_code == 0, run.stderr[-2000:]
            assert len(items) == 1, f'{len(items)} items: the history must arrive in one envelope'
            item = items[0]
            assert item['success'], item['message']
            check_rows(item['data'])
            history = [request for request in fake.requests if request.path == HISTORY_PATH]
            windows = sorted(
                (int(request.params['start_time']), int(request.params['end_time'])) for request in history
            )
            first, last = fake.span()
            arrivals = sorted(timing.arrived for timing in fake.timings)
            charges = run.charges
            runs.append(
                {
                    'wall_s': run.wall_s,
                    'span_s': last - first,
                    'sent_within_s': arrivals[-1] - arrivals[0],
                    'rounds': rounds(arrivals),
                    'requests': len(fake.requests),
                    'history_requests': len(history),
                    'windows': windows,
                    'rows': len(item['data']),
                    'item_bytes': run.dataset_files()[0].stat().st_size,
                    'max_rss_mb': run.max_rss_kb / 1024,
                    'charges': len(charges),
                    'message': item['message'],
                }
            )
    return {'runs': runs}


def section(result: dict[str, Any]) -> Section:
    runs = result['runs']
    last = runs[-1]
    section = Section(
        'History pagination',
        COMMAND,
        f'`pair_liquidation_history` Binance_BTCUSDT, interval 1h, start_time = end_time - 365 days, end_time = '
        f'the fake\'s "now" ({END_MS}), output full; fake latency {LATENCY_S * 1000:.0f} ms, no budget; '
        f'{REPEATS} runs (medians), pay-per-event on.',
    )
    first_window = last['windows'][0]
    section.figures += [
        ('wall time (whole run)', f'{median([run["wall_s"] for run in runs]):.3f} s'),
        ('request span (first request to last answer)', f'{median([run["span_s"] * 1000 for run in runs]):.0f} ms'),
        (
            'requests sent within (first to last arrival)',
            f'{median([run["sent_within_s"] * 1000 for run in runs]):.0f} ms',
        ),
        ('requests', f'{last["requests"]} ({last["history_requests"]} history windows)'),
        ('window size', f'{(first_window[1] - first_window[0]) // HOUR_MS + 1} rows of 1h'),
        ('rows', f'{last["rows"]:,} (expected {EXPECTED_ROWS:,}: 365 days x 24 + 1, both ends inclusive)'),
        ('complete, in order, no gaps or duplicates', 'yes (asserted)'),
        ('envelopes / charges', f'1 / {last["charges"]}'),
        ('dataset item size', f'{last["item_bytes"] / 1024:.0f} KiB'),
        ('peak RSS of the run', f'{median([run["max_rss_mb"] for run in runs]):.0f} MB'),
        ('message', last['message']),
    ]
    section.checks += [
        Check('rows complete and in order', f'{last["rows"]:,}', f'{EXPECTED_ROWS:,}', last['rows'] == EXPECTED_ROWS),
        Check(
            'history requests',
            str(last['history_requests']),
            f'{EXPECTED_WINDOWS} windows',
            last['history_requests'] == EXPECTED_WINDOWS,
        ),
        Check(
            'windows fetched concurrently: rounds of requests',
            f'{len(last["rounds"])} ({" + ".join(map(str, last["rounds"]))} requests)',
            '<= 2 (the limiter sends the first request of a run alone, to learn the budget)',
            len(last['rounds']) <= 2,
        ),
        Check('charged once', str(last['charges']), '1', last['charges'] == 1),
    ]
    return section


def main() -> None:
    section(measure_all()).show()


if __name__ == '__main__':
    main()
