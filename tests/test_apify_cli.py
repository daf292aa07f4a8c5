"""The official Apify CLI (pinned in scripts/install-tools.sh) accepts the .actor/ files and runs the Actor.

`apify validate-schema` (1.10.0) validates the input, dataset, output and key-value store schemas that
.actor/actor.json references; actor.json itself is checked against Apify's published schema, which the CLI
ships in @apify/json_schemas. The smoke test runs `apify run --input ...` in a temporary copy of the project
(so no storage/ lands in the repo), with the project's virtualenv (or the image's Python's, under `make
test-shipped`) linked in as .venv (the CLI runs .venv/bin/python3 -m src when VIRTUAL_ENV is unset) and
CoinGlass replaced by the fake. No network is needed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from apify_tools import NODE_MODULES, ROOT, check_actor_json, require_cli, run_cli
from conftest import ACTOR_PYTHON
from fake_coinglass import FakeCoinGlass

ACTOR_DIR = ROOT / '.actor'
ACTOR_JSON = json.loads((ACTOR_DIR / 'actor.json').read_text())
KEY = 'cg-cli-smoke-key-4d2e9a'
MAX_PAIN_PATH = '/api/futures/liquidation/max-pain'
pytestmark = pytest.mark.e2e
NOT_COPIED = shutil.ignore_patterns(
    '.git', '.venv', '.tools', 'node_modules', 'storage', 'apify_storage', '__pycache__', '*.pyc',
    '.mypy_cache', '.ruff_cache', '.pytest_cache', '.hypothesis',
)  # fmt: skip


def output_of(completed: subprocess.CompletedProcess[str]) -> str:
    return f'exit code {completed.returncode}\n--- stdout\n{completed.stdout}\n--- stderr\n{completed.stderr}'


def referenced_schemas() -> dict[str, str]:
    """Label the CLI prints -> schema file, for every schema actor.json references."""
    storages = ACTOR_JSON.get('storages', {})
    refs = {
        'Input': ACTOR_JSON.get('input'),
        'Dataset': storages.get('dataset'),
        'Output': ACTOR_JSON.get('output'),
        'Key-Value Store': storages.get('keyValueStore'),
    }
    return {label: ref for label, ref in refs.items() if ref}


def test_validate_schema_accepts_every_actor_schema(tmp_path: Path) -> None:
    completed = run_cli(['validate-schema'], cwd=ROOT, home=tmp_path)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output_of(completed)
    assert 'Error' not in output, output
    schemas = referenced_schemas()
    assert {'Input', 'Dataset', 'Output', 'Key-Value Store'} <= set(schemas), schemas
    for label, ref in schemas.items():
        assert (ACTOR_DIR / ref).is_file(), f'actor.json points {label} at {ref}, which does not exist'
        assert f'{label} schema is valid.' in output, f'the CLI did not validate the {label} schema ({ref}):\n{output}'


def test_validate_schema_fails_on_a_broken_schema(tmp_path: Path) -> None:
    """Control: the CLI's exit code does report an invalid schema, so the test above means something."""
    project = tmp_path / 'broken'
    shutil.copytree(ACTOR_DIR, project / '.actor')
    schema_path = project / '.actor' / ACTOR_JSON['input']
    schema = json.loads(schema_path.read_text())
    schema['properties']['mode']['type'] = 'strnig'
    schema_path.write_text(json.dumps(schema))
    completed = run_cli(['validate-schema'], cwd=project, home=tmp_path / 'home')
    assert completed.returncode != 0, output_of(completed)
    assert 'mode' in completed.stdout + completed.stderr


def test_actor_json_matches_apify_published_schema() -> None:
    check_actor_json(ACTOR_DIR / 'actor.json')
    assert (ACTOR_DIR / ACTOR_JSON['dockerfile']).resolve() == ROOT / 'Dockerfile'


def project_venv() -> Path:
    """The virtualenv the CLI must run the Actor with: the one `python -m src` uses in end-to-end runs (the image's
    Python under `make test-shipped`), else the one running these tests (the project's .venv)."""
    if sys.executable != ACTOR_PYTHON:
        return Path(ACTOR_PYTHON).parent.parent
    venv = Path(sys.prefix) if sys.prefix != sys.base_prefix else ROOT / '.venv'
    if not (venv / 'bin' / 'python3').exists():
        pytest.fail(f'no virtualenv with bin/python3 at {venv}: run the tests with the project .venv (make setup)')
    return venv


def working_copy(tmp_path: Path) -> Path:
    """A clone-like copy of the project, with the project's .venv linked in, for `apify run` to write storage/ in."""
    project = tmp_path / 'project'
    shutil.copytree(ROOT, project, ignore=NOT_COPIED, symlinks=True)
    (project / '.venv').symlink_to(project_venv(), target_is_directory=True)
    return project


def dataset_items(project: Path) -> list[dict[str, Any]]:
    folder = project / 'storage' / 'datasets' / 'default'
    files = sorted(path for path in folder.glob('*.json') if not path.name.startswith('__'))
    return [json.loads(path.read_text()) for path in files]


@pytest.mark.parametrize('key_from', ['secret', 'env'])
def test_apify_run_smoke(tmp_path: Path, key_from: str) -> None:
    """`apify run --input` in a project copy: the key comes from `apify secrets add` (which actor.json's
    environmentVariables maps onto COINGLASS_API_KEY, overriding the environment), or from the environment
    with --allow-missing-secrets."""
    require_cli()
    assert NODE_MODULES.is_dir()
    storage_in_repo = (ROOT / 'storage').exists()
    project = working_copy(tmp_path)
    home = tmp_path / 'home'
    home.mkdir()
    secret_name = ACTOR_JSON['environmentVariables']['COINGLASS_API_KEY'].removeprefix('@')
    args = ['run', '--input', json.dumps({'mode': 'liquidation_max_pain'})]
    with FakeCoinGlass(valid_keys={KEY}) as fake:
        if key_from == 'secret':
            added = run_cli(['secrets', 'add', secret_name, KEY], cwd=project, home=home)
            assert added.returncode == 0, output_of(added)
            env_key = 'cg-env-key-the-secret-overrides'
        else:
            args.append('--allow-missing-secrets')
            env_key = KEY
        completed = run_cli(args, cwd=project, home=home, COINGLASS_BASE_URL=fake.url, COINGLASS_API_KEY=env_key)
        requests = list(fake.requests)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output_of(completed)
    assert f'Run: {project / ".venv" / "bin" / "python3"} -m src' in output, output
    items = dataset_items(project)
    assert len(items) == 1, (items, output)
    item = items[0]
    assert item['success'] is True, item
    assert item['mode'] == 'liquidation_max_pain'
    assert [request.path for request in requests if request.path == MAX_PAIN_PATH], [r.path for r in requests]
    assert {request.headers.get('cg-api-key') for request in requests} == {KEY}
    assert (ROOT / 'storage').exists() == storage_in_repo, 'apify run must not leave storage/ in the repo'
