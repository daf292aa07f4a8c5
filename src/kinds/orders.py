"""Liquidation orders: single liquidations of a coin on an exchange over CoinGlass's last 7 days, newest first.

Data: rows `{"exchange_name", "symbol", "base_asset", "price", "usd_value", "side", "time": ms}`, paged back 200
at a time (`Retrieval.BACKWARD_PAGES`).

Side: CoinGlass's REST docs label `side` 1 Buy and 2 Sell, its WebSocket docs call the two values long and short
liquidations. A liquidated position is closed by the opposite order, so side 1 (a buy order) is read as a SHORT
position liquidated and side 2 (a sell order) as a LONG position liquidated (ORDER_SIDE_READING). The raw value
is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src.kinds.base import Fetched, Retrieval, Row, table_spec
from src.kinds.contracts import Amount, EpochMs, Record, Table, read_table
from src.kinds.figures import format_exact_price, format_usd, plural, usd
from src.query import COIN, EXCHANGE
from src.times import iso

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from src.query import Query

ORDER_SIDE_READING: Final = (
    'CoinGlass order side 1 is a buy order and side 2 a sell order, and a liquidated position is closed by the '
    'opposite order, so side 1 is read as a short position liquidated and side 2 as a long position liquidated.'
)
SIDE_SHORT_LIQUIDATED: Final = 1
SIDE_LONG_LIQUIDATED: Final = 2
TIME_BUCKETS: Final = 48  # bars of the chart's longs-and-shorts panel


class Order(Record):
    """One liquidation order: when (epoch ms), at what price, for how many USD, and its raw `side`."""

    time: EpochMs
    price: Amount = None
    usd_value: Amount = None
    side: int | None = None
    symbol: str | None = None


Orders = Table[Order]


def parse(data: Any) -> Orders:
    """An orders reply by the `Order` contract."""
    return read_table(data, Order)


def position_side(side: object) -> str | None:
    """The position an order liquidated, by ORDER_SIDE_READING: `short` (side 1), `long` (side 2), else None."""
    if side == SIDE_SHORT_LIQUIDATED:
        return 'short'
    if side == SIDE_LONG_LIQUIDATED:
        return 'long'
    return None


@dataclass(frozen=True)
class OrdersSummary:
    """Orders counted and summed (USD) per liquidated side, the largest order, and the span's times (epoch ms).

    Attributes:
        count: How many orders.
        total_usd: Their USD values together.
        long_liquidated_usd: The orders that liquidated long positions (side 2, by ORDER_SIDE_READING).
        short_liquidated_usd: Those that liquidated short positions (side 1).
        long_liquidated_count: How many liquidated longs.
        short_liquidated_count: How many liquidated shorts.
        largest_order: The largest order's row, as CoinGlass sent it (values typed).
        side_reading: How `side` is read (ORDER_SIDE_READING).
        first_time: The oldest order's time.
        last_time: The newest order's time.
        missing_figures: Orders without a USD value (counted as nothing in the totals).
    """

    count: int
    total_usd: float | None
    long_liquidated_usd: float | None
    short_liquidated_usd: float | None
    long_liquidated_count: int
    short_liquidated_count: int
    largest_order: Row | None
    side_reading: str
    first_time: int | None
    last_time: int | None
    missing_figures: int


def summarize(fetched: Fetched[Orders]) -> OrdersSummary:
    """Counts and USD totals per liquidated side, the largest order, and the span's first and last time (ms).

    An order without a USD value (null) counts as nothing in the totals; `missing_figures` says how many there were.
    """
    sums = {'long': 0.0, 'short': 0.0}
    counts = {'long': 0, 'short': 0}
    total = 0.0
    largest: int | None = None
    records = fetched.data.records
    for index, record in enumerate(records):
        value = record.usd_value or 0.0
        total += value
        position = position_side(record.side)
        if position is not None:
            sums[position] += value
            counts[position] += 1
        if largest is None or value > (records[largest].usd_value or 0.0):
            largest = index
    times = [record.time for record in records]
    return OrdersSummary(
        count=len(records),
        total_usd=usd(total),
        long_liquidated_usd=usd(sums['long']),
        short_liquidated_usd=usd(sums['short']),
        long_liquidated_count=counts['long'],
        short_liquidated_count=counts['short'],
        largest_order=None if largest is None else dict(fetched.data.rows[largest]),
        side_reading=ORDER_SIDE_READING,
        first_time=min(times) if times else None,
        last_time=max(times) if times else None,
        missing_figures=sum(record.usd_value is None for record in records),
    )


def headline(summary: OrdersSummary) -> str:
    """`1210 orders, $310M: longs $160M (610), shorts $150M (600); largest $2.1M, a long at 87,535.9 on ...`."""
    text = (
        f'{plural(summary.count, "order")}, {format_usd(summary.total_usd or 0.0)}: longs liquidated '
        f'{format_usd(summary.long_liquidated_usd or 0.0)} ({summary.long_liquidated_count}), shorts '
        f'{format_usd(summary.short_liquidated_usd or 0.0)} ({summary.short_liquidated_count})'
    )
    if summary.missing_figures:
        text += f' ({plural(summary.missing_figures, "order")} without a USD value)'
    largest = summary.largest_order
    if largest is None:
        return f'{text}.'
    side = {'long': 'a long', 'short': 'a short'}.get(position_side(largest.get('side')) or '', 'of an unknown side')
    where = f' at {format_exact_price(largest["price"])}' if isinstance(largest.get('price'), int | float) else ''
    when = f' on {iso(largest["time"])}' if isinstance(largest.get('time'), int) else ''
    value = largest.get('usd_value')
    return f'{text}; largest {format_usd(value if isinstance(value, int | float) else 0.0)}, {side}{where}{when}.'


def order_identity(row: Row) -> Hashable:
    """What tells two orders apart where pages overlap: time, symbol, price, USD value and side."""
    return (row.get('time'), row.get('symbol'), row.get('price'), row.get('usd_value'), row.get('side'))


def _largest(field: str) -> Callable[[OrdersSummary], float | None]:
    def figure(summary: OrdersSummary) -> float | None:
        value = (summary.largest_order or {}).get(field)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    return figure


def subject(query: Query) -> str:
    """`BTC on Binance`."""
    return f'{query.get(COIN)} on {query.get(EXCHANGE)}'


def draw(fig: Figure, fetched: Fetched[Orders], summary: OrdersSummary) -> str | None:
    """Two panels on one UTC time axis: the split per time bucket, and each order at its price.

    The top panel mirrors the sides (shorts liquidated up, longs down), so neither hides the other however even the
    split; the bottom one shows each order at its price, marker area by its USD value.
    """
    from src import charts  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for

    rows = [record for record in fetched.data.records if record.price is not None]
    if not rows:
        return 'No data'
    split, prices = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.5))
    _split_bars(split, rows, summary)
    _price_scatter(prices, rows)
    charts.utc_date_axis(prices)
    split.set_title(
        f'{plural(len(rows), "order")}; side 1 (a buy order) read as a short liquidated, side 2 as a long',
        **charts.SUBTITLE_STYLE,
    )
    return None


def _split_bars(ax: Axes, rows: list[Order], summary: OrdersSummary) -> None:
    """Shorts (up) and longs (down) liquidated per time bucket, USD, with each side's total in the legend."""
    import numpy as np  # noqa: PLC0415

    from src import charts  # noqa: PLC0415

    dates = charts.epoch_dates([record.time for record in rows], 'ms')
    edges = np.linspace(dates.min(), dates.max() + 1e-6, TIME_BUCKETS + 1)
    width = float(edges[1] - edges[0])
    for position, sign, colour in (('short', 1.0, charts.SHORT_COLOUR), ('long', -1.0, charts.LONG_COLOUR)):
        picked = np.asarray([position_side(record.side) == position for record in rows])
        usd_values = np.asarray([record.usd_value or 0.0 for record in rows])
        sums, _ = np.histogram(dates[picked], bins=edges, weights=usd_values[picked])
        total, count = (
            (summary.short_liquidated_usd, summary.short_liquidated_count)
            if position == 'short'
            else (summary.long_liquidated_usd, summary.long_liquidated_count)
        )
        label = f'{position.title()}s liquidated: {format_usd(total or 0.0)} in {plural(count, "order")}'
        ax.bar(edges[:-1], sign * sums, width=width * 0.9, align='edge', color=colour, label=label)
    ax.axhline(0, color=charts.REFERENCE_COLOUR, lw=0.8)
    ax.yaxis.set_major_formatter(charts.MIRRORED_USD_FORMATTER)
    ax.set_ylabel('USD per bucket\n(shorts up, longs down)')
    ax.grid(axis='y', alpha=0.3)
    ax.legend(loc='center left', bbox_to_anchor=(1.01, 0.5), fontsize=9, title='Side, total and orders')


