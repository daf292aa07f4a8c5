"""One query's result, typed, and the one place its dataset item is rendered.

Every dataset item has the shape `{"success", "message", "mode", <the query's parameters as given>, ..., "data"}`:
a success may add `query_index` (in a batch), `derived_from`, `summary`, `chart_url` and `alerts`; a failure adds
`query_index`, `error_type` (an `ErrorType`) and `data: null`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from src.scrub import scrub_value

if TYPE_CHECKING:
    from collections.abc import Mapping

    from src.errors import ErrorType


@dataclass(frozen=True)
class Mark:
    """What `since_last_run` remembers of a query's rows, in a named key-value store, once they are pushed.

    Attributes:
        store: The key-value store's name (the input's `since_last_run_store`).
        key: The record's key, derived from the query's stream (`Query.stream`).
        value: `{"stream", "time": epoch ms of the newest final row delivered, "keys": row keys at that time}`.
    """

    store: str
    key: str
    value: Mapping[str, Any]


@dataclass(frozen=True)
class Chart:
    """A chart PNG and the key-value store key it is stored under (`chart-0003-liquidation_map.png`)."""

    key: str
    png: bytes


@dataclass(frozen=True, kw_only=True)
class QueryResult:
    """What one query ended with.

    Attributes:
        mode: The query's mode; None when the input named none that exists.
        echo: The query's parameters as given (the defaults filled in), echoed in the item.
        success: Whether data (or an empty answer) arrived.
        message: One sentence a person can act on.
        index: The query's position in `queries`; None for a one-query run.
        data: The data as the query's `output` shapes it.
        summary: The summary, for kinds that have one.
        chart: The chart, when one was asked for and drawn.
        chart_error: Why a chart that was asked for is missing.
        error_type: The kind of failure; None for a success.
        event: The pay-per-event event to charge for this result; None when it is free (failures, empty answers).
        alerts: The alert rules of its mode that fired (`FiredAlert.as_item()`); None when the input set no rule
            for its mode.
        mark: What `since_last_run` is to remember once the result is pushed.
        derived_from: Where the data came from when another mode's endpoint answered the query
            (`DerivedFrom.as_item()`).
        data_bytes: The size of `data` as compact JSON, so the runner can push large results sooner.
    """

    mode: str | None
    echo: Mapping[str, Any] = field(default_factory=dict)
    success: bool
    message: str
    index: int | None = None
    data: Any = None
    summary: Mapping[str, Any] | None = None
    chart: Chart | None = None
    chart_error: str | None = None
    error_type: ErrorType | None = None
    event: str | None = None
    alerts: tuple[Mapping[str, Any], ...] | None = None
    mark: Mark | None = None
    derived_from: Mapping[str, Any] | None = None
    data_bytes: int = 0

    def item(self, chart_url: str | None = None) -> dict[str, Any]:
        """The dataset item, scrubbed of secrets (`src.scrub`); `chart_url` is where the sink stored the chart."""
        item: dict[str, Any] = scrub_value(self._item(chart_url))
        return item

    def _item(self, chart_url: str | None) -> dict[str, Any]:
        item: dict[str, Any] = {'success': self.success, 'message': self.message, 'mode': self.mode, **self.echo}
        if self.index is not None:
            item['query_index'] = self.index
        if not self.success:
            return item | {'error_type': str(self.error_type), 'data': None}
        if self.derived_from is not None:
            item['derived_from'] = dict(self.derived_from)
        if self.summary is not None:
            item['summary'] = self.summary
        if self.chart is not None or self.chart_error is not None:
            item['chart_url'] = chart_url
        if self.alerts is not None:
            item['alerts'] = list(self.alerts)
        item['data'] = self.data
        return item
