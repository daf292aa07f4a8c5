"""The API key never leaves the request header: not in logs, items, records, status messages or exception text.

A recognisable key is sent through every failure path at once (one batch, one fault per CoinGlass path), given
first as the environment variable and then as the input field `api_key`; everything the run logged or stored,
except the input itself, is searched for it: in process (every log line of the package at debug level), and once
through `python -m src` (everything the SDK printed or stored). httpx errors that render their request are checked
too.
"""

from __future__ import annotations

import io
import json
import logging
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fake_coinglass import BODY_KEY_INVALID, BODY_KEY_MISSING, BODY_NOT_FOUND, BODY_UPGRADE_PLAN, Reply
from test_faults import (
    HEATMAP_BAD_INDEX,
    HTML_502,
    MAP_PRICE_NOT_KEY,
    RESET,
    SLOW,
    TOO_MANY,
    TRUNCATED,
    server_errors,
)

from src.client import CoinGlassClient, RetryPolicy
from src.errors import CoinGlassError, NetworkError
from src.inputs import InputError, parse_run_input
from src.ratelimit import RateLimiter
from src.scrub import LogScrubber, keep_secret

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import ActorRun, InProcessRun, Receiver
    from fake_coinglass import FakeCoinGlass

SENTINEL = 'KEY-SENTINEL-9d1f0c'
ATTEMPTS = 3
ENV = {
    'COINGLASS_RETRY_BASE_DELAY_S': '0.01',
    'COINGLASS_RETRY_MAX_DELAY_S': '0.05',
    'COINGLASS_RETRY_MAX_ATTEMPTS': str(ATTEMPTS),
    'COINGLASS_RATE_WINDOW_S': '0.2',
    'COINGLASS_READ_TIMEOUT_S': '0.3',
}


def ok(data: Any) -> Reply:
    return Reply(200, {'code': '0', 'msg': 'success', 'data': data})


@dataclass(frozen=True)
class Route:
    """One query of the batch, the fault its CoinGlass path answers with, and how it must end."""

    query: dict[str, Any]
    path: str
    replies: tuple[Reply, ...]
    error_type: str | None  # None: a success
    requests: int = 1


