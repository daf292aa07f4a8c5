"""Numeric helpers the kinds' summaries share: rounding, distances from a price, shares of a total.

Every amount is in USD and every distance is a signed percentage of a reference price (negative below it).
Sums are taken on the raw floats and rounded only when a field is written: USD to 2 decimals, percentages to
3 decimals, ratios and shares of 1 to 4 decimals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

UNKNOWN_SPLIT_NOTE: Final = (
    'CoinGlass reported long and short liquidations of 0 while the total is positive for: {names}; '
    'their long_share_pct is null (split unknown), not 0.'
)


def usd(value: float) -> float:
    """A USD amount rounded to cents."""
    return round(float(value), 2)


def pct(value: float) -> float:
    """A percentage rounded to 3 decimals."""
    return round(float(value), 3)


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


def shares(
    rows: Sequence[Mapping[str, Any]], total: float, *, name: str, suffix: str
) -> tuple[list[dict[str, Any]], str | None]:
    """Each row's share of `total` and its long share, with the note naming rows whose split is unknown.

    `name` is the field naming a row (`exchange`, `symbol`); `suffix` ends the amount fields (`''` for
    `liquidation_usd`, `'_24h'` for `liquidation_usd_24h`). A row whose long and short are 0 while its total is
    positive has an unknown split: its `long_share_pct` is None, never 0.
    """
    unknown: list[str] = []
    result = []
    for row in rows:
        value = amount(row.get(f'liquidation_usd{suffix}'))
        long_usd = amount(row.get(f'long_liquidation_usd{suffix}'))
        short_usd = amount(row.get(f'short_liquidation_usd{suffix}'))
        if value > 0 and long_usd + short_usd <= 0:
            unknown.append(str(row.get(name)))
        result.append(
            {
                name: row.get(name),
                f'liquidation_usd{suffix}': usd(value),
                'share_pct': share_pct(value, total),
                'long_share_pct': long_share_pct(long_usd, short_usd),
            }
        )
    return result, UNKNOWN_SPLIT_NOTE.format(names=', '.join(unknown)) if unknown else None
