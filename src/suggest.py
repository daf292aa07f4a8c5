"""What to use instead: of a parameter CoinGlass refused or does not list, and of a mistyped choice.

The lookup helpers take what the lookups hold (the supported pairs as `read_pairs` reads them, the supported coins,
the exchanges) and return one sentence for the failure message, or `''` when there is nothing to suggest;
`did_you_mean` reads a mistyped input choice (`liquidation map`) against the values the field takes.
"""

from __future__ import annotations

import contextlib
import difflib
from typing import TYPE_CHECKING, Any

from src.symbols import closest, exchange_key, flatten_pairs
from src.times import TimeFormatError, duration_ms

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


def did_you_mean(given: object, choices: Iterable[str]) -> str:
    """` (did you mean 'liquidation_map'?)` for a choice that is close to one of `choices`, else `''`.

    Compared in lower case without spaces, hyphens and underscores, so `Liquidation map`, `liquidation-map` and
    `model 2` name `liquidation_map` and `model2`; a span names the choice of the same length, both read as times
    read spans (`1 hour`: `1h`, `1 week`: `7d`, `365 days`: `1y`, `60m`: `1h`); otherwise the one or two choices
    at least 75 % similar (`summery` -> `summary`, `12hr` -> `12h`), for values of 4 characters or more: in shorter
    ones one character is the meaning (`90d` is not `30d`, `2h` not `12h`).
    """
    if not isinstance(given, str):
        return ''
    by_key = {_choice_key(choice): choice for choice in choices}
    wanted = _choice_key(given)
    same = _same_span(given, by_key.values())
    if wanted in by_key:
        found = [wanted]
    elif same is not None:
        found = [_choice_key(same)]
    elif len(wanted) >= 4:
        found = difflib.get_close_matches(wanted, list(by_key), n=2, cutoff=0.75)
    else:
        found = []
    named = ' or '.join(f"'{by_key[key]}'" for key in found)
    return f' (did you mean {named}?)' if found else ''


def field_hint(name: str, names: Iterable[str], *, cutoff: float = 0.6) -> str:
    """` (did you mean 'range'?)` for an unknown field name close to one of `names` (`Range`), else `''`."""
    close = closest_name(name, names, cutoff=cutoff)
    return f" (did you mean '{close}'?)" if close else ''


def closest_name(name: str, names: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The one of `names` closest to `name` in lower case (at least `cutoff` similar, as difflib measures), or None."""
    close = difflib.get_close_matches(name.lower(), list(names), n=1, cutoff=cutoff)
    return close[0] if close else None


def _same_span(given: str, choices: Iterable[str]) -> str | None:
    """The choice that is a span as long as `given` (both read as `src.times` reads a span), or None."""
    try:
        wanted = duration_ms(given)
    except TimeFormatError:
        return None
    for choice in choices:
        with contextlib.suppress(TimeFormatError):
            if duration_ms(choice) == wanted:
                return choice
    return None


def _choice_key(text: str) -> str:
    return ''.join(character for character in text.lower() if character not in ' -_')
