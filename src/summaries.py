"""Pure summaries of normalized CoinGlass v4 liquidation data, one small function per mode family.

Every amount is in USD and every distance is a signed percentage of a reference price (negative below it).
Sums are taken on the raw floats and rounded only when a field is written: USD to 2 decimals, percentages to
3 decimals, ratios and shares of 1 to 4 decimals.

Map levels and heatmap values are CoinGlass's *modelled* liquidation intensity, not realized liquidations.

Liquidation order side: CoinGlass's REST docs label ``side`` 1 Buy and 2 Sell, its WebSocket docs call the two
values long and short liquidations. This module reads them one way, consistently: a liquidated position is
closed by the opposite order, so ``side 1`` (a buy order) is a SHORT position liquidated and ``side 2`` (a sell
order) is a LONG position liquidated. :data:`ORDER_SIDE_READING` states this in one sentence.

Heatmap hotspots are price bands built by the rule in :data:`HOTSPOT_BAND_RULE`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

ORDER_SIDE_READING: Final[str] = (
    'CoinGlass order side 1 is a buy order and side 2 a sell order, and a liquidated position is closed by the '
    'opposite order, so side 1 is read as a short position liquidated and side 2 as a long position liquidated.'
)

HOTSPOT_BAND_RULE: Final[str] = (
    'Heatmap values are summed per price level over all candles; the largest level not yet in a band is the peak, '
    'and the band grows one adjacent price level at a time (downwards and upwards) while that level is not in '
    'another band and its summed value is at least 50% of the peak level value; bands are listed by peak value.'
)

MAP_MODES: Final[frozenset[str]] = frozenset({'liquidation_map', 'coin_liquidation_map'})
HEATMAP_MODES: Final[frozenset[str]] = frozenset({'pair_liquidation_heatmap', 'coin_liquidation_heatmap'})
HISTORY_MODES: Final[frozenset[str]] = frozenset({'pair_liquidation_history', 'coin_liquidation_history'})

CUMULATIVE_DISTANCES_PCT: Final[tuple[int, ...]] = (1, 2, 5, 10)
TOP_LEVELS: Final[int] = 5
TOP_HOTSPOTS: Final[int] = 5
TOP_COINS: Final[int] = 10
BAND_MERGE_FRACTION: Final[float] = 0.5

ORDER_SIDE_SHORT_LIQUIDATED: Final[int] = 1
ORDER_SIDE_LONG_LIQUIDATED: Final[int] = 2

UNKNOWN_SPLIT_NOTE: Final[str] = (
    'CoinGlass reported long and short liquidations of 0 while the total is positive for: {names}; '
    'their long_share_pct is null (split unknown), not 0.'
)

_LONG_HISTORY_KEYS: Final[tuple[str, ...]] = ('long_liquidation_usd', 'aggregated_long_liquidation_usd')
_SHORT_HISTORY_KEYS: Final[tuple[str, ...]] = ('short_liquidation_usd', 'aggregated_short_liquidation_usd')


# --- small numeric helpers -------------------------------------------------------------------------------------


def usd(value: float) -> float:
    """Round a USD amount to cents.

    Args:
        value: Amount in USD.

    Returns:
        The amount rounded to 2 decimals.
    """
    return round(float(value), 2)


def pct(value: float) -> float:
    """Round a percentage to 3 decimals.

    Args:
        value: A percentage.

    Returns:
        The percentage rounded to 3 decimals.
    """
    return round(float(value), 3)


def _num(value: float | None) -> float:
    """Read a possibly missing number as a float (None counts as 0)."""
    return 0.0 if value is None else float(value)


def usable_reference(reference_price: float | None) -> float | None:
    """Return the reference price if distances can be measured from it, else None.

    Args:
        reference_price: Candidate reference price.

    Returns:
        The price as a float when it is a positive number, else None.
    """
    if reference_price is None or reference_price <= 0:
        return None
    return float(reference_price)


def distance_pct(price: float, reference: float | None) -> float | None:
    """Signed distance of ``price`` from ``reference`` in percent of ``reference`` (negative below).

    Args:
        price: The price to measure.
        reference: The reference price.

    Returns:
        The distance rounded to 3 decimals, or None when the reference is missing or not positive.
    """
    ref = usable_reference(reference)
    if ref is None:
        return None
    return pct((float(price) - ref) / ref * 100.0)


def side_of(price: float, reference: float | None) -> str | None:
    """Classify a map price level against the reference price.

    Longs liquidate as the price falls, so levels below the reference are ``long``; shorts liquidate as it rises,
    so levels above are ``short``. A level exactly at the reference is ``at_price``.

    Args:
        price: Level price.
        reference: Reference price.

    Returns:
        ``long``, ``short``, ``at_price`` or None when there is no usable reference.
    """
    ref = usable_reference(reference)
    if ref is None:
        return None
    if price < ref:
        return 'long'
    if price > ref:
        return 'short'
    return 'at_price'


def _share_pct(part: float, whole: float) -> float | None:
    """Percentage of ``part`` in ``whole``, None when ``whole`` is 0."""
    return pct(part / whole * 100.0) if whole else None


def _long_share_pct(long_usd: float, short_usd: float) -> float | None:
    """Long share of the long+short split in percent; None (unknown) when both sides are 0."""
    split = long_usd + short_usd
    return pct(long_usd / split * 100.0) if split > 0 else None


def _unknown_split_note(names: Sequence[str]) -> str | None:
    """Explain unknown long/short splits (None when there are none)."""
    return UNKNOWN_SPLIT_NOTE.format(names=', '.join(names)) if names else None


# --- maps ------------------------------------------------------------------------------------------------------


def map_tuples(data: Mapping[str, Sequence[Any]]) -> list[tuple[float, float, Any]]:
    """Flatten a liquidation map into ``(price, level_usd, leverage)`` tuples, sorted by price.

    Args:
        data: ``{"<price>": [[price, level_usd, leverage | None, None], ...]}``.

    Returns:
        One tuple per level tuple in the map.
    """
    out: list[tuple[float, float, Any]] = []
    for levels in data.values():
        for level in levels:
            leverage = level[2] if len(level) > 2 else None
            out.append((float(level[0]), _num(level[1]), leverage))
    out.sort(key=lambda t: t[0])
    return out


def _leverage_key(leverage: float) -> str:
    """Text key for a leverage value (``25`` and ``25.0`` both give ``"25"``)."""
    if isinstance(leverage, float) and leverage.is_integer():
        return str(int(leverage))
    return str(leverage)


def _by_leverage(tuples: Iterable[tuple[float, float, Any]]) -> dict[str, float] | None:
    """USD per leverage, sorted numerically; None when no tuple carries a leverage (coin map)."""
    totals: dict[Any, float] = {}
    unknown = 0.0
    has_unknown = False
    for _price, level_usd, leverage in tuples:
        if leverage is None:
            unknown += level_usd
            has_unknown = True
        else:
            totals[leverage] = totals.get(leverage, 0.0) + level_usd
    if not totals:
        return None
    result = {_leverage_key(lev): usd(total) for lev, total in sorted(totals.items(), key=lambda kv: float(kv[0]))}
    if has_unknown:
        result['unknown'] = usd(unknown)
    return result


def _top_levels(by_price: Mapping[float, float], reference: float) -> list[dict[str, Any]]:
    """Top price levels by USD (ties: nearer the reference first)."""
    ranked = sorted(by_price.items(), key=lambda kv: (-kv[1], abs(kv[0] - reference), kv[0]))
    return [
        {'price': price, 'level_usd': usd(total), 'distance_pct': distance_pct(price, reference)}
        for price, total in ranked[:TOP_LEVELS]
    ]


def _cumulative(by_price: Mapping[float, float], reference: float) -> dict[str, float]:
    """USD within each distance (inclusive) of the reference, for the levels given."""
    out: dict[str, float] = {}
    for limit in CUMULATIVE_DISTANCES_PCT:
        # abs(p - ref) / ref * 100 <= limit, written without the division to keep exact bounds exact.
        total = sum(level for price, level in by_price.items() if abs(price - reference) * 100.0 <= limit * reference)
        out[str(limit)] = usd(total)
    return out


def summarize_map(
    data: Mapping[str, Sequence[Any]],
    reference_price: float | None,
    reference_price_source: str | None,
) -> dict[str, Any]:
    """Summarize a pair or coin liquidation map around a reference price.

    Args:
        data: The normalized map ``{"<price>": [[price, level_usd, leverage | None, None], ...]}``.
        reference_price: Current price the sides and distances are measured from (None: side fields are None).
        reference_price_source: Where the reference price came from, passed through.

    Returns:
        The map summary.
    """
    tuples = map_tuples(data)
    by_price: dict[float, float] = {}
    for price, level_usd, _lev in tuples:
        by_price[price] = by_price.get(price, 0.0) + level_usd
    summary: dict[str, Any] = {
        'reference_price': reference_price,
        'reference_price_source': reference_price_source,
        'levels': len(tuples),
        'total_usd': usd(sum(t[1] for t in tuples)),
        'long_below_usd': None,
        'short_above_usd': None,
        'at_price_usd': None,
        'short_to_long_ratio': None,
        'cumulative_below_usd': None,
        'cumulative_above_usd': None,
        'largest_below': None,
        'largest_above': None,
        'by_leverage': _by_leverage(tuples),
    }
    ref = usable_reference(reference_price)
    if ref is None:
        return summary
    below = {p: v for p, v in by_price.items() if p < ref}
    above = {p: v for p, v in by_price.items() if p > ref}
    long_below = sum(below.values())
    short_above = sum(above.values())
    summary.update(
        {
            'long_below_usd': usd(long_below),
            'short_above_usd': usd(short_above),
            'at_price_usd': usd(by_price.get(ref, 0.0)),
            'short_to_long_ratio': round(short_above / long_below, 4) if long_below else None,
            'cumulative_below_usd': _cumulative(below, ref),
            'cumulative_above_usd': _cumulative(above, ref),
            'largest_below': _top_levels(below, ref),
            'largest_above': _top_levels(above, ref),
        }
    )
    return summary


# --- heatmaps --------------------------------------------------------------------------------------------------


def _build_bands(level_totals: Sequence[float]) -> list[tuple[int, int, int]]:
    """Hotspot bands as ``(low_index, high_index, peak_index)``, by the rule in HOTSPOT_BAND_RULE."""
    order = sorted((y for y, total in enumerate(level_totals) if total > 0), key=lambda y: (-level_totals[y], y))
    used = [False] * len(level_totals)
    bands: list[tuple[int, int, int]] = []
    for peak in order:
        if len(bands) >= TOP_HOTSPOTS:
            break
        if used[peak]:
            continue
        threshold = level_totals[peak] * BAND_MERGE_FRACTION
        low = high = peak
        while low - 1 >= 0 and not used[low - 1] and level_totals[low - 1] > 0 and level_totals[low - 1] >= threshold:
            low -= 1
        while (
            high + 1 < len(level_totals)
            and not used[high + 1]
            and level_totals[high + 1] > 0
            and level_totals[high + 1] >= threshold
        ):
            high += 1
        for y in range(low, high + 1):
            used[y] = True
        bands.append((low, high, peak))
    return bands


def _swept(candles: Sequence[Sequence[Any]], after_x: int, price_low: float, price_high: float) -> bool:
    """Tell whether any candle after index ``after_x`` traded through ``[price_low, price_high]``."""
    return any(float(c[3]) <= price_high and float(c[2]) >= price_low for c in candles[after_x + 1 :])


def summarize_heatmap(data: Mapping[str, Any]) -> dict[str, Any]:
    """Summarize a pair or coin liquidation heatmap.

    Args:
        data: ``{"y_axis": [...], "liquidation_leverage_data": [[x, y, value], ...], "price_candlesticks": [...]}``.

    Returns:
        The heatmap summary, with hotspot bands (see HOTSPOT_BAND_RULE).
    """
    y_axis: Sequence[float] = data.get('y_axis') or []
    cells: Sequence[Sequence[Any]] = data.get('liquidation_leverage_data') or []
    candles: Sequence[Sequence[Any]] = data.get('price_candlesticks') or []
    last_close = float(candles[-1][4]) if candles else None

    level_totals = [0.0] * len(y_axis)
    first_x: dict[int, int] = {}
    total = 0.0
    for x, y, value in cells:
        total += value
        level_totals[y] += value
        if value > 0 and (y not in first_x or x < first_x[y]):
            first_x[y] = x

    above = below = None
    if last_close is not None:
        above = below = 0.0
        for y, level_total in enumerate(level_totals):
            if y_axis[y] > last_close:
                above += level_total
            elif y_axis[y] < last_close:
                below += level_total

    hotspots: list[dict[str, Any]] = []
    for low, high, peak in _build_bands(level_totals):
        price_low, price_high = float(y_axis[low]), float(y_axis[high])
        earliest_x = min(first_x[y] for y in range(low, high + 1) if y in first_x)
        hotspots.append(
            {
                'price_low': price_low,
                'price_high': price_high,
                'peak_price': float(y_axis[peak]),
                'total': usd(sum(level_totals[low : high + 1])),
                'distance_pct': distance_pct(y_axis[peak], last_close),
                'swept': _swept(candles, earliest_x, price_low, price_high),
            }
        )
    return {
        'last_close': last_close,
        'candles': len(candles),
        'price_levels': len(y_axis),
        'cells': len(cells),
        'total': usd(total),
        'above_usd': None if above is None else usd(above),
        'below_usd': None if below is None else usd(below),
        'hotspots': hotspots,
    }


# --- histories -------------------------------------------------------------------------------------------------


def _first_present(row: Mapping[str, Any], keys: Sequence[str]) -> float:
    """Read the value of the first key present in ``row`` (0 when none is)."""
    for key in keys:
        if key in row:
            return _num(row[key])
    return 0.0


def history_sides(row: Mapping[str, Any]) -> tuple[float, float]:
    """``(long_usd, short_usd)`` of a pair or coin (aggregated) history row.

    Args:
        row: A history row with either field naming.

    Returns:
        Long and short liquidations in USD.
    """
    return _first_present(row, _LONG_HISTORY_KEYS), _first_present(row, _SHORT_HISTORY_KEYS)


def summarize_history(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Summarize a pair or coin liquidation history.

    Args:
        rows: History rows, pair (``long_liquidation_usd``) or coin (``aggregated_long_liquidation_usd``) naming.

    Returns:
        The history summary.
    """
    long_total = short_total = 0.0
    largest: dict[str, Any] | None = None
    largest_total = -1.0
    for row in rows:
        long_usd, short_usd = history_sides(row)
        long_total += long_usd
        short_total += short_usd
        if long_usd + short_usd > largest_total:
            largest_total = long_usd + short_usd
            largest = {
                'time': row.get('time'),
                'long_usd': usd(long_usd),
                'short_usd': usd(short_usd),
                'total_usd': usd(largest_total),
            }
    times = [row['time'] for row in rows if row.get('time') is not None]
    grand_total = long_total + short_total
    return {
        'intervals': len(rows),
        'first_time': min(times) if times else None,
        'last_time': max(times) if times else None,
        'long_usd': usd(long_total),
        'short_usd': usd(short_total),
        'total_usd': usd(grand_total),
        'net_long_minus_short_usd': usd(long_total - short_total),
        'long_share': round(long_total / grand_total, 4) if grand_total else None,
        'largest_interval': largest,
    }


