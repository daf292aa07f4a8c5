"""Symbol search: CoinGlass's supported futures pairs matching a keyword, in the seed form `Binance_BTCUSDT`.

Data: rows `{"symbol", "exchange", "instrument_id", "base_asset", "quote_asset", ..., "coin_supported"}`, built by
the fetch stage from the supported-pairs and supported-coins lookups (`Retrieval.SYMBOL_SEARCH`), which are read
by the contracts here. No summary and no chart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from pydantic import TypeAdapter, ValidationError

from src.kinds.base import KindSpec, Retrieval, Row
from src.kinds.contracts import DEFERRED, Record, bad, from_validation
from src.kinds.figures import plural
from src.query import EXCHANGE, KEYWORD
from src.symbols import exchange_key, flatten_pairs, search

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from src.query import Query


class SupportedPair(Record):
    """One pair of CoinGlass's supported-exchange-pairs lookup: its exchange-native id and assets; the rest kept."""

    instrument_id: str
    base_asset: str | None = None
    quote_asset: str | None = None


_PAIRS: Final = TypeAdapter(dict[str, list[SupportedPair]], config=DEFERRED)
_NAMES: Final = TypeAdapter(list[str], config=DEFERRED)


def read_pairs(data: Any) -> dict[str, list[dict[str, Any]]]:
    """The supported-exchange-pairs lookup, `{exchange: [pair, ...]}` (None: no pairs), every field kept.

    Raises:
        BadResponseError: The lookup is not an object of lists of pairs with an `instrument_id`.
    """
    try:
        pairs = _PAIRS.validate_python(data or {})
    except ValidationError as error:
        raise from_validation(error, 'data') from None
    return {exchange: [pair.model_dump() for pair in listed] for exchange, listed in pairs.items()}


def read_names(data: Any) -> list[str]:
    """A lookup that is a list of names (supported coins, supported exchanges); None: no names.

    Raises:
        BadResponseError: The lookup is not a list of strings.
    """
    try:
        return _NAMES.validate_python(data or [])
    except ValidationError as error:
        raise from_validation(error, 'data') from None


def search_rows(
    pairs: Mapping[str, list[dict[str, Any]]], coins: Collection[str], query: Query
) -> tuple[list[Row], str | None]:
    """The pairs matching the query's keyword (and exchange), best first, and why there are none (None: some).

    `pairs` and `coins` are the supported-exchange-pairs and supported-coins lookups as `read_pairs` and
    `read_names` read them; each pair found says whether its base asset is a supported coin (`coin_supported`).
    """
    records = [{**record, 'coin_supported': record.get('base_asset') in coins} for record in flatten_pairs(pairs)]
    exchange = query.get(EXCHANGE)
    found = search(records, query.get(KEYWORD) or '', exchange)
    if found:
        return found, None
    if not exchange:
        return found, f'none of the {len(records)} pairs CoinGlass lists matched'
    on_exchange = [record for record in records if exchange_key(record['exchange']) == exchange_key(exchange)]
    if on_exchange:
        return found, f'none of the {len(on_exchange)} pairs CoinGlass lists on {exchange} matched'
    listing = sorted({record['exchange'] for record in records})
    return found, f"the exchange filter '{exchange}' matched no pair: CoinGlass lists pairs on {', '.join(listing)}"


def parse(data: Any) -> list[Row]:
    """The search's records, built by the fetch stage (None: none)."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise bad('data', data, 'not a list')
    return list(data)


def subject(query: Query) -> str:
    """`'btc'`, or `any keyword`."""
    keyword = query.get(KEYWORD)
    return f"'{keyword}'" if keyword else 'any keyword'


SPEC: Final = KindSpec[list[Row], None](
    retrieval=Retrieval.SYMBOL_SEARCH,
    parse=parse,
    full_data=lambda rows: rows,
    is_empty=lambda rows: not rows,
    size=lambda rows: plural(len(rows), 'row'),
    subject=subject,
    summarize=None,
    headline=None,
    rows=lambda fetched: list(fetched.data),
    draw=None,
    invalid_parameter_advice='Check the keyword and the exchange.',  # not "search_symbols lists the pairs": this is it
)
