"""The spending limit as a budget: every result that still fits is delivered, failures always, and the run says
exactly what was not delivered and why; `OUTPUT`, the status and the items agree in every case.

In process with the memory sink (which charges as the SDK does), and once end to end through the SDK itself.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

MAP = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'}  # $0.01
HISTORY = {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h', 'limit': 10}  # $0.004
HEATMAP = {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '3d', 'model': 'model1'}  # $0.015
FAILING = {'mode': 'liquidation_map', 'symbol': 'Binance_NOPEUSDT', 'range': '1d'}  # free: CoinGlass refuses it
HISTORY_PATH = '/api/futures/liquidation/history'
MAP_PATH = '/api/futures/liquidation/map'


def check_agreement(run: Any) -> None:
    """`OUTPUT`, the status message and the items tell the same story."""
    output = run.record('OUTPUT')
    records = [result for result in output['results'] if result.get('delivered') is False]
    delivered = {item['query_index'] for item in run.items} if output['queries'] > 1 else set()
    assert output['not_delivered'] == len(records)
    for record in records:
        assert (record['success'], record['error_type']) == (False, None)
        assert record['message'].endswith('Nothing was charged. Raise the limit to fetch it.')
    assert output['succeeded'] + output['failed'] + output['not_delivered'] == output['queries']
    assert output['spending_limit_reached'] is (output['not_delivered'] > 0)
    assert not delivered & {record['query_index'] for record in records}
    if output['not_delivered']:
        assert output['results_complete'] is False
        assert 'Raise the limit' in run.status
        assert 'not delivered' in run.status or 'not fetched' in run.status
    else:
        assert 'limit' not in run.status.lower()
        assert output['results_complete'] is True
    for item in run.items:
        assert 'spending limit' not in item['message']
    assert len(run.charges) == output['charged_events']


def test_a_cheaper_query_is_delivered_after_a_dearer_one(actor: Any, fake: Any) -> None:
    """The issue's example: $0.0145 pays for a map ($0.01) and a history ($0.004): both are delivered."""
    run = actor({'queries': [MAP, HISTORY]}, max_total_charge_usd=0.0145)
    assert run.exit_code == 0, run.log
    assert sorted(charge['event_name'] for charge in run.charges) == ['LIQUIDATION_MAP', 'PAIR_LIQUIDATION_HISTORY']
    assert run.status == '2 of 2 queries succeeded, 0 failed.'
    output = run.record('OUTPUT')
    assert (output['not_delivered'], output['spending_limit_reached'], output['results_complete']) == (0, False, True)
    check_agreement(run)


def test_what_no_longer_fits_is_not_fetched_while_what_fits_is(actor: Any, fake: Any) -> None:
    """$0.019: the heatmap ($0.015) and the history ($0.004) fit, the map ($0.01) then no longer does."""
    run = actor({'queries': [HEATMAP, MAP, HISTORY]}, max_total_charge_usd=0.019)
    assert run.exit_code == 0, run.log
    assert sorted(charge['event_name'] for charge in run.charges) == [
        'PAIR_LIQUIDATION_HEATMAP',
        'PAIR_LIQUIDATION_HISTORY',
    ]
    assert sorted(item['query_index'] for item in run.items) == [0, 2]
    assert fake.count(MAP_PATH) == 0  # the one it could not pay for was not requested
    (record,) = [result for result in run.record('OUTPUT')['results'] if result.get('delivered') is False]
    assert (record['query_index'], record['mode']) == (1, 'liquidation_map')
    assert re.fullmatch(
        r'Not fetched: your spending limit left \$0\.00(4)?, less than a liquidation_map result costs \(\$0\.01\)\. '
        r'Nothing was charged\. Raise the limit to fetch it\.',
        record['message'],
    )
    assert '1 not delivered (query 1): the first was not fetched' in run.status
    check_agreement(run)


def test_a_failure_gives_back_what_it_set_aside(actor: Any, fake: Any) -> None:
    """$0.01 pays for one map: the first fails (free), so the second is fetched and delivered after it."""
    run = actor({'queries': [FAILING, MAP]}, max_total_charge_usd=0.01)
    assert [item['success'] for item in sorted(run.items, key=lambda item: item['query_index'])] == [False, True]
    assert [charge['event_name'] for charge in run.charges] == ['LIQUIDATION_MAP']
    assert run.exit_code == 0
    check_agreement(run)


def test_a_single_query_the_limit_cannot_pay_for_says_so(actor: Any, fake: Any) -> None:
    run = actor(HEATMAP, max_total_charge_usd=0.01)
    assert run.items == []
    assert fake.count() == 0
    assert run.status == (
        'The query was not fetched: your spending limit left $0.01, less than a pair_liquidation_heatmap result '
        'costs ($0.015). Nothing was charged. Raise the limit to fetch it.'
    )
    check_agreement(run)


@pytest.mark.parametrize('limit', [None, 0.0, 0.004, 0.0145, 0.019, 0.03, 0.05])
def test_output_status_and_items_agree_at_any_limit(actor: Any, limit: float | None) -> None:
    run = actor({'queries': [HEATMAP, MAP, HISTORY, FAILING, HISTORY | {'limit': 5}]}, max_total_charge_usd=limit)
    check_agreement(run)
    spent = sum(charge['event_price_usd'] for charge in run.charges)
    assert limit is None or spent <= limit + 1e-9


@pytest.mark.e2e
def test_the_sdk_delivers_a_cheaper_query_after_a_dearer_one(actor_e2e: Any) -> None:
    run = actor_e2e({'queries': [MAP, HISTORY]}, ppe=True, extra={'ACTOR_MAX_TOTAL_CHARGE_USD': '0.0145'})
    assert run.exit_code == 0, run.stderr
    assert sorted(charge['event_name'] for charge in run.charges) == ['LIQUIDATION_MAP', 'PAIR_LIQUIDATION_HISTORY']
    output = run.record('OUTPUT')
    assert (output['not_delivered'], output['results_complete']) == (0, True)
    assert 'Raise the limit' not in run.log
