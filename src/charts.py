"""PNG charts (1200x700 pixels) of normalized CoinGlass liquidation data, one renderer per mode family.

Only this module imports matplotlib; the Actor imports it lazily. It uses the object-oriented API (a fresh
:class:`~matplotlib.figure.Figure` on a :class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` per chart, no
pyplot state), so charts can be drawn from several threads and leave nothing behind.

Colours are the same in every chart: long liquidations red, short liquidations green, unknown splits grey.
Order sides are read by :data:`src.summaries.ORDER_SIDE_READING` (side 2 = long liquidated, side 1 = short).
"""

from __future__ import annotations

import io
import math
from datetime import UTC
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from matplotlib import colormaps
from matplotlib import colors as mcolors
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .summaries import (
    HEATMAP_MODES,
    HISTORY_MODES,
    KNOWN_MODES,
    MAP_MODES,
    history_sides,
    map_tuples,
    order_position_side,
    summarize,
    usable_reference,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import numpy.typing as npt
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

CHART_MODES: Final[frozenset[str]] = frozenset(KNOWN_MODES - {'search_symbols'})

WIDTH_PX: Final[int] = 1200
HEIGHT_PX: Final[int] = 700
DPI: Final[int] = 100

LONG_COLOUR: Final[str] = '#d62728'
SHORT_COLOUR: Final[str] = '#2ca02c'
UNKNOWN_COLOUR: Final[str] = '#9e9e9e'
NEUTRAL_COLOUR: Final[str] = '#1f77b4'
REFERENCE_COLOUR: Final[str] = '#222222'
HEATMAP_BACKGROUND: Final[str] = '#0d0d12'
HOTSPOT_COLOUR: Final[str] = '#ff4fd8'

MAX_MAP_BARS: Final[int] = 240
MAX_PAIN_ROWS: Final[int] = 30
MAX_LIST_ROWS: Final[int] = 25
MODELLED_NOTE: Final[str] = "CoinGlass's modelled liquidation intensity, not realized liquidations"

# --- shared helpers --------------------------------------------------------------------------------------------


def format_usd(value: float, _pos: object = None) -> str:
    """Format a USD amount compactly: ``$1.25B``, ``$350K``, ``$12``.

    Args:
        value: Amount in USD.
        _pos: Tick position (unused, for FuncFormatter).

    Returns:
        The compact text.
    """
    sign = '-' if value < 0 else ''
    amount = abs(value)
    for limit, suffix in ((1e12, 'T'), (1e9, 'B'), (1e6, 'M'), (1e3, 'K')):
        if amount >= limit:
            return f'{sign}${amount / limit:.3g}{suffix}'
    return f'{sign}${amount:.3g}'


def _format_price(value: float, _pos: object = None) -> str:
    """Format a price tick with thousands separators and only the decimals it needs."""
    if abs(value) >= 1000:
        return f'{value:,.0f}'
    if abs(value) >= 1:
        return f'{value:,.2f}'
    return f'{value:.4g}'


_USD_FORMATTER: Final = FuncFormatter(format_usd)
_PRICE_FORMATTER: Final = FuncFormatter(_format_price)


def format_exact_price(value: float) -> str:
    """Format a price for a label, keeping its significant decimals (``110,625.1``, ``0.0000101``).

    Args:
        value: The price.

    Returns:
        The text.
    """
    if value == 0 or abs(value) >= 1:
        return f'{value:,.10g}'
    decimals = max(2, 3 - math.floor(math.log10(abs(value))))
    return f'{value:.{decimals}f}'.rstrip('0').rstrip('.')


def _new_figure() -> Figure:
    """Create a 1200x700 figure attached to its own Agg canvas."""
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout='constrained')
    FigureCanvasAgg(fig)
    return fig


def _to_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes at the fixed size."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=DPI)
    return buffer.getvalue()


