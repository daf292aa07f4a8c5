"""The chart toolkit: 1200x700 PNG figures and the drawing pieces the kinds' `draw` functions share.

Only this module and the kinds' `draw` functions import numpy and matplotlib, and the kinds import them inside
`draw`, so a run that asks for no chart never loads them. It uses matplotlib's object API (a fresh `Figure` on
its own Agg canvas per chart, no pyplot state), so charts can be drawn from several threads and leave nothing
behind.

Colours are the same in every chart: long liquidations red, short liquidations green, unknown splits grey.
"""

from __future__ import annotations

import io
from datetime import UTC
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from matplotlib import colors as mcolors
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from src.kinds.figures import format_exact_price, format_usd
from src.scrub import scrub

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import numpy.typing as npt
    from matplotlib.axes import Axes

    from src.kinds.figures import Share

WIDTH_PX: Final = 1200
HEIGHT_PX: Final = 700
DPI: Final = 100

LONG_COLOUR: Final = '#d62728'
SHORT_COLOUR: Final = '#2ca02c'
UNKNOWN_COLOUR: Final = '#9e9e9e'
NEUTRAL_COLOUR: Final = '#1f77b4'
REFERENCE_COLOUR: Final = '#222222'
HEATMAP_BACKGROUND: Final = '#0d0d12'
HOTSPOT_COLOUR: Final = '#ff4fd8'
SUBTITLE_STYLE: Final[Mapping[str, Any]] = {'fontsize': 9, 'color': '#444444'}

PNG_METADATA: Final[Mapping[str, str | None]] = {'Software': None}  # no text chunk: matplotlib's tag is left out
MAX_PRICE_BARS: Final = 240
MAX_TIME_BARS: Final = 600  # bars over time, at most: the plot is about 1,000 px wide
MAX_GRID_COLUMNS: Final = 600  # an intensity grid's columns (times) and rows (price levels), at most: past them,
MAX_GRID_ROWS: Final = 400  # neighbours are summed, so a hostile reply cannot make a multi-gigabyte image
MAX_LIST_ROWS: Final = 25
MODELLED_NOTE: Final = "CoinGlass's modelled liquidation intensity, not realized liquidations"


def render(draw: Callable[[Figure], str | None], *, title: str, footer: str = '') -> bytes:
    """A 1200x700 PNG of what `draw` puts on a fresh figure under `title`, with `footer` (the source) at the bottom.

    `draw` returns None when it drew, or a reason (such as `No data`) that is then drawn alone instead.
    """
    fig = _new_figure(title, footer)
    empty_reason = draw(fig)
    if empty_reason is not None:
        fig = _new_figure(title, footer)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, empty_reason, ha='center', va='center', fontsize=28, color='#555555', transform=ax.transAxes)
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=DPI, metadata=PNG_METADATA)
    return buffer.getvalue()


def _new_figure(title: str, footer: str) -> Figure:
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout='constrained')
    FigureCanvasAgg(fig)
    fig.suptitle(scrub(title), fontsize=14, fontweight='bold')
    if footer:
        fig.supxlabel(scrub(footer), fontsize=8, color='#666666', x=0.01, ha='left')
    return fig


# --- labels ----------------------------------------------------------------------------------------------------


def format_price(value: float, _pos: object = None) -> str:
    """A price tick with thousands separators and only the decimals it needs."""
    if abs(value) >= 1000:
        return f'{value:,.0f}'
    if abs(value) >= 1:
        return f'{value:,.2f}'
    return f'{value:.4g}'


USD_FORMATTER: Final = FuncFormatter(lambda value, _pos: format_usd(value))
MIRRORED_USD_FORMATTER: Final = FuncFormatter(lambda value, _pos: format_usd(abs(value)))  # one side drawn below 0
PRICE_FORMATTER: Final = FuncFormatter(format_price)


# --- time axes -------------------------------------------------------------------------------------------------


