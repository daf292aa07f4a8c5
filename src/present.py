"""Shape a query's normalized data for the dataset: `output` (full, rows or summary), `summary`, charts.

Maps carry no price, so their summary first asks CoinGlass for a reference price (one extra call; if it fails
the summary says so and the query still succeeds). Charts are rendered only when asked for, in a worker thread,
and their module (and matplotlib) is imported only then.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src.errors import CoinGlassError
from src.modes import Mode
from src.rows import to_rows
from src.summaries import summarize

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from src.fetch import Fetcher
    from src.inputs import Query

MODES_WITH_REFERENCE_PRICE: Final = frozenset({Mode.LIQUIDATION_MAP, Mode.COIN_LIQUIDATION_MAP})


@dataclass(frozen=True)
class Presented:
    """What goes into a success envelope besides the parameters."""

    data: Any
    summary: dict[str, Any] | None
    chart_url: str | None
    notes: tuple[str, ...] = ()


async def present(
    query: Query,
    data: Any,
    fetcher: Fetcher,
    *,
    chart_key: str,
    store_chart: Callable[[str, bytes], Awaitable[str]],
) -> Presented:
    """Build the summary, shape `data` for the query's `output`, and store a chart when asked."""
    notes: list[str] = []
    reference_price, source = None, None
    if query.mode in MODES_WITH_REFERENCE_PRICE and data:
        try:
            reference_price, source = await fetcher.reference_price(query)
        except CoinGlassError as error:
            notes.append(f'No reference price ({error.detail}): the summary has no sides.')
    summary = summarize(query.mode, data, reference_price=reference_price, reference_price_source=source)
    chart_url = None
    if query.charts and query.mode is not Mode.SEARCH_SYMBOLS:
        png = await asyncio.to_thread(_render, query, data, summary)
        chart_url = await store_chart(chart_key, png)
    shaped = _shape(query, data, reference_price)
    return Presented(shaped, summary, chart_url, tuple(notes))


def _shape(query: Query, data: Any, reference_price: float | None) -> Any:
    """`data` as the query's `output` asks: as sent (full), flat records (rows), or nothing (summary)."""
    if query.output == 'rows':
        return to_rows(query.mode, data, reference_price=reference_price)
    if query.output == 'summary':
        return None
    return data


def _render(query: Query, data: Any, summary: dict[str, Any] | None) -> bytes:
    from src.charts import render_chart  # noqa: PLC0415 - matplotlib loads only when charts are asked for

    return render_chart(query.mode, data, summary, title=f'{query.mode} · {query.subject}')
