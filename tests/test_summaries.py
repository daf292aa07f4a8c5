"""Hand-computed checks of the kinds' summaries: every expected number below is worked out in the comments, here
and next to the data in liquidation_fixtures.py."""

from __future__ import annotations

import copy

import pytest
from liquidation_fixtures import (
    COIN_HISTORY,
    COIN_MAP,
    COINS,
    EXCHANGES,
    HEATMAP,
    MAX_PAIN,
    ORDERS,
    PAIR_HISTORY,
    PAIR_MAP,
    headline,
    parsed,
    summarize,
)

from src.kinds.heatmaps import HOTSPOT_BAND_RULE
from src.kinds.orders import ORDER_SIDE_READING

# --- maps ------------------------------------------------------------------------------------------------------


def test_pair_map_sides_totals_and_ratio() -> None:
    s = summarize('liquidation_map', PAIR_MAP, reference_price=100.0, reference_price_source='Binance BTCUSDT 1m close')
    assert s is not None
    assert s['reference_price'] == 100.0
    assert s['reference_price_source'] == 'Binance BTCUSDT 1m close'
    assert s['levels'] == 14
    assert s['total_usd'] == 5980.0
    assert s['long_below_usd'] == 3530.0
    assert s['short_above_usd'] == 2050.0
    assert s['at_price_usd'] == 400.0  # the level exactly at the price is on neither side
    assert s['long_below_usd'] + s['short_above_usd'] + s['at_price_usd'] == s['total_usd']
    assert s['short_to_long_ratio'] == 0.5807  # 2050 / 3530 = 0.580736...


def test_pair_map_cumulative_bounds_are_inclusive() -> None:
    s = summarize('liquidation_map', PAIR_MAP, reference_price=100.0)
    assert s is not None
    # below: 99 is exactly 1% -> 300; 2%: +98 -> 500; 5%: +95 -> 2000; 10%: +90 (1500) -> 3500 (85, 80 are further)
    assert s['cumulative_below_usd'] == {'1': 300.0, '2': 500.0, '5': 2000.0, '10': 3500.0}
    # above: 101 exactly 1% -> 700; 102.5 is 2.5% so 2% is still 700; 5%: +250 +900 -> 1850; 10%: +100 -> 1950
    assert s['cumulative_above_usd'] == {'1': 700.0, '2': 700.0, '5': 1850.0, '10': 1950.0}
    assert list(s['cumulative_below_usd']) == ['1', '2', '5', '10']


def test_pair_map_largest_levels_sum_shared_prices_and_break_ties_by_distance() -> None:
    s = summarize('liquidation_map', PAIR_MAP, reference_price=100.0)
    assert s is not None
    # 90 (1000 + 500 summed) ties 95 at 1500: 95 is nearer, so first. 85 (10) is 6th and dropped.
    assert s['largest_below'] == [
        {'price': 95.0, 'level_usd': 1500.0, 'distance_pct': -5.0},
        {'price': 90.0, 'level_usd': 1500.0, 'distance_pct': -10.0},
        {'price': 99.0, 'level_usd': 300.0, 'distance_pct': -1.0},
        {'price': 98.0, 'level_usd': 200.0, 'distance_pct': -2.0},
        {'price': 80.0, 'level_usd': 20.0, 'distance_pct': -20.0},
    ]
    # 120 and 125 tie at 50 for 5th place: the nearer 120 stays, 125 is dropped.
    assert s['largest_above'] == [
        {'price': 105.0, 'level_usd': 900.0, 'distance_pct': 5.0},
        {'price': 101.0, 'level_usd': 700.0, 'distance_pct': 1.0},
        {'price': 102.5, 'level_usd': 250.0, 'distance_pct': 2.5},
        {'price': 110.0, 'level_usd': 100.0, 'distance_pct': 10.0},
        {'price': 120.0, 'level_usd': 50.0, 'distance_pct': 20.0},
    ]


