"""What people who use CoinGlass reported, and what its live replies show: each a test, with a second example of its
kind that nobody reported yet. In process, against the fake CoinGlass on 127.0.0.1 scripted to answer as reported.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pytest
from fake_coinglass import BODY_KEY_MISSING, NOW_MS, Reply

from src.inputs import parse_run_input
from src.kinds.contracts import to_amount
from src.paging import WINDOWS_AT_ONCE
from src.pipeline import sentences
from src.query import EXCHANGE, ITEM_ROWS

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import InProcessRun
    from fake_coinglass import FakeCoinGlass

    RunActor = Callable[..., InProcessRun]

DAY = 86_400_000
HOUR = 3_600_000
EXCHANGE_LIST = '/api/futures/liquidation/exchange-list'
COIN_LIST = '/api/futures/liquidation/coin-list'
PAIR_HISTORY = '/api/futures/liquidation/history'
COIN_HISTORY = '/api/futures/liquidation/aggregated-history'
MAX_PAIN = '/api/futures/liquidation/max-pain'
HEATMAP = '/api/futures/liquidation/heatmap/model1'


def ok(data: Any) -> Reply:
    return Reply(200, {'code': '0', 'msg': 'success', 'data': data})


def history(count: int, newest: int, step: int = DAY, *, zeros: int = 0) -> list[dict[str, Any]]:
    """`count` coin-history rows ending at `newest`, the first `zeros` of them all zero."""
    return [
        {
            'time': newest - (count - 1 - index) * step,
            'aggregated_long_liquidation_usd': 0.0 if index < zeros else 1000.0 + index,
            'aggregated_short_liquidation_usd': 0.0 if index < zeros else 500.0,
        }
        for index in range(count)
    ]


# --- the split under its live names ------------------------------------------------------------------------------


def test_coin_list_rows_with_the_hybrid_split_names_have_a_long_share(actor: RunActor, fake: FakeCoinGlass) -> None:
    """The exchange list's live `longLiquidation_usd` spelling (see test_captures), in the coin list too."""
    row = {
        'symbol': 'BTC',
        'liquidation_usd_24h': 100.0,
        'longLiquidation_usd_24h': 75.0,
        'shortLiquidation_usd_24h': 25.0,
    }
    fake.script(COIN_LIST, ok([row]))
    item = actor({'mode': 'liquidation_coin_list', 'exchange': 'Binance'}).item
    assert item['summary']['coins'] == [
        {'symbol': 'BTC', 'liquidation_usd_24h': 100.0, 'share_pct': 100.0, 'long_share_pct': 75.0}
    ]
    assert item['data'] == [row]


# --- more rows than asked -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(('sent', 'limit'), [(4500, 1000), (4500, None), (1200, 30)])
def test_more_rows_than_asked_never_exceed_the_limit(
    actor: RunActor, fake: FakeCoinGlass, sent: int, limit: int | None
) -> None:
    """4,500 daily rows with years of leading zeros where the documented maximum is 1,000 (see test_captures)."""
    rows = history(sent, NOW_MS, zeros=3000)
    fake.script(COIN_HISTORY, ok(rows))
    query = {'mode': 'coin_liquidation_history', 'coin': 'BTC', 'interval': '1d'} | ({'limit': limit} if limit else {})
    item = actor(query).item
    assert item['data'] == rows[-(limit or 1000) :]
    assert item['summary']['intervals'] == (limit or 1000)


# --- a total that contradicts its parts --------------------------------------------------------------------------


def test_an_all_row_of_zero_beside_exchanges_holding_7_4m(actor: RunActor, fake: FakeCoinGlass) -> None:
    parts = [('Binance', 4_000_000.0, 2_500_000.0), ('OKX', 2_400_000.0, 400_000.0), ('Bybit', 1_000_000.0, 600_000.0)]
    rows = [{'exchange': 'All', 'liquidation_usd': 0, 'longLiquidation_usd': 0, 'shortLiquidation_usd': 0}]
    rows += [
        {'exchange': name, 'liquidation_usd': total, 'longLiquidation_usd': long, 'shortLiquidation_usd': total - long}
        for name, total, long in parts
    ]
    fake.script(EXCHANGE_LIST, ok(rows))
    run = actor({'mode': 'liquidation_exchange_list', 'range': '1h', 'coin': 'BTC'})
    summary = run.item['summary']
    assert summary['total_usd'] == 7_400_000.0
    assert [entry['share_pct'] for entry in summary['exchanges']] == [54.054, 32.432, 13.514]
    assert [entry['long_share_pct'] for entry in summary['exchanges']] == [62.5, 16.667, 60.0]
    assert "CoinGlass's All row says $0.00 while the exchanges add up to $7,400,000.00" in summary['note']
    assert len(run.charges) == 1  # real data, rightly charged


