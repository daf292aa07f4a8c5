"""What every kind of CoinGlass data provides: `KindSpec`, and `Fetched`, the data a kind's functions read.

A kind's functions are pure: `parse` reads CoinGlass's `data`, the others read a `Fetched` (the parsed data with
the query it answers and the reference price, when the kind needs one) and return values. None of them does
I/O; the fetch stage (`src.fetch`) gathers everything first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

from src.kinds.figures import plural

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from matplotlib.figure import Figure

    from src.inputs import Query
    from src.kinds.contracts import Table
    from src.result import Mark

D = TypeVar('D')
Summary: TypeAlias = dict[str, Any]
Row: TypeAlias = dict[str, Any]


class Retrieval(Enum):
    """How a kind's answer is fetched from CoinGlass."""

    ONE_CALL = 'one_call'  # one request
    TIME_WINDOWS = 'time_windows'  # history: windows of at most 1000 rows, fetched concurrently
    BACKWARD_PAGES = 'backward_pages'  # orders: 200 newest rows per call, paged back with end_time
    SYMBOL_SEARCH = 'symbol_search'  # our own search over the supported-pairs and supported-coins lookups


@dataclass(frozen=True)
class ReferencePrice:
    """The price a map's sides are measured from: a 1-minute close (USD) and where it came from."""

    price: float
    source: str


@dataclass(frozen=True)
class Fetched(Generic[D]):
    """One query's parsed data and what was learnt while fetching it.

    Attributes:
        query: The query the data answers.
        data: The kind's parsed data.
        notes: Sentences for the message (a shorter history than asked, a missing reference price, ...).
        reference: The reference price, for kinds that need one; None when it could not be fetched.
        now_ms: The run's "now" (epoch ms), which relative times were read against.
        empty_reason: Why the data is empty when CoinGlass itself did send data (a filter of ours matched none).
        mark: What `since_last_run` is to remember once the result is pushed (None without `since_last_run`).
    """

    query: Query
    data: D
    notes: tuple[str, ...] = ()
    reference: ReferencePrice | None = None
    now_ms: int = 0
    empty_reason: str | None = None
    mark: Mark | None = None


@dataclass(frozen=True, kw_only=True)
class KindSpec(Generic[D]):
    """Everything that depends on the kind of data an endpoint returns.

    Attributes:
        retrieval: How the answer is fetched (one call, time windows, backward pages, a lookup search).
        parse: CoinGlass's `data` (None for no data) to the kind's data, by the kind's reply contract; raises
            `BadResponseError` naming the field and value it cannot read.
        full_data: The data as `output: "full"` delivers it: CoinGlass's structure and names, values typed.
        is_empty: Whether parsed data holds nothing (an empty answer is a success that is not charged).
        size: The data's size for messages, e.g. `60 price levels`.
        subject: What a query is about, for messages, e.g. `Binance_BTCUSDT (1d)`.
        summarize: The summary a trader reads first, or None for kinds without one.
        headline: The summary's two or three figures a trader asks for first, as one short sentence (it leads the
            run's status message, which is what an AI agent reads first); None for kinds without a summary.
        rows: The data as flat records (`output: "rows"`).
        draw: Draws the chart on a 1200x700 figure and returns None, or returns why there is nothing to draw;
            None for kinds without a chart. It imports numpy and matplotlib itself, only when called.
        needs_reference_price: Whether the fetch stage also fetches the latest price of the query's pair.
        alert_fields: The summary's figures an alert rule may name, as dotted paths (`cumulative_below_usd.2`,
            `largest_order.usd_value`, `largest_below.0.level_usd`: list positions are numbers).
        final_until: For kinds whose rows have times, which `since_last_run` can follow: the newest time up to
            which the delivered rows are final (a history's open interval is not; an order is); None when no row
            is. None for other kinds.
    """

    retrieval: Retrieval
    parse: Callable[[Any], D]
    full_data: Callable[[D], Any]
    is_empty: Callable[[D], bool]
    size: Callable[[D], str]
    subject: Callable[[Query], str]
    summarize: Callable[[Fetched[D]], Summary] | None
    headline: Callable[[Summary], str] | None
    rows: Callable[[Fetched[D]], list[Row]]
    draw: Callable[[Figure, Fetched[D], Mapping[str, Any] | None], str | None] | None
    needs_reference_price: bool = False
    alert_fields: tuple[str, ...] = ()
    final_until: Callable[[Fetched[D]], int | None] | None = None


def default_subject(query: Query) -> str:
    """`Binance_BTCUSDT (1d)`, `BTC (4h)`, `Binance`, `all coins (24h)`: the pair, coin or exchange, and the span."""
    target = f'{query.exchange}_{query.pair}' if query.pair else query.coin or query.exchange or 'all coins'
    detail = query.range or query.interval
    return f'{target} ({detail})' if detail else target


def table_spec(
    *,
    retrieval: Retrieval,
    parse: Callable[[Any], Table[Any]],
    summarize: Callable[[Fetched[Table[Any]]], Summary],
    headline: Callable[[Summary], str],
    draw: Callable[[Figure, Fetched[Table[Any]], Mapping[str, Any] | None], str | None],
    alert_fields: tuple[str, ...],
    subject: Callable[[Query], str] = default_subject,
    final_until: Callable[[Fetched[Table[Any]]], int | None] | None = None,
) -> KindSpec[Table[Any]]:
    """The spec of a kind whose reply is a list of rows (a `Table`): its data, size and flat rows are its rows."""
    return KindSpec(
        retrieval=retrieval,
        parse=parse,
        full_data=lambda table: list(table.rows),
        is_empty=lambda table: not table.rows,
        size=lambda table: plural(len(table), 'row'),
        subject=subject,
        summarize=summarize,
        headline=headline,
        rows=lambda fetched: list(fetched.data.rows),
        draw=draw,
        alert_fields=alert_fields,
        final_until=final_until,
    )