def _draw_no_data(fig: Figure, reason: str = 'No data') -> None:
    """Draw an empty chart that says so."""
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, reason, ha='center', va='center', fontsize=28, color='#555555', transform=ax.transAxes)


def _epoch_dates(values: Sequence[float], unit: str) -> npt.NDArray[np.float64]:
    """Matplotlib date numbers (UTC) of epoch seconds or milliseconds."""
    stamps = np.asarray([int(v) for v in values], dtype=f'datetime64[{unit}]')
    return np.asarray(mdates.date2num(stamps), dtype=np.float64)  # type: ignore[no-untyped-call]


def _utc_date_axis(ax: Axes) -> None:
    """Concise UTC date ticks on the x axis."""
    locator = mdates.AutoDateLocator(tz=UTC, minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=UTC))  # type: ignore[no-untyped-call]
    ax.set_xlabel('Time (UTC)')


def _bar_width(dates: npt.NDArray[np.float64], fraction: float = 0.8) -> float:
    """A bar width (in days) of ``fraction`` of the smallest positive spacing between dates."""
    steps = np.diff(np.unique(dates))
    return float(steps.min()) * fraction if steps.size else 0.5


def _summary_with(summary: Mapping[str, Any] | None, mode: str, data: Any, key: str) -> Mapping[str, Any]:
    """The summary given when it has ``key``, else one computed from ``data``."""
    if summary is not None and key in summary:
        return summary
    return summarize(mode, data) or {}


# --- maps ------------------------------------------------------------------------------------------------------


