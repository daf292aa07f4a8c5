"""Liquidations by coin on one exchange over the last 1h, 4h, 12h and 24h; realized, in USD.

Data: rows `{"symbol", "liquidation_usd_24h", "long_liquidation_usd_24h", "short_liquidation_usd_24h", ...}` with
the same three fields for `_12h`, `_4h` and `_1h`.
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

TOP_COINS: Final = 10


def summarize(fetched: Fetched[list[Row]]) -> Summary:
    """The 24h total of every coin and the TOP_COINS coins' shares of it, largest first.

    `note` names the coins whose 24h long/short split CoinGlass reported as 0 while their total is positive.
    """
    total = sum(amount(row.get('liquidation_usd_24h')) for row in fetched.data)
    ranked = sorted(fetched.data, key=lambda row: -amount(row.get('liquidation_usd_24h')))[:TOP_COINS]
    entries, note = shares(ranked, total, name='symbol', suffix='_24h')
    return {'total_usd_24h': usd(total), 'coins': entries, 'note': note}


def draw(fig: Figure, fetched: Fetched[list[Row]], summary: Mapping[str, Any] | None) -> str | None:
    """The top coins' shares of the 24h total, split into long and short where known."""
    from src import charts  # noqa: PLC0415 - numpy and matplotlib load only when a chart is asked for

    full = summary if summary and 'coins' in summary else summarize(fetched)
    total = charts.format_usd(float(full.get('total_usd_24h') or 0.0))
    return charts.share_bars(
        fig,
        full.get('coins') or [],
        name_key='symbol',
        value_key='liquidation_usd_24h',
        axis_label=f'Coin (top {TOP_COINS} by 24h liquidations)',
        note=f'Shares of the 24h total of all {len(fetched.data)} coins: {total}',
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