def epoch_dates(values: Sequence[float], unit: str) -> npt.NDArray[np.float64]:
    """Matplotlib date numbers (UTC) of epoch times in `unit` (`s` or `ms`)."""
    stamps = np.asarray([int(value) for value in values], dtype=f'datetime64[{unit}]')
    return np.asarray(mdates.date2num(stamps), dtype=np.float64)  # type: ignore[no-untyped-call]


def utc_date_axis(ax: Axes) -> None:
    """Concise UTC date ticks on the x axis."""
    locator = mdates.AutoDateLocator(tz=UTC, minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=UTC))  # type: ignore[no-untyped-call]
    ax.set_xlabel('Time (UTC)')


def bar_width(dates: npt.NDArray[np.float64], fraction: float = 0.8) -> float:
    """A bar width (in days) of `fraction` of the smallest positive spacing between dates."""
    steps = np.diff(np.unique(dates))
    return float(steps.min()) * fraction if steps.size else 0.5


# --- bounded drawing --------------------------------------------------------------------------------------------


def bins(count: int, most: int) -> npt.NDArray[np.intp]:
    """The bin of each of `count` positions grouped, in order, into at most `most` runs of (nearly) equal length."""
    return (np.arange(count, dtype=np.intp) * min(count, most)) // max(count, 1)


