"""Every live CoinGlass reply in `tests/real_responses/` (a copy of `../shared/real-responses/`), replayed through the Actor (in process, over HTTP).

The fake CoinGlass is scripted to answer with the captured `data`; every expected value below is derived from the
capture file itself (sums, shares, distances recomputed here with plain arithmetic), never typed in. Where a
capture is a schema dump (types, lengths and sample values, not the body), a reply of exactly that schema is built
from it first. The README beside the captures says what each one shows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import ROOT
from fake_coinglass import NOW_MS, Reply

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import InProcessRun
    from fake_coinglass import FakeCoinGlass

    RunActor = Callable[..., InProcessRun]

CAPTURES = ROOT / 'tests' / 'real_responses'  # kept in the repository: a clean checkout has no ../shared
SHARED = ROOT.parent / 'shared' / 'real-responses'
HOUR = 3_600_000
MAP = '/api/futures/liquidation/aggregated-map'
PRICE = '/api/futures/price/history'


def capture(relative: str) -> Any:
    path = CAPTURES / relative
    assert path.is_file(), f'{path} is missing'
    return json.loads(path.read_text())


def captures(folder: str) -> list[str]:
    found = sorted(str(path.relative_to(CAPTURES)) for path in (CAPTURES / folder).glob('*.json'))
    assert found, f'no captures in {CAPTURES / folder}'
    return found


def ok(data: Any, *, msg: bool = True) -> Reply:
    return Reply(200, {'code': '0', 'msg': 'success', 'data': data} if msg else {'code': '0', 'data': data})


def test_every_capture_is_replayed_here() -> None:
    text = Path(__file__).read_text()
    replayed = set(re.findall(r"captures\('([\w-]+)'\)", text)) | set(re.findall(r"'([\w-]+)/[\w.-]+\.json'", text))
    assert {path.name for path in CAPTURES.iterdir() if path.is_dir()} <= replayed


# --- exchange list: the live `longLiquidation_usd` spelling ----------------------------------------------------


@pytest.mark.parametrize('relative', captures('exchange-list'))
def test_exchange_list_capture(actor: RunActor, fake: FakeCoinGlass, relative: str) -> None:
    rows = capture(relative)
    coin = re.search(r'_([A-Z]+)-4h\.json$', relative)
    assert coin
    fake.script('/api/futures/liquidation/exchange-list', ok(rows))
    run = actor({'mode': 'liquidation_exchange_list', 'range': '4h', 'coin': coin.group(1)})
    item = run.item
    assert item['success'] is True, item['message']
    assert item['data'] == rows
    exchanges = sorted((row for row in rows if row['exchange'] != 'All'), key=lambda row: -row['liquidation_usd'])
    total = sum(row['liquidation_usd'] for row in exchanges)
    summary = item['summary']
    assert summary['total_usd'] == round(total, 2)
    assert summary['exchanges'] == [
        {
            'exchange': row['exchange'],
            'liquidation_usd': round(row['liquidation_usd'], 2),
            'share_pct': round(row['liquidation_usd'] / total * 100, 3),
            'long_share_pct': round(
                row['longLiquidation_usd'] / (row['longLiquidation_usd'] + row['shortLiquidation_usd']) * 100, 3
            ),
        }
        for row in exchanges
    ]
    assert all(entry['long_share_pct'] is not None for entry in summary['exchanges'])  # the bug: all unknown
    assert summary['note'] is None  # the All row equals the sum of the rest, each row its long + short
    assert [charge['event_name'] for charge in run.charges] == ['LIQUIDATION_EXCHANGE_LIST']


# --- coin list: the real list, read whole ---------------------------------------------------------------------------

WINDOWS = ('1h', '4h', '12h', '24h')


def unnested_coins(rows: list[dict[str, Any]]) -> list[str]:
    """The coins whose total over a shorter window exceeds a longer one's by more than rounding, in the rows' order."""

    def exceeds(short: float, long: float) -> bool:
        return short > long + max(1.0, 1e-3 * long)

    return [
        row['symbol']
        for row in rows
        if any(
            exceeds(row[f'liquidation_usd_{short}'], row[f'liquidation_usd_{long}'])
            for index, short in enumerate(WINDOWS)
            for long in WINDOWS[index + 1 :]
        )
    ]


@pytest.mark.parametrize('relative', captures('coin-list'))
def test_coin_list_capture(actor: RunActor, fake: FakeCoinGlass, relative: str) -> None:
    body = capture(relative)
    rows = body['data'] if isinstance(body, dict) else body
    reply = Reply(200, body) if isinstance(body, dict) else ok(rows, msg=False)  # as captured: no msg
    fake.script('/api/futures/liquidation/coin-list', reply)
    run = actor({'mode': 'liquidation_coin_list', 'exchange': 'Binance'})
    item = run.item
    assert item['success'] is True, item['message']
    assert json.dumps(item['data']) == json.dumps(rows)  # value-exact: zeros stay integers, the order stays
    assert any(value == 0 and isinstance(value, int) for row in item['data'] for value in row.values())
    assert len({row['symbol'] for row in item['data']}) == len(rows)  # each exchange's own base symbol, one row
    for row in rows:  # what the summary may rely on: each total is its long + short
        for window in WINDOWS:
            parts = row[f'long_liquidation_usd_{window}'] + row[f'short_liquidation_usd_{window}']
            assert row[f'liquidation_usd_{window}'] == pytest.approx(parts, rel=1e-9, abs=1e-6)
    total = sum(row['liquidation_usd_24h'] for row in rows)
    top = sorted(rows, key=lambda row: -row['liquidation_usd_24h'])[:10]
    summary = item['summary']
    assert summary['total_usd_24h'] == round(total, 2)
    assert summary['coins'] == [
        {
            'symbol': row['symbol'],
            'liquidation_usd_24h': round(row['liquidation_usd_24h'], 2),
            'share_pct': round(row['liquidation_usd_24h'] / total * 100, 3),
            'long_share_pct': round(row['long_liquidation_usd_24h'] / row['liquidation_usd_24h'] * 100, 3),
        }
        for row in top
    ]
    assert [entry['symbol'] for entry in summary['coins']] != [row['symbol'] for row in rows[:10]]  # rank, not size
    unnested = unnested_coins(rows)
    assert unnested  # both captures have coins whose 1h exceeds their 4h (DGB: $2,841.65 against $31.50)
    plural = 's' if len(unnested) > 1 else ''
    note = summary['note']
    assert note.startswith(f"CoinGlass's windows need not nest: for {len(unnested)} coin{plural} a shorter window's")
    named = re.findall(r'(?:\(|, )([\w]+) \(\d+h \$', note)
    assert named == unnested[:10]
    assert (f'and {len(unnested) - 10} more' in note) is (len(unnested) > 10)
    assert [charge['event_name'] for charge in run.charges] == ['LIQUIDATION_COIN_LIST']


def test_coin_list_capture_keeps_each_exchanges_own_base_symbol(actor: RunActor, fake: FakeCoinGlass) -> None:
    body = capture('coin-list/junior-testoni-coinglass-scrape_20250522T0000Z_no-params.trimmed.json')
    fake.script('/api/futures/liquidation/coin-list', Reply(200, body))
    run = actor({'mode': 'liquidation_coin_list', 'exchange': 'Hyperliquid', 'output': 'rows'})
    by_symbol = {row['symbol']: row for row in run.item['data']}
    for symbol in ('PEPE', '1000PEPE', 'kPEPE', '1000BONK', '100BONK'):
        (sent,) = [row for row in body['data'] if row['symbol'] == symbol]
        assert by_symbol[symbol] == sent
    assert 'DGB (1h $2.84K > 4h $31.5)' in run.item['summary']['note']


# --- aggregated history: more rows than asked, the open last interval, leading zeros ---------------------------

HISTORY_1080 = 'aggregated-history/felipeodonnell-liquidity-report_20251114_BTC-4h.json'
HISTORY_OLD = 'aggregated-history/felipeodonnell-liquidity-report_20250512-old-v2_BTC-4500rows.json'
COIN_HISTORY = '/api/futures/liquidation/aggregated-history'


def without_headline(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in summary.items() if key != 'headline'}


def history_summary(rows: list[dict[str, Any]], now_ms: int, step_ms: int) -> dict[str, Any]:
    """The summary's figures, recomputed from the rows."""
    longs = [row['aggregated_long_liquidation_usd'] for row in rows]
    shorts = [row['aggregated_short_liquidation_usd'] for row in rows]
    totals = [long + short for long, short in zip(longs, shorts, strict=True)]
    biggest = rows[totals.index(max(totals))]
    return {
        'intervals': len(rows),
        'first_time': rows[0]['time'],
        'last_time': rows[-1]['time'],
        'last_interval_open': rows[-1]['time'] + step_ms > now_ms,
        'long_usd': round(sum(longs), 2),
        'short_usd': round(sum(shorts), 2),
        'total_usd': round(sum(totals), 2),
        'net_long_minus_short_usd': round(sum(longs) - sum(shorts), 2),
        'long_share': round(sum(longs) / sum(totals), 4),
        'largest_interval': {
            'time': biggest['time'],
            'long_usd': round(biggest['aggregated_long_liquidation_usd'], 2),
            'short_usd': round(biggest['aggregated_short_liquidation_usd'], 2),
            'total_usd': round(max(totals), 2),
        },
        'missing_figures': 0,
    }


