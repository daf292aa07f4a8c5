"""Validate the Actor input into queries, before any request is made.

`parse_run_input` turns the raw input (one query, or a batch in `queries` whose entries override the top-level
fields) into `Query` objects. A field that is `null`, empty (`""`, `[]`, `[""]`) or, for `limit` and
`min_liquidation_amount`, `0` counts as not given: the Apify MCP server turns an agent's `null` into `0`, `""` or
`false` before the Actor sees it, and none of those may silently change what a query means.

Which fields a mode needs and which `range` values it takes come from the endpoint table in `modes`. Every problem
raises `InputError` with a message naming the field, the value and what is allowed; the API key never appears in
one.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, get_args

import httpx
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, FiniteFloat, SecretStr, ValidationError

from src.alerts import AlertRule, AlertRuleError, check_rule_modes, parse_rules
from src.modes import ENDPOINTS, HEATMAP_RANGES, HISTORY_PAGE_ROWS, INTERVALS, MAP_RANGES, MODELS, Kind, Mode
from src.symbols import SymbolError, canonical_code, canonical_exchange, parse_pair
from src.times import ACCEPTED_FORMS, TimeFormatError, duration_ms, iso, to_epoch_ms

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

Output = Literal['full', 'rows', 'summary']

DEFAULT_EXCHANGES: Final = ('Binance', 'OKX', 'Bybit', 'Bitget', 'Gate', 'Hyperliquid')
DEFAULTS: Final[Mapping[str, Any]] = {
    'keyword': '',
    'range': '1d',
    'interval': '1d',
    'model': 'model1',
    'exchanges': list(DEFAULT_EXCHANGES),
    'min_liquidation_amount': 10_000,
    'output': 'full',
    'charts': False,
    'since_last_run': False,
}
MAX_LIMIT: Final = 100_000
ITEM_ROWS: Final = 60_000  # history rows one dataset item holds: about 120 bytes of JSON each, 9 MB at most
MAX_QUERIES: Final = 1000
RANGE_ALIASES: Final = {'24h': '1d', '1d': '24h', '365d': '1y', '1y': '365d'}
_QUOTE_SUFFIXES: Final = ('FDUSD', 'USDT', 'USDC', 'BUSD', 'USD')
_SECRET_FIELDS: Final = frozenset({'api_key', 'notify_url'})
RUN_FIELDS: Final = frozenset({'queries', 'api_key', 'alerts', 'notify_url', 'since_last_run_store'})  # not per query
DEFAULT_MARKS_STORE: Final = 'coinglass-liquidation-marks'
# A storage name as the platform and Crawlee take it: letters, digits and inner hyphens, at most 63.
STORE_NAME_PATTERN: Final = r'^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$'

ZERO_MEANS_UNSET: Final = frozenset({'limit', 'min_liquidation_amount'})


class InputError(ValueError):
    """Input that cannot run; the message is the user-facing explanation.

    Attributes:
        query: The fields of the batch entry at fault with the top-level ones it inherits (its mode among them), for
            the failure item to echo; None when the input as a whole is at fault.
    """

    def __init__(self, message: str, *, query: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.query = query


def given_parameters(raw: Any) -> dict[str, Any]:
    """The known input fields a raw input gave, for echoing in a failure envelope (never the key or the batch)."""
    if not isinstance(raw, dict):
        return {}
    echoed = set(RawInput.model_fields) - {'mode'} - RUN_FIELDS
    return {name: value for name, value in raw.items() if name in echoed}


def _no_bool(value: Any) -> Any:
    """Refuse `true`/`false` where a number or a time belongs (pydantic would read `true` as 1)."""
    if isinstance(value, bool):
        raise ValueError('a number, not true or false')  # noqa: TRY004 - pydantic turns ValueError into its error
    return value


NotBool = BeforeValidator(_no_bool)


def _lower(value: Any) -> Any:
    """A choice read in any case, as `mode`, `range` and `interval` are (`Summary` is `summary`)."""
    return value.strip().lower() if isinstance(value, str) else value


class RawInput(BaseModel):
    """The input's shape: types and bounds only; what each mode needs is checked by `_resolve`."""

    model_config = ConfigDict(extra='ignore', str_strip_whitespace=True)

    mode: str | None = None
    symbol: str | None = None
    coin: str | None = None
    exchange: str | None = None
    exchanges: list[str] | str | None = None
    interval: str | None = None
    range: str | None = None
    model: str | None = None
    limit: Annotated[int | None, NotBool] = Field(default=None, ge=1, le=MAX_LIMIT)
    start_time: Annotated[int | float | str | None, NotBool] = None
    end_time: Annotated[int | float | str | None, NotBool] = None
    min_liquidation_amount: Annotated[int | FiniteFloat | None, NotBool] = Field(default=None, ge=0)
    keyword: str | None = None
    output: Annotated[Output | None, BeforeValidator(_lower)] = None
    charts: bool | None = None
    api_key: SecretStr | None = None
    queries: list[dict[str, Any]] | None = Field(default=None, min_length=1, max_length=MAX_QUERIES)
    since_last_run: bool | None = None
    since_last_run_store: str | None = Field(default=None, pattern=STORE_NAME_PATTERN)
    alerts: list[Any] | None = None
    notify_url: SecretStr | None = None


