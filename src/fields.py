"""The input fields: one declaration each, and everything about a field derives from it.

An `InputField` says the field's name, its JSON type and bounds, its default, how a loose value is read (`1d` as
`24h`, `Gate.io` as `Gate`, `7 days` back from now), what is allowed (for messages), and how the Console shows it
(title, description, editor, section, example). From `FIELDS` derive: the input's shape validation and the
messages of `src.inputs`, each query's typed values (`src.query`) and the echo of its parameters, the Actor's
input schema and one JSON schema per mode of exactly the fields that mode reads (`src.schema`).

Which modes read a field: for most, the endpoint table's rows (`Endpoint.fields`); `output` and `charts` every
mode; `since_last_run` the modes whose kind of data can follow new rows (`KindSpec.final_until`); run fields
(`api_key`, `queries`, ...) are read once per run, not per query.

A field's `read` reads the given values (and the field's companions: a bare pair in `symbol` names its exchange
in `exchange`) and sets the query values it fills; every problem raises `InputError` with a message naming the
field, the value and what is allowed.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field, replace
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, TypeVar

from pydantic import BeforeValidator, FiniteFloat, SecretStr

from src.alerts import MAX_RULES
from src.kinds import spec_of
from src.modes import ENDPOINTS, INTERVALS, MODELS, Kind, Mode
from src.query import (
    COIN,
    END_TIME,
    EXCHANGE,
    EXCHANGES,
    INTERVAL,
    KEYWORD,
    LIMIT,
    MAX_LIMIT,
    MIN_AMOUNT,
    MODEL,
    PAIR,
    RANGE,
    SINCE_LAST_RUN,
    START_TIME,
    Output,
    Param,
)
from src.suggest import closest_name, did_you_mean
from src.symbols import (
    KNOWN_EXCHANGES,
    SymbolError,
    canonical_code,
    canonical_exchange,
    foreign_letter,
    latin_spelling,
    parse_pair,
)
from src.times import ACCEPTED_FORMS, TimeFormatError, to_epoch_ms

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from src.modes import Endpoint

T = TypeVar('T')
JsonType = Literal['string', 'integer', 'number', 'boolean', 'array', 'object']

MAX_QUERIES: Final = 1000
DEFAULT_EXCHANGES: Final = ('Binance', 'OKX', 'Bybit', 'Bitget', 'Gate', 'Hyperliquid')
RANGE_ALIASES: Final = MappingProxyType({'24h': '1d', '1d': '24h', '365d': '1y', '1y': '365d'})
DEFAULT_MARKS_STORE: Final = 'coinglass-liquidation-marks'
MAX_SHOWN_CHARS: Final = 60  # a given value quoted in a message, at most
# A storage name as the platform and Crawlee take it: letters, digits and inner hyphens, at most 63.
STORE_NAME_PATTERN: Final = r'^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$'
_QUOTE_SUFFIXES: Final = ('FDUSD', 'USDT', 'USDC', 'BUSD', 'USD')


class InputError(ValueError):
    """Input that cannot run; the message is the user-facing explanation.

    Attributes:
        query: The fields of the batch entry at fault with the top-level ones it inherits (its mode among them), for
            the failure item to echo; None when the input as a whole is at fault.
    """

    def __init__(self, message: str, *, query: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.query = query


class Scope(Enum):
    """Which modes read a field."""

    ROW = 'row'  # the modes whose endpoint row lists it
    EVERY_MODE = 'every_mode'  # every mode (the output's shape)
    FOLLOWING = 'following'  # the modes whose kind of data can follow new rows since the last run
    RUN = 'run'  # the run as a whole, once (not a query's)


@dataclass(frozen=True)
class Section:
    """A group of fields in the Console form, opened by its first field."""

    caption: str
    description: str | None = None


@dataclass(frozen=True)
class Choices:
    """The values a field offers, with a title each for the Console (None: the values themselves)."""

    values: tuple[str, ...]
    titles: tuple[str, ...] | None = None


@dataclass
class Draft:
    """A query being built: its given values while its fields are read, and the typed values they set.

    Attributes:
        mode: The query's mode.
        given: Each given input field's value, shaped (types checked, strings stripped); absent when not given.
        now_ms: The run's "now" (epoch ms), which relative times are read against.
        values: The query's values set so far, by `Param` name.
        companions: The input fields of other modes a field read (a bare pair's `exchange`), in order.
    """

    mode: Mode
    given: Mapping[str, Any]
    now_ms: int
    values: dict[str, Any] = field(default_factory=dict)
    companions: list[str] = field(default_factory=list)

    @property
    def endpoint(self) -> Endpoint:
        """The mode's endpoint row."""
        return ENDPOINTS[self.mode]

    def set(self, param: Param[T], value: T | None) -> None:
        """Set a query value (None leaves it unset)."""
        if value is not None:
            self.values[param.name] = value

    def companion(self, name: str) -> Any:
        """Another field's given value, read on behalf of this one; it is echoed with the query when given."""
        value = self.given.get(name)
        if value is not None and name not in self.companions:
            self.companions.append(name)
        return value


@dataclass(frozen=True, kw_only=True)
class InputField:
    """One input field, declared once.

    Attributes:
        name: The input's name.
        title: The Console's label.
        description: What the field is for, which modes read it, its forms and its default, for the Console.
        json_type: The JSON type the input schema declares.
        shape: The Python type the given value is validated as (pydantic), before `read`.
        allowed: What the field may be, for messages (`one of 1m, 3m, ...`).
        scope: Which modes read it.
        read: Reads the given value (None: not given) into the query values it fills; raises `InputError`. None
            for run fields, which the run reads as a whole.
        fills: The query values `read` sets.
        default: The value used when the field is not given (None: none), shown as the schema's default.
        choices: The values the Console offers (and the only ones the schema allows).
        mode_choices: The values one mode takes, for that mode's tool schema; None: `choices`.
        minimum: The smallest value (numbers).
        maximum: The largest value (numbers), the most items (lists), or the longest text (strings).
        zero_means_unset: Whether 0 is read as not given (the Apify MCP server sends an agent's null as 0).
        pattern: A regular expression the value must match (text).
        editor: The Console's editor.
        date_type: For the `datepicker` editor, the dates it offers (`absoluteOrRelative`: a date or `3 weeks`).
        section: The form section this field opens.
        prefill: What the Console's form starts with.
        example: A value a caller would send, for tool schemas.
        unit: The unit the Console shows beside a number.
        secret: Stored encrypted by the platform, never echoed or logged.
        item_type: The JSON type of a list's items.
        aliases: Other names people and agents give the field (`from` for `start_time`): one of them, given where
            the field is read and left out, is refused with this name, not ignored.
        suggestions: Values the Console offers while taking any other (CoinGlass's exchanges), for text fields and
            lists of texts; the schema does not restrict the value to them.
        item_fields: The properties of a list's object items (a batch entry's fields, an alert rule's), which the
            Console's per-item editor shows and the platform checks; items stay open to other keys, which the Actor
            reads and names.
        item_required: The properties every item must give.
        echo_description: What the field says when a dataset item echoes it (the dataset schema's description).
        in_tools: Whether a per-mode tool schema offers it (watch and chart fields are the batch Actor's).
        tool_description: What an MCP tool's schema says of it, when the Console's text (which names the modes
            that read the field) would say too much for one mode's tool; None: `description`.
        tool_if_optional: What the tool's schema adds where the mode does not require the field (`Leave it out for
            all coins.`).
        required: Whether every input must give it (the schema requires it and it cannot be null).
    """

    name: str
    title: str
    description: str
    json_type: JsonType
    shape: Any
    allowed: str
    scope: Scope = Scope.ROW
    read: Callable[[Draft], None] | None = None
    fills: tuple[Param[Any], ...] = ()
    default: Any = None
    choices: Choices | None = None
    mode_choices: Callable[[Endpoint], tuple[str, ...]] | None = None
    minimum: int | None = None
    maximum: int | None = None
    zero_means_unset: bool = False
    pattern: str | None = None
    editor: str | None = None
    date_type: str | None = None
    section: Section | None = None
    prefill: Any = None
    example: Any = None
    unit: str | None = None
    secret: bool = False
    item_type: JsonType | None = None
    suggestions: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()
    item_fields: Callable[[], tuple[InputField, ...]] | None = None
    item_required: tuple[str, ...] = ()
    echo_description: str | None = None
    in_tools: bool = True
    required: bool = False
    tool_description: str | None = None
    tool_if_optional: str | None = None

    def read_by(self, mode: Mode) -> bool:
        """Whether `mode` reads this field."""
        if self.scope is Scope.ROW:
            return self.name in ENDPOINTS[mode].fields
        if self.scope is Scope.FOLLOWING:  # loads that mode's kind
            return spec_of(mode).final_until is not None
        return self.scope is Scope.EVERY_MODE


def show(value: Any) -> str:
    """A given value as a message shows it: JSON, cut to 80 characters."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + '...'


# --- readers ---------------------------------------------------------------------------------------------------------


def _plain_letters(name: str, value: str) -> str:
    """`value` when it is plain ASCII, as CoinGlass's symbols, coins and exchanges are.

    Raises:
        InputError: It holds a letter of another alphabet (BTC typed with a Cyrillic Ve), naming the Latin
            spelling when every such letter looks like a Latin one.
    """
    problem = foreign_letter(value)
    if problem is None:
        return value
    latin = latin_spelling(value)
    hint = (
        f"type it in Latin letters, '{latin}'"
        if latin.isascii()
        else 'CoinGlass writes symbols, coins and exchanges in Latin letters and digits'
    )
    shown = value if len(value) <= MAX_SHOWN_CHARS else value[: MAX_SHOWN_CHARS - 1] + '…'
    raise InputError(f"Input field '{name}' is '{shown}', which {problem}: {hint}.")


def _missing(name: str, mode: Mode) -> InputError:
    return InputError(f"Input field '{name}' is missing: {mode} needs {FIELD[name].allowed}.")


def _read_symbol(draft: Draft) -> None:
    symbol = draft.given.get('symbol')
    if not symbol:
        raise InputError(
            f"Input field 'symbol' is missing: {draft.mode} needs a pair such as 'Binance_BTCUSDT' "
            '(search_symbols lists them).'
        )
    try:
        pair = parse_pair(_plain_letters('symbol', symbol), draft.companion('exchange'))
    except SymbolError as error:
        raise InputError(str(error)) from None
    draft.set(EXCHANGE, pair.exchange)
    draft.set(PAIR, pair.instrument_id)


def _required(draft: Draft, name: str) -> bool:
    return name in draft.endpoint.required


def _read_coin(draft: Draft) -> None:
    coin = draft.given.get('coin')
    if coin:
        draft.set(COIN, canonical_code(_plain_letters('coin', coin)))
        return
    if not _required(draft, 'coin'):
        return
    symbol = draft.companion('symbol')
    if not symbol:
        raise _missing('coin', draft.mode)
    try:
        pair = parse_pair(symbol, draft.given.get('exchange'))
    except SymbolError:
        draft.set(COIN, base_asset(symbol))
    else:
        draft.set(COIN, base_asset(pair.instrument_id))


def base_asset(instrument_id: str) -> str:
    """The coin of a pair: `BTCUSDT` -> `BTC`, `BTC-USDT-SWAP` -> `BTC`, `BTCUSD_PERP` -> `BTC`."""
    head = canonical_code(instrument_id).replace('-', '_').split('_')[0]
    for suffix in _QUOTE_SUFFIXES:
        if head.upper().endswith(suffix) and len(head) > len(suffix):
            return head[: -len(suffix)]
    return head


def _read_exchange(draft: Draft) -> None:
    exchange = draft.given.get('exchange')
    if exchange:
        draft.set(EXCHANGE, canonical_exchange(_plain_letters('exchange', exchange)))
        return
    if not _required(draft, 'exchange'):
        return
    symbol = draft.given.get('symbol')
    if symbol:  # a seed-form symbol names its exchange
        try:
            draft.set(EXCHANGE, parse_pair(symbol).exchange)
        except SymbolError:
            pass
        else:
            draft.companion('symbol')
            return
    raise _missing('exchange', draft.mode)


def _ranges(endpoint: Endpoint) -> tuple[str, ...]:
    allowed = endpoint.all_ranges
    return tuple(value for value in RANGE_FIELD_CHOICES if value in allowed or RANGE_ALIASES.get(value) in allowed)


def _read_range(draft: Draft) -> None:
    """The range as the endpoint takes it (`24h` for `1d` where it takes only that).

    For a range answered from another mode's endpoint (a 90d map, from the heatmap), also the model of that
    endpoint (`model`, read as a companion).
    """
    given = draft.given.get('range')
    allowed = draft.endpoint.all_ranges
    value = (given or FIELD['range'].default).lower()
    if value not in allowed and RANGE_ALIASES.get(value) in allowed:
        value = RANGE_ALIASES[value]
    if value not in allowed:
        choices = ', '.join(allowed)
        raise InputError(
            f"Input field 'range' is {show(given)}, which {draft.mode} does not take{did_you_mean(given, allowed)}: "
            f'use one of {choices}.'
        )
    draft.set(RANGE, value)
    if draft.endpoint.source_of(value) is not None:
        draft.set(MODEL, _chosen(MODEL, draft.companion('model'), MODELS, draft.mode))


def _chosen(param: Param[str], given: str | None, choices: tuple[str, ...], mode: Mode) -> str | None:
    """A choice read in any case, its default when not given; raises `InputError` naming what is allowed."""
    value = given or FIELD[param.name].default
    if value is None:
        return None
    if value.lower() not in choices:
        raise InputError(
            f"Input field '{param.name}' is {show(given)}, which {mode} does not take{did_you_mean(given, choices)}: "
            f'use one of {", ".join(choices)}.'
        )
    return str(value.lower())


def _choice(param: Param[str], choices: tuple[str, ...]) -> Callable[[Draft], None]:
    def read(draft: Draft) -> None:
        draft.set(param, _chosen(param, draft.given.get(param.name), choices, draft.mode))

    return read


def _read_limit(draft: Draft) -> None:
    draft.set(LIMIT, draft.given.get('limit'))


def _time(param: Param[int]) -> Callable[[Draft], None]:
    def read(draft: Draft) -> None:
        value = draft.given.get(param.name)
        if value is None:
            return
        try:
            draft.set(param, to_epoch_ms(value, now_ms=draft.now_ms))
        except TimeFormatError as error:
            raise InputError(f"Input field '{param.name}' is {show(value)}, which is {error.why}.") from None

    return read


def _read_exchanges(draft: Draft) -> None:
    given = draft.given.get('exchanges')
    value = given if given is not None else DEFAULT_EXCHANGES
    names = value.split(',') if isinstance(value, str) else value
    cleaned = tuple(
        dict.fromkeys(canonical_exchange(_plain_letters('exchanges', name)) for name in names if name.strip())
    )
    if not cleaned:
        raise InputError(
            f"Input field 'exchanges' is {show(given)}, which names no exchange: give {FIELD['exchanges'].allowed}."
        )
    draft.set(EXCHANGES, cleaned)


def _read_min_amount(draft: Draft) -> None:
    value = draft.given.get('min_liquidation_amount')
    if value is None:
        draft.set(MIN_AMOUNT, FIELD['min_liquidation_amount'].default)
        return
    draft.set(MIN_AMOUNT, int(value) if float(value).is_integer() else value)  # sent as `10000`


def _read_keyword(draft: Draft) -> None:
    draft.set(KEYWORD, draft.given.get('keyword') or '')


def _read_since_last_run(draft: Draft) -> None:
    draft.set(SINCE_LAST_RUN, bool(draft.given.get('since_last_run')))


# --- shapes ----------------------------------------------------------------------------------------------------------


def _no_bool(value: Any) -> Any:
    """Refuse `true`/`false` where a number or a time belongs (pydantic would read `true` as 1)."""
    if isinstance(value, bool):
        raise ValueError('a number, not true or false')  # noqa: TRY004 - pydantic turns ValueError into its error
    return value


def _lower(value: Any) -> Any:
    """A choice read in any case, as `mode`, `range` and `interval` are (`Summary` is `summary`)."""
    return value.strip().lower() if isinstance(value, str) else value


NotBool = BeforeValidator(_no_bool)
Lower = BeforeValidator(_lower)


# --- the table -------------------------------------------------------------------------------------------------------

WHAT = Section(
    'What to fetch',
    'Pick a mode, then fill what it needs; a mode ignores the fields it does not read. search_symbols: keyword '
    '(and exchange). liquidation_map, pair_liquidation_history, pair_liquidation_heatmap: symbol. '
    'coin_liquidation_map, coin_liquidation_history, coin_liquidation_heatmap: coin. liquidation_orders: exchange '
    'and coin. liquidation_coin_list: exchange. liquidation_exchange_list: range (coin optional). Maps, heatmaps and '
    'liquidation_max_pain: range.',
)
SPAN = Section(
    'History, orders and heatmaps',
    'pair_liquidation_history and coin_liquidation_history: interval, start_time, end_time and limit (the coin '
    'history also exchanges). liquidation_orders: start_time, end_time and min_liquidation_amount. '
    'pair_liquidation_heatmap and coin_liquidation_heatmap: model. Other modes ignore these fields.',
)
OUTPUT_SHAPE = Section(
    'Output and charts',
    'Every mode: output shapes the answer (summary is the compact one, for AI agents); charts adds a PNG per result '
    '(every mode but search_symbols).',
)
BATCH = Section(
    'Batch', 'Many queries of any modes in one run: each entry overrides the fields above for its own query.'
)
WATCHING = Section(
    'Watching: new data, alerts, notifications',
    'For scheduled tasks. since_last_run: liquidation_orders, pair_liquidation_history and coin_liquidation_history. '
    'alerts and notify_url: every mode but search_symbols.',
)
KEY = Section(
    'CoinGlass API key',
    "On Apify, leave it empty: the publisher's key serves every mode. Set it only to use your own CoinGlass plan.",
)

TIME_DESCRIPTION: Final = 'epoch milliseconds, an ISO 8601 date (2025-01-31 or 2025-01-31T12:00:00Z, UTC)'
RANGE_FIELD_CHOICES: Final = (
    '1h',
    '4h',
    '12h',
    '24h',
    '1d',
    '48h',
    '3d',
    '7d',
    '14d',
    '30d',
    '90d',
    '180d',
    '1y',
    '365d',
)


def _query_item_fields() -> tuple[InputField, ...]:
    """A batch entry's fields, as its per-item editor shows them: every field of a query.

    None has a default or a prefill: an entry inherits the top-level value of each field it leaves out.
    """
    return tuple(
        replace(
            declared,
            description=f'As {declared.name} above, for this query only; leave it out to inherit the value above.',
            default=None,
            prefill=None,
            section=None,
            required=False,
        )
        for declared in FIELDS
        if declared.scope is not Scope.RUN
    )


ALERT_RULE_FIELDS: Final = (
    InputField(
        name='mode',
        title='Mode',
        description=(
            'The mode whose results the rule checks (every mode but search_symbols). Leave it out when every query '
            'of the run has the same mode.'
        ),
        json_type='string',
        shape=Any,
        allowed='a mode',
        choices=Choices(tuple(mode.value for mode, endpoint in ENDPOINTS.items() if endpoint.kind is not Kind.SYMBOLS)),
        editor='select',
    ),
    InputField(
        name='field',
        title='Summary figure',
        description=(
            "A figure of that mode's summary, as a dotted path (list positions are numbers): "
            'cumulative_below_usd.2, largest_order.usd_value, largest_below.0.level_usd.'
        ),
        json_type='string',
        shape=Any,
        allowed='a dotted path',
        editor='textfield',
    ),
    InputField(
        name='above',
        title='Above',
        description='Fire when the figure is strictly above this number (give above or below).',
        json_type='number',
        shape=Any,
        allowed='a number',
    ),
    InputField(
        name='below',
        title='Below',
        description='Fire when the figure is strictly below this number (give above or below).',
        json_type='number',
        shape=Any,
        allowed='a number',
    ),
    InputField(
        name='name',
        title='Name',
        description='A name shown with the alert (optional).',
        json_type='string',
        shape=Any,
        allowed='text',
        editor='textfield',
    ),
)
"""An alert rule's keys (`src.alerts.AlertRule`), as the Console's per-item editor of `alerts` shows them."""


FIELDS: Final[tuple[InputField, ...]] = (
    InputField(
        name='mode',
        title='Mode',
        description=(
            'What to fetch, by the CoinGlass plan it needs. Hobbyist: search_symbols (find pairs), '
            'pair_liquidation_history and coin_liquidation_history (liquidations per interval), '
            'liquidation_exchange_list (by exchange). Startup: liquidation_coin_list (by coin). Standard: '
            'liquidation_orders (single orders, 7 days). Professional: liquidation_map and coin_liquidation_map '
            '(levels by price), pair_liquidation_heatmap and coin_liquidation_heatmap (over time), '
            'liquidation_max_pain.'
        ),
        json_type='string',
        shape=str | None,
        allowed='one of ' + ', '.join(Mode),
        scope=Scope.EVERY_MODE,
        choices=Choices(
            tuple(mode.value for mode in Mode),
            (
                'Search symbols (pairs)',
                'Pair liquidation map (Professional plan)',
                'Coin liquidation map, all exchanges (Professional)',
                'Pair liquidation history (Hobbyist)',
                'Coin liquidation history, chosen exchanges (Hobbyist)',
                'Liquidations by coin on an exchange (Startup)',
                'Liquidations by exchange (Hobbyist)',
                'Liquidation orders, last 7 days (Standard)',
                'Pair liquidation heatmap (Professional)',
                'Coin liquidation heatmap (Professional)',
                'Liquidation max pain (Professional)',
            ),
        ),
        editor='select',
        prefill=Mode.SEARCH_SYMBOLS.value,
        required=True,
        section=WHAT,
    ),
    InputField(
        name='keyword',
        aliases=('query', 'q', 'search', 'term'),
        title='Search keyword',
        echo_description='The keyword of search_symbols.',
        description=(
            'For search_symbols: text matched case-insensitively against symbol, exchange, instrument id, base and '
            'quote asset (btc, ETHUSDT, okx). Exact base-asset matches come first. Empty: every supported pair.'
        ),
        json_type='string',
        maximum=64,
        shape=str | None,
        allowed='text',
        read=_read_keyword,
        fills=(KEYWORD,),
        default='',
        editor='textfield',
        prefill='btc',
        example='btc',
        tool_description=(
            'Text matched case-insensitively against symbol, exchange, instrument id, base and quote asset (btc, '
            'ETHUSDT, okx); exact base-asset matches first. Leave it out for every supported pair.'
        ),
    ),
    InputField(
        name='symbol',
        aliases=('pair', 'ticker', 'market', 'instrument'),
        title='Symbol (pair)',
        echo_description='The pair (Exchange_PAIR) of a pair mode, or the symbol a coin mode took its coin from.',
        description=(
            'A futures pair as Exchange_PAIR, the form search_symbols returns: Binance_BTCUSDT, OKX_BTC-USDT-SWAP, '
            'Binance_BTCUSD_PERP (split at the first _). Or a bare pair (BTCUSDT) with exchange set. Required by '
            'liquidation_map, pair_liquidation_history and pair_liquidation_heatmap. Coin modes given only a symbol '
            'use its base asset (Binance_BTCUSDT -> BTC). Empty: not set.'
        ),
        json_type='string',
        maximum=64,
        shape=str | None,
        allowed="a pair such as 'Binance_BTCUSDT'",
        read=_read_symbol,
        fills=(EXCHANGE, PAIR),
        editor='textfield',
        prefill='Binance_BTCUSDT',
        example='Binance_BTCUSDT',
        tool_description=(
            'A futures pair as Exchange_PAIR, the form search_symbols returns: Binance_BTCUSDT, OKX_BTC-USDT-SWAP, '
            'Bybit_ETHUSDT (split at the first _).'
        ),
    ),
    InputField(
        name='coin',
        aliases=('asset', 'currency', 'base', 'base_asset'),
        title='Coin',
        echo_description='The coin of a coin mode, liquidation_orders or liquidation_exchange_list (null: all coins).',
        description=(
            'A coin such as BTC or ETH. Required by coin_liquidation_map, coin_liquidation_history, '
            'coin_liquidation_heatmap and liquidation_orders; optional for liquidation_exchange_list (empty: all '
            'coins). Empty: not set.'
        ),
        json_type='string',
        maximum=32,
        shape=str | None,
        allowed="a coin such as 'BTC'",
        read=_read_coin,
        fills=(COIN,),
        editor='textfield',
        prefill='BTC',
        example='BTC',
        tool_description='A coin such as BTC or ETH.',
        tool_if_optional='Leave it out for all coins.',
    ),
    InputField(
        name='exchange',
        title='Exchange',
        echo_description='The exchange of liquidation_coin_list, liquidation_orders, search_symbols or a bare pair.',
        description=(
            'A futures exchange as CoinGlass names it: Binance, OKX, Bybit, Bitget, Gate, Hyperliquid, ... Required '
            'by liquidation_coin_list and liquidation_orders (or taken from a seed-form symbol). With a bare pair in '
            'symbol, names its exchange. For search_symbols, limits results to one exchange. Empty: not set (all, '
            'for search).'
        ),
        json_type='string',
        maximum=32,
        shape=str | None,
        allowed="an exchange such as 'Binance'",
        read=_read_exchange,
        fills=(EXCHANGE,),
        editor='select',
        suggestions=KNOWN_EXCHANGES,
        example='Binance',
        tool_description='A futures exchange as CoinGlass names it: Binance, OKX, Bybit, Bitget, Gate, Hyperliquid.',
        tool_if_optional='Leave it out for every exchange.',
    ),
    InputField(
        name='range',
        aliases=('period', 'timeframe', 'window', 'time_range'),
        title='Range',
        echo_description='The time range of maps, heatmaps, liquidation_exchange_list and liquidation_max_pain.',
        description=(
            'Time range. liquidation_map, coin_liquidation_map: 1d, 7d, 30d, and 90d, 180d, 1y derived from the '
            "heatmap's latest levels (no leverage; model picks the heatmap). pair_liquidation_heatmap, "
            'coin_liquidation_heatmap: 12h, 24h, 3d, 7d, 30d, 90d, 180d, 1y. liquidation_exchange_list: 1h, 4h, '
            '12h, 24h. liquidation_max_pain: 12h, 24h, 48h, 3d, 7d, 14d, 30d. 1d and 24h are read as each other, '
            '365d as 1y. Leave it out for the default, one day (1d/24h); null or "" is refused.'
        ),
        json_type='string',
        shape=str | None,
        allowed='a range such as 1d',
        read=_read_range,
        fills=(RANGE, MODEL),
        default='1d',
        choices=Choices(
            RANGE_FIELD_CHOICES,
            (
                '1 hour',
                '4 hours',
                '12 hours',
                '24 hours',
                '1 day',
                '48 hours',
                '3 days',
                '7 days',
                '14 days',
                '30 days',
                '90 days (heatmaps, and maps derived from them)',
                '180 days (heatmaps, and maps derived from them)',
                '1 year (heatmaps, and maps derived from them)',
                '365 days (same as 1y)',
            ),
        ),
        mode_choices=_ranges,
        editor='select',
        example='1d',
        tool_description=(
            'Time range, one of the values listed; 1d and 24h are the same, 365d is 1y. Leave it out for the default.'
        ),
    ),
    InputField(
        name='interval',
        aliases=('timeframe', 'period', 'granularity', 'resolution', 'bar', 'candle'),
        title='Interval',
        echo_description='The bar size of a history.',
        description=(
            'Bar size for pair_liquidation_history and coin_liquidation_history: 1m, 3m, 5m, 15m, 30m, 1h, 4h, 6h, '
            "8h, 12h, 1d, 1w. How far back CoinGlass keeps each interval depends on the key's plan. Leave it out for "
            'the default 1d; null or "" is refused.'
        ),
        json_type='string',
        shape=str | None,
        allowed='one of ' + ', '.join(INTERVALS),
        read=_choice(INTERVAL, INTERVALS),
        fills=(INTERVAL,),
        default='1d',
        choices=Choices(INTERVALS),
        editor='select',
        example='1h',
        section=SPAN,
        tool_description=(
            "Bar size. How far back CoinGlass keeps each bar size depends on the key's plan. Leave it out for 1d."
        ),
    ),
    InputField(
        name='start_time',
        aliases=('from', 'since', 'start', 'begin', 'start_date', 'from_time'),
        title='Start time',
        echo_description="The start of a history's or liquidation_orders' span, in the form given (null: not set).",
        description=(
            'Start of the span for pair_liquidation_history, coin_liquidation_history and liquidation_orders: '
            f'{TIME_DESCRIPTION} or a span back from now (7 days, 12h, 3 weeks, 2 months, 1 year). Histories return '
            'every row from here to end_time, paging as needed. Empty: the latest rows (histories) or 7 days back '
            '(orders).'
        ),
        json_type='string',
        shape=Annotated[int | float | str | None, NotBool],
        allowed=ACCEPTED_FORMS,
        read=_time(START_TIME),
        fills=(START_TIME,),
        editor='datepicker',
        date_type='absoluteOrRelative',
        example='7 days',
        tool_description=(
            f'Start of the span: {TIME_DESCRIPTION}, or a span back from now (7 days, 12h). Leave it out for the '
            'latest rows (histories) or 7 days back (orders).'
        ),
    ),
    InputField(
        name='end_time',
        aliases=('to', 'until', 'end', 'end_date', 'to_time'),
        title='End time',
        echo_description='The end of the span, in the form given (null: now).',
        description=(
            'End of the span for pair_liquidation_history, coin_liquidation_history and liquidation_orders, in the '
            'same forms as start_time. Empty: now.'
        ),
        json_type='string',
        shape=Annotated[int | float | str | None, NotBool],
        allowed=ACCEPTED_FORMS,
        read=_time(END_TIME),
        fills=(END_TIME,),
        editor='datepicker',
        date_type='absoluteOrRelative',
        example='2025-11-20T12:00:00Z',
        tool_description='End of the span, in the same forms as start_time. Leave it out for now.',
    ),
    InputField(
        name='limit',
        title='Row limit (histories)',
        echo_description='The row limit of a history (null: not set).',
        description=(
            'For pair_liquidation_history and coin_liquidation_history: the most rows to return, 1 to 100000 (above '
            '60000 only with output summary: one dataset item holds at most 60000 rows). Without start_time: the '
            'latest rows (1000 when not set). With start_time: the first rows of the span (all of it when not set). '
            '0 or empty: not set.'
        ),
        json_type='integer',
        shape=Annotated[int | None, NotBool],
        allowed=f'a whole number from 1 to {MAX_LIMIT} (0 or empty: not set)',
        read=_read_limit,
        fills=(LIMIT,),
        minimum=1,
        maximum=MAX_LIMIT,
        zero_means_unset=True,
        unit='rows',
        example=500,
        tool_description=(
            'The most rows, 1 to 100000: the latest ones, or with start_time the first of the span. Leave it out for '
            '1000 (or, with start_time, the whole span).'
        ),
    ),
    InputField(
        name='exchanges',
        title='Exchanges (coin history)',
        echo_description='The exchanges coin_liquidation_history sums.',
        description=(
            "Exchanges whose liquidations coin_liquidation_history adds up (sent as CoinGlass's exchange_list). "
            'Leave it out for the default: Binance, OKX, Bybit, Bitget, Gate, Hyperliquid. An empty list means the '
            'default; a list of only empty names is refused.'
        ),
        json_type='array',
        shape=list[str] | str | None,
        allowed="a list of exchanges such as ['Binance', 'OKX']",
        read=_read_exchanges,
        fills=(EXCHANGES,),
        default=list(DEFAULT_EXCHANGES),
        editor='select',
        item_type='string',
        suggestions=KNOWN_EXCHANGES,
        example=['Binance', 'OKX'],
        tool_description=(
            'The exchanges whose liquidations are added up. Leave it out for Binance, OKX, Bybit, Bitget, Gate, '
            'Hyperliquid.'
        ),
    ),
    InputField(
        name='min_liquidation_amount',
        aliases=('min_amount', 'minimum', 'min_usd', 'min_value', 'threshold'),
        title='Minimum order size (USD)',
        echo_description='The smallest order liquidation_orders returns, in USD.',
        description=(
            'For liquidation_orders: only orders of at least this many USD. Default 10000; 0 or empty also mean the '
            'default, so for every order use 1.'
        ),
        json_type='integer',
        shape=Annotated[int | FiniteFloat | None, NotBool],
        allowed='a USD amount above 0 (0 or empty: the default 10000)',
        read=_read_min_amount,
        fills=(MIN_AMOUNT,),
        default=10_000,
        minimum=0,
        zero_means_unset=True,
        unit='USD',
        example=50_000,
        tool_description='Only orders of at least this many USD. Leave it out for 10000; 1 lists every order.',
    ),
    InputField(
        name='model',
        title='Heatmap model',
        echo_description='The heatmap model (model1, model2, model3).',
        description=(
            'Which CoinGlass heatmap model pair_liquidation_heatmap and coin_liquidation_heatmap use, and the 90d, '
            '180d and 1y maps are derived from: model1, model2 or model3. Leave it out for the default model1; null '
            'or "" is refused.'
        ),
        json_type='string',
        shape=str | None,
        allowed='one of ' + ', '.join(MODELS),
        read=_choice(MODEL, MODELS),
        fills=(MODEL,),
        default='model1',
        choices=Choices(MODELS, ('Model 1', 'Model 2', 'Model 3')),
        editor='select',
        example='model1',
        tool_description='The CoinGlass heatmap model: model1, model2 or model3. Leave it out for model1.',
    ),
    InputField(
        name='output',
        title='Output shape',
        echo_description='full, rows or summary: how data is shaped.',
        description=(
            'full: data as CoinGlass sends it (numbers typed) plus a summary. rows: data as flat records for tables '
            'and CSV (maps: price, level_usd, leverage, side, distance_pct; heatmaps: time, price, value). summary: '
            'data null, the summary only; the compact answer AI agents should ask for (search_symbols has none and '
            'answers its pairs). Leave it out for the default full; null or "" is refused.'
        ),
        json_type='string',
        shape=Annotated[Output | None, Lower],
        allowed='one of ' + ', '.join(Output),
        scope=Scope.EVERY_MODE,
        default=Output.FULL.value,
        choices=Choices(
            tuple(output.value for output in Output), ('Full data + summary', 'Flat rows + summary', 'Summary only')
        ),
        editor='select',
        example=Output.SUMMARY.value,
        section=OUTPUT_SHAPE,
        tool_description=(
            'summary: the headline and the summary only, the compact answer. full: the data as CoinGlass sends it '
            '(numbers typed) as well. rows: the data as flat records as well. The data a tool answers with is '
            'capped: past the cap it says so.'
        ),
    ),
    InputField(
        name='charts',
        title='Charts',
        echo_description='Whether a chart was asked for.',
        description=(
            'Render a PNG chart (1200x700) per successful query into the key-value store and link it as chart_url. '
            'Off by default: leave it out (or false) for API and MCP calls, which then stay fast and light; a chart '
            'adds rendering time and memory to every query.'
        ),
        json_type='boolean',
        shape=bool | None,
        allowed='true or false',
        scope=Scope.EVERY_MODE,
        default=False,
        in_tools=False,
    ),
    InputField(
        name='queries',
        title='Batch of queries',
        description=(
            'Many queries in one run: a list of objects, each a partial input overriding the fields above, e.g. '
            '[{"symbol": "Binance_BTCUSDT"}, {"symbol": "OKX_ETH-USDT-SWAP", "range": "7d"}]. Up to 1000. Each is '
            'validated first and gets its own dataset item (with query_index) and charge. Leave it out for one query '
            'from the fields above.'
        ),
        json_type='array',
        shape=list[dict[str, Any]] | None,
        allowed=f'a list of up to {MAX_QUERIES} objects, each a partial input',
        scope=Scope.RUN,
        maximum=MAX_QUERIES,
        editor='schemaBased',
        item_type='object',
        item_fields=_query_item_fields,
        section=BATCH,
    ),
    InputField(
        name='since_last_run',
        title='Only what is new since the last run',
        echo_description=(
            "Whether only what is newer than the last run's delivery was asked for (liquidation_orders and the "
            'histories).'
        ),
        description=(
            'For liquidation_orders, pair_liquidation_history and coin_liquidation_history: deliver only the orders '
            'or closed intervals newer than what the last run of the same query delivered (remembered in the '
            "key-value store named by since_last_run_store); a history's open interval comes once it has closed. "
            'The first run delivers what it finds. Nothing new: an empty success, not charged. For scheduled tasks; '
            'leave it out otherwise.'
        ),
        json_type='boolean',
        shape=bool | None,
        allowed='true or false',
        scope=Scope.FOLLOWING,
        read=_read_since_last_run,
        fills=(SINCE_LAST_RUN,),
        default=False,
        in_tools=False,
        section=WATCHING,
    ),
    InputField(
        name='since_last_run_store',
        title='Memory store (since_last_run)',
        description=(
            'The named key-value store where since_last_run remembers what was delivered: 1 to 63 letters, digits '
            'and hyphens, not starting or ending with a hyphen. Give each scheduled task its own name so each keeps '
            'its own memory. Empty: coinglass-liquidation-marks.'
        ),
        json_type='string',
        shape=str | None,
        allowed='a key-value store name: 1 to 63 letters, digits and hyphens, not starting or ending with one',
        scope=Scope.RUN,
        pattern=STORE_NAME_PATTERN,
        editor='textfield',
    ),
    InputField(
        name='alerts',
        title='Alert rules',
        description=(
            'Rules checked on each successful result\'s summary, e.g. [{"mode": "liquidation_orders", "field": '
            '"largest_order.usd_value", "above": 1000000}], each rule an object: a mode (leave it out when every '
            'query has the same mode), a summary figure (dotted path), and above or below a number. Up to 50 rules. '
            'Fired ones appear in the item, OUTPUT and the status; free. Leave it out if unused.'
        ),
        json_type='array',
        shape=list[Any] | None,
        allowed=(
            f'a list of up to {MAX_RULES} rules such as {{"mode": "liquidation_orders", "field": '
            '"largest_order.usd_value", "above": 1}'
        ),
        scope=Scope.RUN,
        maximum=MAX_RULES,
        editor='schemaBased',
        item_type='object',
        item_fields=lambda: ALERT_RULE_FIELDS,
        item_required=('field',),  # a rule's mode defaults to the run's one mode
    ),
    InputField(
        name='notify_url',
        title='Webhook for alerts',
        description=(
            'A Slack or Discord incoming webhook (or any URL taking a JSON POST) told once per run when at least one '
            'alert fired: a line per alert plus the structured alerts. Stored encrypted, never logged. Leave it out '
            'if unused.'
        ),
        json_type='string',
        shape=SecretStr | None,
        allowed='an http(s) URL of a webhook (Slack, Discord, ...)',
        scope=Scope.RUN,
        editor='textfield',
        secret=True,
    ),
    InputField(
        name='api_key',
        title='CoinGlass API key',
        description=(
            'Your CoinGlass API key (stored encrypted, never logged by the Actor). Leave it out when the publisher '
            'configured a key, and always through MCP: a key an AI agent passes stays in its context and in the MCP '
            "server's log. Otherwise required: get one at coinglass.com/pricing; each mode needs the plan shown in "
            'the mode list. Empty: not set.'
        ),
        json_type='string',
        shape=SecretStr | None,
        allowed='a CoinGlass API key (text)',
        scope=Scope.RUN,
        editor='textfield',
        secret=True,
        section=KEY,
    ),
)

FIELD: Final[Mapping[str, InputField]] = MappingProxyType({declared.name: declared for declared in FIELDS})
"""Every field by name."""


def table_problems() -> list[str]:
    """What in the field and endpoint tables cannot work; empty when they agree (the test suite holds it empty).

    A field a mode reads but nothing of the mode uses, and a parameter a mode sends that no field of it fills.
    """
    problems = []
    for mode, endpoint in ENDPOINTS.items():
        used = _values_used(mode)
        problems += [
            f'{mode} reads {declared.name}, but neither CoinGlass nor the mode uses it'
            for declared in fields_of(mode)
            if not any(param.name in used for param in declared.fills)
        ]
        filled = {param.name for declared in fields_of(mode) for param in declared.fills}
        problems += [
            f'{mode} sends {name} from {value}, which no field of it fills'
            for name, value in endpoint.params.items()
            if value not in filled
        ]
    return problems


def _values_used(mode: Mode) -> set[str]:
    """The query values a mode uses: sent to CoinGlass, in its path, or read by its kind's retrieval."""
    endpoint, spec = ENDPOINTS[mode], spec_of(mode)
    used = set(endpoint.params.values()) | {
        name for _text, name, _spec, _conv in string.Formatter().parse(endpoint.path) if name
    }
    used |= spec.retrieval.reads
    if spec.needs_reference_price:
        used |= {EXCHANGE.name, PAIR.name, COIN.name}
    if spec.final_until is not None:
        used.add(SINCE_LAST_RUN.name)
    return used


def meant_fields(name: str, among: Sequence[str]) -> list[str]:
    """The fields of `among` an unknown field name may mean; empty when none is.

    Those it is an alias of (`from`: `start_time`) first, then the closest by spelling (`Range`: `range`).
    """
    aliased = [field for field in among if name.lower() in FIELD[field].aliases]
    close = closest_name(name, among)
    return aliased + ([close] if close and close not in aliased else [])


def fields_of(mode: Mode) -> tuple[InputField, ...]:
    """The fields a query of `mode` reads, in the order its item echoes them: its row's, then the others'."""
    row = [FIELD[name] for name in ENDPOINTS[mode].fields]
    others = [declared for declared in FIELDS if declared.scope is not Scope.ROW and declared.read_by(mode)]
    return (*row, *(declared for declared in others if declared.read is not None))