@pytest.mark.parametrize('limit', [None, 1000, 250])
def test_history_capture_of_1080_rows_keeps_the_limit(actor: RunActor, fake: FakeCoinGlass, limit: int | None) -> None:
    rows = capture(HISTORY_1080)
    assert len(rows) == 1080
    now = rows[-1]['time'] + HOUR  # captured while the last 4h interval was open (its short side still 0.0)
    fake.script(COIN_HISTORY, ok(rows))
    query = {'mode': 'coin_liquidation_history', 'coin': 'BTC', 'interval': '4h', 'exchanges': ['Binance']}
    run = actor(query | ({'limit': limit} if limit else {}), now_ms=now)
    item = run.item
    kept = rows[-(limit or 1000) :]
    assert item['data'] == kept
    assert without_headline(item['summary']) == history_summary(kept, now, 4 * HOUR)
    assert item['summary']['last_interval_open'] is True
    assert item['message'] == f'Fetched coin liquidation history for BTC (4h): {len(kept):,} rows.'
    assert len(run.charges) == 1


def test_history_capture_shorter_than_asked_says_so(actor: RunActor, fake: FakeCoinGlass) -> None:
    """`limit: 2000`: the 1,080 rows CoinGlass has, then an empty window before them (the plan's depth)."""
    rows = capture(HISTORY_1080)
    now = rows[-1]['time'] + HOUR
    fake.script(COIN_HISTORY, ok(rows), ok([]))
    run = actor({'mode': 'coin_liquidation_history', 'coin': 'BTC', 'interval': '4h', 'limit': 2000}, now_ms=now)
    item = run.item
    assert item['success'] is True
    assert item['data'] == rows
    assert 'CoinGlass returned history from 2025-05-18 20:00 UTC only (1,080 rows, not 2,000)' in item['message']
    assert fake.count(COIN_HISTORY) == 2
    window = fake.requests[-1].params
    assert int(window['end_time']) == rows[0]['time'] - 1  # paged back from CoinGlass's oldest row, not the clock