_ALLOWED: Final[Mapping[str, str]] = {
    'mode': 'one of ' + ', '.join(Mode),
    'symbol': "a pair such as 'Binance_BTCUSDT'",
    'coin': "a coin such as 'BTC'",
    'exchange': "an exchange such as 'Binance'",
    'exchanges': "a list of exchanges such as ['Binance', 'OKX']",
    'interval': 'one of ' + ', '.join(INTERVALS),
    'range': 'a range such as 1d',
    'model': 'one of ' + ', '.join(MODELS),
    'limit': f'a whole number from 1 to {MAX_LIMIT} (0 or empty: not set)',
    'start_time': ACCEPTED_FORMS,
    'end_time': ACCEPTED_FORMS,
    'min_liquidation_amount': 'a USD amount above 0 (0 or empty: the default 10000)',
    'keyword': 'text',
    'output': 'one of ' + ', '.join(get_args(Output)),
    'charts': 'true or false',
    'api_key': 'a CoinGlass API key (text)',
    'queries': f'a list of up to {MAX_QUERIES} objects, each a partial input',
    'since_last_run': 'true or false',
    'since_last_run_store': (
        'a key-value store name: 1 to 63 letters, digits and hyphens, not starting or ending with one'
    ),
    'alerts': 'a list of rules such as {"mode": "liquidation_orders", "field": "largest_order.usd_value", "above": 1}',
    'notify_url': 'an http(s) URL of a webhook (Slack, Discord, ...)',
}


@dataclass(frozen=True)
class Query:
    """One validated query: what to fetch and what to echo back in its envelope."""

    mode: Mode
    echo: Mapping[str, Any] = field(compare=False)
    exchange: str | None = None
    pair: str | None = None
    coin: str | None = None
    range: str | None = None
    interval: str | None = None
    model: str = 'model1'
    limit: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    exchanges: tuple[str, ...] = ()
    min_liquidation_amount: int | float | None = None
    keyword: str = ''
    since_last_run: bool = False
    output: Output = field(default='full', compare=False)
    charts: bool = field(default=False, compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)  # about the input, for the message: an unknown field

    @property
    def stream(self) -> str:
        """What `since_last_run` follows: the mode and the parameters that pick the rows, not the span or shape."""
        parts = (self.mode, self.exchange, self.pair, self.coin, self.interval, ','.join(self.exchanges))
        return '|'.join(str(part or '') for part in (*parts, self.min_liquidation_amount))

    @property
    def exchange_list(self) -> str | None:
        """`exchanges` as CoinGlass's comma-separated `exchange_list`."""
        return ','.join(self.exchanges) or None


@dataclass(frozen=True)
class RunInput:
    """The whole validated input of a run."""

    queries: tuple[Query, ...]
    api_key: SecretStr | None
    alerts: tuple[AlertRule, ...] = ()
    notify_url: SecretStr | None = None
    marks_store: str = DEFAULT_MARKS_STORE


