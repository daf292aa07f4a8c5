"""The answer where each caller looks first: `OUTPUT` (what `run-sync` returns) and the status message (what an AI
agent reads first through the Apify MCP server), for every mode, in process against the fake CoinGlass."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from test_readme import INPUTS

from src.modes import Mode

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import InProcessRun

    RunActor = Callable[..., InProcessRun]

MAP_QUERY = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'}
# What each mode's status must say beyond its first sentence: the figures a trader asks for first.
HEADLINE_FIGURES: dict[Mode, tuple[str, ...]] = {
    Mode.LIQUIDATION_MAP: (r'\$[\d.]+[KMB]? of long liquidation levels below 95,000', r'biggest clusters \$'),
    Mode.COIN_LIQUIDATION_MAP: (r'of long liquidation levels below 95,000', r'\$[\d.]+[KMB]? of shorts above'),
    Mode.PAIR_LIQUIDATION_HISTORY: (r'Longs \$[\d.]+[KMB]? and shorts \$', r'the most in one: \$'),
    Mode.COIN_LIQUIDATION_HISTORY: (r'Longs \$', r'% long', r'the last interval is still open'),
    Mode.LIQUIDATION_COIN_LIST: (r'\$[\d.]+[KMB] in 24h', r'BTC [\d.]+% \([\d.]+% long\)'),
    Mode.LIQUIDATION_EXCHANGE_LIST: (r'\$[\d.]+[KMB] across exchanges', r'Binance [\d.]+%'),
    Mode.LIQUIDATION_ORDERS: (r'\d+ orders, \$', r'longs liquidated \$', r'largest \$'),
    Mode.PAIR_LIQUIDATION_HEATMAP: (r'Last close [\d,.]+', r'top hotspot \$', r'(not )?swept'),
    Mode.COIN_LIQUIDATION_HEATMAP: (r'Last close [\d,.]+', r'above, \$[\d.]+[KMB] below'),
    Mode.LIQUIDATION_MAX_PAIN: (r'563 coins', r'BTC at 95,000: long max pain [\d,.]+ \([+-][\d.]+%\)'),
    Mode.SEARCH_SYMBOLS: (),
}


@pytest.mark.parametrize('mode', list(Mode))
def test_a_one_query_status_leads_with_the_headline_figures(actor: RunActor, mode: Mode) -> None:
    run = actor(INPUTS[mode])
    item = run.item
    assert item['success'] is True
    headline = (item.get('summary') or {}).get('headline')
    first_sentence = item['message'].split('. ')[0].rstrip('.')
    if mode is Mode.SEARCH_SYMBOLS:
        assert headline is None
        assert run.status == item['message']
        return
    assert isinstance(headline, str)
    assert run.status.startswith(f'{first_sentence}. {headline}')
    for figure in HEADLINE_FIGURES[mode]:
        assert re.search(figure, headline), (figure, headline)
    assert len(run.status) <= 600


@pytest.mark.parametrize('output', ['summary', 'full'])
def test_a_search_asked_for_its_summary_answers_its_pairs_since_it_has_no_summary(actor: RunActor, output: str) -> None:
    """Agents are told to ask for the summary: a search has none, so it must not be charged for an empty answer."""
    run = actor({'mode': 'search_symbols', 'keyword': 'btc', 'output': output})
    assert run.item['success'] is True
    assert run.item['data'], run.item
    assert 'Binance_BTCUSDT' in {row['symbol'] for row in run.item['data']}
    assert [charge['event_name'] for charge in run.charges] == ['SEARCH_SYMBOLS']


def test_output_holds_the_answer_for_run_sync(actor: RunActor) -> None:
    """The issue's example: `run-sync` returns `OUTPUT`, which holds the map's summary and data."""
    run = actor(MAP_QUERY)
    output = run.record('OUTPUT')
    assert output['results_complete'] is True
    (result,) = output['results']
    assert result == run.item
    assert result['summary']['long_below_usd'] > 0
    assert result['data'] == run.item['data']
    assert (output['queries'], output['succeeded'], output['charged_events']) == (1, 1, 1)


def test_a_batch_output_holds_every_envelope_in_query_order(actor: RunActor) -> None:
    queries = [INPUTS[mode] for mode in (Mode.LIQUIDATION_MAX_PAIN, Mode.SEARCH_SYMBOLS, Mode.LIQUIDATION_COIN_LIST)]
    queries.append({'mode': 'liquidation_map', 'symbol': 'Binance_NOPEUSDT', 'range': '1d'})
    run = actor({'queries': queries})
    output = run.record('OUTPUT')
    assert output['results_complete'] is True
    assert [result['query_index'] for result in output['results']] == [0, 1, 2, 3]
    assert output['results'] == sorted(run.items, key=lambda item: item['query_index'])
    assert output['results'][3]['error_type'] == 'invalid_parameter'


@pytest.mark.parametrize(('limit', 'detail'), [(9_000, 'summary'), (1_500, 'headline')])
def test_an_output_too_large_for_whole_envelopes_keeps_each_summary_or_headline(
    actor: RunActor, monkeypatch: pytest.MonkeyPatch, limit: int, detail: str
) -> None:
    monkeypatch.setattr('src.output.RESULTS_BYTES', limit)
    queries = [
        {'mode': 'liquidation_map', 'symbol': symbol, 'range': '1d'}
        for symbol in ('Binance_BTCUSDT', 'Binance_ETHUSDT')
    ]
    run = actor({'queries': queries})
    output = run.record('OUTPUT')
    assert output['results_complete'] is False
    assert 'dataset' in output['dataset_url']
    assert len(json.dumps(output['results'])) <= limit
    by_index = {item['query_index']: item for item in run.items}
    for brief in output['results']:
        item = by_index[brief['query_index']]
        assert (brief['mode'], brief['success'], brief['message']) == (item['mode'], True, item['message'])
        assert 'data' not in brief
        if detail == 'summary':
            assert brief['summary'] == item['summary']
        else:
            assert brief['headline'] == item['summary']['headline']


def test_a_batch_status_names_the_first_failure(actor: RunActor) -> None:
    queries: list[dict[str, Any]] = [
        {'mode': 'liquidation_max_pain'},
        {'mode': 'liquidation_map', 'symbol': 'Binance_NOPEUSDT', 'range': '1d'},
        {'mode': 'coin_liquidation_map', 'coin': 'NOPE', 'range': '1d'},
    ]
    run = actor({'queries': queries})
    assert run.status.startswith(
        '1 of 3 queries succeeded, 2 failed. First failure (query 1): Could not fetch liquidation map for '
        'Binance_NOPEUSDT (1d)'
    )
    assert run.exit_code == 0