def test_a_coin_whose_24h_total_contradicts_its_split(actor: RunActor, fake: FakeCoinGlass) -> None:
    rows = [
        {
            'symbol': 'BTC',
            'liquidation_usd_24h': 0,
            'long_liquidation_usd_24h': 300.0,
            'short_liquidation_usd_24h': 100.0,
        },
        {
            'symbol': 'ETH',
            'liquidation_usd_24h': 100.0,
            'long_liquidation_usd_24h': 50.0,
            'short_liquidation_usd_24h': 50.0,
        },
    ]
    fake.script(COIN_LIST, ok(rows))
    summary = actor({'mode': 'liquidation_coin_list', 'exchange': 'Binance'}).item['summary']
    assert summary['total_usd_24h'] == 500.0
    assert summary['coins'][0] == {
        'symbol': 'BTC',
        'liquidation_usd_24h': 400.0,
        'share_pct': 80.0,
        'long_share_pct': 75.0,
    }
    assert 'BTC ($0.00 against long + short $400.00)' in summary['note']


# --- a number that is not a number ---------------------------------------------------------------------------------

BAD_VALUES = [
    pytest.param(
        (
            {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1d'},
            PAIR_HISTORY,
            [{'time': NOW_MS, 'long_liquidation_usd': 'n/a', 'short_liquidation_usd': '5'}],
            "/api/futures/liquidation/history: data[0].long_liquidation_usd is 'n/a': not a number",
        ),
        id='history-amount-n/a',
    ),
    pytest.param(
        (
            {'mode': 'liquidation_max_pain'},
            MAX_PAIN,
            [{'symbol': 'BTC', 'price': '-', 'long_max_pain_liq_price': 1.0}],
            "/api/futures/liquidation/max-pain: data[0].price is '-': not a number",
        ),
        id='max-pain-price-dash',
    ),
    pytest.param(
        (
            {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '3d'},
            HEATMAP,
            {
                'y_axis': [1.0],
                'liquidation_leverage_data': [[0, 0, 'NaN']],
                'price_candlesticks': [[1, '1', '1', '1', '1', '1']],
            },
            "/api/futures/liquidation/heatmap/model1: data.liquidation_leverage_data[0][2] is 'NaN': not a finite number",
        ),
        id='heatmap-cell-nan',
    ),
]


@pytest.mark.parametrize('case', BAD_VALUES)
def test_a_value_that_is_not_a_number_fails_only_its_query(
    actor: RunActor, fake: FakeCoinGlass, case: tuple[dict[str, Any], str, Any, str]
) -> None:
    query, path, data, detail = case
    fake.script(path, ok(data))
    run = actor({'queries': [query, {'mode': 'liquidation_exchange_list', 'range': '1h'}]})
    failed, delivered = sorted(run.items, key=lambda item: item['query_index'])
    assert (failed['success'], failed['error_type']) == (False, 'bad_response')
    assert detail in failed['message']
    assert 'Nothing was charged' in failed['message']
    assert delivered['success'] is True
    assert [charge['event_name'] for charge in run.charges] == ['LIQUIDATION_EXCHANGE_LIST']
    assert (run.exit_code, run.record('OUTPUT')['failed']) == (0, 1)
    assert 'Traceback' not in run.log


# --- "latest rows" anchored on CoinGlass's latest, not the clock -------------------------------------------------


def test_a_lagging_feed_still_gives_the_latest_rows_asked_for(actor: RunActor, fake: FakeCoinGlass) -> None:
    """CoinGlass's newest row is 40 days old: `limit: 2000` are the 2000 rows before it, not "no data"."""
    newest = NOW_MS - 40 * DAY
    everything = history(3000, newest, HOUR)
    first_page, older = everything[-1080:], everything[-2000:-1080]
    fake.script(COIN_HISTORY, ok(first_page), ok(older))
    run = actor({'mode': 'coin_liquidation_history', 'coin': 'BTC', 'interval': '1h', 'limit': 2000})
    item = run.item
    assert item['success'] is True
    assert item['data'] == everything[-2000:]
    assert item['message'] == 'Fetched coin liquidation history for BTC (1h): 2,000 rows.'
    window = fake.requests[-1].params
    assert (int(window['start_time']), int(window['end_time'])) == (newest - 1999 * HOUR, newest - 1079 * HOUR - 1)
    assert item['summary']['last_interval_open'] is False


@pytest.mark.parametrize(
    ('query', 'requests'),
    [
        # the latest 60,000 rows: a first page, then older windows until one is empty (the 3rd)
        ({'limit': ITEM_ROWS}, 1 + math.ceil(3 / WINDOWS_AT_ONCE) * WINDOWS_AT_ONCE),
        # a span from long before the pair's listing: 60 windows, newest first, until one is empty (the 4th)
        ({'start_time': NOW_MS - 59_999 * HOUR, 'end_time': NOW_MS}, math.ceil(4 / WINDOWS_AT_ONCE) * WINDOWS_AT_ONCE),
    ],
    ids=['limit', 'start_time'],
)
def test_paging_back_stops_where_the_pairs_history_starts(
    actor: RunActor, fake: FakeCoinGlass, monkeypatch: pytest.MonkeyPatch, query: dict[str, Any], requests: int
) -> None:
    """A pair listed 2,500 hours ago: 60 windows of 1,000 rows would reach 7 years back, 57 of them empty."""
    monkeypatch.setattr('fake_coinglass.ZERO_ROWS_FROM_MS', NOW_MS - 2500 * HOUR)
    run = actor({'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h'} | query)
    item = run.item
    assert item['success'] is True
    assert len(item['data']) == 2501
    assert item['data'][0]['time'] == NOW_MS - 2500 * HOUR
    assert 'CoinGlass returned history from 2025-08-08' in item['message']
    assert fake.count(PAIR_HISTORY) == requests


def test_a_delisted_pair_gives_what_coinglass_has_and_says_so(actor: RunActor, fake: FakeCoinGlass) -> None:
    rows = [
        {'time': NOW_MS - (100 + index) * DAY, 'long_liquidation_usd': '1.5', 'short_liquidation_usd': '2'}
        for index in reversed(range(300))
    ]
    fake.script(PAIR_HISTORY, ok(rows))
    run = actor({'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1d', 'limit': 2000})
    item = run.item
    assert item['success'] is True
    assert len(item['data']) == 300
    assert 'No pair liquidation history' not in item['message']
    assert fake.count(PAIR_HISTORY) == 1  # a short first page: nothing older to ask for
    assert len(run.charges) == 1


def test_no_data_is_said_only_when_coinglass_said_so(actor: RunActor, fake: FakeCoinGlass) -> None:
    fake.script(PAIR_HISTORY, ok([]))
    item = actor({'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1d'}).item
    assert 'CoinGlass answered with no data (not charged)' in item['message']
    found = actor({'mode': 'search_symbols', 'keyword': 'zzzz'}).item
    assert 'none of the 14 pairs CoinGlass lists matched (not charged)' in found['message']
    assert 'CoinGlass answered with no data' not in found['message']


# --- the names people type ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('typed', 'canonical'),
    [('Gate.io', 'Gate'), ('gate_io', 'Gate'), ('gateio', 'Gate'), ('GATE', 'Gate'), ('OKEx', 'OKX'), ('okx', 'OKX'),
     ('Huobi', 'HTX'), ('huobi global', 'HTX'), ('crypto.com', 'Crypto.com'), ('Hyper-liquid', 'Hyperliquid')],
)  # fmt: skip
def test_names_people_type_for_an_exchange(typed: str, canonical: str) -> None:
    query = parse_run_input({'mode': 'liquidation_coin_list', 'exchange': typed}, now_ms=NOW_MS).queries[0]
    assert query.get(EXCHANGE) == canonical
    assert query.echo['exchange'] == typed  # echoed as given


