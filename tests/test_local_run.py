"""A local run says what happened: its result, where it wrote the item, `OUTPUT` and the chart, and what the
platform would have charged (priced from .actor/pay_per_event.json, so the SDK has no charging warning to print);
`make demo` on a port another program holds fails at once, saying so, with a non-zero exit."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import ROOT

from src.main import PRICES, local_pricing

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import ActorRun

MAP = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '7d', 'output': 'summary', 'charts': True}


@pytest.mark.e2e
def test_a_local_run_ends_saying_what_it_found_and_where(actor_e2e: Callable[..., ActorRun]) -> None:
    run = actor_e2e(MAP)  # no pricing in the environment, as in `make run`, `apify run` or `python -m src`
    assert run.exit_code == 0, run.log[-3000:]
    report = run.stdout[run.stdout.index('Result: ') :].splitlines()
    assert (
        report[0]
        == f'Result: Fetched liquidation map for Binance_BTCUSDT (7d): 60 price levels. {run.item["summary"]["headline"]}'
    )
    shown = dict(line.strip().split(': ', 1) for line in report[1:5])
    store = run.storage / 'key_value_stores' / 'default'
    assert Path(shown['dataset item']) == run.storage / 'datasets' / 'default' / '000000001.json'
    assert json.loads(Path(shown['dataset item']).read_text()) == run.item
    assert Path(shown['run summary (OUTPUT, what run-sync returns)']) == store / 'OUTPUT'
    assert Path(shown['chart']) == store / 'chart-0000-liquidation_map.png'
    assert shown['charged'].startswith('1 event, $0.010, as the platform would charge; a local run bills nothing')
    assert 'pay-per-event' not in run.log, 'the SDK warned that the Actor is not priced per event'
    assert [charge['event_name'] for charge in run.charges] == ['LIQUIDATION_MAP']


def test_local_pricing_is_the_price_list_and_leaves_a_priced_environment_alone() -> None:
    prices = json.loads(PRICES.read_text())
    environment = local_pricing({})
    pricing = json.loads(environment['APIFY_ACTOR_PRICING_INFO'])
    events = pricing['pricingPerEvent']['actorChargeEvents']
    assert pricing['pricingModel'] == 'PAY_PER_EVENT'
    assert {name: events[name] for name in prices} == prices
    assert events['apify-default-dataset-item']['eventPriceUsd'] == 0
    assert local_pricing({'APIFY_ACTOR_PRICING_INFO': '{"pricingModel": "FREE"}'}) == {}
    assert local_pricing({'ACTOR_TEST_PAY_PER_EVENT': 'true'}) == {}
    assert local_pricing({'ACTOR_TEST_PAY_PER_EVENT': 'false'}) == {}  # unpriced, as a benchmark runs it


@pytest.mark.e2e
def test_make_demo_on_a_taken_port_fails_at_once_saying_so(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run(
            [
                'make',
                '--no-print-directory',
                '-o',
                '.venv/.installed',
                'demo',
                f'FAKE_PORT={port}',
                f'STORAGE={tmp_path}',
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert f'cannot listen on 127.0.0.1:{port} (Address already in use): another program has the port' in output
    assert 'FAKE_PORT=' in output
    assert 'Traceback' not in output
    assert not (tmp_path / 'key_value_stores').exists(), 'the Actor ran against whatever holds the port'