def parse_run_input(raw: Any, *, now_ms: int) -> RunInput:
    """Validate the raw input into queries.

    Raises:
        InputError: The input cannot run; the message names the field, the value and what is allowed.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError(f'The input must be a JSON object, got {_show(raw)}.')
    raw = given_fields(raw)
    top = _validate_shape(raw)
    base = {name: value for name, value in raw.items() if name not in RUN_FIELDS}
    queries = []
    for index, entry in enumerate(top.queries or [{}]):
        merged = {**base, **given_fields(entry)}
        try:
            _check_query_fields(entry)
            query = _resolve(merged, now_ms)
            queries.append(replace(query, notes=_unknown_fields(raw) + _unknown_fields(entry)))
        except InputError as error:
            if not top.queries:
                raise
            raise InputError(f'queries[{index}]: {error}', query=merged) from None
    try:
        rules = parse_rules(top.alerts)
        check_rule_modes(rules, [query.mode for query in queries])
    except AlertRuleError as error:
        raise InputError(str(error)) from None
    if top.notify_url is not None and not rules:
        unused = "Input field 'notify_url' is set but 'alerts' is not: nothing will be sent to it."
        queries = [replace(query, notes=(*query.notes, unused)) for query in queries]
    return RunInput(
        tuple(queries),
        top.api_key,
        alerts=rules,
        notify_url=_webhook(top.notify_url),
        marks_store=top.since_last_run_store or DEFAULT_MARKS_STORE,
    )


def _unknown_fields(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """A note for each field this Actor does not know (ignored, not refused: an agent may send more than it needs)."""
    notes = []
    for name in sorted(str(name) for name in raw if name not in RawInput.model_fields):
        close = difflib.get_close_matches(name.lower(), RawInput.model_fields, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ''
        notes.append(f"Input field '{name}' is not a field of this Actor and was ignored{hint}.")
    return tuple(notes)


def _check_query_fields(entry: Mapping[str, Any]) -> None:
    """Refuse a run field (`api_key`, `alerts`, ...) set inside a query, where it would be silently ignored."""
    inside = sorted(name for name in given_fields(entry) if name in RUN_FIELDS)
    if inside:
        raise InputError(
            f"Input field '{inside[0]}' is set inside a query, where it does not apply: it is a field of the whole "
            f'run; set it once at the top level of the input, next to queries.'
        )


def _webhook(url: SecretStr | None) -> SecretStr | None:
    """The notification URL, when httpx can send to it: http(s), a host, a port that exists (never shown)."""
    if url is None:
        return None
    try:
        parsed = httpx.URL(url.get_secret_value().strip())
        usable = parsed.scheme in {'http', 'https'} and bool(parsed.host) and 0 < (parsed.port or 443) < 65536
    except (httpx.InvalidURL, ValueError):
        usable = False
    if not usable:
        raise InputError(
            f"Input field 'notify_url' is (hidden), which is not allowed: it must be {_ALLOWED['notify_url']}."
        )
    return SecretStr(url.get_secret_value().strip())


def given_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `raw` that are set: not `null`, `""` or `[]`, and not `0` for the ZERO_MEANS_UNSET fields."""
    return {name: value for name, value in raw.items() if not _unset(name, value)}


def _unset(name: str, value: Any) -> bool:
    if value is None or _blank(value) or (isinstance(value, list) and all(_blank(entry) for entry in value)):
        return True
    return name in ZERO_MEANS_UNSET and not isinstance(value, bool) and value == 0


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _validate_shape(raw: Mapping[str, Any]) -> RawInput:
    try:
        return RawInput.model_validate(raw)
    except ValidationError as error:
        raise InputError(_explain(error, raw)) from None


def _explain(error: ValidationError, raw: Mapping[str, Any]) -> str:
    first = error.errors()[0]
    name = str(first['loc'][0]) if first['loc'] else 'input'
    value = '(hidden)' if name in _SECRET_FIELDS else _show(_without_secrets(raw.get(name)))
    return f"Input field '{name}' is {value}, which is not allowed: it must be {_ALLOWED.get(name, first['msg'])}."


def _without_secrets(value: Any) -> Any:
    """A value to echo in a message, with the secret fields of any object in it (a `queries` entry) left out."""
    if isinstance(value, dict):
        return {name: _without_secrets(item) for name, item in value.items() if name not in _SECRET_FIELDS}
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + '...'


