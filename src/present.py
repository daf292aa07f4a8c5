"""The presentation stage: pure functions from a query's fetched data to what its dataset item shows.

`present` builds the summary and shapes `data` as the query's `output` asks (`full`: as parsed, `rows`: flat
records, `summary`: None). `draw_chart` renders the chart PNG under a title in words (`Liquidation map, Binance
BTCUSDT, 7 days`) and a line naming its source and the time its data was fetched (UTC); it is CPU-bound (call it in
a worker thread) and imports the chart toolkit, and with it numpy and matplotlib, only when called.
"""

from __future__ import annotations

import contextlib
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src.kinds import summary_json
from src.modes import ENDPOINTS
from src.query import COIN, EXCHANGE, EXCHANGES, INTERVAL, MODEL, PAIR, RANGE, Output
from src.times import iso

if TYPE_CHECKING:
    from src.kinds import Fetched, KindSpec
    from src.query import Query

CHARTS_AT_ONCE: Final = 2  # charts drawn at the same time, at most (drawing is CPU-bound: two cores are plenty)
_DRAWING: Final = threading.BoundedSemaphore(CHARTS_AT_ONCE)
_UNIT_WORDS: Final = {'m': 'minute', 'h': 'hour', 'd': 'day', 'w': 'week', 'y': 'year'}


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
    """The summary (None for kinds without one), its `headline` first, and `data` as the query's `output` asks.

    `output: "summary"` leaves `data` out only where there is a summary; a kind without one answers its data in full.
    """
    summary = spec.summarize(fetched) if spec.summarize is not None else None
    item = None
    if summary is not None:
        headline = spec.headline(summary) if spec.headline is not None else None
        item = {'headline': headline, **summary_json(summary)} if headline is not None else summary_json(summary)
    output = fetched.query.output
    if output is Output.ROWS:
        return Presented(spec.rows(fetched), summary, item)
    if output is Output.SUMMARY and summary is not None:
        return Presented(None, summary, item)
    # A kind without a summary (search_symbols) answers its data: a summary of nothing would be charged for nothing.
    return Presented(spec.full_data(fetched.data), summary, item)


def draw_chart(spec: KindSpec[Any, Any], fetched: Fetched[Any], summary: Any) -> bytes:
    """The query's chart as a 1200x700 PNG of its data and summary; empty data draws a chart that says `No data`.

    Its title is `chart_title`'s, and `chart_source` is its bottom line.

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
        return charts.render(on, title=chart_title(fetched.query), footer=chart_source(fetched))


def chart_title(query: Query) -> str:
    """The chart's title in words: `Liquidation map, Binance BTCUSDT, 7 days`.

    Others: `Coin liquidation history, BTC on Binance, OKX, 1-hour bars`, `Liquidation heatmap (model 2), Binance
    ETHUSDT, 3 days`, `Liquidation orders, BTC on Binance`, `Liquidation max pain, all coins, 24 hours`.
    """
    label = ENDPOINTS[query.mode].label
    model = query.get(MODEL)
    head = label[0].upper() + label[1:] + (f' (model {model.removeprefix("model")})' if model else '')
    span = query.get(RANGE)
    interval = query.get(INTERVAL)
    words = [duration_words(span)] if span else [f'{duration_words(interval, joined=True)} bars'] if interval else []
    return ', '.join([head, _target(query), *words])


def _target(query: Query) -> str:
    """What the query is about, in words: a pair, a coin and where, an exchange, or all coins."""
    pair, coin, exchange, exchanges = query.get(PAIR), query.get(COIN), query.get(EXCHANGE), query.get(EXCHANGES)
    if pair:
        return f'{exchange} {pair}'
    if coin and exchanges:
        return f'{coin} on {", ".join(exchanges)}'
    if coin:
        return f'{coin} on {exchange}' if exchange else f'{coin}, all exchanges'
    return exchange or 'all coins'


def duration_words(value: str, *, joined: bool = False) -> str:
    """`7d` as `7 days`, `1y` as `1 year`, `24h` as `24 hours`; `joined`: `1-hour`, as in `1-hour bars`."""
    match = re.fullmatch(r'(\d+)([mhdwy])', value)
    if match is None:
        return value
    count, unit = int(match.group(1)), _UNIT_WORDS[match.group(2)]
    if joined:
        return f'{count}-{unit}'
    return f'{count} {unit}{"" if count == 1 else "s"}'


def chart_source(fetched: Fetched[Any]) -> str:
    """Where the chart's data comes from and when it was fetched (the run's now), for the chart's bottom line.

    `Source: CoinGlass API v4, /api/futures/liquidation/map. Fetched 2025-11-21 00:00 UTC; times in UTC.`
    """
    path = ENDPOINTS[fetched.query.mode].path
    with contextlib.suppress(KeyError, IndexError, ValueError):  # a placeholder without a value: the table's path
        path = path.format_map(fetched.query.values)
    return f'Source: CoinGlass API v4, {path}. Fetched {iso(fetched.now_ms)}; times in UTC.'