def _cumulative_line(
    prices: npt.NDArray[np.float64], levels: npt.NDArray[np.float64], *, outward_descending: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Cumulative USD counted outward from the reference price (the caller prepends the reference at 0)."""
    order = np.argsort(prices)
    if outward_descending:
        order = order[::-1]
    return prices[order], np.cumsum(levels[order])


def _map_levels(data: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Prices and USD levels of a map, tuples sharing a price summed."""
    by_price: dict[float, float] = {}
    for price, level_usd, _lev in map_tuples(data):
        by_price[price] = by_price.get(price, 0.0) + level_usd
    return np.fromiter(by_price.keys(), dtype=np.float64), np.fromiter(by_price.values(), dtype=np.float64)


def _map_bin_edges(low: float, high: float, ref: float | None) -> npt.NDArray[np.float64]:
    """About MAX_MAP_BARS equal price bins, with the reference price on a bin edge so no bin mixes sides."""
    if ref is None or not low < ref < high:
        return np.linspace(low, high, MAX_MAP_BARS + 1)
    below = max(1, round(MAX_MAP_BARS * (ref - low) / (high - low)))
    above = max(1, MAX_MAP_BARS - below)
    return np.concatenate([np.linspace(low, ref, below + 1)[:-1], np.linspace(ref, high, above + 1)])


def _level_bar_width(prices: npt.NDArray[np.float64]) -> float:
    """Width of unbinned price bars: 80% of the smallest gap between prices."""
    steps = np.diff(np.unique(prices))
    return float(steps.min()) * 0.8 if steps.size else max(abs(float(prices[0])) * 0.002, 1e-9)


def _map_bars(
    ax: Axes,
    prices: npt.NDArray[np.float64],
    levels: npt.NDArray[np.float64],
    mask: npt.NDArray[np.bool_],
    *,
    edges: npt.NDArray[np.float64] | None,
    style: tuple[str, str],
) -> None:
    """Draw the selected levels as bars (binned when ``edges`` is given); ``style`` is (colour, label)."""
    if not mask.any():
        return
    colour, label = style
    if edges is None:
        width = _level_bar_width(prices)
        ax.bar(prices[mask], levels[mask], width=width, color=colour, label=label, alpha=0.85)
        return
    heights, _ = np.histogram(prices[mask], bins=edges, weights=levels[mask])
    keep = heights > 0
    lefts = edges[:-1][keep]
    widths = np.diff(edges)[keep]
    ax.bar(lefts, heights[keep], width=widths * 0.9, align='edge', color=colour, label=label, alpha=0.85)


def _map_reference(ax: Axes, prices: npt.NDArray[np.float64], levels: npt.NDArray[np.float64], ref: float) -> Axes:
    """Draw cumulative lines counted outward from the reference price, on a secondary axis, and the price line.

    Returns:
        The secondary axis.
    """
    ax2 = ax.twinx()
    below, above = prices < ref, prices > ref
    for mask, descending, colour, label in (
        (below, True, LONG_COLOUR, 'Cumulative longs (from price down)'),
        (above, False, SHORT_COLOUR, 'Cumulative shorts (from price up)'),
    ):
        if mask.any():
            x, y = _cumulative_line(prices[mask], levels[mask], outward_descending=descending)
            ax2.plot(np.r_[ref, x], np.r_[0.0, y], drawstyle='steps-post', color=colour, lw=2, label=label)
    ax2.set_ylim(0, ax2.get_ylim()[1] * 1.4 or 1.0)
    ax2.yaxis.set_major_formatter(_USD_FORMATTER)
    ax2.set_ylabel('Cumulative level from reference price (USD)')
    ax.axvline(ref, color=REFERENCE_COLOUR, ls='--', lw=1.5, label=f'Reference price {format_exact_price(ref)}')
    ax.annotate(
        f'Price {format_exact_price(ref)}',
        xy=(ref, 1.0),
        xycoords=('data', 'axes fraction'),
        xytext=(4, -14),
        textcoords='offset points',
        fontsize=10,
        fontweight='bold',
        color=REFERENCE_COLOUR,
    )
    return ax2


def _draw_map(fig: Figure, data: Any, summary: Mapping[str, Any] | None) -> str | None:
    """Bars of liquidation levels by price, coloured by side, with cumulative lines and the reference price."""
    prices, levels = _map_levels(data)
    if prices.size == 0:
        return 'No data'
    ref = usable_reference(summary.get('reference_price')) if summary else None
    source = summary.get('reference_price_source') if summary else None
    low, high = float(prices.min()), float(prices.max())
    if ref is not None:
        low, high = min(low, ref), max(high, ref)
    span = high - low or max(abs(high), 1.0) * 0.01
    edges = _map_bin_edges(low, high, ref) if prices.size > MAX_MAP_BARS else None

    ax = fig.add_subplot()
    top = ax
    if ref is None:
        everything = np.ones(prices.size, dtype=bool)
        _map_bars(ax, prices, levels, everything, edges=edges, style=(NEUTRAL_COLOUR, 'Liquidation level'))
        subtitle = f'No reference price, so no sides. Bars: {MODELLED_NOTE}'
    else:
        for mask, colour, label in (
            (prices < ref, LONG_COLOUR, 'Long liquidation levels (below price)'),
            (prices > ref, SHORT_COLOUR, 'Short liquidation levels (above price)'),
            (prices == ref, UNKNOWN_COLOUR, 'Level at the reference price'),
        ):
            _map_bars(ax, prices, levels, mask, edges=edges, style=(colour, label))
        top = _map_reference(ax, prices, levels, ref)
        subtitle = f'Reference price: {source or "given by the caller"}. Bars: {MODELLED_NOTE}'
    if edges is not None:
        subtitle += f' (levels summed into {edges.size - 1} price bins)'
    pad = max(span * 0.02, _level_bar_width(prices) if edges is None else 0.0)
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.4 or 1.0)  # headroom at the top for the legend and the price label
    ax.xaxis.set_major_formatter(_PRICE_FORMATTER)
    ax.yaxis.set_major_formatter(_USD_FORMATTER)
    ax.set_xlabel('Liquidation price (USD)')
    ax.set_ylabel('Liquidation level (USD)')
    ax.grid(axis='y', alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if top is not ax:
        handles2, labels2 = top.get_legend_handles_labels()
        handles, labels = handles + handles2, labels + labels2
    # On the top-most axes, so the cumulative lines never cross the legend box.
    top.legend(handles, labels, loc='upper left', fontsize=9, framealpha=0.95)
    ax.set_title(subtitle, fontsize=9, color='#444444')
    return None


# --- heatmaps --------------------------------------------------------------------------------------------------


def _heatmap_norm(values: npt.NDArray[np.float64]) -> mcolors.Normalize:
    """A colour scale clipped to the 2nd-99.5th percentiles of the non-zero values, logarithmic when wide."""
    positive = values[values > 0]
    if positive.size == 0:
        return mcolors.Normalize(vmin=0.0, vmax=1.0)
    vmin = float(np.percentile(positive, 2))
    vmax = float(np.percentile(positive, 99.5))
    if vmax <= vmin:
        return mcolors.Normalize(vmin=0.0, vmax=max(vmax, 1.0))
    if vmax / vmin >= 20:
        return mcolors.LogNorm(vmin=vmin, vmax=vmax, clip=True)
    return mcolors.Normalize(vmin=0.0, vmax=vmax, clip=True)


def _mark_hotspots(ax: Axes, hotspots: Sequence[Mapping[str, Any]]) -> None:
    """Dotted lines at the peak prices of the top three hotspot bands, labelled with rank and price."""
    for rank, band in enumerate(hotspots[:3], start=1):
        peak = float(band['peak_price'])
        ax.axhline(
            peak, color=HOTSPOT_COLOUR, ls=':', lw=1.3, label='Top hotspot bands (peak price)' if rank == 1 else None
        )
        ax.annotate(
            f'#{rank} {_format_price(peak)}',
            xy=(1.0, peak),
            xycoords=('axes fraction', 'data'),
            xytext=(-4, 0),
            textcoords='offset points',
            ha='right',
            va='center',
            color=HOTSPOT_COLOUR,
            fontsize=9,
            fontweight='bold',
            bbox={'boxstyle': 'round,pad=0.2', 'facecolor': 'black', 'alpha': 0.65, 'edgecolor': 'none'},
        )


def _draw_heatmap(fig: Figure, data: Any, summary: Mapping[str, Any] | None) -> str | None:
    """Intensity image of the time-by-price grid with the close price over it."""
    y_axis = np.asarray(data.get('y_axis') or [], dtype=np.float64)
    candles: Sequence[Sequence[Any]] = data.get('price_candlesticks') or []
    cells: Sequence[Sequence[Any]] = data.get('liquidation_leverage_data') or []
    if y_axis.size == 0 or not candles:
        return 'No data'
    times = _epoch_dates([c[0] for c in candles], 's')
    grid = np.zeros((y_axis.size, len(candles)), dtype=np.float64)
    if cells:
        arr = np.asarray(cells, dtype=np.float64)
        np.add.at(grid, (arr[:, 1].astype(np.intp), arr[:, 0].astype(np.intp)), arr[:, 2])
    ax = fig.add_subplot()
    cmap = colormaps['viridis'].with_extremes(bad=HEATMAP_BACKGROUND)
    masked = np.ma.masked_less_equal(grid, 0)
    norm = _heatmap_norm(grid)
    mesh = ax.pcolormesh(times, y_axis, masked, shading='nearest', cmap=cmap, norm=norm)
    ax.set_facecolor(HEATMAP_BACKGROUND)
    colorbar = fig.colorbar(mesh, ax=ax, pad=0.01)
    colorbar.set_label('Modelled liquidation intensity (USD, clipped scale)')
    colorbar.ax.yaxis.set_major_formatter(_USD_FORMATTER)
    if isinstance(norm, mcolors.LogNorm):
        colorbar.ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    colorbar.ax.yaxis.set_minor_formatter(NullFormatter())
    closes = [float(c[4]) for c in candles]
    ax.plot(times, closes, color='white', lw=1.4, label='Close price')
    _mark_hotspots(ax, _summary_with(summary, 'pair_liquidation_heatmap', data, 'hotspots').get('hotspots') or [])
    _utc_date_axis(ax)
    ax.yaxis.set_major_formatter(_PRICE_FORMATTER)
    ax.set_ylabel('Price (USD)')
    ax.legend(loc='upper left', fontsize=9, framealpha=0.85)
    ax.set_title(f'Colour: {MODELLED_NOTE}; empty cells black', fontsize=9, color='#444444')
    return None


# --- histories, orders -----------------------------------------------------------------------------------------


def _draw_history(fig: Figure, data: Any, _summary: Mapping[str, Any] | None) -> str | None:
    """Stacked long and short liquidation bars over time."""
    rows = [row for row in data if row.get('time') is not None]
    if not rows:
        return 'No data'
    dates = _epoch_dates([row['time'] for row in rows], 'ms')
    sides = np.asarray([history_sides(row) for row in rows], dtype=np.float64)
    width = _bar_width(dates)
    ax = fig.add_subplot()
    ax.bar(dates, sides[:, 0], width=width, color=LONG_COLOUR, label='Long liquidations', align='center')
    ax.bar(dates, sides[:, 1], width=width, bottom=sides[:, 0], color=SHORT_COLOUR, label='Short liquidations')
    if dates.size == 1:  # a lone bar would otherwise fill the whole axes
        ax.set_xlim(float(dates[0]) - 3 * width, float(dates[0]) + 3 * width)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.15 or 1.0)  # headroom for the legend
    _utc_date_axis(ax)
    ax.yaxis.set_major_formatter(_USD_FORMATTER)
    ax.set_ylabel('Liquidations per interval (USD)')
    ax.grid(axis='y', alpha=0.3)
    ax.legend(loc='upper left', fontsize=9)
    ax.set_title('Bars stacked: long at the bottom, short on top', fontsize=9, color='#444444')
    return None


