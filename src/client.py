"""The CoinGlass HTTP client: every request goes through `CoinGlassClient.get`.

One `httpx.AsyncClient` per run carries the base URL, the key header, the User-Agent and the timeouts; tests
pass `transport=httpx.MockTransport(...)`. `get` paces with the run's `RateLimiter`, classifies failures into
the `errors` family (`classify`: a rate limit is one whether it comes as an HTTP 429 or as an HTTP 200 saying
"Too Many Requests"), retries what can recover with capped exponential backoff and jitter (honouring `Retry-After`;
a rate limit holds every request until the key's window rolls when its budget is spent or the reply shows nothing
of it, and only that request for seconds when the key still shows room), and returns CoinGlass's `data`. This
module knows nothing of Apify.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Self

import httpx

from src import replies
from src.errors import BadResponseError, CoinGlassError, NetworkError, RateLimitedError, ServerError, classify
from src.ratelimit import BUDGET_SPENT, MAX_LIMIT_HEADER, USE_LIMIT_HEADER, RateLimiter, Ticket
from src.scrub import keep_secret
from src.settings import DEFAULT_BASE_URL

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping
    from types import TracebackType

logger = logging.getLogger(__name__)

USER_AGENT: Final = 'apify-coinglass-liquidation-actor/1.0 (+https://apify.com)'
KEY_HEADER: Final = 'CG-API-KEY'
RETRY_AFTER: Final = 'CoinGlass asked to wait (Retry-After)'


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying one request.

    Attributes:
        max_attempts: Tries in all, the first included.
        base_delay_s: First backoff; doubles each retry, with full jitter.
        max_delay_s: Cap on one backoff (a 429 waits for the rate window instead).
        max_total_wait_s: Cap on one request's tries and the waits between them, together (the pacing that shares
            the key's budget aside); past it the last error is reported.
    """

    max_attempts: int = 6
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_total_wait_s: float = 180.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The wait before retry number `attempt` (1-based): full jitter on a capped exponential."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


@dataclass(frozen=True)
class Timeouts:
    """Connect and read timeouts in seconds, and the deadline of a whole request (connection, headers and body).

    The read timeout bounds each read; a reply that trickles a byte at a time is bounded by the deadline.
    """

    connect_s: float = 10.0
    read_s: float = 60.0
    total_s: float = 120.0

    def as_httpx(self) -> httpx.Timeout:
        """The httpx form."""
        return httpx.Timeout(self.read_s, connect=self.connect_s)


