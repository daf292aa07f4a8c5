"""What can go wrong talking to CoinGlass, as one small typed family.

    CoinGlassError                 base; `retryable` says whether trying again can help
    ├── AuthError                  key missing or refused                      (not retried)
    ├── PlanError                  the key's plan does not include the endpoint (not retried)
    ├── InvalidParameterError      CoinGlass rejected a parameter               (not retried)
    ├── NotFoundError              unknown path                                 (not retried)
    ├── RateLimitedError           HTTP 429 / code 429                          (retried after the window rolls)
    ├── ServerError                5xx, 408, gateway HTML                       (retried)
    ├── NetworkError               connection refused or reset, timeouts        (retried)
    └── BadResponseError           unreadable or inconsistent body              (retried when unreadable)

CoinGlass reports errors both by HTTP status and by the body's `code`/`msg` (a plan denial arrives over
HTTP 200), so `classify` reads all three. Messages never contain the API key: they are built from the status,
CoinGlass's own `msg` and the path, never from a rendered request.

Each failure item names its kind as `error_type`, one of `ErrorType`: the kinds above, plus `input` (the run's
input cannot run) and `internal` (a bug of ours while handling one query).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Final

_SUCCESS_CODES: Final = frozenset({'0', 0})


class ErrorType(StrEnum):
    """The `error_type` of a failure item."""

    INPUT = 'input'
    AUTH = 'auth'
    PLAN = 'plan'
    INVALID_PARAMETER = 'invalid_parameter'
    NOT_FOUND = 'not_found'
    RATE_LIMITED = 'rate_limited'
    SERVER = 'server'
    NETWORK = 'network'
    BAD_RESPONSE = 'bad_response'
    INTERNAL = 'internal'


class CoinGlassError(Exception):
    """A CoinGlass call that did not produce data."""

    error_type: ClassVar[ErrorType] = ErrorType.SERVER
    retryable: bool = False
    suggestion: str = ''  # a sentence naming valid values, when the fetch stage found some

    def __init__(self, detail: str, *, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.retry_after_s = retry_after_s

    def advice(self) -> str:
        """What the user can do about it, as one sentence."""
        return 'Try again later.'

    def hide(self, secret: str) -> None:
        """Replace `secret` wherever the message holds it (CoinGlass's text is quoted in it)."""
        if secret and secret in self.detail:
            self.detail = self.detail.replace(secret, '[hidden]')
            self.args = (self.detail,)


class AuthError(CoinGlassError):
    """The API key is missing or refused."""

    error_type = ErrorType.AUTH

    def advice(self) -> str:
        """How to fix the key."""
        return (
            "Check the CoinGlass API key: set the input field 'api_key' or the environment variable "
            'COINGLASS_API_KEY to a key from https://www.coinglass.com/account.'
        )


class PlanError(CoinGlassError):
    """The key is valid but its plan does not include the endpoint."""

    error_type = ErrorType.PLAN


class InvalidParameterError(CoinGlassError):
    """CoinGlass rejected a parameter (an unknown pair or coin, usually)."""

    error_type = ErrorType.INVALID_PARAMETER

    def advice(self) -> str:
        """Where to find valid values."""
        return 'Check the parameters; search_symbols lists the pairs CoinGlass supports.'


class NotFoundError(CoinGlassError):
    """CoinGlass does not know the path."""

    error_type = ErrorType.NOT_FOUND

    def advice(self) -> str:
        """Say it is ours to fix."""
        return 'This is a bug in the Actor or a change at CoinGlass; please report it.'


class RateLimitedError(CoinGlassError):
    """The key's per-minute request budget is spent."""

    error_type = ErrorType.RATE_LIMITED
    retryable = True

    def advice(self) -> str:
        """When to come back: after CoinGlass's Retry-After when it asked for longer than a minute."""
        if self.retry_after_s is not None and self.retry_after_s > 60:
            return (
                f'CoinGlass asked to wait {self.retry_after_s:,.0f} s (Retry-After), longer than a run waits; try '
                'again after that, run fewer queries at once or upgrade.'
            )
        return 'The key used its per-minute request budget; wait a minute, run fewer queries at once or upgrade.'


class ServerError(CoinGlassError):
    """CoinGlass failed (5xx, 408, a gateway page)."""

    error_type = ErrorType.SERVER
    retryable = True

    def advice(self) -> str:
        """When to come back."""
        return 'CoinGlass is having trouble; try again in a few minutes.'


class NetworkError(CoinGlassError):
    """No answer: connection refused or reset, or a timeout."""

    error_type = ErrorType.NETWORK
    retryable = True

    def advice(self) -> str:
        """When to come back."""
        return 'CoinGlass could not be reached; try again in a few minutes.'


class BadResponseError(CoinGlassError):
    """A body that is not the JSON CoinGlass documents, or data that contradicts itself."""

    error_type = ErrorType.BAD_RESPONSE

    def __init__(self, detail: str, *, retryable: bool = True, status: int | None = None) -> None:
        super().__init__(detail, status=status)
        self.retryable = retryable  # an unreadable body may read fine next time; contradictory data will not

    def advice(self) -> str:
        """When to come back."""
        return 'CoinGlass sent data the Actor cannot trust; try again later, and report it if it persists.'


def classify(status: int, body: Any) -> CoinGlassError | None:
    """The error a response of HTTP `status` with the parsed JSON `body` stands for, or None when it carries data."""
    code, message = _code_and_message(body)
    lowered = message.lower()
    if status == 200 and code in _SUCCESS_CODES:
        return None
    detail = f'HTTP {status}, code {code!r}: {message}' if message else f'HTTP {status}, code {code!r}'
    if status == 429 or code == '429':
        return RateLimitedError(detail, status=status)
    if 'upgrade plan' in lowered:
        return PlanError(detail, status=status)
    if status == 401 or 'api key' in lowered or code == '401':
        return AuthError(detail, status=status)
    if status == 404 or code == '404':
        return NotFoundError(detail, status=status)
    if status == 408 or code == '408' or status >= 500 or code == '500':
        return ServerError(detail, status=status)
    if status in {400, 422} or code in {'400', '422', '405'} or code.startswith('400'):
        return InvalidParameterError(detail, status=status)
    if status != 200:
        return ServerError(detail, status=status)
    return BadResponseError(f'unexpected answer, {detail}', retryable=False, status=status)


def _code_and_message(body: Any) -> tuple[str, str]:
    if not isinstance(body, dict):
        return '', ''
    code = body.get('code', body.get('status', ''))
    message = body.get('msg') or body.get('message') or body.get('error') or ''
    return str(code), str(message)
