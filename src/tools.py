"""The modes as MCP tools: one tool per mode, named as the mode; one call is one query through the pipeline.

`TOOLS` describes each tool from the tables: its input schema (`src.schema.mode_schema`: the fields the mode reads,
`output` defaulting to the summary), its title (the event's), and a description of what its data tells (the endpoint
row's `answers`), what an answer holds, the CoinGlass plan it needs and its price (`.actor/pay_per_event.json`).

`ToolDesk.call(name, arguments)` refuses arguments the tool does not offer, and reads the rest as the batch reads
its input (a null is an argument not given; a time may be epoch ms as a number, `exchanges` one name as a string):
of `{"mode": name, "output": <the tool's default>, **arguments}` it makes the query the batch Actor would make, runs
it through `src.pipeline.execute` with the fetcher every call shares (`src.sharing`), charges the mode's event for
an answer with data, and returns a `ToolAnswer`: the query's envelope (the batch's dataset item), and a text that
leads with the headline and what the message adds to it (or the failure's message) followed by the envelope as
compact JSON. A failure answers as an error with the batch's message and `error_type`; nothing is charged for it,
for an empty answer, or for data over `MAX_DATA_BYTES` (refused: the batch Actor stores data of any size). This
module knows nothing of MCP or Apify: `src.serve` puts it on the wire and passes in the charging.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Protocol

from src.app import refusal
from src.errors import ErrorType
from src.fields import FIELD, meant_fields
from src.inputs import InputError, parse_run_input
from src.kinds import spec_of
from src.modes import ENDPOINTS, Mode
from src.pipeline import NOT_CHARGED, execute, ways_to_ask_for_less
from src.run import json_size
from src.schema import mode_schema

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from src.query import Query
    from src.result import QueryResult
    from src.sharing import Sharing

logger = logging.getLogger(__name__)

ACTOR_DIR: Final = Path(__file__).resolve().parent.parent / '.actor'
MAX_DATA_BYTES: Final = 256 * 1024  # the data one tool answer carries at most, as JSON
MAX_DESCRIPTION: Final = 500  # the Apify MCP server cuts longer descriptions


@dataclass(frozen=True)
class Tool:
    """One mode as an MCP tool.

    Attributes:
        mode: The mode; the tool's name is the mode's.
        title: The event's title (`Pair liquidation map`).
        description: What it returns, the CoinGlass plan it needs and its price, under `MAX_DESCRIPTION` characters.
        input_schema: The JSON schema of its arguments.
        event: The pay-per-event event an answer with data is charged.
    """

    mode: Mode
    title: str
    description: str
    input_schema: Mapping[str, Any]
    event: str

    @property
    def name(self) -> str:
        """The tool's name: its mode's."""
        return str(self.mode)


def _tools() -> Mapping[str, Tool]:
    events = json.loads((ACTOR_DIR / 'pay_per_event.json').read_text(encoding='utf-8'))
    tools = {}
    for mode in Mode:
        event = events[mode.event_name]
        tools[str(mode)] = Tool(
            mode, event['eventTitle'], describe(mode, event), MappingProxyType(mode_schema(mode)), mode.event_name
        )
    return MappingProxyType(tools)


def describe(mode: Mode, event: Mapping[str, Any]) -> str:
    """A tool's description: what its data tells (the endpoint row), what an answer holds, the plan and the price.

    `event` is the mode's entry in `.actor/pay_per_event.json` (`eventPriceUsd`, USD per answer with data).
    """
    endpoint, cap = ENDPOINTS[mode], f'{MAX_DATA_BYTES // 1024} KB'
    if spec_of(mode).summarize is not None:
        holds = (
            'Answers with a headline sentence and the summary figures; output full or rows adds the data '
            f'(up to {cap}).'
        )
    else:
        holds = f'Answers with the data (up to {cap}).'
    return (
        f'{endpoint.answers[:1].upper()}{endpoint.answers[1:]}. {holds} Needs the CoinGlass {endpoint.plan.title} '
        f'plan. ${event["eventPriceUsd"]:g} per answer with data; failures and empty answers are free.'
    )


def batch_actor_name() -> str:
    """The batch Actor's name (`.actor/actor.json`), which the answers point to for data over the cap."""
    name: str = json.loads((ACTOR_DIR / 'actor.json').read_text(encoding='utf-8'))['name']
    return name


TOOLS: Final = _tools()
"""Every tool by name, in the modes' order."""


@dataclass(frozen=True)
class ToolAnswer:
    """What one tool call answers.

    Attributes:
        text: The headline and what the message adds (or the message of a failure) on the first line, then the
            envelope as compact JSON.
        envelope: The query's envelope, the batch's dataset item for the same query; None when the call was not
            answered (the spending limit).
        is_error: Whether the call failed (or was not answered).
    """

    text: str
    envelope: Mapping[str, Any] | None
    is_error: bool


class Charger(Protocol):
    """The caller's pay-per-event budget (the Actor's in `src.serve`)."""

    def exhausted(self, event: str) -> bool:
        """Whether the caller's spending limit leaves no room for one more `event`."""

    async def charge(self, event: str) -> bool:
        """Charge one `event`; False when the spending limit is reached and nothing was charged."""