def test_pair_map_by_leverage_sorted_numerically() -> None:
    s = summarize('liquidation_map', PAIR_MAP, reference_price=100.0)
    assert s is not None
    # 5: 20+10+100+50 = 180; 10: 1000+400+900 = 2300; 25: 500+1500+700 = 2700; 50: 200+250; 100: 300+50
    assert s['by_leverage'] == {'5': 180.0, '10': 2300.0, '25': 2700.0, '50': 450.0, '100': 350.0}
    assert list(s['by_leverage']) == ['5', '10', '25', '50', '100']  # not string order ('10', '100', '25', ...)
    assert sum(s['by_leverage'].values()) == s['total_usd']


def test_coin_map_without_leverage_and_exact_bounds() -> None:
    s = summarize('coin_liquidation_map', COIN_MAP, reference_price=50000.0, reference_price_source='src')
    assert s is not None
    assert s['by_leverage'] is None
    assert s['levels'] == 3
    assert s['total_usd'] == 2244.82  # 10.25 + 1234.567 + 1000 = 2244.817
    assert s['long_below_usd'] == 10.25
    assert s['short_above_usd'] == 1000.0
    assert s['at_price_usd'] == 1234.57
    assert s['short_to_long_ratio'] == 97.561  # 1000 / 10.25 = 97.5609...
    assert s['cumulative_below_usd'] == {'1': 0.0, '2': 10.25, '5': 10.25, '10': 10.25}
    assert s['cumulative_above_usd'] == {'1': 0.0, '2': 1000.0, '5': 1000.0, '10': 1000.0}  # 51000 is exactly 2%
    assert s['largest_below'] == [{'price': 49000.5, 'level_usd': 10.25, 'distance_pct': -1.999}]
    assert s['largest_above'] == [{'price': 51000.0, 'level_usd': 1000.0, 'distance_pct': 2.0}]


def test_map_without_reference_price_keeps_totals_only() -> None:
    s = summarize('coin_liquidation_map', COIN_MAP)
    assert s is not None
    assert s['levels'] == 3
    assert s['total_usd'] == 2244.82
    for field in (
        'long_below_usd',
        'short_above_usd',
        'at_price_usd',
        'short_to_long_ratio',
        'cumulative_below_usd',
        'cumulative_above_usd',
        'largest_below',
        'largest_above',
        'reference_price',
        'reference_price_source',
    ):
        assert s[field] is None, field
    # by_leverage does not depend on the price
    pair = summarize('liquidation_map', PAIR_MAP)
    assert pair is not None
    assert pair['by_leverage'] == {'5': 180.0, '10': 2300.0, '25': 2700.0, '50': 450.0, '100': 350.0}


def test_empty_map() -> None:
    s = summarize('liquidation_map', {}, reference_price=100.0, reference_price_source='x')
    assert s == {
        'reference_price': 100.0,
        'reference_price_source': 'x',
        'levels': 0,
        'total_usd': 0.0,
        'long_below_usd': 0.0,
        'short_above_usd': 0.0,
        'at_price_usd': 0.0,
        'short_to_long_ratio': None,
        'cumulative_below_usd': {'1': 0.0, '2': 0.0, '5': 0.0, '10': 0.0},
        'cumulative_above_usd': {'1': 0.0, '2': 0.0, '5': 0.0, '10': 0.0},
        'largest_below': [],
        'largest_above': [],
        'by_leverage': None,
    }


def test_map_summary_does_not_mutate_input() -> None:
    before = copy.deepcopy(PAIR_MAP)
    summarize('liquidation_map', PAIR_MAP, reference_price=100.0)
    assert before == PAIR_MAP


# --- heatmaps --------------------------------------------------------------------------------------------------


