"""The dataset schema (.actor/dataset_schema.json) admits every item the Actor pushes, and describes every field.

Apify validates each pushed item against the schema's `fields` and refuses the push of one that fails, so a field
typed too narrowly would lose results on the platform. Every item of the in-process runs here (the README's
examples, every mode in each output shape, charts drawn and failed, a batch, a failure of every `error_type`,
inputs of the wrong types) must pass, and carry only fields the schema describes. conftest's `MemorySink` checks
the same for every in-process run of the whole suite.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from fake_coinglass import Reply, server_error_reply
from mode_examples import EXAMPLES
from platform_checks import FIELDS, check_item
from test_readme import INPUTS, OUTPUTS

from src.errors import ErrorType
from src.modes import ENDPOINTS, Kind, Mode
from src.schema import echoed_fields

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import InProcessRun
    from fake_coinglass import FakeCoinGlass

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / '.actor' / 'dataset_schema.json').read_text())
PROPERTIES: dict[str, dict[str, Any]] = FIELDS['properties']
ONE_ATTEMPT = {'COINGLASS_RETRY_MAX_ATTEMPTS': '1', 'COINGLASS_RATE_WINDOW_S': '0.2'}
# Every key a record of `data` has in some kind's flat rows (the views that unwind `data` show them).
RECORD_KEYS = {
    key
    for view in SCHEMA['views'].values()
    if view['transformation'].get('unwind')
    for key in view['transformation']['fields']
}
MAX_PAIN = '/api/futures/liquidation/max-pain'
MAX_PAIN_INPUT = {'mode': 'liquidation_max_pain', 'range': '24h'}
ENVELOPE = (
    'success', 'message', 'mode', 'query_index', 'derived_from', 'summary', 'chart_url', 'error_type', 'data', 'alerts',
)  # fmt: skip
ECHOED = tuple(declared.name for declared in echoed_fields())


def checked(run: InProcessRun) -> list[dict[str, Any]]:
    assert run.items, run.log
    for item in run.items:
        check_item(item)
    return run.items


def test_the_fields_are_a_valid_json_schema_describing_every_field() -> None:
    jsonschema.Draft7Validator.check_schema(FIELDS)
    assert set(PROPERTIES) == {*ENVELOPE, *ECHOED}
    for name, prop in PROPERTIES.items():
        assert prop.get('title', '').strip(), f'{name} has no title'
        assert prop.get('description', '').strip(), f'{name} has no description'
        assert prop.get('examples'), f'{name} has no example'
        for example in prop['examples']:
            jsonschema.validate(example, prop)
    assert PROPERTIES['error_type']['enum'] == [str(error_type) for error_type in ErrorType]
    assert set(FIELDS['required']) == {'success', 'message', 'mode', 'data'}


def test_every_view_shows_fields_the_items_have() -> None:
    """The overview shows item fields; the views that unwind `data` show its records' keys (checked per kind below)."""
    for name, view in SCHEMA['views'].items():
        for field in view['transformation']['fields']:
            unwound = field in RECORD_KEYS and view['transformation'].get('unwind') == ['data']
            assert field.split('.')[0] in PROPERTIES or unwound, f'view {name} shows {field}, which no item has'
        for field in view['display']['properties']:
            assert field in view['transformation']['fields'], f'view {name} labels {field} but does not show it'
    assert set(SCHEMA['views']) == {'overview', *(str(kind) for kind in Kind)}


