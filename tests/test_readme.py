"""The README's promises: its first 5,000 characters (what the Apify MCP server hands an agent) hold a valid input for
every mode, each kind of call's example runs and answers as shown, every per-mode example of docs/examples.md runs
as documented with outputs that match the real envelopes, the errors table matches the code, and the modes table
names every mode with its plan and price."""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from src import errors
from src.inputs import parse_run_input
from src.modes import ENDPOINTS, Mode

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / 'README.md').read_text()
EXAMPLES_DOC = (ROOT / 'docs' / 'examples.md').read_text()
DOCS = [README, EXAMPLES_DOC, (ROOT / 'docs' / 'development.md').read_text()]
PRICES = json.loads((ROOT / '.actor' / 'pay_per_event.json').read_text())
AGENT_SHARE = 5000  # the README's characters the Apify MCP server hands an agent that looks the Actor up
NOW_MS = 1_763_683_200_000


def examples(kind: str) -> dict[str, Any]:
    pattern = re.compile(rf'<!-- example-{kind}: (\w+) -->\s*```json\n(.*?)```', re.DOTALL)
    return {name: json.loads(body) for name, body in pattern.findall(EXAMPLES_DOC)}


def calls(kind: str) -> dict[str, Any]:
    """The README's example of each kind of call: its input (a JSON block, or the body of a curl's `-d`) or output."""
    pattern = re.compile(rf'<!-- call-{kind}: ([\w-]+) -->\s*```(json|bash)\n(.*?)```', re.DOTALL)
    found: dict[str, Any] = {}
    for name, language, body in pattern.findall(README):
        command = re.search(r"-d '(\{.*?\})'", body, re.DOTALL)
        text = command.group(1) if language == 'bash' and command is not None else body
        found[name] = json.loads(text)
    return found


INPUTS = examples('input')
OUTPUTS = examples('output')
CALL_INPUTS = calls('input')
CALL_OUTPUTS = calls('output')


def test_the_first_5000_characters_hold_a_valid_input_for_every_mode() -> None:
    """An agent given only what the MCP server shows of the README builds a valid input for each mode from it, and
    learns to ask for the compact answer."""
    head = README[:AGENT_SHARE]
    found: dict[Mode, str] = {}
    for text in re.findall(r'\{"mode": [^{}]*\}', head):
        (query,) = parse_run_input(json.loads(text), now_ms=NOW_MS).queries
        found.setdefault(query.mode, text)
    assert set(found) == set(Mode), f'no input in the first {AGENT_SHARE} characters for {set(Mode) - set(found)}'
    assert '"output": "summary"' in head
    assert 'you need no CoinGlass key' in ' '.join(head.replace('*', '').split())
    for caller in ('Console', 'run-sync', 'MCP'):
        assert caller in head, f'the first {AGENT_SHARE} characters do not say how to call it from {caller}'


def test_the_readme_is_for_users_and_short() -> None:
    assert len(README.encode()) <= 22 * 1024, (
        'the Store README is for users (about 20 KB at most): the rest goes to docs/'
    )
    for developer_only in ('## Development', '## Configuration (environment)', '## Performance', 'For the publisher'):
        assert developer_only not in README


def test_each_kind_of_call_has_an_input_and_an_output() -> None:
    assert set(CALL_INPUTS) == set(CALL_OUTPUTS) == {'run-sync', 'run-sync-get-dataset-items', 'mcp'}


@pytest.mark.parametrize('name', sorted(CALL_INPUTS))
def test_each_kind_of_call_answers_as_the_readme_shows(actor: Any, name: str) -> None:
    """run-sync returns `OUTPUT`, run-sync-get-dataset-items the items, and an agent first reads the status."""
    run = actor(CALL_INPUTS[name])
    assert run.exit_code == 0, run.log
    answer = {'run-sync': run.record('OUTPUT'), 'run-sync-get-dataset-items': run.items, 'mcp': run.status}[name]
    assert shown_in(CALL_OUTPUTS[name], answer) == [], 'the README shows what the Actor does not answer'


def test_every_mode_has_an_input_and_output_example() -> None:
    assert set(Mode) <= set(INPUTS)
    assert set(Mode) == set(OUTPUTS)