def test_heatmap_totals_and_sides() -> None:
    s = summarize('pair_liquidation_heatmap', HEATMAP)
    assert s is not None
    assert s['last_close'] == 104.0
    assert s['candles'] == 4
    assert s['price_levels'] == 7
    assert s['cells'] == 9
    assert s['total'] == 3500.0
    assert s['above_usd'] == 2000.0  # 105: 0, 110: 400, 115: 1000, 120: 600
    assert s['below_usd'] == 1500.0  # 90: 400, 95: 800, 100: 300


def test_heatmap_hotspot_bands_merge_sweep_and_order() -> None:
    s = summarize('coin_liquidation_heatmap', HEATMAP)
    assert s is not None
    assert s['hotspots'] == [
        # peak y5 (1000): y6 600 >= 500 merges, y4 400 < 500 does not. Earliest cell x=0; later candles reach
        # at most 112 < 115, so not swept. (115 - 104) / 104 = 10.5769%
        {
            'price_low': 115.0,
            'price_high': 120.0,
            'peak_price': 115.0,
            'total': 1600.0,
            'distance_pct': 10.577,
            'swept': False,
        },
        # peak y1 (800): y0 400 is exactly 50% and merges (inclusive), y2 300 does not. Earliest x=1; candle x=2
        # trades down to 94, inside [90, 95] -> swept. (95 - 104) / 104 = -8.6538%
        {
            'price_low': 90.0,
            'price_high': 95.0,
            'peak_price': 95.0,
            'total': 1200.0,
            'distance_pct': -8.654,
            'swept': True,
        },
        # next largest unused: y4 (400; y0 ties but is taken). y3 is empty and y5 is used: a one-level band.
        # Earliest x=0; candle x=2 (94..112) crosses 110 -> swept.
        {
            'price_low': 110.0,
            'price_high': 110.0,
            'peak_price': 110.0,
            'total': 400.0,
            'distance_pct': 5.769,
            'swept': True,
        },
        # y2 (300): neighbours used or empty. Earliest x=2; only candle x=3 (103..106) comes later -> not swept.
        {
            'price_low': 100.0,
            'price_high': 100.0,
            'peak_price': 100.0,
            'total': 300.0,
            'distance_pct': -3.846,
            'swept': False,
        },
    ]


def test_heatmap_candle_at_the_band_cell_itself_does_not_sweep() -> None:
    # One band at 110 whose only cell is on the last-but-one candle; that candle itself trades through 110,
    # but only LATER candles count.
    data = {
        'y_axis': [100.0, 110.0],
        'liquidation_leverage_data': [[0, 1, 5.0]],
        'price_candlesticks': [[1, 100.0, 111.0, 99.0, 100.0, 0.0], [2, 100.0, 101.0, 99.0, 100.0, 0.0]],
    }
    s = summarize('pair_liquidation_heatmap', data)
    assert s is not None
    assert s['hotspots'] == [
        {
            'price_low': 110.0,
            'price_high': 110.0,
            'peak_price': 110.0,
            'total': 5.0,
            'distance_pct': 10.0,
            'swept': False,
        }
    ]


def test_heatmap_keeps_at_most_five_bands() -> None:
    # ten isolated levels (every other y empty) -> ten one-level candidates, five kept, largest first
    y_axis = [float(100 + i) for i in range(20)]
    cells = [[0, 2 * i, float(10 + i)] for i in range(10)]
    data = {'y_axis': y_axis, 'liquidation_leverage_data': cells, 'price_candlesticks': [[0, 100, 100, 100, 100.0, 0]]}
    s = summarize('pair_liquidation_heatmap', data)
    assert s is not None
    assert [band['peak_price'] for band in s['hotspots']] == [118.0, 116.0, 114.0, 112.0, 110.0]
    assert [band['total'] for band in s['hotspots']] == [19.0, 18.0, 17.0, 16.0, 15.0]


def test_empty_heatmap() -> None:
    s = summarize('pair_liquidation_heatmap', {'y_axis': [], 'liquidation_leverage_data': [], 'price_candlesticks': []})
    assert s == {
        'last_close': None,
        'candles': 0,
        'price_levels': 0,
        'cells': 0,
        'total': 0.0,
        'above_usd': None,
        'below_usd': None,
        'hotspots': [],
    }