@pytest.mark.parametrize('limit', [100, 1000])
def test_old_history_capture_with_leading_zero_rows(actor: RunActor, fake: FakeCoinGlass, limit: int) -> None:
    rows = capture(HISTORY_OLD)
    now = rows[-1]['time'] + 2 * HOUR
    fake.script(COIN_HISTORY, ok(rows))
    run = actor({'mode': 'coin_liquidation_history', 'coin': 'BTC', 'interval': '1d', 'limit': limit}, now_ms=now)
    kept = rows[-limit:]
    item = run.item
    assert item['data'] == kept
    assert without_headline(item['summary']) == history_summary(kept, now, 24 * HOUR)


# --- price history: the map's reference price, from string candles ----------------------------------------------


def test_price_history_capture_gives_the_reference_price(actor: RunActor, fake: FakeCoinGlass) -> None:
    candles = capture('price-history/felipeodonnell-liquidity-report_20251114_Binance-BTCUSDT-4h.json')
    fake.script(PRICE, ok(candles, msg=False))
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'})
    summary = run.item['summary']
    newest = max(candles, key=lambda candle: candle['time'])
    assert summary['reference_price'] == float(newest['close'])
    levels = [entry for entries in run.item['data'].values() for entry in entries]
    below = sum(entry[1] for entry in levels if entry[0] < float(newest['close']))
    assert summary['long_below_usd'] == round(below, 2)