HISTORY = '/api/futures/liquidation/history'
ROUTES = [
    Route(
        {'mode': 'liquidation_exchange_list', 'range': '1h'},
        '/api/futures/liquidation/exchange-list',
        (TOO_MANY,) * ATTEMPTS,
        'rate_limited',
        ATTEMPTS,
    ),
    Route(
        {'mode': 'liquidation_max_pain', 'range': '7d'},
        '/api/futures/liquidation/max-pain',
        server_errors('/api/futures/liquidation/max-pain', ATTEMPTS),
        'server',
        ATTEMPTS,
    ),
    Route(
        {'mode': 'coin_liquidation_history', 'coin': 'BTC', 'interval': '1d', 'limit': 5},
        '/api/futures/liquidation/aggregated-history',
        (RESET,) * ATTEMPTS,
        'network',
        ATTEMPTS,
    ),
    Route(
        {'mode': 'coin_liquidation_heatmap', 'coin': 'BTC', 'range': '3d', 'model': 'model2'},
        '/api/futures/liquidation/aggregated-heatmap/model2',
        (SLOW,) * ATTEMPTS,
        'network',
        ATTEMPTS,
    ),
    Route(
        {'mode': 'liquidation_coin_list', 'exchange': 'Binance'},
        '/api/futures/liquidation/coin-list',
        (HTML_502,) * ATTEMPTS,
        'server',
        ATTEMPTS,
    ),
    Route(
        {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '3d', 'model': 'model2'},
        '/api/futures/liquidation/heatmap/model2',
        (TRUNCATED,) * ATTEMPTS,
        'bad_response',
        ATTEMPTS,
    ),
    Route(
        {'mode': 'coin_liquidation_map', 'coin': 'BTC', 'range': '1d'},
        '/api/futures/liquidation/aggregated-map',
        (Reply(200, BODY_UPGRADE_PLAN),),
        'plan',
    ),
    Route(
        {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'},
        '/api/futures/liquidation/order',
        (Reply(401, BODY_KEY_INVALID),),
        'auth',
    ),
    Route(
        {'mode': 'coin_liquidation_heatmap', 'coin': 'BTC', 'range': '3d', 'model': 'model1'},
        '/api/futures/liquidation/aggregated-heatmap/model1',
        (Reply(200, BODY_KEY_MISSING),),
        'auth',
    ),
    Route(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDTT', 'interval': '1d'},
        HISTORY,
        (),  # the fake itself answers 40001; the suggestions need one supported-pairs lookup
        'invalid_parameter',
    ),
    Route(
        {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '3d', 'model': 'model1'},
        '/api/futures/liquidation/heatmap/model1',
        (ok(HEATMAP_BAD_INDEX),),
        'bad_response',
    ),
    Route(
        {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'},
        '/api/futures/liquidation/map',
        (ok(MAP_PRICE_NOT_KEY),),
        'bad_response',
    ),
    Route(
        {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '3d', 'model': 'model3'},
        '/api/futures/liquidation/heatmap/model3',
        (Reply(404, BODY_NOT_FOUND),),
        'not_found',
    ),
    Route(
        {'mode': 'coin_liquidation_heatmap', 'coin': 'BTC', 'range': '3d', 'model': 'model3'},
        '/api/futures/liquidation/aggregated-heatmap/model3',
        (ok(None),),
        None,  # empty: a success, not charged
    ),
    Route(
        {'mode': 'search_symbols', 'keyword': 'btc'},
        '/api/futures/supported-exchange-pairs',
        (),
        None,
        1,  # shared with the unknown pair's suggestions
    ),
]


def assert_clean(text: str) -> None:
    assert SENTINEL not in text
    assert SENTINEL.lower() not in text.lower()
    assert_no_part(text, SENTINEL)


def batch_of_every_fault(fake: FakeCoinGlass) -> dict[str, Any]:
    assert len({route.path for route in ROUTES}) == len(ROUTES), 'one fault per path: scripts are per path'
    fake.valid_keys = frozenset({SENTINEL})  # the real key is needed: proves the input field's key was sent
    for route in ROUTES:
        fake.script(route.path, *route.replies)
    return {'queries': [route.query for route in ROUTES]}


def check_every_fault(run: InProcessRun | ActorRun, fake: FakeCoinGlass) -> None:
    items = sorted(run.items, key=lambda item: item['query_index'])
    assert run.exit_code == 0, run.log[-3000:]  # two queries succeeded
    assert len(items) == len(ROUTES)
    for route, item in zip(ROUTES, items, strict=True):
        assert item.get('error_type') == route.error_type, (route.query, item['message'])
        assert item['success'] is (route.error_type is None)
        assert fake.count(route.path) == route.requests, route.path
        assert 'api_key' not in item
    assert fake.pending() == 0
    assert [charge['event_name'] for charge in run.charges] == ['SEARCH_SYMBOLS']
    assert {request.headers.get('cg-api-key') for request in fake.requests} == {SENTINEL}
    assert all(SENTINEL not in request.raw_target for request in fake.requests)
    assert 'Traceback' not in run.log
    assert_clean(run.everything())


@pytest.mark.parametrize('key_source', ['env', 'input'])
def test_key_never_leaks_through_any_failure_path(
    actor: Callable[..., InProcessRun], fake: FakeCoinGlass, key_source: str
) -> None:
    batch = batch_of_every_fault(fake)
    if key_source == 'input':
        run = actor(batch | {'api_key': SENTINEL}, api_key=None, env=ENV)
    else:
        run = actor(batch, api_key=None, env=ENV | {'COINGLASS_API_KEY': SENTINEL})
    assert 'DEBUG src.client: Retrying' in run.log  # the debug lines were there to leak
    check_every_fault(run, fake)


@pytest.mark.e2e
def test_key_never_leaks_from_the_actor_through_any_failure_path(
    actor_e2e: Callable[..., ActorRun], fake: FakeCoinGlass
) -> None:
    run = actor_e2e(batch_of_every_fault(fake) | {'api_key': SENTINEL}, ppe=True, api_key=None, extra=ENV)
    check_every_fault(run, fake)


@pytest.mark.e2e
def test_key_from_input_stays_out_of_a_single_failure_and_its_status(
    actor_e2e: Callable[..., ActorRun], fake: FakeCoinGlass
) -> None:
    fake.valid_keys = frozenset({'another-key'})
    run = actor_e2e({'mode': 'liquidation_max_pain', 'api_key': SENTINEL}, api_key=None, extra=ENV)
    assert run.exit_code == 1
    assert run.item['error_type'] == 'auth'
    assert 'Terminal status message' in run.stdout + run.stderr
    assert_clean(run.everything())


def test_key_from_input_stays_out_of_an_input_error(actor: Callable[..., InProcessRun], fake: FakeCoinGlass) -> None:
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '45d', 'api_key': SENTINEL})
    assert run.exit_code == 2
    assert run.item['error_type'] == 'input'
    assert fake.count() == 0
    assert_clean(run.everything())


