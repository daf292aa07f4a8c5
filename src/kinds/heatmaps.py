"""Liquidation heatmaps (pair and coin, models 1-3): modelled liquidation intensity over time and price.

Data: `{"y_axis": [price, ...], "liquidation_leverage_data": [[x, y, value], ...], "price_candlesticks":
[[time_s, open, high, low, close, volume_usd], ...], "update_time": ms}`. A cell's `x` indexes the candles and `y`
the price axis; candle times are epoch **seconds**, as CoinGlass sends them, and candle prices arrive as strings.
Values are CoinGlass's modelled intensity in USD, not realized liquidations. `update_time` (epoch ms, when
CoinGlass computed the heatmap) is undocumented but sent live; it and any other field are kept.

Hotspots are price bands built by the rule in HOTSPOT_BAND_RULE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Final

from pydantic import model_validator

from src.kinds.base import Fetched, KindSpec, Retrieval, Row, default_subject, first
from src.kinds.contracts import Amount, EpochS, Record, bad, padded, spelled, validate
from src.kinds.figures import distance_pct, format_exact_price, format_pct, format_usd, plural, usd

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.figure import Figure

SPELLINGS: Final = {
    'y_axis': ('y_axis', 'y'),
    'liquidation_leverage_data': ('liquidation_leverage_data', 'liq'),
    'price_candlesticks': ('price_candlesticks', 'prices'),
}
AXES: Final = frozenset(name for names in SPELLINGS.values() for name in names)
CANDLE_LENGTH: Final = 6
Candle = Annotated[tuple[EpochS, Amount, Amount, Amount, Amount, Amount], padded(CANDLE_LENGTH)]
"""`[time_s, open, high, low, close, volume_usd]`; a candle without its volume reads as one with `None`."""


class HeatmapReply(Record):
    """A heatmap reply: the price axis, the sparse cells, the candles, and whatever else CoinGlass sends.

    Each axis is also read under the short name CoinGlass's v3 docs give it (`y`, `liq`, `prices`), which users
    report from model2 over 180d and 1y.
    """

    y_axis: list[Amount] | None = spelled(*SPELLINGS['y_axis'])
    liquidation_leverage_data: list[tuple[int, int, Amount]] | None = spelled(*SPELLINGS['liquidation_leverage_data'])
    price_candlesticks: list[Candle] | None = spelled(*SPELLINGS['price_candlesticks'])

    @model_validator(mode='after')
    def _cells_inside_the_axes(self) -> HeatmapReply:
        prices, candles = len(self.y_axis or ()), len(self.price_candlesticks or ())
        for index, (x, y, _value) in enumerate(self.liquidation_leverage_data or ()):
            if not (0 <= x < candles and 0 <= y < prices):
                where = f'data.liquidation_leverage_data[{index}]'
                raise bad(where, [x, y], f'points outside {candles} candles x {prices} price levels')
        for index, price in enumerate(self.y_axis or ()):
            if price is None:
                raise bad(f'data.y_axis[{index}]', price, 'a price level without a price')
        return self


Number = int | float | None
Candles = list[tuple[int, Number, Number, Number, Number, Number]]


@dataclass(frozen=True)
class HeatmapData:
    """A heatmap as its contract reads it.

    Attributes:
        prices: The price axis (USD), `y_axis`.
        cells: `[x, y, value]`: candle index, price index, modelled intensity (USD; None when CoinGlass sent none).
        candles: `[time_s, open, high, low, close, volume_usd]`, `price_candlesticks`.
        extra: The fields we do not read (`update_time`, ...), as sent.
    """

    prices: list[int | float]
    cells: list[tuple[int, int, int | float | None]]
    candles: Candles
    extra: dict[str, Any]


def parse(data: Any) -> HeatmapData:
    """A heatmap reply by the `HeatmapReply` contract, typed, with the unknown fields kept.

    Raises:
        BadResponseError: A value is not a number, a cell points outside the axes, or the reply is not an object.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise bad('data', data, 'not an object')
    reply = validate(HeatmapReply, data, 'data')
    return HeatmapData(
        prices=[price for price in reply.y_axis or [] if price is not None],
        cells=list(reply.liquidation_leverage_data or []),
        candles=list(reply.price_candlesticks or []),
        extra={key: value for key, value in data.items() if key not in AXES},
    )


def full_data(heatmap: HeatmapData) -> dict[str, Any]:
    """The heatmap in CoinGlass's shape and names, values typed."""
    return {
        'y_axis': list(heatmap.prices),
        'liquidation_leverage_data': [list(cell) for cell in heatmap.cells],
        'price_candlesticks': [list(candle) for candle in heatmap.candles],
        **heatmap.extra,
    }


HOTSPOT_BAND_RULE: Final = (
    'Heatmap values are summed per price level over all candles; the largest level not yet in a band is the peak, '
    'and the band grows one adjacent price level at a time (downwards and upwards) while that level is not in '
    'another band and its summed value is at least 50% of the peak level value; bands are listed by peak value.'
)
TOP_HOTSPOTS: Final = 5
BAND_MERGE_FRACTION: Final = 0.5
MS_PER_SECOND: Final = 1000


