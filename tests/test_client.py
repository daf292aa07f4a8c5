"""The CoinGlass client against an httpx.MockTransport: headers, classification, retries, pacing."""

from __future__ import annotations

import dataclasses
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_clock import Clock

from src import errors
from src.client import KEY_HEADER, USER_AGENT, CoinGlassClient, RetryPolicy
from src.errors import (
    BadResponseError,
    CoinGlassError,
    ErrorType,
    NetworkError,
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


def make_client(script: Script, clock: Clock | None = None, **retry: Any) -> CoinGlassClient:
    clock = clock or Clock(1000.0)
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


CAPTURED_ERRORS = Path(__file__).parent / 'real_responses' / 'errors'


def captured(name: str) -> Any:
    """A body from tests/real_responses/errors/, by the part of its file name after the collector's prefix."""
    (path,) = [path for path in CAPTURED_ERRORS.glob('*.json') if path.stem.endswith(name)]
    return json.loads(path.read_text())


@dataclass(frozen=True, kw_only=True)
class Case:
    """One reply form and how the table must read it."""

    status: int
    error_type: ErrorType
    body: Any = None  # None: the capture's
    retried: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    plan: str | None = None  # the plan a denial names
    unknown: str | None = None  # what CoinGlass said is unknown: symbol or exchange
    parameter: str | None = None  # the parameter CoinGlass named
    max_attempts: int | None = None  # a cap on the tries of this form


SPENT_HEADERS = {'API-KEY-MAX-LIMIT': '30', 'API-KEY-USE-LIMIT': '30'}
RATE, PLAN, AUTH, PARAM = ErrorType.RATE_LIMITED, ErrorType.PLAN, ErrorType.AUTH, ErrorType.INVALID_PARAMETER
SERVER, NOT_FOUND, BAD = ErrorType.SERVER, ErrorType.NOT_FOUND, ErrorType.BAD_RESPONSE


def envelope(code: str, msg: str, **more: str) -> dict[str, str]:
    return {'code': code, 'msg': msg, **more}


CAPTURED_CASES = {  # the body is the capture's
    'too-many-requests_aggregated-map_http200': Case(status=200, error_type=RATE, retried=True),
    'please-upgrade-to-standard_order-no-params_http200': Case(status=200, error_type=PLAN, plan='Standard'),
    'please-upgrade-to-professional_pair-heatmap-model1-no-params_http200': Case(
        status=200, error_type=PLAN, plan='Professional'
    ),
    'plan-denial_upgrade-plan_http200': Case(status=200, error_type=PLAN),
    'required-range-missing_exchange-list-no-params_http200': Case(status=200, error_type=PARAM, parameter='range'),
    'server-error-code500_pair-history-no-params_http200': Case(
        status=200, error_type=SERVER, retried=True, max_attempts=3
    ),
    'http404-gateway-style-with-requestId': Case(status=404, error_type=NOT_FOUND),
    'http404-unknown-path-spring-style': Case(status=404, error_type=NOT_FOUND),
}
REPLY_FORMS = {
    # reported by users, not captured as bodies
    'upgrade-required-403': Case(status=403, body=envelope('403', 'upgrade_required'), error_type=PLAN),
    'upgrade-required-detail': Case(
        status=200, body=envelope('403', 'Forbidden', detail='upgrade_required'), error_type=PLAN
    ),
    'limit-above-4500': Case(
        status=200,
        body=envelope('400', 'limit must be less than or equal to 4500'),
        error_type=PARAM,
        parameter='limit',
    ),
    'invalid-key-code-400': Case(status=200, body=envelope('400', 'Invalid API key provided'), error_type=AUTH),
    'missing-key-code-401': Case(status=200, body=envelope('401', 'API key missing.'), error_type=AUTH),
    'invalid-key-http-401': Case(status=401, body=envelope('401', 'Invalid API key provided'), error_type=AUTH),
    # a second example of each kind
    'too-many-requests-try-later': Case(
        status=200, body=envelope('400', 'too many requests, please try again later'), error_type=RATE, retried=True
    ),
    'rate-limit-exceeded-other-code': Case(
        status=200, body=envelope('40029', 'Rate limit exceeded!'), error_type=RATE, retried=True
    ),
    'http-429': Case(status=429, body=envelope('429', 'Too Many Requests'), error_type=RATE, retried=True),
    'http-429-no-body-code': Case(status=429, body={}, error_type=RATE, retried=True),
    'please-upgrade-to-startup': Case(
        status=200, body=envelope('400', 'Please upgrade to Startup!'), error_type=PLAN, plan='Startup'
    ),
    'upgrade-plan-code-40110': Case(status=200, body=envelope('40110', 'Upgrade plan'), error_type=PLAN),
    'required-limit-missing': Case(
        status=200,
        body=envelope('400', "Required Integer parameter 'limit' is not present"),
        error_type=PARAM,
        parameter='limit',
    ),
    'invalid-symbol': Case(
        status=200,
        body=envelope('40001', 'Invalid parameter: symbol'),
        error_type=PARAM,
        unknown='symbol',
        parameter='symbol',
    ),
    'exchange-not-supported': Case(
        status=200, body=envelope('400', 'exchange not supported'), error_type=PARAM, unknown='exchange'
    ),
    'invalid-range-is-no-unknown-symbol': Case(
        status=200, body=envelope('400', 'Invalid parameter: range'), error_type=PARAM, parameter='range'
    ),
    'spring-500': Case(
        status=500,
        body={'timestamp': 1, 'status': 500, 'error': 'Internal Server Error', 'path': '/x'},
        error_type=SERVER,
        retried=True,
    ),
    'gateway-502-empty': Case(status=502, body={}, error_type=SERVER, retried=True),
    'timeout-408': Case(status=408, body=envelope('408', 'timeout'), error_type=SERVER, retried=True),
    'http-400-empty': Case(status=400, body={}, error_type=PARAM),
    'unknown-words-budget-spent': Case(
        status=200, body=envelope('400', 'Request refused'), headers=SPENT_HEADERS, error_type=RATE, retried=True
    ),
    # unknown code and unknown words: CoinGlass's words, as they are
    'unknown-code': Case(status=200, body=envelope('7', '?'), error_type=BAD),
    'unknown-words-code-400': Case(status=200, body=envelope('400', 'Request refused'), error_type=BAD),
    'teapot': Case(status=200, body=envelope('418', "I'm a teapot"), error_type=BAD),
    'method-not-allowed': Case(status=405, body=envelope('405', 'Method not allowed'), error_type=BAD),
    'not-an-object': Case(status=200, body=['not', 'an', 'envelope'], error_type=BAD),
}


def every_reply_form() -> list[Any]:
    forms = [
        pytest.param(dataclasses.replace(case, body=captured(name)), id=f'captured-{name}')
        for name, case in CAPTURED_CASES.items()
    ]
    return forms + [pytest.param(case, id=name) for name, case in REPLY_FORMS.items()]


def test_every_captured_error_body_is_a_case() -> None:
    stems = {path.stem for path in CAPTURED_ERRORS.glob('*.json')}
    assert {next(stem for stem in stems if stem.endswith(name)) for name in CAPTURED_CASES} == stems


@pytest.mark.parametrize('case', every_reply_form())
def test_classify(case: Case) -> None:
    path = '/api/futures/liquidation/aggregated-map'
    error = classify(case.status, case.body, case.headers, path=path)
    assert error is not None
    assert (error.error_type, error.retryable) == (case.error_type, case.retried), error.detail
    assert getattr(error, 'plan', None) == case.plan
    assert getattr(error, 'unknown', None) == case.unknown
    assert getattr(error, 'parameter', None) == case.parameter
    assert error.max_attempts == case.max_attempts
    said = case.body.get('msg') if isinstance(case.body, dict) else None
    if said:
        assert said in error.detail  # CoinGlass's own words, quoted
    if case.error_type is BAD:
        assert path in error.detail  # and the endpoint: what a report needs
        assert 'parameter' not in error.detail + error.advice()  # never dressed up as a bad parameter


def test_the_table_is_listed_in_the_module_docstring() -> None:
    assert errors.__doc__ is not None
    for rule in errors.RULES:
        assert rule.name in errors.__doc__, rule.name


@pytest.mark.parametrize('body', [{'code': '0', 'data': []}, {'code': 0, 'msg': 'success', 'data': []}])
def test_classify_success_with_or_without_msg(body: dict[str, Any]) -> None:
    assert classify(200, body) is None


async def test_retries_server_errors_then_succeeds() -> None:
    clock = Clock(1000.0)
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


RATE_LIMIT_FORMS = [pytest.param('http429', id='http-429'), pytest.param('body200', id='http-200-too-many-requests')]


def too_many(form: str, **headers: str) -> httpx.Response:
    """A rate limit in either form CoinGlass uses: HTTP 429 (documented), or HTTP 200 with code "400" (live)."""
    if form == 'http429':
        return httpx.Response(429, json={'code': '429', 'msg': 'Too Many Requests'}, headers=headers)
    return httpx.Response(200, json={'code': '400', 'msg': 'Too Many Requests'}, headers=headers)


@pytest.mark.parametrize('form', RATE_LIMIT_FORMS)
async def test_a_rate_limit_without_headers_waits_for_the_window_then_retries(form: str) -> None:
    """No API-KEY-* headers on the refusal: nothing says the key has room, so its budget counts as spent."""
    clock = Clock(1000.0)
    script = Script(too_many(form), ok([]))
    async with make_client(script, clock) as client:
        assert await client.get('/x') == []
        assert client.rate_limited_count == 1
    assert sum(clock.sleeps) == pytest.approx(60.0)
    assert len(script.requests) == 2


async def test_retry_after_is_honoured() -> None:
    clock = Clock(1000.0)
    script = Script(httpx.Response(503, json={}, headers={'Retry-After': '7'}), ok([]))
    async with make_client(script, clock) as client:
        await client.get('/x')
    assert clock.sleeps == [7.0]


@pytest.mark.parametrize('form', RATE_LIMIT_FORMS)
async def test_total_wait_is_capped(form: str) -> None:
    clock = Clock(1000.0)
    script = Script(too_many(form))
    async with make_client(script, clock, max_total_wait_s=150) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.get('/x')
        assert client.rate_limited_count == 3
    assert len(script.requests) == 3  # two waits of 60 s fit in 150 s, a third would not
    assert sum(clock.sleeps) <= 150
    assert caught.value.detail.endswith(
        'Too Many Requests (still so after 3 attempts and 120.0 s of trying and waiting)'
    )


async def test_pacing_follows_the_budget_header() -> None:
    clock = Clock(1000.0)
    script = Script(ok([], **{'API-KEY-MAX-LIMIT': '10', 'API-KEY-USE-LIMIT': '1'}))
    async with make_client(script, clock) as client:
        for _ in range(25):
            await client.get('/x')
    # 25 requests at 9 a minute (the budget of 10 less a margin of 1) need two waits of about a minute.
    assert len(script.requests) == 25
    assert len(clock.sleeps) >= 2
    assert sum(clock.sleeps) >= 120 - 1e-6


@pytest.mark.parametrize('form', RATE_LIMIT_FORMS)
async def test_a_rate_limit_with_the_budget_spent_waits_only_until_the_known_window_rolls(form: str) -> None:
    clock = Clock(1000.0)
    script = Script(
        ok([], **{'API-KEY-MAX-LIMIT': '10', 'API-KEY-USE-LIMIT': '1'}),
        too_many(form, **{'API-KEY-USE-LIMIT': '10'}),
        ok([], **{'API-KEY-MAX-LIMIT': '10', 'API-KEY-USE-LIMIT': '1'}),
    )
    async with make_client(script, clock) as client:
        await client.get('/x')  # answered at 1000: the window began by then
        clock.now += 40
        assert await client.get('/x') == []
        assert client.rate_limited_count == 1
    assert clock.now == pytest.approx(1060.0, abs=0.5)  # the 429 at 1040 waited 20 s, not a whole window


@pytest.mark.parametrize('form', RATE_LIMIT_FORMS)
async def test_a_rate_limit_with_room_left_is_retried_after_seconds(form: str) -> None:
    clock = Clock(1000.0)
    script = Script(
        too_many(form, **{'API-KEY-USE-LIMIT': '7'}),
        ok([], **{'API-KEY-MAX-LIMIT': '1200', 'API-KEY-USE-LIMIT': '8'}),
    )
    async with make_client(script, clock) as client:
        assert await client.get('/x') == []
    assert 0.25 <= clock.sleeps[0] <= 0.5  # the first backoff, not a window
    assert sum(clock.sleeps) < 2


async def test_code_500_over_http_200_is_retried_three_times_in_all() -> None:
    """CoinGlass answers a missing parameter this way on some endpoints too: retrying it six times would waste
    the key's budget."""
    script = Script(httpx.Response(200, json=captured('server-error-code500_pair-history-no-params_http200')))
    async with make_client(script) as client:
        with pytest.raises(ServerError) as caught:
            await client.get('/api/futures/liquidation/history')
        assert client.retry_count == 2
    assert len(script.requests) == 3
    assert "code '500': Server Error (still so after 3 attempts" in caught.value.detail


async def test_a_different_final_answer_after_retries_is_not_said_to_persist() -> None:
    script = Script(httpx.Response(502, json={}), httpx.Response(200, json={'code': '401', 'msg': 'Upgrade plan'}))
    async with make_client(script) as client:
        with pytest.raises(CoinGlassError) as caught:
            await client.get('/x')
    assert caught.value.error_type is ErrorType.PLAN
    assert caught.value.detail == "HTTP 200, code '401': Upgrade plan"


@pytest.mark.parametrize(
    'name', ['please-upgrade-to-standard_order-no-params_http200', 'plan-denial_upgrade-plan_http200']
)
async def test_a_plan_denial_in_any_wording_is_not_retried(name: str) -> None:
    script = Script(httpx.Response(200, json=captured(name)))
    async with make_client(script) as client:
        with pytest.raises(CoinGlassError) as caught:
            await client.get('/x')
    assert caught.value.error_type is ErrorType.PLAN
    assert len(script.requests) == 1


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
