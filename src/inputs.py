"""Validate the Actor input into queries, before any request is made.

`parse_run_input` turns the raw input (one query, or a batch in `queries` whose entries override the top-level
fields) into `Query` objects, by the field table (`src.fields`): each field's shape is checked first (its type and
bounds), then each field the mode reads is read into the query's values, then the checks across fields. A field
that is `null`, empty (`""`, `[]`, `[""]`) or, for `limit` and `min_liquidation_amount`, `0` counts as not given:
the Apify MCP server turns an agent's `null` into `0`, `""` or `false` before the Actor sees it, and none of those
may silently change what a query means.

Every problem raises `InputError` with a message naming the field, the value and what is allowed; the API key and
the webhook never appear in one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, create_model

from src.alerts import AlertRule, AlertRuleError, check_rule_modes, parse_rules
from src.fields import (
    DEFAULT_MARKS_STORE,
    FIELD,
    FIELDS,
    Draft,
    InputError,
    InputField,
    Scope,
    fields_of,
    meant_fields,
    show,
)
from src.input_bounds import check_bounds
from src.kinds import spec_of
from src.modes import Mode
from src.query import END_TIME, START_TIME, Output, Query
from src.suggest import did_you_mean, field_hint
from src.times import iso

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ['InputError', 'RunInput', 'given_fields', 'given_parameters', 'given_secrets', 'parse_run_input']

RUN_FIELDS: Final = frozenset(declared.name for declared in FIELDS if declared.scope is Scope.RUN)  # not per query
SECRET_FIELDS: Final = frozenset(declared.name for declared in FIELDS if declared.secret)
MAX_NAMED_ENTRIES: Final = 10  # refused batch entries a message names; the rest are counted
MAX_EXPLAINED_ENTRIES: Final = 4  # of them, those whose reason it says too (the first one's whole)
BRIEF_CHARS: Final = 160  # a further refused entry's reason, at most
ZERO_MEANS_UNSET: Final = frozenset(declared.name for declared in FIELDS if declared.zero_means_unset)
MAX_UNKNOWN_NOTES: Final = 5  # notes on unknown fields in a query's message, at most
MAX_NAME_CHARS: Final = 60  # an unknown field's name as a note shows it, at most


def _constraints(declared: InputField) -> Any:
    """The pydantic field of a declaration: not given by default, and its bounds."""
    if declared.json_type == 'array':
        return Field(default=None, max_length=declared.maximum)
    if declared.json_type in {'integer', 'number'}:
        return Field(default=None, ge=declared.minimum, le=declared.maximum)
    return Field(default=None, pattern=declared.pattern, max_length=declared.maximum)


_SHAPES: Final[dict[str, Any]] = {declared.name: (declared.shape, _constraints(declared)) for declared in FIELDS}
RawInput: Final[type[BaseModel]] = create_model(
    'RawInput',
    __config__=ConfigDict(extra='ignore', str_strip_whitespace=True),
    __doc__="The input's shape, from the field table: types and bounds only; `_resolve` reads each mode's fields.",
    **_SHAPES,
)


@dataclass(frozen=True)
class RunInput:
    """The whole validated input of a run."""

    queries: tuple[Query, ...]
    api_key: SecretStr | None
    alerts: tuple[AlertRule, ...] = ()
    notify_url: SecretStr | None = None
    marks_store: str = DEFAULT_MARKS_STORE


def given_parameters(raw: Any) -> dict[str, Any]:
    """The known input fields a raw input gave, for echoing in a failure envelope (never the key or the batch)."""
    if not isinstance(raw, dict):
        return {}
    return {name: value for name, value in raw.items() if name in FIELD and _per_query(name) and name != 'mode'}


def _per_query(name: str) -> bool:
    return FIELD[name].scope is not Scope.RUN


def given_secrets(raw: Any) -> list[str]:
    """The texts in the secret fields (`api_key`, `notify_url`) of the input and of its `queries` entries.

    To hide before anything is said of the input, which may echo one (a key pasted into `symbol`); an entry's key,
    set there by mistake, is refused and must not be shown either.
    """
    queries = raw.get('queries') if isinstance(raw, dict) else None
    entries = [raw, *queries] if isinstance(queries, list) else [raw]
    return [
        value
        for entry in entries
        if isinstance(entry, dict)
        for name, value in entry.items()
        if name in SECRET_FIELDS and isinstance(value, str)
    ]


def parse_run_input(raw: Any, *, now_ms: int) -> RunInput:
    """Validate the raw input into queries.

    Raises:
        InputError: The input cannot run; the message names the field, the value and what is allowed.
    """
    problem = check_bounds(raw)
    if problem is not None:
        raise InputError(problem, query={})  # nothing of it is echoed
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError(f'The input must be a JSON object, got {show(raw)}.')
    raw = given_fields(raw)
    top = _validate_shape(raw)
    base = {name: value for name, value in raw.items() if name not in RUN_FIELDS}
    entries: list[dict[str, Any]] = top.get('queries') or [{}]
    queries = []
    refused: list[tuple[int, InputError, dict[str, Any]]] = []
    for index, entry in enumerate(entries):
        merged = {**base, **given_fields(entry)}
        own = given_fields(entry) if top.get('queries') else base  # a batch's top-level fields are shared defaults
        try:
            _check_query_fields(entry)
            _check_near_misses({**raw, **entry}, merged)
            query = _resolve(merged, now_ms)
            notes = _unknown_fields(raw) + _unknown_fields(entry) + _unread_fields(own, query)
            queries.append(replace(query, notes=notes))
        except InputError as error:
            if not top.get('queries'):
                raise
            refused.append((index, error, merged))
    if refused:
        raise _batch_refused(refused, len(entries))
    try:
        modes = {query.mode for query in queries if spec_of(query.mode).alert_fields}  # a search has no figures
        rules = parse_rules(top.get('alerts'), next(iter(modes)) if len(modes) == 1 else None)
        check_rule_modes(rules, [query.mode for query in queries])
    except AlertRuleError as error:
        raise InputError(str(error)) from None
    if top.get('notify_url') is not None and not rules:
        unused = "Input field 'notify_url' is set but 'alerts' is not: nothing will be sent to it."
        queries = [replace(query, notes=(*query.notes, unused)) for query in queries]
    return RunInput(
        tuple(queries),
        top.get('api_key'),
        alerts=rules,
        notify_url=_webhook(top.get('notify_url')),
        marks_store=top.get('since_last_run_store') or DEFAULT_MARKS_STORE,
    )


def _batch_refused(refused: list[tuple[int, InputError, dict[str, Any]]], total: int) -> InputError:
    """The first refused batch entry's error, naming the others too, so that one run shows every entry to fix."""
    index, error, merged = refused[0]
    message = f'queries[{index}]: {error}'
    if len(refused) > 1:
        said = [f'queries[{other}] ({_brief(str(why))})' for other, why, _merged in refused[1:MAX_EXPLAINED_ENTRIES]]
        named = [f'queries[{other}]' for other, _error, _merged in refused[MAX_EXPLAINED_ENTRIES:MAX_NAMED_ENTRIES]]
        more = len(refused) - MAX_NAMED_ENTRIES
        others = '; '.join(said + named) + (f' and {more:,} more' if more > 0 else '')
        message += f' Also refused ({len(refused) - 1:,} more of the {total:,} entries): {others}.'
    return InputError(message, query=merged)


