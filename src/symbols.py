"""Symbols in the seed Actor's form (`Binance_BTCUSDT`), symbol search and closest-match suggestions.

CoinGlass has no search endpoint: the search runs over its supported-exchange-pairs list, flattened into one
record per pair whose `symbol` is `<exchange>_<instrument id>`, the form every pair mode accepts.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

KNOWN_EXCHANGES: Final = (
    'Binance',
    'OKX',
    'Bybit',
    'Bitget',
    'Gate',
    'HTX',
    'Hyperliquid',
    'BingX',
    'MEXC',
    'KuCoin',
    'Bitmex',
    'Deribit',
    'Kraken',
    'Coinbase',
    'Bitfinex',
    'CoinEx',
    'dYdX',
    'Crypto.com',
    'WhiteBIT',
    'Bitunix',
)
# Old and alternative names people type, by `exchange_key`: CoinGlass renamed Gate.io to Gate in 2025, OKEx is
# OKX, Huobi is HTX.
EXCHANGE_ALIASES: Final = {
    'gateio': 'Gate',
    'okex': 'OKX',
    'huobi': 'HTX',
    'huobiglobal': 'HTX',
    'bybitperpetual': 'Bybit',
    'binancefutures': 'Binance',
    'hyperliquidperp': 'Hyperliquid',
}
SEARCH_FIELDS: Final = ('symbol', 'exchange', 'instrument_id', 'base_asset', 'quote_asset')


# Letters of other alphabets drawn like Latin ones, and the Latin letter each passes for.
LOOK_ALIKES: Final = dict(
    zip(
        'АВЕЅІЈКМНОРСТХУаеіјорсхуѕΑΒΕΖΗΙΚΜΝΟΡΤΥΧαοιρυνκ',
        'ABESIJKMHOPCTXYaeijopcxysABEZHIKMNOPTYXaoipuvk',
        strict=True,
    )
)


def foreign_letter(text: str) -> str | None:
    """Why `text` is not plain ASCII, or None: `contains a Cyrillic '<Ve>' (not the Latin 'B')`.

    Symbols, coins and exchanges are ASCII at CoinGlass; a letter from another alphabet that looks like a Latin one
    (pasted from a chat, typed on another keyboard) would otherwise be sent and matched against nothing.
    """
    for character in text:
        if character.isascii():
            continue
        name = unicodedata.name(character, '')
        if not character.isalpha() or not name:
            return f"contains the character '{character}' ({name or 'unnamed'}), which no symbol has"
        word = name.split(' ')[0]
        script = word if len(word) <= 3 else word.title()  # CJK, Cyrillic
        latin = LOOK_ALIKES.get(character) or unicodedata.normalize('NFKC', character)
        plain = f" (not the Latin '{latin}')" if latin.isascii() and latin != character else ''
        return f"contains a {script} '{character}'{plain}"
    return None


def latin_spelling(text: str) -> str:
    """`text` with each look-alike letter replaced by the Latin one it passes for (a Cyrillic Ve by `B`)."""
    return ''.join(LOOK_ALIKES.get(character) or unicodedata.normalize('NFKC', character) for character in text)


class SymbolError(ValueError):
    """A symbol that cannot be read as a pair; the message says why and what is allowed."""


@dataclass(frozen=True)
class Pair:
    """An exchange and its native instrument id, e.g. (`OKX`, `BTC-USDT-SWAP`)."""

    exchange: str
    instrument_id: str

    @property
    def symbol(self) -> str:
        """The seed form, `Exchange_PAIR`."""
        return f'{self.exchange}_{self.instrument_id}'


def exchange_key(name: str) -> str:
    """An exchange name without case and punctuation: `Gate.io`, `gate_io` and `GATEIO` are all `gateio`."""
    return ''.join(character for character in name.lower() if character.isalnum())


_EXCHANGE_BY_KEY: Final = {exchange_key(name): name for name in KNOWN_EXCHANGES}


def known_exchange(name: str) -> str | None:
    """The CoinGlass spelling of a known exchange or alias, or None."""
    key = exchange_key(name)
    return _EXCHANGE_BY_KEY.get(key) or EXCHANGE_ALIASES.get(key)


def canonical_exchange(name: str) -> str:
    """The exchange's CoinGlass spelling when it is a known exchange or alias (`okx` -> `OKX`, `Gate.io` -> `Gate`).

    Anything else is returned as given (stripped); the fetch stage checks it against CoinGlass's own list.
    """
    cleaned = name.strip()
    return known_exchange(cleaned) or cleaned


def canonical_code(text: str) -> str:
    """A pair or coin upper-cased when typed all in lower case (`btcusdt` -> `BTCUSDT`); mixed case is kept."""
    cleaned = text.strip()
    return cleaned.upper() if cleaned == cleaned.lower() else cleaned


def parse_pair(symbol: str, exchange: str | None = None) -> Pair:
    """Read `symbol` (seed form `Binance_BTCUSDT`, or a bare pair when `exchange` is given) as a pair.

    The seed form splits at the first `_`, so instrument ids may contain `_` or `-` themselves
    (`Binance_BTCUSD_PERP`, `OKX_BTC-USDT-SWAP`).

    Raises:
        SymbolError: The symbol is empty, has no exchange, or names another exchange than `exchange`.
    """
    text = symbol.strip()
    prefix, separator, rest = text.partition('_')
    known_prefix = known_exchange(prefix)
    if exchange:
        wanted = canonical_exchange(exchange)
        if known_prefix is not None and separator and rest:
            if known_prefix != wanted:
                raise SymbolError(
                    f"Input field 'symbol' is '{symbol}', which names exchange {known_prefix}, but 'exchange' is "
                    f"'{exchange}'. Give either the seed form alone ('{known_prefix}_{rest}') or 'exchange' with a "
                    f"bare pair such as 'BTCUSDT'."
                )
            text = rest
        if not text:
            raise SymbolError("Input field 'symbol' is empty. Give a pair such as 'Binance_BTCUSDT'.")
        return Pair(wanted, canonical_code(text))
    if not (separator and prefix and rest):
        meant = f" (did you mean '{likely}'?)" if (likely := _likely_symbol(text)) else ''
        raise SymbolError(
            f"Input field 'symbol' is '{symbol}', which is not in the form Exchange_PAIR{meant}. Use a symbol from "
            "search_symbols such as 'Binance_BTCUSDT', 'OKX_BTC-USDT-SWAP' or 'Binance_BTCUSD_PERP'."
        )
    return Pair(canonical_exchange(prefix), canonical_code(rest))


QUOTES: Final = ('USDT', 'USDC', 'USD')  # what a pair's code ends with on the exchanges CoinGlass covers


def _likely_symbol(text: str) -> str | None:
    """The seed-form symbol a malformed one most likely meant, or None.

    `BTCUSDT`, `BTC/USDT`, `_BTCUSDT` and `BTC` as `Binance_BTCUSDT`; `Bybit:ETHUSDT` as `Bybit_ETHUSDT`; None for
    what is no Binance-style code (`BTC-USDT-SWAP` is an OKX id, whose exchange cannot be told).
    """
    named, colon, after = text.partition(':')
    exchange, code = (known_exchange(named), after) if colon else ('Binance', text.lstrip('_'))
    code = canonical_code(code.replace('/', ''))
    if exchange is None or not code.isalnum():
        return None
    return f'{exchange}_{code if code.endswith(QUOTES) else code + "USDT"}'


def flatten_pairs(pairs_by_exchange: Mapping[str, Iterable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """CoinGlass's `{exchange: [pair, ...]}` as one record per pair, with the seed-form `symbol` first."""
    records = []
    for exchange, pairs in pairs_by_exchange.items():
        for pair in pairs:
            instrument_id = str(pair.get('instrument_id', ''))
            records.append({'symbol': f'{exchange}_{instrument_id}', 'exchange': exchange, **pair})
    return records


