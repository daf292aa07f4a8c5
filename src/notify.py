"""The notification of fired alerts: one JSON POST to the input's `notify_url` (a Slack or Discord webhook, or any).

The body is `{"text": <one line per alert>, "content": <the same, cut to Discord's 2000 characters>, "alerts":
[...]}`: Slack's incoming webhooks read `text`, Discord's read `content`, anything else can read the structured
`alerts`. It is retried briefly (NOTIFY_ATTEMPTS tries, NOTIFY_BACKOFF_S apart, doubling) on a connection
failure, a timeout, HTTP 429 or 5xx. A notification that fails is reported (`Notification`) and logged without
the URL, and never fails the run: the URL is a secret and appears in no log, item, record or message.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import httpx

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

logger = logging.getLogger(__name__)

NOTIFY_ATTEMPTS: Final = 3
NOTIFY_BACKOFF_S: Final = 1.0
NOTIFY_TIMEOUT_S: Final = 5.0  # 3 tries of a webhook that hangs: about 18 s, inside an MCP call's 30 s
DISCORD_MAX_CHARS: Final = 2000
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
    """The body: a line per alert as `text` (Slack) and `content` (Discord), and the structured `alerts`."""
    lines = '\n'.join(f'🔔 {alert["text"]}' for alert in alerts)
    content = lines if len(lines) <= DISCORD_MAX_CHARS else lines[: DISCORD_MAX_CHARS - 1] + '…'
    return {'text': lines, 'content': content, 'alerts': list(alerts)}


async def notify(
    url: str,
    alerts: Sequence[Mapping[str, Any]],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Notification:
    """POST the alerts to `url` once, retrying briefly what can recover; never raises (but on cancellation)."""
    body = message(alerts)
    error = None
    async with httpx.AsyncClient(
        timeout=NOTIFY_TIMEOUT_S, transport=transport, headers={'User-Agent': USER_AGENT}
    ) as client:
        for attempt in range(1, NOTIFY_ATTEMPTS + 1):
            try:
                response = await client.post(url, json=body)
            except Exception as failure:  # noqa: BLE001 - any failure is reported; its text may hold the URL
                error = f'no answer ({type(failure).__name__})'
            else:
                if response.is_success:
                    return Notification(sent=True, attempts=attempt, alerts=len(alerts))
                error = f'HTTP {response.status_code}'
                if response.status_code != httpx.codes.TOO_MANY_REQUESTS and response.status_code < 500:
                    break
            logger.debug('Notification attempt %d failed: %s', attempt, error)
            if attempt < NOTIFY_ATTEMPTS:
                await sleep(NOTIFY_BACKOFF_S * 2 ** (attempt - 1))
    return Notification(sent=False, attempts=attempt, alerts=len(alerts), error=error)
