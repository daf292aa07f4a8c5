"""Liquidation maps (pair and coin): levels by price, read against the latest price of the pair.

Data: `{"<price>": [[price, level_usd, leverage | None, None], ...]}`, CoinGlass's documented `data.data`. Levels
are CoinGlass's *modelled* liquidation intensity (where leveraged positions would be liquidated), in USD. Maps
carry no price, so the fetch stage adds the latest 1-minute close of the pair (for a coin, its Binance USDT pair):
levels below it are longs (they liquidate as the price falls), levels above it shorts.

A capture of the coin map made through a third-party proxy shows another shape, unconfirmed without a proxy-free
capture: `data.data` a list of per-exchange blocks `{"liqMapV2": {"<price>": [tuple, ...]}, "instrument": {...}}`
beside a `last_price`. It is read too: the blocks' levels are merged into the documented shape.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Final

from pydantic import AliasChoices, Field, TypeAdapter, ValidationError

from src.kinds.base import (
    Derivation,
    DerivedFrom,
    Fetched,
    KindSpec,
    ReferencePrice,
    Retrieval,
    Row,
    default_subject,
    first,
)
from src.kinds.contracts import DEFERRED, Amount, Record, bad, from_validation, padded, validate
from src.kinds.figures import (
    distance_pct,
    format_exact_price,
    format_pct,
    format_usd,
    plural,
    ratio,
    side_of,
    usable_reference,
    usd,
)
from src.times import iso

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from matplotlib.figure import Figure

    from src.kinds.heatmaps import HeatmapData

MapData = dict[str, list[list[Any]]]

CUMULATIVE_DISTANCES_PCT: Final = (1, 2, 5, 10)
TOP_LEVELS: Final = 5
TUPLE_LENGTH: Final = 4
MS_PER_SECOND: Final = 1000
_PRICE_TOLERANCE: Final = 1e-9


MapTuple = Annotated[tuple[Amount, Amount, Amount, Any], padded(TUPLE_LENGTH)]
"""`[price, level_usd, leverage | None, extra]`: price and level in USD, leverage as a multiple."""
_LEVELS: Final = TypeAdapter(dict[str, list[MapTuple]], config=DEFERRED)


class ExchangeBlock(Record):
    """One exchange's part of the proxy-captured coin map: its levels, and its instrument (kept, not read)."""

    levels: dict[str, list[MapTuple]] = Field(validation_alias=AliasChoices('liqMapV2', 'data'))


def parse(data: Any) -> MapData:
    """A map reply, documented or per-exchange, as `{"<price>": [[price, level, leverage, extra], ...]}`.

    Raises:
        BadResponseError: The reply is neither shape, a value is not a number, or a tuple's price is not its key.
    """
    if data is None or data == {}:
        return {}
    inner = data.get('data') if isinstance(data, dict) else data
    if inner is None:
        return {}
    if isinstance(inner, list):
        merged: MapData = {}
        for index, block in enumerate(inner):
            for key, tuples in _checked(validate(ExchangeBlock, block, f'data.data[{index}]').levels).items():
                merged.setdefault(key, []).extend(tuples)
        return merged
    if not isinstance(inner, dict):
        raise bad('data.data', inner, 'not an object of price levels')
    try:
        levels = _LEVELS.validate_python(inner)
    except ValidationError as error:
        raise from_validation(error, 'data.data') from None
    return _checked(levels)


def _checked(levels: dict[str, list[tuple[Any, ...]]]) -> MapData:
    """The levels as lists, each tuple's price checked against its key."""
    out: MapData = {}
    for key, tuples in levels.items():
        try:
            key_price = float(key)
        except ValueError:
            raise bad('data.data key', key, 'not a price') from None
        for index, (price, level, leverage, extra) in enumerate(tuples):
            if price is None or not math.isclose(price, key_price, rel_tol=_PRICE_TOLERANCE, abs_tol=_PRICE_TOLERANCE):
                raise bad(f'data.data.{key}[{index}][0]', price, f'not the price of its key {key}')
            out.setdefault(key, []).append([price, level, leverage, extra])
    return out


