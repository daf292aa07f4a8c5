"""The fetch stage: everything a query needs from CoinGlass, parsed, before anything is presented.

How a query is fetched depends on its kind (`KindSpec.retrieval`): one call, history windows of at most 1000
rows fetched concurrently, order pages 200 at a time back from `end_time`, or a search over the lookups. Kinds
that need a reference price (maps) get the latest 1-minute close of their pair here too. Whatever can be shared
is fetched once per run: lookups (supported pairs and coins), reference prices (one per pair), and identical
queries (one fetch however many times a batch asks).
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any, Final

from src.errors import BadResponseError, CoinGlassError, InvalidParameterError
from src.kinds import Fetched, ReferencePrice, Retrieval, spec_of
from src.modes import (
    ENDPOINTS,
    HISTORY_PAGE_ROWS,
    ORDERS_PAGE_ROWS,
    PRICE_HISTORY_PATH,
    SUPPORTED_COINS_PATH,
    SUPPORTED_PAIRS_PATH,
)
from src.normalize import normalize_rows, number
from src.symbols import closest, flatten_pairs, search
from src.times import MS_PER, duration_ms, iso

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping

    from src.client import CoinGlassClient
    from src.inputs import Query
    from src.kinds import KindSpec

ORDERS_HORIZON_MS: Final = 7 * MS_PER['d']
MAX_ORDER_PAGES: Final = 500
REFERENCE_EXCHANGE: Final = 'Binance'
REFERENCE_QUOTE: Final = 'USDT'

Pages = tuple[Any, tuple[str, ...]]  # parsed data and notes


class Fetcher:
    """Fetches queries through one client, sharing lookups, reference prices and identical queries across the run."""

    def __init__(self, client: CoinGlassClient, *, now_ms: int) -> None:
        self.client = client
        self.now_ms = now_ms
        self._shared: dict[Hashable, asyncio.Future[Any]] = {}

    async def fetch(self, query: Query) -> Fetched[Any]:
        """Fetch and parse one query's data, with its reference price when its kind needs one.

        Raises:
            CoinGlassError: CoinGlass did not deliver; an unknown symbol's error carries a suggestion.
            BadResponseError: CoinGlass's answer cannot be read; the message names the endpoint and the field.
        """
        fetched: Fetched[Any] = await self._once(('query', query), lambda: self._fetch(query))
        return fetched

    async def _fetch(self, query: Query) -> Fetched[Any]:
        spec = spec_of(query.mode)
        try:
            data, notes = await self._RETRIEVALS[spec.retrieval](self, query, spec)
        except InvalidParameterError as error:
            error.suggestion = await self._suggestions(query)
            raise
        reference = None
        if spec.needs_reference_price and not spec.is_empty(data):
            try:
                reference = await self.reference_price(query)
            except CoinGlassError as error:
                notes = (*notes, f'No reference price ({error.detail}): the summary has no sides.')
        return Fetched(query, data, notes, reference, self.now_ms)

    async def lookup(self, path: str) -> Any:
        """A lookup endpoint's data, fetched once per run however many queries ask."""
        return await self._once(('lookup', path), lambda: self.client.get(path))

    async def reference_price(self, query: Query) -> ReferencePrice:
        """The latest 1m close of the query's pair, or for a coin of its Binance USDT pair; once per pair per run."""
        if query.pair:
            exchange, pair = query.exchange or REFERENCE_EXCHANGE, query.pair
        else:
            exchange, pair = REFERENCE_EXCHANGE, f'{query.coin}{REFERENCE_QUOTE}'
        price: ReferencePrice = await self._once(('price', exchange, pair), lambda: self._latest_close(exchange, pair))
        return price

    async def _latest_close(self, exchange: str, pair: str) -> ReferencePrice:
        params: dict[str, str | int] = {'exchange': exchange, 'symbol': pair, 'interval': '1m', 'limit': 1}
        rows = normalize_rows(await self.client.get(PRICE_HISTORY_PATH, params))
        if not rows:
            raise InvalidParameterError(f'no price history for {exchange} {pair}')
        latest = max(rows, key=lambda row: row.get('time', 0))
        return ReferencePrice(float(number(latest.get('close'), 'price close')), f'{exchange} {pair} last 1m close')

    async def _once(self, key: Hashable, start: Callable[[], Awaitable[Any]]) -> Any:
        """`start()`'s result, shared by every caller with the same key.

        A CoinGlass failure is forgotten, so a later caller tries again.
        """
        if key not in self._shared:
            self._shared[key] = asyncio.ensure_future(start())
        try:
            return await asyncio.shield(self._shared[key])
        except (CoinGlassError, asyncio.CancelledError):
            self._shared.pop(key, None)
            raise

    def close(self) -> None:
        """Cancel whatever is still being fetched (a run stopped early)."""
        for future in self._shared.values():
            future.cancel()

    # --- retrievals ------------------------------------------------------------------------------------------

    async def _one_call(self, query: Query, spec: KindSpec[Any]) -> Pages:
        endpoint = ENDPOINTS[query.mode]
        path = endpoint.path.format(model=query.model)
        return _parse(spec, path, await self.client.get(path, _params(query))), ()

    async def _symbol_search(self, query: Query, spec: KindSpec[Any]) -> Pages:
        pairs, coins = await asyncio.gather(self.lookup(SUPPORTED_PAIRS_PATH), self.lookup(SUPPORTED_COINS_PATH))
        coin_set = set(coins or [])
        records = [
            {**record, 'coin_supported': record.get('base_asset') in coin_set} for record in flatten_pairs(pairs or {})
        ]
        return _parse(spec, SUPPORTED_PAIRS_PATH, search(records, query.keyword, query.exchange)), ()

    async def _time_windows(self, query: Query, spec: KindSpec[Any]) -> Pages:
        path = ENDPOINTS[query.mode].path
        step = duration_ms(query.interval or '1d')
        windows = history_windows(query, step, self.now_ms)
        if windows is None:  # the latest rows, one page
            params = _params(query) | {'limit': query.limit or HISTORY_PAGE_ROWS}
            return _parse(spec, path, await self.client.get(path, params)), ()
        pages = await asyncio.gather(
            *(
                self.client.get(
                    path, _params(query) | {'start_time': start, 'end_time': end, 'limit': HISTORY_PAGE_ROWS}
                )
                for start, end in windows
            )
        )
        rows = _merge_by_time(row for page in pages for row in _parse(spec, path, page))
        if query.limit is not None:
            rows = rows[: query.limit] if query.start_time is not None else rows[-query.limit :]
        requested_start = windows[0][0]
        notes: tuple[str, ...] = ()
        if rows and rows[0]['time'] > requested_start + step:
            note = (
                f'CoinGlass returned history from {iso(rows[0]["time"])} only, not from {iso(requested_start)}: '
                f"the key's plan may keep less {query.interval} history, or the pair is younger."
            )
            notes = (note,)
        return rows, notes

    async def _backward_pages(self, query: Query, spec: KindSpec[Any]) -> Pages:
        """Page back from end_time (CoinGlass's now when not given) to start_time or its 7-day horizon."""
        path = ENDPOINTS[query.mode].path
        horizon = self.now_ms - ORDERS_HORIZON_MS
        notes: list[str] = []
        start = query.start_time
        if start is not None and start < horizon:
            notes.append(f'CoinGlass keeps liquidation orders for 7 days: orders start at {iso(horizon)}.')
            start = horizon
        cursor = query.end_time
        seen: dict[tuple[Any, ...], dict[str, Any]] = {}
        for _ in range(MAX_ORDER_PAGES):
            params = _params(query) | {'start_time': start, 'end_time': cursor}
            page = _parse(spec, path, await self.client.get(path, params))
            fresh = [row for row in page if _order_key(row) not in seen]
            seen.update((_order_key(row), row) for row in fresh)
            if len(page) < ORDERS_PAGE_ROWS or not fresh:
                break
            cursor = min(int(row['time']) for row in page)  # inclusive: rows sharing that time are deduplicated
        else:
            notes.append(f'Stopped after {MAX_ORDER_PAGES} pages of orders; narrow start_time/end_time for the rest.')
        return sorted(seen.values(), key=lambda row: row.get('time', 0), reverse=True), tuple(notes)

    # --- unknown symbols -------------------------------------------------------------------------------------

    async def _suggestions(self, query: Query) -> str:
        try:
            if query.pair:
                pairs = flatten_pairs(await self.lookup(SUPPORTED_PAIRS_PATH) or {})
                found = closest((record['symbol'] for record in pairs), f'{query.exchange}_{query.pair}')
            elif query.coin:
                found = closest(await self.lookup(SUPPORTED_COINS_PATH) or [], query.coin)
            else:
                return ''
        except CoinGlassError:
            return ''
        return f'Closest supported: {", ".join(found)}.' if found else ''

    _RETRIEVALS: Final[Mapping[Retrieval, Callable[[Fetcher, Query, KindSpec[Any]], Awaitable[Pages]]]] = {
        Retrieval.ONE_CALL: _one_call,
        Retrieval.SYMBOL_SEARCH: _symbol_search,
        Retrieval.TIME_WINDOWS: _time_windows,
        Retrieval.BACKWARD_PAGES: _backward_pages,
    }