@pytest.mark.parametrize(
    'pasted',
    [
        pytest.param({'range': SENTINEL}, id='range'),
        pytest.param({'symbol': SENTINEL}, id='symbol'),
        pytest.param({'mode': SENTINEL}, id='mode'),
        pytest.param({'mode': 'pair_liquidation_history', 'start_time': SENTINEL.lower()}, id='start_time-lower-case'),
        pytest.param({'alerts': [{'mode': 'liquidation_map', 'field': SENTINEL, 'above': 1}]}, id='alert-field'),
        pytest.param({'queries': [{'mode': 'liquidation_map', 'symbol': SENTINEL}]}, id='batch-entry'),
    ],
)
@pytest.mark.parametrize('key_from', ['input', 'environment'])
def test_a_key_pasted_into_another_field_is_hidden_in_the_refusal(
    actor: Callable[..., InProcessRun], fake: FakeCoinGlass, pasted: dict[str, Any], key_from: str
) -> None:
    """The input is refused before any request: its key is hidden however early the refusal quotes it."""
    raw = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT'} | pasted
    run = actor(raw | {'api_key': SENTINEL}) if key_from == 'input' else actor(raw, api_key=SENTINEL)
    assert run.exit_code == 2
    assert run.item['error_type'] == 'input'
    assert fake.count() == 0
    assert_clean(run.everything())


@pytest.mark.parametrize(
    'raw',
    [
        pytest.param({'api_key': 12345}, id='key-not-text'),
        pytest.param({'mode': 'liquidation_max_pain', 'range': 'x', 'api_key': SENTINEL}, id='other-field'),
        pytest.param({'queries': [{'mode': 'liquidation_max_pain', 'api_key': SENTINEL, 'range': 'x'}]}, id='entry'),
    ],
)
def test_input_errors_hide_the_key(raw: dict[str, Any]) -> None:
    with pytest.raises(InputError) as caught:
        parse_run_input(raw, now_ms=1_763_683_200_000)
    assert_clean(str(caught.value))
    assert '12345' not in str(caught.value)


def test_input_errors_hide_a_key_inside_a_malformed_queries_list() -> None:
    with pytest.raises(InputError) as caught:
        parse_run_input({'queries': [{'api_key': SENTINEL}, 5]}, now_ms=1_763_683_200_000)
    assert_clean(str(caught.value))


# --- in process: httpx errors that render their request -----------------------------------------------------------


