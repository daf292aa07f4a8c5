"""The Apify side of a run: push and charge, store charts, persist progress, report status."""

from __future__ import annotations

import time
from collections.abc import MutableMapping, MutableSet
from typing import TYPE_CHECKING, Any

from apify import Actor

from src.run import Delivery

if TYPE_CHECKING:
    from collections.abc import Iterator

    from src.run import Outcome

PROGRESS_EVERY_S = 2.0


class ActorSink:
    """Pushes envelopes to the default dataset, charging the event only when one is given."""

    async def push(self, item: dict[str, Any], event: str | None) -> Delivery:
        """Push one item; report whether it was pushed, what was charged and whether the limit is reached."""
        if event is None:
            await Actor.push_data(item)
            return Delivery(pushed=True, charged=0, limit_reached=False)
        result = await Actor.push_data(item, charged_event_name=event)
        # At the spending limit the SDK pushes nothing and charges nothing.
        pushed = result.charged_count > 0 or not result.event_charge_limit_reached
        return Delivery(pushed=pushed, charged=result.charged_count, limit_reached=result.event_charge_limit_reached)

    async def store_chart(self, key: str, png: bytes) -> str:
        """Store a PNG in the default key-value store and return its public URL."""
        store = await Actor.open_key_value_store()
        await store.set_value(f'{key}.png', png, content_type='image/png')
        return await store.get_public_url(f'{key}.png')


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


class ProgressReporter:
    """Updates the run's status message (`12/40 queries done`) at most every few seconds, and at the end."""

    def __init__(self) -> None:
        self._last = 0.0

    async def __call__(self, outcome: Outcome) -> None:
        """Report progress."""
        done = outcome.delivered + outcome.skipped
        now = time.monotonic()
        if done < outcome.total and now - self._last < PROGRESS_EVERY_S:
            return
        self._last = now
        await Actor.set_status_message(f'{done}/{outcome.total} queries done ({outcome.failed} failed)')
