"""The kinds' flat rows (`output: "rows"`), and their agreement with the summaries' totals."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from liquidation_fixtures import (
    COIN_HISTORY,
    COIN_MAP,
    COINS,
    EXCHANGES,
    HEATMAP,
    ORDERS,
    PAIR_HISTORY,
    PAIR_MAP,
    summarize,
    to_rows,
)


def test_map_rows_one_per_tuple_sorted_by_price() -> None:
    rows = to_rows('liquidation_map', PAIR_MAP, reference_price=100.0)
    assert len(rows) == 14
    assert [r['price'] for r in rows][:4] == [80.0, 85.0, 90.0, 90.0]  # the two tuples at 90 stay separate
    assert rows[2] == {'price': 90.0, 'level_usd': 1000.0, 'leverage': 10, 'side': 'long', 'distance_pct': -10.0}
    assert rows[3] == {'price': 90.0, 'level_usd': 500.0, 'leverage': 25, 'side': 'long', 'distance_pct': -10.0}
    at_price = [r for r in rows if r['side'] == 'at_price']
    assert at_price == [{'price': 100.0, 'level_usd': 400.0, 'leverage': 10, 'side': 'at_price', 'distance_pct': 0.0}]
    assert rows[-1] == {'price': 125.0, 'level_usd': 50.0, 'leverage': 5, 'side': 'short', 'distance_pct': 25.0}


def test_map_rows_add_up_to_the_summary() -> None:
    summary = summarize('liquidation_map', PAIR_MAP, reference_price=100.0)
    rows = to_rows('liquidation_map', PAIR_MAP, reference_price=100.0)
    assert summary is not None
    assert sum(r['level_usd'] for r in rows) == summary['total_usd'] == 5980.0
    assert sum(r['level_usd'] for r in rows if r['side'] == 'long') == summary['long_below_usd'] == 3530.0
    assert sum(r['level_usd'] for r in rows if r['side'] == 'short') == summary['short_above_usd'] == 2050.0
    assert sum(r['level_usd'] for r in rows if r['side'] == 'at_price') == summary['at_price_usd'] == 400.0


def test_coin_map_rows_without_reference() -> None:
    rows = to_rows('coin_liquidation_map', COIN_MAP)
    assert rows == [
        {'price': 49000.5, 'level_usd': 10.25, 'leverage': None, 'side': None, 'distance_pct': None},
        {'price': 50000.0, 'level_usd': 1234.567, 'leverage': None, 'side': None, 'distance_pct': None},
        {'price': 51000.0, 'level_usd': 1000.0, 'leverage': None, 'side': None, 'distance_pct': None},
    ]
    summary = summarize('coin_liquidation_map', COIN_MAP)
    assert summary is not None
    assert round(sum(r['level_usd'] for r in rows), 2) == summary['total_usd'] == 2244.82


def test_coin_map_rows_with_reference() -> None:
    rows = to_rows('coin_liquidation_map', COIN_MAP, reference_price=50000.0)
    assert [(r['side'], r['distance_pct']) for r in rows] == [('long', -1.999), ('at_price', 0.0), ('short', 2.0)]


def test_empty_map_rows() -> None:
    assert to_rows('liquidation_map', {}, reference_price=1.0) == []


def test_heatmap_rows_non_zero_cells_in_milliseconds() -> None:
    rows = to_rows('pair_liquidation_heatmap', HEATMAP)
    assert len(rows) == 8  # 9 cells, one of them zero
    assert rows[:3] == [
        {'time': 1700000000000, 'price': 110.0, 'value': 250.0},
        {'time': 1700000000000, 'price': 115.0, 'value': 1000.0},
        {'time': 1700000300000, 'price': 90.0, 'value': 400.0},
    ]
    assert all(r['value'] != 0 for r in rows)
    summary = summarize('pair_liquidation_heatmap', HEATMAP)
    assert summary is not None
    assert sum(r['value'] for r in rows) == summary['total'] == 3500.0


def test_empty_heatmap_rows() -> None:
    assert (
        to_rows('coin_liquidation_heatmap', {'y_axis': [], 'liquidation_leverage_data': [], 'price_candlesticks': []})
        == []
    )


@pytest.mark.parametrize(
    ('mode', 'data'),
    [
        ('pair_liquidation_history', PAIR_HISTORY),
        ('coin_liquidation_history', COIN_HISTORY),
        ('liquidation_orders', ORDERS),
        ('liquidation_exchange_list', EXCHANGES),
        ('liquidation_coin_list', COINS),
        (
            'liquidation_max_pain',
            [{'symbol': 'BTC', 'price': 1.0, 'long_max_pain_liq_price': 0.9, 'short_max_pain_liq_price': 1.1}],
        ),
        (
            'search_symbols',
            [{'exchange': 'Binance', 'instrument_id': 'BTCUSDT', 'base_asset': 'BTC', 'quote_asset': 'USDT'}],
        ),
    ],
)
def test_list_modes_return_rows_unchanged(mode: str, data: list[dict[str, Any]]) -> None:
    rows = to_rows(mode, data)
    assert rows == data
    assert rows is not data  # a new list: callers may append without touching the input


_prices = st.integers(min_value=1, max_value=400).map(lambda p: p * 0.5)
_levels = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
_tuples = st.lists(st.tuples(_prices, _levels, st.sampled_from([None, 5, 10, 100])), max_size=60)


@settings(max_examples=150, deadline=None)
@given(tuples=_tuples, reference=st.integers(min_value=1, max_value=400).map(lambda p: p * 0.5))
def test_map_rows_and_summary_agree(tuples: list[tuple[float, float, int | None]], reference: float) -> None:
    data: dict[str, list[list[object]]] = {}
    for price, level, leverage in tuples:
        data.setdefault(str(price), []).append([price, level, leverage, None])
    summary = summarize('liquidation_map', data, reference_price=reference)
    rows = to_rows('liquidation_map', data, reference_price=reference)
    assert summary is not None
    assert len(rows) == summary['levels'] == len(tuples)
    tolerance = 1e-6 * max(1.0, sum(t[1] for t in tuples)) + 0.01  # sums in a different order, then rounded
    assert sum(r['level_usd'] for r in rows) == pytest.approx(summary['total_usd'], abs=tolerance)
    assert sum(r['level_usd'] for r in rows if r['side'] == 'long') == pytest.approx(
        summary['long_below_usd'], abs=tolerance
    )
    assert sum(r['level_usd'] for r in rows if r['side'] == 'short') == pytest.approx(
        summary['short_above_usd'], abs=tolerance
    )
    assert summary['cumulative_below_usd']['10'] <= summary['long_below_usd'] + 0.01
    assert (
        summary['cumulative_below_usd']['1']
        <= summary['cumulative_below_usd']['2']
        <= summary['cumulative_below_usd']['5']
    )
    assert len(summary['largest_below']) <= 5
    levels = [x['level_usd'] for x in summary['largest_above']]
    assert levels == sorted(levels, reverse=True)
