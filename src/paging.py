"""Paging: a history of any length in time windows, and liquidation orders page by page back in time.

History follows what CoinGlass answers, not the clock: "the latest rows" are CoinGlass's latest (its newest row may
be older than now: a lagging feed, a delisted pair), and `limit` always holds, whatever CoinGlass sends (it has
answered 1,080 rows to a request for 1,000, and 4,500 to one whose documented maximum is 1,000). A span is asked
for in windows of at most 1000 rows, `WINDOWS_AT_ONCE` together, newest first, and the paging stops where the
pair's history starts.

Orders come 200 at a time, newest first: each page is asked for back from the oldest time of the page before, to
`start_time` or CoinGlass's 7-day horizon; rows repeated across the boundary are dropped by the kind's
`row_identity`.

Both take `get`, which asks CoinGlass for the query's path with the given parameters and returns the parsed
table, so they can be tested with a function in place of CoinGlass.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src.kinds.contracts import Table
from src.kinds.figures import plural
from src.modes import HISTORY_PAGE_ROWS, ORDERS_PAGE_ROWS
from src.query import END_TIME, INTERVAL, LIMIT, START_TIME
from src.times import MS_PER, duration_ms, iso

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Hashable, Mapping

    from src.kinds.base import Derivation
    from src.query import Query

    GetTable = Callable[[Mapping[str, Any]], Awaitable[Table[Any]]]
    """Asks CoinGlass for the query's path with these parameters on top of the query's own; the parsed table."""

ORDERS_HORIZON_MS: Final = 7 * MS_PER['d']
MAX_ORDER_PAGES: Final = 500
WINDOWS_AT_ONCE: Final = 10  # history windows asked for together: a year of hourly rows (9 windows) in one round


@dataclass(frozen=True)
class Retrieved:
    """What a retrieval brought back: the parsed data, notes for the message, and why it is empty (if it is ours).

    Attributes:
        data: The kind's parsed data.
        notes: Sentences for the message.
        empty_reason: Why the data is empty, when CoinGlass itself sent data.
        derivation: How the data was made from another mode's answer, when it was.
    """

    data: Any
    notes: tuple[str, ...] = ()
    empty_reason: str | None = None
    derivation: Derivation[Any] | None = None


async def history(get: GetTable, query: Query, now_ms: int) -> Retrieved:
    """The query's history: its span from `start_time`, or the `limit` (default 1000) latest rows."""
    start = query.get(START_TIME)
    if start is None:
        return await _latest_rows(get, query)
    step = duration_ms(query.get(INTERVAL) or '1d')
    end = query.get(END_TIME) or now_ms
    limit = query.get(LIMIT)
    if limit is not None:  # the first `limit` rows from start_time, which may fall inside the first interval
        end = min(end, start + limit * step)
    table = _within(await _windows(get, history_windows(start, end, step)), start, end)
    if limit is not None:
        table = table.head(limit)
    notes: tuple[str, ...] = ()
    if table.records and table.records[0].time > start + step:
        notes = (_shorter_history(query, table.records[0].time, f'not from {iso(start)}'),)
    empty = None if table.rows else f'CoinGlass has no {query.get(INTERVAL)} rows from {iso(start)} to {iso(end)}'
    return Retrieved(table, notes, empty)


async def _latest_rows(get: GetTable, query: Query) -> Retrieved:
    """The `limit` (default 1000) latest rows CoinGlass has before `end_time`, anchored on its newest row."""
    limit = query.get(LIMIT)
    wanted = limit or HISTORY_PAGE_ROWS
    table = _merge_by_time([await get({'start_time': None, 'limit': min(wanted, HISTORY_PAGE_ROWS)})])
    end = query.get(END_TIME)
    if end is not None:
        table = _within(table, None, end)
    if HISTORY_PAGE_ROWS <= len(table) < wanted:  # CoinGlass has a full page, and more is wanted
        step = duration_ms(query.get(INTERVAL) or '1d')
        oldest = table.records[0].time
        older = await _windows(get, history_windows(oldest - (wanted - len(table)) * step, oldest - 1, step))
        table = _merge_by_time([older, table])
    table = table.tail(wanted)
    notes: tuple[str, ...] = ()
    if table.records and len(table) < wanted and limit is not None:
        notes = (_shorter_history(query, table.records[0].time, f'{plural(len(table), "row")}, not {wanted:,}'),)
    return Retrieved(table, notes)


async def _windows(get: GetTable, windows: list[tuple[int, int]]) -> Table[Any]:
    """The windows fetched newest first, `WINDOWS_AT_ONCE` at a time, merged by time.

    An empty window older than one with rows is where the pair's history starts: the older windows are not
    asked for (a `limit` of 100,000 hourly rows on a pair listed 4 months ago costs 11 requests, not 100).
    """
    newest_first = sorted(windows, reverse=True)
    tables: list[Table[Any]] = []
    for at in range(0, len(newest_first), WINDOWS_AT_ONCE):
        round_of = newest_first[at : at + WINDOWS_AT_ONCE]
        tables.extend(
            await asyncio.gather(
                *(get({'start_time': low, 'end_time': high, 'limit': HISTORY_PAGE_ROWS}) for low, high in round_of)
            )
        )
        if _history_starts(tables):
            break
    return _merge_by_time(tables[::-1])


def history_windows(start: int, end: int, step_ms: int) -> list[tuple[int, int]]:
    """The [start, end] windows (ms, inclusive) of at most 1000 rows of `step_ms` covering `start`..`end`."""
    span = HISTORY_PAGE_ROWS * step_ms
    count = max(1, math.ceil((end - start + 1) / span))
    return [(start + index * span, min(end, start + (index + 1) * span - 1)) for index in range(count)]


def _shorter_history(query: Query, first_time: int, shortfall: str) -> str:
    return (
        f'CoinGlass returned history from {iso(first_time)} only ({shortfall}): '
        f"the key's plan may keep less {query.get(INTERVAL)} history, or the pair is younger."
    )


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


async def orders(get: GetTable, query: Query, now_ms: int, identity: Callable[[dict[str, Any]], Hashable]) -> Retrieved:
    """Page back from end_time (CoinGlass's now when not given) to start_time or its 7-day horizon, newest first."""
    horizon = now_ms - ORDERS_HORIZON_MS
    notes: list[str] = []
    start = query.get(START_TIME)
    if start is not None and start < horizon:
        notes.append(f'CoinGlass keeps liquidation orders for 7 days: orders start at {iso(horizon)}.')
        start = horizon
    cursor = query.get(END_TIME)
    seen: set[Hashable] = set()
    tables: list[Table[Any]] = []
    for _ in range(MAX_ORDER_PAGES):
        page = await get({'start_time': start, 'end_time': cursor})
        fresh = [index for index, row in enumerate(page.rows) if identity(row) not in seen]
        tables.append(page.select(fresh))
        seen.update(identity(page.rows[index]) for index in fresh)
        if len(page) < ORDERS_PAGE_ROWS or not fresh:
            break
        cursor = min(record.time for record in page.records)  # inclusive: rows sharing it are deduplicated
    else:
        notes.append(f'Stopped after {MAX_ORDER_PAGES} pages of orders; narrow start_time/end_time for the rest.')
    merged = Table([row for table in tables for row in table.rows], [r for t in tables for r in t.records])
    order = sorted(range(len(merged)), key=lambda index: merged.records[index].time, reverse=True)
    return Retrieved(merged.select(order), tuple(notes))