@pytest.mark.parametrize('closes', [['0'], ['0.0', None]], ids=['zero', 'zero-and-null'])
def test_a_close_of_zero_is_no_reference_price(actor: RunActor, fake: FakeCoinGlass, closes: list[Any]) -> None:
    candles = [
        {'time': NOW_MS - index * 60_000, 'open': '1', 'high': '1', 'low': '0', 'close': close, 'volume_usd': '0'}
        for index, close in enumerate(closes)
    ]
    fake.script(PRICE, ok(candles, msg=False))
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'})
    item = run.item
    assert item['success'] is True
    assert item['summary']['reference_price'] is None  # not 0.0, from which every level would be "short above"
    assert item['summary']['long_below_usd'] is None
    assert item['summary']['total_usd'] > 0
    assert item['summary']['headline'].endswith(' in all; no reference price, so no sides.')
    assert 'No reference price (no 1m close above 0 in the price history of Binance BTCUSDT)' in item['message']
    assert len(run.charges) == 1


# --- heatmaps: schema dumps, `update_time` -----------------------------------------------------------------------


def heatmap_from_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A reply of exactly the dumped schema: its lengths, types and sample values."""
    fields = schema['fields']
    levels, cells, candles = (
        fields[name]['len'] for name in ('y_axis', 'liquidation_leverage_data', 'price_candlesticks')
    )
    low, high = (sample['sample'] for sample in fields['y_axis']['items_schema'])
    y_axis = [round(low + (high - low) * index, 2) for index in range(levels)]
    first = fields['price_candlesticks']['items_schema']
    start, second = first[0]['items_schema'][0]['sample'], first[1]['items_schema'][0]['sample']
    price = float(first[0]['items_schema'][1]['sample'])
    bars = [
        [start + (second - start) * index, *(f'{price + index % 7 - 3:.1f}' for _ in range(4)), f'{1e6 + index:.4f}']
        for index in range(candles)
    ]
    grid = [(x, y) for x in range(candles) for y in range(levels)]
    stride = len(grid) / cells
    sparse = [[*grid[int(index * stride)], round(1000.0 + index * 0.25, 2)] for index in range(cells)]
    return {
        'y_axis': y_axis,
        'liquidation_leverage_data': sparse,
        'price_candlesticks': bars,
        'update_time': fields['update_time']['sample'],
    }


@pytest.mark.parametrize('relative', [*captures('aggregated-heatmap-model1'), *captures('aggregated-heatmap-model2'),
                                      *captures('aggregated-heatmap-model3')])  # fmt: skip
def test_heatmap_capture_schema(actor: RunActor, fake: FakeCoinGlass, relative: str) -> None:
    schema = capture(relative)
    reply = heatmap_from_schema(schema)
    model = relative.split('/', maxsplit=1)[0].rsplit('-', 1)[1]
    fake.script(f'/api/futures/liquidation/aggregated-heatmap/{model}', ok(reply))
    run = actor({'mode': 'coin_liquidation_heatmap', 'coin': 'BTC', 'range': '24h', 'model': model})
    item = run.item
    assert item['success'] is True, item['message']
    data = item['data']
    assert data['update_time'] == schema['fields']['update_time']['sample']  # undocumented, kept
    assert data['y_axis'] == reply['y_axis']
    assert data['liquidation_leverage_data'] == reply['liquidation_leverage_data']
    assert data['price_candlesticks'] == [
        [bar[0], *(float(value) for value in bar[1:])] for bar in reply['price_candlesticks']
    ]
    summary = item['summary']
    assert (summary['candles'], summary['price_levels'], summary['cells']) == (
        schema['fields']['price_candlesticks']['len'],
        schema['fields']['y_axis']['len'],
        schema['fields']['liquidation_leverage_data']['len'],
    )
    assert summary['last_close'] == float(reply['price_candlesticks'][-1][4])
    assert summary['total'] == round(sum(cell[2] for cell in reply['liquidation_leverage_data']), 2)


# --- max pain: hundreds of coins ----------------------------------------------------------------------------------


def test_max_pain_capture_schema(actor: RunActor, fake: FakeCoinGlass) -> None:
    schema = capture('max-pain/linlea666-LIQ_20260428T093007Z.schema.json')
    samples = [{key: field['sample'] for key, field in item['fields'].items()} for item in schema['items_schema']]
    rows = [
        *samples,
        *(
            {**samples[index % 2], 'symbol': f'X{index:03d}', 'price': 1.0 + index}
            for index in range(schema['len'] - 2)
        ),
    ]
    assert len(rows) == schema['len'] == 563
    fake.script('/api/futures/liquidation/max-pain', ok(rows, msg=False))
    run = actor({'mode': 'liquidation_max_pain', 'range': '24h'})
    item = run.item
    assert item['data'] == rows
    assert item['message'] == 'Fetched liquidation max pain for all coins (24h): 563 rows.'
    assert item['summary']['coins'] == 563
    at_stake = sorted(rows, key=lambda row: -(row['long_max_pain_liq_level'] + row['short_max_pain_liq_level']))[:25]
    summary_rows = item['summary']['rows']
    assert [row['symbol'] for row in summary_rows] == [row['symbol'] for row in at_stake]
    for row, summarized in zip(at_stake, summary_rows, strict=True):
        assert summarized['long_distance_pct'] == round(
            (row['long_max_pain_liq_price'] - row['price']) / row['price'] * 100, 3
        )
        assert summarized['short_distance_pct'] == round(
            (row['short_max_pain_liq_price'] - row['price']) / row['price'] * 100, 3
        )


# --- aggregated map through a proxy: per-exchange blocks (unconfirmed shape, read when it can be) ---------------


def map_from_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The proxied reply: per-exchange blocks of `liqMapV2` levels and `instrument`s, beside a `last_price`."""
    data = schema['fields']['data']['fields']
    blocks = []
    for number, block in enumerate(data['data']['items_schema']):
        levels = block['fields']['liqMapV2']
        keys = [key for key in levels['fields'] if key != '__TRIMMED__']
        keys += [str(73000 + 13 * index) for index in range(levels['key_count'] - len(keys))]
        instrument = {key: field['sample'] for key, field in block['fields']['instrument']['fields'].items()}
        tuples = {key: [[int(key), 1000.0 * (number + 1) + int(key) % 97, None, None]] for key in keys}
        blocks.append({'liqMapV2': tuples, 'instrument': instrument})
    return {'data': blocks, 'last_price': data['last_price']['sample']}