def bin_means(values: npt.NDArray[np.float64], of: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
    """The mean of the values in each bin (`of`: each value's bin, as `bins` gives)."""
    counts = np.bincount(of)
    return np.asarray(np.bincount(of, weights=values) / np.maximum(counts, 1), dtype=np.float64)


# --- levels by price -------------------------------------------------------------------------------------------


def price_bin_edges(low: float, high: float, reference: float | None) -> npt.NDArray[np.float64]:
    """About MAX_PRICE_BARS equal price bins, with the reference price on a bin edge so no bin mixes sides."""
    if reference is None or not low < reference < high:
        return np.linspace(low, high, MAX_PRICE_BARS + 1)
    below = max(1, round(MAX_PRICE_BARS * (reference - low) / (high - low)))
    above = max(1, MAX_PRICE_BARS - below)
    return np.concatenate([np.linspace(low, reference, below + 1)[:-1], np.linspace(reference, high, above + 1)])


def level_bar_width(prices: npt.NDArray[np.float64]) -> float:
    """The width of unbinned price bars: 80% of the smallest gap between prices."""
    steps = np.diff(np.unique(prices))
    return float(steps.min()) * 0.8 if steps.size else max(abs(float(prices[0])) * 0.002, 1e-9)


def price_bars(
    ax: Axes,
    prices: npt.NDArray[np.float64],
    levels: npt.NDArray[np.float64],
    mask: npt.NDArray[np.bool_],
    *,
    edges: npt.NDArray[np.float64] | None,
    style: tuple[str, str],
) -> None:
    """The selected levels as bars at their prices, summed into bins when `edges` is given.

    `style` is (colour, label).
    """
    if not mask.any():
        return
    colour, label = style
    if edges is None:
        ax.bar(prices[mask], levels[mask], width=level_bar_width(prices), color=colour, label=label, alpha=0.85)
        return
    heights, _ = np.histogram(prices[mask], bins=edges, weights=levels[mask])
    keep = heights > 0
    widths = np.diff(edges)[keep]
    ax.bar(edges[:-1][keep], heights[keep], width=widths * 0.9, align='edge', color=colour, label=label, alpha=0.85)


def cumulative_from_reference(
    ax: Axes, prices: npt.NDArray[np.float64], levels: npt.NDArray[np.float64], reference: float
) -> Axes:
    """Cumulative lines counted outward from the reference price on a secondary axis, and the price line.

    Returns the secondary axis, which is on top (draw the legend there).
    """
    ax2 = ax.twinx()
    for mask, outward_down, colour, label in (
        (prices < reference, True, LONG_COLOUR, 'Cumulative longs (from price down)'),
        (prices > reference, False, SHORT_COLOUR, 'Cumulative shorts (from price up)'),
    ):
        if mask.any():
            order = np.argsort(prices[mask])
            if outward_down:
                order = order[::-1]
            x, y = prices[mask][order], np.cumsum(levels[mask][order])
            ax2.plot(np.r_[reference, x], np.r_[0.0, y], drawstyle='steps-post', color=colour, lw=2, label=label)
    ax2.set_ylim(0, ax2.get_ylim()[1] * 1.4 or 1.0)
    ax2.yaxis.set_major_formatter(USD_FORMATTER)
    ax2.set_ylabel('Cumulative level from reference price (USD)')
    shown = format_exact_price(reference)
    ax.axvline(reference, color=REFERENCE_COLOUR, ls='--', lw=1.5, label=f'Reference price {shown}')
    ax.annotate(
        f'Price {shown}',
        xy=(reference, 1.0),
        xycoords=('data', 'axes fraction'),
        xytext=(4, -14),
        textcoords='offset points',
        fontsize=10,
        fontweight='bold',
        color=REFERENCE_COLOUR,
    )
    return ax2


# --- intensity grids -------------------------------------------------------------------------------------------


def intensity_norm(values: npt.NDArray[np.float64]) -> mcolors.Normalize:
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


def mark_prices(ax: Axes, prices: Sequence[float], label: str) -> None:
    """Dotted lines at the given prices, labelled `#1 price`, `#2 price`, ... at the right edge."""
    for rank, price in enumerate(prices, start=1):
        ax.axhline(price, color=HOTSPOT_COLOUR, ls=':', lw=1.3, label=label if rank == 1 else None)
        ax.annotate(
            f'#{rank} {format_price(price)}',
            xy=(1.0, price),
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


# --- shares of a total -----------------------------------------------------------------------------------------


def share_bars(fig: Figure, entries: Sequence[Share], *, axis_label: str, note: str) -> str | None:
    """Horizontal bars of each entry's `share_pct`, split into long and short parts where `long_share_pct` is known.

    Returns `No data` when no entry has a share.
    """
    entries = [entry for entry in entries if entry.share_pct is not None][:MAX_LIST_ROWS]
    if not entries:
        return 'No data'
    ax = fig.add_subplot()
    ys = np.arange(len(entries))
    share = np.asarray([float(entry.share_pct or 0.0) for entry in entries])
    long_pct = np.asarray([np.nan if e.long_share_pct is None else float(e.long_share_pct) for e in entries])
    known = ~np.isnan(long_pct)
    long_part = np.where(known, share * np.nan_to_num(long_pct) / 100.0, 0.0)
    short_part = np.where(known, share - long_part, 0.0)
    if known.any():  # the legend lists only the parts some bar has
        ax.barh(ys, long_part, color=LONG_COLOUR, label='Long liquidations part')
        ax.barh(ys, short_part, left=long_part, color=SHORT_COLOUR, label='Short liquidations part')
    if not known.all():
        unknown_part = np.where(known, 0.0, share)
        ax.barh(ys, unknown_part, color=UNKNOWN_COLOUR, hatch='//', edgecolor='white', label='Long/short split unknown')
    top = float(share.max()) or 1.0
    for y, value, entry in zip(ys, share, entries, strict=True):
        text = f'{value:.1f}%  {format_usd(float(entry.total_usd or 0.0))}'
        ax.text(value + top * 0.01, float(y), text, va='center', fontsize=9)
    ax.set_yticks(ys, [entry.name for entry in entries], fontsize=10)
    ax.set_ylim(len(entries) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.18)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f'{v:.0f}%'))
    ax.set_xlabel('Share of total liquidations (%); bar label: share and amount (USD)')
    ax.set_ylabel(axis_label)
    ax.grid(axis='x', alpha=0.3)
    ax.legend(loc='lower right', fontsize=9, framealpha=0.9)
    ax.set_title(note, **SUBTITLE_STYLE)
    return None