async def test_a_reset_renders_no_header(fake: FakeCoinGlass, caplog: pytest.LogCaptureFixture) -> None:
    fake.script(HISTORY, RESET, RESET)
    client = CoinGlassClient(
        SENTINEL,
        base_url=fake.url,
        limiter=RateLimiter(window_s=0.2),
        retry=RetryPolicy(max_attempts=2, base_delay_s=0.01),
    )
    caplog.set_level(logging.DEBUG)
    async with client:
        with pytest.raises(NetworkError) as caught:
            await client.get(HISTORY, {'exchange': 'Binance', 'symbol': 'BTCUSDT', 'interval': '1d'})
    error = caught.value
    rendered = [
        str(error),
        repr(error),
        error.detail,
        error.advice(),
        ''.join(traceback.format_exception(error)),
    ]
    cause = error.__context__  # suppressed by `from None`, but still attached: render it as a logger might
    assert isinstance(cause, httpx.TransportError)
    rendered += [str(cause), repr(cause), repr(cause.request), str(cause.request.url)]
    rendered += [''.join(traceback.format_exception(cause)), caplog.text]
    for text in rendered:
        assert_clean(text)
    assert cause.request.headers['CG-API-KEY'] == SENTINEL  # the key was there to leak
    assert 'connection failed' in error.detail
    assert 'Retrying' in caplog.text  # the debug retry line, with its reason
    assert fake.count(HISTORY) == 2


@pytest.mark.parametrize(
    'answer',
    [
        pytest.param(httpx.ConnectError('refused'), id='connect'),
        pytest.param(httpx.ReadTimeout('slow'), id='read-timeout'),
        pytest.param(httpx.RemoteProtocolError('peer closed'), id='protocol'),
        pytest.param(httpx.Response(500, text='<html>oops</html>'), id='html-500'),
        pytest.param(httpx.Response(401, json={'code': '401', 'msg': 'Invalid API key provided'}), id='401'),
    ],
)
async def test_mock_transport_errors_render_no_header(answer: Any, caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers['CG-API-KEY'] == SENTINEL
        if isinstance(answer, httpx.RequestError):
            answer.request = request  # as httpx's transports attach it
            raise answer
        assert isinstance(answer, httpx.Response)
        return answer

    caplog.set_level(logging.DEBUG)
    client = CoinGlassClient(
        SENTINEL,
        base_url='https://cg.test',
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_attempts=2, base_delay_s=0.001),
    )
    async with client:
        with pytest.raises(CoinGlassError) as caught:
            await client.get('/api/futures/liquidation/max-pain')
    error = caught.value
    for text in (str(error), repr(error), error.advice(), ''.join(traceback.format_exception(error)), caplog.text):
        assert_clean(text)


# --- echoes anywhere, in any case, whole or in part ---------------------------------------------------------------

EXCHANGE_LIST_PATH = '/api/futures/liquidation/exchange-list'
WEBHOOK_TOKEN = 'WebhookToken-b7e4a1c9f2'  # noqa: S105 - a sentinel, not a password


def parts(secret: str) -> set[str]:
    """Every 8-character part of a secret, lower-cased: what must appear nowhere, in any case."""
    return {secret.lower()[start : start + 8] for start in range(len(secret) - 7)}


def assert_no_part(text: str, *secrets: str) -> None:
    lowered = text.lower()
    leaked = sorted(part for secret in secrets for part in parts(secret) if part in lowered)
    assert not leaked, f'parts of a secret leaked: {leaked}'


def exchange_rows(*names: str) -> list[dict[str, Any]]:
    """An exchange list: `All`, then one row per name, each with $10 (6 long, 4 short)."""
    count = len(names)
    total = {'liquidation_usd': 10.0 * count, 'longLiquidation_usd': 6.0 * count, 'shortLiquidation_usd': 4.0 * count}
    row = {'liquidation_usd': 10.0, 'longLiquidation_usd': 6.0, 'shortLiquidation_usd': 4.0}
    return [{'exchange': 'All', **total}, *({'exchange': name, **row} for name in names)]


