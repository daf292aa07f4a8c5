"""Charts: every kind with a chart renders a 1200x700 PNG, empty data included; numpy and matplotlib load only then."""

from __future__ import annotations

import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import run_in_fresh_python
from liquidation_fixtures import (
    COIN_MAP,
    COINS,
    EXCHANGES,
    HEATMAP,
    MAX_PAIN,
    ORDERS,
    PAIR_MAP,
    as_coin_history,
    fetched,
    render_chart,
    summarize,
)
from mode_examples import EXAMPLES

from src.inputs import parse_run_input
from src.kinds import spec_of
from src.kinds.figures import format_exact_price, format_usd, plural
from src.modes import Mode
from src.present import chart_source, chart_title
from src.times import iso

NOW_MS = 1_763_683_200_000

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
    assert set(FIXTURES) == {mode for mode in Mode if spec_of(mode).draw is not None}
    assert spec_of(Mode.SEARCH_SYMBOLS).draw is None


@pytest.mark.parametrize('mode', sorted(FIXTURES))
def test_each_chart_is_1200_by_700(mode: str) -> None:
    data, kwargs = FIXTURES[mode]
    png = render_chart(mode, data, **kwargs)
    assert png_size(png) == (1200, 700)


@pytest.mark.parametrize('mode', sorted(FIXTURES))
def test_empty_data_still_renders(mode: str) -> None:
    png = render_chart(mode, None)  # CoinGlass's `data: null`
    assert png_size(png) == (1200, 700)


def test_empty_chart_differs_from_a_real_one() -> None:
    real = render_chart('liquidation_orders', ORDERS)
    empty = render_chart('liquidation_orders', [])
    assert real != empty
    assert len(empty) < len(real)


def test_search_symbols_has_no_chart() -> None:
    with pytest.raises(ValueError, match='no chart'):
        render_chart('search_symbols', [{'instrument_id': 'BTCUSDT'}])


def test_big_inputs_render() -> None:
    y_axis = [float(40000 + 100 * i) for i in range(200)]
    candles = [[1700000000 + 43200 * x, 50000.0, 50600.0, 49400.0, 50000.0 + x, 1.0] for x in range(730)]
    cells = [[x, y, float((x * 7 + y * 13) % 97 + 1)] for x in range(730) for y in range(0, 200, 3)]
    heatmap = {'y_axis': y_axis, 'liquidation_leverage_data': cells, 'price_candlesticks': candles}
    assert png_size(render_chart('coin_liquidation_heatmap', heatmap)) == (1200, 700)
    big_map = {str(90000 + i * 5.0): [[90000 + i * 5.0, float(i % 50 + 1), 25, None]] for i in range(2000)}
    png = render_chart('liquidation_map', big_map, reference_price=95000.0)
    assert png_size(png) == (1200, 700)


