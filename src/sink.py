"""The Apify side of a run: push and charge results, store charts and `OUTPUT`, persist progress, report status."""

from __future__ import annotations

import time
from collections.abc import MutableMapping, MutableSet
from typing import TYPE_CHECKING, Any, Final

from apify import Actor

from src.run import Delivery

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from src.result import QueryResult
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

    async def deliver(self, result: QueryResult) -> Delivery:
        """Store the chart, push the item and charge its event; at the spending limit the SDK pushes nothing."""
        chart_url = None
        if result.chart is not None:
            store = await Actor.open_key_value_store()
            await store.set_value(result.chart.key, result.chart.png, content_type='image/png')
            chart_url = await store.get_public_url(result.chart.key)
        item = result.item(chart_url)
        if result.event is None:
            await Actor.push_data(item)
            return Delivery(pushed=True, charged=0, limit_reached=False)
        charge = await Actor.push_data(item, charged_event_name=result.event)
        pushed = charge.charged_count > 0 or not charge.event_charge_limit_reached
        return Delivery(pushed=pushed, charged=charge.charged_count, limit_reached=charge.event_charge_limit_reached)

    async def progress(self, outcome: Outcome) -> None:
        """`12/40 queries done (1 failed)`, at most every PROGRESS_EVERY_S seconds, and when the last is done."""
        done = outcome.delivered + outcome.skipped
        now = time.monotonic()
        if done < outcome.total and now - self._last_progress < PROGRESS_EVERY_S:
            return
        self._last_progress = now
        await Actor.set_status_message(f'{done}/{outcome.total} queries done ({outcome.failed} failed)')

    async def write_output(self, record: Mapping[str, Any]) -> None:
        """The `OUTPUT` record of the default key-value store."""
        await Actor.set_value(OUTPUT_KEY, dict(record))

    def dataset_url(self) -> str:
        """The default dataset's items URL on the platform; its name in local storage."""
        dataset_id = Actor.configuration.default_dataset_id
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
