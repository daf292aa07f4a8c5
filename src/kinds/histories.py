"""Liquidation histories (pair and coin): long and short liquidations per interval, realized, in USD.

Data: rows `{"time": ms, "long_liquidation_usd", "short_liquidation_usd"}` for a pair, and the same with
`aggregated_long_liquidation_usd` / `aggregated_short_liquidation_usd` for a coin across exchanges, ascending in
time; amounts are numbers live and numeric strings in the docs. CoinGlass may answer with more rows than asked
(1,080 for 1,000; 4,500 daily rows with years of leading zeros): the fetch stage keeps `limit`. The newest row is
often the interval still open at the time of the request, so its figures are partial. A span of any length is
fetched in windows of 1000 rows (`Retrieval.TIME_WINDOWS`) and merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src.kinds.base import Fetched, Retrieval, table_spec
from src.kinds.contracts import Amount, EpochMs, Record, Table, read_table, spelled
from src.kinds.figures import format_usd, plural, ratio, usd
from src.modes import HISTORY_PAGE_ROWS
from src.query import END_TIME, INTERVAL, ITEM_ROWS, LIMIT, MAX_LIMIT, START_TIME
from src.times import duration_ms, iso

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from src.query import Query


class Interval(Record):
    """One interval: its open time (epoch ms) and the long and short liquidations in it (USD; None when missing)."""

    time: EpochMs
    long_usd: Amount = spelled('long_liquidation_usd', 'aggregated_long_liquidation_usd', 'longLiquidation_usd')
    short_usd: Amount = spelled('short_liquidation_usd', 'aggregated_short_liquidation_usd', 'shortLiquidation_usd')


History = Table[Interval]


def parse(data: Any) -> History:
    """A history reply by the `Interval` contract."""
    return read_table(data, Interval)


@dataclass(frozen=True)
class IntervalTotals:
    """One interval's liquidations (USD) and when it opened (epoch ms)."""

    time: int
    long_usd: float | None
    short_usd: float | None
    total_usd: float | None


@dataclass(frozen=True)
class HistorySummary:
    """A history's totals over its span (USD), its long share, its busiest interval and whether the last is open.

    Attributes:
        intervals: How many intervals (rows).
        first_time: The first interval's open time (epoch ms).
        last_time: The last interval's open time (epoch ms).
        last_interval_open: Whether the newest interval had not closed at the run's "now": its figures are partial.
        long_usd: Long liquidations over the span.
        short_usd: Short liquidations over the span.
        total_usd: Both.
        net_long_minus_short_usd: Long minus short.
        long_share: The long part of the total, 0 to 1.
        largest_interval: The interval with the most liquidations.
        missing_figures: How many figures CoinGlass sent as null (counted as nothing in the totals).
    """

    intervals: int
    first_time: int | None
    last_time: int | None
    last_interval_open: bool
    long_usd: float | None
    short_usd: float | None
    total_usd: float | None
    net_long_minus_short_usd: float | None
    long_share: float | None
    largest_interval: IntervalTotals | None
    missing_figures: int


def summarize(fetched: Fetched[History]) -> HistorySummary:
    """Totals over the span, the long share, the interval with the most liquidations, and whether the last is open.

    Missing figures (null) count as nothing in the totals; `missing_figures` says how many there were.
    """
    records = fetched.data.records
    long_total = sum(record.long_usd or 0.0 for record in records)
    short_total = sum(record.short_usd or 0.0 for record in records)
    largest = max(records, key=lambda record: (record.long_usd or 0.0) + (record.short_usd or 0.0), default=None)
    grand_total = long_total + short_total
    last = records[-1] if records else None
    step = duration_ms(fetched.query.get(INTERVAL) or '1d')
    return HistorySummary(
        intervals=len(records),
        first_time=records[0].time if records else None,
        last_time=last.time if last else None,
        last_interval_open=last is not None and last.time + step > fetched.now_ms,
        long_usd=usd(long_total),
        short_usd=usd(short_total),
        total_usd=usd(grand_total),
        net_long_minus_short_usd=usd(long_total - short_total),
        long_share=ratio(long_total, grand_total),
        largest_interval=None if largest is None else _interval(largest),
        missing_figures=sum((record.long_usd is None) + (record.short_usd is None) for record in records),
    )


def final_until(fetched: Fetched[History]) -> int | None:
    """The newest interval that had closed at the run's "now" (the open one's figures still change)."""
    step = duration_ms(fetched.query.get(INTERVAL) or '1d')
    closed = [record.time for record in fetched.data.records if record.time + step <= fetched.now_ms]
    return max(closed, default=None)