def test_big_heatmap() -> None:
    # ~1y of 12h candles x 200 levels with ~50k cells
    y_axis = [float(40000 + 100 * i) for i in range(200)]
    candles = [[1700000000 + 43200 * x, 50000.0, 50500.0, 49500.0, 50000.0, 1.0] for x in range(730)]
    cells = [[x, y, float((x * 7 + y * 13) % 97 + 1)] for x in range(730) for y in range(0, 200, 3)]
    assert len(cells) > 48000
    s = summarize(
        'pair_liquidation_heatmap',
        {'y_axis': y_axis, 'liquidation_leverage_data': cells, 'price_candlesticks': candles},
    )
    assert s is not None
    assert s['cells'] == len(cells)
    assert len(s['hotspots']) == 5


def test_hotspot_bands_grow_while_a_neighbour_holds_half_the_peak() -> None:
    """HOTSPOT_BAND_RULE on six levels summed to 10, 50, 100, 49, 5, 80: 50 joins the peak 100, 49 does not."""
    totals = [10.0, 50.0, 100.0, 49.0, 5.0, 80.0]
    y_axis = [float(1000 + 10 * y) for y in range(len(totals))]
    heatmap = {
        'y_axis': y_axis,
        'liquidation_leverage_data': [[0, y, value] for y, value in enumerate(totals)],
        'price_candlesticks': [[1_700_000_000, 1000.0, 1001.0, 999.0, 1000.0, 1.0]],
    }
    s = summarize('pair_liquidation_heatmap', heatmap)
    assert s is not None
    bands = [(band['price_low'], band['price_high'], band['peak_price'], band['total']) for band in s['hotspots']]
    assert bands == [
        (1010.0, 1020.0, 1020.0, 150.0),  # the peak and the neighbour at exactly half of it
        (1050.0, 1050.0, 1050.0, 80.0),  # 5 below it is not half of 80
        (1030.0, 1030.0, 1030.0, 49.0),  # just under half of 100: a band of its own
        (1000.0, 1000.0, 1000.0, 10.0),
        (1040.0, 1040.0, 1040.0, 5.0),
    ]
    assert 'at least 50%' in HOTSPOT_BAND_RULE


# --- histories -------------------------------------------------------------------------------------------------

HISTORY_SUMMARY = {
    'intervals': 3,
    'first_time': 1000,
    'last_time': 3000,
    'long_usd': 400.5,
    'short_usd': 250.25,
    'total_usd': 650.75,
    'net_long_minus_short_usd': 150.25,
    'long_share': 0.6154,  # 400.5 / 650.75 = 0.61544...
    'largest_interval': {'time': 2000, 'long_usd': 300.0, 'short_usd': 50.0, 'total_usd': 350.0},  # 350 > 300.75
    'last_interval_open': False,
    'missing_figures': 0,
}


def test_pair_history() -> None:
    assert summarize('pair_liquidation_history', PAIR_HISTORY) == HISTORY_SUMMARY


def test_coin_history_field_names() -> None:
    assert summarize('coin_liquidation_history', COIN_HISTORY) == HISTORY_SUMMARY


def test_empty_history() -> None:
    assert summarize('pair_liquidation_history', []) == {
        'intervals': 0,
        'first_time': None,
        'last_time': None,
        'long_usd': 0.0,
        'short_usd': 0.0,
        'total_usd': 0.0,
        'net_long_minus_short_usd': 0.0,
        'long_share': None,
        'largest_interval': None,
        'last_interval_open': False,
        'missing_figures': 0,
    }


