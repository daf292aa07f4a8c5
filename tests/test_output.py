"""Output shapes (full, rows, summary) and charts, through the whole pipeline in process."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

MAP_INPUT = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    width, height = struct.unpack('>II', data[16:24])
    return width, height


def test_full_output_carries_data_and_a_summary_with_reference_price(actor: Any, fake: Any) -> None:
    item = actor(MAP_INPUT).item
    summary = item['summary']
    assert summary['reference_price'] == 95000.0
    assert 'Binance BTCUSDT' in summary['reference_price_source']
    levels = [entry for entries in item['data'].values() for entry in entries]
    assert summary['levels'] == len(levels)
    assert summary['long_below_usd'] == pytest.approx(sum(e[1] for e in levels if e[0] < 95000), abs=0.01)
    assert summary['short_above_usd'] == pytest.approx(sum(e[1] for e in levels if e[0] > 95000), abs=0.01)
    assert fake.count('/api/futures/price/history') == 1


def test_summary_output_is_compact(actor: Any) -> None:
    item = actor(MAP_INPUT | {'output': 'summary'}).item
    assert item['data'] is None
    assert set(item['summary']) >= {'long_below_usd', 'short_above_usd', 'largest_below', 'cumulative_above_usd'}
    assert len(json.dumps(item)) < 4096


def test_rows_output_round_trips_the_totals(actor: Any) -> None:
    full = actor(MAP_INPUT).item
    rows = actor(MAP_INPUT | {'output': 'rows'}).item
    assert rows['summary'] == full['summary']
    assert {row['side'] for row in rows['data']} <= {'long', 'short', 'at_price'}
    assert sum(row['level_usd'] for row in rows['data']) == pytest.approx(full['summary']['total_usd'], abs=0.01)
    longs = sum(row['level_usd'] for row in rows['data'] if row['side'] == 'long')
    assert longs == pytest.approx(full['summary']['long_below_usd'], abs=0.01)


def test_heatmap_rows_use_milliseconds(actor: Any) -> None:
    heatmap = {'mode': 'coin_liquidation_heatmap', 'coin': 'BTC', 'range': '12h', 'output': 'rows'}
    item = actor(heatmap).item
    assert item['data'][0]['time'] > 10**12
    assert sum(row['value'] for row in item['data']) == pytest.approx(item['summary']['total'], rel=1e-9)


@pytest.mark.parametrize(
    'actor_input',
    [
        pytest.param(MAP_INPUT, id='map'),
        pytest.param({'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '3d'}, id='heatmap'),
        pytest.param(
            {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1d', 'limit': 60},
            id='history',
        ),
    ],
)
def test_charts_are_stored_and_linked(actor: Any, actor_input: dict[str, Any]) -> None:
    run = actor(actor_input | {'charts': True})
    key = Path(urlparse(run.item['chart_url']).path).name
    assert key == f'chart-0000-{actor_input["mode"]}.png'
    assert png_size(run.record(key)) == (1200, 700)


def test_no_chart_unless_asked(actor: Any) -> None:
    item = actor(MAP_INPUT).item
    assert 'chart_url' not in item