def _draw_orders(fig: Figure, data: Any, _summary: Mapping[str, Any] | None) -> str | None:
    """Orders by time and price, marker area by USD value, colour by the liquidated side."""
    rows = [row for row in data if row.get('time') is not None and row.get('price') is not None]
    if not rows:
        return 'No data'
    rows.sort(key=lambda row: -float(row.get('usd_value') or 0.0))  # big markers first, small ones stay visible
    values = np.asarray([float(row.get('usd_value') or 0.0) for row in rows], dtype=np.float64)
    biggest = float(values.max()) or 1.0

    def area(usd_values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(8.0 + 700.0 * np.clip(usd_values, 0, None) / biggest, dtype=np.float64)

    ax = fig.add_subplot()
    groups = (
        ('long', LONG_COLOUR, 'Long liquidated (side 2, sell order)'),
        ('short', SHORT_COLOUR, 'Short liquidated (side 1, buy order)'),
        (None, UNKNOWN_COLOUR, 'Unknown side'),
    )
    handles: list[Artist] = []
    for position, colour, label in groups:
        picked = [i for i, row in enumerate(rows) if order_position_side(row.get('side')) == position]
        if not picked:
            continue
        dates = _epoch_dates([rows[i]['time'] for i in picked], 'ms')
        prices = [float(rows[i]['price']) for i in picked]
        ax.scatter(dates, prices, s=area(values[picked]), c=colour, alpha=0.6, edgecolors='white', lw=0.5)
        handles.append(Line2D([], [], ls='', marker='o', markersize=9, color=colour, alpha=0.8, label=label))
    handles.extend(
        Line2D(
            [],
            [],
            ls='',
            marker='o',
            markersize=float(np.sqrt(area(np.asarray([amount]))[0])),
            markerfacecolor='none',
            markeredgecolor='#555555',
            label=f'{format_usd(amount)} order',
        )
        for amount in sorted({biggest, biggest / 4, biggest / 20}, reverse=True)
    )
    ax.legend(
        handles=handles,
        loc='center left',
        bbox_to_anchor=(1.01, 0.5),
        fontsize=9,
        labelspacing=1.3,
        borderpad=1.0,
        title='Side and order size',
    )
    _utc_date_axis(ax)
    ax.yaxis.set_major_formatter(_PRICE_FORMATTER)
    ax.set_ylabel('Liquidation price (USD)')
    ax.grid(alpha=0.3)
    ax.margins(x=0.04, y=0.1)
    ax.set_title(
        f'{len(rows)} orders; marker area proportional to the order value (USD); '
        'side 1 (buy order) read as a short liquidated, side 2 (sell order) as a long liquidated',
        fontsize=9,
        color='#444444',
    )
    return None


# --- max pain, exchange and coin lists -------------------------------------------------------------------------


def _draw_max_pain(fig: Figure, data: Any, summary: Mapping[str, Any] | None) -> str | None:
    """Per coin, the long and short max-pain prices as distance % from the current price."""
    rows = _summary_with(summary, 'liquidation_max_pain', data, 'rows').get('rows') or []
    rows = [r for r in rows if r.get('long_distance_pct') is not None or r.get('short_distance_pct') is not None]
    if not rows:
        return 'No data'
    shown = rows[:MAX_PAIN_ROWS]
    ax = fig.add_subplot()
    ys = np.arange(len(shown))
    longs = np.asarray([np.nan if r['long_distance_pct'] is None else r['long_distance_pct'] for r in shown])
    shorts = np.asarray([np.nan if r['short_distance_pct'] is None else r['short_distance_pct'] for r in shown])
    ax.hlines(ys, np.fmin(longs, shorts), np.fmax(longs, shorts), color='#cccccc', lw=2, zorder=1)
    ax.scatter(longs, ys, color=LONG_COLOUR, s=60, zorder=3, label='Long max-pain liquidation price')
    ax.scatter(shorts, ys, color=SHORT_COLOUR, s=60, marker='D', zorder=3, label='Short max-pain liquidation price')
    ax.axvline(0, color=REFERENCE_COLOUR, ls='--', lw=1.2, label='Current price (0%)', zorder=2)
    ax.set_yticks(ys, [f'{r["symbol"]}  {format_exact_price(float(r["price"]))}' for r in shown], fontsize=9)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f'{v:+.1f}%'))
    ax.set_xlabel('Distance from current price (% of price, negative = below)')
    ax.set_ylabel('Coin and current price (USD)')
    ax.grid(axis='x', alpha=0.3)
    ax.legend(loc='lower center', bbox_to_anchor=(0.5, 1.0), ncols=3, fontsize=9, frameon=False)
    if len(rows) > len(shown):
        ax.set_xlabel(f'{ax.get_xlabel()}; first {len(shown)} of {len(rows)} coins')
    return None


