"""The query pipeline's design promises: one kind registry, every query isolated, I/O only in the fetch stage.

- A new endpoint of an existing kind is one row in `src/modes.py`: proven on a copy of `src/` whose table alone
  gains a row.
- Every kind has every piece, and every piece handles the kind's empty data.
- One query's exception of any kind (fetching, summarizing, drawing) becomes that query's failure or a missing
  chart; the other queries are delivered and charged, `OUTPUT` is written, the exit code follows the rules.
- Reference prices are fetched once per pair per run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import ROOT
from liquidation_fixtures import fetched

from src.kinds import KINDS, KindSpec, Retrieval, spec_of, summary_json
from src.modes import ENDPOINTS, Kind, Mode

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import InProcessRun
    from fake_coinglass import FakeCoinGlass

MAP_PATH = '/api/futures/liquidation/map'
PRICE_PATH = '/api/futures/price/history'
EXCHANGE_LIST_PATH = '/api/futures/liquidation/exchange-list'
KINDS_WITHOUT_CHART = {Kind.SYMBOLS}
KINDS_WITHOUT_SUMMARY = {Kind.SYMBOLS}

NEW_ROW = """
        Mode.SOL_EXCHANGE_RANKING: Endpoint(
            '/api/futures/liquidation/exchange-list-v9',
            Plan.HOBBYIST,
            required=('range',),
            optional=('coin',),
            params={'range': 'range', 'symbol': 'coin'},
            label='exchange ranking',
            answers='which exchanges had the most SOL liquidations over a range',
            kind=Kind.EXCHANGE_LIST,
            ranges=EXCHANGE_LIST_RANGES,
        ),
"""
SYNTHETIC_RUN = """
import asyncio, json, httpx
from conftest import MemorySink
from fake_coinglass import NOW_MS, default_response
from src import app
from src.settings import Settings

def serve(request):
    path = request.url.path.replace('exchange-list-v9', 'exchange-list')  # the fake serves the new path like the old
    status, body = default_response(path, dict(request.url.params))
    return httpx.Response(status, json=body)

sink = MemorySink(prices={'SOL_EXCHANGE_RANKING': 0.001})
query = {'mode': 'sol_exchange_ranking', 'coin': 'SOL', 'range': '4h', 'output': 'rows', 'charts': True}
report = asyncio.run(app.run(query, settings=Settings(api_key='k', base_url='https://cg.test'), sink=sink,
                             done=set(), now_ms=NOW_MS, transport=httpx.MockTransport(serve)))
print(json.dumps({'exit_code': report.exit_code, 'item': sink.items[0], 'charges': sink.charges,
                  'charts': sorted(key for key in sink.records if key.startswith('chart-'))}))
