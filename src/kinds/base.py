"""What every kind of CoinGlass data provides: `KindSpec`, and `Fetched`, the data a kind's functions read.

A kind's functions are pure: `parse` reads CoinGlass's `data`, the others read a `Fetched` (the parsed data with
the query it answers and the reference price, when the kind needs one) and return values. None of them does
I/O; the fetch stage (`src.fetch`) gathers everything first. A kind's summary is a frozen dataclass: alerts read
its figures through typed getters (`KindSpec.figures`), charts take it as it is, and `summary_json` writes it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Generic, TypeAlias, TypeVar

from src.kinds.figures import plural
from src.query import COIN, END_TIME, EXCHANGE, INTERVAL, KEYWORD, LIMIT, PAIR, RANGE, START_TIME

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Mapping, Sequence

    from matplotlib.figure import Figure

    from src.kinds.contracts import Table
    from src.modes import Mode
    from src.query import Query
    from src.result import Mark

D = TypeVar('D')
S = TypeVar('S')
T = TypeVar('T')
Row: TypeAlias = dict[str, Any]


class Retrieval(Enum):
    """How a kind's answer is fetched from CoinGlass."""

    ONE_CALL = 'one_call'  # one request
    TIME_WINDOWS = 'time_windows'  # history: windows of at most 1000 rows, fetched concurrently
    BACKWARD_PAGES = 'backward_pages'  # orders: 200 newest rows per call, paged back with end_time
    SYMBOL_SEARCH = 'symbol_search'  # our own search over the supported-pairs and supported-coins lookups

    @property
    def reads(self) -> frozenset[str]:
        """The query values the retrieval itself reads, besides those sent to CoinGlass as they are."""
        return _RETRIEVAL_READS[self]


_RETRIEVAL_READS: Final = {
    Retrieval.ONE_CALL: frozenset(),
    Retrieval.TIME_WINDOWS: frozenset({START_TIME.name, END_TIME.name, LIMIT.name, INTERVAL.name}),
    Retrieval.BACKWARD_PAGES: frozenset({START_TIME.name, END_TIME.name}),
    Retrieval.SYMBOL_SEARCH: frozenset({KEYWORD.name, EXCHANGE.name}),
}


@dataclass(frozen=True)
class ReferencePrice:
    """The price a map's sides are measured from: a 1-minute close (USD) and where it came from."""

    price: float
    source: str


@dataclass(frozen=True)
class DerivedFrom:
    """Where a query's data came from when another mode's endpoint answered it (a 90d map, from the heatmap).

    Attributes:
        mode: The mode whose endpoint was called.
        range: The range it was called with.
        model: The heatmap model, for heatmaps.
        time: The time of the source's data that was used (epoch ms); None when it had none.
    """

    mode: Mode
    range: str
    model: str | None
    time: int | None = None

    def as_item(self) -> dict[str, Any]:
        """As the dataset item's `derived_from` shows it."""
        return {'mode': str(self.mode), 'range': self.range, 'model': self.model, 'time': self.time}