def unwound(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The item as a view's `unwind: ["data"]` shows it: one row per record of a list `data`, under the item's fields."""
    rest = {key: value for key, value in item.items() if key != 'data'}
    return [{**rest, **record} for record in item['data']]


@pytest.mark.parametrize('kind', list(Kind), ids=str)
def test_each_kind_has_a_view_of_the_columns_its_records_have(actor: Callable[..., InProcessRun], kind: Kind) -> None:
    """One view per kind of data (the views cannot vary per item): every key of its records is a column, and every
    column is filled by some query of the kind (a batch of each of its modes, output rows)."""
    view = SCHEMA['views'][str(kind)]
    columns = view['transformation']['fields']
    assert view['transformation']['unwind'] == ['data']
    modes = [mode for mode, endpoint in ENDPOINTS.items() if endpoint.kind is kind]
    entries = [
        {key: value for key, value in EXAMPLES[mode].items() if key not in {'output', 'charts'}} for mode in modes
    ]
    batch = entries if len(entries) > 1 else entries * 2  # a batch, so that the items have query_index
    items = actor({'output': 'rows', 'queries': batch}).items
    assert all(item['success'] and item['data'] for item in items), [item['message'] for item in items]
    records = [key for item in items for record in item['data'] for key in record]
    assert set(records) <= set(columns), f'view {kind} lacks the columns {set(records) - set(columns)}'
    filled = {key for item in items for row in unwound(item) for key, value in row.items() if value is not None}
    assert set(columns) <= filled, f'view {kind} shows columns no record of {modes} has: {set(columns) - filled}'
    assert all(mode in view['description'] for mode in modes), view['description']


@pytest.mark.parametrize('name', sorted(INPUTS))
def test_readme_examples(actor: Callable[..., InProcessRun], name: str) -> None:
    items = checked(actor(INPUTS[name]))
    if name in OUTPUTS:
        assert 'summary' in items[0] or name == 'search_symbols'


@pytest.mark.parametrize('output', ['full', 'rows', 'summary'])
def test_every_mode_in_each_output_shape(actor: Callable[..., InProcessRun], output: str) -> None:
    queries = [{key: value for key, value in example.items() if key != 'output'} for example in EXAMPLES.values()]
    items = checked(actor({'output': output, 'queries': queries}))
    assert sorted(item['query_index'] for item in items) == list(range(len(EXAMPLES)))
    assert all(item['success'] for item in items), [item['message'] for item in items if not item['success']]
    if output == 'summary':  # data left out wherever there is a summary; a search has none and answers its pairs
        assert all((item['data'] is None) is ('summary' in item) for item in items), items


def test_charts_drawn_and_failed(actor: Callable[..., InProcessRun], monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = checked(actor(EXAMPLES[Mode.LIQUIDATION_MAP] | {'charts': True}))
    assert isinstance(drawn[0]['chart_url'], str)

    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise ZeroDivisionError('a bug of ours')

    monkeypatch.setattr('src.charts.render', boom)
    failed = checked(actor(EXAMPLES[Mode.LIQUIDATION_MAP] | {'charts': True}))
    assert failed[0]['success'] is True
    assert failed[0]['chart_url'] is None


def plan_hobbyist(fake: FakeCoinGlass) -> None:
    fake.plan = 'HOBBYIST'


def refuse_keys(fake: FakeCoinGlass) -> None:
    fake.valid_keys = frozenset({'some-other-key'})


def reply(*replies: Reply) -> Callable[[FakeCoinGlass], None]:
    def setup(fake: FakeCoinGlass) -> None:
        fake.script(MAX_PAIN, *replies)

    return setup


# (error_type, input, run options, fake setup)
FAILURES: list[tuple[str, Any, dict[str, Any], Callable[[FakeCoinGlass], None] | None]] = [
    ('input', {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '45d'}, {}, None),
    ('input', {'mode': 'liquidation_map', 'symbol': ['x'], 'limit': 'abc', 'exchanges': 5, 'charts': 'y'}, {}, None),
    ('input', {'mode': 7, 'range': {'from': 1}, 'start_time': [1, 2]}, {}, None),
    ('input', ['not', 'an', 'object'], {}, None),
    ('input', {'queries': [{'mode': 'liquidation_max_pain'}, {'mode': 'nope'}]}, {}, None),
    ('auth', MAX_PAIN_INPUT, {'api_key': None}, None),
    ('auth', MAX_PAIN_INPUT, {}, refuse_keys),
    ('plan', EXAMPLES[Mode.LIQUIDATION_MAP], {}, plan_hobbyist),
    ('invalid_parameter', {'mode': 'coin_liquidation_map', 'coin': 'NOPE', 'range': '1d'}, {}, None),
    ('not_found', MAX_PAIN_INPUT, {}, reply(Reply(404, {'code': '404', 'msg': 'Not Found'}))),
    ('rate_limited', MAX_PAIN_INPUT, {'env': ONE_ATTEMPT}, reply(Reply(429, {'code': '429', 'msg': 'Too Many'}))),
    ('server', MAX_PAIN_INPUT, {'env': ONE_ATTEMPT}, reply(server_error_reply(MAX_PAIN))),
    ('network', MAX_PAIN_INPUT, {'env': ONE_ATTEMPT}, reply(Reply(action='reset'))),
    ('bad_response', MAX_PAIN_INPUT, {'env': ONE_ATTEMPT}, reply(Reply(200, b'{"code":"0","data":[{"sym'))),
]


def test_the_failures_cover_every_error_type() -> None:
    assert {error_type for error_type, *_ in FAILURES} | {'internal'} == {str(kind) for kind in ErrorType}


@pytest.mark.parametrize(
    'failure', FAILURES, ids=[f'{error_type}-{index}' for index, (error_type, *_) in enumerate(FAILURES)]
)
def test_failures(actor: Callable[..., InProcessRun], fake: FakeCoinGlass, failure: tuple[Any, ...]) -> None:
    error_type, actor_input, options, setup = failure
    if setup is not None:
        setup(fake)
    items = checked(actor(actor_input, **options))
    assert {item['error_type'] for item in items if not item['success']} == {error_type}, items


def test_an_internal_failure_in_a_batch(actor: Callable[..., InProcessRun], monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise ZeroDivisionError('a bug of ours')

    monkeypatch.setattr('src.kinds.exchange_list.share_entries', boom)
    queries = [EXAMPLES[Mode.LIQUIDATION_EXCHANGE_LIST], EXAMPLES[Mode.LIQUIDATION_MAX_PAIN]]
    items = checked(actor({'queries': queries}))
    assert sorted((item['query_index'], item.get('error_type')) for item in items) == [(0, 'internal'), (1, None)]
