"""The kinds of CoinGlass data, one module each, and `KINDS`, the one registry of what depends on the kind.

Each endpoint row in `src.modes` names its kind; everything kind-specific is looked up here: how the answer is
fetched and read, whether it is empty, its size for messages, the summary, the flat rows, the chart and whether
it needs a reference price. A new endpoint of an existing kind is a row in the table; a new kind is a row plus
one module here (a `KindSpec` named `SPEC`) and its line in `KINDS`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from src.kinds import coin_list, exchange_list, heatmaps, histories, maps, max_pain, orders, symbols
from src.kinds.base import Fetched, KindSpec, ReferencePrice, Retrieval, Row, Summary
from src.modes import ENDPOINTS, Kind

if TYPE_CHECKING:
    from collections.abc import Mapping

    from src.modes import Mode

__all__ = ['KINDS', 'Fetched', 'KindSpec', 'ReferencePrice', 'Retrieval', 'Row', 'Summary', 'spec_of']

KINDS: Final[Mapping[Kind, KindSpec[Any]]] = MappingProxyType(
    {
        Kind.SYMBOLS: symbols.SPEC,
        Kind.MAP: maps.SPEC,
        Kind.HEATMAP: heatmaps.SPEC,
        Kind.HISTORY: histories.SPEC,
        Kind.ORDERS: orders.SPEC,
        Kind.EXCHANGE_LIST: exchange_list.SPEC,
        Kind.COIN_LIST: coin_list.SPEC,
        Kind.MAX_PAIN: max_pain.SPEC,
    }
)


def spec_of(mode: Mode) -> KindSpec[Any]:
    """The kind spec of a mode's endpoint."""
    return KINDS[ENDPOINTS[mode].kind]
