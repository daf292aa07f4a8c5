"""CoinGlass's replies trusted to be nothing: read within caps, parsed strictly, scrubbed of secrets.

`read_body` reads a streamed reply up to its endpoint's cap (`reply_cap`), counted both as sent and after
decompression (gzip and deflate are decompressed here, a bounded step at a time, so a small compressed body cannot
unfold into gigabytes). `parse` reads the body as standard JSON only: `NaN`, `Infinity` and numbers beyond float
range are refused (JSON cannot carry them into a dataset item), and so is a reply nested deeper than MAX_DEPTH
levels. CoinGlass's own text that messages quote (`msg`, `code`) is cut to QUOTE_CHARS, marked as cut, and every
string in the reply is scrubbed of secrets (`src.scrub`) as it is read.

Each breach raises `BadResponseError` naming the endpoint and the cap; it is not retried (the same reply would come
back) and fails only its query, uncharged.

The caps, by kind of data, are about ten times the largest reply of each kind seen or modelled (a year-long heatmap
is 1.4 MB of JSON, a 1,000-row history window 0.1 MB, an orders page 0.05 MB, the supported-pairs list about
1 MB), and small enough that the largest reply a cap lets through still fits the Actor's default memory (512 MB)
with the other queries in flight: docs/limits.md has the measurements.
"""

from __future__ import annotations

import json
import zlib
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from src.errors import BadResponseError
from src.modes import ENDPOINTS, PRICE_HISTORY_PATH, Kind
from src.scrub import scrub

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

MIB: Final = 1024 * 1024
KIND_REPLY_BYTES: Final[Mapping[Kind, int]] = MappingProxyType(
    {
        Kind.SYMBOLS: 16 * MIB,  # the supported-pairs list: about 1 MB live
        Kind.MAP: 8 * MIB,  # a 30-day coin map: some thousands of price levels, well under 1 MB
        Kind.HEATMAP: 16 * MIB,  # a year-long heatmap: 1.4 MB, 55,444 cells
        Kind.COIN_LIST: 8 * MIB,  # some 800 coins: 0.4 MB
        Kind.MAX_PAIN: 8 * MIB,  # some 560 coins: 0.2 MB
        Kind.HISTORY: 4 * MIB,  # one window of at most 1,000 rows: 0.1 MB
        Kind.ORDERS: 4 * MIB,  # one page of 200 orders: 0.05 MB
        Kind.EXCHANGE_LIST: 4 * MIB,  # some 30 exchanges: a few KB
    }
)
DEFAULT_REPLY_BYTES: Final = 16 * MIB  # the lookups: supported coins, pairs and exchanges
PATH_REPLY_BYTES: Final[Mapping[str, int]] = MappingProxyType(
    {
        PRICE_HISTORY_PATH: 4 * MIB,  # one 1-minute candle is asked for
        **{endpoint.path.partition('{')[0]: KIND_REPLY_BYTES[endpoint.kind] for endpoint in ENDPOINTS.values()},
    }
)
MAX_DEPTH: Final = 32  # CoinGlass's deepest reply (a map) nests 5 levels
MAX_NUMBER_DIGITS: Final = 309  # an integer of more digits is beyond float range (1.8e308)
QUOTE_CHARS: Final = 300  # CoinGlass's text quoted in a message, at most
CUT_MARK: Final = ' […cut]'
QUOTED_FIELDS: Final = ('msg', 'message', 'error', 'code', 'status')
ENCODINGS: Final = 'gzip, deflate'  # what the client accepts, so what `read_body` must undo


def reply_cap(path: str) -> int:
    """The most bytes a reply of `path` may hold, as sent and after decompression: its kind's cap, else the default."""
    found = [prefix for prefix in PATH_REPLY_BYTES if path.startswith(prefix)]
    return PATH_REPLY_BYTES[max(found, key=len)] if found else DEFAULT_REPLY_BYTES


def _too_large(path: str, cap: int, stage: str) -> BadResponseError:
    return BadResponseError(
        f'{path}: the reply is larger than {cap // MIB} MiB {stage}, the most this endpoint may send (its cap)',
        retryable=False,
    )