@dataclass(frozen=True)
class Derivation(Generic[D]):
    """A kind's data made from another kind's, and what to say about it.

    Attributes:
        data: The data, in this kind's shape.
        source: Where it came from, with the time of what was used.
        note: The sentence that says so, for the message.
        empty_reason: Why the data is empty (None when it is not).
        reference: A reference price the source carries (its last close), for kinds that need one.
    """

    data: D
    source: DerivedFrom
    note: str
    empty_reason: str | None = None
    reference: ReferencePrice | None = None


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
        derived_from: Where the data came from when another mode's endpoint answered the query.
    """

    query: Query
    data: D
    notes: tuple[str, ...] = ()
    reference: ReferencePrice | None = None
    now_ms: int = 0
    empty_reason: str | None = None
    mark: Mark | None = None
    derived_from: DerivedFrom | None = None


@dataclass(frozen=True, kw_only=True, eq=False)
class KindSpec(Generic[D, S]):
    """Everything that depends on the kind of data an endpoint returns.

    Attributes:
        retrieval: How the answer is fetched (one call, time windows, backward pages, a lookup search).
        parse: CoinGlass's `data` (None for no data) to the kind's data, by the kind's reply contract; raises
            `BadResponseError` naming the field and value it cannot read.
        full_data: The data as `output: "full"` delivers it: CoinGlass's structure and names, values typed.
        is_empty: Whether parsed data holds nothing (an empty answer is a success that is not charged).
        size: The data's size for messages, e.g. `60 price levels`.
        subject: What a query is about, for messages, e.g. `Binance_BTCUSDT (1d)`.
        summarize: The summary a trader reads first (a frozen dataclass), or None for kinds without one.
        headline: The summary's two or three figures a trader asks for first, as one short sentence (it leads the
            run's status message, which is what an AI agent reads first); None for kinds without a summary.
        rows: The data as flat records (`output: "rows"`).
        draw: Draws the chart of the data and its summary on a 1200x700 figure and returns None, or returns why
            there is nothing to draw; None for kinds without a chart. It imports numpy and matplotlib itself, only
            when called.
        needs_reference_price: Whether the fetch stage also fetches the latest price of the query's pair.
        figures: The summary's figures an alert rule may name, by dotted path (`cumulative_below_usd.2`,
            `largest_order.usd_value`, `largest_below.0.level_usd`: list positions are numbers), each read by a
            typed getter (None when the summary lacks it).
        final_until: For kinds whose rows have times, which `since_last_run` can follow: the newest time up to
            which the delivered rows are final (a history's open interval is not; an order is); None when no row
            is. None for other kinds.
        refusal: Why a valid query of this kind cannot run (a history of more rows than an item holds), checked
            before any request; None when it can.
        row_identity: What tells two rows apart when pages overlap (orders sharing the page boundary's time).
        invalid_parameter_advice: What to do when CoinGlass refuses a parameter of this kind's query, if not the
            general advice.
        derive: Makes this kind's data from another kind's parsed data (a map from a heatmap), for ranges the
            endpoint row answers from another mode (`Endpoint.derived`); None for kinds that are not derived.
    """

    retrieval: Retrieval
    parse: Callable[[Any], D]
    full_data: Callable[[D], Any]
    is_empty: Callable[[D], bool]
    size: Callable[[D], str]
    subject: Callable[[Query], str]
    summarize: Callable[[Fetched[D]], S] | None
    headline: Callable[[S], str] | None
    rows: Callable[[Fetched[D]], list[Row]]
    draw: Callable[[Figure, Fetched[D], S], str | None] | None
    needs_reference_price: bool = False
    figures: Mapping[str, Callable[[S], float | None]] = field(default_factory=lambda: MappingProxyType({}))
    final_until: Callable[[Fetched[D]], int | None] | None = None
    refusal: Callable[[Query, int], str | None] = lambda _query, _now_ms: None
    row_identity: Callable[[Row], Hashable] | None = None
    invalid_parameter_advice: str | None = None
    derive: Callable[[Any, DerivedFrom], Derivation[D]] | None = None

    @property
    def alert_fields(self) -> tuple[str, ...]:
        """The figures an alert rule may name, by dotted path."""
        return tuple(self.figures)


def summary_json(summary: Any) -> dict[str, Any]:
    """A summary dataclass as its item shows it: every field, nested dataclasses as objects, in declaration order."""
    return dataclasses.asdict(summary)


def default_subject(query: Query) -> str:
    """`Binance_BTCUSDT (1d)`, `BTC (4h)`, `Binance`, `all coins (24h)`: the pair, coin or exchange, and the span."""
    pair = query.get(PAIR)
    exchange = query.get(EXCHANGE)
    target = f'{exchange}_{pair}' if pair else query.get(COIN) or exchange or 'all coins'
    detail = query.get(RANGE) or query.get(INTERVAL)
    return f'{target} ({detail})' if detail else target


def table_spec(
    *,
    retrieval: Retrieval,
    parse: Callable[[Any], Table[Any]],
    summarize: Callable[[Fetched[Table[Any]]], S],
    headline: Callable[[S], str],
    draw: Callable[[Figure, Fetched[Table[Any]], S], str | None],
    figures: Mapping[str, Callable[[S], float | None]],
    subject: Callable[[Query], str] = default_subject,
    final_until: Callable[[Fetched[Table[Any]]], int | None] | None = None,
    refusal: Callable[[Query, int], str | None] = lambda _query, _now_ms: None,
    row_identity: Callable[[Row], Hashable] | None = None,
) -> KindSpec[Table[Any], S]:
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
        figures=figures,
        final_until=final_until,
        refusal=refusal,
        row_identity=row_identity,
    )


def first(items: Sequence[T] | None, read: Callable[[T], float | None]) -> float | None:
    """A figure of a list's first entry (the largest, where lists are ranked), or None when the list is empty."""
    return read(items[0]) if items else None