def _price_scatter(ax: Axes, rows: list[Order]) -> None:
    """Each order at its time and price, coloured by side.

    Both sides are one layer drawn biggest first, so no side is painted over the other and small orders stay visible.
    """
    import numpy as np  # noqa: PLC0415
    from matplotlib.lines import Line2D  # noqa: PLC0415

    from src import charts  # noqa: PLC0415

    ordered = sorted(rows, key=lambda record: -(record.usd_value or 0.0))
    values = np.asarray([record.usd_value or 0.0 for record in ordered], dtype=np.float64)
    biggest = float(values.max()) or 1.0

    def area(usd_values: Any) -> Any:
        return 8.0 + 500.0 * np.clip(usd_values, 0, None) / biggest

    colours = {'long': charts.LONG_COLOUR, 'short': charts.SHORT_COLOUR, None: charts.UNKNOWN_COLOUR}
    dates = charts.epoch_dates([record.time for record in ordered], 'ms')
    prices = [float(record.price or 0.0) for record in ordered]
    sides = [colours[position_side(record.side)] for record in ordered]
    ax.scatter(dates, prices, s=area(values), c=sides, alpha=0.6, edgecolors='white', lw=0.5)
    handles: list[Artist] = [
        Line2D([], [], ls='', marker='o', markersize=9, color=colours[side], alpha=0.8, label=label)
        for side, label in (('long', 'Long liquidated (side 2)'), ('short', 'Short liquidated (side 1)'))
    ]
    handles.extend(_size_handles(area, biggest))
    ax.legend(handles=handles, loc='center left', bbox_to_anchor=(1.01, 0.5), fontsize=9, labelspacing=1.2)
    ax.yaxis.set_major_formatter(charts.PRICE_FORMATTER)
    ax.set_ylabel('Liquidation price (USD)')
    ax.grid(alpha=0.3)
    ax.margins(x=0.02, y=0.1)


