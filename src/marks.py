"""`since_last_run` marks: what a query delivered last time, and the rows that are new since (pure functions).

A mark is kept per stream (`Query.stream`: the mode and the values that pick the rows) in a named key-value store:
`{"stream", "time": the newest final row's time (epoch ms), "keys": the keys of the rows at that time, "saved_at"}`.
A run with `since_last_run` asks CoinGlass only from the mark's time on (`ask_from`), keeps only the final rows
after it (`since`), and hands the new mark to the sink with its result, to be saved once the result is pushed, so
a run that fails or stops never skips rows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING, Any

from src.query import LIMIT, START_TIME
from src.result import Mark
from src.times import iso

if TYPE_CHECKING:
    from collections.abc import Mapping

    from src.kinds import Fetched, KindSpec
    from src.kinds.contracts import Table
    from src.query import Query


def mark_key(query: Query) -> str:
    """The key of a query's mark: `mark-` and a hash of its stream (keys allow few characters)."""
    return 'mark-' + hashlib.sha256(query.stream.encode()).hexdigest()[:32]


def row_key(row: Mapping[str, Any]) -> str:
    """A short, stable key of a row, to tell rows sharing the mark's time apart."""
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:16]


def usable(mark: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The mark when it holds a time, else None (a first run, or a record that is not a mark)."""
    return mark if mark and isinstance(mark.get('time'), int) else None


def ask_from(query: Query, previous: Mapping[str, Any], *, pages_by_limit: bool) -> Query:
    """The query as CoinGlass is asked after `previous`: from the mark's time on, at most what an item holds.

    `pages_by_limit` says whether the mode takes a `limit` (histories); orders are bounded by their pages instead.
    """
    start = max(query.get(START_TIME) or 0, int(previous['time']))
    asked = query.with_value(START_TIME, start)
    if pages_by_limit and query.get(LIMIT) is None:
        asked = asked.with_value(LIMIT, query.output.max_rows)
    return asked


def since(
    spec: KindSpec[Any, Any],
    fetched: Fetched[Table[Any]],
    previous: Mapping[str, Any] | None,
    *,
    store: str,
    now_ms: int,
) -> Fetched[Table[Any]]:
    """The final rows after the previous mark, and the mark to save once they are pushed.

    Only final rows are delivered: a history's still-open interval waits until it has closed (its figures
    still change), so a run before the next interval closes delivers nothing and is not charged.
    """
    table = fetched.data
    final = spec.final_until(fetched) if spec.final_until is not None else None
    since_time = int(previous['time']) if previous is not None else None
    seen = set(previous.get('keys') or ()) if previous is not None else set()
    table = table.select(
        [
            index
            for index, (row, record) in enumerate(zip(table.rows, table.records, strict=True))
            if final is not None
            and record.time <= final
            and (
                since_time is None
                or record.time > since_time
                or (record.time == since_time and row_key(row) not in seen)
            )
        ]
    )
    reason = fetched.empty_reason
    if since_time is not None:
        reason = f'nothing new arrived since {iso(since_time)}, the newest row of the last run'
    elif final is None and fetched.data.records:
        reason = 'no interval has closed yet (the open one is delivered once it closes)'
    mark = None
    if final is not None:
        keys = {row_key(row) for row, record in zip(table.rows, table.records, strict=True) if record.time == final}
        if since_time == final:
            keys |= seen
        value = {'stream': fetched.query.stream, 'time': final, 'keys': sorted(keys), 'saved_at': now_ms}
        mark = Mark(store, mark_key(fetched.query), value)
    return dataclasses.replace(fetched, data=table, empty_reason=reason, mark=mark)
