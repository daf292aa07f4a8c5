"""The run's `OUTPUT` record, assembled from the small per-query records a run keeps, within a size budget.

`OUTPUT` is what a `run-sync` caller gets back, so however large the batch it stays small enough to store and read:
the results take at most RESULTS_BYTES of JSON (whole items when they all fit, else shorter forms, else the first
ones), the fired alerts at most ALERTS_BYTES, and `left_out` counts what did not fit (the dataset has every item;
every alert is in the items of the queries that fired it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from src.run import json_size

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from src.budget import NotDelivered
    from src.result import QueryResult
    from src.run import Outcome

RESULTS_BYTES: Final = 2 * 1024 * 1024  # whole items in OUTPUT up to this much JSON: a quick run-sync answer
ALERTS_BYTES: Final = 512 * 1024  # fired alerts in OUTPUT (and in the notification) up to this much JSON
BRIEF_MESSAGE_CHARS: Final = 300  # a message in the shortest form of the results, cut to this and marked
CUT_MARK: Final = ' […]'


def output_record(outcome: Outcome, counts: Mapping[str, int], dataset_url: str) -> dict[str, Any]:
    """The `OUTPUT` record: the run's counts (`counts`: requests, retries, rate-limited responses) and its results.

    `results` holds each query's dataset item, whole when all of them fit RESULTS_BYTES of JSON; else each query's
    index, mode, success, message, summary and error type (only its headline when even the summaries do not fit,
    then with messages cut, then only the first queries), the data being in the dataset at `dataset_url`. A query
    the spending limit kept from being delivered is there as `delivered: false` with why as its message.
    `results_complete` is true only when `results` holds every query's whole item.
    """
    results, complete, left_out = _results(outcome)
    return {
        'queries': outcome.total,
        'succeeded': outcome.succeeded,
        'failed': outcome.failed,
        'charged_events': outcome.charged,
        'delivered_before_restart': outcome.skipped,
        'spending_limit_reached': outcome.limit_reached,
        'not_delivered': len(outcome.not_delivered),
        **counts,
        'dataset_url': dataset_url,
        'results_complete': complete,
        'results': results,
        'left_out': {'results': left_out, 'alerts': 0},
    }


def with_alerts(record: Mapping[str, Any], fired: Sequence[Mapping[str, Any]], notification: Any) -> dict[str, Any]:
    """The record led by the fired alerts (as many as fit ALERTS_BYTES; `left_out.alerts` counts the rest)."""
    kept = fitting(fired, ALERTS_BYTES)
    left_out = dict(record['left_out']) | {'alerts': len(fired) - len(kept)}
    return {'alerts': kept, 'notification': notification} | dict(record) | {'left_out': left_out}


def fitting(entries: Sequence[Mapping[str, Any]], budget: int) -> list[Mapping[str, Any]]:
    """The first entries whose JSON, as a list, fits `budget` bytes."""
    kept: list[Mapping[str, Any]] = []
    size = 2  # []
    for entry in entries:
        size += json_size(entry) + 1
        if size > budget:
            break
        kept.append(entry)
    return kept


def _results(outcome: Outcome) -> tuple[list[Mapping[str, Any]], bool, int]:
    """The results in query order, whether they are every query's whole item, and how many were left out."""
    batch = outcome.total > 1
    missing = [_not_delivered(record, batch=batch) for record in outcome.not_delivered]
    every_query = outcome.skipped == 0 and outcome.succeeded + outcome.failed == outcome.total
    if outcome.items is not None:
        return _in_order([item for _index, item in outcome.items], missing), every_query, 0
    results = outcome.results
    for form in ('summary', 'headline'):
        briefs = _in_order([_brief(result, form) for result in results], missing)
        if json_size(briefs) <= outcome.items_budget:
            return briefs, False, 0
    briefs = _in_order([_brief(result, 'cut') for result in results], missing)
    kept = fitting(briefs, outcome.items_budget)
    return kept, False, len(briefs) - len(kept)


def _in_order(entries: Sequence[Mapping[str, Any]], missing: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted([*entries, *missing], key=lambda entry: entry.get('query_index') or 0)


def _brief(result: QueryResult, form: str) -> dict[str, Any]:
    """A result without its data: with its `summary`, or only its `headline` (and, `cut`, a shortened message)."""
    message = result.message
    if form == 'cut' and len(message) > BRIEF_MESSAGE_CHARS:
        message = message[: BRIEF_MESSAGE_CHARS - len(CUT_MARK)] + CUT_MARK
    brief: dict[str, Any] = {
        'query_index': result.index,
        'mode': result.mode,
        'success': result.success,
        'message': message,
        'error_type': None if result.error_type is None else str(result.error_type),
    }
    if form == 'summary':
        brief['summary'] = result.summary
    else:
        brief['headline'] = (result.summary or {}).get('headline')
    return brief


def _not_delivered(record: NotDelivered, *, batch: bool) -> dict[str, Any]:
    return {
        'query_index': record.index if batch else None,
        'mode': record.mode,
        'success': False,
        'delivered': False,
        'message': f'{record.reason[:1].upper()}{record.reason[1:]}. Nothing was charged. Raise the limit to fetch it.',
        'error_type': None,
    }
