"""What can go wrong talking to CoinGlass, as one small typed family, and the one table that reads its replies.

    CoinGlassError                 base; `retryable` says whether trying again can help
    ├── AuthError                  key missing or refused                      (not retried)
    ├── PlanError                  the key's plan does not include the endpoint (not retried)
    ├── InvalidParameterError      CoinGlass rejected a parameter               (not retried)
    │   └── MissingParameterError  CoinGlass says a required parameter was not sent (a bug of ours)
    ├── NotFoundError              unknown path                                 (not retried)
    ├── RateLimitedError           the key's budget is spent, however said      (retried after the window rolls)
    ├── ServerError                5xx, 408, gateway HTML, code 500             (retried)
    ├── NetworkError               connection refused or reset, timeouts        (retried)
    └── BadResponseError           unreadable or inconsistent body              (retried when unreadable)
        └── UnrecognizedReplyError a refusal the table does not know            (not retried)

CoinGlass overloads its body `code` ("400" has meant a rate limit, a plan denial and a bad parameter, "500" both
its own fault and a missing parameter, over HTTP 200) and sends some errors without one, so `classify` reads
everything a reply says: the HTTP status, `code`, the words of `msg` (and of `message`, `error`, `detail`; case
and punctuation ignored), the `API-KEY-*` headers and the body's shape. `RULES` is the table; the first rule that
matches a reply decides. In order:

    rule                 the reply                                              error              retried
    too-many-requests    says "too many requests" / "rate limit" (any code,     rate_limited       yes, when the
                         any status: live, HTTP 200 with code "400")                               window rolls
    http-429, code-429   HTTP 429, or code "429"                                rate_limited       yes
    upgrade              says "upgrade" ("Upgrade plan", "Please upgrade to     plan (names the    no
                         standard", "upgrade_required"), any code               plan when said)
    api-key              says "api key" / "unauthorized" ("API key missing.")   auth               no
    http-401, code-401   HTTP 401, or code "401"                                auth               no
    missing-parameter    "Required String parameter 'range' is not present"     invalid_parameter  no
                                                                                (a bug of ours)
    unknown-value        names the symbol, pair, coin or exchange and says it   invalid_parameter  no
                         is invalid, unknown, not found or not supported        (`unknown` set)
    limit                names `limit` and a number ("limit ... 4500")          invalid_parameter  no
    parameter            says "parameter" / "param" ("Invalid parameter: x")    invalid_parameter  no
    http-404, code-404   HTTP 404 (Spring's shape, no code, as live), code 404  not_found          no
    code-500-over-200    HTTP 200 with code "500" ("Server Error"; live also    server             yes, 3 tries
                         for a missing parameter)                                                  in all
    http-5xx, code-5xx   HTTP 5xx or 408, code "5xx" or "408"                   server             yes
    budget-spent         any other refusal whose headers show the key's         rate_limited       yes
                         budget used up
    http-400             HTTP 400 or 422                                        invalid_parameter  no
    (no rule)            anything else: CoinGlass's words quoted, with the      bad_response       no
                         endpoint                                               (unrecognized)

A body that is not JSON is read by the client (`src.client`): a 429 is rate_limited, a 5xx or 408 server (both
retried), anything else bad_response (retried). Messages never contain the API key: they are built from the
status, CoinGlass's own words and the path, never from a rendered request.

Each failure item names its kind as `error_type`, one of `ErrorType`: the kinds above, plus `input` (the run's
input cannot run) and `internal` (a bug of ours while handling one query).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_SUCCESS_CODES: Final = frozenset({'0', 0})
CODE_500_ATTEMPTS: Final = 3  # CoinGlass's code "500" over HTTP 200 also means a missing parameter: try it less
PLAN_NAMES: Final = ('hobbyist', 'startup', 'standard', 'professional', 'enterprise')


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
    """A CoinGlass call that did not produce data.

    Attributes:
        detail: What happened, for the message (CoinGlass's own words quoted where it sent some).
        status: The HTTP status, when there was an answer.
        retry_after_s: CoinGlass's Retry-After, in seconds.
        said: CoinGlass's own words (`msg`), as sent; empty when it sent none.
        max_attempts: A cap on the tries of this reply form below the client's own (None: the client's).
    """

    error_type: ClassVar[ErrorType] = ErrorType.SERVER
    retryable: bool = False
    suggestion: str = ''  # a sentence naming valid values, when the fetch stage found some
    max_attempts: int | None = None

    def __init__(
        self, detail: str, *, status: int | None = None, retry_after_s: float | None = None, said: str = ''
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.retry_after_s = retry_after_s
        self.said = said

    def advice(self) -> str:
        """What the user can do about it, as one sentence."""
        return 'Try again later.'

    def hide(self, secret: str) -> None:
        """Replace `secret` wherever the message holds it (CoinGlass's text is quoted in it)."""
        if secret and secret in self.detail:
            self.detail = self.detail.replace(secret, '[hidden]')
            self.args = (self.detail,)
        if secret and secret in self.said:
            self.said = self.said.replace(secret, '[hidden]')


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
    """The key is valid but its plan does not include the endpoint.

    `plan` is the plan CoinGlass named (title case, e.g. `Standard`), or None when it named none.
    """

    error_type = ErrorType.PLAN

    def __init__(self, detail: str, *, plan: str | None = None, status: int | None = None, said: str = '') -> None:
        super().__init__(detail, status=status, said=said)
        self.plan = plan


class InvalidParameterError(CoinGlassError):
    """CoinGlass rejected a parameter.

    `unknown` is `symbol` or `exchange` when CoinGlass said that value is unknown (then the fetch stage looks for
    the closest supported ones), else None; `parameter` the parameter CoinGlass named, when it named one.
    """

    error_type = ErrorType.INVALID_PARAMETER

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        said: str = '',
        unknown: str | None = None,
        parameter: str | None = None,
    ) -> None:
        super().__init__(detail, status=status, said=said)
        self.unknown = unknown
        self.parameter = parameter

    def advice(self) -> str:
        """Where to find valid values: for an unknown exchange or symbol, the mode that lists them."""
        if self.unknown == 'exchange':
            return 'Give the exchange as CoinGlass names it; search_symbols lists every exchange with its pairs.'
        if self.unknown == 'symbol':
            return 'search_symbols lists the pairs CoinGlass supports.'
        return 'Check the value of the parameter CoinGlass names against what the input field allows.'


