"""The fetch stage: everything a query needs from CoinGlass, parsed, before anything is presented.

`Fetcher` coordinates; the parts it hands work to are small and testable alone: how a kind's answer is retrieved
(`KindSpec.retrieval`: one call, or `src.paging` for histories in time windows and orders page by page), what
`since_last_run` delivers (`src.marks`, pure), and what to suggest for a refused parameter (`src.suggest`, pure).
Kinds that need a reference price (maps) get the latest 1-minute close of their pair here too. Whatever can be
shared is fetched once per run: lookups (supported pairs, coins and exchanges) and reference prices (one per pair);
identical queries in flight at the same time share one fetch, whose data is let go once it has arrived.

Before a query's data request, an exchange it names that is not one CoinGlass is known to use is checked against
CoinGlass's supported-exchanges lookup (case and punctuation aside): one CoinGlass does not list fails the query,
naming the closest ones, and no data request is made. When the lookup itself cannot be had, the check is skipped.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from src import marks, paging, suggest
from src.errors import BadResponseError, CoinGlassError, InvalidParameterError
from src.fields import DEFAULT_MARKS_STORE
from src.kinds import Fetched, ReferencePrice, Retrieval, spec_of
from src.kinds.base import DerivedFrom
from src.kinds.contracts import PriceCandle, Table, read_table
from src.kinds.symbols import read_names, read_pairs, search_rows
from src.modes import (
    ENDPOINTS,
    PRICE_HISTORY_PATH,
    SUPPORTED_COINS_PATH,
    SUPPORTED_EXCHANGES_PATH,
    SUPPORTED_PAIRS_PATH,
)
from src.query import COIN, EXCHANGE, EXCHANGES, MODEL, PAIR, RANGE, SINCE_LAST_RUN
from src.symbols import exchange_key, known_exchange

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Hashable, Mapping

    from src.client import CoinGlassClient
    from src.kinds import KindSpec
    from src.modes import Mode
    from src.query import Query

    ReadMark = Callable[[str, str], Awaitable[Mapping[str, Any] | None]]
    """Reads a mark: (store name, key) -> the record, or None."""

REFERENCE_EXCHANGE: Final = 'Binance'
REFERENCE_QUOTE: Final = 'USDT'


class Fetcher:
    """Fetches queries through one client, sharing lookups, reference prices and identical queries across the run."""

    def __init__(
        self,
        client: CoinGlassClient,
        *,
        now_ms: int,
        read_mark: ReadMark | None = None,
        marks_store: str = DEFAULT_MARKS_STORE,
    ) -> None:
        self.client = client
        self.now_ms = now_ms
        self.marks_store = marks_store
        self._read_mark = read_mark
        self._shared: dict[Hashable, asyncio.Future[Any]] = {}

    async def fetch(self, query: Query) -> Fetched[Any]:
        """Fetch and parse one query's data, with its reference price when its kind needs one.

        Raises:
            CoinGlassError: CoinGlass did not deliver; an unknown symbol's or exchange's error carries a suggestion.
            BadResponseError: CoinGlass's answer cannot be read; the message names the endpoint and the field.
        """
        fetched: Fetched[Any] = await self._once(('query', query), lambda: self._fetch(query), keep=False)
        return fetched if fetched.query is query else replace(fetched, query=query)  # shaped as its own output asks

    async def _fetch(self, query: Query) -> Fetched[Any]:
        spec = spec_of(query.mode)
        asked = await self._with_listed_exchanges(query)
        previous = await self._previous_mark(query) if query.get(SINCE_LAST_RUN) else None
        if previous is not None:
            asked = marks.ask_from(asked, previous, pages_by_limit=spec.retrieval is Retrieval.TIME_WINDOWS)
        try:
            retrieved = await self._retrieve(asked, spec)
        except InvalidParameterError as error:
            if error.unknown:  # only when CoinGlass said the symbol or exchange is unknown
                error.suggestion = await self._suggestions(asked, error.unknown)
            raise
        derivation = retrieved.derivation
        notes, reference = retrieved.notes, derivation.reference if derivation else None
        if spec.needs_reference_price and reference is None and not spec.is_empty(retrieved.data):
            try:
                reference = await self.reference_price(asked)
            except CoinGlassError as error:
                notes = (*notes, f'No reference price ({error.detail}): the summary has no sides.')
        fetched = Fetched(
            query,
            retrieved.data,
            notes,
            reference,
            self.now_ms,
            retrieved.empty_reason,
            derived_from=derivation.source if derivation else None,
        )
        if not query.get(SINCE_LAST_RUN):
            return fetched
        return marks.since(spec, fetched, previous, store=self.marks_store, now_ms=self.now_ms)

    async def _retrieve(self, query: Query, spec: KindSpec[Any, Any]) -> paging.Retrieved:
        """The query's data as its kind is retrieved (or derived, for a range another mode's endpoint answers)."""
        endpoint = ENDPOINTS[query.mode]
        source = endpoint.source_of(query.get(RANGE))
        if source is not None:
            return await self._derived(query, spec, source)
        path = endpoint.path.format(model=query.get(MODEL))

        async def get_table(extra: Mapping[str, Any]) -> Table[Any]:
            table: Table[Any] = _checked(path, spec.parse, await self.client.get(path, params(query) | dict(extra)))
            return table

        if spec.retrieval is Retrieval.TIME_WINDOWS:
            return await paging.history(get_table, query, self.now_ms)
        if spec.retrieval is Retrieval.BACKWARD_PAGES and spec.row_identity is not None:
            return await paging.orders(get_table, query, self.now_ms, spec.row_identity)
        if spec.retrieval is Retrieval.SYMBOL_SEARCH:
            return await self._symbol_search(query, spec)
        return paging.Retrieved(_checked(path, spec.parse, await self.client.get(path, params(query))))

    async def _derived(self, query: Query, spec: KindSpec[Any, Any], source: Mode) -> paging.Retrieved:
        """The query's data made by its kind from what `source`'s endpoint answers (a 90d map from the heatmap)."""
        if spec.derive is None:
            raise ValueError(f'{query.mode} cannot be derived from {source}')  # the endpoint table is wrong
        path = ENDPOINTS[source].path.format(model=query.get(MODEL))
        data = _checked(path, spec_of(source).parse, await self.client.get(path, params(query, source)))
        origin = DerivedFrom(source, str(query.get(RANGE)), query.get(MODEL))
        derivation = spec.derive(data, origin)
        return paging.Retrieved(derivation.data, (derivation.note,), derivation.empty_reason, derivation)

    async def _symbol_search(self, query: Query, spec: KindSpec[Any, Any]) -> paging.Retrieved:
        pairs_data, coins_data = await asyncio.gather(
            self.lookup(SUPPORTED_PAIRS_PATH), self.lookup(SUPPORTED_COINS_PATH)
        )
        pairs = _checked(SUPPORTED_PAIRS_PATH, read_pairs, pairs_data)
        coins = set(_checked(SUPPORTED_COINS_PATH, read_names, coins_data))
        found, reason = search_rows(pairs, coins, query)
        return paging.Retrieved(_checked(SUPPORTED_PAIRS_PATH, spec.parse, found), empty_reason=reason)

    async def _previous_mark(self, query: Query) -> Mapping[str, Any] | None:
        """The mark an earlier run left for the query's stream, or None (a first run, or no mark store)."""
        if self._read_mark is None:
            return None
        read = self._read_mark
        mark: Mapping[str, Any] | None = await self._once(
            ('mark', query.stream), lambda: read(self.marks_store, marks.mark_key(query))
        )
        return marks.usable(mark)

    async def lookup(self, path: str) -> Any:
        """A lookup endpoint's data, fetched once per run however many queries ask."""
        return await self._once(('lookup', path), lambda: self.client.get(path))

    async def reference_price(self, query: Query) -> ReferencePrice:
        """The latest 1m close of the query's pair, or for a coin of its Binance USDT pair; once per pair per run."""
        pair = query.get(PAIR)
        if pair:
            exchange = query.get(EXCHANGE) or REFERENCE_EXCHANGE
        else:
            exchange, pair = REFERENCE_EXCHANGE, f'{query.get(COIN)}{REFERENCE_QUOTE}'
        price: ReferencePrice = await self._once(('price', exchange, pair), lambda: self._latest_close(exchange, pair))
        return price

    async def _latest_close(self, exchange: str, pair: str) -> ReferencePrice:
        request: dict[str, str | int] = {'exchange': exchange, 'symbol': pair, 'interval': '1m', 'limit': 1}
        data = await self.client.get(PRICE_HISTORY_PATH, request)
        candles: Table[PriceCandle] = _checked(PRICE_HISTORY_PATH, lambda value: read_table(value, PriceCandle), data)
        priced = [candle for candle in candles.records if candle.close is not None and candle.close > 0]
        if not priced:  # no candle, or a close of 0 (a halted pair): no distance can be measured from it
            raise InvalidParameterError(f'no 1m close above 0 in the price history of {exchange} {pair}')
        latest = max(priced, key=lambda candle: candle.time)
        return ReferencePrice(float(latest.close or 0.0), f'{exchange} {pair} last 1m close')

    async def _once(self, key: Hashable, start: Callable[[], Awaitable[Any]], *, keep: bool = True) -> Any:
        """`start()`'s result, shared by every caller with the same key.

        A CoinGlass failure is forgotten, so a later caller tries again. Without `keep` (a query's data) the result
        is shared only while it is being fetched and forgotten once it arrives, so a batch holds the data of the
        queries in flight, not of every query it ran.
        """
        if key not in self._shared:
            future = self._shared[key] = asyncio.ensure_future(start())
            if not keep:
                future.add_done_callback(lambda done: self._forget(key, done))
        try:
            return await asyncio.shield(self._shared[key])
        except (CoinGlassError, asyncio.CancelledError):
            self._shared.pop(key, None)
            raise

    def _forget(self, key: Hashable, future: asyncio.Future[Any]) -> None:
        if self._shared.get(key) is future:
            del self._shared[key]

    def close(self) -> None:
        """Cancel whatever is still being fetched (a run stopped early)."""
        for future in self._shared.values():
            future.cancel()

    async def _with_listed_exchanges(self, query: Query) -> Query:
        """The query with its exchanges spelled as CoinGlass lists them (`spelled_as_listed`).

        Names CoinGlass is known to use (`Binance`, `OKX`, ...) are taken as they are; others are looked up, and
        without the lookup CoinGlass itself will judge them.
        """
        if all(known_exchange(name) == name for name in _exchanges_named(query)):
            return query
        try:
            listed = read_names(await self.lookup(SUPPORTED_EXCHANGES_PATH))
        except CoinGlassError:
            return query
        return spelled_as_listed(query, listed)

    async def _suggestions(self, query: Query, unknown: str) -> str:
        """What to use instead of what CoinGlass said is unknown (`symbol` or `exchange`): exchanges, pairs or coins."""
        exchange, pair, coin = query.get(EXCHANGE), query.get(PAIR), query.get(COIN)
        try:
            if exchange and unknown == 'exchange':
                return suggest.exchanges_with_pairs(read_pairs(await self.lookup(SUPPORTED_PAIRS_PATH)), coin)
            if pair:
                return suggest.closest_pairs(read_pairs(await self.lookup(SUPPORTED_PAIRS_PATH)), f'{exchange}_{pair}')
            if coin:
                return suggest.closest_coins(read_names(await self.lookup(SUPPORTED_COINS_PATH)), coin)
        except CoinGlassError:
            return ''
        return ''