@pytest.mark.parametrize('typed', ['Gate.io', 'OKEx'])
def test_a_renamed_exchange_runs_under_coinglass_name(actor: RunActor, fake: FakeCoinGlass, typed: str) -> None:
    run = actor({'mode': 'liquidation_coin_list', 'exchange': typed})
    assert run.item['success'] is True, run.item['message']
    (request,) = [request for request in fake.requests if request.path == COIN_LIST]
    assert request.params['exchange'] in {'Gate', 'OKX'}


def test_search_filtered_by_an_old_exchange_name_finds_its_pairs(actor: RunActor) -> None:
    item = actor({'mode': 'search_symbols', 'keyword': 'btc', 'exchange': 'Gate.io'}).item
    assert [record['symbol'] for record in item['data']] == ['Gate_BTC_USDT']


def test_an_unknown_exchange_is_refused_before_any_data_request(actor: RunActor, fake: FakeCoinGlass) -> None:
    run = actor({'mode': 'liquidation_coin_list', 'exchange': 'Gatee'})
    item = run.item
    assert (item['success'], item['error_type']) == (False, 'invalid_parameter')
    assert "exchange 'Gatee' is not one CoinGlass lists, so no data was requested" in item['message']
    assert 'Closest listed: Gate' in item['message']
    assert item['message'].endswith('search_symbols lists every exchange with its pairs.')
    assert 'parameter CoinGlass names' not in item['message']  # CoinGlass was not asked
    assert fake.count(COIN_LIST) == 0
    assert run.charges == []


