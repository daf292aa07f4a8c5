"""Liquidations by exchange over a range (1h, 4h, 12h, 24h), for one coin or all coins; realized, in USD.

Data: rows `{"exchange", "liquidation_usd", "long_liquidation_usd", "short_liquidation_usd"}`, the first with
exchange `All` (the total across exchanges), sorted by `liquidation_usd` descending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from src.kinds.base import (
    Fetched,
    KindSpec,
    Retrieval,
    Row,
    Summary,
    default_subject,
    list_is_empty,
    list_size,
    rows_unchanged,
)
from src.kinds.figures import amount, shares, usd
from src.normalize import normalize_rows

if TYPE_CHECKING:
    from collections.abc import Mapping

    from matplotlib.figure import Figure

ALL_EXCHANGES: Final = 'all'


def _is_total(row: Mapping[str, Any]) -> bool:
    return str(row.get('exchange', '')).strip().lower() == ALL_EXCHANGES


def summarize(fetched: Fetched[list[Row]]) -> Summary:
    """The total (the `All` row, else the sum of the exchanges) and each exchange's share of it, largest first.

    `note` names the exchanges whose long/short split CoinGlass reported as 0 while their total is positive.
    """
    totals = [row for row in fetched.data if _is_total(row)]
    exchanges = [row for row in fetched.data if not _is_total(row)]
    total = (
        amount(totals[0].get('liquidation_usd'))
        if totals
        else sum(amount(row.get('liquidation_usd')) for row in exchanges)
    )
    ranked = sorted(exchanges, key=lambda row: -amount(row.get('liquidation_usd')))
    entries, note = shares(ranked, total, name='exchange', suffix='')
    return {'total_usd': usd(total), 'exchanges': entries, 'note': note}


def draw(fig: Figure, fetched: Fetched[list[Row]], summary: Mapping[str, Any] | None) -> str | None:
    """Each exchange's share of the total, split into long and short where known."""
    from src import charts  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for

    full = summary if summary and 'exchanges' in summary else summarize(fetched)
    total = charts.format_usd(float(full.get('total_usd') or 0.0))
    return charts.share_bars(
        fig,
        full.get('exchanges') or [],
        name_key='exchange',
        value_key='liquidation_usd',
        axis_label='Exchange',
        note=f'Total across exchanges: {total}',
    )


SPEC: Final = KindSpec[list[Row]](
    retrieval=Retrieval.ONE_CALL,
    parse=normalize_rows,
    is_empty=list_is_empty,
    size=list_size,
    subject=default_subject,
    summarize=summarize,
    rows=rows_unchanged,
    draw=draw,
)
