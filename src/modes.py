"""The endpoint table: one row per mode, the single source of truth for what each mode needs and calls.

A row says which CoinGlass path a mode calls, which input fields it requires and accepts, which values its
`range` may take, which CoinGlass plan it needs, how the validated query maps onto CoinGlass's query parameters,
and which *kind* of data the endpoint returns. Everything that depends on the kind (how the reply is read and
paged, whether it is empty, the summary, the flat rows, the chart) hangs off the kind in `src.kinds`.
Validation, dispatch, charging and the docs all read this table, so an endpoint of an existing kind is one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping


class Mode(StrEnum):
    """The Actor's modes; each is also a pay-per-event event (upper-cased)."""

    SEARCH_SYMBOLS = 'search_symbols'
    LIQUIDATION_MAP = 'liquidation_map'
    COIN_LIQUIDATION_MAP = 'coin_liquidation_map'
    PAIR_LIQUIDATION_HISTORY = 'pair_liquidation_history'
    COIN_LIQUIDATION_HISTORY = 'coin_liquidation_history'
    LIQUIDATION_COIN_LIST = 'liquidation_coin_list'
    LIQUIDATION_EXCHANGE_LIST = 'liquidation_exchange_list'
    LIQUIDATION_ORDERS = 'liquidation_orders'
    PAIR_LIQUIDATION_HEATMAP = 'pair_liquidation_heatmap'
    COIN_LIQUIDATION_HEATMAP = 'coin_liquidation_heatmap'
    LIQUIDATION_MAX_PAIN = 'liquidation_max_pain'

    @property
    def event_name(self) -> str:
        """The pay-per-event event charged for one successful query of this mode."""
        return self.value.upper()


class Plan(Enum):
    """CoinGlass API plans, cheapest first."""

    HOBBYIST = 1
    STARTUP = 2
    STANDARD = 3
    PROFESSIONAL = 4

    @property
    def title(self) -> str:
        """The plan's name as CoinGlass prints it."""
        return self.name.title()


class Kind(StrEnum):
    """The kind of data an endpoint returns; `src.kinds.KINDS` holds everything that depends on it."""

    SYMBOLS = 'symbols'  # our own search over the supported-pairs list
    MAP = 'map'  # {"<price>": [[price, level, leverage|null, null], ...]}
    HEATMAP = 'heatmap'  # {"y_axis", "liquidation_leverage_data", "price_candlesticks"}
    HISTORY = 'history'  # long/short liquidations per interval, paged in time windows
    ORDERS = 'orders'  # single liquidation orders, newest first, paged backward
    EXCHANGE_LIST = 'exchange_list'  # liquidations per exchange, with an `All` total row
    COIN_LIST = 'coin_list'  # 1h/4h/12h/24h liquidations per coin on one exchange
    MAX_PAIN = 'max_pain'  # long and short max-pain liquidation prices per coin


MAP_RANGES: Final = ('1d', '7d', '30d')
DERIVED_MAP_RANGES: Final = ('90d', '180d', '1y')  # no map endpoint takes them: answered from the heatmap
HEATMAP_RANGES: Final = ('12h', '24h', '3d', '7d', '30d', '90d', '180d', '1y')
EXCHANGE_LIST_RANGES: Final = ('1h', '4h', '12h', '24h')
MAX_PAIN_RANGES: Final = ('12h', '24h', '48h', '3d', '7d', '14d', '30d')
INTERVALS: Final = ('1m', '3m', '5m', '15m', '30m', '1h', '4h', '6h', '8h', '12h', '1d', '1w')
MODELS: Final = ('model1', 'model2', 'model3')
# The cheapest plan whose history offers an interval, where it is dearer than Hobbyist (which offers 4h and longer).
INTERVAL_PLANS: Final[Mapping[str, Plan]] = MappingProxyType(
    {
        '1m': Plan.STANDARD,
        '3m': Plan.STANDARD,
        '5m': Plan.STANDARD,
        '15m': Plan.STANDARD,
        '30m': Plan.STARTUP,
        '1h': Plan.STARTUP,
    }
)
HISTORY_PAGE_ROWS: Final = 1000
ORDERS_PAGE_ROWS: Final = 200