def _resolve(values: Mapping[str, Any], now_ms: int) -> Query:
    raw = _validate_shape(values)
    given = raw.model_dump(exclude_unset=True, exclude={'api_key', 'queries'})
    mode = _mode(raw.mode)
    endpoint = ENDPOINTS[mode]
    resolved: dict[str, Any] = {}
    if raw.since_last_run and 'since_last_run' not in endpoint.fields:
        followers = ', '.join(other for other, row in ENDPOINTS.items() if 'since_last_run' in row.fields)
        raise InputError(
            f"Input field 'since_last_run' is true, which {mode} does not take: only {followers} deliver new rows "
            'since the last run.'
        )
    for name in endpoint.fields:
        resolved.update(_RESOLVERS[name](raw, mode, now_ms))
    start, end = resolved.get('start_time'), resolved.get('end_time')
    if start is not None and start > now_ms:
        raise InputError(
            f"Input field 'start_time' is {_show(given['start_time'])}, which is in the future "
            f'(it is {iso(start)}, now is {iso(now_ms)}): CoinGlass has no rows after now.'
        )
    if start is not None and end is not None and start >= end:
        raise InputError(
            f"Input field 'start_time' is {_show(given['start_time'])}, which is not before 'end_time' "
            f'{_show(given.get("end_time", "now"))}: the start must come first.'
        )
    _check_history_size(mode, resolved, now_ms, raw.output or DEFAULTS['output'])
    echo = {name: given.get(name, DEFAULTS.get(name)) for name in endpoint.fields}
    if 'range' in echo and 'range' not in given:  # the default as this mode reads it: max pain's `1d` is `24h`
        echo['range'] = resolved['range']
    for derived in ('coin', 'exchange'):  # taken from a seed-form symbol: echo the value used, and the symbol
        if derived in endpoint.required and derived not in given:
            echo[derived] = resolved[derived]
            echo['symbol'] = given['symbol']
    if 'symbol' in endpoint.required and 'exchange' in given:
        echo['exchange'] = given['exchange']
    for name in ('output', 'charts'):
        echo[name] = given.get(name, DEFAULTS[name])
    return Query(
        mode=mode,
        echo=echo,
        output=raw.output or DEFAULTS['output'],
        charts=raw.charts if raw.charts is not None else DEFAULTS['charts'],
        **resolved,
    )


def _check_history_size(mode: Mode, resolved: Mapping[str, Any], now_ms: int, output: str) -> None:
    """Refuse, before any request, a history of more rows than one query returns or one dataset item holds.

    A query returns at most `MAX_LIMIT` rows; its item holds at most `ITEM_ROWS` of them but for the summary output.
    """
    if ENDPOINTS[mode].kind is not Kind.HISTORY:
        return
    start, interval, limit = resolved.get('start_time'), resolved.get('interval') or '1d', resolved.get('limit')
    span = None if start is None else ((resolved.get('end_time') or now_ms) - start) // duration_ms(interval) + 1
    if span is not None and limit is None and span > MAX_LIMIT:
        raise InputError(
            f"Input fields 'start_time'..'end_time' span {span} rows of {interval}; one query returns at most "
            f'{MAX_LIMIT}. Shorten the span, use a coarser interval, or set limit.'
        )
    rows = min(limit or MAX_LIMIT, span or MAX_LIMIT) if (limit or span) else HISTORY_PAGE_ROWS
    if output != 'summary' and rows > ITEM_ROWS:
        asked = (
            f"Input field 'limit' is {limit}"
            if limit == rows
            else f"Input fields 'start_time'..'end_time' span {rows} rows of {interval}"
        )
        raise InputError(
            f'{asked}: a dataset item holds at most {ITEM_ROWS} history rows (9 MB of JSON). Ask for '
            f'at most {ITEM_ROWS} (a shorter span or a coarser interval), or set output to "summary" for the '
            f'figures over all {rows} rows without them.'
        )


def _mode(value: str | None) -> Mode:
    if not value:
        raise InputError(f"Input field 'mode' is missing: it must be {_ALLOWED['mode']}.")
    try:
        return Mode(value.lower())
    except ValueError:
        raise InputError(
            f"Input field 'mode' is {_show(value)}, which is not a mode: use {_ALLOWED['mode']}."
        ) from None


def _missing(name: str, mode: Mode) -> InputError:
    return InputError(f"Input field '{name}' is missing: {mode} needs {_ALLOWED[name]}.")


def _pair(raw: RawInput, mode: Mode, _now: int) -> dict[str, Any]:
    if not raw.symbol:
        raise InputError(
            f"Input field 'symbol' is missing: {mode} needs a pair such as 'Binance_BTCUSDT' "
            '(search_symbols lists them).'
        )
    try:
        pair = parse_pair(raw.symbol, raw.exchange)
    except SymbolError as error:
        raise InputError(str(error)) from None
    return {'exchange': pair.exchange, 'pair': pair.instrument_id}


def _coin(raw: RawInput, mode: Mode, _now: int) -> dict[str, Any]:
    if raw.coin:
        return {'coin': canonical_code(raw.coin)}
    if 'coin' not in ENDPOINTS[mode].required:
        return {'coin': None}
    if raw.symbol:
        try:
            pair = parse_pair(raw.symbol, raw.exchange)
        except SymbolError:
            return {'coin': base_asset(raw.symbol)}
        return {'coin': base_asset(pair.instrument_id)}
    raise _missing('coin', mode)


def base_asset(instrument_id: str) -> str:
    """The coin of a pair: `BTCUSDT` -> `BTC`, `BTC-USDT-SWAP` -> `BTC`, `BTCUSD_PERP` -> `BTC`."""
    head = canonical_code(instrument_id).replace('-', '_').split('_')[0]
    for suffix in _QUOTE_SUFFIXES:
        if head.upper().endswith(suffix) and len(head) > len(suffix):
            return head[: -len(suffix)]
    return head