class MissingParameterError(InvalidParameterError):
    """CoinGlass says a parameter it requires was not sent: the Actor's request was incomplete."""

    def advice(self) -> str:
        """Say it is ours to fix."""
        return 'The Actor should have sent it: this is a bug in the Actor or a change at CoinGlass; please report it.'


class NotFoundError(CoinGlassError):
    """CoinGlass does not know the path."""

    error_type = ErrorType.NOT_FOUND

    def advice(self) -> str:
        """Say it is ours to fix."""
        return 'This is a bug in the Actor or a change at CoinGlass; please report it.'


class RateLimitedError(CoinGlassError):
    """The key's per-minute request budget is spent (an HTTP 429, or an HTTP 200 saying so)."""

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
    """CoinGlass failed (5xx, 408, a gateway page, its code "500")."""

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

    def __init__(self, detail: str, *, retryable: bool = True, status: int | None = None, said: str = '') -> None:
        super().__init__(detail, status=status, said=said)
        self.retryable = retryable  # an unreadable body may read fine next time; contradictory data will not

    def advice(self) -> str:
        """When to come back."""
        return 'CoinGlass sent data the Actor cannot trust; try again later, and report it if it persists.'


class UnrecognizedReplyError(BadResponseError):
    """A refusal none of the table's rules knows: reported in CoinGlass's own words, never guessed at."""

    def __init__(self, detail: str, *, status: int | None = None, said: str = '') -> None:
        super().__init__(detail, retryable=False, status=status, said=said)

    def advice(self) -> str:
        """Say what is known: nothing more than CoinGlass's words."""
        return (
            "The Actor does not know this answer, so it cannot say more than CoinGlass's words; try again later, "
            'and report it with this message if it persists.'
        )


# --- reading a reply ----------------------------------------------------------------------------------------------


class Shape(Enum):
    """The shape of a reply's body."""

    ENVELOPE = 'envelope'  # {"code": ..., "msg": ..., "data": ...}
    SPRING = 'spring'  # {"timestamp", "status", "error", "message", "path"(, "requestId")}, no code
    OTHER = 'other'


@dataclass(frozen=True)
class Reading:
    """A CoinGlass reply as the table reads it.

    Attributes:
        status: The HTTP status.
        code: The body's `code` as text, '' when it has none (a Spring body has none).
        said: CoinGlass's own message (`msg`, else `message`, `error`, `detail`), as sent.
        words: All the body's text (`msg`, `message`, `error`, `detail`), lower case, anything but letters and
            digits a single space: `upgrade_required` reads `upgrade required`, `Too Many Requests!` `too many
            requests`.
        shape: The body's shape.
        path: The endpoint asked, for messages ('' when unknown).
        budget_spent: The headers show the key's budget used up (`API-KEY-USE-LIMIT` >= `API-KEY-MAX-LIMIT`).
    """

    status: int
    code: str
    said: str
    words: str
    shape: Shape
    path: str = ''
    budget_spent: bool = False

    @property
    def detail(self) -> str:
        """`HTTP 200, code '400': Too Many Requests`: the status, the code and CoinGlass's words."""
        head = f'HTTP {self.status}, code {self.code!r}' if self.code else f'HTTP {self.status}'
        return f'{head}: {self.said}' if self.said else head