def test_the_newest_interval_is_marked_open_until_it_closes() -> None:
    day = 86_400_000
    rows = [{'time': 10 * day, 'long_liquidation_usd': 1.0, 'short_liquidation_usd': 2.0}]
    for now, is_open in ((10 * day, True), (11 * day - 1, True), (11 * day, False)):
        s = summarize('pair_liquidation_history', rows, now_ms=now, interval='1d')
        assert s is not None
        assert s['last_interval_open'] is is_open, now
    hourly = summarize('pair_liquidation_history', rows, now_ms=10 * day + 3_600_000, interval='1h')
    assert hourly is not None
    assert hourly['last_interval_open'] is False  # an hour after the last 1h interval opened


def test_missing_figures_stay_missing_and_are_counted() -> None:
    rows = [
        {'time': 1000, 'long_liquidation_usd': None, 'short_liquidation_usd': '7.5'},
        {'time': 2000, 'long_liquidation_usd': 2.0},  # short absent
    ]
    s = summarize('pair_liquidation_history', rows)
    assert s is not None
    assert (s['long_usd'], s['short_usd'], s['missing_figures']) == (2.0, 7.5, 2)
    assert parsed('pair_liquidation_history', rows).rows[0]['long_liquidation_usd'] is None  # null, never 0


def test_history_all_zero_has_no_long_share() -> None:
    s = summarize('pair_liquidation_history', [PAIR_HISTORY[2]])
    assert s is not None
    assert s['long_share'] is None
    assert s['largest_interval'] == {'time': 3000, 'long_usd': 0.0, 'short_usd': 0.0, 'total_usd': 0.0}


# --- orders ----------------------------------------------------------------------------------------------------


def test_orders_by_side_reading() -> None:
    s = summarize('liquidation_orders', ORDERS)
    assert s == {
        'count': 3,
        'total_usd': 271452.96,
        'long_liquidated_usd': 221452.96,  # side 2 (sell) closes longs: 205534.29 + 15918.67
        'short_liquidated_usd': 50000.0,  # side 1 (buy) closes shorts
        'long_liquidated_count': 2,
        'short_liquidated_count': 1,
        'largest_order': ORDERS[0],
        'side_reading': ORDER_SIDE_READING,
        'first_time': 1745215647165,
        'last_time': 1745216319263,
        'missing_figures': 0,
    }


def test_an_order_without_a_usd_value_counts_as_nothing_and_is_said() -> None:
    rows = [
        {'exchange_name': 'BINANCE', 'symbol': 'BTCUSDT', 'price': 95000, 'usd_value': None, 'side': 2, 'time': 2},
        {'exchange_name': 'BINANCE', 'symbol': 'BTCUSDT', 'price': 95100, 'usd_value': 20000, 'side': 1, 'time': 1},
    ]
    s = summarize('liquidation_orders', rows)
    assert s is not None
    assert (s['count'], s['total_usd'], s['missing_figures']) == (2, 20000.0, 1)
    assert s['largest_order']['usd_value'] == 20000
    assert '(1 order without a USD value)' in headline('liquidation_orders', rows)


def test_order_sides_are_read_as_the_position_liquidated() -> None:
    """ORDER_SIDE_READING: side 1 (a buy order) closed a short position, side 2 (a sell order) a long one."""
    rows = [
        {'exchange_name': 'BINANCE', 'symbol': 'BTCUSDT', 'price': 95000, 'usd_value': 100, 'side': 1, 'time': 2},
        {'exchange_name': 'BINANCE', 'symbol': 'BTCUSDT', 'price': 94000, 'usd_value': 300, 'side': 2, 'time': 1},
    ]
    s = summarize('liquidation_orders', rows)
    assert s is not None
    assert (s['short_liquidated_usd'], s['short_liquidated_count']) == (100.0, 1)
    assert (s['long_liquidated_usd'], s['long_liquidated_count']) == (300.0, 1)
    assert s['side_reading'] == ORDER_SIDE_READING
    assert 'largest $300, a long at 94,000' in headline('liquidation_orders', rows)


def test_empty_orders() -> None:
    s = summarize('liquidation_orders', [])
    assert s is not None
    assert (s['count'], s['total_usd'], s['largest_order'], s['first_time'], s['last_time']) == (
        0,
        0.0,
        None,
        None,
        None,
    )


