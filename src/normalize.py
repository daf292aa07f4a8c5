"""Check CoinGlass's `data` and turn the numbers it sends as strings into numbers.

Field names and structure are kept as CoinGlass sends them; nothing is dropped or invented. An answer that
contradicts itself (a heatmap index outside its axes, a map tuple whose price is not its key, a number that
does not parse) raises `BadResponseError`: such a reply is not data.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

from src.errors import BadResponseError

if TYPE_CHECKING:
    from collections.abc import Mapping

TEXT_FIELDS: Final = frozenset(
    {'symbol', 'exchange', 'exchange_name', 'base_asset', 'quote_asset', 'instrument_id', 'pair', 'coin', 'level'}
)
TIME_FIELDS: Final = frozenset({'time', 'expire_time', 'onboard_date'})
_PRICE_TOLERANCE: Final = 1e-9


def number(value: Any, where: str) -> int | float:
    """A finite number: numbers are kept as sent, numeric strings parsed to float.

    Raises:
        BadResponseError: The value is not a finite number.
    """
    if isinstance(value, bool):
        raise _bad(f'{where} is {value!r}, not a number')
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        result = value
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            raise _bad(f'{where} is {value[:40]!r}, not a number') from None
    else:
        raise _bad(f'{where} is {type(value).__name__}, not a number')
    if not math.isfinite(result):
        raise _bad(f'{where} is {value!r}, not a finite number')
    return result


def integer(value: Any, where: str) -> int:
    """A whole number (times, indices) from a number or numeric string."""
    result = number(value, where)
    if result != int(result):
        raise _bad(f'{where} is {value!r}, not a whole number')
    return int(result)


def normalize_map(data: Any) -> dict[str, list[list[Any]]]:
    """The inner `data.data` of a liquidation map: `{"<price>": [[price, level, leverage|None, None], ...]}`."""
    inner = data.get('data') if isinstance(data, dict) else None
    if inner is None and data in (None, {}):
        return {}
    if not isinstance(inner, dict):
        raise _bad('the map is not an object under data.data')
    result: dict[str, list[list[Any]]] = {}
    for key, tuples in inner.items():
        key_price = number(key, f'map key {key!r}')
        if not isinstance(tuples, list):
            raise _bad(f'map level {key!r} is not a list')
        result[key] = [_map_tuple(key, key_price, entry) for entry in tuples]
    return result


def _map_tuple(key: str, key_price: float, entry: Any) -> list[Any]:
    where = f'map level {key!r}'
    if not isinstance(entry, list) or len(entry) < 2:
        raise _bad(f'{where} holds {entry!r}, not [price, level, leverage, ...]')
    price = number(entry[0], f'{where} price')
    if not math.isclose(price, key_price, rel_tol=_PRICE_TOLERANCE, abs_tol=_PRICE_TOLERANCE):
        raise _bad(f'{where} holds price {entry[0]!r}, which is not its key')
    level = number(entry[1], f'{where} level')
    leverage = entry[2] if len(entry) > 2 else None
    if leverage is not None:
        leverage = number(leverage, f'{where} leverage')
    return [price, level, leverage, entry[3] if len(entry) > 3 else None]


def normalize_heatmap(data: Any) -> dict[str, Any]:
    """A heatmap with numeric axes and candles, every cell's indices checked against them."""
    if data in (None, {}):
        return {'y_axis': [], 'liquidation_leverage_data': [], 'price_candlesticks': []}
    if not isinstance(data, dict):
        raise _bad('the heatmap is not an object')
    y_axis = [number(price, f'y_axis[{index}]') for index, price in enumerate(_list(data, 'y_axis'))]
    candles = [_candle(index, candle) for index, candle in enumerate(_list(data, 'price_candlesticks'))]
    cells = [
        _cell(index, cell, len(candles), len(y_axis))
        for index, cell in enumerate(_list(data, 'liquidation_leverage_data'))
    ]
    extra = {
        key: value
        for key, value in data.items()
        if key not in {'y_axis', 'liquidation_leverage_data', 'price_candlesticks'}
    }
    return {'y_axis': y_axis, 'liquidation_leverage_data': cells, 'price_candlesticks': candles, **extra}


def _list(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(f'heatmap {name} is not a list')
    return value


def _candle(index: int, candle: Any) -> list[Any]:
    where = f'price_candlesticks[{index}]'
    if not isinstance(candle, list) or len(candle) < 5:
        raise _bad(f'{where} is not [time, open, high, low, close, volume]')
    return [integer(candle[0], f'{where} time'), *(number(value, where) for value in candle[1:])]


def _cell(index: int, cell: Any, x_size: int, y_size: int) -> list[Any]:
    where = f'liquidation_leverage_data[{index}]'
    if not isinstance(cell, list) or len(cell) != 3:
        raise _bad(f'{where} is not [x_index, y_index, value]')
    x, y = integer(cell[0], f'{where} x'), integer(cell[1], f'{where} y')
    if not (0 <= x < x_size and 0 <= y < y_size):
        raise _bad(f'{where} points at candle {x} and price level {y}, outside {x_size} candles x {y_size} levels')
    return [x, y, number(cell[2], f'{where} value')]


def normalize_rows(data: Any) -> list[Any]:
    """A list of records with numeric strings turned into numbers (text fields such as `symbol` kept)."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise _bad('the answer is not a list')
    return [_record(row) if isinstance(row, dict) else row for row in data]


def _record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _field(key, value) for key, value in row.items()}


def _field(key: str, value: Any) -> Any:
    if key in TEXT_FIELDS or not isinstance(value, str):
        return value
    try:
        parsed = float(value)
    except ValueError:
        return value  # text CoinGlass did not list as such: kept, not invented into a number
    if not math.isfinite(parsed):
        return value
    return int(parsed) if key in TIME_FIELDS else parsed


def _bad(detail: str) -> BadResponseError:
    return BadResponseError(detail, retryable=False)
