"""One validated query, below everything that reads it: the kinds, the fetch stage, alerts and the doors.

A `Query` is a mode and the values its input fields resolved to, each under a typed name (`Param`): `query.get(PAIR)`
is a `str | None` the type checker knows. The values the core itself reads have their names here; a field that
is only sent to CoinGlass (named in the endpoint table's `params`) needs no name here, only its declaration in
`src.fields`. This module also holds the output kinds and the row limits, which validation, fetching and
presenting all read. It imports only the endpoint table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Mapping

    from src.modes import Mode

T = TypeVar('T')
T_co = TypeVar('T_co', covariant=True)

MAX_LIMIT: Final = 100_000  # history rows one query returns at most
ITEM_ROWS: Final = 60_000  # history rows one dataset item holds: about 120 bytes of JSON each, 9 MB at most


class Output(StrEnum):
    """What a query's item carries as `data`: CoinGlass's structure, flat records, or nothing but the summary."""

    FULL = 'full'
    ROWS = 'rows'
    SUMMARY = 'summary'

    @property
    def holds_data(self) -> bool:
        """Whether the item carries the data itself (`summary` carries only the figures over it)."""
        return self is not Output.SUMMARY

    @property
    def max_rows(self) -> int:
        """History rows one query may fetch for this output: what an item holds, or all a query returns."""
        return ITEM_ROWS if self.holds_data else MAX_LIMIT


@dataclass(frozen=True)
class Param(Generic[T_co]):
    """The typed name of one of a query's values: `Param[str]('pair')` names a `str`."""

    name: str


EXCHANGE: Final = Param[str]('exchange')
"""The exchange, as CoinGlass spells it (`Binance`); of the pair for pair modes."""
PAIR: Final = Param[str]('pair')
"""The exchange's own instrument id of a pair (`BTCUSDT`, `BTC-USDT-SWAP`)."""
COIN: Final = Param[str]('coin')
"""A coin (`BTC`)."""
RANGE: Final = Param[str]('range')
"""A range as the endpoint takes it (`1d`, `24h`, `1y`)."""
INTERVAL: Final = Param[str]('interval')
"""A history's bar size (`1h`)."""
MODEL: Final = Param[str]('model')
"""A heatmap model (`model1`)."""
LIMIT: Final = Param[int]('limit')
"""The most history rows to return."""
START_TIME: Final = Param[int]('start_time')
"""A span's start, epoch ms."""
END_TIME: Final = Param[int]('end_time')
"""A span's end, epoch ms."""
EXCHANGES: Final = Param[tuple[str, ...]]('exchanges')
"""The exchanges a coin history adds up; sent as CoinGlass's comma-separated `exchange_list`."""
MIN_AMOUNT: Final = Param[int | float]('min_liquidation_amount')
"""The smallest order to list, USD."""
KEYWORD: Final = Param[str]('keyword')
"""A symbol search's text."""
SINCE_LAST_RUN: Final = Param[bool]('since_last_run')
"""Whether to deliver only what is new since the last run of the same query."""

STREAM_PARAMS: Final = (EXCHANGE, PAIR, COIN, INTERVAL, EXCHANGES, MIN_AMOUNT)
"""The values that pick a query's rows (not its span or shape): what `since_last_run` follows."""


@dataclass(frozen=True)
class Query:
    """One validated query: its mode, its values, and what to echo back in its envelope.

    Attributes:
        mode: The mode.
        values: Each value under its `Param` name (`Query.get` reads them typed); a value not set is absent.
        echo: The query's input fields as given (or, when not given, as used), for the item to echo.
        output: What the item carries as data.
        charts: Whether to draw a chart.
        notes: Sentences about the input for the message (an unknown field was ignored, ...).
    """

    mode: Mode
    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    echo: Mapping[str, Any] = field(default_factory=dict, compare=False)
    output: Output = field(default=Output.FULL, compare=False)
    charts: bool = field(default=False, compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __hash__(self) -> int:
        return hash((self.mode, tuple(sorted(self.values.items()))))

    def get(self, param: Param[T]) -> T | None:
        """The value named `param`, or None when the query has none."""
        return cast('T | None', self.values.get(param.name))

    def value(self, name: str) -> Any:
        """A value by its name, as the endpoint table's `params` names it; None when the query has none."""
        return self.values.get(name)

    def with_value(self, param: Param[T], value: T | None) -> Query:
        """The same query with one value replaced (None removes it): what the fetch stage actually asks."""
        values = {name: old for name, old in self.values.items() if name != param.name}
        if value is not None:
            values[param.name] = value
        return Query(self.mode, MappingProxyType(values), self.echo, self.output, self.charts, self.notes)

    @property
    def stream(self) -> str:
        """What `since_last_run` follows: the mode and the values that pick the rows, not the span or shape."""
        parts = [str(self.mode), *(_text(self.value(param.name)) for param in STREAM_PARAMS)]
        return '|'.join(parts)


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return ','.join(value)
    return '' if value is None else str(value)
