"""A fake CoinGlass v4 futures-liquidation API for end-to-end tests, fault injection, benchmarks and offline use.

Standard library only. The server is an ``http.server.ThreadingHTTPServer`` (HTTP/1.1, keep-alive, exact
``Content-Length``) running in a daemon thread. Default data comes from :func:`default_response`, a pure,
deterministic function of ``(path, params, plan)``; "now" is the constant :data:`NOW_MS`.

It serves what the live API really sends (``tests/real_responses/``, from ``../shared/real-responses/``), not only what the reference documents:
the exchange list's hybrid ``longLiquidation_usd`` / ``shortLiquidation_usd`` names, more history rows than asked
(:data:`EXTRA_LATEST_ROWS` beyond ``limit`` when no ``start_time`` is given), years of leading all-zero history rows
before a coin was tracked, the newest history interval still open at "now", heatmaps with an undocumented
``update_time``, candle and price-history values as strings, and a max-pain list of several hundred coins.

Run it by hand with ``python tests/fake_coinglass.py --port 8765``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import zlib
from collections import deque
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self, cast
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from types import FrameType, TracebackType

__all__ = [
    'BASE_PRICES',
    'BODY_RATE_LIMITED_200',
    'EXCHANGE_PAIRS',
    'LISTED_EXCHANGES',
    'NOW_MS',
    'PLAN_DENIAL_STYLES',
    'RATE_LIMIT_STYLES',
    'SUPPORTED_COINS',
    'SUPPORTED_EXCHANGES',
    'FakeCoinGlass',
    'RecordedRequest',
    'Reply',
    'default_response',
    'main',
    'normalize_path',
    'not_found_body',
    'plan_denial',
    'price_at',
    'server_error_reply',
]

NOW_MS = 1_763_683_200_000  # 2025-11-21T00:00:00Z: the fake's fixed "now"
MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
DATA_START_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z: history figures start here
ZERO_ROWS_FROM_MS = 1_514_764_800_000  # 2018-01-01T00:00:00Z: all-zero rows from here to DATA_START_MS, none before
EXTRA_LATEST_ROWS = 80  # a request for the latest `limit` rows gets this many more, as CoinGlass answers 1080 for 1000
ORDER_SPACING_MS = 97_000
ORDER_WINDOW_MS = 7 * DAY_MS
ORDER_PAGE = 200
MAX_LIMIT = 1000
DEFAULT_RATE_LIMIT = 1200

SUPPORTED_COINS: tuple[str, ...] = ('BTC', 'ETH', 'SOL', 'XRP', 'DOGE')
SUPPORTED_EXCHANGES: tuple[str, ...] = ('Binance', 'OKX', 'Bybit', 'Gate')  # the exchanges with listed pairs
# The supported-exchanges lookup lists more exchanges than have pairs here (as CoinGlass lists more than we model).
LISTED_EXCHANGES: tuple[str, ...] = (
    *SUPPORTED_EXCHANGES,
    'Bitget',
    'Hyperliquid',
    'HTX',
    'Bitmex',
    'CoinEx',
    'Bitfinex',
    'Kraken',
    'dYdX',
    'Crypto.com',
)
BASE_PRICES: dict[str, float] = {'BTC': 95000.0, 'ETH': 3100.0, 'SOL': 140.0, 'XRP': 2.2, 'DOGE': 0.16}
# (instrument_id, base_asset, quote_asset) per exchange
EXCHANGE_PAIRS: dict[str, tuple[tuple[str, str, str], ...]] = {
    'Binance': (
        ('BTCUSDT', 'BTC', 'USDT'),
        ('ETHUSDT', 'ETH', 'USDT'),
        ('SOLUSDT', 'SOL', 'USDT'),
        ('XRPUSDT', 'XRP', 'USDT'),
        ('BTCUSD_PERP', 'BTC', 'USD'),
        ('ETHUSD_PERP', 'ETH', 'USD'),
    ),
    'OKX': (('BTC-USDT-SWAP', 'BTC', 'USDT'), ('ETH-USDT-SWAP', 'ETH', 'USDT'), ('SOL-USDT-SWAP', 'SOL', 'USDT')),
    'Bybit': (('BTCUSDT', 'BTC', 'USDT'), ('ETHUSDT', 'ETH', 'USDT'), ('DOGEUSDT', 'DOGE', 'USDT')),
    'Gate': (('BTC_USDT', 'BTC', 'USDT'), ('ETH_USDT', 'ETH', 'USDT')),
}

PLANS: dict[str, int] = {'HOBBYIST': 0, 'STARTUP': 1, 'STANDARD': 2, 'PROFESSIONAL': 3}

INTERVAL_MS: dict[str, int] = {
    '1m': MINUTE_MS,
    '3m': 3 * MINUTE_MS,
    '5m': 5 * MINUTE_MS,
    '15m': 15 * MINUTE_MS,
    '30m': 30 * MINUTE_MS,
    '1h': HOUR_MS,
    '4h': 4 * HOUR_MS,
    '6h': 6 * HOUR_MS,
    '8h': 8 * HOUR_MS,
    '12h': 12 * HOUR_MS,
    '1d': DAY_MS,
    '1w': 7 * DAY_MS,
}
MAP_RANGES: dict[str, float] = {'1d': 1.0, '7d': 2.5, '30d': 6.0}
# heatmap range -> (range in seconds, number of candles)
HEATMAP_RANGES: dict[str, tuple[int, int]] = {
    '12h': (12 * 3600, 144),
    '24h': (24 * 3600, 288),
    '3d': (3 * 86400, 288),
    '7d': (7 * 86400, 336),
    '30d': (30 * 86400, 360),
    '90d': (90 * 86400, 540),
    '180d': (180 * 86400, 540),
    '1y': (365 * 86400, 730),
}
HEATMAP_Y_LEVELS = 200
HEATMAP_DENSITY = 0.38
EXCHANGE_LIST_RANGES: dict[str, float] = {'1h': 1.0, '4h': 3.4, '12h': 8.5, '24h': 15.0}
MAX_PAIN_RANGES: dict[str, float] = {'12h': 0.7, '24h': 1.0, '48h': 1.5, '3d': 1.9, '7d': 3.0, '14d': 4.2, '30d': 6.0}
LEVERAGES: tuple[int, ...] = (5, 10, 25, 50, 100)

PRICE_DECIMALS: dict[str, int] = {'BTC': 1, 'ETH': 2, 'SOL': 3, 'XRP': 4, 'DOGE': 5}
MAP_KEY_DECIMALS: dict[str, int] = {'BTC': 0, 'ETH': 0, 'SOL': 2, 'XRP': 4, 'DOGE': 5}
COIN_WEIGHT: dict[str, float] = {'BTC': 1.0, 'ETH': 0.6, 'SOL': 0.3, 'XRP': 0.15, 'DOGE': 0.12}
EXCHANGE_WEIGHT: dict[str, float] = {
    'Binance': 1.0,
    'OKX': 0.5,
    'Bybit': 0.6,
    'Gate': 0.2,
    'Bitget': 0.3,
    'Hyperliquid': 0.4,
}
# Exchanges the fake lists no pairs for but still has liquidations of (the Actor's default exchanges include them).
AGGREGATED_ONLY_EXCHANGES: tuple[str, ...] = ('Bitget', 'Hyperliquid')
MAX_PAIN_COINS = 563  # as many coins as the live max-pain list had (the five known ones, then made-up ones)

MSG_OK = 'success'
BODY_RATE_LIMITED: dict[str, str] = {'code': '429', 'msg': 'Too Many Requests'}
# What the live API really answers past the budget (a Hobbyist key's 31st call in a minute): HTTP 200, code "400".
BODY_RATE_LIMITED_200: dict[str, str] = {'code': '400', 'msg': 'Too Many Requests'}
BODY_KEY_MISSING: dict[str, str] = {'code': '400', 'msg': 'API key missing.'}
BODY_KEY_INVALID: dict[str, str] = {'code': '401', 'msg': 'Invalid API key provided'}
BODY_UPGRADE_PLAN: dict[str, str] = {'code': '401', 'msg': 'Upgrade plan'}
BODY_UPGRADE_REQUIRED: dict[str, str] = {'code': '403', 'msg': 'upgrade_required'}  # reported, not captured
BODY_NOT_FOUND: dict[str, str] = {'code': '404', 'msg': 'Endpoint not found'}
BODY_METHOD_NOT_ALLOWED: dict[str, str] = {'code': '405', 'msg': 'Method not allowed'}

RateLimitStyle = Literal['http429', 'body200']
RATE_LIMIT_STYLES: tuple[RateLimitStyle, ...] = ('http429', 'body200')
PlanDenialStyle = Literal['upgrade-plan', 'please-upgrade', 'upgrade-required']
PLAN_DENIAL_STYLES: tuple[PlanDenialStyle, ...] = ('upgrade-plan', 'please-upgrade', 'upgrade-required')

JsonBody = dict[str, Any]


# ----------------------------------------------------------------------------------------------------------------------
# Public value types


@dataclass
class Reply:
    """A scripted reply. ``body``: JSON-serialisable -> JSON; ``bytes``/``str`` -> sent raw; ``None`` -> empty body."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    action: Literal['reply', 'reset'] = 'reply'
    trickle_s: float = 0.0  # > 0: the headers at once, then the body a byte at a time, this many seconds apart


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    raw_target: str


