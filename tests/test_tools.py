"""The modes as MCP tools, in process: the MCP SDK's client over its in-memory transport, against `src.serve`'s MCP
server, with the tools answering through one shared client and limiter from the fake CoinGlass on 127.0.0.1.

Each tool answers what the batch Actor answers for the same query (its envelope), charges like it, refuses like it,
and shares what a long-lived server can share: identical queries in flight, CoinGlass's lists and reference prices
for a while. A call that would wait longer than an MCP client does gives up with a rate-limit error, uncharged.
The real server process (HTTP, the SDK's charging, signals) is tested in test_serve.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import jsonschema
import pytest
from conftest import PAY_PER_EVENT, TEST_KEY, run_in_fresh_python, settings_from
from fake_clock import Clock
from fake_coinglass import NOW_MS, FakeCoinGlass, Reply, default_response
from mcp import Client
from mode_examples import EXAMPLES
from standby import answer_lead

from src.app import coinglass_client
from src.modes import ENDPOINTS, SUPPORTED_PAIRS_PATH, Mode
from src.serve import mcp_server
from src.sharing import PRICE_TTL_S, Patience, Sharing
from src.tools import MAX_DESCRIPTION, TOOLS, ToolDesk

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    import mcp_types as types

MAP_PATH = ENDPOINTS[Mode.LIQUIDATION_MAP].path
PRICE_PATH = '/api/futures/price/history'
BTC_MAP = {'symbol': 'Binance_BTCUSDT'}
PRICES = {event: entry['eventPriceUsd'] for event, entry in PAY_PER_EVENT.items()}


def tool_arguments(mode: Mode) -> dict[str, Any]:
    """The mode's example as a tool's arguments: without `mode` and the batch's own fields."""
    return {name: value for name, value in EXAMPLES[mode].items() if name not in {'mode', 'charts'}}


@dataclass
class Budget:
    """A `Charger` that charges like the SDK: nothing past `max_usd` (None: no limit)."""

    max_usd: float | None = None
    charged: list[str] = field(default_factory=list)

    def exhausted(self, event: str) -> bool:
        return self.max_usd is not None and sum(PRICES[name] for name in self.charged) + PRICES[event] > self.max_usd

    async def charge(self, event: str) -> bool:
        if self.exhausted(event):
            return False
        self.charged.append(event)
        return True


