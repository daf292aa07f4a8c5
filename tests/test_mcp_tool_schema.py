"""The Actor as an AI agent's tool: .actor/input_schema.json after the Apify MCP server's conversion.

tests/mcp_convert.mjs runs the real conversion of the pinned @apify/actors-mcp-server (getNormalActorsAsTools:
prefix **REQUIRED**, keep only title/description/type/enum/default/prefill/properties/items/required, cut
descriptions over 500 characters, drop enums over 2000 characters, append "Example values", add `waitSecs`,
compile with AJV) and its validator on arguments, under the pinned Node.js 22 from npm where npm has it (the
server declares node >= 22) and the system node elsewhere. Everything else (`enumTitles`, `minimum`/`maximum`,
`pattern`, `isSecret`, `nullable`, `unit`, `editor`, ...) is gone, so whatever an agent needs must be in the text
that survives. Apify's validators also take a field with a `default` out of `required` (apify-core's
getAjvValidator; the server's compileSchema).

The validator coerces (AJV `coerceTypes: 'array'`): the `null` an agent sends for a field it does not use arrives
as "", 0, false or [""]. The platform then validates that against the input schema and fills in its defaults (as
the pinned apify-cli does for `apify run`), and the Actor reads the result. docs/examples.md's table of what each field's
`null` becomes is checked here along that whole path, field by field and mode by mode.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
from typing import Any

import jsonschema
import pytest
from apify_tools import NODE22_PLATFORMS, ROOT, convert_actor, mcp_node, pinned_version
from fake_coinglass import NOW_MS
from mode_examples import ALL_EXAMPLES, EXAMPLES

from src.inputs import InputError, parse_run_input
from src.modes import ENDPOINTS, Mode, Plan

ACTOR = json.loads((ROOT / '.actor' / 'actor.json').read_text())
SOURCE = json.loads((ROOT / '.actor' / 'input_schema.json').read_text())
MAX_DESCRIPTION = 500  # ACTOR_MAX_DESCRIPTION_LENGTH in the server's dist/const.js
REQUIRED_MARK = '**REQUIRED** '  # prefixed to required fields' descriptions before they are cut
TRUNCATED = '[Description truncated]'
# The keywords the conversion keeps for each property (filterSchemaProperties) and the ones it adds.
KEPT = {'title', 'description', 'type', 'enum', 'default', 'prefill', 'properties', 'items', 'required'}
# Dropped keywords that only shape the Console form: an agent needs none of them. (`isSecret`: what it means for an
# agent is in the api_key description, test_api_key_description_warns_agents.)
# `enumSuggestedValues`: the Console's suggestions, which take any other value too (the exchange descriptions name the
# main ones); `errorMessage`: the platform's sentence for a value its pattern refuses (the Actor says the same).
FORM_ONLY = {
    'editor', 'sectionCaption', 'sectionDescription', 'placeholderKey', 'placeholderValue', 'isSecret',
    'enumSuggestedValues', 'errorMessage', 'dateType',
}  # fmt: skip
BOUNDS = ('minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength')
# Dropped, and covered here another way: `nullable` (what the server does with a null instead: the null tests
# below), `unit` (stated in the description: test_nothing_agents_need_lives_only_in_a_dropped_keyword).
COVERED = {'nullable', 'unit'}
# Fields every mode reads; their descriptions need not list the modes.
GENERIC_FIELDS = {'mode', 'output', 'charts', 'queries', 'api_key'}
WAIT_SECS = 'waitSecs'  # the server's own field, added to every Actor tool
# Examples that would steer an agent to a slow or costly call: charts (rendering, memory), flat rows (the largest
# items), long heatmap ranges and minute bars (the largest answers).
SLOW_OR_COSTLY: dict[str, tuple[Any, ...]] = {
    'charts': (True,),
    'output': ('rows',),
    'range': ('90d', '180d', '1y', '365d'),
    'interval': ('1m', '3m', '5m'),
}
README = (ROOT / 'docs' / 'examples.md').read_text()  # where the README's table of an agent's null is
STORE_README = (ROOT / 'README.md').read_text()
# What the platform fills in for a field the input leaves out.
DEFAULTS = {name: prop['default'] for name, prop in SOURCE['properties'].items() if 'default' in prop}


def null_cases() -> list[tuple[str, Mode, dict[str, Any]]]:
    """(field, mode, arguments): a mode's example with one field it reads sent as `null`, for every such pair."""
    return [
        (name, mode, {**example, name: None})
        for mode, example in EXAMPLES.items()
        for name in sorted({*ENDPOINTS[mode].fields, *GENERIC_FIELDS, WAIT_SECS} - {'mode'})
    ]