"""


def test_a_new_endpoint_of_an_existing_kind_is_one_row(tmp_path: Path) -> None:
    """A copy of src/ whose endpoint table (and Mode enum) alone gains a row runs the new mode end to end."""
    copy = tmp_path / 'project'
    shutil.copytree(ROOT / 'src', copy / 'src', ignore=shutil.ignore_patterns('__pycache__'))
    modes = copy / 'src' / 'modes.py'
    text = modes.read_text()
    text = text.replace(
        "    LIQUIDATION_MAX_PAIN = 'liquidation_max_pain'\n",
        "    LIQUIDATION_MAX_PAIN = 'liquidation_max_pain'\n    SOL_EXCHANGE_RANKING = 'sol_exchange_ranking'\n",
    )
    text = text.replace('    }\n)\n\nSUPPORTED_COINS_PATH', NEW_ROW + '    }\n)\n\nSUPPORTED_COINS_PATH', 1)
    modes.write_text(text)
    changed = [
        path.relative_to(copy)
        for path in (copy / 'src').rglob('*.py')
        if path.read_text() != (ROOT / path.relative_to(copy)).read_text()
    ]
    assert changed == [Path('src/modes.py')]
    completed = subprocess.run(
        [sys.executable, '-c', textwrap.dedent(SYNTHETIC_RUN)],
        cwd=copy,
        env={'PYTHONPATH': f'{copy}:{ROOT / "tests"}', 'PATH': '/usr/bin:/bin'},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    item = result['item']
    assert result['exit_code'] == 0
    assert item['success'] is True, item['message']
    assert item['message'].startswith('Fetched exchange ranking for SOL (4h): 7 rows.')  # All and six exchanges
    assert item['summary']['exchanges'][0]['exchange'] == 'Binance'  # the kind's summary, largest share first
    assert {'exchange', 'liquidation_usd'} <= set(item['data'][0])  # the kind's flat rows
    assert result['charges'] == [{'event_name': 'SOL_EXCHANGE_RANKING', 'event_price_usd': 0.001}]
    assert result['charts'] == ['chart-0000-sol_exchange_ranking.png']


@pytest.mark.parametrize('kind', list(Kind))
def test_every_kind_has_every_piece(kind: Kind) -> None:
    spec = KINDS[kind]
    assert isinstance(spec, KindSpec)
    assert isinstance(spec.retrieval, Retrieval)
    assert any(endpoint.kind is kind for endpoint in ENDPOINTS.values()), f'no endpoint returns {kind}'
    assert (spec.summarize is None) == (kind in KINDS_WITHOUT_SUMMARY)
    assert (spec.draw is None) == (kind in KINDS_WITHOUT_CHART)
    mode = next(mode for mode, endpoint in ENDPOINTS.items() if endpoint.kind is kind)
    empty = fetched(mode, None)  # CoinGlass's `data: null`, parsed
    assert spec.is_empty(empty.data)
    assert spec.size(empty.data).startswith('0 ')
    full = json.loads(json.dumps(spec.full_data(empty.data)))  # what the dataset item holds: JSON
    assert not full or not any(full.values())
    assert spec.rows(empty) == []
    if spec.summarize is not None:
        summary = spec.summarize(empty)
        assert isinstance(summary_json(summary), dict)
        assert spec.headline is not None
        assert spec.headline(summary)
        assert all(
            figure(summary) is None or isinstance(figure(summary), int | float) for figure in spec.figures.values()
        )
    assert spec.subject(empty.query)


def test_the_registry_covers_every_kind_and_mode() -> None:
    assert set(KINDS) == set(Kind)
    assert {spec_of(mode) for mode in Mode} == set(KINDS.values())


ISOLATION_BATCH: dict[str, Any] = {
    'queries': [
        {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'},
        {'mode': 'liquidation_exchange_list', 'range': '4h', 'coin': 'BTC'},
        {'mode': 'liquidation_max_pain', 'range': '24h'},
    ]
}


def boom(*_args: Any, **_kwargs: Any) -> Any:
    raise ZeroDivisionError('a bug of ours')


def check_isolated(run: InProcessRun, failed_index: int, error_type: str, stage: str) -> None:
    items = {item['query_index']: item for item in run.items}
    assert sorted(items) == [0, 1, 2]
    failed = items[failed_index]
    assert failed['success'] is False
    assert failed['error_type'] == error_type
    assert f'while {stage}' in failed['message']
    assert 'Nothing was charged' in failed['message']
    assert 'Traceback' not in failed['message']
    assert all(item['success'] for index, item in items.items() if index != failed_index)
    assert len(run.charges) == 2
    assert run.record('OUTPUT')['succeeded'] == 2
    assert run.exit_code == 0
    assert run.status.startswith(f'2 of 3 queries succeeded, 1 failed. First failure (query {failed_index}): ')
    assert 'ZeroDivisionError' in run.log  # the detail, at debug level


def test_a_summary_that_raises_fails_only_its_query(
    actor: Callable[..., InProcessRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr('src.kinds.exchange_list.share_entries', boom)
    check_isolated(actor(ISOLATION_BATCH), 1, 'internal', 'summarizing')


def test_a_fetch_that_raises_fails_only_its_query(
    actor: Callable[..., InProcessRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr('src.kinds.max_pain.read_table', boom)  # the max pain kind fails to read its reply
    check_isolated(actor(ISOLATION_BATCH), 2, 'internal', 'fetching')


def test_a_chart_that_fails_leaves_the_query_a_success(
    actor: Callable[..., InProcessRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr('src.charts.share_bars', boom)
    run = actor({'mode': 'liquidation_exchange_list', 'range': '4h', 'coin': 'BTC', 'charts': True})
    item = run.item
    assert item['success'] is True
    assert item['chart_url'] is None
    assert 'The chart could not be drawn (ZeroDivisionError), so chart_url is null.' in item['message']
    assert item['summary']['total_usd'] > 0
    assert [charge['event_name'] for charge in run.charges] == ['LIQUIDATION_EXCHANGE_LIST']
    assert run.exit_code == 0


def test_an_answer_too_large_for_a_dataset_item_fails_uncharged_and_the_others_go_on(
    actor: Callable[..., InProcessRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr('src.pipeline.MAX_ITEM_BYTES', 30_000)  # the map and the exchange list are smaller
    run = actor(ISOLATION_BATCH)
    items = {item['query_index']: item for item in run.items}
    assert len(json.dumps(items[0]['data'])) < 30_000
    too_large = items[2]  # the fake's 563 max pain coins
    assert too_large['success'] is False
    assert too_large['error_type'] == 'input'
    assert 'MB of JSON, more than the 0.03 MB a dataset item holds. Nothing was charged.' in too_large['message']
    assert too_large['message'].endswith('Ask for less: output "summary" or a shorter range.')  # all max pain reads
    assert [item['success'] for index, item in sorted(items.items())] == [True, True, False]
    assert sorted(charge['event_name'] for charge in run.charges) == ['LIQUIDATION_EXCHANGE_LIST', 'LIQUIDATION_MAP']


def test_reference_prices_are_fetched_once_per_pair(actor: Callable[..., InProcessRun], fake: FakeCoinGlass) -> None:
    queries = [
        {'symbol': 'Binance_BTCUSDT', 'range': '1d'},
        {'symbol': 'Binance_BTCUSDT', 'range': '1d'},  # identical: one fetch
        {'symbol': 'Binance_BTCUSDT', 'range': '7d'},  # same pair: its price is shared
        {'symbol': 'Binance_ETHUSDT', 'range': '1d'},
        {'mode': 'coin_liquidation_map', 'coin': 'BTC', 'range': '1d'},  # Binance BTCUSDT again
    ]
    run = actor({'mode': 'liquidation_map', 'queries': queries})
    assert all(item['success'] for item in run.items)
    assert fake.count(MAP_PATH) == 3
    prices = sorted(request.params['symbol'] for request in fake.requests if request.path == PRICE_PATH)
    assert prices == ['BTCUSDT', 'ETHUSDT']
    btc = [item for item in run.items if item.get('symbol') != 'Binance_ETHUSDT']
    assert {item['summary']['reference_price'] for item in btc} == {95000.0}