def test_an_unknown_exchange_in_a_list_is_refused_too(actor: RunActor, fake: FakeCoinGlass) -> None:
    item = actor({'mode': 'coin_liquidation_history', 'coin': 'BTC', 'exchanges': ['Binance', 'Bynance2']}).item
    assert item['error_type'] == 'invalid_parameter'
    assert "'Bynance2'" in item['message']
    assert 'Closest listed: Binance' in item['message']
    assert item['message'].endswith('search_symbols lists every exchange with its pairs.')
    assert fake.count(COIN_HISTORY) == 0


def test_a_search_whose_exchange_lists_no_pairs_says_it_was_the_filter(actor: RunActor) -> None:
    item = actor({'mode': 'search_symbols', 'keyword': 'btc', 'exchange': 'Kraken'}).item
    assert item['success'] is True
    assert item['data'] == []
    assert (
        "the exchange filter 'Kraken' matched no pair: CoinGlass lists pairs on Binance, Bybit, Gate, OKX"
        in (item['message'])
    )


# --- types survive -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(('given', 'sent'), [(100000, '100000'), (100000.0, '100000'), (2500.5, '2500.5')])
def test_a_whole_amount_is_sent_and_echoed_whole(actor: RunActor, fake: FakeCoinGlass, given: float, sent: str) -> None:
    item = actor(
        {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC', 'min_liquidation_amount': given}
    ).item
    assert item['min_liquidation_amount'] == given
    assert type(item['min_liquidation_amount']) is type(given)
    orders = [request for request in fake.requests if request.path == '/api/futures/liquidation/order']
    assert {request.params['min_liquidation_amount'] for request in orders} == {sent}


def test_a_whole_limit_stays_an_integer(actor: RunActor, fake: FakeCoinGlass) -> None:
    item = actor({'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'limit': 30.0}).item
    assert item['limit'] == 30
    assert type(item['limit']) is int
    (request,) = [request for request in fake.requests if request.path == PAIR_HISTORY]
    assert request.params['limit'] == '30'


# --- quoting CoinGlass's text --------------------------------------------------------------------------------------


def test_coinglass_text_ending_in_a_full_stop_is_quoted_once(actor: RunActor, fake: FakeCoinGlass) -> None:
    fake.script(EXCHANGE_LIST, Reply(200, BODY_KEY_MISSING))
    message = actor({'mode': 'liquidation_exchange_list', 'range': '1h'}).item['message']
    assert "code '400': API key missing. Check the CoinGlass API key" in message
    assert '..' not in message


def test_coinglass_text_without_a_full_stop_gets_one(actor: RunActor, fake: FakeCoinGlass) -> None:
    fake.script(EXCHANGE_LIST, Reply(200, {'code': '40001', 'msg': 'Invalid parameter: range!'}))
    message = actor({'mode': 'liquidation_exchange_list', 'range': '1h'}).item['message']
    assert "code '40001': Invalid parameter: range! Check the value" in message
    assert sentences('a.', 'b', '', ' c? ') == 'a. b. c?'


# --- replies that cannot be liquidations: refused, not summarized and charged ---------------------------------------

ORDERS = '/api/futures/liquidation/order'
ORDER = {'exchange_name': 'BINANCE', 'symbol': 'BTCUSDT', 'base_asset': 'BTC', 'price': 95000.0, 'side': 2}


@pytest.mark.parametrize(
    ('query', 'reply', 'fragment'),
    [
        pytest.param(
            {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h', 'limit': 1},
            (PAIR_HISTORY, [{'time': NOW_MS, 'long_liquidation_usd': -5, 'short_liquidation_usd': 2}]),
            'data[0].long_liquidation_usd is -5: negative, and no amount or price is',
            id='negative-liquidation',
        ),
        pytest.param(
            {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'},
            (ORDERS, [ORDER | {'usd_value': 20000, 'time': 1e30}]),
            'a time after the year 2100 in ms',
            id='time-beyond-2100',
        ),
        pytest.param(
            {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'},
            (ORDERS, [ORDER | {'usd_value': 1e300, 'time': NOW_MS}]),
            'more than any amount or price',
            id='amount-beyond-reason',
        ),
    ],
)
def test_a_reply_no_liquidation_can_be_fails_uncharged(
    actor: RunActor, fake: FakeCoinGlass, query: dict[str, Any], reply: tuple[str, Any], fragment: str
) -> None:
    path, data = reply
    fake.script(path, ok(data))
    run = actor(query)
    assert run.item['error_type'] == 'bad_response'
    assert fragment in run.item['message']
    assert 'Nothing was charged' in run.item['message']
    assert run.charges == []


def test_float_noise_below_zero_is_zero() -> None:
    assert to_amount(-1e-12) == 0.0
    assert to_amount('0') == 0.0
    with pytest.raises(ValueError, match='negative'):
        to_amount(-0.01)


def test_history_rows_out_of_order_or_twice_are_read_in_order_once(actor: RunActor, fake: FakeCoinGlass) -> None:
    rows = [
        {'time': NOW_MS - HOUR, 'long_liquidation_usd': 1.0, 'short_liquidation_usd': 2.0},
        {'time': NOW_MS - 2 * HOUR, 'long_liquidation_usd': 3.0, 'short_liquidation_usd': 4.0},
        {'time': NOW_MS - HOUR, 'long_liquidation_usd': 1.0, 'short_liquidation_usd': 2.0},  # again
    ]
    fake.script(PAIR_HISTORY, ok(rows))
    item = actor({'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h', 'limit': 5}).item
    assert [row['time'] for row in item['data']] == [NOW_MS - 2 * HOUR, NOW_MS - HOUR]
    assert (item['summary']['intervals'], item['summary']['first_time']) == (2, NOW_MS - 2 * HOUR)


def test_an_exchange_list_of_only_its_all_row_keeps_that_total(actor: RunActor, fake: FakeCoinGlass) -> None:
    fake.script(EXCHANGE_LIST, ok([{'exchange': 'All', 'liquidation_usd': 100.0, 'longLiquidation_usd': 60.0,
                                    'shortLiquidation_usd': 40.0}]))  # fmt: skip
    item = actor({'mode': 'liquidation_exchange_list', 'range': '1h'}).item
    assert item['summary']['total_usd'] == 100.0  # not $0
    assert "CoinGlass sent only its All row, no exchange: the total is the All row's." in item['summary']['note']


def test_a_misspelled_field_is_said_in_the_message_an_agent_reads(actor: RunActor) -> None:
    run = actor({'mode': 'liquidation_max_pain', 'range': '7d', 'Rnage': '7d'})
    assert run.item['success'] is True
    assert run.item['range'] == '7d'
    note = "Input field 'Rnage' is not a field of this Actor and was ignored (did you mean 'range'?)."
    assert note in run.item['message']
    assert note in run.status


def test_a_misspelled_field_the_query_lacks_is_refused_not_run_on_its_default(actor: RunActor) -> None:
    run = actor({'mode': 'liquidation_max_pain', 'Range': '7d'})
    assert (run.item['success'], run.item['error_type'], run.exit_code) == (False, 'input', 2)
    assert "did you mean 'range', which liquidation_max_pain reads?" in run.item['message']
    assert run.charges == []