def _size_handles(area: Callable[[Any], Any], biggest: float) -> list[Artist]:
    """Legend entries for three order sizes, the biggest order's and a quarter and a twentieth of it."""
    import numpy as np  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for
    from matplotlib.lines import Line2D  # noqa: PLC0415

    return [
        Line2D(
            [],
            [],
            ls='',
            marker='o',
            markersize=float(np.sqrt(area(np.asarray([size]))[0])),
            markerfacecolor='none',
            markeredgecolor='#555555',
            label=f'{format_usd(size)} order',
        )
        for size in sorted({biggest, biggest / 4, biggest / 20}, reverse=True)
    ]


SPEC: Final = table_spec(
    retrieval=Retrieval.BACKWARD_PAGES,
    parse=parse,
    subject=subject,
    summarize=summarize,
    headline=headline,
    draw=draw,
    figures={
        'count': lambda s: s.count,
        'total_usd': lambda s: s.total_usd,
        'long_liquidated_usd': lambda s: s.long_liquidated_usd,
        'short_liquidated_usd': lambda s: s.short_liquidated_usd,
        'long_liquidated_count': lambda s: s.long_liquidated_count,
        'short_liquidated_count': lambda s: s.short_liquidated_count,
        'largest_order.usd_value': _largest('usd_value'),
        'largest_order.price': _largest('price'),
    },
    final_until=lambda fetched: max((record.time for record in fetched.data.records), default=None),
    row_identity=order_identity,
)
