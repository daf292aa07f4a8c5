"""Numeric helpers the kinds' summaries share: rounding, distances from a price, shares of a total.

Every amount is in USD and every distance is a signed percentage of a reference price (negative below it).
Sums are taken on the raw floats and rounded only when a field is written: USD to 2 decimals, percentages to
3 decimals, ratios and shares of 1 to 4 decimals.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

R = TypeVar('R', bound='Split')
E = TypeVar('E')
TOTAL_TOLERANCE: Final = 1e-3  # CoinGlass's totals and their parts are sums of floats: 0.1 % (or $1) is agreement

UNKNOWN_SPLIT_NOTE: Final = (
    'CoinGlass reported long and short liquidations of 0 while the total is positive for: {names}; '
    'their long_share_pct is null (split unknown), not 0.'
)
DISAGREEING_ROWS_NOTE: Final = (
    "CoinGlass's own total disagreed with its long and short for: {rows}; the summary uses long + short."
)


def usd(value: float) -> float | None:
    """A USD amount rounded to cents; None when it is not finite (absurd figures overflowed), as JSON has no inf."""
    return rounded(value, 2)


def pct(value: float) -> float | None:
    """A percentage rounded to 3 decimals; None when it is not finite."""
    return rounded(value, 3)


def ratio(part: float, whole: float) -> float | None:
    """`part / whole` rounded to 4 decimals; None when `whole` is 0 or the ratio is not finite."""
    return rounded(part / whole, 4) if whole else None


def rounded(value: float, decimals: int) -> float | None:
    """`value` rounded, or None when it is not a finite number."""
    number = float(value)
    return round(number, decimals) if math.isfinite(number) else None


def amount(value: float | None) -> float:
    """A possibly missing amount as a float (None counts as 0)."""
    return 0.0 if value is None else float(value)


def usable_reference(reference_price: float | None) -> float | None:
    """The reference price when distances can be measured from it (a positive number), else None."""
    if reference_price is None or reference_price <= 0:
        return None
    return float(reference_price)


def distance_pct(price: float, reference: float | None) -> float | None:
    """Signed distance of `price` from `reference` in % of `reference` (negative below); None without a reference."""
    ref = usable_reference(reference)
    if ref is None:
        return None
    return pct((float(price) - ref) / ref * 100.0)


def side_of(price: float, reference: float | None) -> str | None:
    """`long` below the reference (longs liquidate as the price falls), `short` above it, `at_price` at it.

    None when there is no usable reference.
    """
    ref = usable_reference(reference)
    if ref is None:
        return None
    if price < ref:
        return 'long'
    if price > ref:
        return 'short'
    return 'at_price'


def share_pct(part: float, whole: float) -> float | None:
    """`part` as a % of `whole`; None when `whole` is 0."""
    return pct(part / whole * 100.0) if whole else None


def long_share_pct(long_usd: float, short_usd: float) -> float | None:
    """The long side's % of the long+short split; None (unknown) when both sides are 0."""
    split = long_usd + short_usd
    return pct(long_usd / split * 100.0) if split > 0 else None


class Split(Protocol):
    """A row with a total and its long and short parts (USD; None when CoinGlass sent none)."""

    @property
    def liquidation_usd(self) -> float | None:
        """CoinGlass's own total."""

    @property
    def long_usd(self) -> float | None:
        """The long part."""

    @property
    def short_usd(self) -> float | None:
        """The short part."""


def row_total(row: Split) -> tuple[float, str | None]:
    """The row's total, consistent with its parts, and why it is not CoinGlass's own total (None when it is).

    The long and short parts win when they are known and disagree with `liquidation_usd` (or it is missing).
    """
    given = row.liquidation_usd
    parts = amount(row.long_usd) + amount(row.short_usd)
    if parts <= 0 or (given is not None and math.isclose(given, parts, rel_tol=TOTAL_TOLERANCE, abs_tol=1.0)):
        return amount(given), None
    return parts, f'{_money(given)} against long + short {_money(parts)}'


def consistent_total(given: float | None, parts: float, *, what: str, parts_name: str) -> str | None:
    """None when CoinGlass's `given` total agrees with the sum of its parts, else a sentence saying the sum is used."""
    if given is not None and math.isclose(given, parts, rel_tol=TOTAL_TOLERANCE, abs_tol=1.0):
        return None
    return f'{what} says {_money(given)} while {parts_name} add up to {_money(parts)}; the summary uses the sum.'


