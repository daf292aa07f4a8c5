"""Liquidations by exchange over a range (1h, 4h, 12h, 24h), for one coin or all coins; realized, in USD.

Data: rows `{"exchange", "liquidation_usd", "longLiquidation_usd", "shortLiquidation_usd"}` as CoinGlass sends
them live (its docs spell the split `long_liquidation_usd` / `short_liquidation_usd`; both are read), the first
with exchange `All` (the total across exchanges), sorted by `liquidation_usd` descending.

CoinGlass's totals are checked against their parts: the `All` row against the exchanges below it (it has been seen
at 0 while they held $7.4M), and each row's `liquidation_usd` against its long and short. Where they disagree the
summary uses the figure the parts give and says so in its `note`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src.kinds.base import Fetched, Retrieval, first, table_spec
from src.kinds.contracts import Amount, Record, Table, read_table, spelled
from src.kinds.figures import consistent_total, format_usd, row_total, share_entries, shares_text, usd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ALL_EXCHANGES: Final = 'all'


class ExchangeLiquidations(Record):
    """One exchange's liquidations over the range (USD; None when CoinGlass sent none)."""

    exchange: str
    liquidation_usd: Amount = None
    long_usd: Amount = spelled('longLiquidation_usd', 'long_liquidation_usd')
    short_usd: Amount = spelled('shortLiquidation_usd', 'short_liquidation_usd')

    @property
    def is_total(self) -> bool:
        """Whether this is CoinGlass's `All` row."""
        return self.exchange.strip().lower() == ALL_EXCHANGES


ExchangeTable = Table[ExchangeLiquidations]


def parse(data: Any) -> ExchangeTable:
    """An exchange-list reply by the `ExchangeLiquidations` contract."""
    return read_table(data, ExchangeLiquidations)


@dataclass(frozen=True)
class ExchangeShare:
    """One exchange's liquidations (USD), its share of the total and the long side's share of its split (%)."""

    exchange: str
    liquidation_usd: float | None
    share_pct: float | None
    long_share_pct: float | None

    @property
    def name(self) -> str:
        """The exchange."""
        return self.exchange

    @property
    def total_usd(self) -> float | None:
        """Its liquidations."""
        return self.liquidation_usd


@dataclass(frozen=True)
class ExchangeListSummary:
    """The total across exchanges (USD), each exchange's share, largest first, and what disagreed (`note`)."""

    total_usd: float | None
    exchanges: list[ExchangeShare]
    note: str | None


def summarize(fetched: Fetched[ExchangeTable]) -> ExchangeListSummary:
    """The total across exchanges and each exchange's share of it, largest first.

    The total is the sum of the exchanges (each consistent with its long and short), or the `All` row's when it
    came alone; `note` says when CoinGlass's `All` row or an exchange's own total disagreed or the `All` row came
    alone, and names the exchanges whose long/short split is unknown (None when there is nothing to say).
    """
    records = fetched.data.records
    exchanges = sorted((record for record in records if not record.is_total), key=lambda row: -row_total(row)[0])
    total = sum(row_total(record)[0] for record in exchanges)
    entries, notes = share_entries(exchanges, grand_total=total, name=lambda row: row.exchange, entry=ExchangeShare)
    given = next((record for record in records if record.is_total), None)
    check = None
    if given is not None and exchanges:
        check = consistent_total(given.liquidation_usd, total, what="CoinGlass's All row", parts_name='the exchanges')
    elif given is not None:  # nothing to check it against: the All row's own total, consistent with its parts
        total = row_total(given)[0]
        check = "CoinGlass sent only its All row, no exchange: the total is the All row's."
    note = ' '.join(text for text in (check, notes) if text) or None
    return ExchangeListSummary(usd(total), entries, note)


def headline(summary: ExchangeListSummary) -> str:
    """`$134M across exchanges; Binance 42.8% (50.7% long), Bybit 21.8% (49.5% long), OKX 17.0% (38.9% long).`."""
    return f'{format_usd(summary.total_usd or 0.0)} across exchanges; {shares_text(summary.exchanges)}.'


def draw(fig: Figure, _fetched: Fetched[ExchangeTable], summary: ExchangeListSummary) -> str | None:
    """Each exchange's share of the total, split into long and short where known."""
    from src import charts  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for

    return charts.share_bars(
        fig,
        summary.exchanges,
        axis_label='Exchange',
        note=f'Total across exchanges: {format_usd(summary.total_usd or 0.0)}',
    )


SPEC: Final = table_spec(
    retrieval=Retrieval.ONE_CALL,
    parse=parse,
    summarize=summarize,
    headline=headline,
    draw=draw,
    figures={
        'total_usd': lambda s: s.total_usd,
        'exchanges.0.liquidation_usd': lambda s: first(s.exchanges, lambda entry: entry.liquidation_usd),
        'exchanges.0.share_pct': lambda s: first(s.exchanges, lambda entry: entry.share_pct),
        'exchanges.0.long_share_pct': lambda s: first(s.exchanges, lambda entry: entry.long_share_pct),
    },
)