def _build_bands(level_totals: Sequence[float]) -> list[tuple[int, int, int]]:
    """Hotspot bands as `(low_index, high_index, peak_index)`, by HOTSPOT_BAND_RULE."""
    order = sorted((y for y, total in enumerate(level_totals) if total > 0), key=lambda y: (-level_totals[y], y))
    used = [False] * len(level_totals)
    bands: list[tuple[int, int, int]] = []

    def joins(y: int, threshold: float) -> bool:
        return 0 <= y < len(level_totals) and not used[y] and level_totals[y] > 0 and level_totals[y] >= threshold

    for peak in order:
        if len(bands) >= TOP_HOTSPOTS:
            break
        if used[peak]:
            continue
        threshold = level_totals[peak] * BAND_MERGE_FRACTION
        low = high = peak
        while joins(low - 1, threshold):
            low -= 1
        while joins(high + 1, threshold):
            high += 1
        for y in range(low, high + 1):
            used[y] = True
        bands.append((low, high, peak))
    return bands


def _swept(candles: Candles, after_x: int, price_low: float, price_high: float) -> bool:
    """Whether a candle after index `after_x` traded through `[price_low, price_high]`."""
    return any(
        low is not None and high is not None and low <= price_high and high >= price_low
        for _time, _open, high, low, _close, _volume in candles[after_x + 1 :]
    )


@dataclass(frozen=True)
class Hotspot:
    """A band of adjacent price levels where the intensity concentrates (HOTSPOT_BAND_RULE).

    Attributes:
        price_low: The band's lowest price level (USD).
        price_high: Its highest (USD).
        peak_price: The level with the most intensity (USD).
        total: The band's intensity over all candles (USD).
        distance_pct: The peak's signed distance from the last close (% of it).
        swept: Whether a candle after the band's first non-zero cell traded through its price range.
    """

    price_low: float
    price_high: float
    peak_price: float
    total: float | None
    distance_pct: float | None
    swept: bool


@dataclass(frozen=True)
class HeatmapSummary:
    """A heatmap's sizes, its intensity above and below the last close (USD), and its hotspot bands, largest first."""

    last_close: float | None
    candles: int
    price_levels: int
    cells: int
    total: float | None
    above_usd: float | None
    below_usd: float | None
    hotspots: list[Hotspot]


def _level_totals(data: HeatmapData) -> tuple[list[float], dict[int, int], float]:
    """Each price level's intensity over all candles, the first candle where each level was non-zero, the total."""
    level_totals = [0.0] * len(data.prices)
    first_x: dict[int, int] = {}
    total = 0.0
    for x, y, value in data.cells:
        if value is None:
            continue
        total += value
        level_totals[y] += value
        if value > 0 and (y not in first_x or x < first_x[y]):
            first_x[y] = x
    return level_totals, first_x, total


def summarize(fetched: Fetched[HeatmapData]) -> HeatmapSummary:
    """Sizes, the intensity above and below the last close, and the hotspot bands (HOTSPOT_BAND_RULE).

    A band is `swept` when a candle after the band's first non-zero cell traded through its price range.
    """
    data = fetched.data
    prices = data.prices
    last_close = next((float(candle[4]) for candle in reversed(data.candles) if candle[4] is not None), None)
    level_totals, first_x, total = _level_totals(data)
    above = below = None
    if last_close is not None:
        above = sum(level for price, level in zip(prices, level_totals, strict=True) if price > last_close)
        below = sum(level for price, level in zip(prices, level_totals, strict=True) if price < last_close)
    hotspots = []
    for low, high, peak in _build_bands(level_totals):
        earliest_x = min(first_x[y] for y in range(low, high + 1) if y in first_x)
        price_low, price_high = float(prices[low]), float(prices[high])
        hotspots.append(
            Hotspot(
                price_low=price_low,
                price_high=price_high,
                peak_price=float(prices[peak]),
                total=usd(sum(level_totals[low : high + 1])),
                distance_pct=distance_pct(prices[peak], last_close),
                swept=_swept(data.candles, earliest_x, price_low, price_high),
            )
        )
    return HeatmapSummary(
        last_close=last_close,
        candles=len(data.candles),
        price_levels=len(prices),
        cells=len(data.cells),
        total=usd(total),
        above_usd=None if above is None else usd(above),
        below_usd=None if below is None else usd(below),
        hotspots=hotspots,
    )


def headline(summary: HeatmapSummary) -> str:
    """`Last close 95,000; top hotspot $7.44B at 99,869-104,834 (+5.33%, not swept); $26.8B above, $27.5B below.`."""
    if summary.last_close is None:
        return f'{plural(summary.cells, "cell")}, no candles.'
    text = f'Last close {format_exact_price(summary.last_close)}'
    if summary.hotspots:
        top = summary.hotspots[0]
        swept = 'swept' if top.swept else 'not swept'
        text += (
            f'; top hotspot {format_usd(top.total or 0.0)} at {format_exact_price(top.price_low)}-'
            f'{format_exact_price(top.price_high)} ({format_pct(top.distance_pct)}, {swept})'
        )
    above, below = format_usd(summary.above_usd or 0.0), format_usd(summary.below_usd or 0.0)
    return f'{text}; {above} of modelled intensity above, {below} below.'


