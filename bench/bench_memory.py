"""Benchmark 4: peak memory of the largest heatmap (pair, 1y range) normalized and pushed, by output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent / 'tests'), str(Path(__file__).resolve().parent.parent)]

from fake_coinglass import default_response  # noqa: E402

from bench.common import Check, Section, TimedFake, median, run_actor  # noqa: E402

LATENCY_S = 0.05
REPEATS = 3
OUTPUTS = ('summary', 'full', 'rows')
QUERY = {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '1y', 'model': 'model1'}
BASELINE_QUERY = {'mode': 'liquidation_max_pain'}
APIFY_ITEM_LIMIT_BYTES = 9 * 1024 * 1024  # the Apify dataset's limit for one item (9 MB)
COMMAND = '.venv/bin/python bench/bench_memory.py'


def answer_size() -> tuple[int, int, int, int]:
    """The fake's answer for the query: bytes on the wire, cells, candles, price levels."""
    _status, body = default_response(
        '/api/futures/liquidation/heatmap/model1', {'exchange': 'Binance', 'symbol': 'BTCUSDT', 'range': '1y'}
    )
    data = body['data']
    wire = len(json.dumps(body, separators=(',', ':')).encode())
    return wire, len(data['liquidation_leverage_data']), len(data['price_candlesticks']), len(data['y_axis'])


def measure_all(repeats: int = REPEATS) -> dict[str, Any]:
    results: dict[str, dict[str, Any]] = {}
    with TimedFake(latency_s=LATENCY_S) as fake:
        cases = [
            ('baseline (max pain, all coins)', BASELINE_QUERY),
            *((output, QUERY | {'output': output}) for output in OUTPUTS),
        ]
        samples: dict[str, list[Any]] = {name: [] for name, _ in cases}
        for _ in range(repeats):  # interleaved
            for name, query in cases:
                run = run_actor(query, fake.url, ppe=True)
                items = run.items
                assert run.exit_code == 0, run.stderr[-2000:]
                assert len(items) == 1, f'{len(items)} items'
                assert items[0]['success'], items[0]['message']
                samples[name].append((run, items[0]))
        for name, runs in samples.items():
            run, item = runs[-1]
            data = item.get('data')
            results[name] = {
                'max_rss_mb': median([sample.max_rss_kb / 1024 for sample, _ in runs]),
                'wall_s': median([sample.wall_s for sample, _ in runs]),
                'cpu_s': median([sample.user_s + sample.system_s for sample, _ in runs]),
                'item_bytes': len(json.dumps(item, ensure_ascii=False, separators=(',', ':')).encode()),
                'file_bytes': run.dataset_files()[0].stat().st_size,
                'data_entries': len(data) if isinstance(data, list) else None,
                'charges': len(run.charges),
            }
    wire, cells, candles, levels = answer_size()
    return {'cases': results, 'wire': wire, 'cells': cells, 'candles': candles, 'levels': levels}


def section(result: dict[str, Any]) -> Section:
    cases = result['cases']
    section = Section(
        'Peak memory of the largest heatmap',
        COMMAND,
        f'`pair_liquidation_heatmap` Binance_BTCUSDT range 1y model1 (the fake answers {result["candles"]} candles x '
        f'{result["levels"]} price levels, {result["cells"]:,} cells, {result["wire"] / 1024 / 1024:.2f} MiB of JSON); '
        'peak RSS of the Actor process from `wait4` (ru_maxrss), '
        f'{REPEATS} interleaved runs per output (medians), pay-per-event on; baseline: a one-query max-pain run.',
    )
    section.figures.append(('', 'peak RSS / wall / CPU / item as compact JSON (file in local storage)'))
    for name, case in cases.items():
        entries = f', {case["data_entries"]:,} rows' if case['data_entries'] is not None else ''
        section.figures.append(
            (
                f'output {name}' if name in OUTPUTS else name,
                (
                    f'{case["max_rss_mb"]:.0f} MB / {case["wall_s"]:.2f} s / {case["cpu_s"]:.2f} s / '
                    f'{_size(case["item_bytes"])} ({_size(case["file_bytes"])}){entries}'
                ),
            )
        )
    baseline = cases['baseline (max pain, all coins)']['max_rss_mb']
    full = cases['full']
    section.figures.append(
        (
            'full over baseline',
            f'{full["max_rss_mb"] - baseline:.0f} MB for a {result["wire"] / 1024 / 1024:.2f} MiB answer',
        )
    )
    largest = max(case['item_bytes'] for case in cases.values())
    section.checks += [
        Check(
            'largest dataset item (compact JSON)',
            _size(largest),
            f'< Apify item limit ({_size(APIFY_ITEM_LIMIT_BYTES)})',
            largest < APIFY_ITEM_LIMIT_BYTES,
        ),
        Check(
            'peak RSS, output full',
            f'{full["max_rss_mb"]:.0f} MB',
            '< 512 MB (smallest Actor memory worth giving this mode)',
            full['max_rss_mb'] < 512,
        ),
        Check('charged once per run', str(full['charges']), '1', all(case['charges'] == 1 for case in cases.values())),
    ]
    return section


def _size(count: int) -> str:
    return f'{count / 1024 / 1024:.2f} MiB' if count >= 1024 * 1024 else f'{count / 1024:.1f} KiB'


def main() -> None:
    section(measure_all()).show()


if __name__ == '__main__':
    main()