def _draw_shares(fig: Figure, entries: Sequence[Mapping[str, Any]], name_key: str, value_key: str) -> str | None:
    """Horizontal bars of each entry's share of the total, split into long and short parts where known."""
    entries = [e for e in entries if e.get('share_pct') is not None][:MAX_LIST_ROWS]
    if not entries:
        return 'No data'
    ax = fig.add_subplot()
    ys = np.arange(len(entries))
    shares = np.asarray([float(e['share_pct']) for e in entries])
    long_pct = np.asarray([np.nan if e['long_share_pct'] is None else float(e['long_share_pct']) for e in entries])
    known = ~np.isnan(long_pct)
    long_part = np.where(known, shares * np.nan_to_num(long_pct) / 100.0, 0.0)
    short_part = np.where(known, shares - long_part, 0.0)
    unknown_part = np.where(known, 0.0, shares)
    ax.barh(ys, long_part, color=LONG_COLOUR, label='Long liquidations part')
    ax.barh(ys, short_part, left=long_part, color=SHORT_COLOUR, label='Short liquidations part')
    ax.barh(ys, unknown_part, color=UNKNOWN_COLOUR, hatch='//', edgecolor='white', label='Long/short split unknown')
    top = float(shares.max()) or 1.0
    for y, share, entry in zip(ys, shares, entries, strict=True):
        ax.text(
            share + top * 0.01,
            float(y),
            f'{share:.1f}%  {format_usd(float(entry[value_key]))}',
            va='center',
            fontsize=9,
        )
    ax.set_yticks(ys, [str(e[name_key]) for e in entries], fontsize=10)
    ax.set_ylim(len(entries) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.18)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f'{v:.0f}%'))
    ax.set_xlabel('Share of total liquidations (%); bar label: share and amount (USD)')
    ax.grid(axis='x', alpha=0.3)
    ax.legend(loc='lower right', fontsize=9, framealpha=0.9)
    return None


