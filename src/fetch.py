"""The fetch stage: everything a query needs from CoinGlass, parsed, before anything is presented.

How a query is fetched depends on its kind (`KindSpec.retrieval`): one call, history in windows of at most 1000
rows fetched concurrently, order pages 200 at a time back from `end_time`, or a search over the lookups. Kinds
that need a reference price (maps) get the latest 1-minute close of their pair here too. Whatever can be shared
is fetched once per run: lookups (supported pairs, coins and exchanges), reference prices (one per pair), and
identical queries (one fetch however many times a batch asks).

History follows what CoinGlass answers, not the clock: "the latest rows" are CoinGlass's latest (its newest row may
be older than now: a lagging feed, a delisted pair), and `limit` always holds, whatever CoinGlass sends (it has
answered 1,080 rows to a request for 1,000, and 4,500 to one whose documented maximum is 1,000).

Before a query's data request, the exchanges it names are checked against CoinGlass's supported-exchanges lookup
(case and punctuation aside): an exchange CoinGlass does not list fails the query, naming the closest ones, and
no data request is made. When the lookup itself cannot be had, the check is skipped.

A query with `since_last_run` reads its mark (the newest final row an earlier run delivered, in a named key-value
store) first, asks CoinGlass only from the mark's time on, and keeps only the rows after it; the new mark goes with
the result and is saved once the result is pushed, so a run that fails or stops never skips rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import math
from typing import TYPE_CHECKING, Any, Final

from src.errors import BadResponseError, CoinGlassError, InvalidParameterError
from src.inputs import DEFAULT_MARKS_STORE, ITEM_ROWS, MAX_LIMIT
from src.kinds import Fetched, ReferencePrice, Retrieval, spec_of
from src.kinds.contracts import PriceCandle, Table, read_table
from src.kinds.figures import plural
from src.kinds.symbols import read_names, read_pairs
from src.modes import (
    ENDPOINTS,
    HISTORY_PAGE_ROWS,
    ORDERS_PAGE_ROWS,
    PRICE_HISTORY_PATH,
    SUPPORTED_COINS_PATH,
    SUPPORTED_EXCHANGES_PATH,
    SUPPORTED_PAIRS_PATH,
)
from src.result import Mark
from src.symbols import closest, exchange_key, flatten_pairs, search
from src.times import MS_PER, duration_ms, iso

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Hashable, Mapping

    from src.client import CoinGlassClient
    from src.inputs import Query
    from src.kinds import KindSpec

    ReadMark = Callable[[str, str], Awaitable[Mapping[str, Any] | None]]
    """Reads a mark: (store name, key) -> the record, or None."""

ORDERS_HORIZON_MS: Final = 7 * MS_PER['d']
MAX_ORDER_PAGES: Final = 500
WINDOWS_AT_ONCE: Final = 10  # history windows asked for together: a year of hourly rows (9 windows) in one round
REFERENCE_EXCHANGE: Final = 'Binance'
REFERENCE_QUOTE: Final = 'USDT'


@dataclasses.dataclass(frozen=True)
class Retrieved:
    """What a retrieval brought back: the parsed data, notes for the message, and why it is empty (if it is ours)."""

    data: Any
    notes: tuple[str, ...] = ()
    empty_reason: str | None = None


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
        fetched: Fetched[Any] = await self._once(('query', query), lambda: self._fetch(query))
        return fetched

    async def _fetch(self, query: Query) -> Fetched[Any]:
        spec = spec_of(query.mode)
        asked = await self._with_listed_exchanges(query)
        previous = await self._previous_mark(query) if query.since_last_run else None
        if previous is not None:  # ask CoinGlass only from the mark on, at most what one query returns and holds
            cap = MAX_LIMIT if query.output == 'summary' else ITEM_ROWS
            limit = asked.limit or (cap if 'limit' in ENDPOINTS[query.mode].fields else None)
            asked = dataclasses.replace(
                asked, start_time=max(asked.start_time or 0, int(previous['time'])), limit=limit
            )
        try:
            retrieved = await self._RETRIEVALS[spec.retrieval](self, asked, spec)
        except InvalidParameterError as error:
            if error.unknown:  # only when CoinGlass said the symbol or exchange is unknown
                error.suggestion = await self._suggestions(asked, error.unknown)
            raise
        notes, reference = retrieved.notes, None
        if spec.needs_reference_price and not spec.is_empty(retrieved.data):
            try:
                reference = await self.reference_price(asked)
            except CoinGlassError as error:
                notes = (*notes, f'No reference price ({error.detail}): the summary has no sides.')
        fetched = Fetched(query, retrieved.data, notes, reference, self.now_ms, retrieved.empty_reason)
        return self._since(spec, fetched, previous) if query.since_last_run else fetched

    async def _previous_mark(self, query: Query) -> Mapping[str, Any] | None:
        """The mark an earlier run left for the query's stream, or None (a first run, or no mark store)."""
        if self._read_mark is None:
            return None
        read = self._read_mark
        mark: Mapping[str, Any] | None = await self._once(
            ('mark', query.stream), lambda: read(self.marks_store, mark_key(query))
        )
        return mark if mark and isinstance(mark.get('time'), int) else None

    def _since(self, spec: KindSpec[Any], fetched: Fetched[Any], previous: Mapping[str, Any] | None) -> Fetched[Any]:
        """The final rows after the previous mark, and the mark to save once they are pushed.

        Only final rows are delivered: a history's still-open interval waits until it has closed (its figures
        still change), so a run before the next interval closes delivers nothing and is not charged.
        """
        table: Table[Any] = fetched.data
        final = spec.final_until(fetched) if spec.final_until is not None else None
        since = int(previous['time']) if previous is not None else None
        seen = set(previous.get('keys') or ()) if previous is not None else set()
        table = table.select(
            [
                index
                for index, (row, record) in enumerate(zip(table.rows, table.records, strict=True))
                if final is not None
                and record.time <= final
                and (since is None or record.time > since or (record.time == since and row_key(row) not in seen))
            ]
        )
        reason = fetched.empty_reason
        if since is not None:
            reason = f'nothing new arrived since {iso(since)}, the newest row of the last run'
        elif final is None and fetched.data.records:
            reason = 'no interval has closed yet (the open one is delivered once it closes)'
        newer = dataclasses.replace(fetched, data=table, empty_reason=reason)
        mark = None
        if final is not None:
            keys = {row_key(row) for row, record in zip(table.rows, table.records, strict=True) if record.time == final}
            if since == final:
                keys |= seen
            value = {'stream': fetched.query.stream, 'time': final, 'keys': sorted(keys), 'saved_at': self.now_ms}
            mark = Mark(self.marks_store, mark_key(fetched.query), value)
        return dataclasses.replace(newer, mark=mark)

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
        candles = _read(PRICE_HISTORY_PATH, await self.client.get(PRICE_HISTORY_PATH, params), PriceCandle)
        priced = [candle for candle in candles.records if candle.close is not None and candle.close > 0]
        if not priced:  # no candle, or a close of 0 (a halted pair): no distance can be measured from it
            raise InvalidParameterError(f'no 1m close above 0 in the price history of {exchange} {pair}')
        latest = max(priced, key=lambda candle: candle.time)
        return ReferencePrice(float(latest.close or 0.0), f'{exchange} {pair} last 1m close')

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

    # --- exchanges -------------------------------------------------------------------------------------------

    async def _with_listed_exchanges(self, query: Query) -> Query:
        """The query with its exchanges spelled as CoinGlass lists them.

        Raises:
            InvalidParameterError: An exchange CoinGlass does not list; the suggestion names the closest.
        """
        named = [name for name in (query.exchange, *query.exchanges) if name]
        if not named:
            return query
        try:
            listed = read_names(await self.lookup(SUPPORTED_EXCHANGES_PATH))
        except CoinGlassError:
            return query  # the check is a courtesy: without the lookup, CoinGlass itself will judge
        by_key = {exchange_key(name): name for name in listed}
        unknown = [name for name in named if exchange_key(name) not in by_key]
        if unknown:
            error = InvalidParameterError(
                f"exchange '{unknown[0]}' is not one CoinGlass lists, so no data was requested", status=None
            )
            found = closest(listed, unknown[0], key=exchange_key)
            error.suggestion = f'Closest listed: {", ".join(found)}.' if found else f'Listed: {", ".join(listed)}.'
            raise error
        return dataclasses.replace(
            query,
            exchange=by_key[exchange_key(query.exchange)] if query.exchange else None,
            exchanges=tuple(by_key[exchange_key(name)] for name in query.exchanges),
        )

    # --- retrievals ------------------------------------------------------------------------------------------

    async def _one_call(self, query: Query, spec: KindSpec[Any]) -> Retrieved:
        path = ENDPOINTS[query.mode].path.format(model=query.model)
        return Retrieved(_parse(spec, path, await self.client.get(path, _params(query))))

    async def _symbol_search(self, query: Query, spec: KindSpec[Any]) -> Retrieved:
        pairs_data, coins_data = await asyncio.gather(
            self.lookup(SUPPORTED_PAIRS_PATH), self.lookup(SUPPORTED_COINS_PATH)
        )
        pairs = _checked(SUPPORTED_PAIRS_PATH, read_pairs, pairs_data)
        coins = set(_checked(SUPPORTED_COINS_PATH, read_names, coins_data))
        records = [{**record, 'coin_supported': record.get('base_asset') in coins} for record in flatten_pairs(pairs)]
        found = search(records, query.keyword, query.exchange)
        reason = None
        if not found and query.exchange:
            on_exchange = [
                record for record in records if exchange_key(record['exchange']) == exchange_key(query.exchange)
            ]
            if on_exchange:
                reason = f'none of the {len(on_exchange)} pairs CoinGlass lists on {query.exchange} matched'
            else:
                listing = sorted({record['exchange'] for record in records})
                reason = (
                    f"the exchange filter '{query.exchange}' matched no pair: CoinGlass lists pairs on "
                    f'{", ".join(listing)}'
                )
        elif not found:
            reason = f'none of the {len(records)} pairs CoinGlass lists matched'
        return Retrieved(_parse(spec, SUPPORTED_PAIRS_PATH, found), empty_reason=reason)

    async def _time_windows(self, query: Query, spec: KindSpec[Any]) -> Retrieved:
        if query.start_time is None:
            return await self._latest_rows(query, spec)
        path = ENDPOINTS[query.mode].path
        step = duration_ms(query.interval or '1d')
        end = query.end_time or self.now_ms
        if query.limit is not None:  # the first `limit` rows from start_time
            end = min(end, query.start_time + (query.limit - 1) * step)
        table = await self._windows(query, spec, path, history_windows(query.start_time, end, step))
        table = _within(table, query.start_time, end)
        if query.limit is not None:
            table = table.head(query.limit)
        notes: tuple[str, ...] = ()
        if table.records and table.records[0].time > query.start_time + step:
            notes = (_shorter_history(query, table.records[0].time, f'not from {iso(query.start_time)}'),)
        return Retrieved(table, notes, None if table.rows else _span_reason(query))

    async def _latest_rows(self, query: Query, spec: KindSpec[Any]) -> Retrieved:
        """The `limit` (default 1000) latest rows CoinGlass has before `end_time`, anchored on its newest row."""
        path = ENDPOINTS[query.mode].path
        wanted = query.limit or HISTORY_PAGE_ROWS
        first_page = _params(query) | {'start_time': None, 'limit': min(wanted, HISTORY_PAGE_ROWS)}
        table = _merge_by_time([_parse(spec, path, await self.client.get(path, first_page))])  # in order, once each
        if query.end_time is not None:
            table = _within(table, None, query.end_time)
        if HISTORY_PAGE_ROWS <= len(table) < wanted:  # CoinGlass has a full page, and more is wanted
            step = duration_ms(query.interval or '1d')
            oldest = table.records[0].time
            windows = history_windows(oldest - (wanted - len(table)) * step, oldest - 1, step)
            older = await self._windows(query, spec, path, windows)
            table = _merge_by_time([older, table])
        table = table.tail(wanted)
        notes: tuple[str, ...] = ()
        if table.records and len(table) < wanted and query.limit is not None:
            notes = (_shorter_history(query, table.records[0].time, f'{plural(len(table), "row")}, not {wanted:,}'),)
        return Retrieved(table, notes)

    async def _windows(
        self, query: Query, spec: KindSpec[Any], path: str, windows: list[tuple[int, int]]
    ) -> Table[Any]:
        """The windows fetched newest first, `WINDOWS_AT_ONCE` at a time, merged by time.

        An empty window older than one with rows is where the pair's history starts: the older windows are not
        asked for (a `limit` of 100,000 hourly rows on a pair listed 4 months ago costs 11 requests, not 100).
        """
        newest_first = sorted(windows, reverse=True)
        tables: list[Table[Any]] = []
        for at in range(0, len(newest_first), WINDOWS_AT_ONCE):
            pages = await asyncio.gather(
                *(
                    self.client.get(
                        path, _params(query) | {'start_time': low, 'end_time': high, 'limit': HISTORY_PAGE_ROWS}
                    )
                    for low, high in newest_first[at : at + WINDOWS_AT_ONCE]
                )
            )
            tables.extend(_parse(spec, path, page) for page in pages)
            if _history_starts(tables):
                break
        return _merge_by_time(tables[::-1])

    async def _backward_pages(self, query: Query, spec: KindSpec[Any]) -> Retrieved:
        """Page back from end_time (CoinGlass's now when not given) to start_time or its 7-day horizon."""
        path = ENDPOINTS[query.mode].path
        horizon = self.now_ms - ORDERS_HORIZON_MS
        notes: list[str] = []
        start = query.start_time
        if start is not None and start < horizon:
            notes.append(f'CoinGlass keeps liquidation orders for 7 days: orders start at {iso(horizon)}.')
            start = horizon
        cursor = query.end_time
        seen: dict[tuple[Any, ...], int] = {}
        tables: list[Table[Any]] = []
        for _ in range(MAX_ORDER_PAGES):
            params = _params(query) | {'start_time': start, 'end_time': cursor}
            page = _parse(spec, path, await self.client.get(path, params))
            fresh = [index for index, row in enumerate(page.rows) if _order_key(row) not in seen]
            tables.append(page.select(fresh))
            seen.update((_order_key(page.rows[index]), index) for index in fresh)
            if len(page) < ORDERS_PAGE_ROWS or not fresh:
                break
            cursor = min(record.time for record in page.records)  # inclusive: rows sharing it are deduplicated
        else:
            notes.append(f'Stopped after {MAX_ORDER_PAGES} pages of orders; narrow start_time/end_time for the rest.')
        merged = Table([row for table in tables for row in table.rows], [r for t in tables for r in t.records])
        order = sorted(range(len(merged)), key=lambda index: merged.records[index].time, reverse=True)
        return Retrieved(merged.select(order), tuple(notes))

    # --- unknown symbols -------------------------------------------------------------------------------------

    async def _suggestions(self, query: Query, detail: str) -> str:
        """What to use instead of the parameter CoinGlass refused (`detail` names it): exchanges, pairs or coins."""
        try:
            if query.exchange and 'exchange' in detail.lower():
                pairs = flatten_pairs(read_pairs(await self.lookup(SUPPORTED_PAIRS_PATH)))
                coin = query.coin or ''
                listing = sorted({record['exchange'] for record in pairs if record.get('base_asset') in {coin, None}})
                listing = listing or sorted({record['exchange'] for record in pairs})
                return f'CoinGlass lists {coin + " " if coin else ""}pairs on {", ".join(listing)}.' if listing else ''
            if query.pair:
                pairs = flatten_pairs(read_pairs(await self.lookup(SUPPORTED_PAIRS_PATH)))
                found = closest((record['symbol'] for record in pairs), f'{query.exchange}_{query.pair}')
            elif query.coin:
                found = closest(read_names(await self.lookup(SUPPORTED_COINS_PATH)), query.coin)
            else:
                return ''
        except CoinGlassError:
            return ''
        return f'Closest supported: {", ".join(found)}.' if found else ''

    _RETRIEVALS: Final[Mapping[Retrieval, Callable[[Fetcher, Query, KindSpec[Any]], Awaitable[Retrieved]]]] = {
        Retrieval.ONE_CALL: _one_call,
        Retrieval.SYMBOL_SEARCH: _symbol_search,
        Retrieval.TIME_WINDOWS: _time_windows,
        Retrieval.BACKWARD_PAGES: _backward_pages,
    }


