"""The Actor as an AI agent's tool: .actor/input_schema.json after the Apify MCP server's conversion.

tests/mcp_convert.mjs runs the real conversion of the pinned @apify/actors-mcp-server (getNormalActorsAsTools:
prefix **REQUIRED**, keep only title/description/type/enum/default/prefill/properties/items/required, cut
descriptions over 500 characters, drop enums over 2000 characters, append "Example values", add `waitSecs`,
compile with AJV). Everything else (`enumTitles`, `minimum`/`maximum`, `pattern`, `isSecret`, `editor`, ...) is
gone, so whatever an agent needs must be in the text that survives. Apify's validators also take a field
with a `default` out of `required` (apify-core's getAjvValidator; the server's compileSchema).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from apify_tools import ROOT, pinned_version, require_package
from fake_coinglass import NOW_MS
from mode_examples import ALL_EXAMPLES, EXAMPLES

from src.inputs import parse_run_input
from src.modes import ENDPOINTS, Mode, Plan

ACTOR = json.loads((ROOT / '.actor' / 'actor.json').read_text())
SOURCE = json.loads((ROOT / '.actor' / 'input_schema.json').read_text())
CONVERTER = Path(__file__).with_name('mcp_convert.mjs')
MAX_DESCRIPTION = 500  # ACTOR_MAX_DESCRIPTION_LENGTH in the server's dist/const.js
REQUIRED_MARK = '**REQUIRED** '  # prefixed to required fields' descriptions before they are cut
TRUNCATED = '[Description truncated]'
# The keywords the conversion keeps for each property (filterSchemaProperties) and the ones it adds.
KEPT = {'title', 'description', 'type', 'enum', 'default', 'prefill', 'properties', 'items', 'required'}
# Dropped keywords that only shape the Console form: an agent needs none of them.
FORM_ONLY = {'editor', 'sectionCaption', 'sectionDescription', 'placeholderKey', 'placeholderValue', 'isSecret'}
BOUNDS = ('minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength')
# Fields every mode reads; their descriptions need not list the modes.
GENERIC_FIELDS = {'mode', 'output', 'charts', 'queries', 'api_key'}


@pytest.fixture(scope='module')
def converted() -> dict[str, Any]:
    """{server, name, description, inputSchema, validation} from the real MCP server code (validation: ALL_EXAMPLES)."""
    require_package('@apify/actors-mcp-server', 'MCP_SERVER_VERSION')
    completed = subprocess.run(
        ['node', str(CONVERTER), str(ROOT / '.actor')],
        input=json.dumps(ALL_EXAMPLES),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, f'{CONVERTER.name} failed:\n{completed.stdout}\n{completed.stderr}'
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope='module')
def tool_schema(converted: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = converted['inputSchema']
    return schema


def mentions(text: str, word: str) -> bool:
    """`word` as a whole token: `liquidation_map` is not found inside `coin_liquidation_map`."""
    return re.search(rf'(?<![\w-]){re.escape(word)}(?![\w-])', text) is not None


def clauses(text: str) -> list[str]:
    """Sentences and semicolon-separated clauses."""
    return [part for part in re.split(r'(?<=[.;!?])\s+', text) if part]


def number_forms(value: float) -> list[str]:
    number = int(value) if float(value).is_integer() else value
    return [str(number), f'{number:,}'] if isinstance(number, int) else [str(number)]


def all_descriptions(schema: dict[str, Any]) -> list[str]:
    return [schema.get('description', ''), *(prop.get('description', '') for prop in schema['properties'].values())]


def test_converter_is_the_pinned_server(converted: dict[str, Any]) -> None:
    assert converted['server'] == pinned_version('MCP_SERVER_VERSION')
    assert converted['name'].endswith(ACTOR['name'])


def test_every_property_survives_under_its_own_name(tool_schema: dict[str, Any]) -> None:
    assert set(SOURCE['properties']) <= set(tool_schema['properties'])
    assert set(tool_schema['properties']) - set(SOURCE['properties']) == {'waitSecs'}  # the server's own field
    assert SOURCE['properties']['api_key'].get('isSecret'), 'api_key should stay a secret field in the Console'
    assert tool_schema['properties']['api_key']['type'] == 'string'  # secret fields stay usable by agents


def test_mode_enum_is_intact(tool_schema: dict[str, Any]) -> None:
    mode = tool_schema['properties']['mode']
    assert mode['enum'] == SOURCE['properties']['mode']['enum']
    assert len(mode['enum']) == len(set(mode['enum']))
    assert set(mode['enum']) == {str(member) for member in Mode}


def test_required_fields_stay_required(tool_schema: dict[str, Any]) -> None:
    """A required field with a default is silently optional in Apify's validators: an agent that omits it
    gets the default, whatever its **REQUIRED** marker says."""
    assert tool_schema.get('required') == SOURCE.get('required')
    for name in SOURCE.get('required', []):
        assert name in tool_schema['properties']
        assert tool_schema['properties'][name]['description'].startswith(REQUIRED_MARK)
        assert 'default' not in SOURCE['properties'][name], (
            f"'{name}' is required and has default {SOURCE['properties'][name]['default']!r}: Apify (and the MCP "
            f"server's compileSchema) drop a field with a default from `required`, so it is not required anywhere. "
            f'Remove the default (keep prefill for the Console form) or take the field out of `required`.'
        )


@pytest.mark.parametrize('name', list(SOURCE['properties']))
def test_description_fits_and_survives_whole(tool_schema: dict[str, Any], name: str) -> None:
    source = SOURCE['properties'][name].get('description', '')
    assert source.strip(), f'{name} has no description'
    limit = MAX_DESCRIPTION - (len(REQUIRED_MARK) if name in SOURCE.get('required', []) else 0)
    assert len(source) <= limit, (
        f'{name}: {len(source)} characters; the MCP server cuts descriptions at {MAX_DESCRIPTION}, '
        f'counting the {REQUIRED_MARK.strip()} mark of a required field, so at most {limit} fit'
    )
    description = tool_schema['properties'][name]['description']
    assert TRUNCATED not in description
    assert source in description


@pytest.mark.parametrize('name', [name for name, prop in SOURCE['properties'].items() if 'enum' in prop])
def test_enum_values_are_stated(tool_schema: dict[str, Any], name: str) -> None:
    values = SOURCE['properties'][name]['enum']
    prop = tool_schema['properties'][name]
    if prop.get('enum') != values:
        missing = [value for value in values if not mentions(prop['description'], str(value))]
        assert not missing, f'{name}: the enum was dropped and the description does not list {missing}'


@pytest.mark.parametrize('name', [name for name, prop in SOURCE['properties'].items() if set(BOUNDS) & set(prop)])
def test_bounds_are_stated(tool_schema: dict[str, Any], name: str) -> None:
    source = SOURCE['properties'][name]
    description = tool_schema['properties'][name]['description']
    for keyword in BOUNDS:
        if keyword in source:
            assert keyword not in tool_schema['properties'][name]  # dropped by the conversion
            forms = number_forms(source[keyword])
            assert any(mentions(description, form) for form in forms), (
                f'{name}: {keyword} {source[keyword]} lives only in the dropped `{keyword}` keyword; '
                f'state it in the description (e.g. "{forms[0]} or more")'
            )


def test_nothing_agents_need_lives_only_in_a_dropped_keyword(tool_schema: dict[str, Any]) -> None:
    handled = KEPT | FORM_ONLY | set(BOUNDS) | {'enumTitles', 'pattern'}
    for name, source in SOURCE['properties'].items():
        unknown = set(source) - handled
        assert not unknown, f'{name}: decide whether agents need {sorted(unknown)} and test it here'
        converted = tool_schema['properties'][name]
        assert not (set(converted) - KEPT - {'examples'}), f'{name}: the conversion kept {sorted(converted)}'
        if 'pattern' in source:
            shown = [
                source.get('prefill'),
                source.get('default'),
                *re.findall(r'[\w.:/@+-]+', converted['description']),
            ]
            assert any(isinstance(value, str) and re.fullmatch(source['pattern'], value) for value in shown), (
                f'{name}: no example in the description matches the dropped pattern {source["pattern"]}'
            )


def test_plans_in_enum_titles_survive(tool_schema: dict[str, Any]) -> None:
    """enumTitles are dropped: a CoinGlass plan named in a title must appear next to its value in a description."""
    text = clauses(' '.join(all_descriptions(tool_schema)))
    plans = [plan.title for plan in Plan]
    for name, source in SOURCE['properties'].items():
        for value, title in zip(source.get('enum', []), source.get('enumTitles', []), strict=False):
            for plan in (plan for plan in plans if plan in title):
                assert any(mentions(clause, value) and plan in clause for clause in text), (
                    f"{name}={value}: the plan '{plan}' is only in the dropped enumTitles ({title!r}); name it in "
                    f'a sentence with {value} (in the mode description or the schema description)'
                )


def test_modes_state_the_plan_they_need(tool_schema: dict[str, Any]) -> None:
    text = clauses(' '.join(all_descriptions(tool_schema)))
    missing = [
        f'{mode} ({endpoint.plan.title})'
        for mode, endpoint in ENDPOINTS.items()
        if not any(mentions(clause, mode) and endpoint.plan.title in clause for clause in text)
    ]
    assert not missing, f'no description sentence names these modes with their CoinGlass plan: {missing}'


@pytest.mark.parametrize('mode', list(Mode))
def test_fields_name_the_modes_that_use_them(tool_schema: dict[str, Any], mode: Mode) -> None:
    for name in set(ENDPOINTS[mode].fields) - GENERIC_FIELDS:
        assert name in tool_schema['properties'], f'{mode} reads {name}, which the input schema lacks'
        description = tool_schema['properties'][name]['description']
        assert mentions(description, mode), f"the description of '{name}' does not say that {mode} uses it"


@pytest.mark.parametrize('mode', [mode for mode, endpoint in ENDPOINTS.items() if endpoint.ranges])
def test_range_description_states_each_modes_ranges(tool_schema: dict[str, Any], mode: Mode) -> None:
    ranges = ENDPOINTS[mode].ranges or ()
    description = tool_schema['properties']['range']['description']
    assert any(
        mentions(clause, mode) and all(mentions(clause, value) for value in ranges) for clause in clauses(description)
    ), f'the range description has no sentence giving {mode} its ranges {", ".join(ranges)}'


def test_there_is_an_example_for_every_mode() -> None:
    assert set(EXAMPLES) == set(Mode)
    for mode, example in EXAMPLES.items():
        assert example['mode'] == mode


@pytest.mark.parametrize(
    'example', ALL_EXAMPLES, ids=lambda example: example['mode'] + ('+queries' * ('queries' in example))
)
def test_example_is_valid_for_the_tool_and_the_actor(tool_schema: dict[str, Any], example: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(tool_schema)
    errors = [error.message for error in jsonschema.Draft7Validator(tool_schema).iter_errors(example)]
    assert not errors, errors
    queries = parse_run_input(example, now_ms=NOW_MS).queries
    assert {query.mode for query in queries} == {Mode(example['mode'])}


def test_examples_pass_the_servers_own_validator_unchanged(converted: dict[str, Any]) -> None:
    for example, result in zip(ALL_EXAMPLES, converted['validation'], strict=True):
        assert result['valid'], (example, result['errors'])
        assert result['coerced'] == example, 'the server had to coerce or strip fields of this example'


def test_actor_description_is_one_sentence_with_modes_and_pricing() -> None:
    description: str = ACTOR['description']
    assert description.endswith('.')
    assert not re.search(r'[.!?]\s', description), f'more than one sentence: {description}'
    words = re.findall(r'[a-z]+', description.lower().replace('_', ' '))
    for mode in Mode:
        family = [word for word in mode.split('_') if word not in {'liquidation', 'pair', 'coin'}] or ['list']
        stems = [word[:-1] if len(word) > 4 else word for word in family]
        assert all(any(word.startswith(stem) for word in words) for stem in stems), (
            f'the description does not mention the {" ".join(family)} family ({mode})'
        )
    assert re.search(r'\bcharge[sd]?\b.*\bper\b.*\bresult\b', description.lower()), 'say that it charges per result'
