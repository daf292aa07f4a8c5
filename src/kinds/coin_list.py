"""Liquidations by coin on one exchange over the last 1h, 4h, 12h and 24h; realized, in USD.

Data: rows `{"symbol", "liquidation_usd_24h", "long_liquidation_usd_24h", "short_liquidation_usd_24h", ...}` with
the same three fields for `_12h`, `_4h` and `_1h` (the hybrid spelling `longLiquidation_usd_24h` the exchange list
uses live is read too). Each coin's 24h total is checked against its long and short, as in the exchange list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src.kinds.base import Fetched, Retrieval, first, table_spec
from src.kinds.contracts import Amount, Record, Table, read_table, spelled
from src.kinds.figures import format_usd, row_total, share_entries, shares_text, usd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TOP_COINS: Final = 10


class CoinLiquidations(Record):
    """One coin's liquidations over the last 24h, 12h, 4h and 1h (USD; None when CoinGlass sent none)."""

    symbol: str
    liquidation_usd_24h: Amount = None
    long_usd_24h: Amount = spelled('long_liquidation_usd_24h', 'longLiquidation_usd_24h')
    short_usd_24h: Amount = spelled('short_liquidation_usd_24h', 'shortLiquidation_usd_24h')
    liquidation_usd_12h: Amount = None
    long_usd_12h: Amount = spelled('long_liquidation_usd_12h', 'longLiquidation_usd_12h')
    short_usd_12h: Amount = spelled('short_liquidation_usd_12h', 'shortLiquidation_usd_12h')
    liquidation_usd_4h: Amount = None
    long_usd_4h: Amount = spelled('long_liquidation_usd_4h', 'longLiquidation_usd_4h')
    short_usd_4h: Amount = spelled('short_liquidation_usd_4h', 'shortLiquidation_usd_4h')
    liquidation_usd_1h: Amount = None
    long_usd_1h: Amount = spelled('long_liquidation_usd_1h', 'longLiquidation_usd_1h')
    short_usd_1h: Amount = spelled('short_liquidation_usd_1h', 'shortLiquidation_usd_1h')

    @property
    def liquidation_usd(self) -> float | None:
        """The 24h total, which the summary ranks by."""
        return self.liquidation_usd_24h

    @property
    def long_usd(self) -> float | None:
        """The 24h long part."""
        return self.long_usd_24h

    @property
    def short_usd(self) -> float | None:
        """The 24h short part."""
        return self.short_usd_24h


CoinTable = Table[CoinLiquidations]


def parse(data: Any) -> CoinTable:
    """A coin-list reply by the `CoinLiquidations` contract."""
    return read_table(data, CoinLiquidations)


@dataclass(frozen=True)
class CoinShare:
    """One coin's 24h liquidations (USD), its share of the exchange's 24h total and its long share (%)."""

    symbol: str
    liquidation_usd_24h: float | None
    share_pct: float | None
    long_share_pct: float | None

    @property
    def name(self) -> str:
        """The coin."""
        return self.symbol

    @property
    def total_usd(self) -> float | None:
        """Its 24h liquidations."""
        return self.liquidation_usd_24h


@dataclass(frozen=True)
class CoinListSummary:
    """The exchange's 24h total (USD), the top coins' shares of it, largest first, and what disagreed (`note`)."""

    total_usd_24h: float | None
    coins: list[CoinShare]
    note: str | None


def summarize(fetched: Fetched[CoinTable]) -> CoinListSummary:
    """The 24h total of every coin and the TOP_COINS coins' shares of it, largest first.

    `note` names the top coins whose 24h total disagreed with its long and short (the parts are used), and those
    whose split is unknown.
    """
    records = fetched.data.records
    total = sum(row_total(record)[0] for record in records)
    top = sorted(records, key=lambda record: -row_total(record)[0])[:TOP_COINS]
    entries, note = share_entries(top, grand_total=total, name=lambda row: row.symbol, entry=CoinShare)
    return CoinListSummary(usd(total), entries, note)


def headline(summary: CoinListSummary) -> str:
    """`$262M in 24h; BTC 44.6% (57.8% long), ETH 20.1% (...), SOL 11.0% (...).`."""
    return f'{format_usd(summary.total_usd_24h or 0.0)} in 24h; {shares_text(summary.coins)}.'


def draw(fig: Figure, fetched: Fetched[CoinTable], summary: CoinListSummary) -> str | None:
    """The top coins' shares of the 24h total, split into long and short where known."""
    from src import charts  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for

    total = format_usd(summary.total_usd_24h or 0.0)
    return charts.share_bars(
        fig,
        summary.coins,
        axis_label=f'Coin (top {TOP_COINS} by 24h liquidations)',
        note=f'Shares of the 24h total of all {len(fetched.data)} coins: {total}',
    )


SPEC: Final = table_spec(
    retrieval=Retrieval.ONE_CALL,
    parse=parse,
    summarize=summarize,
    headline=headline,
    draw=draw,
    figures={
        'total_usd_24h': lambda s: s.total_usd_24h,
        'coins.0.liquidation_usd_24h': lambda s: first(s.coins, lambda entry: entry.liquidation_usd_24h),
        'coins.0.share_pct': lambda s: first(s.coins, lambda entry: entry.share_pct),
        'coins.0.long_share_pct': lambda s: first(s.coins, lambda entry: entry.long_share_pct),
    },
)
