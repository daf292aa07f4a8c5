"""The notification of fired alerts: one JSON POST to the input's `notify_url` (a Slack or Discord webhook, or any).

The body is `{"text": <one line per alert>, "content": <the same, cut to Discord's 2000 characters>, "alerts":
[...]}`: Slack's incoming webhooks read `text`, Discord's read `content`, anything else can read the structured
`alerts`, within a size budget (a run of 1,000 queries with 50 rules each does not make a 16 MB body). It is retried
briefly (NOTIFY_ATTEMPTS tries, NOTIFY_BACKOFF_S apart, doubling) on a connection failure, a timeout, HTTP 429 or
5xx, all within NOTIFY_DEADLINE_S: a webhook that answers a byte at a time holds a run no longer than that. A
notification that fails is reported (`Notification`) and logged without the URL, and never fails the run: the URL
is a secret and appears in no log, item, record or message.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import httpx

from src.output import fitting
from src.scrub import scrub_value

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

logger = logging.getLogger(__name__)

NOTIFY_ATTEMPTS: Final = 3
NOTIFY_BACKOFF_S: Final = 1.0
NOTIFY_TIMEOUT_S: Final = 5.0  # one try, connection to the end of the answer's headers
NOTIFY_DEADLINE_S: Final = 18.0  # every try and wait together: inside an MCP call's 30 s
DISCORD_MAX_CHARS: Final = 2000
TEXT_MAX_CHARS: Final = 35_000  # Slack shows up to 40,000 characters of `text`
ALERTS_MAX_BYTES: Final = 256 * 1024  # the structured `alerts`, at most this much JSON
USER_AGENT: Final = 'apify-coinglass-liquidation-actor/1.0 (+https://apify.com)'


@dataclass(frozen=True)
class Notification:
    """How the notification went: sent or not, after how many attempts, and why not (never the URL)."""

    sent: bool
    attempts: int
    alerts: int
    error: str | None = None

    def as_record(self) -> dict[str, Any]:
        """For the `OUTPUT` record."""
        return {'sent': self.sent, 'attempts': self.attempts, 'alerts': self.alerts, 'error': self.error}


def message(alerts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The body: a line per alert as `text` (Slack) and `content` (Discord), and the structured `alerts`.

    Within its budget: `text` TEXT_MAX_CHARS, `content` DISCORD_MAX_CHARS, `alerts` ALERTS_MAX_BYTES of JSON; what
    did not fit is counted (`left_out`) and said on the last line.
    """
    kept = fitting(alerts, ALERTS_MAX_BYTES)
    lines: list[str] = []
    size = 0
    for alert in alerts:
        line = f'🔔 {alert["text"]}'
        size += len(line) + 1
        if size > TEXT_MAX_CHARS - 100:
            break
        lines.append(line)
    if len(lines) < len(alerts):
        lines.append(f"… and {len(alerts) - len(lines):,} more alerts: see the run's OUTPUT record.")
    text = '\n'.join(lines)
    content = text if len(text) <= DISCORD_MAX_CHARS else text[: DISCORD_MAX_CHARS - 1] + '…'
    return {'text': text, 'content': content, 'alerts': list(kept), 'left_out': len(alerts) - len(kept)}


async def notify(
    url: str,
    alerts: Sequence[Mapping[str, Any]],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Notification:
    """POST the alerts to `url`, retrying briefly what can recover, all within NOTIFY_DEADLINE_S.

    Each try has NOTIFY_TIMEOUT_S from the connection to the end of the answer's headers (the answer's body is
    not read). Never raises (but on cancellation).
    """
    body = scrub_value(message(alerts))
    outcome = _Tries()
    try:
        async with asyncio.timeout(NOTIFY_DEADLINE_S):
            await _post(url, body, outcome, transport, sleep)
    except TimeoutError:
        outcome.error = f'no answer within the {NOTIFY_DEADLINE_S:g} s the notification may take'
    return Notification(sent=outcome.sent, attempts=outcome.attempts, alerts=len(alerts), error=outcome.error)


@dataclass
class _Tries:
    sent: bool = False
    attempts: int = 0
    error: str | None = None


async def _post(
    url: str,
    body: Mapping[str, Any],
    tries: _Tries,
    transport: httpx.AsyncBaseTransport | None,
    sleep: Callable[[float], Awaitable[None]],
) -> None:
    async with httpx.AsyncClient(
        timeout=NOTIFY_TIMEOUT_S, transport=transport, headers={'User-Agent': USER_AGENT}
    ) as client:
        for attempt in range(1, NOTIFY_ATTEMPTS + 1):
            tries.attempts = attempt
            try:
                async with asyncio.timeout(NOTIFY_TIMEOUT_S), client.stream('POST', url, json=body) as response:
                    status = response.status_code
            except Exception as failure:  # noqa: BLE001 - any failure is reported; its text may hold the URL
                tries.error = f'no answer ({type(failure).__name__})'
            else:
                if httpx.codes.is_success(status):
                    tries.sent, tries.error = True, None
                    return
                tries.error = f'HTTP {status}'
                if status != httpx.codes.TOO_MANY_REQUESTS and status < 500:
                    return
            logger.debug('Notification attempt %d failed: %s', attempt, tries.error)
            if attempt < NOTIFY_ATTEMPTS:
                await sleep(NOTIFY_BACKOFF_S * 2 ** (attempt - 1))