def server_error_reply(path: str = '/api/futures/liquidation/history', status: int = 500) -> Reply:
    """A Spring-style server error like the ones CoinGlass returns several times an hour."""
    phrase = _reason(status) or 'Internal Server Error'
    body = {'timestamp': '2025-11-21T00:00:00.000+00:00', 'status': status, 'error': phrase, 'path': path}
    return Reply(status=status, body=body)


# ----------------------------------------------------------------------------------------------------------------------
# Deterministic pseudo-randomness and prices

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _seed(*parts: object) -> int:
    return zlib.crc32('|'.join(str(p) for p in parts).encode())


def _h64(seed: int, n: int) -> int:
    """Splitmix64 of (seed, n): a deterministic 64-bit hash."""
    x = (seed * _GOLDEN + n * 0xD1B54A32D192ED03 + 0x632BE59BD9B4E019) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _u(seed: int, n: int) -> float:
    """Uniform in [0, 1) from (seed, n)."""
    return (_h64(seed, n) >> 11) / 9007199254740992.0


def _wave(coin: str, t_ms: int) -> float:
    phase = (_seed('phase', coin) % 1000) / 1000 * math.tau
    days = t_ms / DAY_MS
    return (
        0.06 * math.sin(math.tau * days / 41.0 + phase)
        + 0.025 * math.sin(math.tau * days / 5.3 + 2 * phase)
        + 0.006 * math.sin(math.tau * days * 24 / 7.7 + 3 * phase)
    )


_WAVE_AT_NOW: dict[str, float] = {coin: _wave(coin, NOW_MS) for coin in SUPPORTED_COINS}


def price_at(coin: str, t_ms: int) -> float:
    """The fake's (smooth, deterministic) price of ``coin`` at ``t_ms``; exactly the base price at ``NOW_MS``."""
    drift = _wave(coin, t_ms) - _WAVE_AT_NOW[coin]
    return BASE_PRICES[coin] * (1.0 + drift)


def _price_str(coin: str, value: float) -> str:
    return str(round(value, PRICE_DECIMALS[coin]))


def _onboard_date(exchange: str, instrument: str) -> int:
    return 1_567_296_000_000 + (_seed('onboard', exchange, instrument) % 900) * DAY_MS


# ----------------------------------------------------------------------------------------------------------------------
# Parameter helpers


class _ParamError(Exception):
    def __init__(self, name: str, code: str, *, missing: bool = False) -> None:
        super().__init__(name)
        self.name = name
        self.code = code
        self.missing = missing

    def body(self) -> JsonBody:
        if self.missing:  # as live: Spring's own words, code "400", over HTTP 200
            return {'code': self.code, 'msg': f"Required String parameter '{self.name}' is not present"}
        return {'code': self.code, 'msg': f'Invalid parameter: {self.name}'}