def rows(fetched: Fetched[HeatmapData]) -> list[Row]:
    """One record per non-zero cell, by time then price: `time` (candle open, epoch ms), `price`, `value`."""
    data = fetched.data
    return [
        {'time': int(data.candles[x][0]) * MS_PER_SECOND, 'price': data.prices[y], 'value': value}
        for x, y, value in sorted(data.cells, key=lambda cell: (cell[0], cell[1]))
        if value
    ]


def draw(fig: Figure, fetched: Fetched[HeatmapData], summary: HeatmapSummary) -> str | None:
    """The time-by-price intensity image with the close price over it and the top three hotspots marked."""
    import numpy as np  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for
    from matplotlib import colormaps  # noqa: PLC0415
    from matplotlib import colors as mcolors  # noqa: PLC0415
    from matplotlib.ticker import LogLocator, NullFormatter  # noqa: PLC0415

    from src import charts  # noqa: PLC0415

    data = fetched.data
    y_axis = np.asarray(data.prices, dtype=np.float64)
    candles, cells = data.candles, data.cells
    if y_axis.size == 0 or not candles:
        return 'No data'
    times = charts.epoch_dates([candle[0] for candle in candles], 's')
    rows, columns = charts.bins(y_axis.size, charts.MAX_GRID_ROWS), charts.bins(len(candles), charts.MAX_GRID_COLUMNS)
    grid = np.zeros((int(rows[-1]) + 1, int(columns[-1]) + 1), dtype=np.float64)  # neighbours summed past the bound
    if cells:
        arr = np.asarray([cell for cell in cells if cell[2] is not None], dtype=np.float64).reshape(-1, 3)
        np.add.at(grid, (rows[arr[:, 1].astype(np.intp)], columns[arr[:, 0].astype(np.intp)]), arr[:, 2])
    ax = fig.add_subplot()
    norm = charts.intensity_norm(grid)
    cmap = colormaps['viridis'].with_extremes(bad=charts.HEATMAP_BACKGROUND)
    x, y = charts.bin_means(times, columns), charts.bin_means(y_axis, rows)
    mesh = ax.pcolormesh(x, y, np.ma.masked_less_equal(grid, 0), shading='nearest', cmap=cmap, norm=norm)
    ax.set_facecolor(charts.HEATMAP_BACKGROUND)
    colorbar = fig.colorbar(mesh, ax=ax, pad=0.01)
    colorbar.set_label('Modelled liquidation intensity (USD, clipped scale)')
    colorbar.ax.yaxis.set_major_formatter(charts.USD_FORMATTER)
    if isinstance(norm, mcolors.LogNorm):
        colorbar.ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    colorbar.ax.yaxis.set_minor_formatter(NullFormatter())
    closes = [np.nan if candle[4] is None else float(candle[4]) for candle in candles]
    ax.plot(times, closes, color='white', lw=1.4, label='Close price')
    charts.mark_prices(ax, [band.peak_price for band in summary.hotspots[:3]], 'Top hotspot bands (peak price)')
    charts.utc_date_axis(ax)
    ax.yaxis.set_major_formatter(charts.PRICE_FORMATTER)
    ax.set_ylabel('Price (USD)')
    ax.legend(loc='upper left', fontsize=9, framealpha=0.85)
    binned = (
        f'; neighbouring cells summed into {grid.shape[0]} x {grid.shape[1]}'
        if grid.size < y_axis.size * len(candles)
        else ''
    )
    ax.set_title(f'Colour: {charts.MODELLED_NOTE}; empty cells black{binned}', **charts.SUBTITLE_STYLE)
    return None


SPEC: Final = KindSpec[HeatmapData, HeatmapSummary](
    retrieval=Retrieval.ONE_CALL,
    parse=parse,
    full_data=full_data,
    is_empty=lambda data: not data.cells and not data.candles,
    size=lambda data: f'{plural(len(data.candles), "candle")}, {plural(len(data.cells), "cell")}',
    subject=default_subject,
    summarize=summarize,
    headline=headline,
    rows=rows,
    draw=draw,
    figures={
        'last_close': lambda s: s.last_close,
        'candles': lambda s: s.candles,
        'price_levels': lambda s: s.price_levels,
        'cells': lambda s: s.cells,
        'total': lambda s: s.total,
        'above_usd': lambda s: s.above_usd,
        'below_usd': lambda s: s.below_usd,
        'hotspots.0.total': lambda s: first(s.hotspots, lambda band: band.total),
        'hotspots.0.distance_pct': lambda s: first(s.hotspots, lambda band: band.distance_pct),
    },
)
