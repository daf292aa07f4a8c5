"""Benchmark 7: peak memory of large batches against a one-query run of the same kind.

A batch's memory must be bounded by the work in flight (at most 32 queries at once), not by the batch: each query's
data is released once its result is built and pushed. Three runs, each `python -m src` in a subprocess against the
fake CoinGlass, measured from the outside (`wait4`):

- one 1000-row pair history, then 1,000 distinct ones (each its own pair and end time) in one batch, output summary;
- one year-long pair heatmap (55,444 cells), then 200 distinct ones (each its own pair, model and range, from a
  year to 7 days), output summary.

Usage: `.venv/bin/python bench/bench_batch_memory.py [histories] [heatmaps]` (both by default).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bench.common import FAKE_PAIRS, NOW_MS, Check, Section, TimedFake, run_actor  # noqa: E402

LATENCY_S = 0.02
HISTORY_QUERIES = 1000
HEATMAP_QUERIES = 200
RATIO_TARGET = 1.5
DEFAULT_MEMORY_MB = 512
MINUTE_MS = 60_000
PAIRS = FAKE_PAIRS
MODELS = ('model1', 'model2', 'model3')
HEATMAP_RANGES = ('1y', '180d', '90d', '30d', '7d')  # the largest first: 730, 540, 540, 360, 336 candles
COMMAND = '.venv/bin/python bench/bench_batch_memory.py'


def history(index: int) -> dict[str, Any]:
    """A distinct 1000-row 1m pair history: its own pair and end time."""
    return {
        'mode': 'pair_liquidation_history',
        'symbol': PAIRS[index % len(PAIRS)],
        'interval': '1m',
        'limit': 1000,
        'end_time': NOW_MS - index * 7 * MINUTE_MS,
        'output': 'summary',
    }


def heatmap(index: int) -> dict[str, Any]:
    """A distinct pair heatmap: its own pair, model and range (the year-long ones first)."""
    return {
        'mode': 'pair_liquidation_heatmap',
        'symbol': PAIRS[index % len(PAIRS)],
        'model': MODELS[(index // len(PAIRS)) % len(MODELS)],
        'range': HEATMAP_RANGES[(index // (len(MODELS) * len(PAIRS))) % len(HEATMAP_RANGES)],
        'output': 'summary',
    }


CASES = {
    'histories': (history, HISTORY_QUERIES, '1000-row pair histories (1m bars)'),
    'heatmaps': (heatmap, HEATMAP_QUERIES, 'pair heatmaps (up to a year: 55,444 cells)'),
}


def measure(name: str) -> dict[str, Any]:
    """Peak RSS (MB) of a one-query run and of the batch, with the batch's counts."""
    make, count, _what = CASES[name]
    with TimedFake(latency_s=LATENCY_S) as fake:
        one = run_actor(make(0), fake.url, ppe=True, timeout=600)
        assert one.exit_code == 0, one.stderr[-2000:]
        batch = run_actor({'queries': [make(index) for index in range(count)]}, fake.url, ppe=True, timeout=1800)
    output = batch.record('OUTPUT') if batch.exit_code in {0, 1} else None
    return {
        'one_mb': one.max_rss_kb / 1024,
        'batch_mb': batch.max_rss_kb / 1024,
        'batch_wall_s': batch.wall_s,
        'exit_code': batch.exit_code,
        'items': len(batch.items),
        'succeeded': None if output is None else output['succeeded'],
        'count': count,
    }


def section(results: dict[str, dict[str, Any]]) -> Section:
    """The figures as a section of docs/benchmarks.md."""
    section = Section(
        'Peak memory of large batches',
        COMMAND,
        'peak RSS of the Actor process from `wait4` (ru_maxrss), pay-per-event on, output summary, the fake '
        f'answering after {LATENCY_S * 1000:.0f} ms; each batch against a one-query run of its kind in the same '
        'benchmark. '
        + '; '.join(
            f'{name}: {count:,} distinct {what}' for name, (_make, count, what) in CASES.items() if name in results
        ),
    )
    section.figures.append(('', 'one query / batch / batch over one / batch wall time / items delivered'))
    for name, result in results.items():
        ratio = result['batch_mb'] / result['one_mb']
        figures = (
            f'{result["one_mb"]:.0f} MB / {result["batch_mb"]:.0f} MB / {ratio:.2f}x / '
            f'{result["batch_wall_s"]:.0f} s / {result["items"]:,}'
        )
        section.figures.append((f'{result["count"]:,} {name}', figures))
        section.checks.append(
            Check(
                f'{name}: every query delivered',
                f'{result["items"]:,}',
                f'{result["count"]:,}',
                result['items'] == result['count'],
            )
        )
        if name == 'histories':  # up to 32 year-long heatmaps in flight are well above one: the peak is the target
            section.checks.append(
                Check(f'{name}: batch over one query', f'{ratio:.2f}x', f'<= {RATIO_TARGET}x', ratio <= RATIO_TARGET)
            )
        section.checks.append(
            Check(
                f'{name}: batch peak',
                f'{result["batch_mb"]:.0f} MB',
                f'< {DEFAULT_MEMORY_MB} MB (the default memory)',
                result['batch_mb'] < DEFAULT_MEMORY_MB,
            )
        )
    return section


def measure_all(names: tuple[str, ...] = tuple(CASES)) -> dict[str, dict[str, Any]]:
    """Every case asked for."""
    return {name: measure(name) for name in names}


def main(argv: list[str]) -> None:
    names = tuple(argv) or tuple(CASES)
    result = measure_all(names)
    done = section(result)
    done.show()
    print(done.markdown())


if __name__ == '__main__':
    main(sys.argv[1:])
