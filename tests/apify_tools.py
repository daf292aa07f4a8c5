"""The pinned Apify npm tools in .tools/ (installed by scripts/install-tools.sh), for the toolchain tests; and the
node that runs the MCP server's code (the pinned Node.js 22 in .tools/node22 where npm ships it, else the system's).

The tests fail, never skip, when the tools are missing: CI runs the install script first (`make test`).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL_SCRIPT = ROOT / 'scripts' / 'install-tools.sh'
TOOLS = ROOT / '.tools'
NODE_MODULES = TOOLS / 'node_modules'
APIFY = NODE_MODULES / '.bin' / 'apify'
MCP_SERVER = NODE_MODULES / '@apify' / 'actors-mcp-server'
NODE22 = TOOLS / 'node22' / 'node_modules' / '.bin' / 'node'
CONVERTER = Path(__file__).with_name('mcp_convert.mjs')
# Where npm publishes Node.js as a plain binary package (scripts/install-tools.sh installs it there).
NODE22_PLATFORMS = {('Linux', 'x86_64'), ('Linux', 'aarch64'), ('Linux', 'arm64')}
INSTALL_HINT = (
    'run `bash scripts/install-tools.sh` (or `make tools`) first: it installs the pinned Apify npm tools into .tools/'
)


def pinned_version(name: str) -> str:
    """A version pinned in scripts/install-tools.sh, e.g. `APIFY_CLI_VERSION`."""
    match = re.search(rf"^{name}='([^']+)'$", INSTALL_SCRIPT.read_text(), re.MULTILINE)
    assert match, f'{name} not pinned in {INSTALL_SCRIPT}'
    return match.group(1)


def require_package(package: str, version_name: str) -> Path:
    """The installed npm package's folder, after checking it is the pinned version; fails with the fix if not."""
    if shutil.which('node') is None:
        pytest.fail('node is not on PATH: the Apify toolchain tests need Node.js 20+ (and ' + INSTALL_HINT + ')')
    folder = NODE_MODULES / package
    manifest = folder / 'package.json'
    if not manifest.is_file():
        pytest.fail(f'{package} is not installed in .tools/: {INSTALL_HINT}')
    installed = json.loads(manifest.read_text())['version']
    wanted = pinned_version(version_name)
    if installed != wanted:
        pytest.fail(f'.tools/ has {package}@{installed}, but {wanted} is pinned: {INSTALL_HINT}')
    return folder


def mcp_node() -> str:
    """The node that runs the MCP server's code: the pinned Node.js 22 from npm where the platform has it (the
    server declares node >= 22), else the system node."""
    if (platform.system(), platform.machine()) in NODE22_PLATFORMS:
        if not NODE22.exists():
            pytest.fail(f'Node.js 22 is missing at {NODE22}: {INSTALL_HINT}')
        return str(NODE22)
    system_node = shutil.which('node')
    if system_node is None:
        pytest.fail('node is not on PATH: the Apify toolchain tests need Node.js 20+ (and ' + INSTALL_HINT + ')')
    return system_node


def require_cli() -> Path:
    require_package('apify-cli', 'APIFY_CLI_VERSION')
    if not APIFY.exists():
        pytest.fail(f'{APIFY} is missing: {INSTALL_HINT}')
    return APIFY


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment for the Apify CLI: no user config (HOME is a temp dir), no telemetry, no network checks."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(('APIFY_', 'ACTOR_', 'CRAWLEE_', 'COINGLASS_')) and key != 'VIRTUAL_ENV'
    }
    env |= {
        'HOME': str(home),
        'XDG_CONFIG_HOME': str(home / '.config'),
        'APIFY_CLI_DISABLE_TELEMETRY': '1',  # the CLI's own switch (src/lib/hooks/telemetry/useTelemetryEnabled.ts)
        'APIFY_CLI_SKIP_UPDATE_CHECK': '1',  # no latest-version lookup
        'APIFY_CLI_SKIP_RENTAL_SUNSET_NOTICE': '1',
        'APIFY_DISABLE_KEYRING': '1',  # secrets and auth in files under HOME, never the OS keyring
        'FORCE_COLOR': '0',
        'NO_COLOR': '1',
    }
    return env | extra


def run_cli(
    args: list[str], *, cwd: Path, home: Path, timeout: float = 90, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(require_cli()), *args],
        cwd=cwd,
        env=cli_env(home, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def convert_actor(actor_dir: Path, inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """The Actor in `actor_dir` (its actor.json and input schema) as the pinned Apify MCP server turns it into a tool,
    and that tool's verdicts on `inputs` (see tests/mcp_convert.mjs)."""
    require_package('@apify/actors-mcp-server', 'MCP_SERVER_VERSION')
    result: dict[str, Any] = node_json([mcp_node(), str(CONVERTER), str(actor_dir)], inputs)
    return result


def node_json(command: list[str], given: Any = None, *, timeout: float = 60) -> Any:
    """Run a Node.js script (`command`), `given` as JSON on its standard input; the JSON of its last output line.

    Fails the test, showing what the script printed, when it exits with an error.
    """
    completed = subprocess.run(
        command,
        input=None if given is None else json.dumps(given),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, f'{" ".join(command)} failed:\n{completed.stdout}\n{completed.stderr}'
    return json.loads(completed.stdout.strip().splitlines()[-1])


VALIDATE_ACTOR_JSON = """
    const fs = require('node:fs');
    const [cliDir, actorJson] = process.argv.slice(1);
    const { getActorSchemaValidator } = require(require.resolve('@apify/json_schemas', { paths: [cliDir] }));
    const validate = getActorSchemaValidator();
    const valid = validate(JSON.parse(fs.readFileSync(actorJson, 'utf8')));
    console.log(JSON.stringify({ valid, errors: validate.errors ?? null }));
"""


def check_actor_json(actor_json: Path) -> None:
    """Fail unless `actor_json` matches the Actor definition schema Apify publishes (the pinned CLI's copy)."""
    cli = require_package('apify-cli', 'APIFY_CLI_VERSION')
    result = node_json(['node', '-e', VALIDATE_ACTOR_JSON, str(cli), str(actor_json)])
    assert result['valid'], result['errors']