@dataclass(frozen=True)
class Derived:
    """Ranges a mode's own endpoint does not take, answered from another mode's endpoint.

    Attributes:
        ranges: The ranges answered so (the source mode takes each of them).
        source: The mode whose endpoint is called instead; its data is turned into this mode's.
    """

    ranges: tuple[str, ...]
    source: Mode


@dataclass(frozen=True)
class Endpoint:
    """One mode's row.

    Attributes:
        path: CoinGlass path; `{model}` is filled from the `model` input.
        plan: The cheapest CoinGlass plan that serves the endpoint.
        required: Input fields the mode cannot run without (`symbol` means a pair, `coin` a coin).
        optional: Input fields the mode also reads.
        params: CoinGlass query parameter -> the name of the query value that fills it (`src.query.Param`); a
            list value is sent comma-separated.
        label: A few words naming the data, for messages.
        answers: What its data tells a trader, as a clause an AI agent picks the mode's tool by.
        kind: The kind of data the endpoint returns.
        ranges: Values `range` may take from this endpoint, or None when the mode takes no range.
        derived: Further ranges answered from another mode's endpoint (long-range maps from the heatmap).
    """

    path: str
    plan: Plan
    required: tuple[str, ...]
    optional: tuple[str, ...]
    params: Mapping[str, str]
    label: str
    answers: str
    kind: Kind
    ranges: tuple[str, ...] | None = None
    derived: Derived | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """Every input field the mode reads, required first."""
        return self.required + self.optional

    @property
    def all_ranges(self) -> tuple[str, ...]:
        """Every range the mode answers: its endpoint's own, then the derived ones."""
        return (*(self.ranges or ()), *(self.derived.ranges if self.derived else ()))

    def source_of(self, range_: str | None) -> Mode | None:
        """The mode whose endpoint answers `range_` when this mode's own does not take it; None when it does."""
        if self.derived is not None and range_ in self.derived.ranges:
            return self.derived.source
        return None


_PAIR = {'exchange': 'exchange', 'symbol': 'pair'}
_HISTORY_WINDOW = {'interval': 'interval', 'limit': 'limit', 'start_time': 'start_time', 'end_time': 'end_time'}

