"""Liquidation histories (pair and coin): long and short liquidations per interval, realized, in USD.

Data: rows `{"time": ms, "long_liquidation_usd", "short_liquidation_usd"}` for a pair, and the same with
`aggregated_long_liquidation_usd` / `aggregated_short_liquidation_usd` for a coin across exchanges, ascending in
time. A span of any length is fetched in windows of 1000 rows (`Retrieval.TIME_WINDOWS`) and merged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from src.kinds.base import (
    Fetched,
    KindSpec,
    Retrieval,
    Row,
    Summary,
    default_subject,
    list_is_empty,
    list_size,
    rows_unchanged,
)
from src.kinds.figures import amount, usd
from src.normalize import normalize_rows

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from matplotlib.figure import Figure

LONG_FIELDS: Final = ('long_liquidation_usd', 'aggregated_long_liquidation_usd')
SHORT_FIELDS: Final = ('short_liquidation_usd', 'aggregated_short_liquidation_usd')


def _first_present(row: Mapping[str, Any], keys: Sequence[str]) -> float:
    for key in keys:
        if key in row:
            return amount(row[key])
    return 0.0


def sides(row: Mapping[str, Any]) -> tuple[float, float]:
    """`(long_usd, short_usd)` of a pair or coin history row."""
    return _first_present(row, LONG_FIELDS), _first_present(row, SHORT_FIELDS)


def summarize(fetched: Fetched[list[Row]]) -> Summary:
    """Totals over the span, the long share, and the interval with the most liquidations."""
    rows = fetched.data
    long_total = short_total = 0.0
    largest: dict[str, Any] | None = None
    largest_total = -1.0
    for row in rows:
        long_usd, short_usd = sides(row)
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


def draw(fig: Figure, fetched: Fetched[list[Row]], _summary: Mapping[str, Any] | None) -> str | None:
    """Stacked long and short liquidation bars over time."""
    import numpy as np  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for

    from src import charts  # noqa: PLC0415

    rows = [row for row in fetched.data if row.get('time') is not None]
    if not rows:
        return 'No data'
    dates = charts.epoch_dates([row['time'] for row in rows], 'ms')
    amounts = np.asarray([sides(row) for row in rows], dtype=np.float64)
    width = charts.bar_width(dates)
    ax = fig.add_subplot()
    ax.bar(dates, amounts[:, 0], width=width, color=charts.LONG_COLOUR, label='Long liquidations', align='center')
    ax.bar(
        dates, amounts[:, 1], width=width, bottom=amounts[:, 0], color=charts.SHORT_COLOUR, label='Short liquidations'
    )
    if dates.size == 1:  # a lone bar would otherwise fill the whole axes
        ax.set_xlim(float(dates[0]) - 3 * width, float(dates[0]) + 3 * width)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.15 or 1.0)  # headroom for the legend
    charts.utc_date_axis(ax)
    ax.yaxis.set_major_formatter(charts.USD_FORMATTER)
    ax.set_ylabel('Liquidations per interval (USD)')
    ax.grid(axis='y', alpha=0.3)
    ax.legend(loc='upper left', fontsize=9)
    ax.set_title('Bars stacked: long at the bottom, short on top', **charts.SUBTITLE_STYLE)
    return None


SPEC: Final = KindSpec[list[Row]](
    retrieval=Retrieval.TIME_WINDOWS,
    parse=normalize_rows,
    is_empty=list_is_empty,
    size=list_size,
    subject=default_subject,
    summarize=summarize,
    rows=rows_unchanged,
    draw=draw,
)