class _Inflater:
    """A decompressor for a Content-Encoding that yields at most a given number of bytes a step."""

    def __init__(self, encoding: str, path: str) -> None:
        self.encoding = encoding
        self.path = path
        self._raw_deflate = False
        self._inflated = False  # some of the body was decompressed already
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib, by its header

    def inflate(self, data: bytes, room: int) -> bytes:
        """Up to `room` + 1 bytes of what `data` unfolds into (one more than fits says it does not fit)."""
        try:
            out = self._inflate.decompress(data, room + 1)
        except zlib.error:
            if self._raw_deflate or self.encoding != 'deflate' or self._inflated:
                raise BadResponseError(f'{self.path}: the {self.encoding} body cannot be decompressed') from None
            self._raw_deflate = True  # a `deflate` body without its zlib header, as some servers send
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.inflate(data, room)
        self._inflated = True
        while self._inflate.unconsumed_tail and len(out) <= room:
            out += self._inflate.decompress(self._inflate.unconsumed_tail, room + 1 - len(out))
        return out


async def read_body(response: httpx.Response, path: str) -> bytearray:
    """The whole body of a streamed response, decompressed, within the endpoint's cap.

    Raises:
        BadResponseError: The body is larger than the cap (as sent or decompressed), or its encoding is not one
            the client asked for.
    """
    cap = reply_cap(path)
    declared = response.headers.get('Content-Length', '')
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(path, cap, 'as sent')
    if response.is_stream_consumed:  # read into memory already (a mock transport's answer), and decoded
        if len(response.content) > cap:
            raise _too_large(path, cap, 'decompressed')
        return bytearray(response.content)
    encoding = response.headers.get('Content-Encoding', 'identity').strip().lower()
    if encoding not in {'identity', '', 'gzip', 'x-gzip', 'deflate'}:
        raise BadResponseError(f'{path}: the body is encoded as {encoding!r}, which was not asked for')
    inflater = None if encoding in {'identity', ''} else _Inflater(encoding, path)
    body, sent = bytearray(), 0
    async for chunk in response.aiter_raw():
        sent += len(chunk)
        if sent > cap:
            raise _too_large(path, cap, 'as sent')
        body += chunk if inflater is None else inflater.inflate(chunk, cap - len(body))
        if len(body) > cap:
            raise _too_large(path, cap, 'decompressed')
    return body


def parse(body: bytes | bytearray, path: str) -> Any:
    """The body as standard JSON, its quoted text cut and every string scrubbed of secrets.

    Raises:
        ValueError: The body is not JSON (a gateway's page, a truncated answer): the caller reads it as such.
        BadResponseError: JSON that no dataset item can carry: `NaN`, `Infinity`, a number beyond float range, or
            nesting deeper than MAX_DEPTH.
    """
    try:
        value = json.loads(body, parse_constant=_not_a_number, parse_float=_finite_float, parse_int=_bounded_int)
    except _UnwritableNumberError as error:
        raise BadResponseError(f'{path}: the reply holds {error}, which JSON cannot carry', retryable=False) from None
    except RecursionError:
        raise _too_deep(path) from None
    _check_and_scrub(value, path)
    if isinstance(value, dict):
        for name in QUOTED_FIELDS:
            if isinstance(value.get(name), str) and len(value[name]) > QUOTE_CHARS:
                value[name] = quoted(value[name])
    return value


def quoted(text: str) -> str:
    """Text from CoinGlass as a message quotes it: at most QUOTE_CHARS characters, marked when cut."""
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - len(CUT_MARK)] + CUT_MARK


class _UnwritableNumberError(ValueError):
    """A number JSON cannot carry; the message shows it."""


def _not_a_number(constant: str) -> Any:
    raise _UnwritableNumberError(constant)


def _finite_float(text: str) -> float:
    value = float(text)
    if value in {float('inf'), float('-inf')}:
        raise _UnwritableNumberError(f'{text[:20]} (beyond float range)')
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip('-')) > MAX_NUMBER_DIGITS:
        raise _UnwritableNumberError(f'a {len(text)}-digit integer (beyond float range)')
    return int(text)


def _too_deep(path: str) -> BadResponseError:
    return BadResponseError(f'{path}: the reply nests deeper than {MAX_DEPTH} levels, its cap', retryable=False)


def _check_and_scrub(value: Any, path: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH and scrub every string, in place, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)] if type(value) in {dict, list} else []
    while stack:
        container, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep(path)
        if type(container) is dict:
            for key in [key for key in container if scrub(key) is not key]:
                container[scrub(key)] = container.pop(key)
            slots: Any = container.items()
        else:
            slots = enumerate(container)
        for slot, item in slots:
            kind = type(item)
            if kind is str:
                cleaned = scrub(item)
                if cleaned is not item:
                    container[slot] = cleaned
            elif kind is list or kind is dict:
                stack.append((item, depth + 1))