ENDPOINTS: Final[Mapping[Mode, Endpoint]] = MappingProxyType(
    {
        Mode.SEARCH_SYMBOLS: Endpoint(
            '/api/futures/supported-exchange-pairs',
            Plan.HOBBYIST,
            required=(),
            optional=('keyword', 'exchange'),
            params={},
            label='futures symbols',
            answers='which futures pairs CoinGlass covers, by keyword or exchange: the symbol the other tools take',
            kind=Kind.SYMBOLS,
        ),
        Mode.LIQUIDATION_MAP: Endpoint(
            '/api/futures/liquidation/map',
            Plan.PROFESSIONAL,
            required=('symbol', 'range'),
            optional=(),
            params={**_PAIR, 'range': 'range'},
            label='liquidation map',
            answers=(
                'where leveraged positions of one futures pair would be liquidated, by price: the largest long '
                'clusters below the price and short clusters above'
            ),
            kind=Kind.MAP,
            ranges=MAP_RANGES,
            derived=Derived(DERIVED_MAP_RANGES, Mode.PAIR_LIQUIDATION_HEATMAP),
        ),
        Mode.COIN_LIQUIDATION_MAP: Endpoint(
            '/api/futures/liquidation/aggregated-map',
            Plan.PROFESSIONAL,
            required=('coin', 'range'),
            optional=(),
            params={'symbol': 'coin', 'range': 'range'},
            label='coin liquidation map',
            answers=(
                'where leveraged positions of one coin across exchanges would be liquidated, by price: the largest '
                'long clusters below the price and short clusters above'
            ),
            kind=Kind.MAP,
            ranges=MAP_RANGES,
            derived=Derived(DERIVED_MAP_RANGES, Mode.COIN_LIQUIDATION_HEATMAP),
        ),
        Mode.PAIR_LIQUIDATION_HISTORY: Endpoint(
            '/api/futures/liquidation/history',
            Plan.HOBBYIST,
            required=('symbol', 'interval'),
            optional=('limit', 'start_time', 'end_time'),
            params={**_PAIR, **_HISTORY_WINDOW},
            label='pair liquidation history',
            answers='how many USD of longs and shorts of one futures pair were liquidated in each interval',
            kind=Kind.HISTORY,
        ),
        Mode.COIN_LIQUIDATION_HISTORY: Endpoint(
            '/api/futures/liquidation/aggregated-history',
            Plan.HOBBYIST,
            required=('coin', 'interval'),
            optional=('exchanges', 'limit', 'start_time', 'end_time'),
            params={'exchange_list': 'exchanges', 'symbol': 'coin', **_HISTORY_WINDOW},
            label='coin liquidation history',
            answers=(
                'how many USD of longs and shorts of one coin were liquidated in each interval, summed over exchanges'
            ),
            kind=Kind.HISTORY,
        ),
        Mode.LIQUIDATION_COIN_LIST: Endpoint(
            '/api/futures/liquidation/coin-list',
            Plan.STARTUP,
            required=('exchange',),
            optional=(),
            params={'exchange': 'exchange'},
            label='liquidations by coin',
            answers='which coins had the most liquidations on one exchange in the last 1h, 4h, 12h and 24h',
            kind=Kind.COIN_LIST,
        ),
        Mode.LIQUIDATION_EXCHANGE_LIST: Endpoint(
            '/api/futures/liquidation/exchange-list',
            Plan.HOBBYIST,
            required=('range',),
            optional=('coin',),
            params={'range': 'range', 'symbol': 'coin'},
            label='liquidations by exchange',
            answers='which exchanges had the most liquidations over a range, of one coin or all coins',
            kind=Kind.EXCHANGE_LIST,
            ranges=EXCHANGE_LIST_RANGES,
        ),
        Mode.LIQUIDATION_ORDERS: Endpoint(
            '/api/futures/liquidation/order',
            Plan.STANDARD,
            required=('exchange', 'coin'),
            optional=('min_liquidation_amount', 'start_time', 'end_time'),
            params={
                'exchange': 'exchange',
                'symbol': 'coin',
                'min_liquidation_amount': 'min_liquidation_amount',
                'start_time': 'start_time',
                'end_time': 'end_time',
            },
            label='liquidation orders',
            answers='the single liquidation orders of one coin on one exchange over the last 7 days, with the largest',
            kind=Kind.ORDERS,
        ),
        Mode.PAIR_LIQUIDATION_HEATMAP: Endpoint(
            '/api/futures/liquidation/heatmap/{model}',
            Plan.PROFESSIONAL,
            required=('symbol', 'range'),
            optional=('model',),
            params={**_PAIR, 'range': 'range'},
            label='liquidation heatmap',
            answers=(
                'where liquidation levels of one futures pair built up over time, by price: the hotspots above and '
                'below the last close'
            ),
            kind=Kind.HEATMAP,
            ranges=HEATMAP_RANGES,
        ),
        Mode.COIN_LIQUIDATION_HEATMAP: Endpoint(
            '/api/futures/liquidation/aggregated-heatmap/{model}',
            Plan.PROFESSIONAL,
            required=('coin', 'range'),
            optional=('model',),
            params={'symbol': 'coin', 'range': 'range'},
            label='coin liquidation heatmap',
            answers=(
                'where liquidation levels of one coin across exchanges built up over time, by price: the hotspots '
                'above and below the last close'
            ),
            kind=Kind.HEATMAP,
            ranges=HEATMAP_RANGES,
        ),
        Mode.LIQUIDATION_MAX_PAIN: Endpoint(
            '/api/futures/liquidation/max-pain',
            Plan.PROFESSIONAL,
            required=(),
            optional=('range',),
            params={'range': 'range'},
            label='liquidation max pain',
            answers='the prices at which the most longs and the most shorts of the major coins would be liquidated',
            kind=Kind.MAX_PAIN,
            ranges=MAX_PAIN_RANGES,
        ),
    }
)

SUPPORTED_COINS_PATH: Final = '/api/futures/supported-coins'
SUPPORTED_PAIRS_PATH: Final = '/api/futures/supported-exchange-pairs'
SUPPORTED_EXCHANGES_PATH: Final = '/api/futures/supported-exchanges'
PRICE_HISTORY_PATH: Final = '/api/futures/price/history'
