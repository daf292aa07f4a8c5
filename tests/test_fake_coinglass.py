"""Tests for the fake CoinGlass server (tests/fake_coinglass.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fake_coinglass import (
    BASE_PRICES,
    DATA_START_MS,
    DAY_MS,
    EXCHANGE_PAIRS,
    EXTRA_LATEST_ROWS,
    LISTED_EXCHANGES,
    MAX_PAIN_COINS,
    NOW_MS,
    SUPPORTED_COINS,
    ZERO_ROWS_FROM_MS,
    FakeCoinGlass,
    Reply,
    default_response,
    price_at,
    server_error_reply,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

KEY = {'CG-API-KEY': 'test-key'}
HISTORY = '/api/futures/liquidation/history'
AGG_HISTORY = '/api/futures/liquidation/aggregated-history'
ORDERS = '/api/futures/liquidation/order'
PAIR = {'exchange': 'Binance', 'symbol': 'BTCUSDT'}


@pytest.fixture(scope='module')
def fake() -> Iterator[FakeCoinGlass]:
    with FakeCoinGlass() as server:
        yield server


@pytest.fixture(scope='module')
def shared_client(fake: FakeCoinGlass) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, headers=KEY, timeout=5) as c:
        yield c


@pytest.fixture
def client(fake: FakeCoinGlass, shared_client: httpx.Client) -> httpx.Client:
    fake.reset()
    return shared_client


CAPTURES = Path(__file__).resolve().parent / 'real_responses'


def plain_client(url: str, **kwargs: Any) -> httpx.Client:
    """A client for plain-HTTP servers (skips the slow TLS context setup)."""
    return httpx.Client(base_url=url, verify=False, **kwargs)  # noqa: S501 - plain HTTP, nothing to verify


def get(client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body['code'] == '0', body
    return body


# ----------------------------------------------------------------------------------------------------------------------
# every endpoint: code "0", documented shape, and equal to default_response


ENDPOINT_CASES: list[tuple[str, dict[str, str]]] = [
    (HISTORY, {**PAIR, 'interval': '1h', 'limit': '10'}),
    (AGG_HISTORY, {'exchange_list': 'Binance,OKX', 'symbol': 'BTC', 'interval': '4h', 'limit': '10'}),
    ('/api/futures/liquidation/coin-list', {'exchange': 'Binance'}),
    ('/api/futures/liquidation/exchange-list', {'range': '24h', 'symbol': 'ETH'}),
    (ORDERS, {'exchange': 'OKX', 'symbol': 'ETH', 'min_liquidation_amount': '10000'}),
    ('/api/futures/liquidation/heatmap/model1', {**PAIR, 'range': '3d'}),
    ('/api/futures/liquidation/heatmap/model2', {'exchange': 'OKX', 'symbol': 'BTC-USDT-SWAP', 'range': '12h'}),
    ('/api/futures/liquidation/heatmap/model3', {**PAIR, 'range': '24h'}),
    ('/api/futures/liquidation/aggregated-heatmap/model1', {'symbol': 'ETH', 'range': '7d'}),
    ('/api/futures/liquidation/aggregated-heatmap/model2', {'symbol': 'SOL', 'range': '12h'}),
    ('/api/futures/liquidation/aggregated-heatmap/model3', {'symbol': 'DOGE', 'range': '24h'}),
    ('/api/futures/liquidation/map', {**PAIR, 'range': '1d'}),
    ('/api/futures/liquidation/aggregated-map', {'symbol': 'XRP', 'range': '30d'}),
    ('/api/futures/liquidation/max-pain', {'range': '7d'}),
    ('/api/futures/price/history', {**PAIR, 'interval': '1h', 'limit': '5'}),
    ('/api/futures/supported-coins', {}),
    ('/api/futures/supported-exchanges', {}),
    ('/api/futures/supported-exchange-pairs', {}),
    ('/api/user/account/subscription', {}),
]


@pytest.mark.parametrize(('path', 'params'), ENDPOINT_CASES, ids=[c[0].rsplit('/api/', 1)[1] for c in ENDPOINT_CASES])
def test_every_endpoint_serves_default_response(client: httpx.Client, path: str, params: dict[str, str]) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 200
    assert response.headers['content-type'] == 'application/json'
    assert response.headers['api-key-max-limit'] == '1200'
    assert response.headers['api-key-use-limit'] == '1'
    body = response.json()
    assert body['code'] == '0'
    assert body == default_response(path, params)[1]
    no_msg = path in {'/api/futures/liquidation/max-pain', '/api/futures/price/history'}
    assert ('msg' in body) is not no_msg
    assert body['data']


def test_default_response_is_deterministic() -> None:
    for path, params in ENDPOINT_CASES:
        assert default_response(path, params) == default_response(path, dict(params))


def test_history_shapes_and_more_latest_rows_than_asked() -> None:
    rows = default_response(HISTORY, {**PAIR, 'interval': '1d', 'limit': '3'})[1]['data']
    assert len(rows) == 3 + EXTRA_LATEST_ROWS  # as CoinGlass answers 1080 rows to a request for 1000
    assert set(rows[0]) == {'time', 'long_liquidation_usd', 'short_liquidation_usd'}
    assert isinstance(rows[0]['long_liquidation_usd'], str)
    float(rows[0]['long_liquidation_usd'])
    assert rows[-1]['time'] == NOW_MS  # the interval still open at "now"
    agg = default_response(AGG_HISTORY, {'exchange_list': 'Binance, OKX', 'symbol': 'BTC', 'interval': '1d'})[1]['data']
    assert len(agg) == 1000 + EXTRA_LATEST_ROWS
    assert set(agg[0]) == {'time', 'aggregated_long_liquidation_usd', 'aggregated_short_liquidation_usd'}
    assert isinstance(agg[0]['aggregated_long_liquidation_usd'], float)


def test_history_has_leading_zero_rows_before_the_coin_was_tracked() -> None:
    params = {**PAIR, 'interval': '1w', 'start_time': '0', 'limit': '1000'}
    rows = default_response(HISTORY, params)[1]['data']
    assert rows[0]['time'] >= ZERO_ROWS_FROM_MS
    zeros = [row for row in rows if row['time'] < DATA_START_MS]
    assert zeros
    assert all(float(row['long_liquidation_usd']) == float(row['short_liquidation_usd']) == 0 for row in zeros)
    assert float(next(row for row in rows if row['time'] >= DATA_START_MS)['long_liquidation_usd']) > 0


@pytest.mark.parametrize(
    ('path', 'base'),
    [
        (HISTORY, PAIR),
        (AGG_HISTORY, {'exchange_list': 'Binance,Bybit', 'symbol': 'ETH'}),
        ('/api/futures/price/history', PAIR),
    ],
)
def test_history_windows_agree_and_respect_bounds(path: str, base: dict[str, str]) -> None:
    hour = 3_600_000
    start = NOW_MS - 100 * hour + 1  # not aligned: first row is the next grid point
    first = default_response(path, {**base, 'interval': '1h', 'limit': '30', 'start_time': str(start)})[1]['data']
    times = [r['time'] for r in first]
    assert times[0] == NOW_MS - 99 * hour
    assert times == [times[0] + i * hour for i in range(30)]  # first `limit` rows from start_time, ascending

    end = NOW_MS - 80 * hour - 1
    last = default_response(path, {**base, 'interval': '1h', 'limit': '30', 'end_time': str(end)})[1]['data']
    assert last[-1]['time'] == NOW_MS - 81 * hour  # the latest `limit` rows up to end_time, and more
    assert len(last) == 30 + EXTRA_LATEST_ROWS

    both = default_response(
        path, {**base, 'interval': '1h', 'start_time': str(start), 'end_time': str(NOW_MS - 90 * hour), 'limit': '1000'}
    )[1]['data']
    assert [r['time'] for r in both] == [NOW_MS - h * hour for h in range(99, 89, -1)]  # inclusive end

    by_time = {r['time']: r for r in first}
    overlap = [r for r in last if r['time'] in by_time]
    assert len(overlap) == 19  # hours -99..-81
    for row in overlap:
        assert row == by_time[row['time']]

    future = default_response(path, {**base, 'interval': '1h', 'limit': '2', 'end_time': str(NOW_MS + DAY_MS)})
    assert future[1]['data'][-1]['time'] == NOW_MS  # nothing after "now"


def test_history_limit_validation() -> None:
    assert default_response(HISTORY, {**PAIR, 'interval': '1d', 'limit': '1001'}) == (
        200,
        {'code': '400', 'msg': 'Invalid parameter: limit'},
    )
    assert default_response(HISTORY, {**PAIR, 'interval': '2h'})[1] == {
        'code': '400',
        'msg': 'Invalid parameter: interval',
    }
    assert default_response(HISTORY, {**PAIR})[1] == {
        'code': '400',
        'msg': "Required String parameter 'interval' is not present",
    }
    assert default_response('/api/futures/price/history', {**PAIR, 'interval': '1h'})[1]['msg'] == (
        "Required String parameter 'limit' is not present"
    )


def test_price_history_latest_close_is_base_price() -> None:
    for exchange, pairs in EXCHANGE_PAIRS.items():
        for instrument, coin, _quote in pairs:
            for interval in ('1m', '1h', '1w'):
                params = {'exchange': exchange, 'symbol': instrument, 'interval': interval, 'limit': '1'}
                rows = default_response('/api/futures/price/history', params)[1]['data']
                assert rows[-1]['close'] == str(BASE_PRICES[coin])
                assert all(isinstance(rows[-1][k], str) for k in ('open', 'high', 'low', 'close', 'volume_usd'))
    assert str(BASE_PRICES['BTC']) == '95000.0'
    assert price_at('BTC', NOW_MS) == 95000.0


@pytest.mark.parametrize('range_', ['12h', '24h', '7d'])
def test_max_pain_sides_are_as_live_longs_below_the_price_shorts_above(range_: str) -> None:
    live = json.loads((CAPTURES / 'max-pain' / 'linlea666-LIQ_20260428T093007Z.schema.json').read_text())
    for sample in live['items_schema']:  # BTC 76,729.6: longs 76,311, shorts 78,619
        fields = {name: field['sample'] for name, field in sample['fields'].items()}
        assert fields['long_max_pain_liq_price'] < fields['price'] < fields['short_max_pain_liq_price']
    rows = default_response('/api/futures/liquidation/max-pain', {'range': range_})[1]['data']
    assert all(row['long_max_pain_liq_price'] < row['price'] < row['short_max_pain_liq_price'] for row in rows)


def test_orders_newest_first_filtered_and_pageable() -> None:
    params = {'exchange': 'Binance', 'symbol': 'BTC', 'min_liquidation_amount': '10000'}
    rows = default_response(ORDERS, params)[1]['data']
    assert len(rows) == 200
    times = [r['time'] for r in rows]
    assert times == sorted(times, reverse=True)
    assert all(r['usd_value'] >= 10000 for r in rows)
    assert times[0] <= NOW_MS
    row = rows[0]
    assert set(row) == {'exchange_name', 'symbol', 'base_asset', 'price', 'usd_value', 'side', 'time'}
    assert (row['exchange_name'], row['symbol'], row['base_asset']) == ('BINANCE', 'BTCUSDT', 'BTC')
    assert {r['side'] for r in rows} == {1, 2}

    page2 = default_response(ORDERS, {**params, 'end_time': str(times[-1] - 1)})[1]['data']
    assert page2[0]['time'] < times[-1]
    everything = default_response(ORDERS, {**params, 'min_liquidation_amount': '0'})[1]['data']
    values = [r['usd_value'] for r in everything]
    assert min(values) < 2000

    window = default_response(
        ORDERS, {**params, 'start_time': str(NOW_MS - 3_600_000), 'end_time': str(NOW_MS - 1_800_000)}
    )[1]['data']
    assert 0 < len(window) < 200
    assert all(NOW_MS - 3_600_000 <= r['time'] <= NOW_MS - 1_800_000 for r in window)

    big = default_response(ORDERS, {**params, 'min_liquidation_amount': '500000'})[1]['data']
    assert big
    assert all(r['usd_value'] >= 500000 for r in big)
    assert all(r['time'] >= NOW_MS - 7 * DAY_MS for r in big)
    assert default_response(ORDERS, {**params, 'end_time': str(NOW_MS - 8 * DAY_MS)})[1]['data'] == []
    assert default_response(ORDERS, {'exchange': 'Binance', 'symbol': 'BTC'})[1] == {
        'code': '400',
        'msg': "Required String parameter 'min_liquidation_amount' is not present",
    }


@pytest.mark.parametrize('range_', ['12h', '3d', '1y'])
def test_heatmap_indices_in_range(range_: str) -> None:
    body = default_response('/api/futures/liquidation/aggregated-heatmap/model2', {'symbol': 'BTC', 'range': range_})[1]
    data = body['data']
    y_axis, cells, candles = data['y_axis'], data['liquidation_leverage_data'], data['price_candlesticks']
    assert y_axis == sorted(y_axis)
    assert len(y_axis) == 200
    expected = {'12h': 144, '3d': 288, '1y': 730}[range_]
    assert len(candles) == expected
    assert candles[-1][0] == NOW_MS // 1000
    assert all(isinstance(c[0], int) and all(isinstance(v, str) for v in c[1:]) for c in candles)
    assert all(0 <= x < len(candles) and 0 <= y < len(y_axis) and value > 0 for x, y, value in cells)
    density = len(cells) / (len(candles) * len(y_axis))
    assert 0.3 <= density <= 0.4
    if range_ == '1y':
        assert len(json.dumps(body)) > 1_000_000


def test_maps() -> None:
    pair = default_response('/api/futures/liquidation/map', {**PAIR, 'range': '1d'})[1]['data']['data']
    week = default_response('/api/futures/liquidation/map', {**PAIR, 'range': '7d'})[1]['data']['data']
    assert 55 <= len(pair) <= 65
    base = BASE_PRICES['BTC']
    for key, tuples in pair.items():
        assert 1 <= len(tuples) <= 3
        for price, level, leverage, extra in tuples:
            assert isinstance(price, int)
            assert str(price) == key
            assert 0.849 * base <= price <= 1.151 * base
            assert 1e4 <= level <= 5e7
            assert leverage in {5, 10, 25, 50, 100}
            assert extra is None
    assert sum(t[1] for ts in week.values() for t in ts) > sum(t[1] for ts in pair.values() for t in ts)
    coin = default_response('/api/futures/liquidation/aggregated-map', {'symbol': 'DOGE', 'range': '1d'})[1]
    for key, tuples in coin['data']['data'].items():
        assert all(float(key) == t[0] and isinstance(t[0], float) and t[2] is None for t in tuples)


def test_lists_and_lookups() -> None:
    assert default_response('/api/futures/supported-coins', {})[1]['data'] == list(SUPPORTED_COINS)
    pairs = default_response('/api/futures/supported-exchange-pairs', {})[1]['data']
    assert list(pairs) == ['Binance', 'OKX', 'Bybit', 'Gate']
    perp = next(p for p in pairs['Binance'] if p['instrument_id'] == 'BTCUSD_PERP')
    assert perp['quote_asset'] == 'USD'
    assert isinstance(perp['onboard_date'], int)
    only = default_response('/api/futures/supported-exchange-pairs', {'exchange': 'OKX'})[1]['data']
    assert list(only) == ['OKX']
    assert default_response('/api/futures/supported-exchange-pairs', {'exchange': 'Nope'})[1]['data'] == {}

    coins = default_response('/api/futures/liquidation/coin-list', {'exchange': 'Bybit'})[1]['data']
    assert [r['symbol'] for r in coins] == list(SUPPORTED_COINS)
    for row in coins:
        for span in ('24h', '12h', '4h', '1h'):
            total = row[f'liquidation_usd_{span}']
            assert total == pytest.approx(row[f'long_liquidation_usd_{span}'] + row[f'short_liquidation_usd_{span}'])
        assert row['liquidation_usd_24h'] >= row['liquidation_usd_12h'] >= row['liquidation_usd_4h']

    exchanges = default_response('/api/futures/liquidation/exchange-list', {'range': '1h'})[1]['data']
    assert exchanges[0]['exchange'] == 'All'
    assert {r['exchange'] for r in exchanges[1:]} == {'Binance', 'OKX', 'Bybit', 'Gate', 'Bitget', 'Hyperliquid'}
    totals = [r['liquidation_usd'] for r in exchanges[1:]]
    assert totals == sorted(totals, reverse=True)  # as the live list: largest first
    assert exchanges[0]['liquidation_usd'] == pytest.approx(sum(totals))
    assert all({'longLiquidation_usd', 'shortLiquidation_usd'} <= set(r) for r in exchanges)  # the live spelling
    gate = next(r for r in exchanges if r['exchange'] == 'Gate')
    assert gate['longLiquidation_usd'] == gate['shortLiquidation_usd'] == 0
    assert gate['liquidation_usd'] > 0
    assert default_response('/api/futures/supported-exchanges', {})[1]['data'] == list(LISTED_EXCHANGES)

    pain = default_response('/api/futures/liquidation/max-pain', {})[1]
    assert 'msg' not in pain
    assert len(pain['data']) == MAX_PAIN_COINS
    assert [r['symbol'] for r in pain['data'][:5]] == list(SUPPORTED_COINS)
    assert all(isinstance(value, float) for row in pain['data'] for key, value in row.items() if key != 'symbol')
    sub = default_response('/api/user/account/subscription', {}, plan='Standard')[1]['data']
    assert sub == {'level': 'STANDARD', 'expire_time': NOW_MS + 30 * DAY_MS, 'expired': False}


# ----------------------------------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(
    ('path', 'params', 'msg', 'code'),
    [
        (HISTORY, {'exchange': 'Binance', 'symbol': 'BTC-USDT-SWAP', 'interval': '1d'}, 'symbol', '40001'),
        (HISTORY, {'exchange': 'Kraken', 'symbol': 'BTCUSDT', 'interval': '1d'}, 'exchange', '40001'),
        ('/api/futures/liquidation/aggregated-map', {'symbol': 'PEPE', 'range': '1d'}, 'symbol', '40001'),
        ('/api/futures/liquidation/map', {**PAIR, 'range': '90d'}, 'range', '400'),
        ('/api/futures/liquidation/heatmap/model1', {**PAIR, 'range': '2d'}, 'range', '400'),
        ('/api/futures/liquidation/max-pain', {'range': '1y'}, 'range', '400'),
        (AGG_HISTORY, {'exchange_list': 'Binance,Foo', 'symbol': 'BTC', 'interval': '1d'}, 'exchange_list', '40001'),
        (HISTORY, {**PAIR, 'interval': '1d', 'start_time': 'yesterday'}, 'start_time', '400'),
    ],
)
def test_parameter_errors(path: str, params: dict[str, str], msg: str, code: str) -> None:
    assert default_response(path, params) == (200, {'code': code, 'msg': f'Invalid parameter: {msg}'})


@pytest.mark.parametrize(
    ('path', 'params', 'missing'),
    [
        (HISTORY, {'exchange': 'Binance', 'interval': '1d'}, 'symbol'),
        ('/api/futures/liquidation/exchange-list', {}, 'range'),  # as captured live
    ],
)
def test_a_missing_parameter_is_answered_in_springs_words(path: str, params: dict[str, str], missing: str) -> None:
    assert default_response(path, params) == (
        200,
        {'code': '400', 'msg': f"Required String parameter '{missing}' is not present"},
    )


def test_unknown_pair_over_http(client: httpx.Client) -> None:
    response = client.get(HISTORY, params={'exchange': 'Binance', 'symbol': 'FOOUSDT', 'interval': '1d'})
    assert response.status_code == 200
    assert response.json() == {'code': '40001', 'msg': 'Invalid parameter: symbol'}


def test_unknown_path_and_double_slash(client: httpx.Client, fake: FakeCoinGlass) -> None:
    response = client.get('/api/futures/liquidation/nothing')
    assert response.status_code == 404
    assert response.json() == {  # Spring's shape, without code or msg, as captured live
        'timestamp': NOW_MS,
        'status': 404,
        'error': 'Not Found',
        'message': '',
        'path': '/api/futures/liquidation/nothing',
    }
    raw = client.get(fake.url + '//api/futures/supported-coins')
    assert raw.json()['data'] == list(SUPPORTED_COINS)
    assert fake.requests[-1].path == '/api/futures/supported-coins'
    assert fake.requests[-1].raw_target == '//api/futures/supported-coins'


def test_missing_and_invalid_key() -> None:
    with FakeCoinGlass(valid_keys={'good'}) as server, plain_client(server.url) as c:
        missing = c.get('/api/futures/supported-coins')
        assert missing.status_code == 200
        assert missing.json() == {'code': '400', 'msg': 'API key missing.'}
        empty = c.get('/api/futures/supported-coins', headers={'CG-API-KEY': ''})
        assert empty.json() == {'code': '400', 'msg': 'API key missing.'}
        bad = c.get('/api/futures/supported-coins', headers={'CG-API-KEY': 'bad'})
        assert bad.status_code == 401
        assert bad.json() == {'code': '401', 'msg': 'Invalid API key provided'}
        assert bad.headers['api-key-use-limit'] == '3'
        good = c.get('/api/futures/supported-coins', headers={'CG-API-KEY': 'good'})
        assert good.json()['code'] == '0'


def test_plan_denial() -> None:
    with FakeCoinGlass(plan='Hobbyist') as server, plain_client(server.url, headers=KEY) as c:
        denied = c.get('/api/futures/liquidation/coin-list', params={'exchange': 'Binance'})
        assert denied.status_code == 200
        assert denied.json() == {'code': '401', 'msg': 'Upgrade plan'}
        assert c.get(HISTORY, params={**PAIR, 'interval': '4h'}).json()['code'] == '0'
        assert c.get('/api/user/account/subscription').json()['data']['level'] == 'HOBBYIST'
        server.plan = 'STANDARD'
        assert (
            c.get(ORDERS, params={'exchange': 'Binance', 'symbol': 'BTC', 'min_liquidation_amount': '1'}).json()['code']
            == '0'
        )
        assert c.get('/api/futures/liquidation/max-pain').json() == {'code': '401', 'msg': 'Upgrade plan'}
    assert default_response('/api/futures/liquidation/map', {}, plan='STARTUP')[1]['msg'] == 'Upgrade plan'
    with pytest.raises(ValueError, match='unknown plan'):
        FakeCoinGlass(plan='GOLD')


@pytest.mark.parametrize(
    ('style', 'orders', 'max_pain'),
    [
        ('upgrade-plan', {'code': '401', 'msg': 'Upgrade plan'}, {'code': '401', 'msg': 'Upgrade plan'}),
        (
            'please-upgrade',  # the 2025 wording, naming the plan the endpoint needs
            {'code': '400', 'msg': 'Please upgrade to standard'},
            {'code': '400', 'msg': 'Please upgrade to professional'},
        ),
        ('upgrade-required', {'code': '403', 'msg': 'upgrade_required'}, {'code': '403', 'msg': 'upgrade_required'}),
    ],
)
def test_plan_denial_styles(style: Any, orders: dict[str, str], max_pain: dict[str, str]) -> None:
    with FakeCoinGlass(plan='Startup', plan_denial_style=style) as server, plain_client(server.url, headers=KEY) as c:
        denied = c.get(ORDERS, params={'exchange': 'Binance', 'symbol': 'BTC', 'min_liquidation_amount': '1'})
        assert (denied.status_code, denied.json()) == (200, orders)
        assert c.get('/api/futures/liquidation/max-pain').json() == max_pain
        assert c.get('/api/futures/liquidation/coin-list', params={'exchange': 'Binance'}).json()['code'] == '0'


# ----------------------------------------------------------------------------------------------------------------------
# budget, scripts, faults


def test_budget_enforcement_and_headers() -> None:
    with FakeCoinGlass(budget_per_minute=3, window_s=0.3) as server, plain_client(server.url, headers=KEY) as c:
        server.script('/api/futures/supported-coins', Reply(status=500, body={'oops': True}))
        used = [c.get('/api/futures/supported-exchanges').headers['api-key-use-limit'] for _ in range(3)]
        assert used == ['1', '2', '3']
        limited = c.get('/api/futures/supported-coins')
        assert limited.status_code == 429
        assert limited.json() == {'code': '429', 'msg': 'Too Many Requests'}
        assert limited.headers['api-key-max-limit'] == '3'
        assert limited.headers['api-key-use-limit'] == '3'
        assert server.too_many_requests == 1
        assert server.pending('/api/futures/supported-coins') == 1  # a 429 does not consume a script
        time.sleep(0.35)
        fresh = c.get('/api/futures/supported-coins')
        assert fresh.status_code == 500  # the window rolled; the script is served now
        assert fresh.headers['api-key-use-limit'] == '1'
        assert server.count() == 5
        server.reset()
        assert (server.count(), server.too_many_requests) == (0, 0)


@pytest.mark.parametrize('headers', [True, False], ids=['with-headers', 'without-headers'])
def test_budget_refused_over_http_200_as_live(headers: bool) -> None:
    options: dict[str, Any] = {'rate_limit_style': 'body200', 'rate_limit_headers': headers}
    with (
        FakeCoinGlass(budget_per_minute=2, window_s=0.3, **options) as server,
        plain_client(server.url, headers=KEY) as c,
    ):
        assert [c.get('/api/futures/supported-coins').status_code for _ in range(2)] == [200, 200]
        limited = c.get('/api/futures/supported-coins')
        assert (limited.status_code, limited.json()) == (200, {'code': '400', 'msg': 'Too Many Requests'})
        assert ('api-key-use-limit' in limited.headers) is headers
        assert limited.headers.get('api-key-max-limit') == ('2' if headers else None)
        assert server.too_many_requests == 1
        time.sleep(0.35)
        assert c.get('/api/futures/supported-coins').json()['code'] == '0'


def test_budget_is_thread_safe() -> None:
    with FakeCoinGlass(budget_per_minute=10) as server, plain_client(server.url, headers=KEY) as c:

        def hit(_: int) -> int:
            return c.get('/api/futures/supported-coins').status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(hit, range(25)))
        assert statuses.count(200) == 10
        assert statuses.count(429) == 15
        assert server.too_many_requests == 15
        assert server.count('/api/futures/supported-coins') == 25


def test_scripts_fifo_and_wildcard(client: httpx.Client, fake: FakeCoinGlass) -> None:
    fake.script(
        HISTORY,
        Reply(status=500, body=server_error_reply(HISTORY).body),
        Reply(body='<html>Cloudflare</html>'),
        Reply(body=b'{"code": "0", "da', headers={'API-KEY-USE-LIMIT': '999'}),
    )
    fake.script('*', Reply(status=503, body={'code': '503'}))
    first = client.get(HISTORY, params=PAIR)
    assert first.status_code == 500
    assert first.json()['status'] == 500
    assert first.headers['api-key-max-limit'] == '1200'
    second = client.get(fake.url + '//api/futures/liquidation/history')
    assert second.text == '<html>Cloudflare</html>'
    assert second.headers['content-type'].startswith('text/html')
    third = client.get(HISTORY)
    assert third.content == b'{"code": "0", "da'
    assert third.headers['api-key-use-limit'] == '999'
    assert client.get(HISTORY).status_code == 503  # path queue empty -> '*'
    assert get(client, HISTORY, **PAIR, interval='1d', limit=2)['data']  # both empty -> default
    fake.script('*', Reply(body={'any': 1}), Reply(body={'any': 2}))
    assert client.get('/api/futures/supported-coins').json() == {'any': 1}
    assert client.get('/no/such/path').json() == {'any': 2}
    assert fake.pending() == 0
    assert fake.count(HISTORY) == 5
    assert fake.count() == 7


def test_reset_action_closes_connection(client: httpx.Client, fake: FakeCoinGlass) -> None:
    get(client, '/api/futures/supported-coins')  # open a keep-alive connection first
    fake.script('/api/futures/supported-coins', Reply(action='reset'))
    with pytest.raises(httpx.TransportError):
        client.get('/api/futures/supported-coins')
    assert get(client, '/api/futures/supported-coins')['data']  # a new connection works


def test_delay_causes_client_timeout(fake: FakeCoinGlass) -> None:
    fake.reset()
    fake.script('*', Reply(delay_s=0.3, body={'late': True}))
    with plain_client(fake.url, headers=KEY, timeout=0.05) as c, pytest.raises(httpx.ReadTimeout):
        c.get('/api/futures/supported-coins')
    fake.reset()


def test_requests_recorded_and_latency() -> None:
    with FakeCoinGlass(latency_s=0.05) as server, plain_client(server.url, headers=KEY) as c:
        started = time.perf_counter()
        get(c, HISTORY, **PAIR, interval='1d', limit=1)
        assert time.perf_counter() - started >= 0.05
        recorded = server.requests[0]
        assert recorded.method == 'GET'
        assert recorded.path == HISTORY
        assert recorded.params == {'exchange': 'Binance', 'symbol': 'BTCUSDT', 'interval': '1d', 'limit': '1'}
        assert recorded.headers['cg-api-key'] == 'test-key'
        assert recorded.raw_target.startswith(HISTORY + '?')


def test_keep_alive_throughput(client: httpx.Client, fake: FakeCoinGlass) -> None:
    started = time.perf_counter()
    for i in range(200):
        client.get(HISTORY, params={**PAIR, 'interval': '1h', 'limit': '100', 'end_time': str(NOW_MS - i * 3_600_000)})
    assert time.perf_counter() - started < 3
    assert fake.count(HISTORY) == 200
    started = time.perf_counter()
    big = client.get('/api/futures/liquidation/heatmap/model1', params={**PAIR, 'range': '1y'})
    again = client.get('/api/futures/liquidation/heatmap/model1', params={**PAIR, 'range': '1y'})
    assert big.content == again.content
    assert int(big.headers['content-length']) == len(big.content) > 1_000_000
    assert time.perf_counter() - started < 2


def test_stop_is_idempotent_and_url_requires_start() -> None:
    server = FakeCoinGlass()
    with pytest.raises(RuntimeError):
        _ = server.url
    server.start()
    url = server.url
    with plain_client(url, headers=KEY) as c:
        assert c.get('/api/futures/supported-coins').status_code == 200
        server.stop()
        server.stop()
        with pytest.raises(httpx.TransportError):  # the kept-alive connection was closed too
            c.get('/api/futures/supported-coins')
        with pytest.raises(httpx.ConnectError):
            c.get('/api/futures/supported-coins')


def test_cli_prints_its_line_and_serves() -> None:
    script = Path(__file__).with_name('fake_coinglass.py')
    proc = subprocess.Popen(
        [
            *(sys.executable, str(script), '--port', '0', '--budget', '2', '--plan', 'standard'),
            *('--rate-limit-style', 'body200', '--no-rate-limit-headers', '--plan-denial-style', 'please-upgrade'),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith('Fake CoinGlass listening on http://127.0.0.1:')
        url = line.rsplit(' ', 1)[1]
        assert int(url.rsplit(':', 1)[1]) > 0
        with plain_client(url, headers=KEY) as c:
            response = c.get('/api/user/account/subscription')
            denied = c.get('/api/futures/liquidation/max-pain')
            refused = c.get('/api/futures/liquidation/max-pain')
        assert response.json()['data']['level'] == 'STANDARD'
        assert response.headers['api-key-max-limit'] == '2'
        assert denied.json() == {'code': '400', 'msg': 'Please upgrade to professional'}
        assert refused.json() == {'code': '400', 'msg': 'Too Many Requests'}  # the budget of 2 is spent
        assert 'api-key-use-limit' not in refused.headers
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0
