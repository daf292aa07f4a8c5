"""One query's result, typed, and the one place its dataset item is rendered.

Every dataset item has the shape `{"success", "message", "mode", <the query's parameters as given>, ..., "data"}`:
a success may add `query_index` (in a batch), `summary` and `chart_url`; a failure adds `query_index`,
`error_type` (an `ErrorType`) and `data: null`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from src.errors import ErrorType


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

    def item(self, chart_url: str | None = None) -> dict[str, Any]:
        """The dataset item; `chart_url` is where the sink stored the chart."""
        item: dict[str, Any] = {'success': self.success, 'message': self.message, 'mode': self.mode, **self.echo}
        if self.index is not None:
            item['query_index'] = self.index
        if not self.success:
            return item | {'error_type': str(self.error_type), 'data': None}
        if self.summary is not None:
            item['summary'] = self.summary
        if self.chart is not None or self.chart_error is not None:
            item['chart_url'] = chart_url
        item['data'] = self.data
        return item