# --- max pain --------------------------------------------------------------------------------------------------


def test_max_pain_distances() -> None:
    btc = {
        'symbol': 'BTC',
        'price': 110625.1,
        'long_max_pain_price': 113046.71,
        'long_distance_pct': 2.189,
        'short_max_pain_price': 109748.37,
        'short_distance_pct': -0.793,
    }
    aaa = {
        'symbol': 'AAA',
        'price': 100.0,
        'long_max_pain_price': 90.0,
        'long_distance_pct': -10.0,
        'short_max_pain_price': 112.5,
        'short_distance_pct': 12.5,
    }
    eth = {
        'symbol': 'ETH',
        'price': 4000.0,
        'long_max_pain_price': 3900.0,
        'long_distance_pct': -2.5,
        'short_max_pain_price': 4100.0,
        'short_distance_pct': 2.5,
    }
    # by long + short max-pain level: BTC 120294751.45, then AAA and ETH (3.0 each) in CoinGlass's order
    assert summarize('liquidation_max_pain', MAX_PAIN) == {'coins': 3, 'rows': [btc, aaa, eth]}


def test_max_pain_summary_keeps_the_coins_with_the_most_at_stake() -> None:
    rows = [
        {'symbol': f'C{index}', 'price': 1.0, 'long_max_pain_liq_level': float(index), 'short_max_pain_liq_level': 1.0}
        for index in range(40)
    ]
    s = summarize('liquidation_max_pain', rows)
    assert s is not None
    assert s['coins'] == 40
    assert [row['symbol'] for row in s['rows']] == [f'C{index}' for index in range(39, 14, -1)]  # the 25 largest


def test_max_pain_missing_price_gives_no_distance() -> None:
    s = summarize(
        'liquidation_max_pain',
        [{'symbol': 'X', 'price': None, 'long_max_pain_liq_price': 1.0, 'short_max_pain_liq_price': 2.0}],
    )
    assert s is not None
    assert s['rows'][0]['long_distance_pct'] is None
    assert s['rows'][0]['short_distance_pct'] is None


# --- exchange list ---------------------------------------------------------------------------------------------


def test_exchange_list_shares_and_unknown_split() -> None:
    s = summarize('liquidation_exchange_list', EXCHANGES)
    assert s is not None
    assert s['total_usd'] == 1000.0
    assert s['exchanges'] == [
        {'exchange': 'Binance', 'liquidation_usd': 500.0, 'share_pct': 50.0, 'long_share_pct': 40.0},
        {'exchange': 'OKX', 'liquidation_usd': 300.0, 'share_pct': 30.0, 'long_share_pct': None},  # unknown, not 0
        {'exchange': 'Bybit', 'liquidation_usd': 200.0, 'share_pct': 20.0, 'long_share_pct': 75.0},
    ]
    assert s['note'] is not None
    assert 'OKX' in s['note']
    assert 'Binance' not in s['note']


@pytest.mark.parametrize('all_row_total', [0.0, 2000.0, None], ids=['all-row-zero', 'all-row-double', 'all-row-null'])
def test_an_all_row_that_contradicts_the_exchanges_gives_way_to_their_sum(all_row_total: float | None) -> None:
    rows = [{**EXCHANGES[0], 'liquidation_usd': all_row_total}, *EXCHANGES[1:]]
    s = summarize('liquidation_exchange_list', rows)
    assert s is not None
    assert s['total_usd'] == 1000.0  # 500 + 300 + 200
    assert [e['share_pct'] for e in s['exchanges']] == [50.0, 30.0, 20.0]
    shown = 'no total' if all_row_total is None else f'${all_row_total:,.2f}'
    assert f"CoinGlass's All row says {shown} while the exchanges add up to $1,000.00" in s['note']