def headline(summary: HistorySummary) -> str:
    """`Longs $1.2B and shorts $980M over 745 intervals (55% long); the most in one: $13.3M at 2025-10-11 06:00 UTC`."""
    largest = summary.largest_interval
    if not summary.intervals or largest is None:
        return 'No intervals.'
    text = (
        f'Longs {format_usd(summary.long_usd or 0.0)} and shorts {format_usd(summary.short_usd or 0.0)} over '
        f'{plural(summary.intervals, "interval")}'
    )
    if summary.missing_figures:
        text += f' ({plural(summary.missing_figures, "figure")} missing)'
    elif summary.long_share is not None:
        text += f' ({summary.long_share * 100:.0f}% long)'
    text += f'; the most in one: {format_usd(largest.total_usd or 0.0)} at {iso(largest.time)}'
    return text + ('; the last interval is still open.' if summary.last_interval_open else '.')


def _interval(record: Interval) -> IntervalTotals:
    long_usd, short_usd = record.long_usd or 0.0, record.short_usd or 0.0
    return IntervalTotals(record.time, usd(long_usd), usd(short_usd), usd(long_usd + short_usd))


def refusal(query: Query, now_ms: int) -> str | None:
    """Why a history of more rows than one query returns or one dataset item holds cannot run; None when it can.

    A query returns at most `MAX_LIMIT` rows; its item holds at most `ITEM_ROWS` of them but for the summary output.
    """
    start, interval, limit = query.get(START_TIME), query.get(INTERVAL) or '1d', query.get(LIMIT)
    end = query.get(END_TIME) or now_ms
    span = None if start is None else (end - start) // duration_ms(interval) + 1
    if span is not None and limit is None and span > MAX_LIMIT:
        return (
            f"Input fields 'start_time'..'end_time' span {span} rows of {interval}; one query returns at most "
            f'{MAX_LIMIT}. Shorten the span, use a coarser interval, or set limit.'
        )
    rows = min(limit or MAX_LIMIT, span or MAX_LIMIT) if (limit or span) else HISTORY_PAGE_ROWS
    if query.output.holds_data and rows > ITEM_ROWS:
        asked = (
            f"Input field 'limit' is {limit}"
            if limit == rows
            else f"Input fields 'start_time'..'end_time' span {rows} rows of {interval}"
        )
        return (
            f'{asked}: a dataset item holds at most {ITEM_ROWS} history rows (9 MB of JSON). Ask for '
            f'at most {ITEM_ROWS} (a shorter span or a coarser interval), or set output to "summary" for the '
            f'figures over all {rows} rows without them.'
        )
    return None


def draw(fig: Figure, fetched: Fetched[History], _summary: HistorySummary) -> str | None:
    """Stacked long and short liquidation bars over time."""
    import numpy as np  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for

    from src import charts  # noqa: PLC0415

    records = fetched.data.records
    if not records:
        return 'No data'
    times = charts.epoch_dates([record.time for record in records], 'ms')
    rows = np.asarray([(record.long_usd or 0.0, record.short_usd or 0.0) for record in records], dtype=np.float64)
    of = charts.bins(len(records), charts.MAX_TIME_BARS)  # past the bound, neighbouring intervals are summed
    dates = charts.bin_means(times, of)
    amounts = np.stack([np.bincount(of, weights=rows[:, side]) for side in (0, 1)], axis=1)
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
    binned = f'; {len(records):,} intervals summed into {dates.size} bars' if dates.size < len(records) else ''
    ax.set_title(f'Bars stacked: long at the bottom, short on top{binned}', **charts.SUBTITLE_STYLE)
    return None


SPEC: Final = table_spec(
    retrieval=Retrieval.TIME_WINDOWS,
    parse=parse,
    summarize=summarize,
    headline=headline,
    draw=draw,
    figures={
        'intervals': lambda s: s.intervals,
        'long_usd': lambda s: s.long_usd,
        'short_usd': lambda s: s.short_usd,
        'total_usd': lambda s: s.total_usd,
        'net_long_minus_short_usd': lambda s: s.net_long_minus_short_usd,
        'long_share': lambda s: s.long_share,
        'largest_interval.total_usd': lambda s: s.largest_interval.total_usd if s.largest_interval else None,
        'largest_interval.long_usd': lambda s: s.largest_interval.long_usd if s.largest_interval else None,
        'largest_interval.short_usd': lambda s: s.largest_interval.short_usd if s.largest_interval else None,
    },
    final_until=final_until,
    refusal=refusal,
)