def _draw_exchange_list(fig: Figure, data: Any, summary: Mapping[str, Any] | None) -> str | None:
    """Exchanges' shares of the total liquidations."""
    full = _summary_with(summary, 'liquidation_exchange_list', data, 'exchanges')
    result = _draw_shares(fig, full.get('exchanges') or [], 'exchange', 'liquidation_usd')
    if result is None:
        fig.axes[0].set_ylabel('Exchange')
        fig.axes[0].set_title(
            f'Total across exchanges: {format_usd(float(full.get("total_usd") or 0.0))}', fontsize=9, color='#444444'
        )
    return result


def _draw_coin_list(fig: Figure, data: Any, summary: Mapping[str, Any] | None) -> str | None:
    """Top coins' shares of the 24h liquidations."""
    full = _summary_with(summary, 'liquidation_coin_list', data, 'coins')
    result = _draw_shares(fig, full.get('coins') or [], 'symbol', 'liquidation_usd_24h')
    if result is None:
        fig.axes[0].set_ylabel('Coin (top 10 by 24h liquidations)')
        total = format_usd(float(full.get('total_usd_24h') or 0.0))
        fig.axes[0].set_title(f'Shares of the 24h total of all {len(data)} coins: {total}', fontsize=9, color='#444444')
    return result


