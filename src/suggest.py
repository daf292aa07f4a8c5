"""What to use instead of a parameter CoinGlass refused or does not list: pure functions over its lookups.

Each takes what the lookups hold (the supported pairs as `read_pairs` reads them, the supported coins, the
exchanges) and returns one sentence for the failure message, or `''` when there is nothing to suggest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from src.symbols import closest, exchange_key, flatten_pairs

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence


def exchanges_with_pairs(pairs: Mapping[str, Iterable[Mapping[str, Any]]], coin: str | None) -> str:
    """The exchanges CoinGlass lists pairs of `coin` on (every exchange with pairs when it lists none of it)."""
    records = flatten_pairs(pairs)
    listing = sorted({record['exchange'] for record in records if record.get('base_asset') in {coin or '', None}})
    listing = listing or sorted({record['exchange'] for record in records})
    return f'CoinGlass lists {coin + " " if coin else ""}pairs on {", ".join(listing)}.' if listing else ''


def closest_pairs(pairs: Mapping[str, Iterable[Mapping[str, Any]]], symbol: str) -> str:
    """The supported pairs (seed form) closest to `symbol`."""
    return _closest_supported(closest((record['symbol'] for record in flatten_pairs(pairs)), symbol))


def closest_coins(coins: Sequence[str], coin: str) -> str:
    """The supported coins closest to `coin`."""
    return _closest_supported(closest(coins, coin))


def closest_exchanges(listed: Sequence[str], unknown: str) -> str:
    """The listed exchanges closest to `unknown`, compared without case and punctuation; every one when none is."""
    found = closest(listed, unknown, key=exchange_key)
    return f'Closest listed: {", ".join(found)}.' if found else f'Listed: {", ".join(listed)}.'


def _closest_supported(found: Sequence[str]) -> str:
    return f'Closest supported: {", ".join(found)}.' if found else ''
