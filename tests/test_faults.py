"""Fault injection: the Actor, in process, against the fake CoinGlass on 127.0.0.1 told to misbehave.

Each case scripts the fake (or sets its plan or keys), runs the Actor once, and checks the envelope, the exit
code, the charges, the exact number of requests the endpoint saw and that the key appears nowhere in the run's log,
items and records. Retry timing comes from the environment (read as `python -m src` reads it) so the suite stays
fast.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from conftest import TEST_KEY, InProcessRun
from fake_clock import Clock
from fake_coinglass import (
    BODY_KEY_MISSING,
    BODY_NOT_FOUND,
    BODY_RATE_LIMITED,
    BODY_RATE_LIMITED_200,
    BODY_UPGRADE_PLAN,
    BODY_UPGRADE_REQUIRED,
    Reply,
    server_error_reply,
)

from src.client import CoinGlassClient, RetryPolicy
from src.ratelimit import RateLimiter

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import ActorRun
    from fake_coinglass import FakeCoinGlass

    RunActor = Callable[..., InProcessRun]

MAP = '/api/futures/liquidation/map'
COIN_MAP = '/api/futures/liquidation/aggregated-map'
EXCHANGE_LIST = '/api/futures/liquidation/exchange-list'
ORDERS = '/api/futures/liquidation/order'
HEATMAP = '/api/futures/liquidation/heatmap/model1'
MAX_PAIN = '/api/futures/liquidation/max-pain'
PAIRS = '/api/futures/supported-exchange-pairs'
COINS = '/api/futures/supported-coins'
PRICE = '/api/futures/price/history'

EXCHANGE_LIST_INPUT: dict[str, Any] = {'mode': 'liquidation_exchange_list', 'range': '4h', 'coin': 'BTC'}
MAP_INPUT: dict[str, Any] = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'}
ORDERS_INPUT: dict[str, Any] = {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'}
HEATMAP_INPUT: dict[str, Any] = {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '3d'}
MAX_PAIN_INPUT: dict[str, Any] = {'mode': 'liquidation_max_pain', 'range': '7d'}

# Fast retries: backoffs of 10-50 ms, a 0.3 s rate window (what a 429 waits), the default 6 attempts.
FAST_RETRIES: dict[str, str] = {
    'COINGLASS_RETRY_BASE_DELAY_S': '0.01',
    'COINGLASS_RETRY_MAX_DELAY_S': '0.05',
    'COINGLASS_RATE_WINDOW_S': '0.3',
}
ATTEMPTS = 6  # RetryPolicy's default cap, left in force
SHORT_READ_TIMEOUT = {'COINGLASS_READ_TIMEOUT_S': '0.3'}

OK_EXCHANGE_LIST = Reply(200, {'code': '0', 'msg': 'success', 'data': [{'exchange': 'All', 'liquidation_usd': 1.0}]})
TOO_MANY = Reply(429, BODY_RATE_LIMITED)  # with the fake's own headers: 1 of 1200 used, far from spent
SPENT = Reply(429, BODY_RATE_LIMITED, headers={'API-KEY-USE-LIMIT': '1200'})  # the key's budget is spent
TOO_MANY_200 = Reply(200, BODY_RATE_LIMITED_200)  # as live: HTTP 200, code "400"
SPENT_200 = Reply(200, BODY_RATE_LIMITED_200, headers={'API-KEY-USE-LIMIT': '1200'})
RESET = Reply(action='reset')
SLOW = Reply(200, OK_EXCHANGE_LIST.body, delay_s=1.5)  # answered after the 0.3 s read timeout has fired
HTML_502 = Reply(502, '<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>')
TRUNCATED = Reply(200, b'{"code":"0","msg":"success","data":[{"exchange":"Binance","liquidation_usd":12')


def server_errors(path: str, count: int) -> tuple[Reply, ...]:
    return (server_error_reply(path),) * count


@dataclass(frozen=True)
class Fault:
    """One fault: what the fake does, and what the run must end with."""

    actor_input: dict[str, Any]
    path: str
    replies: tuple[Reply, ...] = ()
    success: bool = False
    error_type: str | None = None
    fragments: tuple[str, ...] = ()
    requests: int = 1
    charges: int = 0
    exit_code: int | None = None  # default: 0 on success, 1 when the only query failed
    other_requests: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    setup: Callable[[FakeCoinGlass], None] | None = None
    api_key: str | None = TEST_KEY

    @property
    def expected_exit_code(self) -> int:
        if self.exit_code is not None:
            return self.exit_code
        return 0 if self.success else 1


def standard_plan(fake: FakeCoinGlass) -> None:
    fake.plan = 'STANDARD'


def startup_plan_2025_wording(fake: FakeCoinGlass) -> None:
    fake.plan = 'STARTUP'
    fake.plan_denial_style = 'please-upgrade'


def only_other_keys(fake: FakeCoinGlass) -> None:
    fake.valid_keys = frozenset({'some-other-key'})


HEATMAP_BAD_INDEX = {
    'y_axis': [94000.0, 95000.0],
    'price_candlesticks': [[1763596800, '95000', '95100', '94900', '95050', '1000']],
    'liquidation_leverage_data': [[0, 1, 12.5], [0, 2, 3.0]],  # y index 2 of a 2-level axis
}
MAP_PRICE_NOT_KEY = {'data': {'95000': [[95000, 1200.5, 10, None]], '96000': [[69000, 800.0, 25, None]]}}

FAULTS = [
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (TOO_MANY, TOO_MANY),
            success=True,
            fragments=('Fetched liquidations by exchange for BTC (4h)',),
            requests=3,
            charges=1,
        ),
        id='429-429-200',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (SPENT,) * 3,
            error_type='rate_limited',
            fragments=('HTTP 429', 'Too Many Requests', 'per-minute request budget'),
            requests=3,  # spent: each waits a 0.3 s window; two fit in 0.7 s, a third would not
            env={'COINGLASS_RETRY_MAX_WAIT_S': '0.7'},
        ),
        id='429-until-the-wait-cap',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (TOO_MANY_200, TOO_MANY_200),
            success=True,
            fragments=('Fetched liquidations by exchange for BTC (4h)',),
            requests=3,
            charges=1,
        ),
        id='too-many-requests-over-200-twice-then-200',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (SPENT_200,) * 3,
            error_type='rate_limited',
            fragments=(
                "HTTP 200, code '400': Too Many Requests (still so after 3 attempts",
                'per-minute request budget',
                'Nothing was charged',
            ),
            requests=3,
            env={'COINGLASS_RETRY_MAX_WAIT_S': '0.7'},
        ),
        id='too-many-requests-over-200-until-the-wait-cap',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            server_errors(EXCHANGE_LIST, 3),
            success=True,
            requests=4,
            charges=1,
        ),
        id='500x3-then-200',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            server_errors(EXCHANGE_LIST, ATTEMPTS),
            error_type='server',
            fragments=('HTTP 500', 'Internal Server Error', 'try again in a few minutes'),
            requests=ATTEMPTS,
        ),
        id='500-persistent',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            server_errors(EXCHANGE_LIST, 2),
            error_type='server',
            requests=2,
            env={'COINGLASS_RETRY_MAX_ATTEMPTS': '2'},
        ),
        id='500-persistent-attempts-from-env',
    ),
    pytest.param(
        Fault(EXCHANGE_LIST_INPUT, EXCHANGE_LIST, (RESET,), success=True, requests=2, charges=1),
        id='reset-then-200',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (RESET,) * ATTEMPTS,
            error_type='network',
            fragments=('connection failed', 'could not be reached'),
            requests=ATTEMPTS,
        ),
        id='reset-persistent',
    ),
    pytest.param(
        Fault(EXCHANGE_LIST_INPUT, EXCHANGE_LIST, (SLOW,), success=True, requests=2, charges=1, env=SHORT_READ_TIMEOUT),
        id='timeout-then-200',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (SLOW,) * 3,
            error_type='network',
            fragments=('no answer within the timeout', 'ReadTimeout', 'could not be reached'),
            requests=3,
            env=SHORT_READ_TIMEOUT | {'COINGLASS_RETRY_MAX_ATTEMPTS': '3'},
        ),
        id='timeout-persistent',
    ),
    pytest.param(
        Fault(EXCHANGE_LIST_INPUT, EXCHANGE_LIST, (HTML_502,), success=True, requests=2, charges=1),
        id='html-502-then-200',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (HTML_502,) * ATTEMPTS,
            error_type='server',
            fragments=('HTTP 502', 'unreadable body'),
            requests=ATTEMPTS,
        ),
        id='html-502-persistent',
    ),
    pytest.param(
        Fault(EXCHANGE_LIST_INPUT, EXCHANGE_LIST, (TRUNCATED,), success=True, requests=2, charges=1),
        id='truncated-json-then-200',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (TRUNCATED,) * ATTEMPTS,
            error_type='bad_response',
            fragments=('unreadable body instead of JSON', 'cannot trust'),
            requests=ATTEMPTS,
        ),
        id='truncated-json-persistent',
    ),
    pytest.param(
        Fault(
            MAP_INPUT,
            MAP,
            error_type='plan',
            fragments=(
                "'Upgrade plan'",
                'liquidation_map needs the CoinGlass Professional plan',
                'coinglass.com/pricing',
            ),
            other_requests={PRICE: 0},
            setup=standard_plan,  # the fake itself refuses the map to a Standard key, over HTTP 200
        ),
        id='upgrade-plan-over-200-map',
    ),
    pytest.param(
        Fault(
            ORDERS_INPUT,
            ORDERS,
            (Reply(200, BODY_UPGRADE_PLAN),),
            error_type='plan',
            fragments=('liquidation_orders needs the CoinGlass Standard plan',),
        ),
        id='upgrade-plan-over-200-orders',
    ),
    pytest.param(
        Fault(
            ORDERS_INPUT,
            ORDERS,
            error_type='plan',
            fragments=("CoinGlass answered 'Please upgrade to standard'", 'needs the CoinGlass Standard plan'),
            setup=startup_plan_2025_wording,  # the fake itself refuses orders to a Startup key, in 2025's words
        ),
        id='please-upgrade-to-standard-over-200-orders',
    ),
    pytest.param(
        Fault(
            {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h'},
            '/api/futures/liquidation/history',
            (Reply(200, BODY_UPGRADE_REQUIRED),),
            error_type='plan',
            fragments=(
                "CoinGlass answered 'upgrade_required'",
                'pair_liquidation_history at 1h intervals needs the CoinGlass Startup plan',
            ),
        ),
        id='upgrade-required-names-the-intervals-plan',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (Reply(200, {'code': '418', 'msg': "I'm a teapot"}),),
            error_type='bad_response',
            fragments=(
                f"CoinGlass answered {EXCHANGE_LIST} with HTTP 200, code '418' and the words 'I'm a teapot'",
                'which the Actor does not know',
                'Nothing was charged',
            ),
        ),
        id='unknown-code-and-words-quoted',
    ),
    pytest.param(
        Fault(
            MAP_INPUT,
            MAP,
            (Reply(200, {'code': '400', 'msg': 'Invalid parameter: range'}),),
            error_type='invalid_parameter',
            fragments=("code '400': Invalid parameter: range", 'Check the value of the parameter'),
            other_requests={PAIRS: 0, PRICE: 0},  # nothing unknown: no lookup for suggestions
        ),
        id='a-refused-range-gets-no-suggestions',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            error_type='auth',
            fragments=('HTTP 401', 'Invalid API key provided', 'COINGLASS_API_KEY', "'api_key'"),
            setup=only_other_keys,  # the fake itself answers 401
        ),
        id='invalid-key-over-401',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (Reply(200, BODY_KEY_MISSING),),
            error_type='auth',
            fragments=("code '400': API key missing. Check the CoinGlass API key", 'COINGLASS_API_KEY'),
        ),
        id='missing-key-over-200-code-400',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            error_type='auth',
            fragments=('No CoinGlass API key', 'No request was made'),
            requests=0,
            exit_code=2,
            api_key=None,
        ),
        id='no-key-at-all',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            error_type='auth',
            fragments=('characters no key has', 'No request was made'),
            requests=0,
            exit_code=2,
            api_key='abc\ndef',  # pasted with a line break
        ),
        id='key-with-a-line-break',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            error_type='auth',
            fragments=('characters no key has', 'No request was made'),
            requests=0,
            exit_code=2,
            api_key='clé-abc',  # httpx could not even put it into a header
        ),
        id='key-with-a-non-ascii-letter',
    ),
    pytest.param(
        Fault(
            {**MAP_INPUT, 'symbol': 'Binance_BTCUSDTT'},
            MAP,
            error_type='invalid_parameter',
            fragments=('Invalid parameter: symbol', 'Closest supported: Binance_BTCUSDT', 'search_symbols'),
            other_requests={PAIRS: 1, PRICE: 0},
        ),
        id='unknown-pair-suggests-closest',
    ),
    pytest.param(
        Fault(
            {'mode': 'coin_liquidation_map', 'coin': 'BTCC', 'range': '1d'},
            COIN_MAP,
            error_type='invalid_parameter',
            fragments=('Closest supported: BTC',),
            other_requests={COINS: 1, PAIRS: 0},
        ),
        id='unknown-coin-suggests-closest',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (Reply(200, {'code': '0', 'msg': 'success', 'data': []}),),
            success=True,
            fragments=('No liquidations by exchange matched BTC (4h)', 'not charged'),
        ),
        id='empty-list-not-charged',
    ),
    pytest.param(
        Fault(
            MAX_PAIN_INPUT,
            MAX_PAIN,
            (Reply(200, {'code': '0', 'data': None}),),  # max-pain answers without msg
            success=True,
            fragments=('No liquidation max pain matched', 'not charged'),
        ),
        id='null-data-not-charged',
    ),
    pytest.param(
        Fault(
            HEATMAP_INPUT,
            HEATMAP,
            (Reply(200, {'code': '0', 'msg': 'success', 'data': HEATMAP_BAD_INDEX}),),
            error_type='bad_response',
            fragments=(
                '/api/futures/liquidation/heatmap/model1: data.liquidation_leverage_data[1] is [0, 2]',
                'outside 1 candles x 2 price levels',
                'cannot trust',
                'Nothing was charged',
            ),
        ),
        id='heatmap-index-out-of-range',
    ),
    pytest.param(
        Fault(
            MAP_INPUT,
            MAP,
            (Reply(200, {'code': '0', 'msg': 'success', 'data': MAP_PRICE_NOT_KEY}),),
            error_type='bad_response',
            fragments=('/api/futures/liquidation/map: data.data.96000[0][0] is 69000: not the price of its key 96000',),
            other_requests={PRICE: 0},
        ),
        id='map-price-not-its-key',
    ),
    pytest.param(
        Fault(
            EXCHANGE_LIST_INPUT,
            EXCHANGE_LIST,
            (Reply(404, BODY_NOT_FOUND),),
            error_type='not_found',
            fragments=('Endpoint not found', 'please report it'),
        ),
        id='unknown-path-404',
    ),
]


def check(run: InProcessRun, fake: FakeCoinGlass, fault: Fault, key: str) -> None:
    """Everything a fault case asserts about one finished run."""
    item = run.item
    assert run.exit_code == fault.expected_exit_code, (run.exit_code, item, run.log[-2000:])
    assert item['success'] is fault.success, item
    assert item['mode'] == fault.actor_input['mode']
    if fault.success:
        assert 'error_type' not in item
    else:
        assert item['error_type'] == fault.error_type, item
        assert item['data'] is None
    for fragment in fault.fragments:
        assert fragment in item['message'], (fragment, item['message'])
    assert len(run.charges) == fault.charges, run.charges
    if fault.charges:
        assert {charge['event_name'] for charge in run.charges} == {fault.actor_input['mode'].upper()}
    assert fake.count(fault.path) == fault.requests
    for path, count in fault.other_requests.items():
        assert fake.count(path) == count, path
    assert fake.pending() == 0, 'a scripted reply was not used'
    output = run.record('OUTPUT')  # written also for an input that cannot run: run-sync callers read it
    assert output['requests'] == fake.count()
    assert output['failed'] == (0 if fault.success else 1)
    assert output['results'][0]['message'] == item['message']
    assert key not in run.everything()
    assert all(key not in request.raw_target for request in fake.requests)
    assert 'Traceback' not in run.log


@pytest.mark.parametrize('fault', FAULTS)
def test_fault(actor: RunActor, fake: FakeCoinGlass, fault: Fault) -> None:
    if fault.setup is not None:
        fault.setup(fake)
    fake.script(fault.path, *fault.replies)
    run = actor(fault.actor_input, api_key=fault.api_key, env=FAST_RETRIES | fault.env)
    check(run, fake, fault, TEST_KEY)


def storm_queries() -> list[dict[str, Any]]:
    """40 distinct one-request queries (identical queries would share one fetch)."""
    coins = [None, 'BTC', 'ETH', 'SOL', 'XRP', 'DOGE']
    queries: list[dict[str, Any]] = [
        {'mode': 'liquidation_exchange_list', 'range': range_, **({'coin': coin} if coin else {})}
        for range_ in ('1h', '4h', '12h', '24h')
        for coin in coins
    ]
    queries += [{'mode': 'liquidation_max_pain', 'range': range_} for range_ in ('12h', '24h', '48h', '3d', '7d')]
    queries += [
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1d', 'limit': limit}
        for limit in range(1, 12)
    ]
    return queries


@pytest.mark.parametrize(
    ('style', 'spent'),
    [
        pytest.param('http429', SPENT, id='http-429'),
        pytest.param('body200', SPENT_200, id='http-200-too-many-requests'),  # as live
    ],
)
def test_429_storm_against_a_budget_enforcing_server(
    actor: RunActor, fake: FakeCoinGlass, style: Any, spent: Reply
) -> None:
    """40 queries against a budget of 10 requests per 0.6 s window, refused beyond it in either form CoinGlass uses,
    on a key others have spent when the run starts (its first two requests refused): every query succeeds and is
    charged once, and every refusal is counted."""
    queries = storm_queries()
    assert len(queries) == 40
    fake.budget_per_minute = 10
    fake.window_s = 0.6
    fake.rate_limit_style = style
    spent_by_others = 2
    fake.script('*', *[spent] * spent_by_others)
    started = time.monotonic()
    run = actor(
        {'queries': queries}, env=FAST_RETRIES | {'COINGLASS_RATE_WINDOW_S': '0.6', 'COINGLASS_RETRY_MAX_WAIT_S': '30'}
    )
    elapsed = time.monotonic() - started
    assert run.exit_code == 0, run.log[-3000:]
    items = run.items
    assert len(items) == 40
    assert all(item['success'] for item in items), [item['message'] for item in items if not item['success']]
    assert sorted(item['query_index'] for item in items) == list(range(40))
    expected_events = sorted(query['mode'].upper() for query in queries)
    assert sorted(charge['event_name'] for charge in run.charges) == expected_events
    output = run.record('OUTPUT')
    assert output['succeeded'] == 40
    assert output['charged_events'] == 40
    assert output['rate_limited_responses'] == fake.too_many_requests + spent_by_others
    assert output['requests'] == fake.count() == 40 + fake.too_many_requests + spent_by_others  # no lookup: known
    assert fake.pending() == 0
    print(f'storm ({style}): {fake.too_many_requests} refused, {fake.count()} requests, {elapsed:.1f} s')
    assert fake.too_many_requests <= 2
    assert TEST_KEY not in run.everything()


async def test_first_request_probes_the_budget_alone(fake: FakeCoinGlass) -> None:
    """In process, against the real fake: 25 concurrent requests on a budget of 10 draw no 429 at all."""
    fake.budget_per_minute = 10
    fake.window_s = 0.5
    client = CoinGlassClient(
        TEST_KEY, base_url=fake.url, limiter=RateLimiter(window_s=0.5), retry=RetryPolicy(base_delay_s=0.01)
    )
    async with client:
        results = await asyncio.gather(*(client.get(MAX_PAIN, {'range': '7d'}) for _ in range(25)))
    assert len(results) == 25
    assert fake.too_many_requests == 0
    assert client.limiter.budget == 10
    assert fake.count(MAX_PAIN) == 25


def test_retries_are_logged_at_debug_with_their_reason(actor: RunActor, fake: FakeCoinGlass) -> None:
    fake.script(EXCHANGE_LIST, server_error_reply(EXCHANGE_LIST), RESET)
    run = actor(EXCHANGE_LIST_INPUT, env=FAST_RETRIES)
    assert run.exit_code == 0
    assert run.log.count(f'DEBUG src.client: Retrying {EXCHANGE_LIST}') == 2, run.log
    assert 'HTTP 500: Internal Server Error' in run.log  # Spring's body has no code
    assert 'connection failed (' in run.log
    assert TEST_KEY not in run.everything()


@pytest.mark.e2e
def test_retry_lines_reach_the_actor_log(actor_e2e: Callable[..., ActorRun], fake: FakeCoinGlass) -> None:
    """The package's debug lines are routed through the Actor's log, which alone the platform shows."""
    fake.script(EXCHANGE_LIST, server_error_reply(EXCHANGE_LIST))
    run = actor_e2e(EXCHANGE_LIST_INPUT, extra=FAST_RETRIES)
    assert run.exit_code == 0
    assert run.log.count(f'Retrying {EXCHANGE_LIST}') == 1, run.log
    assert 'Running 1 query.' in run.log
    assert TEST_KEY not in run.everything()


async def test_a_slot_frees_one_window_after_the_answer_not_the_send() -> None:
    """CoinGlass counts a request somewhere between its send and its answer: pace from the answer."""
    clock = Clock()
    limiter = RateLimiter(window_s=10, clock=clock, sleep=clock.sleep)
    probe = await limiter.acquire()  # sent at 0
    clock.now = 3.0  # answered after 3 s: budget 3, so 2 requests a window (a margin of 1)
    limiter.observe(probe, '3', '1')
    second = await limiter.acquire()
    limiter.observe(second, '3', '2')
    await limiter.acquire()  # both slots held: the first frees at 3 + 10, not 0 + 10
    assert clock.now == 13.0


async def test_a_429_with_the_budget_far_from_spent_costs_seconds(fake: FakeCoinGlass) -> None:
    """A 429 while the key's headers show 1 of 1200 used: back off in seconds, not a window (60 s here)."""
    fake.script(MAX_PAIN, TOO_MANY)
    clock = Clock()
    limiter = RateLimiter(window_s=60, clock=clock, sleep=clock.sleep)
    client = CoinGlassClient(TEST_KEY, base_url=fake.url, limiter=limiter, sleep=clock.sleep)
    async with client:
        assert await client.get(MAX_PAIN, {'range': '7d'})
    assert client.rate_limited_count == 1
    assert fake.count(MAX_PAIN) == 2
    assert 0 < clock.now < 2  # the first backoff: 0.25 to 0.5 s