def from_heatmap(heatmap: HeatmapData, source: DerivedFrom) -> Derivation[MapData]:
    """The levels by price standing at a heatmap's latest time, as a map: `{"<price>": [[price, level, None, None]]}`.

    The latest time is the heatmap's last candle; its column's non-zero cells are the levels (CoinGlass's modelled
    intensity, USD), each at its `y_axis` price. The heatmap has no leverage dimension, so leverage is None, never
    invented. The last candle's close is the reference price the sides are read from.
    """
    if not heatmap.candles:
        time = None
        levels: MapData = {}
    else:
        last = len(heatmap.candles) - 1
        time = heatmap.candles[last][0] * MS_PER_SECOND
        column = sorted((heatmap.prices[y], value) for x, y, value in heatmap.cells if x == last and value)
        levels = {}
        for price, value in column:
            levels.setdefault(_price_key(price), []).append([price, value, None, None])
    source = dataclasses.replace(source, time=time)
    what = f"CoinGlass's {source.range} liquidation heatmap ({source.model})"
    when = f'the levels standing at {iso(time)}' if time is not None else 'which has no candle'
    note = f'Derived from {what}, {when}; CoinGlass v4 has no {source.range} map, so leverage is not given.'
    empty = None if levels else f'the latest column of {what}{"" if time is None else f" ({iso(time)})"} has no levels'
    close = heatmap.candles[-1][4] if heatmap.candles else None
    reference = ReferencePrice(float(close), f'{what} last candle close') if close else None
    return Derivation(levels, source, note, empty, reference)


def _price_key(price: float) -> str:
    """A price as a map key, written as CoinGlass writes them: `95000`, `95000.5`, `0.00001` (never `1e-05`)."""
    if float(price).is_integer():
        return str(int(price))
    return format(Decimal(repr(float(price))), 'f')


def map_tuples(data: Mapping[str, Sequence[Any]]) -> list[tuple[float, float, Any]]:
    """`(price, level_usd, leverage)` of every tuple in the map, by price."""
    out = [
        (float(level[0]), float(level[1] or 0.0), level[2] if len(level) > 2 else None)
        for levels in data.values()
        for level in levels
    ]
    out.sort(key=lambda entry: entry[0])
    return out


def _by_price(tuples: Iterable[tuple[float, float, Any]]) -> dict[float, float]:
    """USD per price, tuples sharing a price summed."""
    totals: dict[float, float] = {}
    for price, level_usd, _leverage in tuples:
        totals[price] = totals.get(price, 0.0) + level_usd
    return totals


def _leverage_key(leverage: float) -> str:
    """`25` for 25 and 25.0."""
    if isinstance(leverage, float) and leverage.is_integer():
        return str(int(leverage))
    return str(leverage)


def _by_leverage(tuples: Iterable[tuple[float, float, Any]]) -> dict[str, float | None] | None:
    """USD per leverage, sorted numerically, plus `unknown` for tuples without one; None for a coin map (none has)."""
    totals: dict[Any, float] = {}
    unknown: float | None = None
    for _price, level_usd, leverage in tuples:
        if leverage is None:
            unknown = (unknown or 0.0) + level_usd
        else:
            totals[leverage] = totals.get(leverage, 0.0) + level_usd
    if not totals:
        return None
    result = {_leverage_key(lev): usd(total) for lev, total in sorted(totals.items(), key=lambda kv: float(kv[0]))}
    if unknown is not None:
        result['unknown'] = usd(unknown)
    return result


@dataclass(frozen=True)
class Level:
    """One price level of a map: its price and level (USD), and its signed distance from the reference (%)."""

    price: float
    level_usd: float | None
    distance_pct: float | None


@dataclass(frozen=True)
class MapSummary:
    """A map's figures; the side fields (`long_below_usd` ... `largest_above`) are None without a reference price.

    Attributes:
        reference_price: The price the sides are measured from (USD): a 1-minute close, see the source.
        reference_price_source: Where the reference price came from (`Binance BTCUSDT last 1m close`).
        levels: How many level tuples the map has: one per price and leverage, so a price held at three leverages
            counts three (the message's `price levels` counts prices).
        total_usd: All levels together (USD).
        long_below_usd: The levels below the reference price: long positions, liquidated as the price falls.
        short_above_usd: The levels above it: short positions.
        at_price_usd: The level at exactly the reference price.
        short_to_long_ratio: `short_above_usd / long_below_usd`.
        cumulative_below_usd: The long levels within 1, 2, 5 and 10 % below the price, keyed `"1"` ... `"10"`.
        cumulative_above_usd: The short levels within 1, 2, 5 and 10 % above it.
        largest_below: The largest long levels, largest first.
        largest_above: The largest short levels, largest first.
        by_leverage: USD per leverage (`"25"`, and `"unknown"`), None for a map without leverage (a coin map).
    """

    reference_price: float | None
    reference_price_source: str | None
    levels: int
    total_usd: float | None
    long_below_usd: float | None = None
    short_above_usd: float | None = None
    at_price_usd: float | None = None
    short_to_long_ratio: float | None = None
    cumulative_below_usd: dict[str, float | None] | None = None
    cumulative_above_usd: dict[str, float | None] | None = None
    largest_below: list[Level] | None = None
    largest_above: list[Level] | None = None
    by_leverage: dict[str, float | None] | None = None


