"""The user's spending limit as a budget: which queries can still be paid for, and why the others were not delivered.

A pay-per-event run may be given a spending limit (`ACTOR_MAX_TOTAL_CHARGE_USD` on the platform). The limit is not
all or nothing: a query is fetched only when what the limit leaves, less what the results already in flight will
cost, still pays for its event; a cheaper mode can fit where a dearer one no longer does. Failures and empty answers
are free, so they never wait on the budget. What could not be paid for is recorded as `NotDelivered`, with the
sentence that says why, for the run's `OUTPUT` record and status.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from src.query import Query


class Prices(Protocol):
    """What the sink knows of the run's pricing."""

    def price_usd(self, event: str) -> Decimal:
        """What one pushed result of `event` costs in USD (the per-item price included); 0 when it is free."""

    def left_usd(self) -> Decimal | None:
        """What the spending limit leaves in USD after what was charged; None when nothing limits the run."""


@dataclass(frozen=True)
class NotDelivered:
    """A query the spending limit kept from being delivered.

    Attributes:
        index: The query's position in `queries` (0 in a one-query run).
        mode: The query's mode.
        price_usd: What its result would have cost (USD).
        left_usd: What the limit left when the query was given up (USD).
        fetched: Whether it was fetched before the limit was found too low (its result was then dropped unpushed).
    """

    index: int
    mode: str
    price_usd: Decimal
    left_usd: Decimal
    fetched: bool = False

    @property
    def reason(self) -> str:
        """Why, as one sentence: `your spending limit left $0.0045, less than a liquidation_map result ($0.01)`."""
        what = 'fetched, but not delivered' if self.fetched else 'not fetched'
        return (
            f'{what}: your spending limit left {usd(self.left_usd)}, less than a {self.mode} result costs '
            f'({usd(self.price_usd)})'
        )


def usd(amount: Decimal) -> str:
    """`$0.0045`: an amount in USD with the decimals it needs (at least two)."""
    text = f'{amount.normalize():f}' if amount else '0'
    whole, _, cents = text.partition('.')
    return f'${whole}.{cents.ljust(2, "0")}'


class Budget:
    """What the spending limit leaves for the queries not yet fetched: the sink's figure less what is in flight.

    A query whose price fits what the limit leaves but not what the queries in flight have set aside waits for them
    to settle (a failure gives its share back), so it is given up only when it can no longer be paid for.
    """

    def __init__(self, prices: Prices) -> None:
        self._prices = prices
        self._reserved = Decimal(0)
        self._changed = asyncio.Event()

    async def reserve(self, index: int, query: Query, settle: Callable[[], Awaitable[None]]) -> NotDelivered | None:
        """Set aside the price of the query's event; None when it is set aside, else why the query is not fetched.

        `settle` delivers the results waiting to be pushed, so that what they set aside turns into charges.
        """
        price = self._prices.price_usd(query.mode.event_name)
        while True:
            left = self._prices.left_usd()
            if left is None or price <= 0:
                return None
            if left - self._reserved >= price:
                self._reserved += price
                return None
            if left < price or self._reserved <= 0:  # even if every query in flight failed, it would not fit
                return NotDelivered(index, str(query.mode), price, max(Decimal(0), left - self._reserved))
            changed = self._changed
            await settle()
            if not changed.is_set():
                await changed.wait()

    def release(self, event: str) -> None:
        """Give back what a query set aside: its result was free, or its charge is now counted by the sink."""
        price = self._prices.price_usd(event)
        if price > 0 and self._prices.left_usd() is not None:
            self._reserved = max(Decimal(0), self._reserved - price)
        self.signal()

    def signal(self) -> None:
        """Wake the queries waiting for the budget to settle (a result in flight arrived or was delivered)."""
        self._changed.set()
        self._changed = asyncio.Event()

    def unpaid(self, index: int, mode: str, event: str) -> NotDelivered:
        """A fetched result the sink could not push for want of budget."""
        left = self._prices.left_usd()
        return NotDelivered(index, mode, self._prices.price_usd(event), left or Decimal(0), fetched=True)
