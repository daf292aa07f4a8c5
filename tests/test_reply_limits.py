"""Replies trusted to be nothing: a reply too large (as sent or decompressed), too deep, with numbers JSON cannot
carry, with endless text, or trickling a byte at a time fails its query as a clear, uncharged failure naming the
endpoint and the cap; and what a chart draws is bounded.

In process against the fake CoinGlass on 127.0.0.1 (its scripted replies are sent as raw bytes, compressed or
trickled as asked), and units with a mock transport and a fake clock for the retries' deadline.
"""

from __future__ import annotations

import gzip
import json
import random
import zlib
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fake_clock import Clock
from fake_coinglass import Reply, default_response
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from src import charts
from src.client import CoinGlassClient, RetryPolicy
from src.errors import ServerError
from src.kinds import Fetched, spec_of
from src.modes import Mode
from src.query import Query
from src.ratelimit import RateLimiter
from src.replies import QUOTE_CHARS

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import InProcessRun
    from fake_coinglass import FakeCoinGlass

    RunActor = Callable[..., InProcessRun]

HISTORY = {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h', 'limit': 10}
HISTORY_PATH = '/api/futures/liquidation/history'
ORDERS = {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'}
ORDERS_PATH = '/api/futures/liquidation/order'
ONE_TRY = {'COINGLASS_RETRY_MAX_ATTEMPTS': '1'}
ROW = b'{"time":1763679600000,"long_liquidation_usd":1.5,"short_liquidation_usd":2.5}'


def rows_body(count: int, extra: bytes = b'') -> bytes:
    return b'{"code":"0","msg":"success","data":[' + b','.join([ROW] * count) + b']' + extra + b'}'


def failed(run: InProcessRun, error_type: str = 'bad_response') -> str:
    """The run's one item, a failure of `error_type`, uncharged; its message."""
    item = run.item
    assert (item['success'], item['error_type']) == (False, error_type), item['message']
    assert run.charges == []
    message: str = item['message']
    assert 'Nothing was charged' in message or error_type != 'bad_response'
    return message


# --- size, before and after decompression -------------------------------------------------------------------------


def test_a_small_gzip_body_that_unfolds_past_the_cap_fails_its_query(actor: RunActor, fake: FakeCoinGlass) -> None:
    """The issue's example: 0.4 MB of gzip unfolding into hundreds of MB peaked at 887 MB; now it stops at the cap."""
    bomb = gzip.compress(rows_body(6 * 1024 * 1024 // len(ROW)), compresslevel=9)  # 6 MiB of rows, some 30 KB
    fake.script(HISTORY_PATH, Reply(200, bomb, headers={'Content-Encoding': 'gzip'}))
    message = failed(actor(HISTORY, env=ONE_TRY))
    assert f'{HISTORY_PATH}: the reply is larger than 4 MiB decompressed, the most this endpoint may send' in message
    assert fake.count(HISTORY_PATH) == 1  # not retried: the same reply would come back


def test_a_deflate_body_past_the_cap_fails_too(actor: RunActor, fake: FakeCoinGlass) -> None:
    bomb = zlib.compress(b'{"code":"0","msg":"success","data":[' + b'0,' * (3 * 1024 * 1024) + b'0]}', 9)
    fake.script(ORDERS_PATH, Reply(200, bomb, headers={'Content-Encoding': 'deflate'}))
    assert 'larger than 4 MiB decompressed' in failed(actor(ORDERS, env=ONE_TRY))


def test_gzip_within_the_cap_is_read(actor: RunActor, fake: FakeCoinGlass) -> None:
    fake.script(HISTORY_PATH, Reply(200, gzip.compress(rows_body(10)), headers={'Content-Encoding': 'gzip'}))
    run = actor(HISTORY)
    assert run.item['success'] is True, run.item['message']


def test_a_body_larger_than_the_cap_as_sent_fails_its_query(actor: RunActor, fake: FakeCoinGlass) -> None:
    """A 50 MB orders reply peaked at 1.4 GB: an orders page is 200 rows, so 4 MiB is its cap."""
    fake.script(ORDERS_PATH, Reply(200, rows_body(5 * 1024 * 1024 // len(ROW))))
    assert f'{ORDERS_PATH}: the reply is larger than 4 MiB as sent' in failed(actor(ORDERS, env=ONE_TRY))


def test_a_declared_length_past_the_cap_is_refused_before_reading(actor: RunActor, fake: FakeCoinGlass) -> None:
    fake.script(ORDERS_PATH, Reply(200, rows_body(1), headers={'Content-Length': str(100 * 1024 * 1024)}))
    assert 'larger than 4 MiB as sent' in failed(actor(ORDERS, env=ONE_TRY))


# --- what CoinGlass's text and numbers may be ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ('body', 'field'),
    [
        pytest.param({'code': '40001', 'msg': 'Invalid parameter: ' + 'x' * 1_000_000}, 'msg', id='1 MB msg'),
        pytest.param({'code': '4' * 500_000, 'msg': 'bad'}, 'code', id='500 kB code'),
    ],
)
def test_coinglass_text_is_quoted_cut(actor: RunActor, fake: FakeCoinGlass, body: Any, field: str) -> None:
    fake.script(HISTORY_PATH, Reply(400, body))
    run = actor(HISTORY)
    message = failed(run, 'invalid_parameter')
    assert '[…cut]' in message
    assert len(message) < QUOTE_CHARS + 600
    assert len(json.dumps(run.record('OUTPUT'))) < 5000
    assert len(run.status) <= 600


@pytest.mark.parametrize(
    ('extra', 'shown'),
    [
        pytest.param(b',"spare":1e400', '1e400 (beyond float range)', id='1e400'),
        pytest.param(b',"spare":-2.5E+999', '-2.5E+999 (beyond float range)', id='-2.5e999'),
        pytest.param(b',"spare":1' + b'0' * 400, 'a 401-digit integer (beyond float range)', id='400-digit int'),
        pytest.param(b',"spare":NaN', 'NaN', id='NaN'),
        pytest.param(b',"spare":-Infinity', '-Infinity', id='-Infinity'),
    ],
)
def test_numbers_json_cannot_carry_fail_the_query_uncharged(
    actor: RunActor, fake: FakeCoinGlass, extra: bytes, shown: str
) -> None:
    """A field we do not read, holding what JSON cannot carry: never written (the platform would refuse the push)."""
    fake.script(HISTORY_PATH, Reply(200, rows_body(3, extra)))
    message = failed(actor(HISTORY))
    assert f'{HISTORY_PATH}: the reply holds {shown}, which JSON cannot carry' in message


@pytest.mark.parametrize('depth', [1000, 40])
def test_a_reply_nested_too_deep_is_a_bad_response(actor: RunActor, fake: FakeCoinGlass, depth: int) -> None:
    """1,000 levels were `internal, a bug in the Actor`; 40 parse, but are deeper than any reply CoinGlass sends."""
    nested = b'{"code":"0","msg":"success","data":[' + b'[' * depth + b']' * depth + b']}'
    fake.script(HISTORY_PATH, Reply(200, nested))
    assert f'{HISTORY_PATH}: the reply nests deeper than 32 levels' in failed(actor(HISTORY, env=ONE_TRY))


# --- time -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('status', [200, 500])
def test_a_reply_trickling_a_byte_at_a_time_meets_the_deadline(
    actor: RunActor, fake: FakeCoinGlass, status: int
) -> None:
    """Each read comes within the read timeout (0.3 s), but the whole never does: the deadline (0.6 s) ends it."""
    fake.script(HISTORY_PATH, Reply(status, rows_body(10), trickle_s=0.05))
    run = actor(HISTORY, env=ONE_TRY | {'COINGLASS_READ_TIMEOUT_S': '0.3'})
    assert 'no whole answer within the 0.6 s deadline' in failed(run, 'network')


@pytest.mark.parametrize(('try_s', 'tries'), [(10.0, 3), (1.0, 6)])
async def test_a_requests_retries_have_a_total_deadline(try_s: float, tries: int) -> None:
    """Tries that take 10 s each and the waits between them share one 25 s deadline: 3 tries, not 6."""
    clock = Clock()

    def slow_failure(_request: httpx.Request) -> httpx.Response:
        clock.now += try_s
        return httpx.Response(500, json={'code': '500', 'msg': 'Internal Server Error'})

    client = CoinGlassClient(
        'k-123',
        base_url='https://cg.test',
        transport=httpx.MockTransport(slow_failure),
        limiter=RateLimiter(clock=clock, sleep=clock.sleep),
        retry=RetryPolicy(max_attempts=6, base_delay_s=0.5, max_delay_s=1.0, max_total_wait_s=25.0),
        sleep=clock.sleep,
        rng=random.Random(7),
        clock=clock,
    )
    async with client:
        with pytest.raises(ServerError):
            await client.get(HISTORY_PATH)
    assert client.request_count == tries


# --- charts ---------------------------------------------------------------------------------------------------------


def drawn(mode: Mode, data: Any, query: Query) -> Figure:
    spec = spec_of(mode)
    fetched = Fetched(query, spec.parse(data))
    fig = Figure()
    FigureCanvasAgg(fig)
    assert spec.draw is not None
    assert spec.summarize is not None
    assert spec.draw(fig, fetched, spec.summarize(fetched)) is None
    return fig


def test_a_heatmap_chart_bins_cells_beyond_its_bound() -> None:
    """A 0.5 MB heatmap of 40,000 levels by 1,500 candles was a 60-million-cell image (6.7 GB): now a bounded grid."""
    levels, candles = 40_000, 1_500
    data = {
        'y_axis': [50_000 + index * 1.25 for index in range(levels)],
        'liquidation_leverage_data': [[index % candles, (index * 37) % levels, 1000.0 + index] for index in range(999)],
        'price_candlesticks': [[1_763_000_000 + i * 60, '1', '2', '0.5', '1.5', '10'] for i in range(candles)],
    }
    query = Query(mode=Mode.PAIR_LIQUIDATION_HEATMAP, echo={})
    (mesh,) = drawn(Mode.PAIR_LIQUIDATION_HEATMAP, data, query).axes[0].collections
    array = mesh.get_array()
    assert array is not None
    assert array.size <= charts.MAX_GRID_ROWS * charts.MAX_GRID_COLUMNS
    assert float(array.sum()) == pytest.approx(sum(1000.0 + index for index in range(999)))  # every cell counted


def test_a_long_history_chart_sums_neighbouring_bars() -> None:
    """100,000 rows drew 200,000 bars; now at most MAX_TIME_BARS a side, the total kept."""
    _status, body = default_response(
        HISTORY_PATH, {'exchange': 'Binance', 'symbol': 'BTCUSDT', 'interval': '1m', 'limit': '1000'}
    )
    rows = body['data'] * 20  # 21,600 rows
    query = Query(mode=Mode.PAIR_LIQUIDATION_HISTORY, echo={})
    ax = drawn(Mode.PAIR_LIQUIDATION_HISTORY, rows, query).axes[0]
    assert 0 < len(ax.patches) <= 2 * charts.MAX_TIME_BARS
    drawn_total = sum(patch.get_height() for patch in ax.patches if isinstance(patch, Rectangle))
    assert drawn_total == pytest.approx(
        sum(float(row['long_liquidation_usd']) + float(row['short_liquidation_usd']) for row in rows)
    )