def _top_levels(by_price: Mapping[float, float], reference: float) -> list[Level]:
    """The TOP_LEVELS largest price levels (ties: nearer the reference first)."""
    ranked = sorted(by_price.items(), key=lambda kv: (-kv[1], abs(kv[0] - reference), kv[0]))
    return [Level(price, usd(total), distance_pct(price, reference)) for price, total in ranked[:TOP_LEVELS]]


def _cumulative(by_price: Mapping[float, float], reference: float) -> dict[str, float | None]:
    """USD within each of CUMULATIVE_DISTANCES_PCT (inclusive) of the reference, keyed `"1"`, `"2"`, ..."""
    out: dict[str, float | None] = {}
    for limit in CUMULATIVE_DISTANCES_PCT:
        # abs(p - ref) / ref * 100 <= limit, written without the division to keep exact bounds exact.
        total = sum(level for price, level in by_price.items() if abs(price - reference) * 100.0 <= limit * reference)
        out[str(limit)] = usd(total)
    return out


def _within_below(pct: int) -> Callable[[MapSummary], float | None]:
    return lambda summary: (summary.cumulative_below_usd or {}).get(str(pct))


def _within_above(pct: int) -> Callable[[MapSummary], float | None]:
    return lambda summary: (summary.cumulative_above_usd or {}).get(str(pct))


def summarize(fetched: Fetched[MapData]) -> MapSummary:
    """Totals, the long side below the reference price and the short side above it, clusters and leverage.

    Without a reference price only `levels`, `total_usd` and `by_leverage` are filled; the side fields are None.
    """
    reference = fetched.reference
    tuples = map_tuples(fetched.data)
    by_price = _by_price(tuples)
    levels, total, leverage = len(tuples), usd(sum(entry[1] for entry in tuples)), _by_leverage(tuples)
    ref = usable_reference(reference.price if reference else None)
    if reference is None or ref is None:
        price = reference.price if reference else None
        source = reference.source if reference else None
        return MapSummary(price, source, levels, total, by_leverage=leverage)
    below = {price: level for price, level in by_price.items() if price < ref}
    above = {price: level for price, level in by_price.items() if price > ref}
    long_below, short_above = sum(below.values()), sum(above.values())
    return MapSummary(
        reference_price=reference.price,
        reference_price_source=reference.source,
        levels=levels,
        total_usd=total,
        long_below_usd=usd(long_below),
        short_above_usd=usd(short_above),
        at_price_usd=usd(by_price.get(ref, 0.0)),
        short_to_long_ratio=ratio(short_above, long_below),
        cumulative_below_usd=_cumulative(below, ref),
        cumulative_above_usd=_cumulative(above, ref),
        largest_below=_top_levels(below, ref),
        largest_above=_top_levels(above, ref),
        by_leverage=leverage,
    )


def headline(summary: MapSummary) -> str:
    """`$81.4M of long liquidations below 95,000 and $126M of shorts above; biggest clusters ...`."""
    if summary.long_below_usd is None or summary.reference_price is None:
        return f'{format_usd(summary.total_usd or 0.0)} in all; no reference price, so no sides.'
    below, above = summary.largest_below or [], summary.largest_above or []
    text = (
        f'{format_usd(summary.long_below_usd)} of long liquidation levels below '
        f'{format_exact_price(summary.reference_price)} and {format_usd(summary.short_above_usd or 0.0)} '
        'of shorts above'
    )
    clusters = [
        f'{format_usd(level.level_usd or 0.0)} at {format_exact_price(level.price)} ({format_pct(level.distance_pct)})'
        for level in (*below[:1], *above[:1])
    ]
    return f'{text}; biggest clusters {" and ".join(clusters)}.' if clusters else f'{text}.'


def rows(fetched: Fetched[MapData]) -> list[Row]:
    """One record per level tuple, by price: `price`, `level_usd`, `leverage`, `side`, `distance_pct`.

    `side` is `long` below the reference price, `short` above it, `at_price` at it; None (as is `distance_pct`)
    without a reference price.
    """
    ref = usable_reference(fetched.reference.price if fetched.reference else None)
    return [
        {
            'price': price,
            'level_usd': level_usd,
            'leverage': leverage,
            'side': side_of(price, ref),
            'distance_pct': distance_pct(price, ref),
        }
        for price, level_usd, leverage in map_tuples(fetched.data)
    ]