class Share(Protocol):
    """One row's part of a total: its name, its total (USD), its share of the grand total and its long share (%)."""

    @property
    def name(self) -> str:
        """The exchange or coin."""

    @property
    def total_usd(self) -> float | None:
        """Its total."""

    @property
    def share_pct(self) -> float | None:
        """Its % of the grand total; None when the grand total is 0."""

    @property
    def long_share_pct(self) -> float | None:
        """The long side's % of its long+short split; None when the split is unknown."""


def share_entries(
    rows: Sequence[R],
    *,
    grand_total: float,
    name: Callable[[R], str],
    entry: Callable[[str, float | None, float | None, float | None], E],
) -> tuple[list[E], str | None]:
    """Each row's total (consistent with its parts, see `row_total`), its share of `grand_total`, its long share.

    `entry(name, total_usd, share_pct, long_share_pct)` makes each entry, in the rows' order. A row whose long
    and short are 0 while its total is positive has an unknown split: `long_share_pct` None, never 0. The note
    (None when there is nothing to say) names the rows with an unknown split and the rows whose own total
    disagreed with their parts.
    """
    entries = []
    unknown, disagreeing = [], []
    for row in rows:
        total, disagreement = row_total(row)
        long_usd, short_usd = amount(row.long_usd), amount(row.short_usd)
        if total > 0 and long_usd + short_usd <= 0:
            unknown.append(name(row))
        if disagreement:
            disagreeing.append(f'{name(row)} ({disagreement})')
        entries.append(entry(name(row), usd(total), share_pct(total, grand_total), long_share_pct(long_usd, short_usd)))
    notes = []
    if unknown:
        notes.append(UNKNOWN_SPLIT_NOTE.format(names=', '.join(unknown)))
    if disagreeing:
        notes.append(DISAGREEING_ROWS_NOTE.format(rows='; '.join(disagreeing)))
    return entries, ' '.join(notes) or None


def _money(value: float | None) -> str:
    if value is None:
        return 'no total'
    return f'-${-value:,.2f}' if value < 0 else f'${value:,.2f}'


def format_usd(value: float) -> str:
    """A USD amount, compactly, three significant digits: `$1.25B`, `$350K`, `$12`, `$1M` (for 999,999)."""
    sign = '-' if value < 0 else ''
    size = abs(value)
    units = ((1e12, 'T'), (1e9, 'B'), (1e6, 'M'), (1e3, 'K'), (1.0, ''))
    index = next((index for index, (limit, _suffix) in enumerate(units) if size >= limit), len(units) - 1)
    text = f'{size / units[index][0]:.3g}'
    if float(text) >= 1000:  # rounded up into the next unit: 999.7K is $1M
        if index == 0:
            return f'{sign}${size / units[0][0]:,.0f}T' if size < 1e18 else f'{sign}${size:.3g}'
        index -= 1
        text = f'{size / units[index][0]:.3g}'
    return f'{sign}${text}{units[index][1]}'


def plural(count: int, word: str) -> str:
    """`1 row`, `1,193 rows`: a count and its noun."""
    return f'{count:,} {word}' + ('' if count == 1 else 's')


def format_exact_price(value: float) -> str:
    """A price, keeping its significant decimals: `110,625.1`, `0.0000101`."""
    if value == 0 or abs(value) >= 1 or not math.isfinite(value):
        return f'{value:,.10g}'
    decimals = max(2, 3 - math.floor(math.log10(abs(value))))
    return f'{value:.{decimals}f}'.rstrip('0').rstrip('.')


def format_pct(value: float | None) -> str:
    """A signed percentage: `+2.29%`, `-0.26%`; `?%` when unknown."""
    return '?%' if value is None else f'{value:+.2f}%'


def shares_text(entries: Sequence[Share], count: int = 3) -> str:
    """The first `count` share entries as text: `Binance 42.8% (50.7% long), Bybit 21.8% (split unknown)`."""
    parts = []
    for entry in entries[:count]:
        share, long_share = entry.share_pct, entry.long_share_pct
        split = 'split unknown' if long_share is None else f'{long_share:.1f}% long'
        parts.append(f'{entry.name} {"?" if share is None else f"{share:.1f}"}% ({split})')
    return ', '.join(parts) or 'none listed'