class ToolDesk:
    """Answers tool calls, every one through the same `Sharing` (one client, one limiter, shared caches)."""

    def __init__(
        self,
        sharing: Sharing | None,
        *,
        charger: Charger,
        unavailable: str | None = None,
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        """`unavailable` is why every call fails with an auth error (no key); `sharing` may then be None."""
        self._sharing = sharing
        self._charger = charger
        self._unavailable = unavailable
        self._now_ms = now_ms

    async def call(self, name: str, arguments: Mapping[str, Any] | None) -> ToolAnswer:
        """Answer one call of the tool `name`; never raises for the call's own trouble."""
        tool = TOOLS.get(name)
        if tool is None:
            known = ', '.join(TOOLS)
            return _failed(refusal({}, f'There is no tool {name[:60]!r}: the tools are {known}.', ErrorType.INPUT))
        now_ms = self._now_ms()
        query = self._query(tool, dict(arguments or {}), now_ms)
        if isinstance(query, ToolAnswer):
            return query
        if self._unavailable is not None or self._sharing is None:
            return _failed(refusal({**query.echo, 'mode': name}, self._unavailable or '', ErrorType.AUTH))
        if self._charger.exhausted(tool.event):
            return _limit_reached(tool)
        result = _capped(query, await execute(self._sharing.fetcher(now_ms), query))
        if not result.success:
            return _failed(result)
        if result.event is not None and not await self._charger.charge(result.event):
            return _limit_reached(tool)
        return _answer(result)

    def _query(self, tool: Tool, arguments: dict[str, Any], now_ms: int) -> Query | ToolAnswer:
        """The call's query, or the refusal of arguments the tool does not take (as the batch words it).

        Agents often send null for an argument they leave out: it is dropped, so the tool's default applies (for
        `output`, the tool's own, not the batch's).
        """
        offered = tool.input_schema['properties']
        unknown = sorted(str(name) for name in arguments if name not in offered)
        given = {name: value for name, value in arguments.items() if name in offered and value is not None}
        raw = {'mode': tool.name, **given}
        if unknown:
            return _failed(refusal(raw, _unknown_message(tool, unknown[0]), ErrorType.INPUT))
        try:
            (query,) = parse_run_input({'output': offered['output']['default'], **raw}, now_ms=now_ms).queries
        except InputError as error:
            return _failed(refusal(raw, str(error), ErrorType.INPUT))
        return query


def _unknown_message(tool: Tool, name: str) -> str:
    offered = list(tool.input_schema['properties'])
    meant = [] if name in FIELD else meant_fields(name, offered)  # a batch field the tool does not take: no twin
    hint = f" (did you mean '{meant[0]}'?)" if meant else ''
    return (
        f"Input field '{name[:60]}' is not an argument of {tool.name}{hint}: it takes {', '.join(offered)}. "
        'No request was made.'
    )


def _capped(query: Query, result: QueryResult) -> QueryResult:
    """The result, or its failure when its data is more than a tool answer carries (not charged)."""
    size = json_size(result.data) if result.success and result.data is not None else 0
    if size <= MAX_DATA_BYTES:
        return result
    what = f'{ENDPOINTS[query.mode].label} for {spec_of(query.mode).subject(query)}'
    message = (
        f'Could not answer with the {what}: its data is {size / 1024:,.0f} KB of JSON, more than the '
        f'{MAX_DATA_BYTES // 1024} KB a tool answer carries. {NOT_CHARGED} Ask for less ('
        f'{ways_to_ask_for_less(query.mode)}), or run the batch Actor {batch_actor_name()}, which stores data of any '
        'size.'
    )
    return dataclasses.replace(
        result, success=False, message=message, data=None, summary=None, event=None, error_type=ErrorType.INPUT
    )


def _answer(result: QueryResult) -> ToolAnswer:
    """A success: its headline and what its message adds to its first sentence, then its envelope.

    The first sentence (`Fetched liquidation map for ...: 60 price levels.`) is left out; what follows it is why an
    answer is empty, or what a derived map is, which an agent reading the first line must see.
    """
    envelope = result.item()  # scrubbed of secrets: the text is made of it alone
    headline, message = (envelope.get('summary') or {}).get('headline'), envelope['message']
    lead = ' '.join(part for part in (headline, message.partition('. ')[2]) if part) or message
    logger.info('%s answered (%s): %s', result.mode, result.event or 'free', lead)
    return ToolAnswer(_text(lead, envelope), envelope, is_error=False)


def _failed(result: QueryResult) -> ToolAnswer:
    """A failure: its message, then its envelope (with `error_type`)."""
    envelope = result.item()  # scrubbed of secrets: the text is made of it alone
    logger.info('%s failed (%s): %s', result.mode or 'A call', result.error_type, envelope['message'])
    return ToolAnswer(_text(envelope['message'], envelope), envelope, is_error=True)


def _limit_reached(tool: Tool) -> ToolAnswer:
    message = (
        f'Not answered: this Actor run reached your spending limit, so {tool.name} was not answered or charged. '
        'Raise the maximum cost per run to call it again.'
    )
    logger.warning(message)
    return ToolAnswer(message, None, is_error=True)


def _text(lead: str, envelope: Mapping[str, Any]) -> str:
    return f'{lead}\n{json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)}'
