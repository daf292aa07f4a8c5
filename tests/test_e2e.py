"""True end-to-end runs of `python -m src`: the Apify SDK's side of what the in-process tests cover.

Each mode once (one batch, its charging log and a stored chart), a one-query run's status and exit code, and an
input error's exit code with a bad environment value. The other SDK-side runs live beside the behaviour they
check: the spending limit and restarts (test_batch), log routing (test_faults), key hygiene (test_key_hygiene).
"""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest
from conftest import TEST_KEY
from test_readme import INPUTS

from src.main import main
from src.modes import Mode

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import ActorRun
    from fake_coinglass import FakeCoinGlass

pytestmark = pytest.mark.e2e


def test_every_mode_once_with_its_charge_and_a_stored_chart(actor_e2e: Callable[..., ActorRun]) -> None:
    queries = [INPUTS[mode] | ({'charts': True} if mode is Mode.LIQUIDATION_MAP else {}) for mode in Mode]
    run = actor_e2e({'queries': queries}, ppe=True)
    assert run.exit_code == 0, run.log[-3000:]
    items = sorted(run.items, key=lambda item: item['query_index'])
    assert [item['mode'] for item in items] == list(Mode)
    assert all(item['success'] for item in items), [item['message'] for item in items if not item['success']]
    assert sorted(charge['event_name'] for charge in run.charges) == sorted(mode.event_name for mode in Mode)
    chart_key = Path(urlparse(items[list(Mode).index(Mode.LIQUIDATION_MAP)]['chart_url']).path).name
    png = run.record(chart_key)
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    assert struct.unpack('>II', png[16:24]) == (1200, 700)
    output = run.record('OUTPUT')
    assert (output['queries'], output['succeeded'], output['charged_events']) == (len(Mode), len(Mode), len(Mode))
    assert f'{len(Mode)} of {len(Mode)} queries succeeded, 0 failed.' in run.log
    assert 'Traceback' not in run.log
    assert TEST_KEY not in run.everything()


def test_one_query_answers_in_its_status_and_its_output_record(actor_e2e: Callable[..., ActorRun]) -> None:
    """What a `run-sync` caller gets (`OUTPUT`) and what an MCP agent reads first (the status), from the SDK."""
    run = actor_e2e({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'}, ppe=True)
    assert run.exit_code == 0, run.log[-3000:]
    headline = run.item['summary']['headline']
    assert headline.startswith('$81.4M of long liquidation levels below 95,000')
    assert (
        f'[Terminal status message]: Fetched liquidation map for Binance_BTCUSDT (1d): 60 price levels. {headline}'
        in (run.log)
    )
    output = run.record('OUTPUT')
    assert output['results'] == [run.item]
    assert output['results_complete'] is True
    assert output['results'][0]['data']
    assert [charge['event_name'] for charge in run.charges] == ['LIQUIDATION_MAP']


def test_an_input_error_exits_2_and_a_bad_setting_warns(
    actor_e2e: Callable[..., ActorRun], fake: FakeCoinGlass
) -> None:
    actor_input: dict[str, Any] = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '45d'}
    run = actor_e2e(actor_input, ppe=True, extra={'COINGLASS_READ_TIMEOUT_S': 'soon'})
    assert run.exit_code == 2, run.log[-3000:]
    assert run.item['error_type'] == 'input'
    assert "Environment variable COINGLASS_READ_TIMEOUT_S is 'soon', which is not allowed" in run.log
    assert fake.count() == 0
    assert run.charges == []


@pytest.mark.parametrize('text', ['{"mode": "liquidation_max_pain",}', ''])
def test_a_local_input_that_is_not_json_is_said_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    """`make run INPUT='...'` with a typo: the SDK cannot start on it; the Actor says why, exit code 2."""
    folder = tmp_path / 'key_value_stores' / 'default'
    folder.mkdir(parents=True)
    (folder / 'INPUT.json').write_text(text)
    monkeypatch.setenv('CRAWLEE_STORAGE_DIR', str(tmp_path))
    monkeypatch.delenv('APIFY_IS_AT_HOME', raising=False)
    with pytest.raises(SystemExit) as stopped:
        asyncio.run(main())
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert f'The input in {folder / "INPUT.json"} is not valid JSON (' in error
    assert "make run (or demo) INPUT='{...}'" in error
