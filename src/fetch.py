"""Turn one validated query into CoinGlass calls and normalized data.

Most modes are one call built from their endpoint row. History modes fetch their span in concurrent windows of
at most 1000 rows; orders page backward 200 rows at a time. Lookups (supported pairs and coins) are fetched at
most once per run and shared by symbol search, suggestions for unknown symbols, and reference prices.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from src.errors import CoinGlassError, InvalidParameterError
from src.modes import (
    ENDPOINTS,
    HISTORY_PAGE_ROWS,
    ORDERS_PAGE_ROWS,
    PRICE_HISTORY_PATH,
    SUPPORTED_COINS_PATH,
    SUPPORTED_PAIRS_PATH,
    Paging,
    Shape,
)
from src.normalize import NORMALIZERS, normalize_rows, number
from src.symbols import closest, flatten_pairs, search
from src.times import MS_PER, duration_ms, iso

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from src.client import CoinGlassClient
    from src.inputs import Query

ORDERS_HORIZON_MS: Final = 7 * MS_PER['d']
MAX_ORDER_PAGES: Final = 500
REFERENCE_EXCHANGE: Final = 'Binance'
REFERENCE_QUOTE: Final = 'USDT'


@dataclass
class Fetched:
    """Normalized data and anything the user should know about how it was obtained."""

    data: Any
    notes: list[str] = field(default_factory=list)


class Fetcher:
    """Fetches queries through one client, sharing lookups across the run."""

    def __init__(self, client: CoinGlassClient, *, now_ms: int) -> None:
        self.client = client
        self.now_ms = now_ms
        self._lookups: dict[str, asyncio.Task[Any]] = {}

    async def fetch(self, query: Query) -> Fetched:
        """Fetch one query's data.

        Raises:
            CoinGlassError: CoinGlass did not deliver; an unknown symbol's error carries suggestions.
        """
        try:
            return await self._FETCHERS[ENDPOINTS[query.mode].paging, ENDPOINTS[query.mode].shape](self, query)
        except InvalidParameterError as error:
            error.detail += await self._suggestions(query)
            raise

    async def lookup(self, path: str) -> Any:
        """A lookup endpoint's data, fetched once per run however many queries ask."""
        if path not in self._lookups:
            self._lookups[path] = asyncio.ensure_future(self.client.get(path))
        try:
            return await asyncio.shield(self._lookups[path])
        except CoinGlassError:
            self._lookups.pop(path, None)  # a failed lookup may succeed for a later query
            raise

    async def reference_price(self, query: Query) -> tuple[float, str]:
        """The latest 1m close of the query's pair, or for a coin of its Binance USDT pair, and its source."""
        exchange, pair = (
            (query.exchange, query.pair) if query.pair else (REFERENCE_EXCHANGE, f'{query.coin}{REFERENCE_QUOTE}')
        )
        rows = normalize_rows(
            await self.client.get(
                PRICE_HISTORY_PATH, {'exchange': exchange, 'symbol': pair, 'interval': '1m', 'limit': 1}
            )
        )
        if not rows:
            raise InvalidParameterError(f'no price history for {exchange} {pair}')
        latest = max(rows, key=lambda row: row.get('time', 0))
        return float(number(latest.get('close'), 'price close')), f'{exchange} {pair} last 1m close'

    # --- one call -------------------------------------------------------------------------------------------

    async def _single(self, query: Query) -> Fetched:
        endpoint = ENDPOINTS[query.mode]
        data = await self.client.get(endpoint.path.format(model=query.model), _params(query))
        return Fetched(NORMALIZERS[endpoint.shape](data))

    async def _symbols(self, query: Query) -> Fetched:
        pairs, coins = await asyncio.gather(self.lookup(SUPPORTED_PAIRS_PATH), self.lookup(SUPPORTED_COINS_PATH))
        coin_set = set(coins or [])
        records = [
            {**record, 'coin_supported': record.get('base_asset') in coin_set} for record in flatten_pairs(pairs or {})
        ]
        return Fetched(search(records, query.keyword, query.exchange))

    # --- history: concurrent time windows --------------------------------------------------------------------

    async def _history(self, query: Query) -> Fetched:
        endpoint = ENDPOINTS[query.mode]
        step = duration_ms(query.interval or '1d')
        windows = history_windows(query, step, self.now_ms)
        if windows is None:  # the latest rows, one page
            params = _params(query) | {'limit': query.limit or HISTORY_PAGE_ROWS}
            return Fetched(NORMALIZERS[endpoint.shape](await self.client.get(endpoint.path, params)))
        pages = await asyncio.gather(
            *(
                self.client.get(
                    endpoint.path,
                    _params(query) | {'start_time': start, 'end_time': end, 'limit': HISTORY_PAGE_ROWS},
                )
                for start, end in windows
            )
        )
        rows = _merge_by_time(row for page in pages for row in normalize_rows(page))
        requested_start = windows[0][0]
        if query.limit is not None:
            rows = rows[: query.limit] if query.start_time is not None else rows[-query.limit :]
        notes = []
        if rows and rows[0]['time'] > requested_start + step:
            notes.append(
                f'CoinGlass returned history from {iso(rows[0]["time"])} only, not from {iso(requested_start)}: '
                f"the key's plan may keep less {query.interval} history, or the pair is younger."
            )
        return Fetched(rows, notes)

    # --- orders: backward pages ------------------------------------------------------------------------------

    async def _orders(self, query: Query) -> Fetched:
        """Page back from end_time (CoinGlass's now when not given) to start_time or its 7-day horizon."""
        endpoint = ENDPOINTS[query.mode]
        horizon = self.now_ms - ORDERS_HORIZON_MS
        notes = []
        start = query.start_time
        if start is not None and start < horizon:
            notes.append(f'CoinGlass keeps liquidation orders for 7 days: orders start at {iso(horizon)}.')
            start = horizon
        cursor = query.end_time
        seen: dict[tuple[Any, ...], dict[str, Any]] = {}
        for _ in range(MAX_ORDER_PAGES):
            params = _params(query) | {'start_time': start, 'end_time': cursor}
            page = normalize_rows(await self.client.get(endpoint.path, params))
            fresh = [row for row in page if _order_key(row) not in seen]
            seen.update((_order_key(row), row) for row in fresh)
            if len(page) < ORDERS_PAGE_ROWS or not fresh:
                break
            cursor = min(int(row['time']) for row in page)  # inclusive: rows sharing that time are deduplicated
        else:
            notes.append(f'Stopped after {MAX_ORDER_PAGES} pages of orders; narrow start_time/end_time for the rest.')
        rows = sorted(seen.values(), key=lambda row: row.get('time', 0), reverse=True)
        return Fetched(rows, notes)

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
        return f' Closest supported: {", ".join(found)}.' if found else ''

    _FETCHERS: Final[Mapping[tuple[Paging, Shape], Callable[[Fetcher, Query], Awaitable[Fetched]]]] = {
        (Paging.NONE, Shape.SYMBOLS): _symbols,
        (Paging.NONE, Shape.MAP): _single,
        (Paging.NONE, Shape.HEATMAP): _single,
        (Paging.NONE, Shape.ROWS): _single,
        (Paging.TIME_WINDOWS, Shape.ROWS): _history,
        (Paging.BACKWARD, Shape.ROWS): _orders,
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


def _params(query: Query) -> dict[str, Any]:
    return {name: getattr(query, attribute) for name, attribute in ENDPOINTS[query.mode].params.items()}


def _merge_by_time(rows: Any) -> list[dict[str, Any]]:
    by_time = {row['time']: row for row in rows if isinstance(row, dict) and 'time' in row}
    return [by_time[time] for time in sorted(by_time)]


def _order_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row.get('time'), row.get('symbol'), row.get('price'), row.get('usd_value'), row.get('side'))
