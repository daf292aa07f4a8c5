"""Batches, charging, the spending limit, the run summary and restarts: in process, and the SDK's side end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import run_actor, write_record

MAP_PATH = '/api/futures/liquidation/map'
BATCH = {
    'mode': 'liquidation_map',
    'range': '1d',
    'queries': [
        {'symbol': 'Binance_BTCUSDT'},
        {'symbol': 'OKX_ETH-USDT-SWAP', 'range': '7d'},
        {'symbol': 'Binance_NOPEUSDT'},
        {'mode': 'liquidation_max_pain'},
    ],
}


def test_batch_yields_one_envelope_and_charge_per_query(actor: Any) -> None:
    run = actor(BATCH)
    assert run.exit_code == 0, run.log
    by_index = {item['query_index']: item for item in run.items}
    assert sorted(by_index) == [0, 1, 2, 3]
    assert (by_index[1]['symbol'], by_index[1]['range'], by_index[1]['success']) == ('OKX_ETH-USDT-SWAP', '7d', True)
    assert by_index[2]['success'] is False
    assert by_index[2]['error_type'] == 'invalid_parameter'
    assert 'Binance_NOPEUSDT' in by_index[2]['message']
    assert by_index[3]['mode'] == 'liquidation_max_pain'
    events = sorted(charge['event_name'] for charge in run.charges)
    assert events == ['LIQUIDATION_MAP', 'LIQUIDATION_MAP', 'LIQUIDATION_MAX_PAIN']
    summary = run.record('OUTPUT')
    assert {key: summary[key] for key in ('queries', 'succeeded', 'failed', 'charged_events')} == {
        'queries': 4,
        'succeeded': 3,
        'failed': 1,
        'charged_events': 3,
    }
    assert 'dataset' in summary['dataset_url']
    assert run.status.startswith(
        '3 of 4 queries succeeded, 1 failed. First failure (query 2): Could not fetch liquidation map for '
        'Binance_NOPEUSDT (1d)'
    )


def test_bad_query_fails_the_whole_input_before_any_request(actor: Any, fake: Any) -> None:
    run = actor({'mode': 'liquidation_map', 'queries': [{'symbol': 'Binance_BTCUSDT'}, {'symbol': 'BTC'}]})
    assert run.exit_code == 2
    assert run.item['success'] is False
    assert run.item['error_type'] == 'input'
    assert run.item['message'].startswith('queries[1]: ')
    assert fake.requests == []
    assert run.charges == []


def test_identical_queries_are_fetched_once_and_each_delivered(actor: Any, fake: Any) -> None:
    query = {'symbol': 'Binance_BTCUSDT'}
    run = actor({'mode': 'liquidation_map', 'range': '1d', 'queries': [query, query, query]})
    assert [item['success'] for item in run.items] == [True, True, True]
    assert fake.count(MAP_PATH) == 1
    assert len(run.charges) == 3


def test_queries_fetched_once_are_each_shaped_as_their_own_output_asks(actor: Any, fake: Any) -> None:
    query = {'symbol': 'Binance_BTCUSDT'}
    outputs = ['summary', 'full', 'rows']
    run = actor({'mode': 'liquidation_map', 'queries': [query | {'output': output} for output in outputs]})
    items = sorted(run.items, key=lambda item: item['query_index'])
    assert [item['output'] for item in items] == outputs
    assert items[0]['data'] is None
    assert isinstance(items[1]['data'], dict)
    assert isinstance(items[2]['data'], list)
    assert items[2]['data'][0].keys() >= {'price', 'level_usd', 'side'}
    assert fake.count(MAP_PATH) == 1


def test_lookups_are_fetched_once_per_run(actor: Any, fake: Any) -> None:
    run = actor({'mode': 'search_symbols', 'queries': [{'keyword': 'btc'}, {'keyword': 'eth'}, {'keyword': 'sol'}]})
    assert all(item['success'] for item in run.items)
    assert fake.count('/api/futures/supported-exchange-pairs') == 1
    assert fake.count('/api/futures/supported-coins') == 1


SPENDING_LIMIT_BATCH = {
    'mode': 'liquidation_map',
    'range': '1d',
    'queries': [{'symbol': symbol} for symbol in ('Binance_BTCUSDT', 'Binance_ETHUSDT', 'Bybit_BTCUSDT')],
}


def test_spending_limit_delivers_what_it_pays_for_and_says_what_not(actor: Any, fake: Any) -> None:
    run = actor(SPENDING_LIMIT_BATCH, max_total_charge_usd=0.015)  # one map costs 0.01
    assert run.exit_code == 0, run.log
    assert len(run.items) == 1
    assert len(run.charges) == 1
    assert fake.count(MAP_PATH) == 1  # the two it could not pay for were not fetched
    assert '2 not delivered (queries 1, 2)' in run.status
    assert 'your spending limit left $0.005, less than a liquidation_map result costs ($0.01)' in run.status
    output = run.record('OUTPUT')
    assert output['spending_limit_reached'] is True
    assert (output['queries'], output['succeeded'], output['not_delivered']) == (3, 1, 2)
    assert [result['query_index'] for result in output['results'] if result.get('delivered') is False] == [1, 2]
    assert output['results_complete'] is False  # two of the three are not in it


@pytest.mark.e2e
def test_the_sdk_stops_at_the_spending_limit(actor_e2e: Any) -> None:
    run = actor_e2e(SPENDING_LIMIT_BATCH, ppe=True, extra={'ACTOR_MAX_TOTAL_CHARGE_USD': '0.015'})
    assert run.exit_code == 0, run.stderr
    assert len(run.items) == 1
    assert len(run.charges) == 1
    assert '2 not delivered (queries 1, 2)' in run.log
    assert run.record('OUTPUT')['spending_limit_reached'] is True


def test_failures_are_pushed_but_never_charged(actor: Any) -> None:
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_NOPEUSDT', 'range': '1d'})
    assert run.exit_code == 1
    assert run.item['success'] is False
    assert run.charges == []
    message = run.item['message']
    assert message.startswith("Could not fetch liquidation map for Binance_NOPEUSDT (1d): HTTP 200, code '40001'")
    assert 'Invalid parameter: symbol. Closest supported: Binance_' in message
    assert '..' not in message


def test_a_restarted_run_skips_queries_already_delivered(actor: Any, fake: Any) -> None:
    done = {0}  # what a run that delivered query 0 persisted
    actor_input = {
        'mode': 'liquidation_map',
        'range': '1d',
        'queries': [{'symbol': 'Binance_BTCUSDT'}, {'symbol': 'Binance_ETHUSDT'}],
    }
    run = actor(actor_input, done=done)
    assert run.exit_code == 0, run.log
    assert [item['query_index'] for item in run.items] == [1]
    assert [request.params['symbol'] for request in fake.requests if request.path == MAP_PATH] == ['ETHUSDT']
    assert len(run.charges) == 1
    assert done == {0, 1}
    assert run.status == '1 of 2 queries succeeded, 0 failed. 1 were delivered before the run restarted.'


@pytest.mark.e2e
def test_a_restarted_actor_reads_and_persists_its_state(fake: Any, tmp_path: Path) -> None:
    storage = tmp_path / 'storage'
    write_record(storage, 'APIFY_GLOBAL_STATE', {'done': [0]})  # what a run that delivered query 0 persisted
    actor_input = {
        'mode': 'liquidation_map',
        'range': '1d',
        'queries': [{'symbol': 'Binance_BTCUSDT'}, {'symbol': 'Binance_ETHUSDT'}],
    }
    run = run_actor(actor_input, fake.url, storage, ppe=True, extra={'CRAWLEE_PURGE_ON_START': 'false'})
    assert run.exit_code == 0, run.stderr
    assert [item['query_index'] for item in run.items] == [1]
    assert [request.params['symbol'] for request in fake.requests if request.path == MAP_PATH] == ['ETHUSDT']
    assert len(run.charges) == 1
    assert run.record('APIFY_GLOBAL_STATE')['done'] == [0, 1]


def test_a_bad_entry_fails_as_itself_not_as_the_top_level_mode(actor: Any, fake: Any) -> None:
    run = actor(
        {
            'mode': 'pair_liquidation_heatmap',
            'symbol': 'Binance_BTCUSDT',
            'queries': [{}, {'mode': 'liquidation_map', 'range': '9d'}],
        }
    )
    assert run.exit_code == 2
    assert run.item['mode'] == 'liquidation_map'
    assert run.item['message'].startswith(
        'queries[1]: Input field \'range\' is "9d", which liquidation_map does not take'
    )
    assert run.item['range'] == '9d'
    output = run.record('OUTPUT')
    assert (output['queries'], output['failed'], output['not_delivered'], output['results_complete']) == (1, 1, 0, True)
    assert fake.count() == 0