def mark_key(query: Query) -> str:
    """The key of a query's mark: `mark-` and a hash of its stream (keys allow few characters)."""
    return 'mark-' + hashlib.sha256(query.stream.encode()).hexdigest()[:32]


def row_key(row: Mapping[str, Any]) -> str:
    """A short, stable key of a row, to tell rows sharing the mark's time apart."""
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:16]


def history_windows(start: int, end: int, step_ms: int) -> list[tuple[int, int]]:
    """The [start, end] windows (ms, inclusive) of at most 1000 rows of `step_ms` covering `start`..`end`."""
    span = HISTORY_PAGE_ROWS * step_ms
    count = max(1, math.ceil((end - start + 1) / span))
    return [(start + index * span, min(end, start + (index + 1) * span - 1)) for index in range(count)]


def _shorter_history(query: Query, first_time: int, shortfall: str) -> str:
    return (
        f'CoinGlass returned history from {iso(first_time)} only ({shortfall}): '
        f"the key's plan may keep less {query.interval} history, or the pair is younger."
    )


def _span_reason(query: Query) -> str:
    return f'CoinGlass has no {query.interval} rows between start_time and end_time'


def _parse(spec: KindSpec[Any], path: str, data: Any) -> Any:
    """The kind's parse of `data`, its errors naming the endpoint."""
    return _checked(path, spec.parse, data)