def draw(fig: Figure, fetched: Fetched[MapData], _summary: MapSummary) -> str | None:
    """Bars of levels by price, coloured by side, with cumulative lines from the reference price."""
    import numpy as np  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for

    from src import charts  # noqa: PLC0415

    by_price = _by_price(map_tuples(fetched.data))
    prices = np.fromiter(by_price.keys(), dtype=np.float64)
    levels = np.fromiter(by_price.values(), dtype=np.float64)
    if prices.size == 0:
        return 'No data'
    reference = fetched.reference
    ref = usable_reference(reference.price) if reference else None
    low, high = float(prices.min()), float(prices.max())
    if ref is not None:
        low, high = min(low, ref), max(high, ref)
    span = high - low or max(abs(high), 1.0) * 0.01
    edges = charts.price_bin_edges(low, high, ref) if prices.size > charts.MAX_PRICE_BARS else None

    ax = fig.add_subplot()
    top = ax
    if ref is None:
        everything = np.ones(prices.size, dtype=bool)
        charts.price_bars(
            ax, prices, levels, everything, edges=edges, style=(charts.NEUTRAL_COLOUR, 'Liquidation level')
        )
        subtitle = f'No reference price, so no sides. Bars: {charts.MODELLED_NOTE}'
    else:
        for mask, colour, label in (
            (prices < ref, charts.LONG_COLOUR, 'Long liquidation levels (below price)'),
            (prices > ref, charts.SHORT_COLOUR, 'Short liquidation levels (above price)'),
            (prices == ref, charts.UNKNOWN_COLOUR, 'Level at the reference price'),
        ):
            charts.price_bars(ax, prices, levels, mask, edges=edges, style=(colour, label))
        top = charts.cumulative_from_reference(ax, prices, levels, ref)
        subtitle = f'Reference price: {reference.source if reference else "given"}. Bars: {charts.MODELLED_NOTE}'
    if edges is not None:
        subtitle += f' (levels summed into {edges.size - 1} price bins)'
    pad = max(span * 0.02, charts.level_bar_width(prices) if edges is None else 0.0)
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.4 or 1.0)  # headroom at the top for the legend and the price label
    ax.xaxis.set_major_formatter(charts.PRICE_FORMATTER)
    ax.yaxis.set_major_formatter(charts.USD_FORMATTER)
    ax.set_xlabel('Liquidation price (USD)')
    ax.set_ylabel('Liquidation level (USD)')
    ax.grid(axis='y', alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if top is not ax:
        handles2, labels2 = top.get_legend_handles_labels()
        handles, labels = handles + handles2, labels + labels2
    # On the top-most axes, so the cumulative lines never cross the legend box.
    top.legend(handles, labels, loc='upper left', fontsize=9, framealpha=0.95)
    ax.set_title(subtitle, **charts.SUBTITLE_STYLE)
    return None


SPEC: Final = KindSpec[MapData, MapSummary](
    retrieval=Retrieval.ONE_CALL,
    parse=parse,
    full_data=lambda data: data,
    is_empty=lambda data: not data,
    size=lambda data: plural(len(data), 'price level'),
    subject=default_subject,
    summarize=summarize,
    headline=headline,
    rows=rows,
    draw=draw,
    needs_reference_price=True,
    derive=from_heatmap,
    figures={
        'reference_price': lambda s: s.reference_price,
        'levels': lambda s: s.levels,
        'total_usd': lambda s: s.total_usd,
        'long_below_usd': lambda s: s.long_below_usd,
        'short_above_usd': lambda s: s.short_above_usd,
        'at_price_usd': lambda s: s.at_price_usd,
        'short_to_long_ratio': lambda s: s.short_to_long_ratio,
        **{f'cumulative_below_usd.{pct}': _within_below(pct) for pct in CUMULATIVE_DISTANCES_PCT},
        **{f'cumulative_above_usd.{pct}': _within_above(pct) for pct in CUMULATIVE_DISTANCES_PCT},
        'largest_below.0.level_usd': lambda s: first(s.largest_below, lambda level: level.level_usd),
        'largest_below.0.distance_pct': lambda s: first(s.largest_below, lambda level: level.distance_pct),
        'largest_above.0.level_usd': lambda s: first(s.largest_above, lambda level: level.level_usd),
        'largest_above.0.distance_pct': lambda s: first(s.largest_above, lambda level: level.distance_pct),
    },
)
