"""What `apify validate-schema` does not check: defaults and prefills within bounds, and one name per mode.

Every `default` and `prefill` of .actor/input_schema.json has its field's type, lies within its enum or
minimum/maximum, and is accepted by the Actor for every mode that reads the field. Each mode has one name in
src.modes.Mode, the input schema's mode enum, .actor/pay_per_event.json (upper-cased) and the README.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fake_coinglass import NOW_MS
from mode_examples import EXAMPLES

from src.alerts import AlertRule
from src.fields import FIELD, MAX_QUERIES, RANGE_ALIASES, Scope, fields_of
from src.inputs import ZERO_MEANS_UNSET, InputError, RawInput, parse_run_input
from src.modes import ENDPOINTS, INTERVALS, MODELS, Mode, Plan
from src.query import Output
from src.symbols import KNOWN_EXCHANGES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / '.actor' / 'input_schema.json').read_text())
PROPERTIES: dict[str, dict[str, Any]] = SCHEMA['properties']
PAY_PER_EVENT: dict[str, dict[str, Any]] = json.loads((ROOT / '.actor' / 'pay_per_event.json').read_text())
README = ROOT / 'README.md'
TYPES: dict[str, tuple[type, ...]] = {
    'string': (str,),
    'integer': (int,),
    'number': (int, float),
    'boolean': (bool,),
    'array': (list,),
    'object': (dict,),
}
PRESETS = [
    (name, key)
    for name, prop in PROPERTIES.items()
    for key in ('default', 'prefill')
    if key in prop
]  # fmt: skip


def has_type(value: Any, schema_type: str) -> bool:
    if isinstance(value, bool) and schema_type != 'boolean':
        return False
    return isinstance(value, TYPES[schema_type])


@pytest.mark.parametrize(('name', 'key'), PRESETS, ids=[f'{name}.{key}' for name, key in PRESETS])
def test_preset_has_the_type_and_lies_within_bounds(name: str, key: str) -> None:
    prop = PROPERTIES[name]
    value = prop[key]
    assert has_type(value, prop['type']), f'{name}: {key} {value!r} is not of type {prop["type"]}'
    if 'enum' in prop:
        assert value in prop['enum'], f'{name}: {key} {value!r} is not one of {prop["enum"]}'
    if 'minimum' in prop:
        assert value >= prop['minimum'], f'{name}: {key} {value!r} is below the minimum {prop["minimum"]}'
    if 'maximum' in prop:
        assert value <= prop['maximum'], f'{name}: {key} {value!r} is above the maximum {prop["maximum"]}'
    if 'pattern' in prop:
        assert re.search(prop['pattern'], value), f'{name}: {key} {value!r} does not match {prop["pattern"]}'
    if prop['type'] == 'array':
        items = prop.get('items', {})
        assert all(has_type(item, items.get('type', 'string')) for item in value), f'{name}: {key} {value!r}'
        assert all(item in items['enum'] for item in value) if 'enum' in items else True
        assert len(value) >= prop.get('minItems', 0)
        assert len(value) <= prop.get('maxItems', len(value))


@pytest.mark.parametrize('mode', list(Mode))
def test_presets_are_accepted_by_every_mode_that_reads_the_field(mode: Mode) -> None:
    """E.g. the `range` default must be a range (or an alias of one) of every mode that takes a range."""
    for name in (*ENDPOINTS[mode].fields, 'output', 'charts'):
        for key in ('default', 'prefill'):
            if key in PROPERTIES[name]:
                query = {**EXAMPLES[mode], name: PROPERTIES[name][key]}
                try:
                    parse_run_input(query, now_ms=NOW_MS)
                except InputError as error:
                    pytest.fail(f'{mode} refuses the {key} of {name} ({PROPERTIES[name][key]!r}): {error}')


@pytest.mark.parametrize('mode', list(Mode))
def test_schema_defaults_are_the_actors_defaults(mode: Mode) -> None:
    """The platform fills schema defaults in; local runs and `queries` entries leave the field out: same query."""
    names = [declared.name for declared in fields_of(mode)] + ['output', 'charts']
    for name in names:
        if 'default' not in PROPERTIES[name]:
            continue
        left_out = {key: value for key, value in EXAMPLES[mode].items() if key != name}
        given = {**left_out, name: PROPERTIES[name]['default']}
        (without,), (with_default,) = (parse_run_input(raw, now_ms=NOW_MS).queries for raw in (left_out, given))
        assert (without.values, without.output, without.charts) == (
            with_default.values,
            with_default.output,
            with_default.charts,
        ), (mode, name)


def test_schema_bounds_are_the_parsers_bounds() -> None:
    """Where 0 means not set (ZERO_MEANS_UNSET: what the MCP server makes of an agent's null), the platform must let
    0 through to the Actor: the schema's minimum is 0 whatever the parser's bound for a set value."""
    keywords = {'ge': 'minimum', 'le': 'maximum', 'gt': 'exclusiveMinimum', 'lt': 'exclusiveMaximum'}
    for name, field in RawInput.model_fields.items():
        prop = PROPERTIES.get(name, {})
        if prop.get('type') not in {'integer', 'number'}:
            continue
        parser = {
            keyword: getattr(rule, attribute)
            for rule in field.metadata
            for attribute, keyword in keywords.items()
            if hasattr(rule, attribute)
        }
        if name in ZERO_MEANS_UNSET:
            assert parser.get('minimum', 0) >= 0, name
            parser['minimum'] = 0
        schema = {keyword: prop[keyword] for keyword in keywords.values() if keyword in prop}
        assert schema == parser, f'{name}: the input schema allows {schema}, the Actor {parser}'


def test_optional_fields_are_nullable_and_null_means_not_set() -> None:
    """An API caller's `null` passes the platform's check (`nullable`) and means what leaving the field out means."""
    required = set(SCHEMA['required'])
    for name, prop in PROPERTIES.items():
        assert prop.get('nullable', False) is (name not in required), f'{name}: nullable exactly when optional'

    def outcome(actor_input: dict[str, Any]) -> Any:
        try:
            run_input = parse_run_input(actor_input, now_ms=NOW_MS)
        except InputError as error:
            return str(error)
        return run_input, [(dict(query.echo), query.output, query.charts) for query in run_input.queries]

    for mode, example in EXAMPLES.items():
        for name in set(PROPERTIES) - required:
            left_out = {key: value for key, value in example.items() if key != name}
            assert outcome({**example, name: None}) == outcome(left_out), (mode, name)


def test_queries_are_bounded_objects() -> None:
    """The platform refuses an oversized batch before the run starts, at the Actor's own limit."""
    queries = PROPERTIES['queries']
    assert queries['items']['type'] == 'object'
    assert queries['maxItems'] == MAX_QUERIES
    assert RawInput.model_fields['queries'].metadata[-1].max_length == MAX_QUERIES


def test_a_batch_entry_offers_every_field_of_a_query_without_defaults() -> None:
    """The per-item editor shows each field a query reads, as the top level declares it, with nothing filled in (an
    entry inherits what it leaves out), and stays open to other keys (the Actor names them)."""
    items = PROPERTIES['queries']['items']
    per_query = [name for name in PROPERTIES if FIELD[name].scope is not Scope.RUN]
    assert list(items['properties']) == per_query
    assert 'additionalProperties' not in items
    assert 'required' not in items
    for name, prop in items['properties'].items():
        top = PROPERTIES[name]
        assert {key: prop.get(key) for key in ('type', 'enum', 'items')} == {
            key: top.get(key) for key in ('type', 'enum', 'items')
        }
        assert not {'default', 'prefill', 'sectionCaption'} & set(prop), name
        assert f'As {name} above, for this query only' in prop['description']


def test_an_alert_rule_offers_the_keys_of_a_rule() -> None:
    items = PROPERTIES['alerts']['items']
    assert set(items['properties']) == set(AlertRule.model_fields)
    assert items['required'] == ['field']  # the mode defaults to the run's one mode
    assert 'search_symbols' not in items['properties']['mode']['enum']
    assert set(items['properties']['mode']['enum']) == {str(mode) for mode in Mode} - {'search_symbols'}
    assert {items['properties'][name]['type'] for name in ('above', 'below')} == {'number'}


def test_exchanges_are_suggested_but_any_is_taken() -> None:
    for prop in (PROPERTIES['exchange'], PROPERTIES['exchanges']['items']):
        assert 'enum' not in prop
        assert prop['enumSuggestedValues'] == list(KNOWN_EXCHANGES)
    assert PROPERTIES['exchange']['editor'] == PROPERTIES['exchanges']['editor'] == 'select'


def test_choice_enums_match_the_endpoint_table() -> None:
    ranges = {value for endpoint in ENDPOINTS.values() for value in endpoint.ranges or ()}
    ranges |= {alias for alias, target in RANGE_ALIASES.items() if target in ranges}
    assert set(PROPERTIES['range']['enum']) == ranges
    assert PROPERTIES['interval']['enum'] == list(INTERVALS)
    assert PROPERTIES['model']['enum'] == list(MODELS)
    assert PROPERTIES['output']['enum'] == list(Output)
    for name, prop in PROPERTIES.items():
        if 'enumTitles' in prop:
            assert len(prop['enumTitles']) == len(prop['enum']), f'{name}: one title per enum value'


def test_mode_titles_name_the_right_plan() -> None:
    mode = PROPERTIES['mode']
    for value, title in zip(mode['enum'], mode.get('enumTitles', []), strict=True):
        named = {plan for plan in Plan if plan.title in title}
        assert named <= {ENDPOINTS[Mode(value)].plan}, (
            f'{value}: title {title!r}, plan {ENDPOINTS[Mode(value)].plan.title}'
        )


@pytest.mark.parametrize('event', list(PAY_PER_EVENT))
def test_pay_per_event_entry_is_complete(event: str) -> None:
    entry = PAY_PER_EVENT[event]
    assert isinstance(entry.get('eventTitle'), str), entry
    assert entry['eventTitle'].strip(), entry
    assert isinstance(entry.get('eventDescription'), str), entry
    assert entry['eventDescription'].strip(), entry
    price = entry.get('eventPriceUsd')
    assert isinstance(price, int | float), entry
    assert not isinstance(price, bool), entry
    assert price > 0, entry


def test_one_name_per_mode() -> None:
    modes = {str(mode) for mode in Mode}
    assert len(PROPERTIES['mode']['enum']) == len(modes)
    assert set(PROPERTIES['mode']['enum']) == modes
    assert set(PAY_PER_EVENT) == {mode.event_name for mode in Mode}
    assert all(mode.event_name == str(mode).upper() for mode in Mode)
    assert {event.lower() for event in PAY_PER_EVENT} == modes


def mode_table_rows(text: str) -> list[list[str]]:
    """The body rows (as cells) of every Markdown table whose first header cell is `mode`."""
    rows: list[list[str]] = []
    table: list[list[str]] = []
    for line in [*text.splitlines(), '']:
        if line.lstrip().startswith('|'):
            table.append([cell.strip() for cell in line.strip().strip('|').split('|')])
            continue
        if table and table[0][0].strip('`*').lower() == 'mode':
            rows += [cells for cells in table[1:] if not set(''.join(cells)) <= set('-: ')]
        table = []
    return rows


def test_readme_names_every_mode_in_a_mode_table() -> None:
    if not README.exists():
        pytest.skip('README.md does not exist yet')
    rows = mode_table_rows(README.read_text())
    named = {token for cells in rows for token in re.findall(r'`([^`]+)`', cells[0])}
    missing = sorted(str(mode) for mode in Mode if str(mode) not in named)
    assert not missing, f'README.md has no `mode` table row for: {missing}'
    unknown = sorted(token for token in named if token not in set(Mode))
    assert not unknown, f'README.md `mode` table rows name modes that do not exist: {unknown}'
    events = {token for cells in rows for token in re.findall(r'`([A-Z]+(?:_[A-Z]+)+)`', ' '.join(cells))}
    assert events <= set(PAY_PER_EVENT), (
        f'README.md mode tables name unknown events: {sorted(events - set(PAY_PER_EVENT))}'
    )


def test_a_value_a_pattern_refuses_gets_a_sentence_not_the_pattern() -> None:
    patterned = {name: prop for name, prop in PROPERTIES.items() if 'pattern' in prop}
    assert patterned, 'no field has a pattern: drop this test'
    for name, prop in patterned.items():
        message = prop['errorMessage']['pattern']
        assert message.startswith(f"Input field '{name}' must be ")
        assert prop['pattern'] not in message
        assert not set('^$[]{}\\') & set(message), message


def test_every_actor_file_names_its_apify_schema() -> None:
    """Editors check and complete a file that names its schema; pay_per_event.json has none published."""
    actor = json.loads((ROOT / '.actor' / 'actor.json').read_text())
    files = {
        'actor.json': 'actor',
        actor['input']: 'input',
        actor['output']: 'output',
        actor['storages']['dataset']: 'dataset',
        actor['storages']['keyValueStore']: 'key-value-store',
    }
    for name, kind in files.items():
        document = json.loads((ROOT / '.actor' / name).read_text())
        assert document['$schema'] == f'https://apify.com/schemas/v1/{kind}.ide.json', name
    assert 'meta' not in actor, 'meta.templateId says the Actor was made from an Apify template; it was not'