def _read(path: str, data: Any, model: type[PriceCandle]) -> Table[PriceCandle]:
    table: Table[PriceCandle] = _checked(path, lambda value: read_table(value, model), data)
    return table


def _checked(path: str, read: Callable[[Any], Any], data: Any) -> Any:
    try:
        return read(data)
    except BadResponseError as error:
        error.detail = f'{path}: {error.detail}'
        error.args = (error.detail,)
        raise


def _params(query: Query) -> dict[str, Any]:
    return {name: getattr(query, attribute) for name, attribute in ENDPOINTS[query.mode].params.items()}


def _history_starts(newest_first: list[Table[Any]]) -> bool:
    """Whether an empty window follows (is older than) a window with rows."""
    found = False
    for table in newest_first:
        if table.records:
            found = True
        elif found:
            return True
    return False


def _merge_by_time(tables: list[Table[Any]]) -> Table[Any]:
    """One table of every row, one per time (the later table's row wins), ascending."""
    by_time: dict[int, tuple[dict[str, Any], Any]] = {}
    for table in tables:
        by_time.update((record.time, (row, record)) for row, record in zip(table.rows, table.records, strict=True))
    ordered = [by_time[time] for time in sorted(by_time)]
    return Table([row for row, _ in ordered], [record for _, record in ordered])


def _within(table: Table[Any], start: int | None, end: int | None) -> Table[Any]:
    """The rows whose time lies in [start, end] (either bound optional)."""
    keep = [
        index
        for index, record in enumerate(table.records)
        if (start is None or record.time >= start) and (end is None or record.time <= end)
    ]
    return table if len(keep) == len(table) else table.select(keep)


def _order_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row.get('time'), row.get('symbol'), row.get('price'), row.get('usd_value'), row.get('side'))
