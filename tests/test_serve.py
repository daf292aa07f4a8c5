"""The MCP server Actor end to end: the real `python -m src` in Actor Standby, MCP clients over streamable HTTP.

The readiness probe, initialize and the tool list on both protocol eras (the legacy one is what mcp.apify.com's
client speaks), every tool's answer against the batch Actor's for the same query with its charge in the SDK's
charging log, the error path, the run's spending limit, 20 concurrent callers, an agent that sees only the tool
list, the README's example, the Apify MCP server's own proxy code calling the tools, a server without a key, and a
clean stop on SIGTERM with a call in flight and on the platform's `aborting` and `migrating` events. The tools'
behaviour in detail is tested in process (test_tools.py).
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import httpx
import jsonschema
import pytest
from apify_tools import mcp_node, node_json, require_package
from conftest import ROOT, TEST_KEY, run_actor
from fake_coinglass import FakeCoinGlass
from mcp import Client
from mode_examples import EXAMPLES
from standby import READINESS_HEADER, StandbyServer, answer_lead

from src.modes import ENDPOINTS, Mode

if TYPE_CHECKING:
    from collections.abc import Iterator

    import mcp_types as types

pytestmark = pytest.mark.e2e
PROXY = Path(__file__).with_name('mcp_proxy.mjs')
BTC_MAP = {'symbol': 'Binance_BTCUSDT'}


# A span back from now ('30 days') is read on the real clock by the batch run and the server alike: pinned to
# dates, the same query says the same in both even when a minute turns between them.
PINNED_SPAN: Final = {'start_time': '2026-01-01', 'end_time': '2026-01-31'}


def tool_arguments(mode: Mode) -> dict[str, Any]:
    arguments = {name: value for name, value in EXAMPLES[mode].items() if name not in {'mode', 'charts'}}
    return arguments | PINNED_SPAN if arguments.get('start_time') == '30 days' else arguments


@pytest.fixture(scope='module')
def coinglass() -> Iterator[FakeCoinGlass]:
    with FakeCoinGlass() as fake:
        yield fake


@pytest.fixture(scope='module')
def server(coinglass: FakeCoinGlass, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandbyServer]:
    with StandbyServer(coinglass.url, tmp_path_factory.mktemp('standby') / 'storage') as standby:
        yield standby


async def call(url: str, name: str, arguments: dict[str, Any], mode: str = 'auto') -> types.CallToolResult:
    """One call on a client of its own, as mcp.apify.com makes every call."""
    async with Client(url, mode=mode) as client:
        return await client.call_tool(name, arguments)


def text_of(result: types.CallToolResult) -> str:
    (content,) = result.content
    assert content.type == 'text'
    return content.text


def test_the_readiness_probe_and_a_visitor_are_answered_and_any_host_is_served(server: StandbyServer) -> None:
    probe = httpx.get(server.root_url, headers={READINESS_HEADER: '1'})
    assert (probe.status_code, probe.text) == (200, 'ok')
    visitor = httpx.get(server.root_url)
    assert visitor.status_code == 200
    assert '/mcp' in visitor.text
    initialize = {
        'jsonrpc': '2.0',
        'id': 1,
        'method': 'initialize',
        'params': {'protocolVersion': '2025-06-18', 'capabilities': {}, 'clientInfo': {'name': 't', 'version': '1'}},
    }
    headers = {'Host': 'abcdef.apify.actor', 'Accept': 'application/json, text/event-stream'}
    answer = httpx.post(server.url, json=initialize, headers=headers)  # as it arrives through the Standby hostname
    assert answer.status_code == 200, answer.text
    assert answer.json()['result']['serverInfo']['name'] == 'coinglass-liquidations'


@pytest.mark.parametrize('protocol', ['auto', 'legacy'])
async def test_initialize_and_list_the_tools(server: StandbyServer, protocol: str) -> None:
    async with Client(server.url, mode=protocol) as client:
        listed = (await client.list_tools()).tools
        version = client.protocol_version
    assert version == ('2025-11-25' if protocol == 'legacy' else '2026-07-28')
    assert [tool.name for tool in listed] == [str(mode) for mode in Mode]
    for tool in listed:
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        jsonschema.validate(tool_arguments(Mode(tool.name)), tool.input_schema)
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True


async def test_every_tool_answers_the_batch_envelope_and_is_charged_once(
    server: StandbyServer, coinglass: FakeCoinGlass, tmp_path: Path
) -> None:
    async with Client(server.url) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    queries = [
        {'mode': str(mode), 'output': listed[str(mode)].input_schema['properties']['output']['default']}
        | tool_arguments(mode)
        for mode in Mode
    ]
    batch = run_actor({'queries': queries}, coinglass.url, tmp_path / 'batch', ppe=True)
    assert batch.exit_code == 0, batch.log[-3000:]
    before = server.charges()
    results = [await call(server.url, str(mode), tool_arguments(mode)) for mode in Mode]
    items = sorted(batch.items, key=lambda item: item['query_index'])
    for mode, result, item in zip(Mode, results, items, strict=True):
        assert result.is_error is False, text_of(result)
        expected = {name: value for name, value in item.items() if name != 'query_index'}
        assert result.structured_content == expected, mode
        assert text_of(result).partition('\n')[0] == answer_lead(item)
    charged = [charge['event_name'] for charge in batch.charges]  # empty answers (relative spans) are free
    assert len(charged) >= 7
    assert sorted(server.charges()[len(before) :]) == sorted(charged)


async def test_a_failure_is_a_tool_error_with_the_batch_message_and_no_charge(
    server: StandbyServer, coinglass: FakeCoinGlass, tmp_path: Path
) -> None:
    coinglass.plan = 'STARTUP'
    try:
        batch = run_actor({'mode': 'liquidation_map', 'output': 'summary', **BTC_MAP}, coinglass.url, tmp_path / 'b')
        before = server.charges()
        result = await call(server.url, 'liquidation_map', BTC_MAP, mode='legacy')
    finally:
        coinglass.plan = 'PROFESSIONAL'
    assert result.is_error is True
    assert result.structured_content == batch.item
    assert batch.item['error_type'] == 'plan'
    assert text_of(result).partition('\n')[0] == batch.item['message']
    assert server.charges() == before
    refused = await call(server.url, 'liquidation_map', {'symbol': 'Binance_BTCUSDT', 'range': '2d'})
    assert refused.is_error is True
    assert refused.structured_content is not None
    assert refused.structured_content['error_type'] == 'input'
    assert server.charges() == before


async def test_twenty_concurrent_callers_are_all_answered_and_each_charged(
    server: StandbyServer, coinglass: FakeCoinGlass
) -> None:
    # The modes whose example has data whatever the clock says (the fake's history and orders lie around its "now").
    dated = {Mode.SEARCH_SYMBOLS, Mode.PAIR_LIQUIDATION_HISTORY, Mode.LIQUIDATION_ORDERS}
    modes = [mode for mode in Mode if mode not in dated]
    calls = [modes[index % len(modes)] for index in range(20)]
    before = server.charges()
    coinglass.reset()
    coinglass.latency_s = 0.05
    try:
        results = await asyncio.gather(*(call(server.url, str(mode), tool_arguments(mode)) for mode in calls))
    finally:
        coinglass.latency_s = 0.0
    assert [result.is_error for result in results] == [False] * 20, [text_of(r) for r in results if r.is_error]
    assert sorted(server.charges()[len(before) :]) == sorted(mode.event_name for mode in calls)
    maps = [
        result.structured_content for mode, result in zip(calls, results, strict=True) if mode is Mode.LIQUIDATION_MAP
    ]
    assert len(maps) == 3
    assert all(envelope == maps[0] for envelope in maps)  # identical calls, identical answers (fetched once or not)


# --- an agent that sees only the tool list ------------------------------------------------------------------------


STOP_WORDS = {'the', 'are', 'on', 'in', 'of', 'a', 'an', 'right', 'now', 'had', 'last', 'most', 'which', 'biggest'}
QUOTES = ('USDT', 'USDC', 'USD')


def words(text: str) -> set[str]:
    """Lower-case word stems (their first 6 letters): `liquidations` and `liquidated` are one word."""
    return {word[:6] for word in re.findall(r'[a-z0-9]+', text.lower()) if word not in STOP_WORDS}


class Agent:
    """An agent as simple as can be: it knows nothing but the tool list.

    It picks the tools whose name, title and description share the most words with the question, and among them the
    one whose required arguments use the most of what the question names (a coin in capitals, an exchange the tool
    list names in a list or an example); it fills each argument from the question (a value of an argument's enum the question states, a pair
    in the form of the argument's example) and makes one call.
    """

    def __init__(self, tools: list[types.Tool]) -> None:
        self.tools = tools
        text = ' '.join(json.dumps(tool.input_schema) for tool in tools)
        self.exchanges = set(re.findall(r'\b([A-Z][A-Za-z]+)(?:, |_)', text))  # in lists, and pairs' examples

    def plan(self, question: str) -> tuple[str, dict[str, Any]]:
        asked = words(question)
        normalized = re.sub(r'(\d+) hours?', r'\1h', re.sub(r'(\d+) days?', r'\1d', question))
        coin = next(iter(re.findall(r'\b([A-Z]{2,5})\b', question)), None)
        exchange = next((word for word in re.findall(r'\b[A-Z][a-z]+\b', question) if word in self.exchanges), None)
        candidates = []
        for tool in self.tools:
            overlap = len(asked & words(f'{tool.name} {tool.title} {tool.description}'))
            arguments = self.fill(tool, normalized, coin, exchange)
            if arguments is None:
                continue
            used = sum(entity is not None and entity in json.dumps(arguments) for entity in (coin, exchange))
            candidates.append((overlap, used, tool.name, arguments))
        _overlap, _used, name, arguments = max(candidates)
        return name, arguments

    @staticmethod
    def fill(tool: types.Tool, question: str, coin: str | None, exchange: str | None) -> dict[str, Any] | None:
        """The arguments the question gives the tool, or None when it cannot fill a required one."""
        arguments: dict[str, Any] = {}
        for name, prop in tool.input_schema['properties'].items():
            stated = [value for value in prop.get('enum', ()) if re.search(rf'\b{re.escape(value)}\b', question)]
            example = str((prop.get('examples') or [''])[0])
            pair = re.fullmatch(r'([A-Za-z]+)_([A-Z]+?)(' + '|'.join(QUOTES) + ')', example)
            if stated and name != 'output':
                arguments[name] = stated[0]
            elif pair and coin and exchange:
                arguments[name] = f'{exchange}_{coin}{pair.group(3)}'
            elif name == 'coin' and coin:
                arguments[name] = coin
            elif name == 'exchange' and exchange:
                arguments[name] = exchange
        if not set(tool.input_schema.get('required', ())) <= set(arguments):
            return None
        return arguments


@pytest.mark.parametrize(
    ('question', 'tool', 'arguments'),
    [
        pytest.param(
            'Where are the biggest BTC long liquidation clusters on Binance right now?',
            'liquidation_map',
            {'symbol': 'Binance_BTCUSDT'},
            id='clusters',
        ),
        pytest.param(
            'Which exchanges had the most liquidations in the last 4 hours?',
            'liquidation_exchange_list',
            {'range': '4h'},
            id='exchanges',
        ),
    ],
)
async def test_an_agent_given_only_the_tool_list_answers_in_one_call(
    server: StandbyServer, question: str, tool: str, arguments: dict[str, Any]
) -> None:
    async with Client(server.url, mode='legacy') as client:
        agent = Agent((await client.list_tools()).tools)
        name, planned = agent.plan(question)
        result = await client.call_tool(name, planned)
    assert (name, planned) == (tool, arguments)
    assert result.is_error is False, text_of(result)
    summary = (result.structured_content or {})['summary']
    headline = text_of(result).partition('\n')[0]
    assert headline == summary['headline']
    if tool == 'liquidation_map':  # the answer: the largest long cluster below the price, in the headline too
        largest = max(summary['largest_below'], key=lambda level: level['level_usd'])
        assert largest['price'] < summary['reference_price']
        assert headline.startswith('$81.4M of long liquidation levels below 95,000')
        assert f'{largest["price"]:,.0f}' in headline
    else:
        assert summary['exchanges'][0]['exchange'] in headline


def test_the_readme_example_prints_the_headline(server: StandbyServer) -> None:
    readme = (ROOT / 'mcp-server' / 'README.md').read_text()
    example = re.search(r'```python\n(.*?)```', readme, re.DOTALL)
    assert example is not None
    url = 'https://<publisher>--coinglass-liquidation-mcp.apify.actor/mcp'
    assert url in example.group(1)
    code = example.group(1).replace(url, server.url)
    completed = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith('$81.4M of long liquidation levels below 95,000')


# --- mcp.apify.com's own proxy code ---------------------------------------------------------------------------------


def test_the_apify_mcp_servers_proxy_lists_validates_and_calls_the_tools(server: StandbyServer) -> None:
    require_package('@apify/actors-mcp-server', 'MCP_SERVER_VERSION')
    calls = [
        {'tool': 'liquidation_map', 'arguments': BTC_MAP},
        {'tool': 'liquidation_map', 'arguments': BTC_MAP | {'range': None, 'unknown': 1}},
        {'tool': 'liquidation_orders', 'arguments': {'coin': 'BTC'}},
    ]
    proxied = node_json([mcp_node(), str(PROXY), server.url], calls, timeout=90)
    names = [tool['name'] for tool in proxied['tools']]
    assert names == [f'publisher--coinglass-liquidation-mcp--{mode}' for mode in Mode]
    assert all(len(name) <= 64 for name in names)
    assert all(tool['annotations']['readOnlyHint'] is True for tool in proxied['tools'])
    answered, coerced, missing = proxied['calls']
    assert answered['result']['isError'] is False
    assert answered['result']['text'].startswith('$81.4M of long liquidation levels below 95,000')
    # The proxy turns an agent's null into "" and drops an unknown argument; "" is not a range, so it refuses.
    assert coerced['valid'] is False
    assert coerced['sent'] == BTC_MAP | {'range': ''}
    assert missing['valid'] is False
    assert 'exchange' in json.dumps(missing['errors'])


# --- stopping ------------------------------------------------------------------------------------------------------


async def call_listed(url: str, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
    """A call by a client that has listed the tools (the SDK's client lists them after a call otherwise, to check
    the answer against the tool's output schema, and that request would meet a stopped server)."""
    async with Client(url, mode='legacy') as client:
        await client.list_tools()
        return await client.call_tool(name, arguments)


async def test_sigterm_lets_the_call_in_flight_finish_then_the_actor_exits_cleanly(tmp_path: Path) -> None:
    with FakeCoinGlass(latency_s=1.0) as fake, StandbyServer(fake.url, tmp_path / 'storage') as server:
        in_flight = asyncio.create_task(call_listed(server.url, 'liquidation_max_pain', {}))
        while fake.count() == 0:  # the call has reached CoinGlass
            await asyncio.sleep(0.02)
        server.terminate()
        result = await in_flight
        exit_code = await asyncio.to_thread(server.wait)
        with pytest.raises(httpx.ConnectError):
            httpx.get(server.root_url, headers={READINESS_HEADER: '1'})
    assert result.is_error is False, text_of(result)
    assert exit_code == 0, server.log
    assert server.charges() == ['LIQUIDATION_MAX_PAIN']
    assert 'Stopping: the calls in flight may finish' in server.log
    assert 'Exiting Actor' in server.log
    assert 'Traceback' not in server.log
    assert TEST_KEY not in server.log


def test_a_server_without_a_key_serves_and_answers_every_call_with_an_auth_error(tmp_path: Path) -> None:
    with FakeCoinGlass() as fake, StandbyServer(fake.url, tmp_path / 'storage', COINGLASS_API_KEY='') as server:
        result = asyncio.run(call(server.url, 'liquidation_map', BTC_MAP))
        assert fake.count() == 0
    assert result.is_error is True
    assert result.structured_content is not None
    assert result.structured_content['error_type'] == 'auth'
    assert 'COINGLASS_API_KEY' in text_of(result)


async def test_at_the_runs_spending_limit_the_sdk_stops_the_charges_and_the_tool_says_so(tmp_path: Path) -> None:
    """The SDK's own pay-per-event accounting: room for two maps ($0.01 each), so the third is not answered."""
    with (
        FakeCoinGlass() as fake,
        StandbyServer(fake.url, tmp_path / 'storage', ACTOR_MAX_TOTAL_CHARGE_USD='0.025') as server,
    ):
        results = [await call(server.url, 'liquidation_map', BTC_MAP) for _ in range(3)]
        cheaper = await call(server.url, 'liquidation_exchange_list', {'range': '4h'})  # $0.002 still fits
        map_requests = fake.count(ENDPOINTS[Mode.LIQUIDATION_MAP].path)
    assert [result.is_error for result in results] == [False, False, True]
    assert text_of(results[2]).startswith('Not answered: this Actor run reached your spending limit')
    assert cheaper.is_error is False
    assert server.charges() == ['LIQUIDATION_MAP', 'LIQUIDATION_MAP', 'LIQUIDATION_EXCHANGE_LIST']
    assert map_requests == 2


PLATFORM_EVENT = """
import asyncio, sys
import httpx
from apify import Actor, Event
from crawlee.events import EventAbortingData, EventMigratingData
from src.main import _route_package_logs
from src.serve import serve_standby
from src.settings import Settings

EVENTS = {'aborting': (Event.ABORTING, EventAbortingData()), 'migrating': (Event.MIGRATING, EventMigratingData())}


async def emit_when_ready(event, data):
    url = f'http://127.0.0.1:{Actor.configuration.web_server_port}/'
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(url)).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
    Actor.event_manager.emit(event=event, event_data=data)


async def main():
    async with Actor:
        _route_package_logs()
        emitting = asyncio.create_task(emit_when_ready(*EVENTS[sys.argv[1]]))
        settings, _ = Settings.load()
        await serve_standby(settings)
        await emitting
        print('served until the event')


asyncio.run(main())
"""


@pytest.mark.parametrize('event', ['aborting', 'migrating'])
def test_the_platforms_aborting_and_migrating_events_stop_the_server_cleanly(tmp_path: Path, event: str) -> None:
    """The platform's events cannot be sent to a local run, so the SDK's event manager emits them in the process."""
    with FakeCoinGlass() as fake:
        server = StandbyServer(fake.url, tmp_path / 'storage')
        completed = subprocess.run(
            [server.python, '-c', PLATFORM_EVENT, event],  # the interpreter and environment the server would have
            cwd=ROOT,
            env=server.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    log = completed.stdout + completed.stderr
    assert completed.returncode == 0, log
    assert 'Stopping: the calls in flight may finish' in log
    assert 'served until the event' in log
    assert 'Exiting Actor' in log