def search(records: Iterable[Mapping[str, Any]], keyword: str, exchange: str | None = None) -> list[dict[str, Any]]:
    """Records whose searchable fields contain `keyword` (case-insensitive), best matches first.

    Ranking: exact base-asset match, then exact instrument id or symbol, then base asset starting with the
    keyword, then the rest; ties keep CoinGlass's order. An empty keyword matches everything.
    """
    needle = keyword.strip().lower()
    wanted_exchange = exchange_key(canonical_exchange(exchange)) if exchange else None
    scored = []
    for position, record in enumerate(records):
        if wanted_exchange and exchange_key(str(record.get('exchange', ''))) != wanted_exchange:
            continue
        values = {field: str(record.get(field) or '').lower() for field in SEARCH_FIELDS}
        if needle and not any(needle in value for value in values.values()):
            continue
        scored.append((_rank(values, needle), position, dict(record)))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [record for _, _, record in scored]


def _rank(values: Mapping[str, str], needle: str) -> int:
    if not needle:
        return 0
    if values['base_asset'] == needle:
        return 0
    if needle in (values['instrument_id'], values['symbol']):
        return 1
    if values['base_asset'].startswith(needle):
        return 2
    return 3


def closest(candidates: Iterable[str], wanted: str, limit: int = 5, key: Callable[[str], str] = str.lower) -> list[str]:
    """Up to `limit` candidates closest to `wanted`: exact matches, then by similarity, compared by `key`."""
    by_key = {key(candidate): candidate for candidate in dict.fromkeys(candidates)}
    target = key(wanted)
    exact = [by_key[target]] if target in by_key else []
    similar = difflib.get_close_matches(target, list(by_key), n=limit, cutoff=0.5)
    containing = [found for found in by_key if target in found or found in target]
    ordered = dict.fromkeys([*exact, *(by_key[found] for found in similar), *(by_key[found] for found in containing)])
    return list(ordered)[:limit]
