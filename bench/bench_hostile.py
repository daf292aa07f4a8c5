"""Benchmark 8: peak memory of one query against hostile or unlucky replies, against an ordinary one-query run.

Each case is one `python -m src` run whose CoinGlass (the fake, scripted) answers with what a hostile or broken
server could send; it reports the Actor's peak RSS from `wait4`, how the query ended and its wall time. None may come
near the default memory (512 MB), and each must end as a clear failure of its query, never a crash.

Usage: `.venv/bin/python bench/bench_hostile.py`.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent / 'tests'), str(Path(__file__).resolve().parent.parent)]

from fake_coinglass import Reply  # noqa: E402

from bench.common import Check, Section, TimedFake, run_actor  # noqa: E402

DEFAULT_MEMORY_MB = 512
COMMAND = '.venv/bin/python bench/bench_hostile.py'
HEATMAP_QUERY = {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '3d', 'model': 'model1'}
MAP_QUERY = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '30d'}
MAP_PATH = '/api/futures/liquidation/map'
ORDERS_QUERY = {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'}
HISTORY_QUERY = {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h', 'limit': 10}
HEATMAP_PATH = '/api/futures/liquidation/heatmap/model1'
ORDERS_PATH = '/api/futures/liquidation/order'
HISTORY_PATH = '/api/futures/liquidation/history'


def ok(data: Any) -> dict[str, Any]:
    return {'code': '0', 'msg': 'success', 'data': data}


def gzip_bomb() -> Reply:
    """0.4 MB of gzip that unfolds into some 400 MB of JSON (a history whose rows are all zeros)."""
    row = b'{"time":1,"long_liquidation_usd":0,"short_liquidation_usd":0},'
    inner = row * (400 * 1024 * 1024 // len(row))
    body = gzip.compress(b'{"code":"0","msg":"success","data":[' + inner[:-1] + b']}', compresslevel=9)
    return Reply(200, body, headers={'Content-Encoding': 'gzip', 'Content-Type': 'application/json'})


def huge_orders() -> Reply:
    """50 MB of orders on one page (an orders page is 200 rows, some 50 KB)."""
    order = {
        'exchange_name': 'Binance',
        'symbol': 'BTCUSDT',
        'base_asset': 'BTC',
        'price': 95000.5,
        'usd_value': 12345.6,
        'side': 1,
        'time': 1_763_683_000_000,
    }
    one = json.dumps(order, separators=(',', ':')).encode()
    count = 50 * 1024 * 1024 // (len(one) + 1)
    return Reply(200, b'{"code":"0","msg":"success","data":[' + b','.join([one] * count) + b']}')


def sparse_tall_heatmap() -> Reply:
    """About 0.5 MB: 40,000 price levels by 1,500 candles, 1,000 cells: a 60-million-cell grid if drawn whole."""
    levels, candles = 40_000, 1_500
    y_axis = [round(50_000 + index * 1.25, 2) for index in range(levels)]
    bars = [[1_763_000_000 + index * 60, '95000', '95010', '94990', '95005', '1.5'] for index in range(candles)]
    cells = [[index % candles, (index * 37) % levels, 1000.0 + index] for index in range(1000)]
    body = ok({'y_axis': y_axis, 'liquidation_leverage_data': cells, 'price_candlesticks': bars})
    return Reply(200, json.dumps(body, separators=(',', ':')).encode())


def dense_heatmap_at_cap() -> Reply:
    """Just under the heatmap cap (16 MiB): 800 candles x 1,000 levels, 600,000 cells."""
    levels, candles, count = 1_000, 800, 600_000
    y_axis = [round(80_000 + index * 25.0, 2) for index in range(levels)]
    bars = [[1_763_000_000 + index * 300, '95000', '95010', '94990', '95005', '1.5'] for index in range(candles)]
    cells = [[index % candles, (index * 7) % levels, round(1000.0 + index * 0.37, 2)] for index in range(count)]
    body = ok({'y_axis': y_axis, 'liquidation_leverage_data': cells, 'price_candlesticks': bars})
    return Reply(200, json.dumps(body, separators=(',', ':')).encode())


def map_at_cap() -> Reply:
    """Just under the map cap (8 MiB): 190,000 price levels."""
    prices = [round(60_000 + index * 0.1, 1) for index in range(190_000)]
    levels = {f'{price:g}': [[price, 1000.0 + index, 25, None]] for index, price in enumerate(prices)}
    return Reply(200, json.dumps(ok({'data': levels}), separators=(',', ':')).encode())


def history_windows_at_cap() -> list[Reply]:
    """Every window of a 100,000-row history answering just under the history cap (4 MiB) with 1,000 rows."""
    row = '{"time":%d,"long_liquidation_usd":%s,"short_liquidation_usd":1.5}'
    padding = '1.' + '2' * 4000  # a long number: 4 MiB in 1,000 rows
    rows = ','.join(row % (1_700_000_000_000 + index * 60_000, padding) for index in range(1000))
    body = ('{"code":"0","msg":"success","data":[' + rows + ']}').encode()
    return [Reply(200, body)] * 100


def deep() -> Reply:
    """A reply nested 1,000 levels deep."""
    return Reply(200, b'{"code":"0","msg":"success","data":' + b'[' * 1000 + b']' * 1000 + b'}')


def long_message() -> Reply:
    """A 3 MB error message: under the cap, so it is read, and quoted cut."""
    return Reply(400, {'code': '40001', 'msg': 'Invalid parameter: ' + 'x' * (3 * 1024 * 1024)})


CASES: dict[str, tuple[dict[str, Any], str, Any, bool]] = {
    # name: (query, path, reply maker, charts)
    'ordinary history (baseline)': (HISTORY_QUERY, HISTORY_PATH, None, False),
    '0.4 MB gzip body unfolding to 400 MB': (HISTORY_QUERY, HISTORY_PATH, gzip_bomb, False),
    '50 MB orders page': (ORDERS_QUERY, ORDERS_PATH, huge_orders, False),
    '0.5 MB heatmap, 40,000 levels x 1,500 candles, charts on': (
        HEATMAP_QUERY,
        HEATMAP_PATH,
        sparse_tall_heatmap,
        True,
    ),
    '16 MiB heatmap (600,000 cells), output summary, charts on': (
        HEATMAP_QUERY | {'output': 'summary'},
        HEATMAP_PATH,
        dense_heatmap_at_cap,
        True,
    ),
    '8 MiB map (190,000 levels), output full, charts on': (MAP_QUERY, MAP_PATH, map_at_cap, True),
    '100,000-row history, each of its 100 windows 4 MiB': (
        HISTORY_QUERY | {'limit': 100_000, 'interval': '1m', 'output': 'summary'},
        HISTORY_PATH,
        history_windows_at_cap,
        False,
    ),
    'reply nested 1,000 levels deep': (HISTORY_QUERY, HISTORY_PATH, deep, False),
    '3 MB error message': (HISTORY_QUERY, HISTORY_PATH, long_message, False),
}


def measure_all() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with TimedFake() as fake:
        for name, (query, path, make, charts) in CASES.items():
            made = [] if make is None else make()
            replies = made if isinstance(made, list) else [made]
            fake.script(path, *replies)
            size = sum(len(r.body) if isinstance(r.body, bytes) else len(json.dumps(r.body)) for r in replies)
            run = run_actor(query | {'charts': charts}, fake.url, ppe=True, timeout=600)
            items = run.items
            item = items[0] if items else {}
            results[name] = {
                'max_rss_mb': run.max_rss_kb / 1024,
                'wall_s': run.wall_s,
                'exit_code': run.exit_code,
                'sent_bytes': size,
                'error_type': item.get('error_type'),
                'message': str(item.get('message', run.stderr[-300:]))[:400],
                'item_bytes': len(json.dumps(item)),
                'charges': len(run.charges),
            }
            fake.clear()
    return results


def section(results: dict[str, dict[str, Any]]) -> Section:
    section = Section(
        'Peak memory against hostile replies',
        COMMAND,
        'one query per run, `python -m src` against the fake CoinGlass scripted to answer as a hostile or broken '
        'server would; peak RSS from `wait4`, pay-per-event on.',
    )
    section.figures.append(('', 'peak RSS / wall / exit code / error_type / item size / charges'))
    for name, result in results.items():
        figures = (
            f'{result["max_rss_mb"]:.0f} MB / {result["wall_s"]:.1f} s / {result["exit_code"]} / '
            f'{result["error_type"] or "success"} / {result["item_bytes"]:,} B / {result["charges"]}'
        )
        section.figures.append((name, figures))
    worst = max(results.values(), key=lambda result: result['max_rss_mb'])
    section.checks.append(
        Check('largest peak', f'{worst["max_rss_mb"]:.0f} MB', f'< {DEFAULT_MEMORY_MB} MB', worst['max_rss_mb'] < 512)
    )
    failures = {name: result for name, result in results.items() if result['error_type'] is not None}
    section.checks.append(
        Check(
            'each failure never charged',
            ', '.join(f'{result["error_type"]}' for result in failures.values()),
            'no charge',
            all(result['charges'] == 0 for result in failures.values()),
        )
    )
    largest_item = max(result['item_bytes'] for result in failures.values())
    section.checks.append(Check('largest failure item', f'{largest_item:,} B', '< 2 KB', largest_item < 2048))
    section.notes += [f'{name}: {result["message"]}' for name, result in results.items()]
    return section


def main() -> None:
    done = section(measure_all())
    done.show()
    print(done.markdown())


if __name__ == '__main__':
    main()
