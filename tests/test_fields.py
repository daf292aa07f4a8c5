"""The field table's promises: one declaration per field, and everything about a field derived from it.

- `.actor/input_schema.json` is what the table generates (scripts/generate_schemas.py writes it).
- Every field a mode reads is used by it, and every parameter it sends is filled: the tables agree.
- A new field read by two modes is its declaration and two row entries, nothing else: proven on a copy of `src/`.
- Each mode's tool schema lists exactly the fields that mode reads, with its own allowed values.
"""

from __future__ import annotations

import json
import re
import runpy
import shutil
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import jsonschema
import pytest
from conftest import ROOT
from mode_examples import EXAMPLES

from src.fields import FIELD, FIELDS, Scope, fields_of, table_problems
from src.modes import ENDPOINTS, Mode
from src.schema import mode_schema

if TYPE_CHECKING:
    from pathlib import Path

GENERATE = ROOT / 'scripts' / 'generate_schemas.py'


def test_the_input_schema_is_generated_from_the_field_table() -> None:
    generated = runpy.run_path(str(GENERATE))['generated']()
    for path, text in generated.items():
        assert path.read_text() == text, f'{path.name} is stale: run scripts/generate_schemas.py'


def form_sections() -> dict[str, list[str]]:
    """Each section's caption and the fields under it, in the form's order."""
    sections: dict[str, list[str]] = {}
    caption = ''
    for declared in FIELDS:
        if declared.section is not None:
            caption = declared.section.caption
        sections.setdefault(caption, []).append(declared.name)
    return sections


def test_every_section_says_which_modes_read_it() -> None:
    """The Console shows a section's description under its caption: it names each mode that reads a field there."""
    described = {declared.section.caption: declared.section.description for declared in FIELDS if declared.section}
    assert FIELDS[0].section is not None, 'the first field opens a section'
    for caption, names in form_sections().items():
        description = described[caption]
        assert description, f'section {caption!r} has no description'
        readers = {
            mode for name in names if FIELD[name].scope in {Scope.ROW, Scope.FOLLOWING} for mode in Mode
            if FIELD[name].read_by(mode)
        }  # fmt: skip
        unnamed = [mode for mode in readers if not re.search(rf'(?<![\w-]){mode}(?![\w-])', description)]
        assert not unnamed, f'section {caption!r} does not name {unnamed}'


def test_the_first_run_is_filled_in_the_first_section() -> None:
    """The prefilled mode's fields sit right under it, and the output's shape comes before the batch."""
    prefilled = Mode(FIELD['mode'].prefill)
    names = [declared.name for declared in FIELDS]
    first = form_sections()[FIELDS[0].section.caption]  # type: ignore[union-attr]
    assert names[0] == 'mode'
    assert FIELD[names[1]].read_by(prefilled), f'{names[1]} follows mode, but {prefilled} does not read it'
    assert set(ENDPOINTS[prefilled].fields) <= set(first)
    assert names.index('output') < names.index('queries')


def test_the_field_and_endpoint_tables_agree() -> None:
    assert table_problems() == []


@pytest.mark.parametrize('mode', list(Mode))
def test_each_mode_tool_schema_lists_exactly_the_fields_it_reads(mode: Mode) -> None:
    schema = mode_schema(mode)
    jsonschema.Draft202012Validator.check_schema(schema)
    read = {declared.name for declared in fields_of(mode) if declared.in_tools}
    assert set(schema['properties']) == read | {'output'}
    assert set(schema['required']) == {name for name in ENDPOINTS[mode].required if FIELD[name].default is None}
    assert {'api_key', 'queries', 'charts', 'alerts', 'notify_url', 'since_last_run'}.isdisjoint(schema['properties'])
    example = {name: value for name, value in EXAMPLES[mode].items() if name != 'mode' and FIELD[name].in_tools}
    jsonschema.validate(example, schema)
    if 'range' in schema['properties']:
        offered = set(schema['properties']['range']['enum'])
        assert set(ENDPOINTS[mode].ranges or ()) <= offered <= set(FIELD['range'].choices.values)  # type: ignore[union-attr]


NEW_FIELD = """
SIDE = Param[str]('side')

FIELDS = (
    *FIELDS,
    InputField(
        name='side',
        title='Side',
        description='Only long or only short liquidations.',
        json_type='string',
        shape=str | None,
        allowed='one of long, short',
        read=_choice(SIDE, ('long', 'short')),
        fills=(SIDE,),
        choices=Choices(('long', 'short')),
        editor='select',
        example='long',
        echo_description='Long or short liquidations only.',
    ),
)
FIELD = MappingProxyType({declared.name: declared for declared in FIELDS})
"""
NEW_FIELD_RUN = """
import asyncio, json, httpx
from conftest import MemorySink
from fake_coinglass import NOW_MS, default_response
from src import app
from src.modes import Mode
from src.schema import input_schema, mode_schema
from src.settings import Settings

sent = []

def serve(request):
    sent.append(dict(request.url.params))
    status, body = default_response(request.url.path, dict(request.url.params))
    return httpx.Response(status, json=body)

def run(query):
    sink = MemorySink()
    report = asyncio.run(app.run(query, settings=Settings(api_key='k', base_url='https://cg.test'), sink=sink,
                                 done=set(), now_ms=NOW_MS, transport=httpx.MockTransport(serve)))
    return {'exit_code': report.exit_code, 'item': sink.items[0]}

print(json.dumps({
    'history': run({'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h', 'limit': 5,
                    'side': 'LONG'}),
    'sent': sent[-1],
    'refused': run({'mode': 'coin_liquidation_history', 'coin': 'BTC', 'side': 'both'}),
    'map': run({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'side': 'long'}),
    'schema': input_schema()['properties'].get('side'),
    'tools': sorted(str(mode) for mode in Mode if 'side' in mode_schema(mode)['properties']),
}))
"""


