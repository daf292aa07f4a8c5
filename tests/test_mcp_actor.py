"""The second Actor definition, mcp-server/: the MCP server Actor, built from the same code, image and prices.

Its actor.json turns Standby on with MCP at the path the server serves, builds the repository root with the same
Dockerfile, and takes the same key; its pay-per-event events are the batch Actor's; its README names every tool with
its price and plan. The schema checks the suite runs for the batch Actor run for it too: Apify's published actor.json
schema, the CLI's `validate-schema`, and the Apify MCP server's conversion of its input schema.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest
from apify_tools import ROOT, check_actor_json, convert_actor, run_cli

from src.modes import ENDPOINTS, Mode
from src.serve import MCP_PATH
from src.tools import TOOLS

if TYPE_CHECKING:
    from pathlib import Path

ACTOR_DIR = ROOT / 'mcp-server' / '.actor'
ACTOR = json.loads((ACTOR_DIR / 'actor.json').read_text())
BATCH = json.loads((ROOT / '.actor' / 'actor.json').read_text())
README = (ROOT / 'mcp-server' / 'README.md').read_text()


def test_it_serves_mcp_in_standby_from_the_same_image_and_key() -> None:
    assert ACTOR['usesStandbyMode'] is True
    assert ACTOR['webServerMcpPath'] == MCP_PATH
    assert (ACTOR_DIR / ACTOR['dockerContextDir']).resolve() == ROOT
    assert (ACTOR_DIR / ACTOR['dockerfile']).resolve() == (ROOT / '.actor' / BATCH['dockerfile']).resolve()
    assert (ACTOR_DIR / ACTOR['readme']).resolve() == ROOT / 'mcp-server' / 'README.md'
    assert (ACTOR_DIR / ACTOR['input']).is_file()
    assert ACTOR['environmentVariables'] == BATCH['environmentVariables']
    assert ACTOR['name'] != BATCH['name']
    assert len(ACTOR['description']) <= 300


def test_its_events_and_prices_are_the_batch_actors() -> None:
    mine = json.loads((ACTOR_DIR / 'pay_per_event.json').read_text())
    assert mine == json.loads((ROOT / '.actor' / 'pay_per_event.json').read_text())
    assert set(mine) == {tool.event for tool in TOOLS.values()}


@pytest.mark.parametrize('mode', list(Mode), ids=str)
def test_the_readme_names_each_tool_with_its_price_and_plan(mode: Mode) -> None:
    row = next((line for line in README.splitlines() if line.startswith(f'| `{mode}` |')), None)
    assert row is not None, f'no row for {mode} in the tools table'
    events = json.loads((ACTOR_DIR / 'pay_per_event.json').read_text())
    assert f'| ${events[mode.event_name]["eventPriceUsd"]:g} |' in row
    assert f'| {ENDPOINTS[mode].plan.title} |' in row


def test_the_readme_says_how_to_connect() -> None:
    assert f'https://mcp.apify.com/?tools=<publisher>/{ACTOR["name"]}' in README
    assert f'https://<publisher>--{ACTOR["name"]}.apify.actor{MCP_PATH}' in README
    assert 'Authorization: Bearer <your Apify token>' in README
    assert re.search(r'up to 256 KB', README)


@pytest.mark.e2e
def test_its_actor_json_matches_apify_published_schema() -> None:
    check_actor_json(ACTOR_DIR / 'actor.json')


@pytest.mark.e2e
def test_the_cli_validates_its_schemas(tmp_path: Path) -> None:
    completed = run_cli(['validate-schema'], cwd=ACTOR_DIR.parent, home=tmp_path)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert 'Input schema is valid.' in output
    assert 'Error' not in output


@pytest.mark.e2e
def test_the_apify_mcp_server_converts_its_input_schema() -> None:
    converted = convert_actor(ACTOR_DIR, [{}])
    assert converted['name'].endswith(ACTOR['name'])
    assert converted['validation'][0]['valid'] is True
