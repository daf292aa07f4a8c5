"""Input validation: every mode's fields, defaults, aliases, and clear messages for bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest

from src.fields import DEFAULT_EXCHANGES, MAX_QUERIES, base_asset
from src.inputs import InputError, parse_run_input
from src.modes import Mode
from src.query import (
    COIN,
    END_TIME,
    EXCHANGE,
    EXCHANGES,
    INTERVAL,
    KEYWORD,
    LIMIT,
    MIN_AMOUNT,
    MODEL,
    PAIR,
    RANGE,
    START_TIME,
)
from src.times import duration_ms, to_epoch_ms

NOW = 1_763_683_200_000  # 2025-11-21T00:00:00Z
DAY = 86_400_000


def one(raw: dict[str, Any]) -> Any:
    run = parse_run_input(raw, now_ms=NOW)
    assert len(run.queries) == 1
    return run.queries[0]


def test_seed_liquidation_map_input_resolves_exchange_and_pair() -> None:
    query = one({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'})
    assert (query.mode, query.get(EXCHANGE), query.get(PAIR), query.get(RANGE)) == (
        Mode.LIQUIDATION_MAP,
        'Binance',
        'BTCUSDT',
        '1d',
    )
    assert dict(query.echo) == {'symbol': 'Binance_BTCUSDT', 'range': '1d', 'output': 'full', 'charts': False}


@pytest.mark.parametrize(
    ('symbol', 'exchange', 'expected'),
    [
        pytest.param('OKX_BTC-USDT-SWAP', None, ('OKX', 'BTC-USDT-SWAP'), id='okx-dashes'),
        pytest.param('Binance_BTCUSD_PERP', None, ('Binance', 'BTCUSD_PERP'), id='split-at-first-underscore'),
        pytest.param('BTCUSDT', 'Bybit', ('Bybit', 'BTCUSDT'), id='bare-pair-with-exchange'),
        pytest.param('BTC_USDT', 'Gate', ('Gate', 'BTC_USDT'), id='bare-pair-with-underscore'),
        pytest.param('Gate_BTC_USDT', 'gate', ('Gate', 'BTC_USDT'), id='seed-form-and-same-exchange'),
        pytest.param('binance_btcusdt', None, ('Binance', 'BTCUSDT'), id='lower-case'),
    ],
)
def test_pair_forms(symbol: str, exchange: str | None, expected: tuple[str, str]) -> None:
    raw = {'mode': 'pair_liquidation_history', 'symbol': symbol, 'interval': '1h'}
    if exchange:
        raw['exchange'] = exchange
    query = one(raw)
    assert (query.get(EXCHANGE), query.get(PAIR)) == expected


def test_coin_mode_takes_base_asset_of_seed_symbol() -> None:
    query = one({'mode': 'coin_liquidation_map', 'symbol': 'OKX_ETH-USDT-SWAP', 'range': '7d'})
    assert query.get(COIN) == 'ETH'
    assert query.echo['symbol'] == 'OKX_ETH-USDT-SWAP'


@pytest.mark.parametrize(
    ('instrument', 'coin'),
    [('BTCUSDT', 'BTC'), ('BTC-USDT-SWAP', 'BTC'), ('BTCUSD_PERP', 'BTC'), ('ETHFDUSD', 'ETH'), ('SOL', 'SOL')],
)
def test_base_asset(instrument: str, coin: str) -> None:
    assert base_asset(instrument) == coin


def test_orders_take_exchange_and_coin_from_seed_symbol() -> None:
    query = one({'mode': 'liquidation_orders', 'symbol': 'Bybit_ETHUSDT'})
    assert (query.get(EXCHANGE), query.get(COIN), query.get(MIN_AMOUNT)) == ('Bybit', 'ETH', 10_000)


def test_defaults_in_code() -> None:
    history = one({'mode': 'coin_liquidation_history', 'coin': 'btc'})
    assert (history.get(COIN), history.get(INTERVAL), history.get(EXCHANGES)) == ('BTC', '1d', DEFAULT_EXCHANGES)
    heatmap = one({'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT'})
    assert (heatmap.get(MODEL), heatmap.get(RANGE)) == ('model1', '24h')  # the shared default 1d, read as 24h
    assert one({'mode': 'liquidation_max_pain'}).get(RANGE) == '24h'
    assert one({'mode': 'liquidation_max_pain'}).echo['range'] == '24h'  # echoed as used, as the message says it
    assert one({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT'}).echo['range'] == '1d'
    assert one({'mode': 'liquidation_max_pain', 'range': '1d'}).echo['range'] == '1d'  # what was given stays
    assert one({'mode': 'search_symbols'}).get(KEYWORD) == ''
    assert one({'mode': 'liquidation_max_pain', 'output': ' Summary'}).output == 'summary'


def test_range_aliases() -> None:
    assert one({'mode': 'coin_liquidation_heatmap', 'coin': 'BTC', 'range': '365d'}).get(RANGE) == '1y'
    assert one({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '24h'}).get(RANGE) == '1d'


def test_times_accept_ms_iso_and_relative() -> None:
    query = one(
        {
            'mode': 'pair_liquidation_history',
            'symbol': 'Binance_BTCUSDT',
            'interval': '1h',
            'start_time': '7 days',
            'end_time': '2025-11-20',
        }
    )
    assert query.get(START_TIME) == NOW - 7 * DAY
    assert query.get(END_TIME) == NOW - DAY
    assert to_epoch_ms(1_700_000_000_000, now_ms=NOW) == 1_700_000_000_000
    assert to_epoch_ms('1700000000', now_ms=NOW) == 1_700_000_000_000  # seconds
    assert to_epoch_ms('2025-11-20T12:00:00+02:00', now_ms=NOW) == NOW - DAY + 10 * 3_600_000
    assert to_epoch_ms('3 weeks ago', now_ms=NOW) == NOW - 21 * DAY


HOUR, MINUTE = 3_600_000, 60_000


@pytest.mark.parametrize(
    ('typed', 'expected'),
    [
        pytest.param('2 months', '2025-09-21T00:00:00Z', id='months'),
        pytest.param('2 months ago', '2025-09-21T00:00:00Z', id='months-ago'),
        pytest.param('6mo', '2025-05-21T00:00:00Z', id='mo'),
        pytest.param('1 month', '2025-10-21T00:00:00Z', id='one-month'),
        pytest.param('1 year ago', '2024-11-21T00:00:00Z', id='year-ago'),  # 366 days: it spans 29 February 2024
        pytest.param('1y', '2024-11-21T00:00:00Z', id='y'),
        pytest.param('2 yrs', '2023-11-21T00:00:00Z', id='yrs'),
        pytest.param('1.5 months', NOW - 45 * DAY, id='fraction-of-a-month-is-30-days'),
        pytest.param('5m', NOW - 5 * MINUTE, id='m-is-minutes'),
        pytest.param('3 weeks ago', NOW - 21 * DAY, id='weeks'),
    ],
)
def test_relative_times_in_months_and_years_count_back_on_the_calendar(typed: str, expected: str | int) -> None:
    wanted = expected if isinstance(expected, int) else to_epoch_ms(expected, now_ms=0)
    assert to_epoch_ms(typed, now_ms=NOW) == wanted


def test_a_month_before_the_31st_is_the_end_of_the_shorter_month() -> None:
    march_31 = to_epoch_ms('2025-03-31T12:00:00Z', now_ms=0)
    assert to_epoch_ms('1 month', now_ms=march_31) == to_epoch_ms('2025-02-28T12:00:00Z', now_ms=0)
    assert to_epoch_ms('13 months', now_ms=march_31) == to_epoch_ms('2024-02-29T12:00:00Z', now_ms=0)


def test_spans_without_a_date_keep_fixed_lengths() -> None:
    assert [duration_ms(span) for span in ('5m', '1h', '1d', '1w')] == [5 * MINUTE, HOUR, DAY, 7 * DAY]
    assert duration_ms('1mo') == 30 * DAY
    assert duration_ms('1y') == 365 * DAY


def test_batch_entries_override_top_level() -> None:
    run = parse_run_input(
        {
            'mode': 'liquidation_map',
            'range': '1d',
            'queries': [{'symbol': 'Binance_BTCUSDT'}, {'symbol': 'OKX_ETH-USDT-SWAP', 'range': '7d'}],
        },
        now_ms=NOW,
    )
    assert [(q.get(EXCHANGE), q.get(PAIR), q.get(RANGE)) for q in run.queries] == [
        ('Binance', 'BTCUSDT', '1d'),
        ('OKX', 'ETH-USDT-SWAP', '7d'),
    ]


def test_api_key_is_secret() -> None:
    run = parse_run_input({'mode': 'search_symbols', 'api_key': 'abc'}, now_ms=NOW)
    assert run.api_key is not None
    assert run.api_key.get_secret_value() == 'abc'
    assert 'abc' not in repr(run)


BAD_INPUTS = [
    pytest.param({}, ["'mode' is missing", 'search_symbols', 'liquidation_max_pain'], id='no-mode'),
    pytest.param({'mode': 'liquidation_heatmap'}, ["'mode'", '"liquidation_heatmap"', 'not a mode'], id='unknown-mode'),
    pytest.param(
        {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '45d'},
        ["'range'", '"45d"', 'liquidation_map does not take', 'use one of 1d, 7d, 30d, 90d, 180d, 1y'],
        id='map-45d',
    ),
    pytest.param(
        {'mode': 'liquidation_max_pain', 'range': '90d'},
        ["'range'", '"90d"', 'use one of 12h, 24h, 48h, 3d, 7d, 14d, 30d'],
        id='max-pain-90d',
    ),
    pytest.param(
        {'mode': 'liquidation_map', 'range': '1d'}, ["'symbol' is missing", 'Binance_BTCUSDT'], id='no-symbol'
    ),
    pytest.param(
        {'mode': 'liquidation_map', 'symbol': 'BTCUSDT'},
        ["'symbol'", "'BTCUSDT'", 'Exchange_PAIR', "did you mean 'Binance_BTCUSDT'?"],
        id='symbol-without-exchange',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_heatmap', 'symbol': 'ethusdt'},
        ["'symbol'", "'ethusdt'", "did you mean 'Binance_ETHUSDT'?"],
        id='lower-case-symbol-without-exchange',
    ),
    pytest.param(
        {'mode': 'liquidation_map', 'symbol': 'BTC'},
        ["'symbol'", "'BTC'", "did you mean 'Binance_BTCUSDT'?"],
        id='a-bare-coin',
    ),
    pytest.param(
        {'mode': 'liquidation_map', 'symbol': 'Bybit:ETHUSDT'},
        ["'symbol'", "did you mean 'Bybit_ETHUSDT'?"],
        id='exchange-and-pair-with-a-colon',
    ),
    pytest.param(
        {'mode': 'liquidation_map', 'symbol': 'BTC-USDT-SWAP'},
        ["'symbol'", 'Exchange_PAIR', "'OKX_BTC-USDT-SWAP'"],
        id='okx-id-without-exchange',
    ),
    pytest.param(
        {'mode': 'liquidation_map', 'symbol': 'OKX_BTCUSDT', 'exchange': 'Binance'},
        ["'symbol'", 'OKX', "'Binance'"],
        id='conflicting-exchange',
    ),
    pytest.param({'mode': 'coin_liquidation_map'}, ["'coin' is missing", 'BTC'], id='no-coin'),
    pytest.param(
        {'mode': 'liquidation_exchange_list', 'range': '7d'},
        ["'range'", '"7d"', '1h, 4h, 12h, 24h'],
        id='exchange-list-range',
    ),
    pytest.param({'mode': 'liquidation_max_pain', 'range': '1y'}, ["'range'", '"1y"', '48h'], id='max-pain-range'),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '2h'},
        ["'interval'", '"2h"', '1m, 3m'],
        id='interval',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'model': 'model4'},
        ["'model'", '"model4"', 'model1, model2, model3'],
        id='model',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'limit': -3},
        ["'limit'", '-3', '1 to 100000'],
        id='limit-negative',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'limit': 'many'},
        ["'limit'", '"many"', 'whole number'],
        id='limit-text',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'start_time': 'yesterday-ish'},
        ["'start_time'", '"yesterday-ish"', 'ISO 8601'],
        id='bad-time',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'start_time': '2025-02-30'},
        ["'start_time'", '"2025-02-30"', 'which is not a date: February 2025 has 28 days, so there is no day 30'],
        id='impossible-day',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'end_time': '2025-13-01'},
        ["'end_time'", '"2025-13-01"', 'which is not a date: month 13 does not exist (months run from 01 to 12)'],
        id='impossible-month',
    ),
    pytest.param(
        {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC', 'start_time': '2025-11-20T24:30'},
        ["'start_time'", 'which is not a time: hour 24 does not exist'],
        id='impossible-hour',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'start_time': '1 day', 'end_time': '7 days'},
        ["'start_time'", 'before', "'end_time'"],
        id='start-after-end',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1m', 'start_time': '1y'},
        ['start_time', '1m', 'limit'],
        id='span-too-long',
    ),
    pytest.param({'mode': 'liquidation_orders', 'coin': 'BTC'}, ["'exchange' is missing"], id='orders-no-exchange'),
    pytest.param(
        {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC', 'min_liquidation_amount': -5},
        ["'min_liquidation_amount'", '-5', 'above 0', 'the default 10000'],
        id='negative-amount',
    ),
    pytest.param(
        {'mode': 'search_symbols', 'output': 'csv'}, ["'output'", '"csv"', 'full, rows, summary'], id='output'
    ),
    pytest.param({'mode': 'search_symbols', 'queries': {'a': 1}}, ["'queries'", '{"a": 1}', '1000'], id='batch-object'),
    pytest.param(
        {'mode': 'liquidation_map', 'queries': [{'symbol': 'Binance_BTCUSDT'}, {'range': '1d'}]},
        ['queries[1]', "'symbol' is missing"],
        id='batch-names-index',
    ),
    pytest.param(
        {'mode': 'liquidation_map', 'queries': [{'symbol': 'Binance_BTCUSDT'}] * (MAX_QUERIES + 1)},
        ["'queries'", 'up to 1000'],
        id='batch-too-long',
    ),
    # true/false where a number or a time belongs (pydantic alone reads true as 1)
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'limit': True},
        ["'limit' is true", 'a whole number from 1 to 100000'],
        id='limit-true',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'start_time': True},
        ["'start_time' is true", 'epoch milliseconds'],
        id='start-time-true',
    ),
    pytest.param(
        {'mode': 'liquidation_orders', 'coin': 'BTC', 'exchange': 'Binance', 'min_liquidation_amount': False},
        ["'min_liquidation_amount' is false", 'a USD amount'],
        id='amount-false',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'start_time': '2027-01-01'},
        ['\'start_time\' is "2027-01-01", which is in the future', 'now is 2025-11-21 00:00 UTC'],
        id='start-time-in-the-future',
    ),
    pytest.param(
        {'mode': 'liquidation_orders', 'coin': 'BTC', 'exchange': 'OKX', 'start_time': NOW + 60_000},
        ["'start_time' is 1763683260000, which is in the future"],
        id='start-time-in-the-future-ms',
    ),
    # a store name the platform refuses (Crawlee: no leading or trailing hyphen)
    pytest.param(
        {
            'mode': 'liquidation_orders',
            'coin': 'BTC',
            'exchange': 'OKX',
            'since_last_run': True,
            'since_last_run_store': '-bad-',
        },
        ['\'since_last_run_store\' is "-bad-"', 'not starting or ending with one'],
        id='store-name-hyphen-ends',
    ),
    pytest.param(
        {'mode': 'liquidation_orders', 'coin': 'BTC', 'exchange': 'OKX', 'since_last_run_store': 'a' * 64},
        ["'since_last_run_store'", '1 to 63 letters'],
        id='store-name-too-long',
    ),
    # more history rows than a dataset item holds: refused before a hundred requests, unless only the summary is kept
    pytest.param(
        {'mode': 'coin_liquidation_history', 'coin': 'BTC', 'interval': '1m', 'limit': 100_000, 'output': 'rows'},
        ["'limit' is 100000: a dataset item holds at most 60000 history rows", 'output to "summary"'],
        id='limit-beyond-an-item',
    ),
    pytest.param(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1m', 'start_time': '60 days'},
        ["'start_time'..'end_time' span 86401 rows of 1m: a dataset item holds at most 60000"],
        id='span-beyond-an-item',
    ),
    # a run field inside a query would be silently ignored
    pytest.param(
        {'mode': 'liquidation_max_pain', 'queries': [{}, {'api_key': 'k-123'}]},
        ["queries[1]: Input field 'api_key' is set inside a query", 'set it once at the top level'],
        id='key-inside-a-query',
    ),
    pytest.param(
        {'mode': 'liquidation_max_pain', 'queries': [{'alerts': [{'mode': 'liquidation_max_pain'}]}]},
        ["queries[0]: Input field 'alerts' is set inside a query"],
        id='alerts-inside-a-query',
    ),
]


@pytest.mark.parametrize(('raw', 'fragments'), BAD_INPUTS)
def test_bad_input_names_field_value_and_allowed(raw: dict[str, Any], fragments: list[str]) -> None:
    with pytest.raises(InputError) as caught:
        parse_run_input(raw, now_ms=NOW)
    for fragment in fragments:
        assert fragment in str(caught.value)


PAIR_HISTORY = {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT'}
PAIR_HEATMAP = {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT'}
MISTYPED_CHOICES = [
    pytest.param({'mode': 'liquidation map'}, "'mode'", "'liquidation_map'", id='mode-space'),
    pytest.param({'mode': 'Coin-Liquidation-History'}, "'mode'", "'coin_liquidation_history'", id='mode-hyphens'),
    pytest.param(
        {'mode': 'liquidation heatmap'},
        "'mode'",
        "'pair_liquidation_heatmap' or 'coin_liquidation_heatmap'",
        id='mode-two-close',
    ),
    pytest.param({'mode': 'liquidation_max_pain', 'range': '24 h'}, "'range'", "'24h'", id='range-space'),
    pytest.param({'mode': 'liquidation_exchange_list', 'range': '12hr'}, "'range'", "'12h'", id='range-close'),
    pytest.param(PAIR_HISTORY | {'interval': '4 H'}, "'interval'", "'4h'", id='interval-space'),
    pytest.param(PAIR_HISTORY | {'interval': '15-m'}, "'interval'", "'15m'", id='interval-hyphen'),
    pytest.param(PAIR_HEATMAP | {'model': 'model 2'}, "'model'", "'model2'", id='model-space'),
    pytest.param(PAIR_HEATMAP | {'model': 'modle3'}, "'model'", "'model3'", id='model-typo'),
    pytest.param({'mode': 'search_symbols', 'output': 'summery'}, "'output'", "'summary'", id='output-typo'),
    pytest.param({'mode': 'search_symbols', 'output': 'Full_'}, "'output'", "'full'", id='output-underscore'),
    pytest.param(PAIR_HISTORY | {'interval': '1 hour'}, "'interval'", "'1h'", id='interval-in-words'),
    pytest.param(PAIR_HISTORY | {'interval': '30 Minutes'}, "'interval'", "'30m'", id='interval-minutes-in-words'),
    pytest.param({'mode': 'liquidation_max_pain', 'range': '24 hrs'}, "'range'", "'24h'", id='range-hrs'),
    pytest.param(PAIR_HEATMAP | {'range': '1 year'}, "'range'", "'1y'", id='range-in-words'),
    pytest.param({'mode': 'liquidation_map', 'symbol': 'X_Y', 'range': '1 week'}, "'range'", "'7d'", id='a-week-is-7d'),
    pytest.param({'mode': 'liquidation_max_pain', 'range': '2 weeks'}, "'range'", "'14d'", id='two-weeks-are-14d'),
    pytest.param({'mode': 'liquidation_exchange_list', 'range': '1 day'}, "'range'", "'24h'", id='a-day-is-24h'),
    pytest.param(PAIR_HEATMAP | {'range': '365 days'}, "'range'", "'1y'", id='365-days-are-1y'),
    pytest.param(PAIR_HISTORY | {'interval': '60m'}, "'interval'", "'1h'", id='60m-is-1h'),
]


@pytest.mark.parametrize(('raw', 'field', 'meant'), MISTYPED_CHOICES)
def test_a_mistyped_choice_is_refused_with_the_choice_it_resembles(raw: dict[str, Any], field: str, meant: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_run_input(raw, now_ms=NOW)
    message = str(caught.value)
    assert message.startswith(f'Input field {field} is ')
    assert f'(did you mean {meant}?)' in message
    assert '\n' not in message


@pytest.mark.parametrize(
    'raw',
    [
        {'mode': 'liquidation_max_pain', 'range': '90d'},
        {'mode': 'maps'},
        PAIR_HISTORY | {'interval': '2h'},
        PAIR_HISTORY | {'interval': '1 month'},  # not 1m, a minute
    ],
    ids=['no-misleading-30d', 'nothing-close', 'no-2h-interval', 'a-month-is-not-a-minute'],
)
def test_no_hint_when_no_choice_is_close(raw: dict[str, Any]) -> None:
    with pytest.raises(InputError) as caught:
        parse_run_input(raw, now_ms=NOW)
    assert 'did you mean' not in str(caught.value)


def test_secret_never_echoed_in_errors() -> None:
    with pytest.raises(InputError) as caught:
        parse_run_input({'mode': 'search_symbols', 'api_key': ['sekrit-value']}, now_ms=NOW)
    assert "'api_key'" in str(caught.value)
    assert 'sekrit-value' not in str(caught.value)


def test_non_object_input() -> None:
    with pytest.raises(InputError, match='JSON object'):
        parse_run_input(['mode'], now_ms=NOW)


# --- what the Apify MCP server sends for an agent's null ------------------------------------------------------


def test_null_empty_and_coerced_zero_mean_not_set() -> None:
    """The MCP server coerces an agent's `null` to `0`, `""`, `false` or `[]`: each means "not given"."""
    coerced = {
        'mode': 'coin_liquidation_history',
        'coin': 'BTC',
        'symbol': '',
        'exchange': '',
        'exchanges': [],
        'interval': '',
        'range': '',
        'model': '',
        'limit': 0,
        'start_time': '',
        'end_time': None,
        'min_liquidation_amount': 0,
        'keyword': '',
        'output': '',
        'charts': False,
        'api_key': '',
        'queries': [],
    }
    run = parse_run_input(coerced, now_ms=NOW)
    assert run.api_key is None
    (query,) = run.queries
    assert (query.get(INTERVAL), query.get(LIMIT), query.get(START_TIME), query.get(END_TIME)) == (
        '1d',
        None,
        None,
        None,
    )
    assert query.get(EXCHANGES) == DEFAULT_EXCHANGES
    assert query.output == 'full'
    assert query.echo['limit'] is None
    orders = one({'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC', 'min_liquidation_amount': 0})
    assert orders.get(MIN_AMOUNT) == 10_000  # not "every order"
    heatmap = one({'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '', 'model': ''})
    assert (heatmap.get(RANGE), heatmap.get(MODEL)) == ('24h', 'model1')


def test_an_empty_field_in_a_batch_entry_keeps_the_top_level_value() -> None:
    run = parse_run_input(
        {'mode': 'liquidation_map', 'range': '7d', 'queries': [{'symbol': 'Binance_BTCUSDT', 'range': ''}]}, now_ms=NOW
    )
    assert run.queries[0].get(RANGE) == '7d'


@pytest.mark.parametrize(('given', 'sent'), [(100000, 100000), (100000.0, 100000), (12345.5, 12345.5)])
def test_whole_amounts_stay_whole(given: float, sent: float) -> None:
    query = one({'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC', 'min_liquidation_amount': given})
    assert query.get(MIN_AMOUNT) == sent
    assert type(query.get(MIN_AMOUNT)) is type(sent)
    assert query.echo['min_liquidation_amount'] == given
    assert type(query.echo['min_liquidation_amount']) is type(given)


def test_the_summary_output_takes_every_row_a_query_returns() -> None:
    query = one(
        {'mode': 'coin_liquidation_history', 'coin': 'BTC', 'interval': '1m', 'limit': 100_000, 'output': 'summary'}
    )
    assert query.get(LIMIT) == 100_000
    assert (
        one({'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1m', 'limit': 60_000}).get(
            LIMIT
        )
        == 60_000
    )


def test_an_unknown_field_is_ignored_and_said_with_the_field_it_resembles() -> None:
    query = one({'mode': 'liquidation_max_pain', 'range': '7d', 'Range': '7d', 'colour': 'red'})
    assert query.get(RANGE) == '7d'
    assert query.notes == (
        "Input field 'Range' is not a field of this Actor and was ignored (did you mean 'range'?).",
        "Input field 'colour' is not a field of this Actor and was ignored.",
    )
    batch = parse_run_input({'mode': 'liquidation_max_pain', 'queries': [{}, {'limt': 5}]}, now_ms=NOW).queries
    assert [query.notes for query in batch] == [
        (),
        ("Input field 'limt' is not a field of this Actor and was ignored (did you mean 'limit'?).",),
    ]


@pytest.mark.parametrize(
    ('raw', 'said'),
    [
        ({'mode': 'liquidation_max_pain', 'Range': '7d'}, "'Range' is not a field of this Actor: did you mean 'range'"),
        (
            {'mode': 'liquidation_map', 'Symbol': 'Binance_BTCUSDT'},
            "did you mean 'symbol', which liquidation_map reads",
        ),
        ({'Mode': 'liquidation_max_pain'}, "'Mode' is not a field of this Actor: did you mean 'mode'"),
        (
            {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'modle': 'model2'},
            "'modle' is not a field of this Actor: did you mean 'model'",  # not 'mode', which is given
        ),
        (
            {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC', 'min_amount': 5e5},
            "did you mean 'min_liquidation_amount', which liquidation_orders reads",
        ),
        ({'queries': [{'mode': 'liquidation_map', 'symbols': 'Binance_BTCUSDT'}]}, "queries[0]: Input field 'symbols'"),
        # another name for a field: the one the mode reads (timeframe is a map's range and a history's interval)
        (
            {'mode': 'liquidation_map', 'symbol': 'X_Y', 'timeframe': '7d'},
            "did you mean 'range', which liquidation_map",
        ),
        (PAIR_HISTORY | {'timeframe': '1h'}, "did you mean 'interval', which pair_liquidation_history reads"),
        (
            {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC', 'from': '2025-11-18'},
            "'from' is not a field of this Actor: did you mean 'start_time'",
        ),
        ({'mode': 'search_symbols', 'query': 'btc'}, "did you mean 'keyword', which search_symbols reads"),
    ],
)
def test_a_near_miss_of_a_field_the_query_reads_and_lacks_is_refused(raw: dict[str, Any], said: str) -> None:
    """Ignored, it would run on the field's default (charged for data not asked for) or fail as missing."""
    with pytest.raises(InputError, match=re.escape(said)) as refused:
        parse_run_input(raw, now_ms=NOW)
    assert 'Nothing was fetched or charged.' in str(refused.value)


@pytest.mark.parametrize(
    ('raw', 'notes'),
    [
        (
            {'mode': 'coin_liquidation_history', 'coin': 'ETH', 'exchange': 'Binance'},
            (
                "Input field 'exchange' is not read by coin_liquidation_history and was ignored (did you mean 'exchanges'?).",
            ),
        ),
        (
            {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'coin': 'ETH', 'model': 'model2'},
            (
                "Input field 'coin' is not read by liquidation_map and was ignored.",
                "Input field 'model' is not read by liquidation_map and was ignored.",
            ),
        ),
        # what the Console's form starts with is not worth a note; nor a bare pair's exchange, which the map reads
        (
            {
                'mode': 'liquidation_map',
                'symbol': 'Binance_BTCUSDT',
                'coin': 'BTC',
                'keyword': 'btc',
                'model': 'model1',
            },
            (),
        ),
        ({'mode': 'liquidation_map', 'symbol': 'BTCUSDT', 'exchange': 'OKX'}, ()),
    ],
)
def test_a_field_the_mode_does_not_read_is_said_to_be_ignored(raw: dict[str, Any], notes: tuple[str, ...]) -> None:
    assert one(raw).notes == notes


def test_a_batch_s_shared_fields_are_not_said_to_be_ignored_by_the_modes_that_do_not_read_them() -> None:
    batch = {
        'range': '24h',
        'queries': [
            {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'},
            {'mode': 'liquidation_coin_list', 'exchange': 'OKX', 'range': '4h'},
        ],
    }
    orders, coins = parse_run_input(batch, now_ms=NOW).queries
    assert orders.notes == ()
    assert coins.notes == ("Input field 'range' is not read by liquidation_coin_list and was ignored.",)


def test_a_webhook_without_alerts_is_said_to_be_unused() -> None:
    query = one({'mode': 'liquidation_max_pain', 'notify_url': 'https://hooks.example/T0/B0/secret'})
    assert query.notes == ("Input field 'notify_url' is set but 'alerts' is not: nothing will be sent to it.",)
    assert 'secret' not in ' '.join(query.notes)


@pytest.mark.parametrize(
    ('raw', 'field', 'cap'),
    [
        ({'mode': 'search_symbols', 'keyword': 'x' * 100_000}, 'keyword', 64),
        ({'mode': 'liquidation_map', 'symbol': 'Binance_' + 'B' * 5000}, 'symbol', 64),
        ({'mode': 'coin_liquidation_map', 'coin': 'BTC' * 20}, 'coin', 32),
    ],
    ids=['keyword', 'symbol', 'coin'],
)
def test_a_text_longer_than_any_value_is_refused_in_one_short_line(raw: dict[str, Any], field: str, cap: int) -> None:
    with pytest.raises(InputError) as caught:
        parse_run_input(raw, now_ms=NOW)
    message = str(caught.value)
    assert message.startswith(f"Input field '{field}' is ")
    assert message.endswith(f'of at most {cap} characters.')
    assert len(message) < 300


def test_a_batch_with_several_bad_entries_names_each_of_them() -> None:
    """One run shows every entry to fix, not one per run: the first in full, the next three in a line each, then
    by index (a 1,000-query batch names ten and counts the rest)."""
    good = {'symbol': 'Binance_BTCUSDT'}
    entries = [good, {'mode': 'liquidation_mapp'}, good, {'range': '2d', 'symbol': 'Binance_BTCUSDT'}, {'coin': 'BTC'}]
    with pytest.raises(InputError) as caught:
        parse_run_input({'mode': 'liquidation_map', 'queries': entries}, now_ms=NOW)
    message = str(caught.value)
    assert message.startswith('queries[1]: Input field \'mode\' is "liquidation_mapp"')
    assert 'Also refused (2 more of the 5 entries): queries[3] (Input field \'range\' is "2d"' in message
    assert "; queries[4] (Input field 'symbol' is missing: liquidation_map needs a pair" in message
    many = [{'mode': 'nope'}] * 1000
    with pytest.raises(InputError) as caught:
        parse_run_input({'queries': many}, now_ms=NOW)
    message = str(caught.value)
    assert 'Also refused (999 more of the 1,000 entries): queries[1] (Input field \'mode\' is "nope"' in message
    assert message.endswith('; '.join(f'queries[{index}]' for index in range(4, 10)) + ' and 990 more.')
    assert len(message) < 1200


def test_a_batch_entry_that_is_not_an_object_is_named_by_its_position_and_so_are_the_others() -> None:
    with pytest.raises(InputError, match=re.escape("Input field 'queries[0]' is null, which is not allowed")):
        parse_run_input({'queries': [None, {'mode': 'liquidation_max_pain'}]}, now_ms=NOW)
    entries = [{'mode': 'liquidation_max_pain'}, 5, *[{'mode': 'liquidation_max_pain'}] * 8, 'x', None]
    with pytest.raises(InputError) as caught:
        parse_run_input({'queries': entries}, now_ms=NOW)
    assert str(caught.value).startswith("Input field 'queries[1]' is 5, which is not allowed")
    assert str(caught.value).endswith('The same goes for queries[10], queries[11].')
