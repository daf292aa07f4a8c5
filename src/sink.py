"""The Apify side of a run: push and charge results, store charts and `OUTPUT`, persist progress, report status."""

from __future__ import annotations

import asyncio
import time
from collections.abc import MutableMapping, MutableSet
from typing import TYPE_CHECKING, Any, Final

from apify import Actor

from src.run import Delivery, push_groups, waiting_message

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from apify.storages import KeyValueStore

    from src.result import Mark, QueryResult
    from src.run import Outcome

PROGRESS_EVERY_S: Final = 2.0
OUTPUT_KEY: Final = 'OUTPUT'


class ActorSink:
    """The platform's side of a run.

    Results go into the default dataset (charging each result's event), charts and `OUTPUT` into the default
    key-value store, progress into the run's status message.
    """

    def __init__(self) -> None:
        self._last_progress = 0.0

    async def deliver(self, results: Sequence[QueryResult]) -> Delivery:
        """Store the charts, then push the items in order: one call per run of results with the same event.

        At the spending limit the SDK pushes only the items of an event that are paid for (the first ones); the
        events after it are not pushed at all.
        """
        store = await Actor.open_key_value_store()
        urls = await asyncio.gather(*(self._store_chart(store, result) for result in results))
        item_of = {id(result): result.item(url) for result, url in zip(results, urls, strict=True)}
        pushed: list[tuple[QueryResult, dict[str, Any]]] = []
        charged = 0
        for event, results_of_event in push_groups(results):
            part = [(result, item_of[id(result)]) for result in results_of_event]
            if event is None:
                await Actor.push_data([item for _result, item in part])
                pushed += part
                continue
            charge = await Actor.push_data([item for _result, item in part], charged_event_name=event)
            charged += charge.charged_count
            # At the limit the SDK pushed only the paid items; without pay-per-event it charged none and pushed all.
            pushed += part[: charge.charged_count] if charge.event_charge_limit_reached else part
            if charge.event_charge_limit_reached:
                return Delivery(pushed=pushed, charged=charged, limit_reached=True)
        return Delivery(pushed=pushed, charged=charged, limit_reached=False)

    @staticmethod
    async def _store_chart(store: KeyValueStore, result: QueryResult) -> str | None:
        if result.chart is None:
            return None
        await store.set_value(result.chart.key, result.chart.png, content_type='image/png')
        return await store.get_public_url(result.chart.key)

    async def progress(self, outcome: Outcome) -> None:
        """Persist the state (the `done` marks) at once, and report `12/40 queries done (1 failed)`.

        The status is set at most every PROGRESS_EVERY_S seconds, and when the last query is done.
        """
        store = await Actor.open_key_value_store()
        await store.persist_autosaved_values()  # a migration right after this push must not deliver it twice
        done = len(outcome.results) + outcome.skipped
        now = time.monotonic()
        if done < outcome.total and now - self._last_progress < PROGRESS_EVERY_S:
            return
        self._last_progress = now
        await Actor.set_status_message(f'{done}/{outcome.total} queries done ({outcome.failed} failed)')

    async def waiting(self, seconds: float, reason: str) -> None:
        """The status message says why the run is quiet, so an MCP agent polling it knows to wait.

        The next progress report replaces it once the wait is over.
        """
        self._last_progress = 0.0
        await Actor.set_status_message(waiting_message(seconds, reason))

    async def write_output(self, record: Mapping[str, Any]) -> None:
        """The `OUTPUT` record of the default key-value store."""
        await Actor.set_value(OUTPUT_KEY, dict(record))

    async def read_mark(self, store: str, key: str) -> Mapping[str, Any] | None:
        """A `since_last_run` mark from the named key-value store (it outlives runs: a task keeps its own)."""
        value = await (await Actor.open_key_value_store(name=store)).get_value(key)
        return value if isinstance(value, dict) else None

    async def save_marks(self, marks: Sequence[Mark]) -> None:
        """Save marks into their named key-value stores."""
        for mark in marks:
            store = await Actor.open_key_value_store(name=mark.store)
            await store.set_value(mark.key, dict(mark.value))

    def dataset_url(self) -> str:
        """The default dataset's items URL on the platform; its name in local storage."""
        dataset_id = Actor.configuration.default_dataset_id or 'default'
        if Actor.is_at_home():
            return f'https://api.apify.com/v2/datasets/{dataset_id}/items?format=json&clean=true'
        return f'dataset {dataset_id} in local storage'


class PersistedIndexSet(MutableSet[int]):
    """A set of query indices kept as a list inside the Actor's auto-saved state."""

    def __init__(self, state: MutableMapping[str, Any], key: str) -> None:
        self._state = state
        self._key = key
        self._items: set[int] = {int(index) for index in state.get(key) or []}

    def __contains__(self, value: object) -> bool:
        return value in self._items

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def add(self, value: int) -> None:
        """Mark a query done."""
        self._items.add(value)
        self._state[self._key] = sorted(self._items)

    def discard(self, value: int) -> None:
        """Forget a query."""
        self._items.discard(value)
        self._state[self._key] = sorted(self._items)