def test_renders_from_several_threads() -> None:
    jobs = [(mode, *FIXTURES[mode]) for mode in sorted(FIXTURES)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        pngs = list(
            pool.map(
                lambda job: render_chart(job[0], job[1], **job[2]),
                jobs,
            )
        )
    assert all(png_size(png) == (1200, 700) for png in pngs)


def test_a_run_without_charts_never_loads_numpy_or_matplotlib() -> None:
    """The whole Actor, run in a fresh interpreter: charts off, neither loads; charts on, matplotlib but no pyplot."""
    query = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'}
    plain = run_in_fresh_python(query | {'charts': False})
    loaded = sorted({'numpy', 'matplotlib'} & plain.modules)
    assert not loaded, f'a run without charts loaded {loaded}'
    charted = run_in_fresh_python(query | {'charts': True})
    assert 'chart-0000-liquidation_map.png' in charted.records, sorted(charted.records)
    assert 'matplotlib' in charted.modules, 'the chart was not drawn with matplotlib'
    assert 'matplotlib.pyplot' not in charted.modules, 'pyplot imported'


def test_label_formatters() -> None:
    assert format_usd(1_250_000_000) == '$1.25B'
    assert format_usd(350_000) == '$350K'
    assert format_usd(-12) == '-$12'
    assert format_usd(999_500) == '$1M'  # rounds up into the next unit, not '$1e+03K'
    assert format_usd(999_999_999) == '$1B'
    assert format_usd(-999.7) == '-$1K'
    assert format_usd(0.5) == '$0.5'
    assert format_usd(2.5e15) == '$2,500T'
    assert plural(1, 'row') == '1 row'
    assert plural(1193, 'row') == '1,193 rows'
    assert plural(0, 'order') == '0 orders'
    assert format_exact_price(110625.1) == '110,625.1'
    assert format_exact_price(0.0000101) == '0.0000101'
    assert format_exact_price(0.2613) == '0.2613'


def drawn(mode: str, data: Any) -> Any:
    """The figure a kind's `draw` fills for `data` (shared fixtures), to read what it drew."""
    from matplotlib.figure import Figure  # noqa: PLC0415 - the test reads what the chart module drew

    spec = spec_of(Mode(mode))
    parsed = fetched(mode, data)
    assert spec.draw is not None
    assert spec.summarize is not None
    figure = Figure(layout='constrained')
    assert spec.draw(figure, parsed, spec.summarize(parsed)) is None
    return figure


@pytest.mark.parametrize(
    'orders',
    [ORDERS, [order | {'side': 1 if order['side'] == 2 else 2} for order in ORDERS]],
    ids=['as captured', 'sides swapped'],
)
def test_on_the_orders_chart_neither_side_hides_the_other(orders: list[dict[str, Any]]) -> None:
    """Longs and shorts on mirrored bars (shorts up, longs down) that add up to each side's total; the price
    panel draws both sides in one layer, biggest first, so the side drawn last is not always on top."""
    summary = summarize('liquidation_orders', orders)
    assert summary is not None
    split, prices = drawn('liquidation_orders', orders).axes
    heights = [patch.get_height() for patch in split.patches]
    assert sum(height for height in heights if height > 0) == pytest.approx(summary['short_liquidated_usd'])
    assert sum(height for height in heights if height < 0) == pytest.approx(-summary['long_liquidated_usd'])
    (layer,) = prices.collections
    sizes = list(layer.get_sizes())
    assert sizes == sorted(sizes, reverse=True)
    assert len({tuple(colour) for colour in layer.get_facecolors()}) == 2  # both sides in the one layer


def _without_split(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its long and short parts (every window) zero: CoinGlass gave no split."""
    return {name: 0.0 if name.startswith(('long_', 'short_')) else value for name, value in row.items()}


LONG_SHORT = {'Long liquidations part', 'Short liquidations part'}


@pytest.mark.parametrize(
    ('mode', 'rows', 'expected'),
    [
        ('liquidation_coin_list', COINS, LONG_SHORT | {'Long/short split unknown'}),  # ETH has no split
        ('liquidation_coin_list', [row for row in COINS if row['symbol'] != 'ETH'], LONG_SHORT),
        ('liquidation_exchange_list', [_without_split(row) for row in EXCHANGES], {'Long/short split unknown'}),
    ],
    ids=['some splits unknown', 'every split known', 'no split known'],
)
def test_a_share_chart_s_legend_lists_only_the_parts_its_bars_have(
    mode: str, rows: list[dict[str, Any]], expected: set[str]
) -> None:
    (axes,) = drawn(mode, rows).axes
    assert {text.get_text() for text in axes.get_legend().get_texts()} == expected


@pytest.mark.parametrize(
    ('query', 'title'),
    [
        (
            {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '7d'},
            'Liquidation map, Binance BTCUSDT, 7 days',
        ),
        (
            {'mode': 'coin_liquidation_history', 'coin': 'BTC', 'interval': '1h', 'exchanges': ['Binance', 'OKX']},
            'Coin liquidation history, BTC on Binance, OKX, 1-hour bars',
        ),
        (
            {'mode': 'pair_liquidation_heatmap', 'symbol': 'OKX_ETH-USDT-SWAP', 'range': '1y', 'model': 'model2'},
            'Liquidation heatmap (model 2), OKX ETH-USDT-SWAP, 1 year',
        ),
        ({'mode': 'liquidation_orders', 'exchange': 'Bybit', 'coin': 'SOL'}, 'Liquidation orders, SOL on Bybit'),
        ({'mode': 'liquidation_max_pain', 'range': '24h'}, 'Liquidation max pain, all coins, 24 hours'),
    ],
)
def test_a_chart_is_titled_in_words(query: dict[str, Any], title: str) -> None:
    (parsed,) = parse_run_input(query, now_ms=NOW_MS).queries
    assert chart_title(parsed) == title
    assert parsed.mode not in title


@pytest.mark.parametrize('mode', list(FIXTURES))
def test_every_chart_says_its_source_and_when_its_data_was_fetched(mode: str) -> None:
    data, kwargs = FIXTURES[mode]
    (query,) = parse_run_input(EXAMPLES[Mode(mode)], now_ms=NOW_MS).queries
    source = chart_source(replace(fetched(mode, data, now_ms=NOW_MS, **kwargs), query=query))
    assert source.startswith('Source: CoinGlass API v4, /api/futures/')
    assert '{' not in source
    assert source.endswith(f'Fetched {iso(NOW_MS)}; times in UTC.')
