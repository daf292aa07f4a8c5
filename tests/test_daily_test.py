"""Ready for Apify's daily test of a public Actor: a run of exactly the prefilled input must succeed with a
non-empty dataset within 5 minutes, or the Actor is marked under maintenance and later deprecated.

The prefill asks for a mode that CoinGlass's cheapest plan serves (so any key the publisher sets passes) and that
answers in one quick round of requests; here it runs as the platform runs it: `python -m src`, the prefill and the
schema's defaults, a key on the cheapest plan. docs/publishing.md says what the publisher must set.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from conftest import ROOT, run_actor
from fake_coinglass import NOW_MS, FakeCoinGlass

from src.inputs import parse_run_input
from src.modes import ENDPOINTS, Mode, Plan
from src.query import Output

if TYPE_CHECKING:
    from pathlib import Path

SCHEMA = json.loads((ROOT / '.actor' / 'input_schema.json').read_text())
PREFILL = {name: prop['prefill'] for name, prop in SCHEMA['properties'].items() if 'prefill' in prop}
DEFAULTS = {name: prop['default'] for name, prop in SCHEMA['properties'].items() if 'default' in prop}
CHEAPEST = min(Plan, key=lambda plan: plan.value)
KEY = 'cg-daily-test-key-hobbyist'


def test_the_prefill_is_one_small_query_the_cheapest_plan_serves() -> None:
    (query,) = parse_run_input(DEFAULTS | PREFILL, now_ms=NOW_MS).queries
    assert ENDPOINTS[query.mode].plan is CHEAPEST, f'{query.mode} needs the {ENDPOINTS[query.mode].plan.title} plan'
    assert query.output is not Output.ROWS
    assert query.charts is False


@pytest.mark.e2e
def test_the_prefill_runs_on_the_cheapest_plan_into_a_non_empty_dataset(tmp_path: Path) -> None:
    with FakeCoinGlass(plan=CHEAPEST.name, valid_keys={KEY}) as fake:
        run = run_actor(DEFAULTS | PREFILL, fake.url, tmp_path, api_key=KEY, ppe=True)
    assert run.exit_code == 0, run.log[-3000:]
    assert len(run.items) == 1
    assert run.item['success'] is True, run.item['message']
    assert run.item['data'], 'the daily test needs a non-empty dataset: the prefill matched nothing'
    assert [charge['event_name'] for charge in run.charges] == [Mode(PREFILL['mode']).event_name]
