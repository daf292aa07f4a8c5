"""Every input of the Actor we replace answered: liquidation maps over 90d, 180d and 365d, from the heatmap.

CoinGlass v4 has no map over 30 days; its heatmaps take 90d, 180d and 1y. A long-range map is the heatmap's latest
column (its last candle's levels by price) in the map's own shape, leverage null, read against that candle's close,
charged as the map. The seed Actor's (`../shared/reference/seed-actor-coinglass-liquidation-map.md`) own examples
all run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fake_coinglass import FakeCoinGlass, Reply, default_response

from src.times import iso

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import InProcessRun

    RunActor = Callable[..., InProcessRun]

MAP = '/api/futures/liquidation/map'
PRICE = '/api/futures/price/history'
PAIR_HEATMAP = '/api/futures/liquidation/heatmap/{model}'
COIN_HEATMAP = '/api/futures/liquidation/aggregated-heatmap/{model}'
SEED_RANGES = ('1d', '7d', '30d', '90d', '180d', '365d')


def served_heatmap(path: str, **params: str) -> dict[str, Any]:
    status, body = default_response(path, params)
    assert status == 200
    data: dict[str, Any] = body['data']
    return data


def latest_levels(heatmap: dict[str, Any]) -> dict[float, float]:
    """The heatmap's last candle's column: level by price, recomputed here from CoinGlass's shape."""
    last = len(heatmap['price_candlesticks']) - 1
    return {heatmap['y_axis'][y]: value for x, y, value in heatmap['liquidation_leverage_data'] if x == last and value}


@pytest.mark.parametrize('range_', SEED_RANGES)
def test_the_seed_examples_run_over_each_of_its_six_ranges(actor: RunActor, range_: str) -> None:
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': range_})
    item = run.item
    assert run.exit_code == 0, run.log
    assert (item['success'], item['mode'], item['symbol'], item['range']) == (
        True,
        'liquidation_map',
        'Binance_BTCUSDT',
        range_,
    )
    assert item['data'], item['message']
    for price, levels in item['data'].items():  # the seed's shape: {"<price>": [[price, level, leverage, null]]}
        for level in levels:
            assert len(level) == 4
            assert float(price) == level[0]
            assert level[1] > 0
            assert level[3] is None
    assert [charge['event_name'] for charge in run.charges] == ['LIQUIDATION_MAP']


def test_the_seed_search_example_runs(actor: RunActor) -> None:
    item = actor({'mode': 'search_symbols', 'keyword': 'btc'}).item
    assert item['success'] is True
    assert item['data'][0]['symbol'] == 'Binance_BTCUSDT'


@pytest.mark.parametrize(
    'case',
    [
        (
            {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '90d'},
            PAIR_HEATMAP.format(model='model1'),
            {'exchange': 'Binance', 'symbol': 'BTCUSDT', 'range': '90d'},
            '90d',
        ),
        (
            {'mode': 'coin_liquidation_map', 'coin': 'eth', 'range': '365d', 'model': 'Model2'},
            COIN_HEATMAP.format(model='model2'),
            {'symbol': 'ETH', 'range': '1y'},
            '1y',
        ),
    ],
    ids=['pair-90d', 'coin-365d-model2'],
)
def test_a_long_range_map_is_the_heatmaps_latest_column_price_by_price(
    actor: RunActor, fake: FakeCoinGlass, case: tuple[dict[str, Any], str, dict[str, str], str]
) -> None:
    query, path, params, heatmap_range = case
    run = actor(query)
    item = run.item
    heatmap = served_heatmap(path, **params)
    expected = latest_levels(heatmap)
    got = {level[0]: level[1] for levels in item['data'].values() for level in levels}
    assert got == expected
    assert all(level[2] is None for levels in item['data'].values() for level in levels)  # leverage never invented
    last = heatmap['price_candlesticks'][-1]
    time = last[0] * 1000
    model = path.rsplit('/', 1)[-1]
    source = 'coin_liquidation_heatmap' if 'aggregated' in path else 'pair_liquidation_heatmap'
    assert item['derived_from'] == {'mode': source, 'range': heatmap_range, 'model': model, 'time': time}
    assert (
        f"Derived from CoinGlass's {heatmap_range} liquidation heatmap ({model}), the levels standing at {iso(time)}; "
        f'CoinGlass v4 has no {heatmap_range} map, so leverage is not given.'
    ) in item['message']
    summary = item['summary']
    assert summary['reference_price'] == float(last[4])  # the column's own candle close
    below = sum(level for price, level in expected.items() if price < float(last[4]))
    assert summary['long_below_usd'] == pytest.approx(below, abs=0.01)
    assert summary['by_leverage'] is None
    assert [(request.path, request.params) for request in fake.requests] == [(path, params)]  # one request
    assert [charge['event_name'] for charge in run.charges] == [query['mode'].upper()]


def test_the_map_rows_and_chart_of_a_long_range_map(actor: RunActor) -> None:
    run = actor(
        {'mode': 'liquidation_map', 'symbol': 'OKX_BTC-USDT-SWAP', 'range': '180d', 'output': 'rows', 'charts': True}
    )
    item = run.item
    assert item['success'] is True
    assert {'price', 'level_usd', 'leverage', 'side', 'distance_pct'} == set(item['data'][0])
    assert {row['side'] for row in item['data']} == {'long', 'short'}
    assert item['chart_url']