def test_an_agreeing_all_row_leaves_no_note_about_the_total() -> None:
    s = summarize('liquidation_exchange_list', [{**EXCHANGES[0], 'liquidation_usd': 1000.4}, *EXCHANGES[1:]])
    assert s is not None
    assert 'All row' not in (s['note'] or '')


def test_a_row_total_that_contradicts_its_long_and_short_gives_way_to_them() -> None:
    rows = [
        {'exchange': 'Binance', 'liquidation_usd': 0.0, 'long_liquidation_usd': 200.0, 'short_liquidation_usd': 300.0},
        {'exchange': 'OKX', 'liquidation_usd': 100.0, 'longLiquidation_usd': 60.0, 'shortLiquidation_usd': 40.0},
    ]
    s = summarize('liquidation_exchange_list', rows)
    assert s is not None
    assert s['total_usd'] == 600.0
    assert s['exchanges'][0] == {
        'exchange': 'Binance',
        'liquidation_usd': 500.0,
        'share_pct': 83.333,
        'long_share_pct': 40.0,
    }
    assert 'Binance ($0.00 against long + short $500.00)' in s['note']
    assert 'OKX' not in s['note']


def test_exchange_list_without_all_row_sums_and_has_no_note() -> None:
    rows = [
        EXCHANGES[1],
        EXCHANGES[2],
        {'exchange': 'Gate', 'liquidation_usd': 0.0, 'long_liquidation_usd': 0.0, 'short_liquidation_usd': 0.0},
    ]
    s = summarize('liquidation_exchange_list', rows)
    assert s is not None
    assert s['total_usd'] == 700.0
    assert s['exchanges'] == [
        {'exchange': 'Binance', 'liquidation_usd': 500.0, 'share_pct': 71.429, 'long_share_pct': 40.0},  # 500/700
        {'exchange': 'Bybit', 'liquidation_usd': 200.0, 'share_pct': 28.571, 'long_share_pct': 75.0},
        {'exchange': 'Gate', 'liquidation_usd': 0.0, 'share_pct': 0.0, 'long_share_pct': None},
    ]
    assert s['note'] is None  # Gate has no total, so nothing is unknown


def test_empty_exchange_list() -> None:
    assert summarize('liquidation_exchange_list', []) == {'total_usd': 0.0, 'exchanges': [], 'note': None}


# --- coin list -------------------------------------------------------------------------------------------------


def test_coin_list_top_ten_shares() -> None:
    s = summarize('liquidation_coin_list', COINS)
    assert s is not None
    assert s['total_usd_24h'] == 8950.0
    coins = s['coins']
    assert len(coins) == 10
    assert [c['symbol'] for c in coins] == ['BTC', 'ETH', 'SOL', 'X1', 'X2', 'X3', 'X4', 'X5', 'X6', 'X7']
    assert coins[0] == {'symbol': 'BTC', 'liquidation_usd_24h': 5000.0, 'share_pct': 55.866, 'long_share_pct': 60.0}
    assert coins[1] == {'symbol': 'ETH', 'liquidation_usd_24h': 2500.0, 'share_pct': 27.933, 'long_share_pct': None}
    assert coins[2] == {'symbol': 'SOL', 'liquidation_usd_24h': 1000.0, 'share_pct': 11.173, 'long_share_pct': 100.0}
    assert coins[3] == {'symbol': 'X1', 'liquidation_usd_24h': 90.0, 'share_pct': 1.006, 'long_share_pct': 50.0}
    assert coins[9]['share_pct'] == 0.335  # 30 / 8950 = 0.3352%
    assert s['note'] is not None
    assert 'ETH' in s['note']


def test_empty_coin_list() -> None:
    assert summarize('liquidation_coin_list', []) == {'total_usd_24h': 0.0, 'coins': [], 'note': None}


# --- kinds without a summary ------------------------------------------------------------------------------------


def test_search_symbols_has_no_summary() -> None:
    assert summarize('search_symbols', [{'exchange': 'Binance', 'instrument_id': 'BTCUSDT'}]) is None