def history_windows(query: Query, step_ms: int, now_ms: int) -> list[tuple[int, int]] | None:
    """The [start, end] windows (ms, inclusive) of at most 1000 rows covering the query's span.

    None when one page answers: no start_time and at most 1000 of the latest rows wanted.
    """
    end = query.end_time or now_ms
    if query.start_time is None:
        if (query.limit or HISTORY_PAGE_ROWS) <= HISTORY_PAGE_ROWS:
            return None
        start = end - (query.limit or HISTORY_PAGE_ROWS) * step_ms
    else:
        start = query.start_time
        if query.limit is not None:  # the first `limit` rows from start_time
            end = min(end, start + (query.limit - 1) * step_ms)
    span = HISTORY_PAGE_ROWS * step_ms
    count = max(1, math.ceil((end - start + 1) / span))
    return [(start + index * span, min(end, start + (index + 1) * span - 1)) for index in range(count)]


def _parse(spec: KindSpec[Any], path: str, data: Any) -> Any:
    """The kind's parse of `data`, its errors naming the endpoint."""
    try:
        return spec.parse(data)
    except BadResponseError as error:
        error.detail = f'{path}: {error.detail}'
        raise


def _params(query: Query) -> dict[str, Any]:
    return {name: getattr(query, attribute) for name, attribute in ENDPOINTS[query.mode].params.items()}


def _merge_by_time(rows: Iterable[Any]) -> list[dict[str, Any]]:
    by_time = {row['time']: row for row in rows if isinstance(row, dict) and 'time' in row}
    return [by_time[time] for time in sorted(by_time)]


def _order_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row.get('time'), row.get('symbol'), row.get('price'), row.get('usd_value'), row.get('side'))