def _exchanges_named(query: Query) -> list[str]:
    return [name for name in (query.get(EXCHANGE), *(query.get(EXCHANGES) or ())) if name]


def spelled_as_listed(query: Query, listed: list[str]) -> Query:
    """The query with its exchanges spelled as in `listed` (case and punctuation aside).

    Raises:
        InvalidParameterError: An exchange not in `listed`; the suggestion names the closest listed ones.
    """
    by_key = {exchange_key(name): name for name in listed}
    unknown = [name for name in _exchanges_named(query) if exchange_key(name) not in by_key]
    if unknown:
        error = InvalidParameterError(
            f"exchange '{unknown[0]}' is not one CoinGlass lists, so no data was requested", unknown='exchange'
        )
        error.suggestion = suggest.closest_exchanges(listed, unknown[0])
        raise error
    exchange, exchanges = query.get(EXCHANGE), query.get(EXCHANGES)
    if exchange:
        query = query.with_value(EXCHANGE, by_key[exchange_key(exchange)])
    if exchanges:
        query = query.with_value(EXCHANGES, tuple(by_key[exchange_key(name)] for name in exchanges))
    return query


def params(query: Query, mode: Mode | None = None) -> dict[str, Any]:
    """The query's CoinGlass parameters, by its endpoint row or `mode`'s (a list value comma-separated)."""
    endpoint = ENDPOINTS[mode or query.mode]
    return {name: _wire(query.value(value)) for name, value in endpoint.params.items()}


def _wire(value: Any) -> Any:
    if isinstance(value, tuple):
        return ','.join(value) or None
    return value


def _checked(path: str, read: Callable[[Any], Any], data: Any) -> Any:
    """`read(data)`, a `BadResponseError` naming the endpoint."""
    try:
        return read(data)
    except BadResponseError as error:
        error.detail = f'{path}: {error.detail}'
        error.args = (error.detail,)
        raise