@dataclass
class Served:
    client: Client
    desk: ToolDesk
    sharing: Sharing
    budget: Budget
    clock: Clock

    async def call(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        return await self.client.call_tool(name, arguments)


@contextlib.asynccontextmanager
async def serving(
    base_url: str, *, budget: Budget | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[Served]:
    """The MCP server of `src.serve` with a desk over one client, limiter and sharing, and an MCP client on it."""
    settings, _ = settings_from(base_url=base_url)
    clock = Clock(1000.0)
    patience = Patience(clock=clock)
    coinglass = coinglass_client(TEST_KEY, settings, transport, asyncio.sleep, patience.on_long_wait)
    sharing = Sharing(coinglass, patience=patience, clock=clock)
    budget = budget or Budget()
    desk = ToolDesk(sharing, charger=budget, now_ms=lambda: NOW_MS)
    try:
        async with Client(mcp_server(desk)) as client:
            yield Served(client, desk, sharing, budget, clock)
    finally:
        sharing.close()
        await coinglass.aclose()


def call_all(base_url: str, calls: list[tuple[str, dict[str, Any]]], **options: Any) -> list[types.CallToolResult]:
    async def run() -> list[types.CallToolResult]:
        async with serving(base_url, **options) as served:
            return [await served.call(name, arguments) for name, arguments in calls]

    return asyncio.run(run())


def text_of(result: types.CallToolResult) -> str:
    (content,) = result.content
    assert content.type == 'text'
    return content.text


# --- the tool list -------------------------------------------------------------------------------------------------


async def test_every_mode_is_a_read_only_tool_of_its_name_with_a_schema_an_agent_can_fill(fake: FakeCoinGlass) -> None:
    async with serving(fake.url) as served:
        listed = (await served.client.list_tools()).tools
    assert [tool.name for tool in listed] == [str(mode) for mode in Mode]
    for tool in listed:
        mode = Mode(tool.name)
        schema = tool.input_schema
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema['type'] == 'object'
        assert schema['additionalProperties'] is False
        assert {'api_key', 'queries', 'charts', 'alerts', 'notify_url', 'since_last_run'}.isdisjoint(
            schema['properties']
        )
        jsonschema.validate(tool_arguments(mode), schema)
        for name, prop in schema['properties'].items():
            assert prop['description'], name
            assert len(prop['description']) < MAX_DESCRIPTION, name
            assert 'examples' in prop or 'default' in prop, name
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False


@pytest.mark.parametrize('mode', list(Mode), ids=str)
def test_each_tool_description_says_what_it_returns_its_plan_and_its_price(mode: Mode) -> None:
    tool = TOOLS[str(mode)]
    assert len(tool.description) < MAX_DESCRIPTION
    assert f'CoinGlass {ENDPOINTS[mode].plan.title} plan' in tool.description
    assert f'${PRICES[mode.event_name]:g} per answer with data' in tool.description
    assert ENDPOINTS[mode].answers[1:] in tool.description
    assert tool.title == PAY_PER_EVENT[mode.event_name]['eventTitle']


@pytest.mark.parametrize('mode', list(Mode), ids=str)
def test_a_tool_says_leave_it_out_only_of_an_argument_it_does_not_require(mode: Mode) -> None:
    schema = TOOLS[str(mode)].input_schema
    for name in set(schema['properties']) & {'coin', 'exchange'}:
        said = 'Leave it out for' in schema['properties'][name]['description']
        assert said is (name not in schema['required']), (name, schema['properties'][name]['description'])


def test_a_required_field_with_a_default_need_not_be_given() -> None:
    schema = TOOLS['liquidation_map'].input_schema
    assert schema['required'] == ['symbol']
    assert schema['properties']['range']['default'] == '1d'
    assert TOOLS['liquidation_orders'].input_schema['required'] == ['exchange', 'coin']


# --- one call, the batch's answer ----------------------------------------------------------------------------------


@pytest.mark.parametrize('mode', list(Mode), ids=str)
def test_each_tool_answers_the_batch_envelope_of_the_same_query(
    mode: Mode, fake: FakeCoinGlass, actor: Callable[..., Any]
) -> None:
    arguments = tool_arguments(mode)
    default_output = TOOLS[str(mode)].input_schema['properties']['output']['default']
    batch = actor({'mode': str(mode), 'output': default_output, **arguments})
    (result,) = call_all(fake.url, [(str(mode), arguments)], budget=(budget := Budget()))
    assert result.is_error is False, text_of(result)
    assert result.structured_content == batch.item
    lead, _, envelope = text_of(result).partition('\n')
    assert json.loads(envelope) == batch.item
    assert lead == answer_lead(batch.item)
    assert budget.charged == [charge['event_name'] for charge in batch.charges] == [mode.event_name]


@pytest.mark.parametrize(
    ('mode', 'loose', 'canonical'),
    [
        pytest.param(
            Mode.LIQUIDATION_MAP, BTC_MAP | {'range': None, 'output': None}, BTC_MAP | {'range': '1d'}, id='nulls'
        ),
        pytest.param(
            Mode.PAIR_LIQUIDATION_HISTORY,
            BTC_MAP | {'interval': '4h', 'start_time': NOW_MS - 86_400_000, 'limit': None},
            BTC_MAP | {'interval': '4h', 'start_time': str(NOW_MS - 86_400_000)},
            id='epoch ms as a number',
        ),
        pytest.param(
            Mode.LIQUIDATION_ORDERS,
            {'exchange': 'Binance', 'coin': 'BTC', 'min_liquidation_amount': 25_000.0},
            {'exchange': 'Binance', 'coin': 'BTC', 'min_liquidation_amount': 25_000},
            id='a whole amount as a float',
        ),
        pytest.param(
            Mode.COIN_LIQUIDATION_HISTORY,
            {'coin': 'BTC', 'exchanges': 'Binance'},
            {'coin': 'BTC', 'exchanges': ['Binance']},
            id='one exchange as a string',
        ),
    ],
)
def test_a_tool_reads_its_arguments_as_loosely_as_the_batch_reads_its_input(
    mode: Mode, loose: dict[str, Any], canonical: dict[str, Any], fake: FakeCoinGlass
) -> None:
    """Agents send null for what they leave out and numbers for epoch ms: the answer is the canonical call's."""
    loose_answer, canonical_answer = call_all(fake.url, [(str(mode), loose), (str(mode), canonical)])
    assert loose_answer.is_error is False, text_of(loose_answer)
    assert canonical_answer.is_error is False, text_of(canonical_answer)
    assert loose_answer.structured_content is not None
    assert canonical_answer.structured_content is not None
    assert loose_answer.structured_content['output'] == TOOLS[str(mode)].input_schema['properties']['output']['default']
    assert loose_answer.structured_content['summary'] == canonical_answer.structured_content['summary']
    assert loose_answer.structured_content['message'] == canonical_answer.structured_content['message']


def test_the_default_answer_is_the_summary_and_full_adds_the_data(fake: FakeCoinGlass) -> None:
    summary, full = call_all(
        fake.url, [('liquidation_map', BTC_MAP), ('liquidation_map', BTC_MAP | {'output': 'full'})]
    )
    assert summary.structured_content is not None
    assert full.structured_content is not None
    assert summary.structured_content['output'] == 'summary'
    assert summary.structured_content['data'] is None
    assert text_of(summary).startswith('$81.4M of long liquidation levels below 95,000')
    assert full.structured_content['data']
    assert full.structured_content['summary'] == summary.structured_content['summary']


@pytest.mark.parametrize(
    ('arguments', 'said'),
    [
        ({'symbol': 'Binance_BTCUSDT', 'range': '90d'}, "Derived from CoinGlass's 90d liquidation heatmap (model1)"),
        ({'symbol': 'Binance_BTCUSDT', 'range': '1y'}, 'CoinGlass v4 has no 1y map, so leverage is not given.'),
    ],
)
def test_the_first_line_says_what_the_message_adds_to_the_headline(
    fake: FakeCoinGlass, arguments: dict[str, Any], said: str
) -> None:
    """An agent reads the first line: what the answer is (a derived map) must be on it, after the figures."""
    (result,) = call_all(fake.url, [('liquidation_map', arguments)])
    assert result.structured_content is not None
    lead = text_of(result).partition('\n')[0]
    assert lead.startswith(result.structured_content['summary']['headline'])
    assert said in lead


def test_search_symbols_answers_its_data_by_default(fake: FakeCoinGlass) -> None:
    (result,) = call_all(fake.url, [('search_symbols', {'keyword': 'btc', 'exchange': 'OKX'})])
    assert result.is_error is False
    assert result.structured_content is not None
    assert result.structured_content['output'] == 'full'
    assert result.structured_content['data']


def test_data_over_the_cap_is_refused_uncharged_and_points_to_the_batch_actor(fake: FakeCoinGlass) -> None:
    heatmap = {'symbol': 'Binance_BTCUSDT', 'range': '1y', 'output': 'full'}
    budget = Budget()
    too_big, summary = call_all(
        fake.url,
        [('pair_liquidation_heatmap', heatmap), ('pair_liquidation_heatmap', heatmap | {'output': 'summary'})],
        budget=budget,
    )
    assert too_big.is_error is True
    assert too_big.structured_content is not None
    assert too_big.structured_content['error_type'] == 'input'
    message = too_big.structured_content['message']
    assert re.search(r'its data is [\d,]+ KB of JSON, more than the 256 KB', message), message
    assert 'Nothing was charged' in message
    assert 'batch Actor coinglass-liquidation-data' in message
    assert 'Ask for less (output "summary" or a shorter range)' in message  # a heatmap has no limit to lower
    assert summary.is_error is False
    assert budget.charged == ['PAIR_LIQUIDATION_HEATMAP']  # the summary only


def test_an_empty_answer_is_a_success_and_free(fake: FakeCoinGlass) -> None:
    budget = Budget()
    (result,) = call_all(fake.url, [('search_symbols', {'keyword': 'no-such-coin-zz'})], budget=budget)
    assert result.is_error is False
    assert result.structured_content is not None
    assert result.structured_content['success'] is True
    assert 'not charged' in text_of(result)
    assert budget.charged == []


# --- failures: the batch's message and error type, never a charge ---------------------------------------------------


def test_a_plan_failure_is_a_tool_error_with_the_batch_message(fake: FakeCoinGlass, actor: Callable[..., Any]) -> None:
    fake.plan = 'HOBBYIST'
    batch = actor({'mode': 'liquidation_map', 'output': 'summary', **BTC_MAP})
    budget = Budget()
    (result,) = call_all(fake.url, [('liquidation_map', BTC_MAP)], budget=budget)
    assert result.is_error is True
    assert result.structured_content == batch.item
    assert result.structured_content['error_type'] == 'plan'
    assert text_of(result).partition('\n')[0] == batch.item['message']
    assert budget.charged == []


@pytest.mark.parametrize(
    ('name', 'arguments', 'expected'),
    [
        pytest.param('liquidation_map', {}, "Input field 'symbol' is missing", id='missing'),
        pytest.param(
            'liquidation_map',
            BTC_MAP | {'range': '2d'},
            '\'range\' is "2d", which liquidation_map does not take',
            id='range',
        ),
        pytest.param('liquidation_map', BTC_MAP | {'rnage': '7d'}, "(did you mean 'range'?)", id='typo'),
        pytest.param('liquidation_map', BTC_MAP | {'period': '7d'}, "(did you mean 'range'?)", id='alias'),
        pytest.param(
            'liquidation_map',
            BTC_MAP | {'exchange': 'OKX'},
            "'exchange' is not an argument of liquidation_map: it",
            id='batch-field',
        ),
        pytest.param('liquidation_map', BTC_MAP | {'interval': '1h'}, 'not an argument of liquidation_map', id='other'),
        pytest.param('liquidation_map', BTC_MAP | {'charts': True}, 'not an argument of liquidation_map', id='charts'),
        pytest.param('liquidation_heatmap', BTC_MAP, "There is no tool 'liquidation_heatmap'", id='unknown tool'),
    ],
)
def test_arguments_a_tool_does_not_take_are_refused_before_any_request(
    fake: FakeCoinGlass, name: str, arguments: dict[str, Any], expected: str
) -> None:
    budget = Budget()
    (result,) = call_all(fake.url, [(name, arguments)], budget=budget)
    assert result.is_error is True
    assert result.structured_content is not None
    assert result.structured_content['error_type'] == 'input'
    assert expected in result.structured_content['message']
    assert fake.count() == 0
    assert budget.charged == []


def test_a_key_passed_as_an_argument_is_refused_never_used_nor_echoed(fake: FakeCoinGlass) -> None:
    agent_key = 'cg-agent-key-must-not-be-used-31ab'
    results = call_all(fake.url, [('liquidation_map', BTC_MAP | {'api_key': agent_key}), ('liquidation_map', BTC_MAP)])
    assert results[0].is_error is True
    assert 'api_key' in text_of(results[0])
    assert agent_key not in json.dumps([result.model_dump() for result in results])
    assert {request.headers.get('cg-api-key') for request in fake.requests} == {TEST_KEY}


@pytest.mark.parametrize(
    'arguments', [{'symbol': TEST_KEY}, BTC_MAP | {'range': TEST_KEY.upper()}], ids=['symbol', 'range']
)
def test_the_server_s_key_pasted_into_an_argument_is_hidden_in_the_refusal(
    fake: FakeCoinGlass, arguments: dict[str, Any]
) -> None:
    (result,) = call_all(fake.url, [('liquidation_map', arguments)])
    assert result.is_error is True
    assert '[hidden]' in text_of(result)
    assert TEST_KEY.lower() not in json.dumps(result.model_dump()).lower()


# --- charging ---------------------------------------------------------------------------------------------------------


def test_at_the_spending_limit_the_tool_says_so_instead_of_answering(fake: FakeCoinGlass) -> None:
    budget = Budget(max_usd=PRICES['LIQUIDATION_MAP'] * 2)
    results = call_all(fake.url, [('liquidation_map', BTC_MAP)] * 3, budget=budget)
    assert [result.is_error for result in results] == [False, False, True]
    assert text_of(results[2]).startswith('Not answered: this Actor run reached your spending limit')
    assert results[2].structured_content is None
    assert budget.charged == ['LIQUIDATION_MAP'] * 2
    assert fake.count(MAP_PATH) == 2  # the third was not even fetched


# --- one process, many callers ------------------------------------------------------------------------------------


async def test_identical_concurrent_calls_are_fetched_once_and_each_charged() -> None:
    """Five calls of one map at once (CoinGlass holds the answer until all five wait for it) make one request of it;
    a sixth with another output, made while they wait, joins too and is shaped as it asked."""
    seen, release = asyncio.Event(), asyncio.Event()
    requests: list[str] = []

    async def coinglass(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.path)
        if request.url.path == MAP_PATH:
            seen.set()
            await release.wait()
        status, body = default_response(request.url.path, dict(request.url.params))
        return httpx.Response(status, json=body, headers={'API-KEY-MAX-LIMIT': '300', 'API-KEY-USE-LIMIT': '1'})

    async with serving('https://cg.test', transport=httpx.MockTransport(coinglass)) as served:
        calls = [asyncio.create_task(served.call('liquidation_map', BTC_MAP)) for _ in range(5)]
        await seen.wait()
        rows = asyncio.create_task(served.call('liquidation_map', BTC_MAP | {'output': 'rows'}))
        while served.sharing.waiting < 6:
            await asyncio.sleep(0)
        assert served.sharing.in_flight == 1
        release.set()
        results = await asyncio.gather(*calls)
        full = await rows
        assert served.sharing.in_flight == 0
    assert [result.is_error for result in results] == [False] * 5
    assert len({json.dumps(result.structured_content) for result in results}) == 1
    assert served.budget.charged == ['LIQUIDATION_MAP'] * 6
    assert requests.count(MAP_PATH) == 1
    assert full.structured_content is not None
    assert full.structured_content['output'] == 'rows'  # its own output, not the first caller's
    assert full.structured_content['data'][0].keys() >= {'price', 'level_usd', 'side'}


async def test_lookups_and_reference_prices_are_shared_between_calls_for_a_while(fake: FakeCoinGlass) -> None:
    async with serving(fake.url) as served:
        for keyword in ('btc', 'eth', 'sol'):
            assert not (await served.call('search_symbols', {'keyword': keyword})).is_error
        for range_ in ('1d', '7d'):
            assert not (await served.call('liquidation_map', BTC_MAP | {'range': range_})).is_error
        served.clock.now += PRICE_TTL_S
        assert not (await served.call('liquidation_map', BTC_MAP | {'range': '30d'})).is_error
    assert fake.count(SUPPORTED_PAIRS_PATH) == 1
    assert fake.count(PRICE_PATH) == 2  # once for 1d and 7d, again once it had expired


def test_a_failed_lookup_is_forgotten_at_once(fake: FakeCoinGlass) -> None:
    fake.script(SUPPORTED_PAIRS_PATH, Reply(401, {'code': '401', 'msg': 'API key missing'}))
    results = call_all(fake.url, [('search_symbols', {'keyword': 'btc'})] * 3)
    assert [result.is_error for result in results] == [True, False, False]
    assert fake.count(SUPPORTED_PAIRS_PATH) == 2  # failed, asked again, then kept


# --- patience: a client gives up after 30 to 45 s ---------------------------------------------------------------------


async def test_a_call_gives_up_uncharged_when_the_key_is_held_longer_than_a_client_waits() -> None:
    """The limiter announces a long wait while a call is fetching: the call answers a rate-limit error naming the
    wait at once; calls made while the key is held fail before any request; after the wait they are answered."""
    seen, release = asyncio.Event(), asyncio.Event()
    requests: list[str] = []

    async def coinglass(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.path)
        seen.set()
        if request.url.path == MAP_PATH:
            await release.wait()
        status, body = default_response(request.url.path, dict(request.url.params))
        return httpx.Response(status, json=body, headers={'API-KEY-MAX-LIMIT': '300', 'API-KEY-USE-LIMIT': '1'})

    async with serving('https://cg.test', transport=httpx.MockTransport(coinglass)) as served:
        waiting = asyncio.create_task(served.call('liquidation_map', BTC_MAP))
        await seen.wait()
        wait = "the CoinGlass key's request budget is spent; waiting 48 s for its window to roll"
        await served.sharing.patience.on_long_wait(48.0, wait)
        gave_up = await waiting
        asked = len(requests)
        refused = await served.call('coin_liquidation_map', {'coin': 'ETH'})
        refused_asked = len(requests) - asked
        served.clock.now += 48.0
        release.set()
        answered = await served.call('liquidation_map', BTC_MAP)
    for result in (gave_up, refused):
        assert result.is_error is True
        assert result.structured_content is not None
        assert result.structured_content['error_type'] == 'rate_limited'
        assert 'longer than a tool call waits' in result.structured_content['message']
    assert 'waiting 48 s' in text_of(gave_up)
    assert 'call again in 48 s' in text_of(gave_up)
    assert refused_asked == 0
    assert answered.is_error is False
    assert served.budget.charged == ['LIQUIDATION_MAP']


async def test_the_shared_limiter_announcing_a_spent_budget_ends_the_waiting_call(fake: FakeCoinGlass) -> None:
    """Through the real limiter: a key of 3 requests a minute, of which a lone caller spends 2 (a 1 % margin, at
    least one request), serves one map (2 requests); the next call would wait about a minute for the window to
    roll, so it answers a rate-limit error at once instead, and is not charged; so does the one after it."""
    fake.budget_per_minute = 3
    async with serving(fake.url) as served:
        first = await served.call('liquidation_map', BTC_MAP)
        second = await served.call('coin_liquidation_map', {'coin': 'ETH'})
        third = await served.call('liquidation_max_pain', {})
    assert first.is_error is False
    for result in (second, third):
        assert result.is_error is True
        assert result.structured_content is not None
        assert result.structured_content['error_type'] == 'rate_limited'
        assert re.search(r'call again in \d+ s', result.structured_content['message'])
    assert served.budget.charged == ['LIQUIDATION_MAP']
    assert fake.too_many_requests == 0
    assert fake.count() == 2


def test_a_batch_run_never_loads_the_mcp_sdk_or_the_web_server() -> None:
    """The whole batch Actor in a fresh interpreter: the MCP SDK, Starlette, uvicorn and the tools stay unloaded."""
    run = run_in_fresh_python({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT'})
    loaded = sorted({'mcp', 'mcp_types', 'starlette', 'uvicorn', 'src.serve', 'src.tools'} & run.modules)
    assert not loaded, f'a batch run loaded {loaded}'