@dataclass(frozen=True)
class Rule:
    """One row of the table: what a reply must show (every criterion given), and the error it stands for.

    Attributes:
        name: The row's name, for the docs and the tests.
        make: The error of a reply that matches.
        says: A pattern searched in the reply's normalized words (`Reading.words`).
        codes: The body's `code` is one of these.
        statuses: The HTTP status is one of these.
        budget_spent: The headers show the key's budget used up.
    """

    name: str
    make: Callable[[Reading], CoinGlassError]
    says: re.Pattern[str] | None = None
    codes: frozenset[str] = field(default_factory=frozenset)
    statuses: frozenset[int] = field(default_factory=frozenset)
    budget_spent: bool = False

    def matches(self, reading: Reading) -> bool:
        """Whether the reply shows everything this rule asks for."""
        return (
            (self.says is None or self.says.search(reading.words) is not None)
            and (not self.codes or reading.code in self.codes)
            and (not self.statuses or reading.status in self.statuses)
            and (not self.budget_spent or reading.budget_spent)
        )


def _words(*patterns: str) -> re.Pattern[str]:
    """A pattern matching any of `patterns`, each at word boundaries of the normalized words."""
    return re.compile('|'.join(rf'\b(?:{pattern})\b' for pattern in patterns))


_TOO_MANY: Final = _words(r'too many requests?', r'rate ?limit(?:ed)?', r'too frequent(?:ly)?')
_UPGRADE: Final = _words(r'upgrade\w*')
_API_KEY: Final = _words(r'api ?key', r'unauthori[sz]ed')
_MISSING: Final = _words(
    r'required\b.*\bparameter\b.*\bnot present', r'missing\b.*\bparameter', r'parameter\b.*\b(?:missing|required)'
)
_UNKNOWN_VALUE: Final = re.compile(
    r'^(?=.*\b(?:symbol|pair|coin|exchange|instrument)\b)'
    r'(?=.*\b(?:invalid|unknown|not found|not supported|unsupported|not exist|does not exist|no such)\b)'
)
_LIMIT: Final = re.compile(r'^(?=.*\blimit\b)(?=.*\b\d+\b)')
_PARAMETER: Final = _words(r'param(?:eter)?s?', r'argument')
_QUOTED_NAME: Final = re.compile(r"""parameter\s*[:'"`]\s*['"`]?([A-Za-z_]+)""", re.IGNORECASE)
_SERVER_STATUSES: Final = frozenset({408, *range(500, 600)})
_SERVER_CODES: Final = frozenset({'408', *(str(code) for code in range(500, 600))})


def _rate_limited(reading: Reading) -> CoinGlassError:
    return RateLimitedError(reading.detail, status=reading.status, said=reading.said)


def _plan(reading: Reading) -> CoinGlassError:
    named = next((name for name in PLAN_NAMES if re.search(rf'\b{name}\b', reading.words)), None)
    return PlanError(reading.detail, plan=named and named.title(), status=reading.status, said=reading.said)


def _auth(reading: Reading) -> CoinGlassError:
    return AuthError(reading.detail, status=reading.status, said=reading.said)


def _named(reading: Reading) -> str | None:
    """The parameter CoinGlass's words name (`Invalid parameter: symbol`, `parameter 'range'`), or None."""
    found = _QUOTED_NAME.search(reading.said)
    return found.group(1) if found else None


def _missing(reading: Reading) -> CoinGlassError:
    name = _named(reading)
    detail = f'{reading.detail} (CoinGlass says the request lacks {f"{name!r}" if name else "a parameter"})'
    return MissingParameterError(detail, status=reading.status, said=reading.said, parameter=name)


def _unknown_value(reading: Reading) -> CoinGlassError:
    which = 'exchange' if re.search(r'\bexchange', reading.words) else 'symbol'
    return InvalidParameterError(
        reading.detail, status=reading.status, said=reading.said, unknown=which, parameter=_named(reading)
    )


