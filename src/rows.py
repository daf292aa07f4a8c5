"""Flat records of normalized CoinGlass liquidation data, for CSV and Excel exports.

Maps give one record per level tuple, heatmaps one per non-zero cell; list-shaped modes (histories, orders,
max pain, exchange and coin lists, symbol search) give their rows unchanged. Amounts are left unrounded so that
they add up to the summaries' totals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .summaries import HEATMAP_MODES, KNOWN_MODES, MAP_MODES, distance_pct, map_tuples, side_of, usable_reference

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

MS_PER_SECOND: Final[int] = 1000


def map_rows(data: Mapping[str, Sequence[Any]], reference_price: float | None) -> list[dict[str, Any]]:
    """One record per liquidation-map level tuple, by ascending price.

    Args:
        data: ``{"<price>": [[price, level_usd, leverage | None, None], ...]}``.
        reference_price: Current price; None leaves ``side`` and ``distance_pct`` None.

    Returns:
        Records ``{"price", "level_usd", "leverage", "side", "distance_pct"}``; ``side`` is ``long`` below the
        reference, ``short`` above it, ``at_price`` at it.
    """
    ref = usable_reference(reference_price)
    return [
        {
            'price': price,
            'level_usd': level_usd,
            'leverage': leverage,
            'side': side_of(price, ref),
            'distance_pct': distance_pct(price, ref),
        }
        for price, level_usd, leverage in map_tuples(data)
    ]


def heatmap_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One record per non-zero heatmap cell, by time then price.

    Args:
        data: ``{"y_axis", "liquidation_leverage_data", "price_candlesticks"}`` of a heatmap.

    Returns:
        Records ``{"time" (candle open, epoch milliseconds), "price", "value"}``.
    """
    y_axis: Sequence[float] = data.get('y_axis') or []
    candles: Sequence[Sequence[Any]] = data.get('price_candlesticks') or []
    cells: Sequence[Sequence[Any]] = data.get('liquidation_leverage_data') or []
    return [
        {'time': int(candles[x][0]) * MS_PER_SECOND, 'price': y_axis[y], 'value': value}
        for x, y, value in sorted(cells, key=lambda cell: (cell[0], cell[1]))
        if value
    ]


def to_rows(mode: str, data: Any, *, reference_price: float | None = None) -> list[dict[str, Any]]:
    """Flatten one mode's normalized data into records.

    Args:
        mode: One of the Actor's modes.
        data: The normalized data of that mode (None gives no rows).
        reference_price: Current price, used by the liquidation maps only.

    Returns:
        Flat records, see the module docstring.

    Raises:
        ValueError: For an unknown mode.
    """
    if mode not in KNOWN_MODES:
        raise ValueError(f'Unknown mode {mode!r}')
    if data is None:
        return []
    flatten = _FLATTENERS.get(mode)
    return flatten(data, reference_price) if flatten is not None else list(data)


_FLATTENERS: Final[dict[str, Callable[[Any, float | None], list[dict[str, Any]]]]] = {
    **dict.fromkeys(MAP_MODES, map_rows),
    **dict.fromkeys(HEATMAP_MODES, lambda data, _ref: heatmap_rows(data)),
}