NULL_CASES = null_cases()
NESTED_NULL = {'mode': 'liquidation_map', 'range': '1d', 'queries': [{'symbol': 'Binance_BTCUSDT', 'coin': None}]}
NESTED_NULL_CHOICE = {
    'mode': 'liquidation_map',
    'range': '1d',
    'queries': [{'symbol': 'Binance_BTCUSDT', 'range': None}],
}
# A batch entry and an alert rule are checked item by item, and stay open to keys they do not declare.
CHECKED_ITEMS = {
    'entry with a range no mode takes': {'mode': 'liquidation_map', 'queries': [{'symbol': 'X_Y', 'range': '2d'}]},
    'entry with text for a number': {
        'mode': 'pair_liquidation_history',
        'queries': [{'symbol': 'X_Y', 'limit': 'all'}],
    },
    'rule without a field': {'mode': 'liquidation_max_pain', 'alerts': [{'mode': 'liquidation_max_pain', 'above': 1}]},
    'rule with text for a number': {
        'mode': 'liquidation_max_pain',
        'alerts': [{'mode': 'liquidation_max_pain', 'field': 'coins', 'above': 'lots'}],
    },
}
OPEN_ITEMS = {
    'entry with a mistyped key': {'mode': 'liquidation_map', 'queries': [{'symbol': 'Binance_BTCUSDT', 'Range': '7d'}]},
    'rule with a mistyped key': {
        'mode': 'liquidation_max_pain',
        'alerts': [{'mode': 'liquidation_max_pain', 'field': 'coins', 'abov': 1}],
    },
}
CHOICES = sorted(
    name for name, prop in SOURCE['properties'].items() if 'enum' in prop and name not in SOURCE['required']
)
MAP = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT'}
# Further inputs, by name: a null inside a batch entry; every optional field but the choices null; each choice null.
EXTRA: dict[str, dict[str, Any]] = {
    'nested null': NESTED_NULL,
    'nested null choice': NESTED_NULL_CHOICE,
    **CHECKED_ITEMS,
    **OPEN_ITEMS,
    'all null': MAP | {name: None for name in SOURCE['properties'] if name not in {*MAP, *CHOICES}},
    **{f'{name} null': MAP | {name: None} for name in CHOICES},
}


