"""The presentation stage: pure functions from a query's fetched data to what its dataset item shows.

`present` builds the summary and shapes `data` as the query's `output` asks (`full`: as parsed, `rows`: flat
records, `summary`: None). `draw_chart` renders the chart PNG; it is CPU-bound (call it in a worker thread) and
imports the chart toolkit, and with it numpy and matplotlib, only when called.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src.kinds import summary_json
from src.query import Output

if TYPE_CHECKING:
    from src.kinds import Fetched, KindSpec

CHARTS_AT_ONCE: Final = 2  # charts drawn at the same time, at most (drawing is CPU-bound: two cores are plenty)
_DRAWING: Final = threading.BoundedSemaphore(CHARTS_AT_ONCE)


@dataclass(frozen=True)
class Presented:
    """What a success item shows besides the parameters.

    Attributes:
        data: The data as the query's `output` shapes it.
        summary: The kind's typed summary (None for kinds without one), for alerts and the chart.
        summary_item: The summary as the item shows it, its headline first.
    """

    data: Any
    summary: Any
    summary_item: dict[str, Any] | None


def present(spec: KindSpec[Any, Any], fetched: Fetched[Any]) -> Presented:
    """The summary (None for kinds without one), its `headline` first, and `data` as the query's `output` asks."""
    summary = spec.summarize(fetched) if spec.summarize is not None else None
    item = None
    if summary is not None:
        headline = spec.headline(summary) if spec.headline is not None else None
        item = {'headline': headline, **summary_json(summary)} if headline is not None else summary_json(summary)
    output = fetched.query.output
    if output is Output.ROWS:
        return Presented(spec.rows(fetched), summary, item)
    if output is Output.SUMMARY:
        return Presented(None, summary, item)
    return Presented(spec.full_data(fetched.data), summary, item)


def draw_chart(spec: KindSpec[Any, Any], fetched: Fetched[Any], summary: Any, *, title: str) -> bytes:
    """The query's chart as a 1200x700 PNG of its data and summary; empty data draws a chart that says `No data`.

    Raises:
        ValueError: The kind has no chart. Whatever matplotlib raises is the caller's to report, too.
    """
    draw = spec.draw
    if draw is None:
        raise ValueError('this kind of data has no chart')
    from src import charts  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for

    def on(fig: Any) -> str | None:
        return 'No data' if spec.is_empty(fetched.data) else draw(fig, fetched, summary)

    with _DRAWING:  # a figure being drawn holds tens of MB: a batch draws a few at a time, not one per worker
        return charts.render(on, title=title)
