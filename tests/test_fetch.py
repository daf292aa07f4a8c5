"""Fetching: history windows, order pages, lookups once, suggestions, with the fake's answers in-process."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from fake_coinglass import NOW_MS, default_response

from src.client import CoinGlassClient
from src.errors import InvalidParameterError
from src.fetch import Fetcher
from src.inputs import parse_run_input
from src.kinds import spec_of
from src.modes import Mode
from src.paging import WINDOWS_AT_ONCE, history, history_windows

HOUR = 3_600_000
DAY = 24 * HOUR


class InProcessFake:
    """A MockTransport handler serving the fake CoinGlass's default answers, recording each request."""

    def __init__(self, drop_before: int | None = None, drop_after: int | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.drop_before = drop_before  # pretend the plan keeps no history before this time
        self.drop_after = drop_after  # pretend the feed stopped at this time

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = dict(request.url.params)
        if self.drop_after is not None and 'history' in request.url.path:
            params['end_time'] = str(min(int(params.get('end_time', self.drop_after)), self.drop_after))
        status, body = default_response(request.url.path, params)
        if self.drop_before is not None and isinstance(body.get('data'), list):
            rows = body['data']
            body = {
                **body,
                'data': [row for row in rows if not isinstance(row, dict) or row['time'] >= self.drop_before],
            }
        return httpx.Response(status, json=body)

    def paths(self, path: str) -> list[httpx.Request]:
        return [request for request in self.requests if request.url.path == path]


def query(**fields: Any) -> Any:
    return parse_run_input(fields, now_ms=NOW_MS).queries[0]


async def fetch(fake: InProcessFake, **fields: Any) -> Any:
    async with CoinGlassClient('k', base_url='https://cg.test', transport=httpx.MockTransport(fake)) as client:
        return await Fetcher(client, now_ms=NOW_MS).fetch(query(**fields))


def test_history_windows_cover_the_span_in_pages_of_1000_rows() -> None:
    start = NOW_MS - 365 * DAY
    windows = history_windows(start, NOW_MS, HOUR)
    assert len(windows) == 9
    assert windows[0][0] == start
    assert windows[-1][1] == NOW_MS
    assert all(later[0] == earlier[1] + 1 for earlier, later in itertools.pairwise(windows))
    assert all(end - begin < 1000 * HOUR for begin, end in windows)


async def test_paging_back_passes_empty_newest_windows_and_stops_at_the_first_empty_older_one() -> None:
    """A pair delisted 12,000 hours ago and listed 25,000 hours ago, asked for 40,000 hours: the 10 newest windows are
    empty (no rows since the delisting), the next ones have rows, and the window older than the listing ends it."""
    listed, delisted = NOW_MS - 25_000 * HOUR, NOW_MS - 12_000 * HOUR
    asked: list[tuple[int, int]] = []
    parse = spec_of(Mode.PAIR_LIQUIDATION_HISTORY).parse

    async def get(extra: Mapping[str, Any]) -> Any:
        low, high = extra['start_time'], extra['end_time']
        asked.append((low, high))
        times = range(listed + -(-(max(low, listed) - listed) // HOUR) * HOUR, min(high, delisted) + 1, HOUR)
        return parse([{'time': time, 'long_liquidation_usd': 1.0, 'short_liquidation_usd': 2.0} for time in times])

    wanted = query(
        mode='pair_liquidation_history', symbol='Binance_BTCUSDT', interval='1h', start_time=NOW_MS - 40_000 * HOUR
    )
    retrieved = await history(get, wanted, NOW_MS)
    times = [record.time for record in retrieved.data.records]
    assert times == list(range(listed, delisted + 1, HOUR))
    assert len(asked) == 3 * WINDOWS_AT_ONCE  # the 4th round, older than the listing, is never asked for
    assert min(low for low, _high in asked) <= listed


async def test_a_year_of_hourly_history_arrives_complete_and_in_order() -> None:
    fake = InProcessFake()
    fetched = await fetch(
        fake, mode='pair_liquidation_history', symbol='Binance_BTCUSDT', interval='1h', start_time=NOW_MS - 365 * DAY
    )
    times = [row['time'] for row in fetched.data.rows]
    assert times == sorted(set(times))
    assert len(times) == 365 * 24 + 1
    assert times[0] == NOW_MS - 365 * DAY
    assert len(fake.paths('/api/futures/liquidation/history')) == 9
    assert fetched.notes == ()


@pytest.mark.parametrize('limit', [None, 1, 500, 1000])
async def test_the_latest_rows_need_one_page_and_never_exceed_the_limit(limit: int | None) -> None:
    """CoinGlass answers the latest-rows request with more rows than asked (the fake: 80 more, live: 1080 for 1000)."""
    fake = InProcessFake()
    fields = {'limit': limit} if limit else {}
    fetched = await fetch(fake, mode='pair_liquidation_history', symbol='Binance_BTCUSDT', interval='1h', **fields)
    (request,) = fake.paths('/api/futures/liquidation/history')
    assert request.url.params['limit'] == str(limit or 1000)
    assert 'start_time' not in request.url.params
    assert len(fetched.data) == (limit or 1000)
    assert fetched.data.rows[-1]['time'] == NOW_MS  # the latest


async def test_limit_above_1000_returns_the_latest_rows() -> None:
    fake = InProcessFake()
    fetched = await fetch(fake, mode='coin_liquidation_history', coin='BTC', interval='1h', limit=2500)
    times = [row['time'] for row in fetched.data.rows]
    assert len(times) == 2500
    assert times == [NOW_MS - (2499 - i) * HOUR for i in range(2500)]


async def test_latest_means_coinglass_latest_not_the_clock() -> None:
    """A feed that stopped 30 days before "now": the latest rows are CoinGlass's latest, `limit` of them."""
    fake = InProcessFake(drop_after=NOW_MS - 30 * DAY)
    fetched = await fetch(fake, mode='coin_liquidation_history', coin='BTC', interval='1h', limit=2500)
    times = [row['time'] for row in fetched.data.rows]
    assert len(times) == 2500
    assert times[-1] == NOW_MS - 30 * DAY
    assert times == sorted(set(times))
    assert fetched.notes == ()


async def test_a_short_history_says_how_much_coinglass_had() -> None:
    fake = InProcessFake(drop_before=NOW_MS - 50 * DAY)
    fetched = await fetch(fake, mode='pair_liquidation_history', symbol='Binance_BTCUSDT', interval='1h', limit=5000)
    assert len(fetched.data) == 50 * 24 + 1
    assert 'returned history from 2025-10-02 00:00 UTC only (1,201 rows, not 5,000)' in fetched.notes[0]


async def test_a_span_beyond_the_plans_depth_is_reported() -> None:
    fake = InProcessFake(drop_before=NOW_MS - 30 * DAY)
    fetched = await fetch(
        fake, mode='pair_liquidation_history', symbol='Binance_BTCUSDT', interval='1h', start_time=NOW_MS - 90 * DAY
    )
    assert fetched.data.rows[0]['time'] == NOW_MS - 30 * DAY
    assert 'returned history from 2025-10-22' in fetched.notes[0]
    assert 'plan' in fetched.notes[0]


async def test_orders_page_back_to_start_time() -> None:
    fake = InProcessFake()
    fetched = await fetch(
        fake, mode='liquidation_orders', exchange='Binance', coin='BTC', start_time=NOW_MS - DAY, end_time=NOW_MS
    )
    assert all(NOW_MS - DAY <= row['time'] <= NOW_MS for row in fetched.data.rows)
    pages = fake.paths('/api/futures/liquidation/order')
    assert len(pages) >= 2
    assert all(page.url.params['start_time'] == str(NOW_MS - DAY) for page in pages)
    oldest = min(row['time'] for row in fetched.data.rows)
    assert oldest - (NOW_MS - DAY) < 3 * 3600_000  # reached the start, not just the first page


async def test_unknown_pair_suggests_the_closest_supported() -> None:
    fake = InProcessFake()
    with pytest.raises(InvalidParameterError) as caught:
        await fetch(fake, mode='liquidation_map', symbol='Binance_BTCUSDTT', range='1d')
    assert 'Closest supported: Binance_BTCUSDT' in caught.value.suggestion


async def test_lookups_are_shared_by_concurrent_queries() -> None:
    fake = InProcessFake()
    async with CoinGlassClient('k', base_url='https://cg.test', transport=httpx.MockTransport(fake)) as client:
        fetcher = Fetcher(client, now_ms=NOW_MS)
        searches = [query(mode='search_symbols', keyword=word) for word in ('btc', 'eth', 'sol')]
        results = await asyncio.gather(*(fetcher.fetch(search) for search in searches))
    assert [result.data[0]['base_asset'] for result in results] == ['BTC', 'ETH', 'SOL']
    assert len(fake.paths('/api/futures/supported-exchange-pairs')) == 1


@pytest.mark.parametrize(
    ('interval', 'start', 'limit'),
    [
        ('1h', NOW_MS - 380 * DAY - 17 * 60_000, 10),
        ('1d', NOW_MS - 20 * DAY + 5 * HOUR, 3),
        ('1h', NOW_MS - 48 * HOUR, 5),
    ],
    ids=['start-inside-an-hour', 'start-inside-a-day', 'start-on-the-hour'],
)
async def test_limit_rows_from_a_start_inside_an_interval_are_limit_rows(interval: str, start: int, limit: int) -> None:
    """`start_time: "7 days"` is rarely on an interval's boundary: the first `limit` rows from it are still `limit`."""
    fake = InProcessFake()
    fetched = await fetch(
        fake,
        mode='pair_liquidation_history',
        symbol='Binance_BTCUSDT',
        interval=interval,
        start_time=start,
        limit=limit,
    )
    times = [row['time'] for row in fetched.data.rows]
    assert len(times) == limit
    assert times[0] >= start
    assert fetched.notes == ()


async def test_an_empty_span_says_which_span_it_was() -> None:
    fake = InProcessFake(drop_after=NOW_MS - 30 * DAY)  # a feed that stopped a month ago
    fetched = await fetch(
        fake, mode='pair_liquidation_history', symbol='Binance_BTCUSDT', interval='1h', start_time=NOW_MS - 7 * DAY
    )
    assert fetched.data.rows == []
    assert fetched.empty_reason == 'CoinGlass has no 1h rows from 2025-11-14 00:00 UTC to 2025-11-21 00:00 UTC'
