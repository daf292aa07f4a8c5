"""src.charts: every chart mode renders a 1200x700 PNG, empty data included."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from liquidation_fixtures import COIN_MAP, COINS, EXCHANGES, HEATMAP, MAX_PAIN, ORDERS, PAIR_MAP, as_coin_history

from src.charts import CHART_MODES, format_exact_price, format_usd, render_chart
from src.summaries import summarize

ROOT = Path(__file__).resolve().parent.parent

# Local, not the shared history: five daily rows in epoch ms give the chart a real date axis (shared: 1970, ms apart).
PAIR_HISTORY = [
    {
        'time': 1700000000000 + i * 86400000,
        'long_liquidation_usd': 1e6 * (i + 1),
        'short_liquidation_usd': 5e5 * (5 - i),
    }
    for i in range(5)
]
COIN_HISTORY = as_coin_history(PAIR_HISTORY)

FIXTURES: dict[str, tuple[Any, dict[str, Any]]] = {
    'liquidation_map': (PAIR_MAP, {'reference_price': 100.0, 'reference_price_source': 'test close'}),
    'coin_liquidation_map': (COIN_MAP, {'reference_price': 50000.0}),
    'pair_liquidation_heatmap': (HEATMAP, {}),
    'coin_liquidation_heatmap': (HEATMAP, {}),
    'pair_liquidation_history': (PAIR_HISTORY, {}),
    'coin_liquidation_history': (COIN_HISTORY, {}),
    'liquidation_orders': (ORDERS, {}),
    'liquidation_max_pain': (MAX_PAIN, {}),
    'liquidation_exchange_list': (EXCHANGES, {}),
    'liquidation_coin_list': (COINS, {}),
}
EMPTY: dict[str, Any] = {
    'liquidation_map': {},
    'coin_liquidation_map': {},
    'pair_liquidation_heatmap': {'y_axis': [], 'liquidation_leverage_data': [], 'price_candlesticks': []},
    'coin_liquidation_heatmap': {},
    'pair_liquidation_history': [],
    'coin_liquidation_history': [],
    'liquidation_orders': [],
    'liquidation_max_pain': [],
    'liquidation_exchange_list': [],
    'liquidation_coin_list': [],
}


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature and the chunk's CRC."""
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    length, kind = struct.unpack('>I4s', png[8:16])
    assert kind == b'IHDR'
    assert length == 13
    body = png[16 : 16 + length]
    (crc,) = struct.unpack('>I', png[16 + length : 20 + length])
    assert crc == zlib.crc32(b'IHDR' + body)
    width, height = struct.unpack('>II', body[:8])
    assert png.endswith(b'IEND\xaeB`\x82')
    return width, height


def test_chart_modes() -> None:
    assert set(FIXTURES) == CHART_MODES
    assert 'search_symbols' not in CHART_MODES


@pytest.mark.parametrize('mode', sorted(FIXTURES))
def test_each_chart_is_1200_by_700(mode: str) -> None:
    data, kwargs = FIXTURES[mode]
    summary = summarize(mode, data, **kwargs)
    png = render_chart(mode, data, summary, title=f'{mode} test')
    assert png_size(png) == (1200, 700)


@pytest.mark.parametrize('mode', sorted(FIXTURES))
def test_each_chart_renders_without_a_summary(mode: str) -> None:
    data, _ = FIXTURES[mode]
    assert png_size(render_chart(mode, data, None, title='no summary')) == (1200, 700)


@pytest.mark.parametrize('mode', sorted(EMPTY))
def test_empty_data_still_renders(mode: str) -> None:
    for data in (EMPTY[mode], None):
        png = render_chart(mode, data, summarize(mode, data), title='empty')
        assert png_size(png) == (1200, 700)


def test_empty_chart_differs_from_a_real_one() -> None:
    real = render_chart('liquidation_orders', ORDERS, None, title='t')
    empty = render_chart('liquidation_orders', [], None, title='t')
    assert real != empty
    assert len(empty) < len(real)


def test_search_symbols_and_unknown_modes_have_no_chart() -> None:
    with pytest.raises(ValueError, match='no chart'):
        render_chart('search_symbols', [{'instrument_id': 'BTCUSDT'}], None, title='x')
    with pytest.raises(ValueError, match='no chart'):
        render_chart('nonsense', [], None, title='x')


def test_big_inputs_render() -> None:
    y_axis = [float(40000 + 100 * i) for i in range(200)]
    candles = [[1700000000 + 43200 * x, 50000.0, 50600.0, 49400.0, 50000.0 + x, 1.0] for x in range(730)]
    cells = [[x, y, float((x * 7 + y * 13) % 97 + 1)] for x in range(730) for y in range(0, 200, 3)]
    heatmap = {'y_axis': y_axis, 'liquidation_leverage_data': cells, 'price_candlesticks': candles}
    assert png_size(render_chart('coin_liquidation_heatmap', heatmap, None, title='1y')) == (1200, 700)
    big_map = {str(90000 + i * 5.0): [[90000 + i * 5.0, float(i % 50 + 1), 25, None]] for i in range(2000)}
    summary = summarize('liquidation_map', big_map, reference_price=95000.0)
    assert png_size(render_chart('liquidation_map', big_map, summary, title='2000 levels')) == (1200, 700)


def test_renders_from_several_threads() -> None:
    jobs = [(mode, *FIXTURES[mode]) for mode in sorted(FIXTURES)] * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        pngs = list(
            pool.map(lambda job: render_chart(job[0], job[1], summarize(job[0], job[1], **job[2]), title=job[0]), jobs)
        )
    assert all(png_size(png) == (1200, 700) for png in pngs)


def test_only_charts_import_matplotlib_and_never_pyplot() -> None:
    code = (
        'import sys\n'
        'import src.summaries, src.rows\n'
        "assert 'matplotlib' not in sys.modules, 'summaries/rows imported matplotlib'\n"
        'import src.charts\n'
        "src.charts.render_chart('liquidation_orders', [], None, title='x')\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    result = subprocess.run(
        [sys.executable, '-c', code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, 'PYTHONPATH': str(ROOT)},
    )
    assert result.returncode == 0, result.stderr


def test_label_formatters() -> None:
    assert format_usd(1_250_000_000) == '$1.25B'
    assert format_usd(350_000) == '$350K'
    assert format_usd(-12) == '-$12'
    assert format_exact_price(110625.1) == '110,625.1'
    assert format_exact_price(0.0000101) == '0.0000101'
    assert format_exact_price(0.2613) == '0.2613'
