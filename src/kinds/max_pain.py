"""Liquidation max pain: per coin, the price and the long and short max-pain liquidation prices and levels.

Data: rows `{"symbol", "price", "long_max_pain_liq_level", "long_max_pain_liq_price", "short_max_pain_liq_level",
"short_max_pain_liq_price"}` (prices and levels in USD), one per coin, several hundred coins live (563 in a 2026
capture); the summary keeps the coins with the most at stake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src.kinds.base import Fetched, Retrieval, first, table_spec
from src.kinds.contracts import Amount, Record, Table, read_table
from src.kinds.figures import distance_pct, format_exact_price, format_pct, plural

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_CHART_ROWS: Final = 30
SUMMARY_COINS: Final = 25
HEADLINE_COINS: Final = 2


class MaxPain(Record):
    """One coin: its price and its long and short max-pain liquidation prices and levels (USD)."""

    symbol: str
    price: Amount = None
    long_max_pain_liq_level: Amount = None
    long_max_pain_liq_price: Amount = None
    short_max_pain_liq_level: Amount = None
    short_max_pain_liq_price: Amount = None


MaxPainTable = Table[MaxPain]


def parse(data: Any) -> MaxPainTable:
    """A max-pain reply by the `MaxPain` contract."""
    return read_table(data, MaxPain)


def _distance(max_pain_price: float | None, price: float | None) -> float | None:
    return None if max_pain_price is None or price is None else distance_pct(max_pain_price, price)


@dataclass(frozen=True)
class CoinMaxPain:
    """One coin's price and its long and short max-pain liquidation prices (USD), with their signed distances (%)."""

    symbol: str
    price: float | None
    long_max_pain_price: float | None
    long_distance_pct: float | None
    short_max_pain_price: float | None
    short_distance_pct: float | None


@dataclass(frozen=True)
class MaxPainSummary:
    """How many coins the reply had, and the SUMMARY_COINS with the most at stake, largest first."""

    coins: int
    rows: list[CoinMaxPain]


def summarize(fetched: Fetched[MaxPainTable]) -> MaxPainSummary:
    """The SUMMARY_COINS coins with the most at stake, their max-pain prices and signed distances (% of the price).

    `coins` counts every coin of the reply (several hundred live); `rows` holds the coins whose long and short
    max-pain levels add up to the most USD, largest first, so the summary stays a few kilobytes.
    """
    records = sorted(
        fetched.data.records,
        key=lambda record: -((record.long_max_pain_liq_level or 0.0) + (record.short_max_pain_liq_level or 0.0)),
    )
    rows = [
        CoinMaxPain(
            symbol=record.symbol,
            price=record.price,
            long_max_pain_price=record.long_max_pain_liq_price,
            long_distance_pct=_distance(record.long_max_pain_liq_price, record.price),
            short_max_pain_price=record.short_max_pain_liq_price,
            short_distance_pct=_distance(record.short_max_pain_liq_price, record.price),
        )
        for record in records[:SUMMARY_COINS]
    ]
    return MaxPainSummary(len(records), rows)


def headline(summary: MaxPainSummary) -> str:
    """`563 coins; BTC at 95,000: long max pain 95,499.686 (+0.53%), short 94,366.388 (-0.67%); ETH at ...`."""
    parts = [
        f'{row.symbol} at {format_exact_price(row.price)}: long max pain '
        f'{format_exact_price(row.long_max_pain_price)} ({format_pct(row.long_distance_pct)}), short '
        f'{format_exact_price(row.short_max_pain_price)} ({format_pct(row.short_distance_pct)})'
        for row in summary.rows[:HEADLINE_COINS]
        if row.price is not None and row.long_max_pain_price is not None and row.short_max_pain_price is not None
    ]
    return '; '.join([plural(summary.coins, 'coin'), *parts]) + '.'


def draw(fig: Figure, _fetched: Fetched[MaxPainTable], summary: MaxPainSummary) -> str | None:
    """Per coin, the long and short max-pain prices as a distance (%) from the coin's price."""
    import numpy as np  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415

    from src import charts  # noqa: PLC0415

    rows = [row for row in summary.rows if row.long_distance_pct is not None or row.short_distance_pct is not None]
    if not rows:
        return 'No data'
    shown = rows[:MAX_CHART_ROWS]
    ax = fig.add_subplot()
    ys = np.arange(len(shown))
    longs = np.asarray([np.nan if row.long_distance_pct is None else row.long_distance_pct for row in shown])
    shorts = np.asarray([np.nan if row.short_distance_pct is None else row.short_distance_pct for row in shown])
    ax.hlines(ys, np.fmin(longs, shorts), np.fmax(longs, shorts), color='#cccccc', lw=2, zorder=1)
    ax.scatter(longs, ys, color=charts.LONG_COLOUR, s=60, zorder=3, label='Long max-pain liquidation price')
    ax.scatter(
        shorts, ys, color=charts.SHORT_COLOUR, s=60, marker='D', zorder=3, label='Short max-pain liquidation price'
    )
    ax.axvline(0, color=charts.REFERENCE_COLOUR, ls='--', lw=1.2, label='Current price (0%)', zorder=2)
    ax.set_yticks(ys, [f'{row.symbol}  {format_exact_price(float(row.price or 0.0))}' for row in shown], fontsize=9)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f'{v:+.1f}%'))
    ax.set_xlabel('Distance from current price (% of price, negative = below)')
    ax.set_ylabel('Coin and current price (USD)')
    ax.grid(axis='x', alpha=0.3)
    ax.legend(loc='lower center', bbox_to_anchor=(0.5, 1.0), ncols=3, fontsize=9, frameon=False)
    if len(rows) > len(shown):
        ax.set_xlabel(f'{ax.get_xlabel()}; first {len(shown)} of {len(rows)} coins')
    return None


SPEC: Final = table_spec(
    retrieval=Retrieval.ONE_CALL,
    parse=parse,
    summarize=summarize,
    headline=headline,
    draw=draw,
    figures={
        'coins': lambda s: s.coins,
        'rows.0.price': lambda s: first(s.rows, lambda row: row.price),
        'rows.0.long_distance_pct': lambda s: first(s.rows, lambda row: row.long_distance_pct),
        'rows.0.short_distance_pct': lambda s: first(s.rows, lambda row: row.short_distance_pct),
    },
)
