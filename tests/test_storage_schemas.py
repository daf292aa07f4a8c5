"""The key-value store schema (OUTPUT and the charts) and the output schema (the links a run's caller gets).

The platform checks each record of a key-value store schema collection against its content types and, for JSON,
its JSON schema; every `OUTPUT` record and chart of the in-process runs passes through conftest's `MemorySink`,
which checks both (tests/platform_checks.py). Here: the schemas describe what the Actor writes, the SDK writes it
with those content types (one real `python -m src` run), and every output-schema link points at something that
exists.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

import jsonschema
import pytest
from mode_examples import EXAMPLES
from platform_checks import COLLECTIONS, check_record, collection_of

from src.modes import Mode

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import ActorRun, InProcessRun

ROOT = Path(__file__).resolve().parent.parent
ACTOR = json.loads((ROOT / '.actor' / 'actor.json').read_text())
OUTPUT_SCHEMA = json.loads((ROOT / '.actor' / ACTOR['output']).read_text())
DATASET_SCHEMA = json.loads((ROOT / '.actor' / ACTOR['storages']['dataset']).read_text())
KV_SCHEMA = json.loads((ROOT / '.actor' / ACTOR['storages']['keyValueStore']).read_text())
OUTPUT_JSON_SCHEMA: dict[str, Any] = collection_of('OUTPUT')['jsonSchema']
README = (ROOT / 'README.md').read_text()
LIMITS_DOC = (ROOT / 'docs' / 'limits.md').read_text()  # what bounds a run: OUTPUT's budget and what it leaves out
CHART_KEY = re.compile(r'chart-\d{4}-(?P<mode>[a-z_]+)\.png')
# The variables an output schema template may use for this Actor's storages.
TEMPLATE_LINKS = {'links.apiDefaultDatasetUrl', 'links.apiDefaultKeyValueStoreUrl'}
BATCH = {'charts': True, 'queries': [EXAMPLES[Mode.LIQUIDATION_MAP], EXAMPLES[Mode.LIQUIDATION_MAX_PAIN]]}


def test_every_collection_and_output_field_is_described() -> None:
    assert KV_SCHEMA['title'].strip()
    assert KV_SCHEMA['description'].strip()
    for name, collection in COLLECTIONS.items():
        assert collection['title'].strip(), name
        assert collection['description'].strip(), name
    jsonschema.Draft7Validator.check_schema(OUTPUT_JSON_SCHEMA)
    for name, prop in OUTPUT_JSON_SCHEMA['properties'].items():
        assert prop.get('description', '').strip(), f'OUTPUT field {name} has no description'
        if name not in {'results', 'alerts'}:
            assert f'`{name}`' in README + LIMITS_DOC, f'neither README.md nor docs/limits.md names OUTPUT field {name}'


def test_output_records_have_every_required_field_and_only_described_ones(actor: Callable[..., InProcessRun]) -> None:
    failing = {'mode': 'coin_liquidation_map', 'coin': 'NOPE', 'range': '1d'}
    for actor_input in (EXAMPLES[Mode.LIQUIDATION_MAX_PAIN], BATCH, failing):
        record = actor(actor_input).record('OUTPUT')
        check_record('OUTPUT', record)
        assert set(OUTPUT_JSON_SCHEMA['required']) <= set(record)
        assert set(record) <= set(OUTPUT_JSON_SCHEMA['properties']), set(record) - set(OUTPUT_JSON_SCHEMA['properties'])


def test_a_wrong_output_record_is_refused() -> None:
    """Control: the check does refuse what the schema excludes."""
    with pytest.raises(AssertionError, match='spending_limit_reached'):
        check_record('OUTPUT', {'queries': 1, 'spending_limit_reached': 'no'})
    with pytest.raises(AssertionError, match='image/png'):
        check_record('OUTPUT', b'\x89PNG\r\n\x1a\n...')
    with pytest.raises(AssertionError, match='collections'):
        check_record('something-else', {})


def test_chart_keys_are_the_documented_form(actor: Callable[..., InProcessRun]) -> None:
    run = actor(BATCH)
    charts = sorted(key for key in run.sink.records if key != 'OUTPUT')
    assert [CHART_KEY.fullmatch(key) is not None for key in charts] == [True, True], charts
    assert [CHART_KEY.fullmatch(key)['mode'] for key in charts] == ['liquidation_map', 'liquidation_max_pain']  # type: ignore[index]
    assert all(collection_of(key) is COLLECTIONS['charts'] for key in charts)
    assert 'chart-<4-digit query index>-<mode>.png' in COLLECTIONS['charts']['description']


@pytest.mark.e2e
def test_the_sdk_stores_output_and_charts_with_the_schemas_content_types(actor_e2e: Callable[..., ActorRun]) -> None:
    run = actor_e2e(EXAMPLES[Mode.LIQUIDATION_MAX_PAIN] | {'charts': True})
    assert run.exit_code == 0, run.log[-3000:]
    folder = run.storage / 'key_value_stores' / 'default'
    stored = {
        path.name.removesuffix('.__metadata__.json'): json.loads(path.read_text())['content_type']
        for path in folder.glob('*.__metadata__.json')
    }
    ours = {key: content_type for key, content_type in stored.items() if key == 'OUTPUT' or key.startswith('chart-')}
    assert len(ours) == 2, stored
    for key, content_type in ours.items():
        media_type = content_type.split(';')[0].strip()
        assert media_type in collection_of(key)['contentTypes'], (key, content_type)
        check_record(key, run.record(key))


def test_output_links_are_described_and_point_at_what_exists() -> None:
    views = set(DATASET_SCHEMA['views'])
    for name, prop in OUTPUT_SCHEMA['properties'].items():
        assert prop['title'].strip(), name
        assert len(prop.get('description', '')) >= 40, f'output link {name}: describe it for Console users and LLMs'
        template: str = prop['template']
        assert set(re.findall(r'\{\{([^}]+)\}\}', template)) <= TEMPLATE_LINKS, template
        url = urlparse(re.sub(r'\{\{[^}]+\}\}', 'https://api.example', template))
        query = parse_qs(url.query)
        if 'view' in query:
            assert query['view'][0] in views, f'{name}: no dataset view {query["view"][0]}'
        if '/records/' in url.path:
            collection_of(url.path.rsplit('/', 1)[1])
        if 'collection' in query:
            assert query['collection'][0] in COLLECTIONS, f'{name}: no key-value store collection {query["collection"]}'
        assert 'prefix' not in query, f'{name}: link a collection (keys?collection=...), not a key prefix'


def test_the_output_tab_has_one_dataset_output_the_summary_and_the_charts() -> None:
    """One dataset output (the Console's view switcher offers its views), the OUTPUT record, the chart collection."""
    templates = {name: prop['template'] for name, prop in OUTPUT_SCHEMA['properties'].items()}
    datasets = [template for template in templates.values() if 'apiDefaultDatasetUrl' in template]
    assert datasets == ['{{links.apiDefaultDatasetUrl}}/items']
    assert '{{links.apiDefaultKeyValueStoreUrl}}/records/OUTPUT' in templates.values()
    assert '{{links.apiDefaultKeyValueStoreUrl}}/keys?collection=charts' in templates.values()
    described = OUTPUT_SCHEMA['properties']['results']['description']
    assert all(view in described for view in DATASET_SCHEMA['views']), 'name every view the API offers'
    overview = DATASET_SCHEMA['views']['overview']['display']['properties']
    assert overview['chart_url']['format'] == 'image', 'the overview keeps its chart thumbnails'