def test_proxied_aggregated_map_capture_is_read(actor: RunActor, fake: FakeCoinGlass) -> None:
    schema = capture('aggregated-map/linlea666-LIQ_20260428T092349Z_BTC-1d.schema.trimmed.json')
    reply = map_from_schema(schema)
    fake.script(MAP, ok(reply))
    last_price = reply['last_price']
    fake.script(PRICE, ok([{'time': 1, 'open': '1', 'high': '1', 'low': '1', 'close': str(last_price)}], msg=False))
    run = actor({'mode': 'coin_liquidation_map', 'coin': 'BTC', 'range': '1d'})
    item = run.item
    assert item['success'] is True, item['message']
    merged: dict[str, list[list[Any]]] = {}
    for block in reply['data']:
        for key, tuples in block['liqMapV2'].items():
            merged.setdefault(key, []).extend(tuples)
    assert item['data'] == merged
    levels = [entry for entries in merged.values() for entry in entries]
    summary = item['summary']
    assert summary['levels'] == len(levels) == sum(block['fields']['liqMapV2']['key_count'] for block in
                                                   schema['fields']['data']['fields']['data']['items_schema'])  # fmt: skip
    assert summary['long_below_usd'] == round(sum(level[1] for level in levels if level[0] < last_price), 2)
    assert summary['reference_price'] == last_price