def test_echoes_inside_data_in_any_case_and_in_part_are_hidden_everywhere(
    actor: Callable[..., InProcessRun], fake: FakeCoinGlass, receiver: Receiver
) -> None:
    """CoinGlass echoing the key inside `data` (lower-cased, or a part of it upper-cased) and the webhook's token:
    none of it reaches an item, `OUTPUT`, the status, the log, the webhook body or the chart file."""
    names = (SENTINEL.lower(), f'x{SENTINEL[3:14].upper()}y', f'see {WEBHOOK_TOKEN.swapcase()}')
    fake.script(EXCHANGE_LIST_PATH, ok(exchange_rows(*names)))
    rule = {'mode': 'liquidation_exchange_list', 'field': 'total_usd', 'above': 1}
    run = actor(
        {
            'mode': 'liquidation_exchange_list',
            'range': '4h',
            'charts': True,
            'alerts': [rule],
            'notify_url': f'{receiver.url}/{WEBHOOK_TOKEN}',
            'api_key': SENTINEL,
        },
        api_key=None,
    )
    assert run.item['success'] is True, run.item['message']
    exchanges = [row['exchange'] for row in run.item['data']]
    assert exchanges[1:] == ['[hidden]', 'x[hidden]y', 'see [hidden]']
    assert len(receiver.bodies) == 1
    assert_no_part(run.everything() + json.dumps(receiver.bodies), SENTINEL, WEBHOOK_TOKEN)
    (chart,) = (value for key, value in run.sink.records.items() if key.startswith('chart-'))
    assert b'tEXt' not in chart
    assert b'atplotlib' not in chart  # no Software tag


def test_an_echo_in_coinglass_text_in_another_case_is_hidden(
    actor: Callable[..., InProcessRun], fake: FakeCoinGlass
) -> None:
    """An exact same-case echo was hidden; an upper-cased one, or half of the key, reached the item and the status."""
    message = f'Invalid parameter for key {SENTINEL.upper()} (prefix {SENTINEL[:10].lower()})'
    fake.script('/api/futures/liquidation/max-pain', Reply(400, {'code': '40001', 'msg': message}))
    run = actor({'mode': 'liquidation_max_pain', 'api_key': SENTINEL}, api_key=None)
    assert run.item['error_type'] == 'invalid_parameter'
    assert 'Invalid parameter for key [hidden] (prefix [hidden])' in run.item['message']
    assert_no_part(run.everything(), SENTINEL)


def test_the_log_filter_hides_secrets_in_messages_arguments_and_tracebacks() -> None:
    keep_secret(SENTINEL)
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(LogScrubber())
    log = logging.getLogger('test.scrub')
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning('echo %s and %s', SENTINEL.upper(), {'nested': SENTINEL[2:12]})
        error = ValueError(f'bad {SENTINEL.lower()}')
        log.error('failed', exc_info=(ValueError, error, None), extra={'detail': SENTINEL})
    finally:
        log.removeHandler(handler)
    text = handler.stream.getvalue()
    assert 'echo [hidden] and' in text
    assert 'ValueError: bad [hidden]' in text
    assert_no_part(text, SENTINEL)


@pytest.mark.e2e
def test_echoes_inside_data_are_hidden_by_the_actor(actor_e2e: Callable[..., ActorRun], fake: FakeCoinGlass) -> None:
    """Through `python -m src`: the SDK's storage and log see no part of the key, in any case."""
    fake.script(EXCHANGE_LIST_PATH, ok(exchange_rows(SENTINEL.upper(), f'-{SENTINEL[5:16].lower()}-')))
    run = actor_e2e({'mode': 'liquidation_exchange_list', 'range': '4h', 'api_key': SENTINEL}, ppe=True, api_key=None)
    assert run.exit_code == 0, run.log[-2000:]
    assert [row['exchange'] for row in run.item['data']][1:] == ['[hidden]', '-[hidden]-']
    assert_no_part(run.everything(), SENTINEL)