def copy_project(tmp_path: Path) -> Path:
    """The project's code, schemas, scripts and test helpers (not its tests) in a folder of their own."""
    copy = tmp_path / 'project'
    for folder in ('src', '.actor', 'scripts'):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns('__pycache__'))
    (copy / 'tests').mkdir()
    for helper in ('conftest.py', 'fake_coinglass.py', 'platform_checks.py'):
        shutil.copy(ROOT / 'tests' / helper, copy / 'tests' / helper)
    return copy


def run_in(copy: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        cwd=copy,
        env={'PYTHONPATH': f'{copy}:{copy / "tests"}'},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_new_field_read_by_two_modes_is_its_declaration_and_two_row_entries(tmp_path: Path) -> None:
    """A copy of src/ whose field table gains `side` and whose two history rows list and send it: once the schemas
    are regenerated, the field is validated, sent, echoed, in the input and dataset schemas and in exactly those
    modes' tool schemas."""
    copy = copy_project(tmp_path)
    fields = copy / 'src' / 'fields.py'
    fields.write_text(fields.read_text() + NEW_FIELD)
    modes = copy / 'src' / 'modes.py'
    text = modes.read_text()
    for row in (
        "optional=('limit', 'start_time', 'end_time'),",
        "optional=('exchanges', 'limit', 'start_time', 'end_time'),",
    ):
        assert text.count(row) == 1
        text = text.replace(row, row.replace("'end_time')", "'end_time', 'side')"))
    text = text.replace('_HISTORY_WINDOW = {', "_HISTORY_WINDOW = {'side': 'side', ")
    modes.write_text(text)
    generated = run_in(copy, 'scripts/generate_schemas.py')
    assert generated.returncode == 0, generated.stderr
    assert sorted(generated.stdout.split()) == [
        '.actor/dataset_schema.json',
        '.actor/input_schema.json',
        'wrote',
        'wrote',
    ]
    completed = run_in(copy, '-c', textwrap.dedent(NEW_FIELD_RUN))
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    history = result['history']
    assert history['exit_code'] == 0
    assert history['item']['side'] == 'LONG'  # echoed as given
    assert result['sent']['side'] == 'long'  # read loosely and sent
    refused = result['refused']
    assert refused['exit_code'] == 2
    assert refused['item']['message'] == (
        'Input field \'side\' is "both", which coin_liquidation_history does not take: use one of long, short.'
    )
    assert 'side' not in result['map']['item']  # a mode that does not read it ignores it
    assert result['schema']['enum'] == ['long', 'short']
    assert result['tools'] == ['coin_liquidation_history', 'pair_liquidation_history']


def test_a_field_on_a_mode_that_cannot_use_it_fails_the_table_check(tmp_path: Path) -> None:
    """`model` added to liquidation_map's row: nothing would send or read it, and the check says so."""
    copy = copy_project(tmp_path)
    modes = copy / 'src' / 'modes.py'
    text = modes.read_text()
    row = "required=('symbol', 'range'),\n            optional=(),\n            params={**_PAIR, 'range': 'range'},\n            label='liquidation map',"
    assert text.count(row) == 1
    modes.write_text(text.replace(row, row.replace('optional=()', "optional=('model',)")))
    completed = run_in(copy, '-c', 'from src.fields import table_problems; print(table_problems())')
    assert completed.returncode == 0, completed.stderr
    assert 'liquidation_map reads model, but neither CoinGlass nor the mode uses it' in completed.stdout


@pytest.mark.parametrize('picked', ['2025-01-31', '3 days', '1 week', '2 weeks', '1 month', '6 months', '1 year'])
def test_what_the_consoles_date_picker_emits_is_a_time_the_actor_reads(picked: str) -> None:
    """`start_time` and `end_time` use the date picker (`absoluteOrRelative`): `YYYY-MM-DD` or `<n> <unit>s`."""
    from fake_coinglass import NOW_MS  # noqa: PLC0415

    from src.inputs import parse_run_input  # noqa: PLC0415
    from src.query import START_TIME  # noqa: PLC0415

    assert FIELD['start_time'].editor == 'datepicker'
    assert FIELD['start_time'].date_type == 'absoluteOrRelative'
    raw = {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1d', 'start_time': picked}
    (query,) = parse_run_input(raw, now_ms=NOW_MS).queries
    start = query.get(START_TIME)
    assert start is not None
    assert start < NOW_MS
