"""CoinGlass-shaped data shared by test_summaries, test_rows and test_charts, and the kinds' functions by mode.

The expected numbers in test_summaries.py are worked out by hand from these values (see the comments here),
so a change to any of them means re-deriving those expectations. Treat everything here as read-only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from src.kinds import Fetched, ReferencePrice, spec_of, summary_json
from src.modes import ENDPOINTS, Kind, Mode
from src.present import draw_chart
from src.query import INTERVAL, Query


def fetched(
    mode: str,
    data: Any,
    *,
    reference_price: float | None = None,
    reference_price_source: str = 'test close',
    now_ms: int = 1_763_683_200_000,
    interval: str | None = None,
) -> Fetched[Any]:
    """CoinGlass's `data` (a map's inner `data.data`) parsed as the fetch stage hands it to a mode's kind."""
    spec = spec_of(Mode(mode))
    reply = {'data': data} if ENDPOINTS[Mode(mode)].kind is Kind.MAP else data
    reference = None if reference_price is None else ReferencePrice(reference_price, reference_price_source)
    query = Query(Mode(mode), MappingProxyType({} if interval is None else {INTERVAL.name: interval}))
    return Fetched(query, spec.parse(reply), reference=reference, now_ms=now_ms)


def summarize(mode: str, data: Any, **reference: Any) -> dict[str, Any] | None:
    """The summary of a mode's data as its item shows it, through the registry (None for a kind without one)."""
    summary = spec_of(Mode(mode)).summarize
    return None if summary is None else summary_json(summary(fetched(mode, data, **reference)))


def headline(mode: str, data: Any, **reference: Any) -> str:
    """The headline of a mode's data, through the registry."""
    spec = spec_of(Mode(mode))
    assert spec.summarize is not None
    assert spec.headline is not None
    return spec.headline(spec.summarize(fetched(mode, data, **reference)))


def to_rows(mode: str, data: Any, **reference: Any) -> list[dict[str, Any]]:
    """The flat rows of a mode's data, through the registry."""
    return spec_of(Mode(mode)).rows(fetched(mode, data, **reference))


def render_chart(mode: str, data: Any, **reference: Any) -> bytes:
    """The chart PNG of a mode's data and its summary, through the registry."""
    spec = spec_of(Mode(mode))
    parsed_data = fetched(mode, data, **reference)
    summary = None if spec.summarize is None else spec.summarize(parsed_data)
    return draw_chart(spec, parsed_data, summary)


def parsed(mode: str, data: Any) -> Any:
    """What a mode's kind parses CoinGlass's `data` to."""
    return fetched(mode, data).data


# --- maps ------------------------------------------------------------------------------------------------------

# Reference price 100. Below: 80:20, 85:10, 90:1000+500 (two tuples sharing a price), 95:1500, 98:200, 99:300
#   -> long_below 3530. At 100: 400. Above: 101:700, 102.5:250, 105:900, 110:100, 120:50, 125:50 -> 2050.
# Total 3530 + 400 + 2050 = 5980 over 14 tuples.
PAIR_MAP = {
    '80': [[80.0, 20.0, 5, None]],
    '85': [[85.0, 10.0, 5, None]],
    '90': [[90.0, 1000.0, 10, None], [90.0, 500.0, 25, None]],
    '95': [[95.0, 1500.0, 25, None]],
    '98': [[98.0, 200.0, 50, None]],
    '99': [[99.0, 300.0, 100, None]],
    '100': [[100.0, 400.0, 10, None]],
    '101': [[101.0, 700.0, 25, None]],
    '102.5': [[102.5, 250.0, 50, None]],
    '105': [[105.0, 900.0, 10, None]],
    '110': [[110.0, 100.0, 5, None]],
    '120': [[120.0, 50.0, 100, None]],
    '125': [[125.0, 50.0, 5, None]],
}

# Coin map: no leverage. Reference 50000: 49000.5 is 1.999% below, 51000 exactly 2% above, 50000 at the price.
COIN_MAP = {
    '49000.5': [[49000.5, 10.25, None, None]],
    '50000': [[50000.0, 1234.567, None, None]],
    '51000': [[51000.0, 1000.0, None, None]],
}

# --- heatmaps --------------------------------------------------------------------------------------------------

# y:        0    1    2    3    4    5    6
Y_AXIS = [90.0, 95.0, 100.0, 105.0, 110.0, 115.0, 120.0]
CANDLES = [
    [1700000000, 100.0, 101.0, 99.0, 100.0, 1e6],  # x=0
    [1700000300, 100.0, 102.0, 98.0, 101.0, 1e6],  # x=1
    [1700000600, 101.0, 112.0, 94.0, 104.0, 1e6],  # x=2: wide candle, trades 94..112
    [1700000900, 104.0, 106.0, 103.0, 104.0, 1e6],  # x=3: last close 104
]
CELLS = [
    [0, 5, 1000.0],
    [1, 6, 600.0],
    [0, 4, 250.0],
    [2, 4, 150.0],
    [1, 1, 500.0],
    [3, 1, 300.0],
    [1, 0, 400.0],
    [2, 2, 300.0],
    [3, 3, 0.0],  # a zero cell: counted in `cells`, adds nothing
]
HEATMAP = {'y_axis': Y_AXIS, 'liquidation_leverage_data': CELLS, 'price_candlesticks': CANDLES}
# Level totals: y0 400, y1 800, y2 300, y3 0, y4 400, y5 1000, y6 600; total 3500.