@pytest.mark.parametrize('name', sorted(INPUTS))
def test_example_runs_as_documented(actor: Any, name: str) -> None:
    run = actor(INPUTS[name])
    assert run.exit_code == 0, run.log
    assert all(item['success'] for item in run.items), [item['message'] for item in run.items]
    assert all(item['data'] or item['summary'] for item in run.items)
    if name in OUTPUTS:
        item = run.item
        documented = OUTPUTS[name]
        assert item['mode'] == documented['mode'] == name
        assert list(documented) == [key for key in item if key in documented]  # same keys, same order
        assert set(documented) == set(item)
        assert set(documented.get('summary') or {}) <= set(item.get('summary') or {})
        assert shown_in(documented, item) == [], 'the README shows what the fake CoinGlass does not answer'


def shown_in(documented: Any, actual: Any, path: str = '') -> list[str]:
    """Where a documented example differs from the actual item (empty when it matches).

    An example may leave parts out: an object shows some of its keys (a `"...": "..."` key says so), a list its first
    entries (a `"..."` entry stands for the entries up to those after it), a text ending in `...` its beginning.
    Numbers match to 1e-6 (relative), so CoinGlass's raw decimals may be shown rounded.
    """
    if isinstance(documented, str) and documented.endswith('...') and isinstance(actual, str):
        return [] if actual.startswith(documented[:-3]) else [f'{path}: {actual!r}']
    if isinstance(documented, dict) and isinstance(actual, dict):
        return [
            difference
            for key, value in documented.items()
            if key != '...'
            for difference in (shown_in(value, actual[key], f'{path}.{key}') if key in actual else [f'{path}.{key}?'])
        ]
    if isinstance(documented, list) and isinstance(actual, list):
        cut = documented.index('...') if '...' in documented else len(documented)
        head, tail = documented[:cut], documented[cut + 1 :]
        if len(head) + len(tail) > len(actual):
            return [f'{path}: {len(actual)} entries, fewer than shown']
        pairs = [*zip(head, actual, strict=False), *zip(tail, actual[len(actual) - len(tail) :], strict=True)]
        return [
            difference
            for index, (one, other) in enumerate(pairs)
            for difference in shown_in(one, other, f'{path}[{index}]')
        ]
    if isinstance(documented, float | int) and isinstance(actual, float | int) and not isinstance(actual, bool):
        return [] if math.isclose(documented, actual, rel_tol=1e-6) else [f'{path}: {actual!r}, not {documented!r}']
    return [] if documented == actual else [f'{path}: {actual!r}, not {documented!r}']


def test_modes_table_names_plan_and_price_of_every_mode() -> None:
    for mode, endpoint in ENDPOINTS.items():
        row = next(line for line in README.splitlines() if line.startswith(f'| `{mode}` |'))
        assert endpoint.plan.title in row
        assert f'${PRICES[mode.event_name]["eventPriceUsd"]}' in row
        assert f'`{mode.event_name}`' in row


def test_errors_table_matches_the_error_family() -> None:
    section = README.split('## Errors and what to do')[1].split('\n## ')[0]
    documented = set(re.findall(r'^\| `([a-z_]+)` \|', section, re.MULTILINE)) - {'error_type'}  # minus the header
    raised = {
        cls.error_type
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.CoinGlassError) and cls is not errors.CoinGlassError
    }
    assert documented == set(errors.ErrorType)
    assert raised | {errors.ErrorType.INPUT, errors.ErrorType.INTERNAL} == set(errors.ErrorType)


COMMAND_INPUTS = [
    found
    for text in DOCS
    for found in re.findall(
        r"(?:INPUT=|-d |--input |> storage/key_value_stores/default/INPUT.json.*?|echo )'(\{.*?\})'", text
    )
]


def test_command_line_examples_are_valid_inputs() -> None:
    python_inputs = [ast.literal_eval(match) for text in DOCS for match in re.findall(r'run_input=(\{.*?\})\n', text)]
    inputs = [json.loads(text) for text in COMMAND_INPUTS] + python_inputs
    assert len(inputs) >= 6
    for example in inputs:
        assert parse_run_input(example, now_ms=1_763_683_200_000).queries
