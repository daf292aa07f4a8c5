"""Liquidation heatmaps (pair and coin, models 1-3): modelled liquidation intensity over time and price.

Data: `{"y_axis": [price, ...], "liquidation_leverage_data": [[x, y, value], ...], "price_candlesticks":
[[time_s, open, high, low, close, volume_usd], ...], "update_time": ms}`. A cell's `x` indexes the candles and `y`
the price axis; candle times are epoch **seconds**, as CoinGlass sends them, and candle prices arrive as strings.
Values are CoinGlass's modelled intensity in USD, not realized liquidations. `update_time` (epoch ms, when
CoinGlass computed the heatmap) is undocumented but sent live; it and any other field are kept.

Hotspots are price bands built by the rule in HOTSPOT_BAND_RULE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Final

from pydantic import model_validator

from src.kinds.base import Fetched, KindSpec, Retrieval, Row, Summary, default_subject
from src.kinds.contracts import Amount, EpochS, Record, bad, padded, validate
from src.kinds.figures import distance_pct, format_exact_price, format_pct, format_usd, plural, usd

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from matplotlib.figure import Figure

HeatmapData = dict[str, Any]
AXES: Final = ('y_axis', 'liquidation_leverage_data', 'price_candlesticks')
CANDLE_LENGTH: Final = 6
Candle = Annotated[tuple[EpochS, Amount, Amount, Amount, Amount, Amount], padded(CANDLE_LENGTH)]
"""`[time_s, open, high, low, close, volume_usd]`; a candle without its volume reads as one with `None`."""


class HeatmapReply(Record):
    """A heatmap reply: the price axis, the sparse cells, the candles, and whatever else CoinGlass sends."""

    y_axis: list[Amount] | None = None
    liquidation_leverage_data: list[tuple[int, int, Amount]] | None = None
    price_candlesticks: list[Candle] | None = None

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


def parse(data: Any) -> HeatmapData:
    """A heatmap reply by the `HeatmapReply` contract, as lists of typed values with the unknown fields kept.

    Raises:
        BadResponseError: A value is not a number, a cell points outside the axes, or the reply is not an object.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise bad('data', data, 'not an object')
    reply = validate(HeatmapReply, data, 'data')
    return {
        'y_axis': list(reply.y_axis or []),
        'liquidation_leverage_data': [list(cell) for cell in reply.liquidation_leverage_data or []],
        'price_candlesticks': [list(candle) for candle in reply.price_candlesticks or []],
        **{key: value for key, value in data.items() if key not in AXES},
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


def _swept(candles: Sequence[Sequence[Any]], after_x: int, price_low: float, price_high: float) -> bool:
    """Whether a candle after index `after_x` traded through `[price_low, price_high]`."""
    return any(
        candle[3] is not None and candle[2] is not None and candle[3] <= price_high and candle[2] >= price_low
        for candle in candles[after_x + 1 :]
    )


def summarize(fetched: Fetched[HeatmapData]) -> Summary:
    """Sizes, the intensity above and below the last close, and the hotspot bands (HOTSPOT_BAND_RULE).

    A band is `swept` when a candle after the band's first non-zero cell traded through its price range.
    """
    data = fetched.data
    y_axis: Sequence[float] = data.get('y_axis') or []
    cells: Sequence[Sequence[Any]] = data.get('liquidation_leverage_data') or []
    candles: Sequence[Sequence[Any]] = data.get('price_candlesticks') or []
    last_close = next((float(candle[4]) for candle in reversed(candles) if candle[4] is not None), None)

    level_totals = [0.0] * len(y_axis)
    first_x: dict[int, int] = {}
    total = 0.0
    for x, y, value in cells:
        if value is None:
            continue
        total += value
        level_totals[y] += value
        if value > 0 and (y not in first_x or x < first_x[y]):
            first_x[y] = x

    above = below = None
    if last_close is not None:
        above = sum(level for price, level in zip(y_axis, level_totals, strict=True) if price > last_close)
        below = sum(level for price, level in zip(y_axis, level_totals, strict=True) if price < last_close)

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


def headline(summary: Summary) -> str:
    """`Last close 95,000; top hotspot $7.44B at 99,869-104,834 (+5.33%, not swept); $26.8B above, $27.5B below.`."""
    if summary['last_close'] is None:
        return f'{plural(summary["cells"], "cell")}, no candles.'
    text = f'Last close {format_exact_price(summary["last_close"])}'
    if summary['hotspots']:
        top = summary['hotspots'][0]
        swept = 'swept' if top['swept'] else 'not swept'
        text += (
            f'; top hotspot {format_usd(top["total"] or 0.0)} at {format_exact_price(top["price_low"])}-'
            f'{format_exact_price(top["price_high"])} ({format_pct(top["distance_pct"])}, {swept})'
        )
    above, below = format_usd(summary['above_usd'] or 0.0), format_usd(summary['below_usd'] or 0.0)
    return f'{text}; {above} of modelled intensity above, {below} below.'


def rows(fetched: Fetched[HeatmapData]) -> list[Row]:
    """One record per non-zero cell, by time then price: `time` (candle open, epoch ms), `price`, `value`."""
    data = fetched.data
    y_axis: Sequence[float] = data.get('y_axis') or []
    candles: Sequence[Sequence[Any]] = data.get('price_candlesticks') or []
    cells: Sequence[Sequence[Any]] = data.get('liquidation_leverage_data') or []
    return [
        {'time': int(candles[x][0]) * MS_PER_SECOND, 'price': y_axis[y], 'value': value}
        for x, y, value in sorted(cells, key=lambda cell: (cell[0], cell[1]))
        if value
    ]


def draw(fig: Figure, fetched: Fetched[HeatmapData], summary: Mapping[str, Any] | None) -> str | None:
    """The time-by-price intensity image with the close price over it and the top three hotspots marked."""
    import numpy as np  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for
    from matplotlib import colormaps  # noqa: PLC0415
    from matplotlib import colors as mcolors  # noqa: PLC0415
    from matplotlib.ticker import LogLocator, NullFormatter  # noqa: PLC0415

    from src import charts  # noqa: PLC0415

    data = fetched.data
    y_axis = np.asarray(data.get('y_axis') or [], dtype=np.float64)
    candles: Sequence[Sequence[Any]] = data.get('price_candlesticks') or []
    cells: Sequence[Sequence[Any]] = data.get('liquidation_leverage_data') or []
    if y_axis.size == 0 or not candles:
        return 'No data'
    times = charts.epoch_dates([candle[0] for candle in candles], 's')
    grid = np.zeros((y_axis.size, len(candles)), dtype=np.float64)
    if cells:
        arr = np.asarray([cell for cell in cells if cell[2] is not None], dtype=np.float64).reshape(-1, 3)
        np.add.at(grid, (arr[:, 1].astype(np.intp), arr[:, 0].astype(np.intp)), arr[:, 2])
    ax = fig.add_subplot()
    norm = charts.intensity_norm(grid)
    cmap = colormaps['viridis'].with_extremes(bad=charts.HEATMAP_BACKGROUND)
    mesh = ax.pcolormesh(times, y_axis, np.ma.masked_less_equal(grid, 0), shading='nearest', cmap=cmap, norm=norm)
    ax.set_facecolor(charts.HEATMAP_BACKGROUND)
    colorbar = fig.colorbar(mesh, ax=ax, pad=0.01)
    colorbar.set_label('Modelled liquidation intensity (USD, clipped scale)')
    colorbar.ax.yaxis.set_major_formatter(charts.USD_FORMATTER)
    if isinstance(norm, mcolors.LogNorm):
        colorbar.ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    colorbar.ax.yaxis.set_minor_formatter(NullFormatter())
    closes = [np.nan if candle[4] is None else float(candle[4]) for candle in candles]
    ax.plot(times, closes, color='white', lw=1.4, label='Close price')
    hotspots = (summary or {}).get('hotspots') or summarize(fetched)['hotspots']
    charts.mark_prices(ax, [float(band['peak_price']) for band in hotspots[:3]], 'Top hotspot bands (peak price)')
    charts.utc_date_axis(ax)
    ax.yaxis.set_major_formatter(charts.PRICE_FORMATTER)
    ax.set_ylabel('Price (USD)')
    ax.legend(loc='upper left', fontsize=9, framealpha=0.85)
    ax.set_title(f'Colour: {charts.MODELLED_NOTE}; empty cells black', **charts.SUBTITLE_STYLE)
    return None


SPEC: Final = KindSpec[HeatmapData](
    retrieval=Retrieval.ONE_CALL,
    parse=parse,
    full_data=lambda data: data,
    is_empty=lambda data: not data['liquidation_leverage_data'] and not data['price_candlesticks'],
    size=lambda data: (
        f'{plural(len(data["price_candlesticks"]), "candle")}, {plural(len(data["liquidation_leverage_data"]), "cell")}'
    ),
    subject=default_subject,
    summarize=summarize,
    headline=headline,
    rows=rows,
    draw=draw,
    alert_fields=(
        'last_close',
        'candles',
        'price_levels',
        'cells',
        'total',
        'above_usd',
        'below_usd',
        'hotspots.0.total',
        'hotspots.0.distance_pct',
    ),
)