class CoinGlassClient:
    """Async CoinGlass v4 client: `await client.get(path, params)` returns the answer's `data`."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeouts: Timeouts | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 16,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api_key = api_key
        keep_secret(api_key)  # whatever the Actor writes is scrubbed of it, however CoinGlass echoes it
        self.limiter = limiter or RateLimiter(sleep=sleep)
        self.retry = retry or RetryPolicy()
        self.request_count = 0
        self.retry_count = 0
        self.rate_limited_count = 0
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock
        timeouts = timeouts or Timeouts()
        self._deadline_s = timeouts.total_s
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip('/'),
            headers={
                KEY_HEADER: api_key,
                'User-Agent': USER_AGENT,
                'Accept': 'application/json',
                'Accept-Encoding': replies.ENCODINGS,
            },
            timeout=timeouts.as_httpx(),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def get(self, path: str, params: Mapping[str, str | int | float | None] | None = None) -> Any:
        """GET a CoinGlass path and return its `data`, retrying what can recover.

        Raises:
            CoinGlassError: The subclass that says what went wrong, after retries where they can help. Its message
                never holds the key, even when CoinGlass's own message echoes it.
        """
        query = {name: str(value) for name, value in (params or {}).items() if value is not None and value != ''}
        spent = 0.0  # seconds of tries and waits, the pacing that shares the key's budget aside
        attempt = 0
        while True:
            attempt += 1
            ticket = await self.limiter.acquire()
            self.request_count += 1
            started = self._clock()
            try:
                return await self._attempt(path, query, ticket)
            except CoinGlassError as error:
                spent += self._clock() - started
                error.hide(self._api_key)  # a server that echoes the key header in its message must not leak it
                if isinstance(error, RateLimitedError):
                    self.rate_limited_count += 1
                wait, hold_all = self._wait_before_retry(error, attempt)
                if wait is None or spent + wait > self.retry.max_total_wait_s:
                    if attempt > 1 and error.retryable:  # not for a different, final answer after retries
                        _gave_up(error, attempt, spent)
                    raise
                spent += wait
                self.retry_count += 1
                logger.debug('Retrying %s in %.1f s (attempt %d): %s', path, wait, attempt + 1, error.detail)
                if hold_all is not None:
                    self.limiter.penalize(wait, hold_all)  # holds every request of the run, this one included
                else:
                    await self._sleep(wait)

    def _wait_before_retry(self, error: CoinGlassError, attempt: int) -> tuple[float | None, str | None]:
        """The wait before the next attempt (None: give up), and why every request must wait it (None: this one).

        A rate limit holds every request until the key's window rolls when its budget is spent, and is a hiccup
        backed off in seconds when the key shows plenty of room; CoinGlass's Retry-After overrides both. A reply form
        may cap its own tries below the policy's (`CoinGlassError.max_attempts`).
        """
        cap = min(self.retry.max_attempts, error.max_attempts or self.retry.max_attempts)
        if not error.retryable or attempt >= cap:
            return None, None
        if error.retry_after_s is not None:
            return error.retry_after_s, RETRY_AFTER if isinstance(error, RateLimitedError) else None
        if isinstance(error, RateLimitedError):
            wait = self.limiter.rate_limited_wait()
            if wait is not None:
                return wait, BUDGET_SPENT
        return self.retry.backoff(attempt, self._rng), None

    async def _attempt(self, path: str, query: Mapping[str, str], ticket: Ticket) -> Any:
        """One request, headers and body within the total deadline, the body within the endpoint's cap.

        The limiter hears of every answer, read or not: a rate limit, however it came (an HTTP 429, or an HTTP 200
        saying so), was turned away and is not counted, and the run backs off.
        """
        started = time.monotonic()
        response: httpx.Response | None = None
        failure: CoinGlassError | None = None
        try:
            async with asyncio.timeout(self._deadline_s), self._http.stream('GET', path, params=query) as response:
                failure, data = _read(response, await replies.read_body(response, path), path)
        except TimeoutError:
            raise NetworkError(f'no whole answer within the {self._deadline_s:g} s deadline') from None
        except httpx.TimeoutException as error:
            raise NetworkError(f'no answer within the timeout ({type(error).__name__})') from None
        except httpx.TransportError as error:
            raise NetworkError(f'connection failed ({type(error).__name__})') from None
        finally:
            if response is None:  # no answer (or cancelled): nothing to learn, but stop holding the others back
                self.limiter.release(ticket)
            else:
                self._observe(ticket, response, counted=not isinstance(failure, RateLimitedError))
        logger.debug('GET %s -> %d in %.0f ms', path, response.status_code, (time.monotonic() - started) * 1000)
        if failure is not None:
            raise failure
        return data

    def _observe(self, ticket: Ticket, response: httpx.Response, *, counted: bool) -> None:
        """Tell the limiter what the answer's headers say of the key's budget."""
        self.limiter.observe(
            ticket,
            response.headers.get(MAX_LIMIT_HEADER),
            response.headers.get(USE_LIMIT_HEADER),
            counted=counted,
        )


def _read(response: httpx.Response, body: bytes | bytearray, path: str) -> tuple[CoinGlassError | None, Any]:
    """(None, the answer's `data`), or (the error the response stands for, with its Retry-After if any, None).

    Only standard JSON is read (`src.replies.parse`): `NaN`, `Infinity`, numbers beyond float range or nesting too
    deep make it a `bad_response`, as they would break a dataset item.
    """
    try:
        parsed = replies.parse(body, path)
    except BadResponseError as error:
        return error, None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
        failure: CoinGlassError | None = _unreadable(response.status_code, body)
    else:
        failure = classify(response.status_code, parsed, response.headers, path=path)
    if failure is not None:
        failure.retry_after_s = _retry_after(response)
        return failure, None
    if not isinstance(parsed, dict) or 'data' not in parsed:
        return BadResponseError('a success answer without data', retryable=False), None
    return None, parsed['data']


def _gave_up(error: CoinGlassError, attempts: int, spent_s: float) -> None:
    """Say in the error's message that retrying did not help."""
    error.detail = f'{error.detail} (still so after {attempts} attempts and {spent_s:,.1f} s of trying and waiting)'
    error.args = (error.detail,)


def _unreadable(status: int, body: bytes | bytearray) -> CoinGlassError:
    """The error of a body that is not JSON: a gateway's page or a truncated answer."""
    if status == 429:
        return RateLimitedError('HTTP 429 with an unreadable body', status=status)
    if status >= 500 or status == 408:
        return ServerError(f'HTTP {status} with an unreadable body', status=status)
    kind = 'HTML page' if b'<html' in bytes(body[:512]).lower() else 'unreadable body'
    return BadResponseError(f'HTTP {status}: an {kind} instead of JSON', status=status)


def _retry_after(response: httpx.Response) -> float | None:
    header = response.headers.get('Retry-After')
    if header is None:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        return None