# --- histories -------------------------------------------------------------------------------------------------


def as_coin_history(pair_history: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The same rows under the coin endpoint's field names."""
    return [
        {
            'time': r['time'],
            'aggregated_long_liquidation_usd': r['long_liquidation_usd'],
            'aggregated_short_liquidation_usd': r['short_liquidation_usd'],
        }
        for r in pair_history
    ]


PAIR_HISTORY: list[dict[str, Any]] = [
    {'time': 1000, 'long_liquidation_usd': 100.5, 'short_liquidation_usd': 200.25},
    {'time': 2000, 'long_liquidation_usd': 300.0, 'short_liquidation_usd': 50.0},
    {'time': 3000, 'long_liquidation_usd': 0.0, 'short_liquidation_usd': 0.0},
]
COIN_HISTORY = as_coin_history(PAIR_HISTORY)

# --- orders ----------------------------------------------------------------------------------------------------

ORDERS = [  # newest first, as CoinGlass sends them
    {
        'exchange_name': 'BINANCE',
        'symbol': 'BTCUSDT',
        'base_asset': 'BTC',
        'price': 87535.9,
        'usd_value': 205534.29,
        'side': 2,
        'time': 1745216319263,
    },
    {
        'exchange_name': 'BINANCE',
        'symbol': 'BTCUSDT',
        'base_asset': 'BTC',
        'price': 88000.0,
        'usd_value': 50000.0,
        'side': 1,
        'time': 1745216000000,
    },
    {
        'exchange_name': 'BINANCE',
        'symbol': 'BTCUSDT',
        'base_asset': 'BTC',
        'price': 87465.2,
        'usd_value': 15918.67,
        'side': 2,
        'time': 1745215647165,
    },
]

# --- max pain --------------------------------------------------------------------------------------------------

MAX_PAIN = [
    {
        'symbol': 'AAA',
        'price': 100.0,
        'long_max_pain_liq_level': 1.0,
        'long_max_pain_liq_price': 90.0,
        'short_max_pain_liq_level': 2.0,
        'short_max_pain_liq_price': 112.5,
    },
    {
        'symbol': 'ETH',
        'price': 4000.0,
        'long_max_pain_liq_level': 1.0,
        'long_max_pain_liq_price': 3900.0,
        'short_max_pain_liq_level': 2.0,
        'short_max_pain_liq_price': 4100.0,
    },
    # CoinGlass's own example: (113046.71 - 110625.1) / 110625.1 = +2.1890%, (109748.37 - 110625.1) / 110625.1 = -0.7925%
    {
        'symbol': 'BTC',
        'price': 110625.1,
        'long_max_pain_liq_level': 75677278.26,
        'long_max_pain_liq_price': 113046.71,
        'short_max_pain_liq_level': 44617473.19,
        'short_max_pain_liq_price': 109748.37,
    },
]

# --- exchange list ---------------------------------------------------------------------------------------------

EXCHANGES = [
    {'exchange': 'All', 'liquidation_usd': 1000.0, 'long_liquidation_usd': 350.0, 'short_liquidation_usd': 350.0},
    {'exchange': 'Bybit', 'liquidation_usd': 200.0, 'long_liquidation_usd': 150.0, 'short_liquidation_usd': 50.0},
    {'exchange': 'Binance', 'liquidation_usd': 500.0, 'long_liquidation_usd': 200.0, 'short_liquidation_usd': 300.0},
    {'exchange': 'OKX', 'liquidation_usd': 300.0, 'long_liquidation_usd': 0.0, 'short_liquidation_usd': 0.0},
]

# --- coin list -------------------------------------------------------------------------------------------------


def _coin(symbol: str, total: float, long: float, short: float) -> dict[str, object]:
    row: dict[str, object] = {'symbol': symbol}
    for window in ('24h', '12h', '4h', '1h'):
        row[f'liquidation_usd_{window}'] = total
        row[f'long_liquidation_usd_{window}'] = long
        row[f'short_liquidation_usd_{window}'] = short
    return row


COINS = [
    _coin('SOL', 1000.0, 1000.0, 0.0),
    _coin('BTC', 5000.0, 3000.0, 2000.0),
    _coin('ETH', 2500.0, 0.0, 0.0),  # unknown split
    *[_coin(f'X{i}', float(100 - 10 * i), (100 - 10 * i) / 2, (100 - 10 * i) / 2) for i in range(1, 10)],  # 90..10
]
# total 24h = 5000 + 2500 + 1000 + (90 + 80 + ... + 10 = 450) = 8950
