"""Symbol search: CoinGlass's supported futures pairs matching a keyword, in the seed form `Binance_BTCUSDT`.

Data: rows `{"symbol", "exchange", "instrument_id", "base_asset", "quote_asset", ..., "coin_supported"}`, built by
the fetch stage from the supported-pairs and supported-coins lookups (`Retrieval.SYMBOL_SEARCH`). No summary and
no chart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from src.kinds.base import KindSpec, Retrieval, Row, list_is_empty, list_size, rows_unchanged
from src.normalize import normalize_rows

if TYPE_CHECKING:
    from src.inputs import Query


def subject(query: Query) -> str:
    """`'btc'`, or `all symbols`."""
    return f"'{query.keyword}'" if query.keyword else 'all symbols'


SPEC: Final = KindSpec[list[Row]](
    retrieval=Retrieval.SYMBOL_SEARCH,
    parse=normalize_rows,
    is_empty=list_is_empty,
    size=list_size,
    subject=subject,
    summarize=None,
    rows=rows_unchanged,
    draw=None,
)