# --- orders ----------------------------------------------------------------------------------------------------


def order_position_side(side: object) -> str | None:
    """Which position an order liquidated, by ORDER_SIDE_READING.

    Args:
        side: The raw ``side`` value (1 or 2).

    Returns:
        ``short`` for side 1 (buy), ``long`` for side 2 (sell), None for anything else.
    """
    if side == ORDER_SIDE_SHORT_LIQUIDATED:
        return 'short'
    if side == ORDER_SIDE_LONG_LIQUIDATED:
        return 'long'
    return None


def summarize_orders(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Summarize liquidation orders.

    Args:
        rows: Order rows (``side`` read by ORDER_SIDE_READING).

    Returns:
        The orders summary.
    """
    sums = {'long': 0.0, 'short': 0.0}
    counts = {'long': 0, 'short': 0}
    total = 0.0
    largest: Mapping[str, Any] | None = None
    for row in rows:
        value = _num(row.get('usd_value'))
        total += value
        position = order_position_side(row.get('side'))
        if position is not None:
            sums[position] += value
            counts[position] += 1
        if largest is None or value > _num(largest.get('usd_value')):
            largest = row
    times = [row['time'] for row in rows if row.get('time') is not None]
    return {
        'count': len(rows),
        'total_usd': usd(total),
        'long_liquidated_usd': usd(sums['long']),
        'short_liquidated_usd': usd(sums['short']),
        'long_liquidated_count': counts['long'],
        'short_liquidated_count': counts['short'],
        'largest_order': None if largest is None else dict(largest),
        'side_reading': ORDER_SIDE_READING,
        'first_time': min(times) if times else None,
        'last_time': max(times) if times else None,
    }


# --- max pain --------------------------------------------------------------------------------------------------


def summarize_max_pain(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Distances from each coin's price to its long and short max-pain liquidation prices.

    Args:
        rows: Max-pain rows.

    Returns:
        ``{"rows": [...]}`` with signed distances in percent of the coin's price.
    """
    out = []
    for row in rows:
        price = row.get('price')
        long_price = row.get('long_max_pain_liq_price')
        short_price = row.get('short_max_pain_liq_price')
        out.append(
            {
                'symbol': row.get('symbol'),
                'price': price,
                'long_max_pain_price': long_price,
                'long_distance_pct': None if long_price is None or price is None else distance_pct(long_price, price),
                'short_max_pain_price': short_price,
                'short_distance_pct': None
                if short_price is None or price is None
                else distance_pct(short_price, price),
            }
        )
    return {'rows': out}


# --- exchange and coin lists -----------------------------------------------------------------------------------


def _is_all_row(row: Mapping[str, Any]) -> bool:
    """Tell whether a row is the exchange list's total row (exchange ``All``)."""
    return str(row.get('exchange', '')).strip().lower() == 'all'


def _shares(
    rows: Sequence[Mapping[str, Any]], total: float, *, name: str, suffix: str
) -> tuple[list[dict[str, Any]], str | None]:
    """Each row's share of `total` and its long share (unknown when CoinGlass reports a zero split).

    Args:
        rows: Rows in the order to report them.
        total: The whole the shares are of.
        name: The field naming a row (`exchange`, `symbol`).
        suffix: The suffix of the amount fields (`''` for `liquidation_usd`, `'_24h'` for `liquidation_usd_24h`).

    Returns:
        The share records and the note naming rows whose split is unknown (None when there are none).
    """
    unknown: list[str] = []
    shares = []
    for row in rows:
        value = _num(row.get(f'liquidation_usd{suffix}'))
        long_usd = _num(row.get(f'long_liquidation_usd{suffix}'))
        short_usd = _num(row.get(f'short_liquidation_usd{suffix}'))
        if value > 0 and long_usd + short_usd <= 0:
            unknown.append(str(row.get(name)))
        shares.append(
            {
                name: row.get(name),
                f'liquidation_usd{suffix}': usd(value),
                'share_pct': _share_pct(value, total),
                'long_share_pct': _long_share_pct(long_usd, short_usd),
            }
        )
    return shares, _unknown_split_note(unknown)


def summarize_exchange_list(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per-exchange shares of the total liquidations.

    Args:
        rows: Exchange-list rows; the ``All`` row, when present, is the total.

    Returns:
        The exchange-list summary.
    """
    all_rows = [row for row in rows if _is_all_row(row)]
    exchanges = [row for row in rows if not _is_all_row(row)]
    total = (
        _num(all_rows[0].get('liquidation_usd')) if all_rows else sum(_num(r.get('liquidation_usd')) for r in exchanges)
    )
    ranked = sorted(exchanges, key=lambda r: -_num(r.get('liquidation_usd')))
    shares, note = _shares(ranked, total, name='exchange', suffix='')
    return {'total_usd': usd(total), 'exchanges': shares, 'note': note}


def summarize_coin_list(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Top coins by 24h liquidations and their shares.

    Args:
        rows: Coin-list rows.

    Returns:
        The coin-list summary (top coins by ``liquidation_usd_24h``).
    """
    total = sum(_num(row.get('liquidation_usd_24h')) for row in rows)
    ranked = sorted(rows, key=lambda r: -_num(r.get('liquidation_usd_24h')))[:TOP_COINS]
    coins, note = _shares(ranked, total, name='symbol', suffix='_24h')
    return {'total_usd_24h': usd(total), 'coins': coins, 'note': note}


# --- dispatch --------------------------------------------------------------------------------------------------


def _no_summary(_data: object, _ref: float | None, _source: str | None) -> None:
    """Modes without a summary (search results)."""


_SUMMARIZERS: Final[dict[str, Callable[[Any, float | None, str | None], dict[str, Any] | None]]] = {
    'liquidation_map': summarize_map,
    'coin_liquidation_map': summarize_map,
    'pair_liquidation_heatmap': lambda data, _ref, _src: summarize_heatmap(data),
    'coin_liquidation_heatmap': lambda data, _ref, _src: summarize_heatmap(data),
    'pair_liquidation_history': lambda data, _ref, _src: summarize_history(data),
    'coin_liquidation_history': lambda data, _ref, _src: summarize_history(data),
    'liquidation_orders': lambda data, _ref, _src: summarize_orders(data),
    'liquidation_max_pain': lambda data, _ref, _src: summarize_max_pain(data),
    'liquidation_exchange_list': lambda data, _ref, _src: summarize_exchange_list(data),
    'liquidation_coin_list': lambda data, _ref, _src: summarize_coin_list(data),
    'search_symbols': _no_summary,
}

KNOWN_MODES: Final[frozenset[str]] = frozenset(_SUMMARIZERS)


def summarize(
    mode: str,
    data: Any,
    *,
    reference_price: float | None = None,
    reference_price_source: str | None = None,
) -> dict[str, Any] | None:
    """Summarize one mode's normalized data.

    Args:
        mode: One of the Actor's modes.
        data: The normalized data of that mode.
        reference_price: Current price for the liquidation maps (ignored by other modes).
        reference_price_source: Where ``reference_price`` came from, e.g. ``Binance BTCUSDT 1m close``.

    Returns:
        The summary dict, or None for ``search_symbols`` and when ``data`` is None.

    Raises:
        ValueError: For an unknown mode.
    """
    try:
        summarizer = _SUMMARIZERS[mode]
    except KeyError:
        raise ValueError(f'Unknown mode {mode!r}') from None
    if data is None:
        return None
    return summarizer(data, reference_price, reference_price_source)