def _parameter(name: str | None = None) -> Callable[[Reading], CoinGlassError]:
    def make(reading: Reading) -> CoinGlassError:
        named = name or _named(reading)
        return InvalidParameterError(reading.detail, status=reading.status, said=reading.said, parameter=named)

    return make


def _not_found(reading: Reading) -> CoinGlassError:
    where = f' (CoinGlass does not know {reading.path})' if reading.path else ''
    return NotFoundError(f'{reading.detail}{where}', status=reading.status, said=reading.said)


def _server(*, max_attempts: int | None = None) -> Callable[[Reading], CoinGlassError]:
    def make(reading: Reading) -> CoinGlassError:
        error = ServerError(reading.detail, status=reading.status, said=reading.said)
        error.max_attempts = max_attempts
        return error

    return make


def _unrecognized(reading: Reading) -> CoinGlassError:
    if reading.shape is Shape.OTHER:
        what = 'a body of a shape it never sends'
    else:
        code = f'code {reading.code!r}' if reading.code else 'no code'
        words = f"the words '{reading.said}'" if reading.said else 'no message'
        what = f'{code} and {words}'
    where = reading.path or 'the request'
    detail = f'CoinGlass answered {where} with HTTP {reading.status}, {what}, which the Actor does not know'
    return UnrecognizedReplyError(detail, status=reading.status, said=reading.said)


RULES: Final[tuple[Rule, ...]] = (
    Rule('too-many-requests', _rate_limited, says=_TOO_MANY),
    Rule('http-429', _rate_limited, statuses=frozenset({429})),
    Rule('code-429', _rate_limited, codes=frozenset({'429'})),
    Rule('upgrade', _plan, says=_UPGRADE),
    Rule('api-key', _auth, says=_API_KEY),
    Rule('http-401', _auth, statuses=frozenset({401})),
    Rule('code-401', _auth, codes=frozenset({'401'})),
    Rule('missing-parameter', _missing, says=_MISSING),
    Rule('unknown-value', _unknown_value, says=_UNKNOWN_VALUE),
    Rule('limit', _parameter('limit'), says=_LIMIT),
    Rule('parameter', _parameter(), says=_PARAMETER),
    Rule('http-404', _not_found, statuses=frozenset({404})),
    Rule('code-404', _not_found, codes=frozenset({'404'})),
    Rule(
        'code-500-over-200',
        _server(max_attempts=CODE_500_ATTEMPTS),
        codes=frozenset({'500'}),
        statuses=frozenset({200}),
    ),
    Rule('http-5xx', _server(), statuses=_SERVER_STATUSES),
    Rule('code-5xx', _server(), codes=_SERVER_CODES),
    Rule('budget-spent', _rate_limited, budget_spent=True),
    Rule('http-400', _parameter(), statuses=frozenset({400, 422})),
)
"""The classification table, first match wins (the module docstring lists it); a reply no rule matches is an
`UnrecognizedReplyError`."""


def classify(
    status: int, body: Any, headers: Mapping[str, str] | None = None, *, path: str = ''
) -> CoinGlassError | None:
    """The error a reply stands for, or None when it carries data (HTTP 200 and code "0").

    `body` is the parsed JSON, `headers` the reply's headers (any case), `path` the endpoint asked (for messages).
    """
    reading = read_reply(status, body, headers, path=path)
    if status == 200 and reading.code in _SUCCESS_CODES:
        return None
    rule = next((rule for rule in RULES if rule.matches(reading)), None)
    return _unrecognized(reading) if rule is None else rule.make(reading)


def read_reply(status: int, body: Any, headers: Mapping[str, str] | None = None, *, path: str = '') -> Reading:
    """The reply as the table reads it (see `Reading`)."""
    fields = body if isinstance(body, dict) else {}
    code = fields.get('code')
    texts = [fields.get(name) for name in ('msg', 'message', 'error', 'detail')]
    said = next((str(text) for text in texts if text), '')
    words = ' '.join(re.sub(r'[^a-z0-9]+', ' ', str(text).lower()).strip() for text in texts if text)
    code_text = '' if code is None else str(code)
    return Reading(status, code_text, said, words, _shape(body), path, _budget_spent(headers or {}))


def _shape(body: Any) -> Shape:
    if not isinstance(body, dict):
        return Shape.OTHER
    if 'code' in body:
        return Shape.ENVELOPE
    if {'status', 'error'} <= body.keys():
        return Shape.SPRING
    return Shape.OTHER


def _budget_spent(headers: Mapping[str, str]) -> bool:
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        budget = int(lowered['api-key-max-limit'])
        used = int(lowered['api-key-use-limit'])
    except (KeyError, ValueError):
        return False
    return budget > 0 and used >= budget
