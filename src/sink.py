"""The Apify side of a run: push and charge results, store charts and `OUTPUT`, persist progress, report status."""

from __future__ import annotations

import asyncio
import time
from collections.abc import MutableMapping, MutableSet
from decimal import Decimal
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
ITEM_EVENT: Final = 'apify-default-dataset-item'  # the SDK's synthetic per-item event, charged for every item


class ActorSink:
    """The platform's side of a run.

    Results go into the default dataset (charging each result's event), charts and `OUTPUT` into the default
    key-value store, progress into the run's status message.
    """

    def __init__(self) -> None:
        self._last_progress = 0.0

    async def deliver(self, results: Sequence[QueryResult]) -> Delivery:
        """Store the charts, then push the items in order: one call per run of results with the same event.

        Free results are always pushed. Of an event the spending limit no longer pays for in full, the SDK pushes
        only the paid items (the first ones); the rest are returned as unpaid, and the events after it still go.
        """
        store = await Actor.open_key_value_store()
        urls = await asyncio.gather(*(self._store_chart(store, result) for result in results))
        item_of = {id(result): result.item(url) for result, url in zip(results, urls, strict=True)}
        pushed: list[tuple[QueryResult, dict[str, Any]]] = []
        unpaid: list[QueryResult] = []
        charged = 0
        for event, results_of_event in push_groups(results):
            part = [(result, item_of[id(result)]) for result in results_of_event]
            if event is None:
                await Actor.push_data([item for _result, item in part])
                pushed += part
                continue
            charge = await Actor.push_data([item for _result, item in part], charged_event_name=event)
            charged += charge.charged_count
            # Without pay-per-event the SDK charges none and pushes all; with it, it pushes only the paid items.
            paid = charge.charged_count if self._pay_per_event() else len(part)
            pushed += part[:paid]
            unpaid += [result for result, _item in part[paid:]]
        return Delivery(pushed=pushed, charged=charged, unpaid=unpaid)

    def price_usd(self, event: str) -> Decimal:
        """The event's price plus the per-item price of a pushed item, from the run's pricing (0 without PPE)."""
        info = Actor.get_charging_manager().get_pricing_info()
        if not info.is_pay_per_event:
            return Decimal(0)
        prices = info.per_event_prices
        return prices.get(event, Decimal(0)) + prices.get(ITEM_EVENT, Decimal(0))

    def left_usd(self) -> Decimal | None:
        """The run's spending limit less what it charged so far; None without a limit or pay-per-event."""
        manager = Actor.get_charging_manager()
        limit = manager.get_pricing_info().max_total_charge_usd
        if not self._pay_per_event() or not limit.is_finite():
            return None
        return max(Decimal(0), limit - manager.calculate_total_charged_amount())

    @staticmethod
    def _pay_per_event() -> bool:
        return Actor.get_charging_manager().get_pricing_info().is_pay_per_event

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
        done = len(outcome.results) + outcome.skipped + len(outcome.not_delivered)
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