def _brief(message: str) -> str:
    """A refusal's first sentence, cut to BRIEF_CHARS: what a batch message says of each further refused entry."""
    first = message.split('. ', 1)[0].rstrip('.')
    return first if len(first) <= BRIEF_CHARS else first[: BRIEF_CHARS - 1] + '…'


def _unknown_fields(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """A note for each field this Actor does not know (ignored, not refused: an agent may send more than it needs).

    At most MAX_UNKNOWN_NOTES, then one that counts the rest: every query's message carries them.
    """
    notes = []
    unknown = sorted(str(name) for name in raw if name not in FIELD)
    for name in unknown[:MAX_UNKNOWN_NOTES]:
        hint = field_hint(name, FIELD)
        notes.append(f"Input field '{_shown_name(name)}' is not a field of this Actor and was ignored{hint}.")
    if len(unknown) > MAX_UNKNOWN_NOTES:
        notes.append(
            f'{len(unknown) - MAX_UNKNOWN_NOTES} more input fields are not fields of this Actor and were ignored.'
        )
    return tuple(notes)


def _check_near_misses(given: Mapping[str, Any], merged: Mapping[str, Any]) -> None:
    """Refuse an unknown field name that means a field the query reads and leaves out.

    One close to it (`Range`, `symbols`) or one of its aliases (`from` for `start_time`, `timeframe` for `range` or
    `interval`, whichever the mode reads). Ignored, it would run the query on that field's default, or fail as
    missing, and charge for data not asked for.
    """
    mode = _known_mode(merged.get('mode'))
    missing = [name for name in FIELD if name not in merged]  # `modle` beside a given `mode` meant `model`
    for name in sorted(str(name) for name in given if name not in FIELD):
        meant = next((FIELD[field] for field in meant_fields(name, missing) if _read_by(FIELD[field], mode)), None)
        if meant is not None:
            raise InputError(
                f"Input field '{_shown_name(name)}' is not a field of this Actor: did you mean '{meant.name}', which "
                f'{mode or "every query"} reads? Nothing was fetched or charged.'
            )


def _read_by(declared: InputField, mode: Mode | None) -> bool:
    """Whether a query of `mode` reads the field (None: a mode not known yet, which reads the every-mode fields)."""
    return declared.scope is Scope.EVERY_MODE or (mode is not None and declared.read_by(mode))


def _unread_fields(own: Mapping[str, Any], query: Query) -> tuple[str, ...]:
    """A note for each field of this Actor given to a query whose mode does not read it.

    Ignored, not refused: the Console sends every field of its form. No note for a value the form starts with (the
    field's default or prefill); a hint only for a near twin the mode reads (`exchange` for `exchanges`).
    """
    read = [declared.name for declared in fields_of(query.mode)]
    notes = []
    for name, value in own.items():
        declared = FIELD.get(name)
        if declared is None or declared.scope is Scope.RUN or name in query.echo or declared.read_by(query.mode):
            continue
        if value in (declared.default, declared.prefill):
            continue
        hint = field_hint(name, read, cutoff=0.8)
        notes.append(f"Input field '{name}' is not read by {query.mode} and was ignored{hint}.")
    return tuple(notes[:MAX_UNKNOWN_NOTES])


def _shown_name(name: str) -> str:
    """An unknown field's name as a message shows it: cut to MAX_NAME_CHARS."""
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + '…'


def _known_mode(value: Any) -> Mode | None:
    try:
        return Mode(value.strip().lower()) if isinstance(value, str) else None
    except ValueError:
        return None


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
            f"Input field 'notify_url' is (hidden), which is not allowed: it must be {FIELD['notify_url'].allowed}."
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


def _validate_shape(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The given fields, shaped by their declarations (types checked, strings stripped)."""
    try:
        return RawInput.model_validate(raw).model_dump(exclude_unset=True)
    except ValidationError as error:
        raise InputError(_explain(error, raw)) from None


def _explain(error: ValidationError, raw: Mapping[str, Any]) -> str:
    first = error.errors()[0]
    name = str(first['loc'][0]) if first['loc'] else 'input'
    value = '(hidden)' if name in SECRET_FIELDS else show(_without_secrets(raw.get(name)))
    declared = FIELD.get(name)
    parts = {part for problem in error.errors() if problem['loc'][:1] == (name,) for part in problem['loc'][1:2]}
    positions = sorted(part for part in parts if isinstance(part, int))
    if declared is not None and positions and len(positions) == len(parts):  # entries of a list: name each
        entry = raw[name][positions[0]]
        others = ', '.join(f'{name}[{position}]' for position in positions[1:MAX_NAMED_ENTRIES])
        return (
            f"Input field '{name}[{positions[0]}]' is {show(_without_secrets(entry))}, which is not allowed: "
            f'each entry must be a JSON {declared.item_type or "value"} ({declared.allowed}).'
            + (f' The same goes for {others}.' if others else '')
        )
    if declared is None:
        return f"Input field '{name}' is {value}, which is not allowed: it must be {first['msg']}."
    hint = did_you_mean(raw.get(name), declared.choices.values) if declared.choices is not None else ''
    allowed = declared.allowed
    if first['type'] == 'string_too_long':
        allowed = f'{allowed}, of at most {declared.maximum} characters'
    return f"Input field '{name}' is {value}, which is not allowed{hint}: it must be {allowed}."


def _without_secrets(value: Any) -> Any:
    """A value to echo in a message, with the secret fields of any object in it (a `queries` entry) left out."""
    if isinstance(value, dict):
        return {name: _without_secrets(item) for name, item in value.items() if name not in SECRET_FIELDS}
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _resolve(values: Mapping[str, Any], now_ms: int) -> Query:
    """One query from its fields (the top-level ones with its batch entry's over them)."""
    given = _validate_shape(values)
    mode = _mode(given.get('mode'))
    if given.get('since_last_run') and not FIELD['since_last_run'].read_by(mode):
        followers = ', '.join(other for other in Mode if FIELD['since_last_run'].read_by(other))
        raise InputError(
            f"Input field 'since_last_run' is true, which {mode} does not take: only {followers} deliver new rows "
            'since the last run.'
        )
    draft = Draft(mode, given, now_ms)
    read = fields_of(mode)
    for declared in read:
        if declared.read is not None:
            declared.read(draft)
    query = Query(
        mode,
        MappingProxyType(draft.values),
        echo=_echo(read, draft),
        output=Output(given.get('output') or FIELD['output'].default),
        charts=bool(given.get('charts', FIELD['charts'].default)),
    )
    _check_span(query, given, now_ms)
    problem = spec_of(mode).refusal(query, now_ms)
    if problem is not None:
        raise InputError(problem)
    return query


def _echo(read: tuple[InputField, ...], draft: Draft) -> dict[str, Any]:
    """The query's input fields as given, or when not given as used; then the fields they read besides their own."""
    echo = {declared.name: draft.given.get(declared.name, _plain(draft.values.get(declared.name))) for declared in read}
    echo.update((name, draft.given[name]) for name in draft.companions)
    for name in ('output', 'charts'):
        echo[name] = draft.given.get(name, FIELD[name].default)
    return echo


def _plain(value: Any) -> Any:
    """A value as JSON shows it (a tuple as a list)."""
    return list(value) if isinstance(value, tuple) else value


def _check_span(query: Query, given: Mapping[str, Any], now_ms: int) -> None:
    """Refuse a span that starts in the future or does not start before it ends."""
    start, end = query.get(START_TIME), query.get(END_TIME)
    if start is not None and start > now_ms:
        raise InputError(
            f"Input field 'start_time' is {show(given['start_time'])}, which is in the future "
            f'(it is {iso(start)}, now is {iso(now_ms)}): CoinGlass has no rows after now.'
        )
    if start is not None and end is not None and start >= end:
        raise InputError(
            f"Input field 'start_time' is {show(given['start_time'])}, which is not before 'end_time' "
            f'{show(given.get("end_time", "now"))}: the start must come first.'
        )


def _mode(value: str | None) -> Mode:
    if not value:
        raise InputError(f"Input field 'mode' is missing: it must be {FIELD['mode'].allowed}.")
    try:
        return Mode(value.lower())
    except ValueError:
        raise InputError(
            f"Input field 'mode' is {show(value)}, which is not a mode{did_you_mean(value, Mode)}: use "
            f'{FIELD["mode"].allowed}.'
        ) from None