def test_an_empty_latest_column_is_an_empty_uncharged_answer_that_says_so(actor: RunActor, fake: FakeCoinGlass) -> None:
    candles = [
        [1_763_600_000, '95000', '95100', '94900', '95050', '1'],
        [1_763_683_200, '95050', '95200', '94800', '95000', '1'],
    ]
    fake.script(
        PAIR_HEATMAP.format(model='model1'),
        Reply(
            200,
            {
                'code': '0',
                'msg': 'success',
                'data': {
                    'y_axis': [94000, 96000],
                    'liquidation_leverage_data': [[0, 0, 5000.0], [0, 1, 7000.0], [1, 1, 0]],  # nothing at the last
                    'price_candlesticks': candles,
                },
            },
        ),
    )
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '90d'})
    item = run.item
    assert run.exit_code == 0
    assert item['success'] is True
    assert item['data'] == {}
    assert item['message'].startswith(
        "No liquidation map matched Binance_BTCUSDT (90d): the latest column of CoinGlass's 90d liquidation heatmap "
        f'(model1) ({iso(1_763_683_200_000)}) has no levels (not charged).'
    )
    assert run.charges == []


def test_a_plan_without_heatmaps_gets_the_plan_of_the_endpoint_really_called(
    actor: RunActor, fake: FakeCoinGlass
) -> None:
    fake.script(PAIR_HEATMAP.format(model='model1'), Reply(200, {'code': '401', 'msg': 'Upgrade plan'}))
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '180d'})
    item = run.item
    assert item['success'] is False
    assert item['error_type'] == 'plan'
    assert (
        'liquidation_map over 180d is answered from pair_liquidation_heatmap, which needs the CoinGlass '
        in item['message']
    )
    assert run.charges == []
    assert fake.count(MAP) == 0


def test_short_ranges_still_call_the_map_with_leverage(actor: RunActor, fake: FakeCoinGlass) -> None:
    item = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '30d', 'model': 'model3'}).item
    assert item['success'] is True
    assert 'derived_from' not in item
    assert 'model' not in item  # a 30d map reads no model: it is not echoed
    assert any(level[2] is not None for levels in item['data'].values() for level in levels)
    assert fake.count(MAP) == 1
    assert fake.count(PRICE) == 1


@pytest.mark.parametrize(
    ('range_', 'message'),
    [('2d', 'use one of 1d, 7d, 30d, 90d, 180d, 1y'), ('90m', 'use one of 1d, 7d, 30d, 90d, 180d, 1y')],
)
def test_a_range_no_map_takes_names_the_ranges_it_does(actor: RunActor, range_: str, message: str) -> None:
    run = actor({'mode': 'coin_liquidation_map', 'coin': 'BTC', 'range': range_})
    assert run.exit_code == 2
    assert message in run.item['message']


def test_a_bad_model_for_a_long_range_map_is_refused(actor: RunActor) -> None:
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '90d', 'model': 'model9'})
    assert run.exit_code == 2
    assert run.item['message'] == (
        "Input field 'model' is \"model9\", which liquidation_map does not take (did you mean 'model3' or "
        "'model2'?): use one of model1, model2, model3."
    )


def test_a_heatmap_in_the_short_v3_names_is_read_as_the_documented_one(actor: RunActor, fake: FakeCoinGlass) -> None:
    """Users report model2 over 180d and 1y answering with `y`, `liq` and `prices` (CoinGlass's v3 names)."""
    candles = [
        [1_763_596_800, '94000', '95500', '93500', '95000', '10'],
        [1_763_683_200, '95000', '96000', '94000', '95000', '12'],
    ]
    documented = {'y_axis': [94000, 96000], 'liquidation_leverage_data': [[1, 0, 3000.0], [1, 1, 2000.0]]}
    short = {'y': [94000, 96000], 'liq': [[1, 0, 3000.0], [1, 1, 2000.0]], 'prices': candles, 'precision': 2}
    fake.script(COIN_HEATMAP.format(model='model2'), Reply(200, {'code': '0', 'data': short}))
    item = actor({'mode': 'coin_liquidation_map', 'coin': 'BTC', 'range': '180d', 'model': 'model2'}).item
    assert item['data'] == {'94000': [[94000, 3000.0, None, None]], '96000': [[96000, 2000.0, None, None]]}
    assert item['summary']['long_below_usd'] == 3000.0
    fake.script(COIN_HEATMAP.format(model='model2'), Reply(200, {'code': '0', 'data': short}))
    heatmap = actor({'mode': 'coin_liquidation_heatmap', 'coin': 'BTC', 'range': '180d', 'model': 'model2'}).item
    assert heatmap['data']['y_axis'] == documented['y_axis']
    assert heatmap['data']['liquidation_leverage_data'] == documented['liquidation_leverage_data']
    assert heatmap['data']['precision'] == 2  # what we do not read is kept
    assert 'y' not in heatmap['data']