# --- dispatch --------------------------------------------------------------------------------------------------

_RENDERERS: Final[dict[str, Callable[[Figure, Any, Mapping[str, Any] | None], str | None]]] = {
    **dict.fromkeys(MAP_MODES, _draw_map),
    **dict.fromkeys(HEATMAP_MODES, _draw_heatmap),
    **dict.fromkeys(HISTORY_MODES, _draw_history),
    'liquidation_orders': _draw_orders,
    'liquidation_max_pain': _draw_max_pain,
    'liquidation_exchange_list': _draw_exchange_list,
    'liquidation_coin_list': _draw_coin_list,
}


def render_chart(mode: str, data: Any, summary: Mapping[str, Any] | None, *, title: str) -> bytes:
    """Render one mode's data as a 1200x700 PNG.

    Args:
        mode: One of :data:`CHART_MODES`.
        data: The normalized data of that mode (None or empty draws a 'No data' chart).
        summary: The mode's summary from :func:`src.summaries.summarize`; the maps read the reference price from
            it. None is allowed (maps then draw without sides).
        title: The chart title.

    Returns:
        PNG bytes, exactly 1200x700 pixels.

    Raises:
        ValueError: For ``search_symbols`` and unknown modes.
    """
    renderer = _RENDERERS.get(mode)
    if renderer is None:
        raise ValueError(f'Mode {mode!r} has no chart')
    fig = _new_figure()
    fig.suptitle(title, fontsize=14, fontweight='bold')
    empty_reason = 'No data' if not data else renderer(fig, data, summary)
    if empty_reason is not None:
        fig.clear()
        fig.suptitle(title, fontsize=14, fontweight='bold')
        _draw_no_data(fig, empty_reason)
    return _to_png(fig)
