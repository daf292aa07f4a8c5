"""Property: no CoinGlass reply, however malformed, gives a traceback, an internal error or a charge for a failure.

For every mode, hypothesis builds replies shaped like that endpoint's (its field names, with any JSON value in them)
and entirely arbitrary JSON, serves them for the mode's data request through an `httpx.MockTransport` (lookups and
reference prices are the fake's usual answers), and runs the query through the whole pipeline. Each reply must end
as a success (charged only when not empty) or as a failure of a CoinGlass kind, `bad_response` for what cannot be
read; never `internal`, never an exception.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from fake_coinglass import NOW_MS, default_response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mode_examples import EXAMPLES

from src.client import CoinGlassClient, RetryPolicy
from src.fetch import Fetcher
from src.inputs import parse_run_input
from src.modes import ENDPOINTS, Kind, Mode
from src.pipeline import execute
from src.query import MODEL

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(['n/a', '', '-', '1e400', 'NaN', '12.5', ' 7 ', '0x10', '1,000'])
    | st.text(max_size=6)
)
ANY_JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)
NUMBERISH = st.one_of(SCALARS, st.floats(min_value=0, max_value=1e9), st.integers(min_value=0, max_value=10**6))


def rows_of(*fields: str) -> st.SearchStrategy[Any]:
    row = st.fixed_dictionaries({}, optional=dict.fromkeys(fields, NUMBERISH))
    return st.lists(row | ANY_JSON, max_size=5)


def good_rows(text: tuple[str, ...], numbers: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Rows CoinGlass could well send: its names, text where text belongs and numbers (or numeric strings) elsewhere."""
    value = st.floats(min_value=0, max_value=1e9) | st.integers(min_value=0, max_value=10**6).map(str) | st.none()
    row = st.fixed_dictionaries({'time': st.integers(min_value=0, max_value=NOW_MS)} | dict.fromkeys(text, st.text(
        min_size=1, max_size=5)) | dict.fromkeys(numbers, value))  # fmt: skip
    return st.lists(row, min_size=1, max_size=5)


def small_lists(element: st.SearchStrategy[Any], size: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(element, min_size=0, max_size=size)


SHAPED: dict[Kind, st.SearchStrategy[Any]] = {
    Kind.HISTORY: rows_of(
        'time', 'long_liquidation_usd', 'short_liquidation_usd', 'aggregated_long_liquidation_usd', 'symbol'
    )
    | good_rows((), ('long_liquidation_usd', 'short_liquidation_usd')),
    Kind.ORDERS: rows_of('time', 'price', 'usd_value', 'side', 'symbol', 'exchange_name')
    | good_rows(('symbol',), ('price', 'usd_value')),
    Kind.EXCHANGE_LIST: rows_of('exchange', 'liquidation_usd', 'longLiquidation_usd', 'short_liquidation_usd')
    | good_rows(('exchange',), ('liquidation_usd', 'longLiquidation_usd', 'shortLiquidation_usd')),
    Kind.COIN_LIST: rows_of('symbol', 'liquidation_usd_24h', 'long_liquidation_usd_24h', 'shortLiquidation_usd_1h'),
    Kind.MAX_PAIN: rows_of('symbol', 'price', 'long_max_pain_liq_price', 'short_max_pain_liq_level')
    | good_rows(('symbol',), ('price', 'long_max_pain_liq_price', 'short_max_pain_liq_price')),
    Kind.MAP: st.fixed_dictionaries(
        {
            'data': st.dictionaries(
                st.sampled_from(['100', '101.5', 'abc', '1e3']), small_lists(small_lists(NUMBERISH, 5), 3), max_size=3
            )
            | small_lists(st.fixed_dictionaries({'liqMapV2': ANY_JSON}, optional={'instrument': ANY_JSON}), 2)
            | ANY_JSON
        },
        optional={'last_price': NUMBERISH},
    ),
    Kind.HEATMAP: st.fixed_dictionaries(
        {},
        optional={
            'y_axis': small_lists(NUMBERISH, 4),
            'liquidation_leverage_data': small_lists(small_lists(NUMBERISH, 4), 4),
            'price_candlesticks': small_lists(small_lists(NUMBERISH, 7), 3),
            'update_time': NUMBERISH,
        },
    ),
    Kind.SYMBOLS: st.dictionaries(st.sampled_from(['Binance', 'OKX', '']), small_lists(ANY_JSON, 3), max_size=2)
    | ANY_JSON,
}
REPLIES = st.sampled_from(list(Mode)).flatmap(
    lambda mode: st.tuples(st.just(mode), SHAPED[ENDPOINTS[mode].kind] | ANY_JSON)
)


def run_one(mode: Mode, data: Any) -> Any:
    query = parse_run_input(EXAMPLES[mode], now_ms=NOW_MS).queries[0]
    target = ENDPOINTS[mode].path.format(model=query.get(MODEL))

    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.path == target:  # as a server might send it: NaN and Infinity included
            text = json.dumps({'code': '0', 'msg': 'success', 'data': data}, allow_nan=True)
            return httpx.Response(200, content=text.encode(), headers={'Content-Type': 'application/json'})
        status, body = default_response(request.url.path, dict(request.url.params))
        return httpx.Response(status, json=body)

    async def no_wait(_seconds: float) -> None:
        return None

    async def go() -> Any:
        client = CoinGlassClient(
            'k',
            base_url='https://cg.test',
            transport=httpx.MockTransport(serve),
            retry=RetryPolicy(max_attempts=1),
            sleep=no_wait,
        )
        async with client:
            return await execute(Fetcher(client, now_ms=NOW_MS), query, 0)

    return asyncio.run(go())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(REPLIES)
def test_any_reply_ends_as_a_success_or_a_clear_failure(reply: tuple[Mode, Any]) -> None:
    mode, data = reply
    result = run_one(mode, data)
    item = json.loads(json.dumps(result.item(), allow_nan=False))  # the item is strict JSON
    if result.success:
        assert result.event in {None, mode.event_name}
    else:
        assert result.event is None, 'a failure is never charged'
        assert item['error_type'] != 'internal', item['message']
        assert 'Traceback' not in item['message']