def _exchange(raw: RawInput, mode: Mode, _now: int) -> dict[str, Any]:
    if raw.exchange:
        return {'exchange': canonical_exchange(raw.exchange)}
    if 'exchange' not in ENDPOINTS[mode].required:
        return {'exchange': None}
    if raw.symbol:  # a seed-form symbol names its exchange
        try:
            return {'exchange': parse_pair(raw.symbol).exchange}
        except SymbolError:
            pass
    raise _missing('exchange', mode)


def _range(raw: RawInput, mode: Mode, _now: int) -> dict[str, Any]:
    allowed = ENDPOINTS[mode].ranges or ()
    value = (raw.range or DEFAULTS['range']).lower()
    if value in allowed:
        return {'range': value}
    if RANGE_ALIASES.get(value) in allowed:
        return {'range': RANGE_ALIASES[value]}
    if ENDPOINTS[mode].kind is Kind.MAP:
        heatmaps = ' or '.join(other for other, endpoint in ENDPOINTS.items() if endpoint.kind is Kind.HEATMAP)
        raise InputError(
            f"Input field 'range' is {_show(raw.range)}, which {mode} does not take: CoinGlass v4 liquidation maps "
            f'take only {", ".join(MAP_RANGES)}. For 90d, 180d or 1y use {heatmaps}, whose ranges are '
            f'{", ".join(HEATMAP_RANGES)}.'
        )
    raise InputError(
        f"Input field 'range' is {_show(raw.range)}, which {mode} does not take: use one of {', '.join(allowed)}."
    )


def _choice(name: Literal['interval', 'model'], choices: tuple[str, ...]) -> Callable[..., dict[str, Any]]:
    def resolve(raw: RawInput, mode: Mode, _now: int) -> dict[str, Any]:
        given = getattr(raw, name)
        value = (given or DEFAULTS[name]).lower()
        if value not in choices:
            raise InputError(
                f"Input field '{name}' is {_show(given)}, which {mode} does not take: use one of {', '.join(choices)}."
            )
        return {name: value}

    return resolve


def _limit(raw: RawInput, _mode: Mode, _now: int) -> dict[str, Any]:
    return {'limit': raw.limit}


def _time(name: Literal['start_time', 'end_time']) -> Callable[..., dict[str, Any]]:
    def resolve(raw: RawInput, _mode: Mode, now_ms: int) -> dict[str, Any]:
        value = getattr(raw, name)
        if value is None:
            return {name: None}
        try:
            return {name: to_epoch_ms(value, now_ms=now_ms)}
        except TimeFormatError as error:
            raise InputError(f"Input field '{name}' is {_show(value)}, which is {error.why}.") from None

    return resolve


def _exchanges(raw: RawInput, _mode: Mode, _now: int) -> dict[str, Any]:
    value = raw.exchanges if raw.exchanges is not None else DEFAULTS['exchanges']
    names = value.split(',') if isinstance(value, str) else value
    cleaned = tuple(dict.fromkeys(canonical_exchange(name) for name in names if name.strip()))
    if not cleaned:
        raise InputError(
            f"Input field 'exchanges' is {_show(raw.exchanges)}, which names no exchange: give {_ALLOWED['exchanges']}."
        )
    return {'exchanges': cleaned}


def _min_amount(raw: RawInput, _mode: Mode, _now: int) -> dict[str, Any]:
    value = raw.min_liquidation_amount
    if value is None:
        return {'min_liquidation_amount': DEFAULTS['min_liquidation_amount']}
    return {'min_liquidation_amount': int(value) if float(value).is_integer() else value}  # sent as `10000`


def _keyword(raw: RawInput, _mode: Mode, _now: int) -> dict[str, Any]:
    return {'keyword': raw.keyword or ''}


_RESOLVERS: Final[Mapping[str, Callable[[RawInput, Mode, int], dict[str, Any]]]] = {
    'symbol': _pair,
    'coin': _coin,
    'exchange': _exchange,
    'range': _range,
    'interval': _choice('interval', INTERVALS),
    'model': _choice('model', MODELS),
    'limit': _limit,
    'start_time': _time('start_time'),
    'end_time': _time('end_time'),
    'exchanges': _exchanges,
    'min_liquidation_amount': _min_amount,
    'keyword': _keyword,
    'since_last_run': lambda raw, _mode, _now: {'since_last_run': bool(raw.since_last_run)},
}
