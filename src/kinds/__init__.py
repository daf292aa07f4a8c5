"""The kinds of CoinGlass data, one module each, and `KINDS`, the one registry of what depends on the kind.

Each endpoint row in `src.modes` names its kind; everything kind-specific is looked up here: how the answer is
fetched and read, whether it is empty, its size for messages, the summary, the flat rows, the chart and whether
it needs a reference price. A new endpoint of an existing kind is a row in the table; a new kind is a row plus
one module here (a `KindSpec` named `SPEC`) and its line in `MODULES`.

A kind's module is imported the first time its spec is asked for, so a run loads only the kinds its modes need.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from src.kinds.base import Fetched, KindSpec, ReferencePrice, Retrieval, Row, summary_json
from src.modes import ENDPOINTS, Kind

if TYPE_CHECKING:
    from src.modes import Mode

__all__ = ['KINDS', 'Fetched', 'KindSpec', 'ReferencePrice', 'Retrieval', 'Row', 'spec_of', 'summary_json']

MODULES: Final[Mapping[Kind, str]] = MappingProxyType(
    {
        Kind.SYMBOLS: 'symbols',
        Kind.MAP: 'maps',
        Kind.HEATMAP: 'heatmaps',
        Kind.HISTORY: 'histories',
        Kind.ORDERS: 'orders',
        Kind.EXCHANGE_LIST: 'exchange_list',
        Kind.COIN_LIST: 'coin_list',
        Kind.MAX_PAIN: 'max_pain',
    }
)
"""Each kind's module in this package; its `SPEC` is the kind's spec."""


class _Registry(Mapping[Kind, KindSpec[Any, Any]]):
    """Kind -> spec, each kind's module imported on first use."""

    def __getitem__(self, kind: Kind) -> KindSpec[Any, Any]:
        spec: KindSpec[Any, Any] = importlib.import_module(f'{__name__}.{MODULES[kind]}').SPEC
        return spec

    def __iter__(self) -> Iterator[Kind]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)


KINDS: Final[Mapping[Kind, KindSpec[Any, Any]]] = _Registry()


def spec_of(mode: Mode) -> KindSpec[Any, Any]:
    """The kind spec of a mode's endpoint."""
    return KINDS[ENDPOINTS[mode].kind]
