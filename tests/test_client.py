"""The CoinGlass client against an httpx.MockTransport: headers, classification, retries, pacing."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from src.client import KEY_HEADER, USER_AGENT, CoinGlassClient, RetryPolicy
from src.errors import (
    AuthError,
    BadResponseError,
    CoinGlassError,
    InvalidParameterError,
    NetworkError,
    NotFoundError,
    PlanError,
    RateLimitedError,
    ServerError,
    classify,
)
from src.ratelimit import RateLimiter

KEY = 'unit-test-key-0042'


class Script:
    """A MockTransport handler answering a fixed sequence, recording every request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(data: Any, **headers: str) -> httpx.Response:
    return httpx.Response(200, json={'code': '0', 'msg': 'success', 'data': data}, headers=headers)


class Clock:
    """A fake monotonic clock whose sleeps advance time instantly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(script: Script, clock: Clock | None = None, **retry: Any) -> CoinGlassClient:
    clock = clock or Clock()
    return CoinGlassClient(
        KEY,
        base_url='https://cg.test',
        transport=httpx.MockTransport(script),
        limiter=RateLimiter(clock=clock, sleep=clock.sleep),
        retry=RetryPolicy(**retry),
        sleep=clock.sleep,
        rng=random.Random(7),
    )


async def test_key_in_header_user_agent_and_params() -> None:
    script = Script(ok([1, 2]))
    async with make_client(script) as client:
        assert await client.get('/api/x', {'symbol': 'BTC', 'range': None, 'limit': 5}) == [1, 2]
    request = script.requests[0]
    assert request.headers[KEY_HEADER] == KEY
    assert request.headers['User-Agent'] == USER_AGENT
    assert KEY not in str(request.url)
    assert dict(request.url.params) == {'symbol': 'BTC', 'limit': '5'}
    assert request.url.path == '/api/x'


@pytest.mark.parametrize(
    ('status', 'body', 'error_type'),
    [
        pytest.param(200, {'code': '401', 'msg': 'Upgrade plan'}, PlanError, id='plan-over-200'),
        pytest.param(200, {'code': '40110', 'msg': 'Upgrade plan'}, PlanError, id='plan-40110'),
        pytest.param(200, {'code': '400', 'msg': 'API key missing.'}, AuthError, id='missing-key-over-200'),
        pytest.param(401, {'code': '401', 'msg': 'Invalid API key provided'}, AuthError, id='invalid-key'),
        pytest.param(200, {'code': '40001', 'msg': 'Invalid parameter: symbol'}, InvalidParameterError, id='param'),
        pytest.param(404, {'code': '404', 'msg': 'Endpoint not found'}, NotFoundError, id='not-found'),
        pytest.param(429, {'code': '429', 'msg': 'Too Many Requests'}, RateLimitedError, id='rate-limited'),
        pytest.param(
            500,
            {'timestamp': 1, 'status': 500, 'error': 'Internal Server Error', 'path': '/x'},
            ServerError,
            id='spring-500',
        ),
        pytest.param(408, {'code': '408', 'msg': 'timeout'}, ServerError, id='408'),
        pytest.param(200, {'code': '7', 'msg': '?'}, BadResponseError, id='unknown-code'),
    ],
)
def test_classify(status: int, body: Any, error_type: type[CoinGlassError]) -> None:
    error = classify(status, body)
    assert type(error) is error_type


def test_classify_success_without_msg() -> None:
    assert classify(200, {'code': '0', 'data': []}) is None


async def test_retries_server_errors_then_succeeds() -> None:
    clock = Clock()
    script = Script(httpx.Response(500, text='<html>bad gateway</html>'), httpx.Response(502, json={}), ok({'a': 1}))
    async with make_client(script, clock) as client:
        assert await client.get('/x') == {'a': 1}
        assert client.retry_count == 2
    assert len(script.requests) == 3
    assert len(clock.sleeps) == 2
    assert 0.25 <= clock.sleeps[0] <= 0.5  # capped exponential backoff with jitter
    assert 0.5 <= clock.sleeps[1] <= 1.0


@pytest.mark.parametrize(
    ('answer', 'error_type'),
    [
        pytest.param(httpx.ConnectError('refused'), NetworkError, id='connect'),
        pytest.param(httpx.ReadTimeout('slow'), NetworkError, id='timeout'),
        pytest.param(httpx.Response(200, content=b'{"code": "0", "data": [1, 2'), BadResponseError, id='truncated'),
        pytest.param(httpx.Response(503, text='<html>gateway</html>'), ServerError, id='html-503'),
    ],
)
async def test_recoverable_errors_give_up_after_max_attempts(answer: Any, error_type: type[Exception]) -> None:
    script = Script(answer)
    async with make_client(script, max_attempts=3) as client:
        with pytest.raises(error_type) as caught:
            await client.get('/x')
    assert len(script.requests) == 3
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    'body',
    [{'code': '401', 'msg': 'Upgrade plan'}, {'code': '40001', 'msg': 'Invalid parameter: symbol'}],
)
async def test_unrecoverable_errors_are_not_retried(body: dict[str, str]) -> None:
    script = Script(httpx.Response(200, json=body))
    async with make_client(script) as client:
        with pytest.raises(CoinGlassError):
            await client.get('/x')
    assert len(script.requests) == 1


async def test_429_waits_for_the_window_then_retries() -> None:
    clock = Clock()
    script = Script(httpx.Response(429, json={'code': '429', 'msg': 'Too Many Requests'}), ok([]))
    async with make_client(script, clock) as client:
        assert await client.get('/x') == []
        assert client.rate_limited_count == 1
    assert sum(clock.sleeps) == pytest.approx(60.0)


async def test_retry_after_is_honoured() -> None:
    clock = Clock()
    script = Script(httpx.Response(503, json={}, headers={'Retry-After': '7'}), ok([]))
    async with make_client(script, clock) as client:
        await client.get('/x')
    assert clock.sleeps == [7.0]


async def test_total_wait_is_capped() -> None:
    clock = Clock()
    script = Script(httpx.Response(429, json={'code': '429', 'msg': 'Too Many Requests'}))
    async with make_client(script, clock, max_total_wait_s=150) as client:
        with pytest.raises(RateLimitedError):
            await client.get('/x')
    assert len(script.requests) == 3  # two waits of 60 s fit in 150 s, a third would not
    assert sum(clock.sleeps) <= 150


async def test_pacing_follows_the_budget_header() -> None:
    clock = Clock()
    script = Script(ok([], **{'API-KEY-MAX-LIMIT': '10', 'API-KEY-USE-LIMIT': '1'}))
    async with make_client(script, clock) as client:
        for _ in range(25):
            await client.get('/x')
    # 25 requests at 9 a minute (the budget of 10 less a margin of 1) need two waits of about a minute.
    assert len(script.requests) == 25
    assert len(clock.sleeps) >= 2
    assert sum(clock.sleeps) >= 120 - 1e-6


async def test_a_429_with_the_budget_spent_waits_only_until_the_known_window_rolls() -> None:
    clock = Clock()
    script = Script(
        ok([], **{'API-KEY-MAX-LIMIT': '10', 'API-KEY-USE-LIMIT': '1'}),
        httpx.Response(429, json={'code': '429', 'msg': 'Too Many'}, headers={'API-KEY-USE-LIMIT': '10'}),
        ok([], **{'API-KEY-MAX-LIMIT': '10', 'API-KEY-USE-LIMIT': '1'}),
    )
    async with make_client(script, clock) as client:
        await client.get('/x')  # answered at 1000: the window began by then
        clock.now += 40
        assert await client.get('/x') == []
        assert client.rate_limited_count == 1
    assert clock.now == pytest.approx(1060.0, abs=0.5)  # the 429 at 1040 waited 20 s, not a whole window


async def test_a_429_with_room_left_is_retried_after_seconds() -> None:
    clock = Clock()
    script = Script(
        httpx.Response(429, json={'code': '429', 'msg': 'Too Many'}, headers={'API-KEY-USE-LIMIT': '7'}),
        ok([], **{'API-KEY-MAX-LIMIT': '1200', 'API-KEY-USE-LIMIT': '8'}),
    )
    async with make_client(script, clock) as client:
        assert await client.get('/x') == []
    assert 0.25 <= clock.sleeps[0] <= 0.5  # the first backoff, not a window
    assert sum(clock.sleeps) < 2


@pytest.mark.parametrize(
    'answer',
    [
        pytest.param(httpx.Response(401, json={'code': '401', 'msg': f'Invalid API key provided: {KEY}'}), id='401'),
        pytest.param(httpx.Response(200, json={'code': '40001', 'msg': f'Invalid parameter for {KEY}'}), id='param'),
        pytest.param(httpx.Response(500, json={'status': 500, 'error': f'key {KEY} failed', 'path': '/x'}), id='500'),
    ],
)
async def test_error_bodies_that_echo_the_key_never_pass_it_on(answer: httpx.Response) -> None:
    """A server echoing the key header in its message: the error the client raises must not carry it."""
    async with make_client(Script(answer), max_attempts=2) as client:
        with pytest.raises(CoinGlassError) as caught:
            await client.get('/api/futures/liquidation/max-pain')
    error = caught.value
    assert '[hidden]' in error.detail
    for text in (error.detail, str(error), repr(error), error.advice()):
        assert KEY not in text