async def test_a_429_with_the_budget_spent_waits_for_the_window_and_says_so(fake: FakeCoinGlass) -> None:
    fake.script(MAX_PAIN, SPENT)
    clock = Clock()
    waits: list[tuple[float, str]] = []

    async def on_long_wait(seconds: float, reason: str) -> None:
        waits.append((seconds, reason))

    limiter = RateLimiter(window_s=60, clock=clock, sleep=clock.sleep, on_long_wait=on_long_wait)
    client = CoinGlassClient(TEST_KEY, base_url=fake.url, limiter=limiter, sleep=clock.sleep)
    async with client:
        assert await client.get(MAX_PAIN, {'range': '7d'})
    assert clock.now == 60  # nothing known of the window: a whole one
    assert waits == [(60, "the CoinGlass key's request budget is spent; waiting 60 s for its window to roll")]
    assert TEST_KEY not in waits[0][1]


def test_a_long_wait_shows_in_the_status_and_the_log_until_progress_replaces_it(
    actor: RunActor, fake: FakeCoinGlass, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an MCP agent polling the run reads while the key's budget holds it (a 0.3 s window stands for 60 s)."""
    monkeypatch.setattr('src.ratelimit.LONG_WAIT_S', 0.1)
    fake.script(MAX_PAIN, SPENT)
    run = actor(MAX_PAIN_INPUT, env=FAST_RETRIES)
    assert run.item['success'] is True
    waiting = "Waiting 0 s: the CoinGlass key's request budget is spent; waiting 0 s for its window to roll."
    assert [status for status in run.sink.statuses if status.startswith('Waiting')] == [
        f'{waiting} The run goes on by itself.'
    ]
    assert run.sink.statuses[-1] == '1/1 queries done'  # progress replaces it
    assert waiting in run.log
    assert TEST_KEY not in run.everything()


@pytest.mark.parametrize(
    'case',
    [
        pytest.param(
            (
                {**ORDERS_INPUT, 'exchange': 'HTX'},  # listed by CoinGlass, but its orders endpoint refuses it
                ORDERS,
                'exchange',
                'CoinGlass lists BTC pairs on Binance, Bybit, Gate, OKX.',
                'Closest supported: BTC',
            ),  # a coin offered for an exchange
            id='exchange-gets-exchanges',
        ),
        pytest.param(
            (
                {'mode': 'search_symbols', 'keyword': 'btc'},
                PAIRS,
                'symbol',
                'Check the keyword and the exchange.',
                'search_symbols lists the pairs',
            ),  # sent to itself
            id='search-symbols-not-sent-to-itself',
        ),
    ],
)
def test_a_refused_parameter_gets_advice_about_that_parameter(
    actor: RunActor, fake: FakeCoinGlass, case: tuple[dict[str, Any], str, str, str, str]
) -> None:
    actor_input, path, refused, wanted, unwanted = case
    fake.script(path, Reply(200, {'code': '40001', 'msg': f'Invalid parameter: {refused}'}))
    item = actor(actor_input).item
    assert item['error_type'] == 'invalid_parameter'
    assert wanted in item['message']
    assert unwanted not in item['message']


def test_a_retry_after_longer_than_a_run_waits_is_said_with_its_length(actor: RunActor, fake: FakeCoinGlass) -> None:
    fake.script(MAX_PAIN, Reply(429, BODY_RATE_LIMITED, headers={'Retry-After': '3600'}))
    item = actor(MAX_PAIN_INPUT).item
    assert item['error_type'] == 'rate_limited'
    assert 'CoinGlass asked to wait 3,600 s (Retry-After), longer than a run waits' in item['message']
    assert 'wait a minute' not in item['message']
