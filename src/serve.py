"""Actor Standby: the modes as MCP tools over streamable HTTP at `/mcp`, and the platform's readiness probe at `/`.

`src.main` imports this module only when the run's origin is Standby, so a batch run never loads the MCP SDK,
Starlette or uvicorn. One process serves every caller: one CoinGlass client and one shared-key limiter, the caches
and in-flight queries of `src.sharing`, and `src.tools` for each call. Sessions are stateless (mcp.apify.com opens
a client for every call), so an idle caller holds nothing here; uvicorn closes idle keep-alive connections after 5 s.

The server stops on SIGTERM or SIGINT, and on the platform's `aborting` (the run is stopped, reaches its spending
limit, or Standby retires an idle run) and `migrating` events: it takes no new connections, lets the calls in flight
finish for up to `GRACE_S`, cancels the rest, closes the client, and returns to `src.main`, whose `async with Actor`
then exits cleanly. uvicorn's own signal handling is off: it re-raises SIGTERM after its shutdown, which would end
the process before the Actor's exit ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING, Any, Final

import mcp_types as types
import uvicorn
from apify import Actor, Event
from mcp.server import Server
from mcp.server.transport_security import TransportSecuritySettings
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from src.app import coinglass_client
from src.sharing import Patience, Sharing
from src.tools import TOOLS, ToolDesk

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mcp.server import ServerRequestContext
    from starlette.applications import Starlette
    from starlette.requests import Request

    from src.settings import Settings

logger = logging.getLogger(__name__)

MCP_PATH: Final = '/mcp'
READINESS_HEADER: Final = 'x-apify-container-server-readiness-probe'
GRACE_S: Final = 20.0  # calls in flight may finish this long; the platform stops the run 30 s after `aborting`
SERVER_NAME: Final = 'coinglass-liquidations'
INSTRUCTIONS: Final = (
    'CoinGlass futures liquidation data, one tool per kind of data. Each call is one answer: a headline sentence '
    'and the summary figures (output "summary", the default), or the data too (output "full" or "rows", up to a '
    'size cap). Pairs are Exchange_PAIR (Binance_BTCUSDT); search_symbols finds them. Each answer with data is '
    'charged its price; failures and empty answers are free.'
)
NO_KEY: Final = (
    'The server has no CoinGlass API key: its publisher sets it in the environment variable COINGLASS_API_KEY. '
    'No request was made.'
)


class ActorCharger:
    """The run's pay-per-event budget through the Apify SDK (`Actor.charge`)."""

    def exhausted(self, event: str) -> bool:
        """Whether the run's spending limit leaves no room for one more `event`."""
        return Actor.get_charging_manager().is_event_charge_limit_reached(event)

    async def charge(self, event: str) -> bool:
        """Charge one `event`; False when the limit left no room (nothing charged). Without pay-per-event, True."""
        result = await Actor.charge(event, count=1)
        return result.charged_count > 0 or not result.event_charge_limit_reached


def mcp_server(desk: ToolDesk) -> Server[Any]:
    """The MCP server: `tools/list` lists `TOOLS`, `tools/call` answers through `desk` (never a protocol error)."""
    tools = [
        types.Tool(
            name=tool.name,
            title=tool.title,
            description=tool.description,
            input_schema=dict(tool.input_schema),
            annotations=types.ToolAnnotations(
                title=tool.title, read_only_hint=True, destructive_hint=False, open_world_hint=True
            ),
        )
        for tool in TOOLS.values()
    ]

    async def list_tools(
        _ctx: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(_ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            answer = await desk.call(params.name, params.arguments)
        except Exception:  # a bug of ours: the caller gets a tool error, not a protocol error
            logger.exception('Tool %s failed', params.name)
            text = f'{params.name} failed with an internal error. Nothing was charged. This is a bug; please report it.'
            return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)
        return types.CallToolResult(
            content=[types.TextContent(text=answer.text)],
            structured_content=None if answer.envelope is None else dict(answer.envelope),
            is_error=answer.is_error,
        )

    return Server(
        SERVER_NAME, version='1.0.0', instructions=INSTRUCTIONS, on_list_tools=list_tools, on_call_tool=call_tool
    )


def web_app(server: Server[Any]) -> Starlette:
    """The ASGI app: MCP at `MCP_PATH` (stateless, JSON replies) and the readiness probe at `/`.

    Any Host is taken: on the platform requests come through the Standby hostname (`*.apify.actor`), which the
    SDK's localhost-only DNS-rebinding protection would refuse with 421.
    """
    return server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        custom_starlette_routes=[Route('/', _root, methods=['GET', 'HEAD'])],
    )


async def _root(request: Request) -> PlainTextResponse:
    """The platform's readiness probe (answered at once), or a pointer to the MCP endpoint for a person."""
    if READINESS_HEADER in request.headers:
        return PlainTextResponse('ok')
    return PlainTextResponse(f'CoinGlass liquidation data as MCP tools: connect an MCP client to {MCP_PATH}.\n')


class _Uvicorn(uvicorn.Server):
    """uvicorn without its signal handling: `serve_standby` stops it by `should_exit`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_standby(settings: Settings) -> None:
    """Serve the tools on the Actor's web server port until a stop signal or event, then stop cleanly."""
    api_key = settings.api_key.get_secret_value().strip() if settings.api_key else ''
    patience = Patience()
    client = coinglass_client(api_key, settings, None, asyncio.sleep, patience.on_long_wait)
    sharing = Sharing(client, patience=patience)
    desk = ToolDesk(sharing, charger=ActorCharger(), unavailable=None if api_key else NO_KEY)
    host = '0.0.0.0' if Actor.is_at_home() else '127.0.0.1'  # noqa: S104 - the platform routes to the container
    port = Actor.configuration.web_server_port
    config = uvicorn.Config(
        web_app(mcp_server(desk)),
        host=host,
        port=port,
        log_level='warning',
        access_log=False,
        timeout_graceful_shutdown=int(GRACE_S),
    )
    server = _Uvicorn(config)

    def stop(*_args: Any) -> None:
        if not server.should_exit:
            logger.info('Stopping: the calls in flight may finish for %.0f s.', GRACE_S)
        server.should_exit = True

    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop)
    Actor.on(Event.ABORTING, stop)
    Actor.on(Event.MIGRATING, stop)
    logger.info('Serving %d tools over MCP at http://%s:%d%s', len(TOOLS), host, port, MCP_PATH)
    try:
        await server.serve()
    finally:
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signal_number)
        sharing.close()
        await client.aclose()
    logger.info('Stopped serving.')