def convert(inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """The tool as the real MCP server code builds it, and its verdicts on `inputs` (see mcp_convert.mjs)."""
    return convert_actor(ROOT / '.actor', inputs)


@pytest.fixture(scope='module')
def converted() -> dict[str, Any]:
    """The tool, with `validation` holding the verdicts on ALL_EXAMPLES, NULL_CASES and EXTRA, in that order."""
    return convert([*ALL_EXAMPLES, *(arguments for _, _, arguments in NULL_CASES), *EXTRA.values()])


@pytest.fixture(scope='module')
def null_verdicts(converted: dict[str, Any]) -> list[dict[str, Any]]:
    verdicts: list[dict[str, Any]] = converted['validation'][len(ALL_EXAMPLES) : len(ALL_EXAMPLES) + len(NULL_CASES)]
    return verdicts


def extra(converted: dict[str, Any], name: str) -> dict[str, Any]:
    verdict: dict[str, Any] = converted['validation'][len(ALL_EXAMPLES) + len(NULL_CASES) + list(EXTRA).index(name)]
    return verdict


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


def test_the_server_runs_on_the_node_it_declares(converted: dict[str, Any]) -> None:
    """The server declares node >= 22: its code runs on the pinned Node.js 22 where npm ships it as a binary."""
    engines = json.loads((ROOT / '.tools/node_modules/@apify/actors-mcp-server/package.json').read_text())['engines']
    assert engines['node'] == '>=22.0.0', f'the server now declares node {engines["node"]}: update NODE22_VERSION'

    def version(node: str) -> str:
        return subprocess.run([node, '--version'], capture_output=True, text=True, check=True).stdout.strip()

    assert converted['node'] == version(mcp_node())
    if (platform.system(), platform.machine()) in NODE22_PLATFORMS:
        assert version(mcp_node()) == f'v{pinned_version("NODE22_VERSION")}'
        assert int(pinned_version('NODE22_VERSION').split('.')[0]) >= 22
    else:  # no npm binary for this platform: the system node, whatever it is
        assert version(mcp_node()) == version('node')


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
    handled = KEPT | FORM_ONLY | COVERED | set(BOUNDS) | {'enumTitles', 'pattern'}
    for name, source in SOURCE['properties'].items():
        unknown = set(source) - handled
        assert not unknown, f'{name}: decide whether agents need {sorted(unknown)} and test it here'
        converted = tool_schema['properties'][name]
        assert not (set(converted) - KEPT - {'examples'}), f'{name}: the conversion kept {sorted(converted)}'
        if 'unit' in source:
            assert mentions(converted['description'], source['unit']), f'{name}: say it is in {source["unit"]}'
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


def test_examples_pass_the_servers_own_validator_unchanged_and_the_platforms(converted: dict[str, Any]) -> None:
    for example, result in zip(ALL_EXAMPLES, converted['validation'][: len(ALL_EXAMPLES)], strict=True):
        assert result['valid'], (example, result['errors'])
        assert result['coerced'] == example, 'the server had to coerce or strip fields of this example'
        assert result['platform']['valid'], (example, result['platform']['errors'])


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


def test_no_example_steers_to_a_slow_or_costly_call(tool_schema: dict[str, Any]) -> None:
    """The server shows a field's prefill (else its default) as "Example values" and in `examples`."""
    for name, prop in tool_schema['properties'].items():
        shown = [prop.get('prefill', prop.get('default')), *prop.get('examples', [])]
        costly = [value for value in shown if any(value == bad for bad in SLOW_OR_COSTLY.get(name, ()))]
        assert not costly, f'{name}: the tool suggests {costly}, which makes calls slow or costly'
        examples = re.findall(r'\nExample values: (.*)$', prop['description'])
        assert [json.loads(value) for value in examples] == ([] if not prop.get('examples') else [shown[0]])


def test_charts_example_is_false(tool_schema: dict[str, Any]) -> None:
    """`charts` shows its default, false, and nothing else (a falsy value gets no "Example values" line)."""
    charts = tool_schema['properties']['charts']
    assert charts['default'] is False
    assert charts.get('prefill', False) is False
    assert 'prefill' not in SOURCE['properties']['charts'], 'a Console prefill is what agents see as the example'
    assert charts.get('examples', [False]) == [False]
    assert 'Example values: true' not in charts['description']


def test_api_key_description_warns_agents(tool_schema: dict[str, Any]) -> None:
    description = tool_schema['properties']['api_key']['description']
    assert 'isSecret' not in tool_schema['properties']['api_key']  # the server drops it: the text must say it
    for fragment in ('MCP', 'context', 'log', 'Leave it out when the publisher configured a key'):
        assert fragment in description, f'the api_key description should say {fragment!r}'


def test_schema_description_tells_agents_to_leave_out_unused_fields(tool_schema: dict[str, Any]) -> None:
    description = tool_schema['description']
    assert 'Leave out every field you do not use' in description
    for name in ('limit', 'min_liquidation_amount'):
        assert mentions(description, name), f'say what a coerced 0 means for {name}'
        assert re.search(r'\b0\b', tool_schema['properties'][name]['description'])


# --- null arguments --------------------------------------------------------------------------------------------


def readme_null_table() -> dict[str, tuple[Any, str]]:
    """docs/examples.md's table of what an agent's `null` becomes: field -> (the value that arrives, its meaning)."""
    header = "| field | an agent's `null` arrives as | meaning |"
    assert header in README, f'docs/examples.md has no table starting {header!r}'
    rows: dict[str, tuple[Any, str]] = {}
    for line in README.split(header, 1)[1].splitlines()[2:]:
        if not line.startswith('|'):
            break
        names, arrives, meaning = (cell.strip() for cell in line.strip().strip('|').split('|'))
        for name in re.findall(r'`(\w+)`', names):
            assert name not in rows, f'docs/examples.md null table: {name} has two rows'
            rows[name] = (json.loads(arrives.strip('`')), meaning)
    return rows


NULL_TABLE = readme_null_table()


def parsed(arguments: dict[str, Any]) -> Any:
    """What the Actor makes of the arguments: its queries (with echo, output, charts) and key, or its refusal."""
    try:
        run_input = parse_run_input(arguments, now_ms=NOW_MS)
    except InputError as error:
        return ('refused', str(error))
    queries = [(query, dict(query.echo), query.output, query.charts) for query in run_input.queries]
    return ('runs', queries, run_input.api_key.get_secret_value() if run_input.api_key else None)


def quoted(meaning: str) -> str:
    match = re.search(r'"([^"]+)"', meaning)
    assert match, f'docs/examples.md null table: quote the message in {meaning!r}'
    return match.group(1)


def test_the_null_table_covers_every_optional_field(tool_schema: dict[str, Any]) -> None:
    assert set(NULL_TABLE) == set(tool_schema['properties']) - set(SOURCE['required'])


@pytest.mark.parametrize(
    ('index', 'case'), list(enumerate(NULL_CASES)), ids=[f'{name}-{mode}' for name, mode, _ in NULL_CASES]
)
def test_a_null_argument_means_what_the_readme_says(
    null_verdicts: list[dict[str, Any]], converted: dict[str, Any], index: int, case: tuple[str, Mode, dict[str, Any]]
) -> None:
    """Accepted and read as not set (exactly as if left out), or refused with a message naming the field."""
    name, mode, _ = case
    verdict = null_verdicts[index]
    arrives, meaning = NULL_TABLE[name]
    assert verdict['coerced'][name] == arrives, f'{name}: null arrives as {verdict["coerced"][name]!r}'
    if meaning.startswith('refused by the MCP server'):
        assert not verdict['valid'], f'{name}: the server accepted {arrives!r}; docs/examples.md says it refuses it'
        paths = {error['instancePath'] for error in verdict['errors']}
        assert all(path.startswith(f'/{name}') for path in paths), verdict['errors']
        assert quoted(meaning) in {error['message'] for error in verdict['errors']}
        return
    assert verdict['valid'], (name, verdict['errors'])
    if name == WAIT_SECS:
        assert meaning.startswith('the call returns at once')
        assert 'Set to 0 to fire-and-forget' in converted['inputSchema']['properties'][WAIT_SECS]['description']
        assert WAIT_SECS not in verdict['platform']['input'], 'the server keeps waitSecs for itself'
        return
    # Next the platform validates what the server sends and fills in the schema's defaults; the Actor gets the rest.
    assert verdict['platform']['valid'], (
        f'{mode}: the platform refuses {name}={arrives!r}: {verdict["platform"]["errors"]}'
    )
    sent = verdict['platform']['input']
    left_out = DEFAULTS | {key: value for key, value in EXAMPLES[mode].items() if key != name}
    if meaning.startswith('not set'):
        assert parsed(sent) == parsed(left_out), f'{mode}: {name}={arrives!r} does not mean what leaving it out does'
    elif meaning.startswith('refused by the Actor'):
        outcome = parsed(sent)
        assert outcome[0] == 'refused', (
            f'{mode}: the Actor accepted {name}={arrives!r}; docs/examples.md says it refuses it'
        )
        assert f"Input field '{name}'" in outcome[1]
        assert quoted(meaning) in outcome[1]
    else:
        pytest.fail(f'docs/examples.md null table: {name}: unknown meaning {meaning!r}')


def test_a_null_inside_a_batch_entry_arrives_as_null_and_means_not_set(converted: dict[str, Any]) -> None:
    verdict = extra(converted, 'nested null')
    assert verdict['valid'], verdict['errors']
    assert verdict['coerced'] == NESTED_NULL  # the entry's properties are nullable: the null is not coerced
    assert verdict['platform']['valid'], verdict['platform']['errors']
    left_out = DEFAULTS | {**NESTED_NULL, 'queries': [{'symbol': 'Binance_BTCUSDT'}]}
    assert parsed(verdict['platform']['input']) == parsed(left_out)


def test_a_null_choice_inside_a_batch_entry_is_refused_as_at_the_top_level(converted: dict[str, Any]) -> None:
    """As for the top-level choices: the allowed values' check refuses null (README.md's Input says so)."""
    verdict = extra(converted, 'nested null choice')
    assert not verdict['valid']
    assert {error['instancePath'] for error in verdict['errors']} == {'/queries/0/range'}
    assert not verdict['direct']['valid']
    assert all('queries.0.range' in error for error in verdict['direct']['errors']), verdict['direct']['errors']


@pytest.mark.parametrize('name', list(CHECKED_ITEMS))
def test_batch_entries_and_alert_rules_are_checked_item_by_item(converted: dict[str, Any], name: str) -> None:
    """By the MCP server and by the platform (the API and the Console's form), before the run starts."""
    verdict = extra(converted, name)
    assert not verdict['valid'], f'the MCP server let {EXTRA[name]} through'
    assert not verdict['direct']['valid'], f'the platform let {EXTRA[name]} through'
    field = 'queries' if 'queries' in EXTRA[name] else 'alerts'
    assert all(f'input.{field}.0' in error for error in verdict['direct']['errors']), verdict['direct']['errors']


@pytest.mark.parametrize('name', list(OPEN_ITEMS))
def test_a_key_an_item_does_not_declare_reaches_the_actor_which_names_it(converted: dict[str, Any], name: str) -> None:
    """Items are open (no `additionalProperties: false`), so the MCP server does not strip a mistyped key: the
    Actor sees it and says so, instead of silently running without it."""
    verdict = extra(converted, name)
    assert verdict['valid'], verdict['errors']
    assert verdict['coerced'] == EXTRA[name]
    assert verdict['platform']['valid'], verdict['platform']['errors']
    outcome = parsed(verdict['platform']['input'])
    if outcome[0] == 'refused':
        assert "'abov' is not a field of a rule" in outcome[1]
    else:
        assert "Input field 'Range' is not a field of this Actor and was ignored (did you mean 'range'?)." in [
            note for query, *_ in outcome[1] for note in query.notes
        ]


def test_the_server_runs_the_tool_with_the_consoles_default_memory(converted: dict[str, Any]) -> None:
    """Not actor.json's defaultMemoryMbytes: the Actor's default run options (Console settings), else its 4 GB cap.
    README.md's publisher notes say to set the Console default to actor.json's."""
    assert converted['memoryMbytes'] == 4096
    assert converted['memoryMbytesWithConsoleDefault'] == ACTOR['defaultMemoryMbytes']


def test_an_api_caller_may_send_null_for_every_optional_field_but_the_choices(converted: dict[str, Any]) -> None:
    """Not through MCP: the platform takes a null for a `nullable` field and the Actor reads it as not set; but a
    null choice (`enum`) fails the platform's enum check all the same (@apify/input_schema lets a nullable null past
    the type check only). README.md says so in Input."""
    direct = extra(converted, 'all null')['direct']
    assert direct['valid'], direct['errors']
    assert parsed(direct['input']) == parsed(DEFAULTS | MAP)
    input_section = STORE_README.split('\n## Input', 1)[1].split('\n## ', 1)[0]
    for name in CHOICES:
        errors = extra(converted, f'{name} null')['direct']['errors']
        assert len(errors) == 1, errors
        assert errors[0].startswith(f'Field input.{name} must be equal to one of the allowed values'), errors
        assert f'`{name}`' in input_section.split('except for the choices', 1)[1], f'README Input: {name}'
        assert 'refused' in SOURCE['properties'][name]['description'], f'{name}: say an empty value is refused'