# --- errors: every captured refusal, read by what it says ------------------------------------------------------

FAST = {'COINGLASS_RETRY_BASE_DELAY_S': '0.01', 'COINGLASS_RETRY_MAX_DELAY_S': '0.05', 'COINGLASS_RATE_WINDOW_S': '0.3'}
SPENT = {'API-KEY-USE-LIMIT': '1200'}  # the fake's budget header says 1200: the refusal shows it used up
PAIR_MAP_INPUT = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'}
COIN_MAP_INPUT = {'mode': 'coin_liquidation_map', 'coin': 'BTC', 'range': '1d'}


@dataclass(frozen=True)
class Refusal:
    """How the Actor must read one captured refusal: replayed on `path` for a query of `actor_input`."""

    actor_input: dict[str, Any]
    path: str
    error_type: str
    requests: int  # how many times the query's endpoint is asked: retried or not
    fragments: tuple[str, ...]
    headers: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


REFUSALS = {
    'too-many-requests_aggregated-map_http200': Refusal(
        COIN_MAP_INPUT,
        MAP,
        'rate_limited',
        requests=3,  # the key stays spent: two waits of a window (0.3 s here) fit in 0.7 s, a third would not
        fragments=(
            "HTTP 200, code '400': Too Many Requests (still so after 3 attempts",
            'per-minute request budget',
            'Nothing was charged',
        ),
        headers=SPENT,
        env={'COINGLASS_RETRY_MAX_WAIT_S': '0.7'},
    ),
    'please-upgrade-to-standard_order-no-params_http200': Refusal(
        {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'},
        '/api/futures/liquidation/order',
        'plan',
        requests=1,
        fragments=(
            "CoinGlass answered 'Please upgrade to standard'",
            'needs the CoinGlass Standard plan',
            'coinglass.com/pricing',
        ),
    ),
    'please-upgrade-to-professional_pair-heatmap-model1-no-params_http200': Refusal(
        {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '3d'},
        '/api/futures/liquidation/heatmap/model1',
        'plan',
        requests=1,
        fragments=("CoinGlass answered 'Please upgrade to professional'", 'needs the CoinGlass Professional plan'),
    ),
    'plan-denial_upgrade-plan_http200': Refusal(
        COIN_MAP_INPUT,
        MAP,
        'plan',
        requests=1,
        fragments=("CoinGlass answered 'Upgrade plan'", 'coin_liquidation_map needs the CoinGlass Professional plan'),
    ),
    'required-range-missing_exchange-list-no-params_http200': Refusal(
        {'mode': 'liquidation_exchange_list', 'range': '4h', 'coin': 'BTC'},
        '/api/futures/liquidation/exchange-list',
        'invalid_parameter',
        requests=1,
        fragments=(
            "Required String parameter 'range' is not present",
            "the request lacks 'range'",
            'this is a bug in the Actor',
        ),
    ),
    'server-error-code500_pair-history-no-params_http200': Refusal(
        {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '4h'},
        '/api/futures/liquidation/history',
        'server',
        requests=3,  # not the 6 of a real server error: CoinGlass answers a missing parameter so too
        fragments=("HTTP 200, code '500': Server Error (still so after 3 attempts", 'try again in a few minutes'),
    ),
    'http404-gateway-style-with-requestId': Refusal(
        PAIR_MAP_INPUT,
        '/api/futures/liquidation/map',
        'not_found',
        requests=1,
        fragments=('HTTP 404: Not Found', 'CoinGlass does not know /api/futures/liquidation/map', 'please report it'),
    ),
    'http404-unknown-path-spring-style': Refusal(
        PAIR_MAP_INPUT,
        '/api/futures/liquidation/map',
        'not_found',
        requests=1,
        fragments=('HTTP 404: Not Found', 'please report it'),
    ),
}


@pytest.mark.parametrize('relative', captures('errors'))
def test_error_capture(actor: RunActor, fake: FakeCoinGlass, relative: str) -> None:
    """Each refusal CoinGlass was caught sending, through the client and the pipeline: its error_type, whether it
    was retried (how many requests), no charge, and a message a user can act on."""
    (name,) = [name for name in REFUSALS if Path(relative).stem.endswith(name)]
    refusal = REFUSALS[name]
    body = capture(relative)
    status = 404 if '404' in name else 200
    fake.script(refusal.path, *[Reply(status, body, headers=refusal.headers)] * refusal.requests)
    run = actor(refusal.actor_input, env=FAST | refusal.env)
    item = run.item
    assert (item['success'], item['error_type'], run.exit_code) == (False, refusal.error_type, 1), item['message']
    for fragment in refusal.fragments:
        assert fragment in item['message'], (fragment, item['message'])
    assert 'Closest supported' not in item['message']  # CoinGlass said nothing was unknown
    assert fake.count(refusal.path) == refusal.requests
    assert fake.pending() == 0
    assert run.charges == []
    output = run.record('OUTPUT')
    assert output['rate_limited_responses'] == (refusal.requests if refusal.error_type == 'rate_limited' else 0)


def test_a_rate_limit_over_http_200_is_waited_out(actor: RunActor, fake: FakeCoinGlass) -> None:
    """The captured refusal once, then data: the query is delivered late, charged once, and counted as rate-limited."""
    body = capture('errors/junior-testoni-coinglass-scrape_20250522_too-many-requests_aggregated-map_http200.json')
    fake.script(MAP, Reply(200, body))  # with the fake's headers: the key shows room, so a backoff of seconds
    run = actor(COIN_MAP_INPUT, env=FAST)
    assert run.item['success'] is True, run.item['message']
    assert fake.count(MAP) == 2
    assert [charge['event_name'] for charge in run.charges] == ['COIN_LIQUIDATION_MAP']
    assert run.record('OUTPUT')['rate_limited_responses'] == 1
    assert run.record('OUTPUT')['retries'] == 1


# --- supported coins and exchanges: the real lists behind suggestions ----------------------------------------------

COINS = '/api/futures/supported-coins'
SUPPORTED_COINS_CAPTURE = 'supported-coins/junior-testoni-coinglass-scrape_20250521_no-params.full.json'


@pytest.mark.parametrize(
    ('typed', 'first'), [('kPEP', 'kPEPE'), ('1000PEPEE', '1000PEPE'), ('BTCC', 'BTC')], ids=['k', '1000', 'btc']
)
def test_an_unknown_coin_is_matched_against_the_real_coin_list(
    actor: RunActor, fake: FakeCoinGlass, typed: str, first: str
) -> None:
    body = capture(SUPPORTED_COINS_CAPTURE)
    assert len(body['data']) == 825
    assert 'msg' not in body
    assert {'1000PEPE', 'PEPE', 'kPEPE'} <= set(body['data'])  # coins of their own
    fake.script(MAP, Reply(200, {'code': '40001', 'msg': 'Invalid parameter: symbol'}))
    fake.script(COINS, Reply(200, body))
    item = actor({**COIN_MAP_INPUT, 'coin': typed}).item
    assert item['error_type'] == 'invalid_parameter'
    suggested = re.search(r'Closest supported: ([^.]+)\.', item['message'])
    assert suggested, item['message']
    names = suggested.group(1).split(', ')
    assert names[0] == first
    assert set(names) <= set(body['data'])


EXCHANGES = '/api/futures/supported-exchanges'
EXCHANGE_NAMES = 'supported-exchange-pairs/junior-testoni-coinglass_20250526T142954Z_no-params.keys-only.json'


@pytest.mark.parametrize(
    ('typed', 'sent'), [('crypto.com', 'Crypto.com'), ('Gate.io', 'Gate'), ('huobi', 'HTX'), ('DYDX', 'dYdX')]
)
def test_exchanges_are_sent_as_coinglass_spells_them(
    actor: RunActor, fake: FakeCoinGlass, typed: str, sent: str
) -> None:
    """The exchange names of the supported-exchange-pairs capture (only its keys survived), as CoinGlass lists them."""
    names = capture(EXCHANGE_NAMES)
    assert len(names) == 20
    fake.script(EXCHANGES, ok(names))
    fake.script('/api/futures/liquidation/coin-list', ok([]))
    actor({'mode': 'liquidation_coin_list', 'exchange': typed})
    (request,) = [request for request in fake.requests if request.path == '/api/futures/liquidation/coin-list']
    assert request.params['exchange'] == sent


def test_an_exchange_coinglass_does_not_list_is_refused_before_asking(actor: RunActor, fake: FakeCoinGlass) -> None:
    fake.script(EXCHANGES, ok(capture(EXCHANGE_NAMES)))
    item = actor({'mode': 'liquidation_coin_list', 'exchange': 'Binanse'}).item
    assert item['error_type'] == 'invalid_parameter'
    assert 'Closest listed: Binance' in item['message']
    assert fake.count('/api/futures/liquidation/coin-list') == 0


def test_the_copies_are_the_shared_captures() -> None:
    """tests/real_responses/ is ../shared/real-responses/ as captured; where that folder is beside the repository
    (the team's machines), they must not have drifted apart."""
    if not SHARED.is_dir():
        pytest.skip(f'{SHARED} is not here to compare with')
    ours = {path.relative_to(CAPTURES): path.read_bytes() for path in CAPTURES.rglob('*') if path.is_file()}
    theirs = {path.relative_to(SHARED): path.read_bytes() for path in SHARED.rglob('*') if path.is_file()}
    assert ours == theirs


# --- the lookups search_symbols reads, and the coin list: full bodies and a keys-only dump -----------------------

SUPPORTED_COINS_CAPTURE = 'supported-coins/junior-testoni-coinglass-scrape_20250521_no-params.full.json'
PAIRS_CAPTURE = 'supported-exchange-pairs/junior-testoni-coinglass_20250526T142954Z_no-params.keys-only.json'


def test_supported_coins_capture_marks_which_pairs_the_coin_modes_take(actor: RunActor, fake: FakeCoinGlass) -> None:
    """825 coins in a body without `msg`: a pair's `coin_supported` says whether its base asset is one of them."""
    coins = capture(SUPPORTED_COINS_CAPTURE)['data']
    fake.script('/api/futures/supported-coins', ok(coins, msg=False))
    item = actor({'mode': 'search_symbols', 'keyword': 'usdt'}).item
    assert item['success'] is True, item['message']
    assert item['data']
    assert {row['base_asset'] for row in item['data'] if row['coin_supported']} == {
        row['base_asset'] for row in item['data'] if row['base_asset'] in coins
    }


def test_supported_pairs_capture_every_exchange_spelling_is_searchable(actor: RunActor, fake: FakeCoinGlass) -> None:
    """Only the exchange names survived the dump: a reply of that shape, one pair per exchange, is searched whole."""
    exchanges = capture(PAIRS_CAPTURE)
    pairs = {name: [{'instrument_id': 'BTCUSDT', 'base_asset': 'BTC', 'quote_asset': 'USDT'}] for name in exchanges}
    fake.script('/api/futures/supported-exchange-pairs', ok(pairs))
    item = actor({'mode': 'search_symbols', 'keyword': 'btc'}).item
    assert item['success'] is True, item['message']
    assert sorted(row['symbol'] for row in item['data']) == sorted(f'{name}_BTCUSDT' for name in exchanges)


@pytest.mark.parametrize('relative', captures('coin-list'))
def test_coin_list_capture_is_delivered_row_for_row(actor: RunActor, fake: FakeCoinGlass, relative: str) -> None:
    """The envelope without `msg`, rows in market-rank order, each exchange's own base symbols (`1000PEPE`, `kPEPE`)."""
    body = capture(relative)
    rows = body['data'] if isinstance(body, dict) else body
    fake.script('/api/futures/liquidation/coin-list', ok(rows, msg=False))
    item = actor({'mode': 'liquidation_coin_list', 'exchange': 'Binance'}).item
    assert item['success'] is True, item['message']
    assert [row['symbol'] for row in item['data']] == [row['symbol'] for row in rows]
