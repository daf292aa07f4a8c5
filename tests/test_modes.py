"""Every mode through the whole pipeline, in process against the fake CoinGlass: envelope, echo, typed data, charge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_coinglass import default_response

from src.modes import ENDPOINTS, Mode

MAP_PATH = '/api/futures/liquidation/map'


def served(path: str, **params: str) -> Any:
    status, body = default_response(path, params)
    assert status == 200
    return body['data']


def floats(rows: list[dict[str, Any]], *fields: str) -> list[dict[str, Any]]:
    return [{**row, **{name: float(row[name]) for name in fields}} for row in rows]


def test_liquidation_map_seed_input(actor: Any, fake: Any) -> None:
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'})
    assert run.exit_code == 0, run.log
    item = run.item
    assert item['success'] is True
    assert (item['mode'], item['symbol'], item['range']) == ('liquidation_map', 'Binance_BTCUSDT', '1d')
    assert item['data'] == served(MAP_PATH, exchange='Binance', symbol='BTCUSDT', range='1d')['data']
    first = next(iter(item['data'].values()))[0]
    assert len(first) == 4
    assert first[3] is None
    assert 'Fetched liquidation map for Binance_BTCUSDT (1d)' in item['message']
    assert [charge['event_name'] for charge in run.charges] == ['LIQUIDATION_MAP']
    map_requests = [request for request in fake.requests if request.path == MAP_PATH]
    assert map_requests[0].params == {'exchange': 'Binance', 'symbol': 'BTCUSDT', 'range': '1d'}
    assert map_requests[0].headers['cg-api-key']
    assert 'apify-coinglass-liquidation-actor' in map_requests[0].headers['user-agent']
    assert run.status.startswith('Fetched liquidation map for Binance_BTCUSDT (1d)')


def test_search_symbols_seed_input(actor: Any) -> None:
    run = actor({'mode': 'search_symbols', 'keyword': 'btc'})
    item = run.item
    assert run.exit_code == 0
    assert (item['success'], item['mode'], item['keyword']) == (True, 'search_symbols', 'btc')
    symbols = [record['symbol'] for record in item['data']]
    assert symbols[0] == 'Binance_BTCUSDT'
    assert {'OKX_BTC-USDT-SWAP', 'Binance_BTCUSD_PERP', 'Gate_BTC_USDT'} <= set(symbols)
    assert all(record['base_asset'] == 'BTC' for record in item['data'])
    first = item['data'][0]
    assert {'symbol', 'exchange', 'instrument_id', 'base_asset', 'quote_asset'} <= set(first)
    assert first['coin_supported'] is True
    assert [charge['event_name'] for charge in run.charges] == ['SEARCH_SYMBOLS']


def test_search_symbols_empty_keyword_returns_all_and_exchange_filters(actor: Any) -> None:
    everything = actor({'mode': 'search_symbols'}).item['data']
    pairs = served('/api/futures/supported-exchange-pairs')
    assert len(everything) == sum(len(listed) for listed in pairs.values())
    okx = actor({'mode': 'search_symbols', 'exchange': 'okx'}).item['data']
    assert {record['exchange'] for record in okx} == {'OKX'}


def test_coin_liquidation_map(actor: Any) -> None:
    item = actor({'mode': 'coin_liquidation_map', 'coin': 'ETH', 'range': '7d'}).item
    assert (item['success'], item['coin'], item['range']) == (True, 'ETH', '7d')
    expected = served('/api/futures/liquidation/aggregated-map', symbol='ETH', range='7d')['data']
    assert item['data'] == expected
    assert all(entry[2] is None for levels in item['data'].values() for entry in levels)


def test_pair_liquidation_history_turns_strings_into_numbers(actor: Any) -> None:
    item = actor({'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1d'}).item
    assert (item['success'], item['symbol'], item['interval']) == (True, 'Binance_BTCUSDT', '1d')
    raw = served('/api/futures/liquidation/history', exchange='Binance', symbol='BTCUSDT', interval='1d', limit='1000')
    assert len(raw) > 1000  # CoinGlass answers with more rows than asked; the latest 1000 are kept
    assert item['data'] == floats(raw[-1000:], 'long_liquidation_usd', 'short_liquidation_usd')
    assert isinstance(item['data'][0]['long_liquidation_usd'], float)


def test_coin_liquidation_history_sends_exchange_list(actor: Any, fake: Any) -> None:
    item = actor(
        {
            'mode': 'coin_liquidation_history',
            'coin': 'BTC',
            'interval': '4h',
            'exchanges': ['Binance', 'OKX'],
            'limit': 10,
        }
    ).item
    assert item['success'] is True
    assert item['exchanges'] == ['Binance', 'OKX']
    request = next(r for r in fake.requests if r.path == '/api/futures/liquidation/aggregated-history')
    assert request.params == {'exchange_list': 'Binance,OKX', 'symbol': 'BTC', 'interval': '4h', 'limit': '10'}
    assert item['data'] == served('/api/futures/liquidation/aggregated-history', **request.params)[-10:]
    assert len(item['data']) == 10


def test_liquidation_coin_list(actor: Any) -> None:
    item = actor({'mode': 'liquidation_coin_list', 'exchange': 'Binance'}).item
    assert (item['success'], item['exchange']) == (True, 'Binance')
    assert item['data'] == served('/api/futures/liquidation/coin-list', exchange='Binance')


def test_liquidation_exchange_list(actor: Any) -> None:
    item = actor({'mode': 'liquidation_exchange_list', 'range': '4h', 'coin': 'BTC'}).item
    assert (item['success'], item['range'], item['coin']) == (True, '4h', 'BTC')
    assert item['data'] == served('/api/futures/liquidation/exchange-list', range='4h', symbol='BTC')


def test_liquidation_exchange_list_all_coins(actor: Any, fake: Any) -> None:
    item = actor({'mode': 'liquidation_exchange_list', 'range': '1h'}).item
    assert item['success'] is True
    request = next(r for r in fake.requests if r.path == '/api/futures/liquidation/exchange-list')
    assert request.params == {'range': '1h'}


def test_liquidation_orders_pages_back_over_seven_days(actor: Any, fake: Any) -> None:
    item = actor({'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'}).item
    assert (item['success'], item['exchange'], item['coin'], item['min_liquidation_amount']) == (
        True,
        'Binance',
        'BTC',
        10_000,
    )
    rows = item['data']
    first_page = served(
        '/api/futures/liquidation/order', exchange='Binance', symbol='BTC', min_liquidation_amount='10000'
    )
    assert rows[:200] == first_page
    assert len(rows) > 200
    times = [row['time'] for row in rows]
    assert times == sorted(times, reverse=True)
    assert len({(row['time'], row['price']) for row in rows}) == len(rows)
    assert all(row['usd_value'] >= 10_000 for row in rows)
    pages = [r for r in fake.requests if r.path == '/api/futures/liquidation/order']
    assert len(pages) >= 2
    assert 'end_time' not in pages[0].params
    assert int(pages[1].params['end_time']) == min(row['time'] for row in first_page)


@pytest.mark.parametrize('model', ['model1', 'model3'])
def test_pair_liquidation_heatmap(actor: Any, fake: Any, model: str) -> None:
    item = actor(
        {'mode': 'pair_liquidation_heatmap', 'symbol': 'OKX_BTC-USDT-SWAP', 'range': '3d', 'model': model}
    ).item
    assert (item['success'], item['model'], item['range']) == (True, model, '3d')
    raw = served(f'/api/futures/liquidation/heatmap/{model}', exchange='OKX', symbol='BTC-USDT-SWAP', range='3d')
    assert item['data']['y_axis'] == raw['y_axis']
    assert item['data']['liquidation_leverage_data'] == raw['liquidation_leverage_data']
    candle = item['data']['price_candlesticks'][0]
    assert candle == [raw['price_candlesticks'][0][0], *(float(v) for v in raw['price_candlesticks'][0][1:])]
    assert fake.count(f'/api/futures/liquidation/heatmap/{model}') == 1


def test_coin_liquidation_heatmap_takes_coin_from_seed_symbol(actor: Any) -> None:
    item = actor({'mode': 'coin_liquidation_heatmap', 'symbol': 'Binance_SOLUSDT', 'range': '12h'}).item
    assert (item['success'], item['coin'], item['symbol']) == (True, 'SOL', 'Binance_SOLUSDT')
    raw = served('/api/futures/liquidation/aggregated-heatmap/model1', symbol='SOL', range='12h')
    assert item['data']['liquidation_leverage_data'] == raw['liquidation_leverage_data']


def test_liquidation_max_pain(actor: Any) -> None:
    item = actor({'mode': 'liquidation_max_pain', 'range': '7d'}).item
    assert (item['success'], item['range']) == (True, '7d')
    assert item['data'] == served('/api/futures/liquidation/max-pain', range='7d')


def test_every_mode_is_covered_here() -> None:
    source = Path(__file__).read_text()
    assert all(f"'{mode}'" in source for mode in Mode)
    assert set(ENDPOINTS) == set(Mode)