def _opt(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _req(params: Mapping[str, str], name: str) -> str:
    value = _opt(params, name)
    if value is None:
        raise _ParamError(name, '400', missing=True)
    return value


def _int_param(params: Mapping[str, str], name: str) -> int | None:
    value = _opt(params, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise _ParamError(name, '400') from None


def _limit(params: Mapping[str, str], *, required: bool = False) -> int:
    if required:
        _req(params, 'limit')
    limit = _int_param(params, 'limit')
    if limit is None:
        return MAX_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise _ParamError('limit', '400')
    return limit


def _choice(params: Mapping[str, str], name: str, allowed: Collection[str], default: str | None = None) -> str:
    value = _opt(params, name)
    if value is None:
        if default is not None:
            return default
        raise _ParamError(name, '400', missing=True)
    if value not in allowed:
        raise _ParamError(name, '400')
    return value


def _canonical_exchange(name: str, among: Collection[str] = SUPPORTED_EXCHANGES) -> str | None:
    for exchange in among:
        if exchange.lower() == name.lower():
            return exchange
    return None


def _exchange(params: Mapping[str, str], among: Collection[str] = SUPPORTED_EXCHANGES) -> str:
    exchange = _canonical_exchange(_req(params, 'exchange'), among)
    if exchange is None:
        raise _ParamError('exchange', '40001')
    return exchange


def _pair(params: Mapping[str, str]) -> tuple[str, str, str]:
    """(exchange, instrument_id, base coin) of a pair endpoint's ``exchange`` + ``symbol``."""
    exchange = _exchange(params)
    symbol = _req(params, 'symbol')
    for instrument, base, _quote in EXCHANGE_PAIRS[exchange]:
        if instrument == symbol:
            return exchange, instrument, base
    raise _ParamError('symbol', '40001')


def _coin(params: Mapping[str, str]) -> str:
    coin = _req(params, 'symbol')
    if coin not in SUPPORTED_COINS:
        raise _ParamError('symbol', '40001')
    return coin


def _grid(interval_ms: int, start: int | None, end: int | None, limit: int) -> list[int]:
    """Interval-aligned times in [start, end] (end defaults to and is capped at NOW_MS), ascending.

    With ``start`` the first ``limit`` times from ``start``; otherwise the last ``limit`` times up to ``end``, and
    EXTRA_LATEST_ROWS more, as CoinGlass answers. The last time is the interval still open at NOW_MS.
    """
    end_ms = NOW_MS if end is None else min(end, NOW_MS)
    low = ZERO_ROWS_FROM_MS if start is None else max(start, ZERO_ROWS_FROM_MS)
    first = -(-low // interval_ms) * interval_ms
    last = end_ms // interval_ms * interval_ms
    if last < first:
        return []
    if start is not None:
        count = min(limit, (last - first) // interval_ms + 1)
        return [first + i * interval_ms for i in range(count)]
    count = min(limit + EXTRA_LATEST_ROWS, (last - first) // interval_ms + 1)
    return [last - (count - 1 - i) * interval_ms for i in range(count)]


def _tracked(t: int, amount: float) -> float:
    """0.0 before DATA_START_MS: the years of leading all-zero rows before CoinGlass tracked the coin."""
    return amount if t >= DATA_START_MS else 0.0


def _ok(data: Any, *, msg: bool = True) -> tuple[int, JsonBody]:
    if msg:
        return 200, {'code': '0', 'msg': MSG_OK, 'data': data}
    return 200, {'code': '0', 'data': data}


# ----------------------------------------------------------------------------------------------------------------------
# Endpoints


def _amount(seed: int, t: int, scale: float) -> float:
    return scale * (0.05 + 2.0 * _u(seed, t) ** 3)


def _pair_history(params: Mapping[str, str], _path: str) -> tuple[int, JsonBody]:
    exchange, instrument, coin = _pair(params)
    interval = INTERVAL_MS[_choice(params, 'interval', INTERVAL_MS)]
    limit = _limit(params)
    times = _grid(interval, _int_param(params, 'start_time'), _int_param(params, 'end_time'), limit)
    seed_long = _seed('pair-history-long', exchange, instrument, interval)
    seed_short = _seed('pair-history-short', exchange, instrument, interval)
    scale = 2e7 * COIN_WEIGHT[coin] * EXCHANGE_WEIGHT[exchange] * interval / DAY_MS
    rows = [
        {
            'time': t,
            'long_liquidation_usd': f'{_tracked(t, _amount(seed_long, t, scale)):.5f}',
            'short_liquidation_usd': f'{_tracked(t, _amount(seed_short, t, scale)):.5f}',
        }
        for t in times
    ]
    return _ok(rows)


def _coin_history(params: Mapping[str, str], _path: str) -> tuple[int, JsonBody]:
    raw = _req(params, 'exchange_list')
    exchanges: list[str] = []
    for name in raw.split(','):
        if not name.strip():
            continue
        exchange = _canonical_exchange(name.strip(), (*SUPPORTED_EXCHANGES, *AGGREGATED_ONLY_EXCHANGES))
        if exchange is None:
            raise _ParamError('exchange_list', '40001')
        if exchange not in exchanges:
            exchanges.append(exchange)
    if not exchanges:
        raise _ParamError('exchange_list', '40001')
    coin = _coin(params)
    interval = INTERVAL_MS[_choice(params, 'interval', INTERVAL_MS)]
    limit = _limit(params)
    times = _grid(interval, _int_param(params, 'start_time'), _int_param(params, 'end_time'), limit)
    parts = [
        (
            _seed('coin-history-long', exchange, coin, interval),
            _seed('coin-history-short', exchange, coin, interval),
            2e7 * COIN_WEIGHT[coin] * EXCHANGE_WEIGHT[exchange] * interval / DAY_MS,
        )
        for exchange in exchanges
    ]
    rows = [
        {
            'time': t,
            'aggregated_long_liquidation_usd': _tracked(t, round(sum(_amount(sl, t, sc) for sl, _ss, sc in parts), 5)),
            'aggregated_short_liquidation_usd': _tracked(t, round(sum(_amount(ss, t, sc) for _sl, ss, sc in parts), 5)),
        }
        for t in times
    ]
    return _ok(rows)


def _coin_list(params: Mapping[str, str], _path: str) -> tuple[int, JsonBody]:
    exchange = _exchange(params, (*SUPPORTED_EXCHANGES, *AGGREGATED_ONLY_EXCHANGES))
    rows = []
    for coin in SUPPORTED_COINS:
        seed = _seed('coin-list', exchange, coin)
        base = 1.2e8 * COIN_WEIGHT[coin] * EXCHANGE_WEIGHT[exchange]
        shares = (0.04, 0.12, 0.25, 0.4)  # 1h, +to 4h, +to 12h, +to 24h
        longs: list[float] = []
        shorts: list[float] = []
        long_total = short_total = 0.0
        for i, share in enumerate(shares):
            long_total += base * share * (0.3 + _u(seed, i))
            short_total += base * share * (0.2 + 0.8 * _u(seed, 10 + i))
            longs.append(round(long_total, 8))
            shorts.append(round(short_total, 8))
        row: dict[str, Any] = {'symbol': coin}
        for label, idx in (('24h', 3), ('12h', 2), ('4h', 1), ('1h', 0)):
            row[f'liquidation_usd_{label}'] = round(longs[idx] + shorts[idx], 8)
            row[f'long_liquidation_usd_{label}'] = longs[idx]
            row[f'short_liquidation_usd_{label}'] = shorts[idx]
        rows.append(row)
    return _ok(rows)


def _exchange_list(params: Mapping[str, str], _path: str) -> tuple[int, JsonBody]:
    range_ = _choice(params, 'range', EXCHANGE_LIST_RANGES)
    coins = SUPPORTED_COINS if _opt(params, 'symbol') is None else (_coin(params),)
    factor = EXCHANGE_LIST_RANGES[range_]
    rows: list[dict[str, Any]] = []
    for exchange in (*SUPPORTED_EXCHANGES, *AGGREGATED_ONLY_EXCHANGES):
        long = short = 0.0
        for coin in coins:
            seed = _seed('exchange-list', exchange, coin, range_)
            scale = 2e6 * COIN_WEIGHT[coin] * EXCHANGE_WEIGHT[exchange] * factor
            long += scale * (0.2 + _u(seed, 0))
            short += scale * (0.2 + _u(seed, 1))
        total = round(long + short, 8)
        if exchange == 'Gate':  # CoinGlass quirk: the split is sometimes missing while the total is right
            long = short = 0.0
        rows.append(
            {
                'exchange': exchange,
                'liquidation_usd': total,
                'longLiquidation_usd': round(long, 8),  # the live spelling, not the documented long_liquidation_usd
                'shortLiquidation_usd': round(short, 8),
            }
        )
    rows.sort(key=lambda row: -row['liquidation_usd'])
    everything = {
        'exchange': 'All',
        'liquidation_usd': round(sum(r['liquidation_usd'] for r in rows), 8),
        'longLiquidation_usd': round(sum(r['longLiquidation_usd'] for r in rows), 8),
        'shortLiquidation_usd': round(sum(r['shortLiquidation_usd'] for r in rows), 8),
    }
    return _ok([everything, *rows])


def _order_time(seed: int, k: int) -> int:
    return NOW_MS - k * ORDER_SPACING_MS - int(_u(seed, 2 * k) * 60_000)


def _orders(params: Mapping[str, str], _path: str) -> tuple[int, JsonBody]:
    exchange = _exchange(params, (*SUPPORTED_EXCHANGES, *AGGREGATED_ONLY_EXCHANGES))
    coin = _coin(params)
    raw_min = _req(params, 'min_liquidation_amount')
    try:
        min_amount = float(raw_min)
    except ValueError:
        raise _ParamError('min_liquidation_amount', '400') from None
    if not math.isfinite(min_amount):
        raise _ParamError('min_liquidation_amount', '400')
    start_time = _int_param(params, 'start_time')
    end_time = _int_param(params, 'end_time')
    pairs = [p for p in EXCHANGE_PAIRS.get(exchange, ()) if p[1] == coin]
    if not pairs:
        return _ok([])
    instrument = next((p[0] for p in pairs if p[2] == 'USDT'), pairs[0][0])
    oldest = NOW_MS - ORDER_WINDOW_MS
    start = oldest if start_time is None else max(start_time, oldest)
    end = NOW_MS if end_time is None else min(end_time, NOW_MS)
    seed = _seed('orders', exchange, coin)
    rows: list[dict[str, Any]] = []
    k = max(0, (NOW_MS - end) // ORDER_SPACING_MS - 1)
    while len(rows) < ORDER_PAGE:
        t = _order_time(seed, k)
        if t < start:
            break
        if t <= end:
            usd = round(10 ** (3.0 + 3.0 * _u(seed, 2 * k + 1) ** 2), 4)
            if usd >= min_amount:
                side = 1 if _h64(seed, 7 * k + 3) & 1 else 2
                price = price_at(coin, t) * (1.0 + (_u(seed, 5 * k + 4) - 0.5) * 0.002)
                rows.append(
                    {
                        'exchange_name': exchange.upper(),
                        'symbol': instrument,
                        'base_asset': coin,
                        'price': round(price, PRICE_DECIMALS[coin]),
                        'usd_value': usd,
                        'side': side,
                        'time': t,
                    }
                )
        k += 1
    return _ok(rows)


def _candles(coin: str, times_s: Sequence[int], spacing_s: int, seed: int) -> list[list[Any]]:
    now_s = NOW_MS // 1000
    candles: list[list[Any]] = []
    for i, t in enumerate(times_s):
        open_ = price_at(coin, t * 1000)
        close = price_at(coin, min(t + spacing_s, now_s) * 1000)
        high = max(open_, close) * (1.0 + 0.003 * _u(seed, 3 * i))
        low = min(open_, close) * (1.0 - 0.003 * _u(seed, 3 * i + 1))
        volume = 4e7 * COIN_WEIGHT[coin] * spacing_s / 300 * (0.3 + _u(seed, 3 * i + 2))
        candles.append(
            [
                t,
                _price_str(coin, open_),
                _price_str(coin, high),
                _price_str(coin, low),
                _price_str(coin, close),
                f'{volume:.4f}',
            ]
        )
    return candles


def _heatmap(params: Mapping[str, str], path: str) -> tuple[int, JsonBody]:
    if path.startswith('/api/futures/liquidation/aggregated-heatmap/'):
        coin = _coin(params)
        key: tuple[str, ...] = ('coin', coin)
    else:
        exchange, instrument, coin = _pair(params)
        key = ('pair', exchange, instrument)
    range_ = _choice(params, 'range', HEATMAP_RANGES)
    model = path.rsplit('/', 1)[-1]
    range_s, n = HEATMAP_RANGES[range_]
    spacing = range_s // n
    now_s = NOW_MS // 1000
    seed = _seed('heatmap', *key, range_, model)
    times = [now_s - (n - 1 - i) * spacing for i in range(n)]
    candles = _candles(coin, times, spacing, seed)
    base = BASE_PRICES[coin]
    decimals = PRICE_DECIMALS[coin] + 1
    ny = HEATMAP_Y_LEVELS
    y_axis = [round(base * (0.8 + 0.4 * i / (ny - 1)), decimals) for i in range(ny)]
    closes = [float(c[4]) for c in candles]
    row_hash = [_h64(seed, 1_000_000 + y) for y in range(ny)]
    threshold = int(HEATMAP_DENSITY * 65536)
    scale = 8e6 * COIN_WEIGHT[coin] * (1.0 + 0.15 * (_seed(model) % 7))
    inv_base = 1.0 / base
    cells: list[list[Any]] = []
    append = cells.append
    for x in range(n):
        col = _h64(seed, x)
        close = closes[x]
        for y in range(ny):
            r = ((col ^ row_hash[y]) * _GOLDEN) & _MASK64
            if r >> 48 < threshold:
                frac = ((r >> 16) & 0xFFFFFFFF) / 4294967296.0
                nearness = 1.0 / (1.0 + 12.0 * abs(y_axis[y] - close) * inv_base)
                append([x, y, scale * (0.01 + frac * frac) * nearness])
    body = {'y_axis': y_axis, 'liquidation_leverage_data': cells, 'price_candlesticks': candles}
    return _ok(body | {'update_time': NOW_MS - 54_000})  # undocumented, sent live: when CoinGlass computed it


def _liquidation_map(params: Mapping[str, str], path: str) -> tuple[int, JsonBody]:
    if path == '/api/futures/liquidation/aggregated-map':
        coin = _coin(params)
        key: tuple[str, ...] = ('coin', coin)
        aggregated = True
    else:
        exchange, instrument, coin = _pair(params)
        key = ('pair', exchange, instrument)
        aggregated = False
    range_ = _choice(params, 'range', MAP_RANGES)
    factor = MAP_RANGES[range_]
    seed = _seed('map', *key)
    base = BASE_PRICES[coin]
    decimals = MAP_KEY_DECIMALS[coin]
    levels: dict[str, list[list[Any]]] = {}
    n = 60
    for i in range(n):
        offset = -0.15 + 0.30 * i / (n - 1)
        price: float = round(base * (1.0 + offset), decimals)
        if decimals == 0:
            price = int(price)
        nearness = 0.2 + 0.8 * (1.0 - abs(offset) / 0.15)
        count = 1 + int(_u(seed, 100 * i) * 3)
        ranked = sorted((_u(seed, 100 * i + lev), lev) for lev in LEVERAGES)
        tuples: list[list[Any]] = []
        for j, lev in enumerate(sorted(lev for _rank, lev in ranked[:count])):
            h = _u(seed, 100 * i + 10 + j)
            level = 1e4 + COIN_WEIGHT[coin] * factor * nearness * h * h * 8e6
            tuples.append([price, round(level, 2), None if aggregated else lev, None])
        levels[str(price)] = tuples
    return _ok({'data': levels})


def _max_pain(params: Mapping[str, str], _path: str) -> tuple[int, JsonBody]:
    range_ = _choice(params, 'range', MAX_PAIN_RANGES, default='24h')
    factor = MAX_PAIN_RANGES[range_]
    rows = []
    made_up = [f'COIN{index:03d}' for index in range(MAX_PAIN_COINS - len(SUPPORTED_COINS))]
    for coin in (*SUPPORTED_COINS, *made_up):
        seed = _seed('max-pain', coin, range_)
        base = BASE_PRICES.get(coin) or round(0.01 + 50 * _u(seed, 9) ** 3, 4)
        decimals = PRICE_DECIMALS.get(coin, 4) + 2
        weight = COIN_WEIGHT.get(coin, 0.01)
        rows.append(
            {
                'symbol': coin,
                'price': float(base),
                'long_max_pain_liq_level': round(weight * factor * 1e7 * (1 + 7 * _u(seed, 0)), 2),
                # as live: longs are liquidated below the price, shorts above it
                'long_max_pain_liq_price': round(base * (1.0 - 0.004 * factor * (1 + _u(seed, 1))), decimals),
                'short_max_pain_liq_level': round(weight * factor * 1e7 * (1 + 7 * _u(seed, 2)), 2),
                'short_max_pain_liq_price': round(base * (1.0 + 0.004 * factor * (1 + _u(seed, 3))), decimals),
            }
        )
    return _ok(rows, msg=False)


def _price_history(params: Mapping[str, str], _path: str) -> tuple[int, JsonBody]:
    exchange, instrument, coin = _pair(params)
    interval = INTERVAL_MS[_choice(params, 'interval', INTERVAL_MS)]
    limit = _limit(params, required=True)
    times = _grid(interval, _int_param(params, 'start_time'), _int_param(params, 'end_time'), limit)
    seed = _seed('price-history', exchange, instrument, interval)
    rows = []
    for t in times:
        open_ = price_at(coin, t)
        close = price_at(coin, min(t + interval, NOW_MS))
        high = max(open_, close) * (1.0 + 0.004 * _u(seed, t))
        low = min(open_, close) * (1.0 - 0.004 * _u(seed, t + 1))
        volume = 3e9 * COIN_WEIGHT[coin] * EXCHANGE_WEIGHT[exchange] * interval / DAY_MS * (0.4 + _u(seed, t + 2))
        rows.append(
            {
                'time': t,
                'open': _price_str(coin, open_),
                'high': _price_str(coin, high),
                'low': _price_str(coin, low),
                'close': _price_str(coin, close),
                'volume_usd': f'{volume:.4f}',
            }
        )
    return _ok(rows, msg=False)


def _supported_coins(_params: Mapping[str, str], _path: str) -> tuple[int, JsonBody]:
    return _ok(list(SUPPORTED_COINS))


def _supported_exchanges(_params: Mapping[str, str], _path: str) -> tuple[int, JsonBody]:
    return _ok(list(LISTED_EXCHANGES))


def _supported_pairs(params: Mapping[str, str], _path: str) -> tuple[int, JsonBody]:
    wanted = _opt(params, 'exchange')
    if wanted is None:
        exchanges: Sequence[str] = SUPPORTED_EXCHANGES
    else:
        canonical = _canonical_exchange(wanted)
        exchanges = () if canonical is None else (canonical,)
    data = {
        exchange: [
            {
                'instrument_id': instrument,
                'base_asset': base,
                'quote_asset': quote,
                'onboard_date': _onboard_date(exchange, instrument),
            }
            for instrument, base, quote in EXCHANGE_PAIRS[exchange]
        ]
        for exchange in exchanges
    }
    return _ok(data)


def _subscription(plan: str) -> tuple[int, JsonBody]:
    return _ok({'level': plan, 'expire_time': NOW_MS + 30 * DAY_MS, 'expired': False})


_Endpoint = Callable[[Mapping[str, str], str], tuple[int, JsonBody]]
ENDPOINTS: dict[str, tuple[str, _Endpoint | None]] = {
    '/api/futures/liquidation/history': ('HOBBYIST', _pair_history),
    '/api/futures/liquidation/aggregated-history': ('HOBBYIST', _coin_history),
    '/api/futures/liquidation/coin-list': ('STARTUP', _coin_list),
    '/api/futures/liquidation/exchange-list': ('HOBBYIST', _exchange_list),
    '/api/futures/liquidation/order': ('STANDARD', _orders),
    **{f'/api/futures/liquidation/heatmap/model{m}': ('PROFESSIONAL', _heatmap) for m in (1, 2, 3)},
    **{f'/api/futures/liquidation/aggregated-heatmap/model{m}': ('PROFESSIONAL', _heatmap) for m in (1, 2, 3)},
    '/api/futures/liquidation/map': ('PROFESSIONAL', _liquidation_map),
    '/api/futures/liquidation/aggregated-map': ('PROFESSIONAL', _liquidation_map),
    '/api/futures/liquidation/max-pain': ('PROFESSIONAL', _max_pain),
    '/api/futures/price/history': ('HOBBYIST', _price_history),
    '/api/futures/supported-coins': ('HOBBYIST', _supported_coins),
    '/api/futures/supported-exchanges': ('HOBBYIST', _supported_exchanges),
    '/api/futures/supported-exchange-pairs': ('HOBBYIST', _supported_pairs),
    '/api/user/account/subscription': ('HOBBYIST', None),
}


def _normalize_plan(plan: str) -> str:
    upper = plan.strip().upper()
    if upper not in PLANS:
        raise ValueError(f'unknown plan {plan!r}; expected one of {", ".join(PLANS)}')
    return upper


def normalize_path(path: str) -> str:
    """Strip any query string and collapse leading slashes (CoinGlass's docs show ``//api/...``)."""
    path = path.partition('?')[0]
    while path.startswith('//'):
        path = path[1:]
    return path


def default_response(
    path: str,
    params: Mapping[str, str],
    *,
    plan: str = 'PROFESSIONAL',
    plan_denial_style: PlanDenialStyle = 'upgrade-plan',
) -> tuple[int, dict[str, Any]]:
    """The deterministic (status, JSON body) the fake serves for a request when nothing is scripted and the key is fine.

    Order: unknown path -> HTTP 404 in Spring's shape (no ``code``/``msg``, as live); plan too low -> HTTP 200 with
    the denial ``plan_denial_style`` words (:func:`plan_denial`); a missing parameter -> 200 with code "400"
    "Required String parameter 'x' is not present" (as live); bad parameters -> 200 with code "40001" (unknown
    symbol or exchange) or "400" (bad range, interval, limit, times); else the data.
    """
    plan = _normalize_plan(plan)
    path = normalize_path(path)
    entry = ENDPOINTS.get(path)
    if entry is None:
        return 404, not_found_body(path)
    min_plan, handler = entry
    if PLANS[plan] < PLANS[min_plan]:
        return 200, plan_denial(plan_denial_style, min_plan)
    if handler is None:
        return _subscription(plan)
    try:
        return handler(params, path)
    except _ParamError as exc:
        return 200, exc.body()


def plan_denial(style: PlanDenialStyle, needed: str) -> JsonBody:
    """A plan denial in one of the wordings CoinGlass has used, over HTTP 200.

    ``upgrade-plan``: ``{"code": "401", "msg": "Upgrade plan"}`` (2026); ``please-upgrade``: ``{"code": "400",
    "msg": "Please upgrade to <needed plan, lower case>"}`` (2025); ``upgrade-required``: code "403",
    ``upgrade_required`` (reported by users for intervals below a plan's, not captured).
    """
    if style == 'please-upgrade':
        return {'code': '400', 'msg': f'Please upgrade to {needed.lower()}'}
    if style == 'upgrade-required':
        return dict(BODY_UPGRADE_REQUIRED)
    return dict(BODY_UPGRADE_PLAN)


def not_found_body(path: str) -> JsonBody:
    """CoinGlass's answer to an unknown path, as captured: Spring's error shape, without ``code`` or ``msg``."""
    return {'timestamp': NOW_MS, 'status': 404, 'error': 'Not Found', 'message': '', 'path': path}


# ----------------------------------------------------------------------------------------------------------------------
# HTTP server


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ''


def _encode_json(body: Any) -> bytes:
    return json.dumps(body, separators=(',', ':')).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], fake: FakeCoinGlass) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.reset_connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def shutdown_request(self, request: Any) -> None:
        sock = cast('socket.socket', request)
        with self.conn_lock:
            self.connections.discard(sock)
            reset = sock in self.reset_connections
            self.reset_connections.discard(sock)
        if reset:  # SO_LINGER 0 is set: closing sends a TCP RST instead of a FIN
            self.close_request(sock)
        else:
            super().shutdown_request(sock)

    def close_all_connections(self) -> None:
        with self.conn_lock:
            connections = list(self.connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'FakeCoinGlass/1.0'
    server: _Server
    rate_limited = False  # set when the request was refused for the budget (whatever the form)

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.conn_lock:
            self.server.connections.add(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        pass

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    def _discard_body_then_handle(self) -> None:
        length = int(self.headers.get('Content-Length') or 0)
        if length > 0:
            self.rfile.read(length)
        self.server.fake._handle(self)

    def do_POST(self) -> None:
        self._discard_body_then_handle()

    def do_PUT(self) -> None:
        self._discard_body_then_handle()

    def do_DELETE(self) -> None:
        self._discard_body_then_handle()

    def do_PATCH(self) -> None:
        self._discard_body_then_handle()

    def send_raw(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        lines = [f'HTTP/1.1 {status} {_reason(status)}'.rstrip()]
        lower = {k.lower() for k in headers}
        lines.extend(f'{k}: {v}' for k, v in headers.items())
        if 'content-length' not in lower:
            lines.append(f'Content-Length: {len(body)}')
        else:
            self.close_connection = True
        if self.close_connection and 'connection' not in lower:
            lines.append('Connection: close')
        head = ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1')
        try:
            self.wfile.write(head + body)
        except OSError:
            self.close_connection = True

    def send_trickle(self, status: int, headers: Mapping[str, str], body: bytes, pause_s: float, stop: Any) -> None:
        """The status and headers at once, then the body a byte every `pause_s` seconds (until `stop` is set)."""
        head = [f'HTTP/1.1 {status} {_reason(status)}'.rstrip(), *(f'{k}: {v}' for k, v in headers.items())]
        head.append(f'Content-Length: {len(body)}')
        self.close_connection = True
        try:
            self.wfile.write(('\r\n'.join(head) + '\r\n\r\n').encode('latin-1'))
            self.wfile.flush()
            for index in range(len(body)):
                if stop.wait(pause_s):
                    return
                self.wfile.write(body[index : index + 1])
                self.wfile.flush()
        except OSError:
            return

    def reset_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        with self.server.conn_lock:
            self.server.reset_connections.add(self.connection)


class FakeCoinGlass:
    """A fake CoinGlass v4 server. Use as a context manager or call ``start()`` / ``stop()``.

    ``latency_s``, ``budget_per_minute``, ``plan``, ``valid_keys``, ``window_s``, ``rate_limit_style``,
    ``rate_limit_headers`` and ``plan_denial_style`` are plain attributes and may be changed while the server runs.

    Beyond the budget it answers ``rate_limit_style``: ``http429`` (HTTP 429, code "429", the documented form) or
    ``body200`` (HTTP 200 ``{"code": "400", "msg": "Too Many Requests"}``, what the live API was captured sending),
    with the ``API-KEY-*`` headers unless ``rate_limit_headers`` is false. A key whose plan lacks the endpoint gets
    the ``plan_denial_style`` wording (:func:`plan_denial`).
    """

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        budget_per_minute: int | None = None,
        plan: str = 'PROFESSIONAL',
        valid_keys: Collection[str] | None = None,
        window_s: float = 60.0,
        rate_limit_style: RateLimitStyle = 'http429',
        rate_limit_headers: bool = True,
        plan_denial_style: PlanDenialStyle = 'upgrade-plan',
    ) -> None:
        self.latency_s = latency_s
        self.budget_per_minute = budget_per_minute
        self.plan = _normalize_plan(plan)
        self.valid_keys: frozenset[str] | None = None if valid_keys is None else frozenset(valid_keys)
        self.window_s = window_s
        self.rate_limit_style = rate_limit_style
        self.rate_limit_headers = rate_limit_headers
        self.plan_denial_style = plan_denial_style
        self.requests: list[RecordedRequest] = []
        self.too_many_requests = 0
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Reply]] = {}
        self._window_start: float | None = None
        self._window_used = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...], str, str], tuple[int, bytes]] = {}
        self._url: str | None = None

    # -- lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; only valid after ``start()``."""
        if self._url is None:
            raise RuntimeError('FakeCoinGlass is not started')
        return self._url

    @property
    def port(self) -> int:
        """The bound port; only valid after ``start()``."""
        if self._server is None:
            raise RuntimeError('FakeCoinGlass is not started')
        return int(self._server.server_address[1])

    def start(self, port: int = 0) -> None:
        """Bind 127.0.0.1:``port`` (0 picks a free port) and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError('FakeCoinGlass is already started')
        self._stopping.clear()
        server = _Server(('127.0.0.1', port), self)
        self._server = server
        self._url = f'http://127.0.0.1:{server.server_address[1]}'
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={'poll_interval': 0.05}, name='fake-coinglass', daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close every open connection. Safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_all_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- scripting and inspection

    def script(self, path: str, *replies: Reply) -> None:
        """Queue replies for ``path`` (FIFO, used before the default behaviour); ``'*'`` matches any path."""
        key = path if path == '*' else normalize_path(path)
        with self._lock:
            self._scripts.setdefault(key, deque()).extend(replies)

    def pending(self, path: str | None = None) -> int:
        """Number of scripted replies not yet consumed (for ``path``, or in total)."""
        with self._lock:
            if path is None:
                return sum(len(q) for q in self._scripts.values())
            key = path if path == '*' else normalize_path(path)
            return len(self._scripts.get(key, ()))

    def count(self, path: str | None = None) -> int:
        """Number of requests received (to ``path``)."""
        with self._lock:
            if path is None:
                return len(self.requests)
            wanted = normalize_path(path)
            return sum(1 for r in self.requests if r.path == wanted)

    def reset(self) -> None:
        """Clear recorded requests, scripts, the 429 counter and the budget window."""
        with self._lock:
            self.requests.clear()
            self._scripts.clear()
            self.too_many_requests = 0
            self._window_start = None
            self._window_used = 0

    # -- request handling (runs in the handler threads)

    def _pop_script(self, path: str) -> Reply | None:
        for key in (path, '*'):
            queue = self._scripts.get(key)
            if queue:
                return queue.popleft()
        return None

    def _default_bytes(self, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        key = (path, tuple(sorted(params.items())), self.plan, self.plan_denial_style)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        status, body = default_response(path, params, plan=self.plan, plan_denial_style=self.plan_denial_style)
        result = (status, _encode_json(body))
        with self._lock:
            if len(self._cache) >= 512:
                self._cache.clear()
            self._cache[key] = result
        return result

    def _handle(self, handler: _Handler) -> None:
        words = handler.requestline.split()  # handler.path already has leading slashes collapsed
        target = words[1] if len(words) >= 2 else handler.path
        raw_path, _, query = target.partition('?')
        path = normalize_path(raw_path)
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        handler.rate_limited = False
        with self._lock:
            self.requests.append(RecordedRequest(handler.command, path, params, headers, target))
        if self.latency_s > 0 and self._stopping.wait(self.latency_s):
            handler.close_connection = True  # stopped while sleeping: drop the request unanswered
            return

        budget = self.budget_per_minute
        with self._lock:
            now = time.monotonic()
            if self._window_start is None or now - self._window_start >= self.window_s:
                self._window_start = now
                self._window_used = 0
            limited = budget is not None and self._window_used >= budget
            if limited:
                self.too_many_requests += 1
            else:
                self._window_used += 1
            used = self._window_used
            script = None if limited else self._pop_script(path)
        rate_headers = {
            'API-KEY-MAX-LIMIT': str(DEFAULT_RATE_LIMIT if budget is None else budget),
            'API-KEY-USE-LIMIT': str(used),
        }
        json_headers = {**rate_headers, 'Content-Type': 'application/json'}

        if limited:
            self._refuse(handler, rate_headers)
            return
        if script is not None:
            self._send_script(handler, script, rate_headers)
            return
        if handler.command != 'GET':
            handler.send_raw(405, json_headers, _encode_json(BODY_METHOD_NOT_ALLOWED))
            return
        key = headers.get('cg-api-key', '').strip()
        if not key:
            handler.send_raw(200, json_headers, _encode_json(BODY_KEY_MISSING))
            return
        valid_keys = self.valid_keys
        if valid_keys is not None and key not in valid_keys:
            handler.send_raw(401, json_headers, _encode_json(BODY_KEY_INVALID))
            return
        try:
            status, body = self._default_bytes(path, params)
        except Exception:  # a bug in the fake: answer like CoinGlass's server errors, and say why on stderr
            traceback.print_exc()
            status, body = 500, _encode_json(server_error_reply(path).body)
        handler.send_raw(status, json_headers, body)

    def _refuse(self, handler: _Handler, rate_headers: Mapping[str, str]) -> None:
        """Answer a request beyond the budget in the ``rate_limit_style`` form."""
        handler.rate_limited = True
        headers = {**(rate_headers if self.rate_limit_headers else {}), 'Content-Type': 'application/json'}
        if self.rate_limit_style == 'body200':
            handler.send_raw(200, headers, _encode_json(BODY_RATE_LIMITED_200))
        else:
            handler.send_raw(429, headers, _encode_json(BODY_RATE_LIMITED))

    def _send_script(self, handler: _Handler, reply: Reply, rate_headers: Mapping[str, str]) -> None:
        if reply.delay_s > 0 and self._stopping.wait(reply.delay_s):
            handler.close_connection = True  # stopped while sleeping: drop the request unanswered
            return
        if reply.action == 'reset':
            handler.reset_connection()
            return
        if isinstance(reply.body, bytes):
            body, default_type = reply.body, 'application/json'
        elif isinstance(reply.body, str):
            body = reply.body.encode()
            default_type = 'text/html; charset=utf-8' if reply.body.lstrip().startswith('<') else 'application/json'
        elif reply.body is None:
            body, default_type = b'', None
        else:
            body, default_type = _encode_json(reply.body), 'application/json'
        headers = dict(reply.headers)
        lower = {k.lower() for k in headers}
        headers.update({name: value for name, value in rate_headers.items() if name.lower() not in lower})
        if default_type is not None and 'content-type' not in lower:
            headers['Content-Type'] = default_type
        if reply.trickle_s > 0:
            handler.send_trickle(reply.status, headers, body, reply.trickle_s, self._stopping)
            return
        handler.send_raw(reply.status, headers, body)


# ----------------------------------------------------------------------------------------------------------------------
# Command line


def main(argv: Sequence[str] | None = None) -> int:
    """Serve in the foreground until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(description='Fake CoinGlass v4 liquidation API (deterministic data).')
    parser.add_argument('--port', type=int, default=8765, help='port on 127.0.0.1 (0 picks a free one)')
    parser.add_argument('--latency-ms', type=float, default=0.0, help='added latency per request')
    parser.add_argument('--budget', type=int, default=None, help='requests allowed per window (refused beyond)')
    parser.add_argument(
        '--rate-limit-style',
        default='http429',
        choices=RATE_LIMIT_STYLES,
        help='how a request beyond the budget is refused: HTTP 429, or HTTP 200 with code "400" (as live)',
    )
    parser.add_argument(
        '--no-rate-limit-headers', action='store_true', help='refuse beyond the budget without the API-KEY-* headers'
    )
    parser.add_argument(
        '--plan-denial-style', default='upgrade-plan', choices=PLAN_DENIAL_STYLES, help='the plan denial wording'
    )
    parser.add_argument('--window-s', type=float, default=60.0, help='budget window length in seconds')
    parser.add_argument('--plan', default='PROFESSIONAL', type=str.upper, choices=list(PLANS))
    parser.add_argument('--key', action='append', default=None, help='a valid API key (repeatable; default: any)')
    parser.add_argument('--ready-file', default=None, help='write the URL here once listening (for scripts to wait on)')
    args = parser.parse_args(argv)

    fake = FakeCoinGlass(
        latency_s=args.latency_ms / 1000,
        budget_per_minute=args.budget,
        plan=args.plan,
        valid_keys=args.key,
        window_s=args.window_s,
        rate_limit_style=args.rate_limit_style,
        rate_limit_headers=not args.no_rate_limit_headers,
        plan_denial_style=args.plan_denial_style,
    )
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        fake.start(args.port)
    except OSError as error:
        print(
            f'Fake CoinGlass: cannot listen on 127.0.0.1:{args.port} ({error.strerror or error}): another program has '
            'the port. Stop it, or pick another port (FAKE_PORT=8766 with make demo, make serve or make fake).',
            file=sys.stderr,
        )
        return 1
    print(f'Fake CoinGlass listening on {fake.url}', flush=True)
    print('Any API key works here, unless --key names the valid ones.', flush=True)
    if args.ready_file:
        Path(args.ready_file).write_text(fake.url, encoding='utf-8')
    try:
        while not stop.wait(0.2):
            pass
    finally:
        fake.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
