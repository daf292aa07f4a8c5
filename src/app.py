"""One run of the Actor without Apify: the input in; results, the `OUTPUT` record and the final status out.

`run` validates the input, builds the CoinGlass client from the settings, runs the queries through a `Sink` and
writes the run's summary record. `src.main` calls it with the Apify sink; tests call it in-process with a memory
sink and a fake CoinGlass.

Exit codes: 0 when at least one query succeeded (or the spending limit kept some from being delivered), 1 when
every query failed, 2 when the input cannot run (nothing was requested or charged).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src import output
from src.client import CoinGlassClient, RetryPolicy, Timeouts
from src.errors import ErrorType
from src.fetch import Fetcher
from src.inputs import InputError, given_parameters, given_secrets, parse_run_input
from src.notify import notify
from src.pipeline import execute
from src.ratelimit import RateLimiter
from src.result import QueryResult
from src.run import BatchRunner, Outcome, waiting_message
from src.scrub import keep_secret, scrub, scrub_value

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, MutableSet, Sequence

    import httpx

    from src.inputs import RunInput
    from src.run import Sink
    from src.settings import Settings

logger = logging.getLogger(__name__)

MAX_STATUS_CHARS: Final = 600
REQUEST_DEADLINE_READS: Final = 2  # a whole request (headers and body) may take this many read timeouts
EXIT_OK: Final = 0
EXIT_ALL_FAILED: Final = 1
EXIT_INPUT_ERROR: Final = 2
BAD_KEY_MESSAGE: Final = (
    'The CoinGlass API key has characters no key has (a space, a line break or a non-ASCII letter): paste it again, '
    'whole, into the input field api_key or the environment variable COINGLASS_API_KEY. No request was made.'
)
PENDING_NOTIFICATION: Final = {'sent': False, 'attempts': 0, 'error': 'not sent yet: it is being sent'}
NO_KEY_MESSAGE: Final = (
    'No CoinGlass API key: set the input field api_key (it is stored encrypted) or the environment variable '
    'COINGLASS_API_KEY. Get a key at https://www.coinglass.com/pricing. No request was made.'
)


@dataclass(frozen=True)
class RunReport:
    """How the run ended: the process exit code and the run's final status message."""

    exit_code: int
    status: str


async def run(
    raw_input: Any,
    *,
    settings: Settings,
    sink: Sink,
    done: MutableSet[int],
    now_ms: int,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> RunReport:
    """Run the Actor on `raw_input` (the INPUT record, any JSON value) and report how it ended.

    `done` holds the indices of queries delivered before a restart; they are skipped and the new ones added.
    `transport` and `sleep` replace the network and the waiting in tests.
    """
    env_key = settings.api_key.get_secret_value() if settings.api_key else None
    for secret in [env_key, *given_secrets(raw_input)]:  # before anything is said of the input, which may echo one
        keep_secret(secret)
    try:
        run_input = parse_run_input(raw_input, now_ms=now_ms)
    except InputError as error:
        return await _refuse(sink, raw_input if error.query is None else error.query, str(error), ErrorType.INPUT)
    keep_secret(run_input.notify_url.get_secret_value() if run_input.notify_url else None)
    api_key, refused = _api_key(run_input, settings)
    if refused is not None:
        return await _refuse(sink, raw_input, refused, ErrorType.AUTH)
    count = len(run_input.queries)
    logger.info('Running %d quer%s.', count, 'y' if count == 1 else 'ies')

    async def announce_wait(seconds: float, reason: str) -> None:
        logger.info(waiting_message(seconds, reason))
        await sink.waiting(seconds, scrub(reason))

    async with coinglass_client(api_key, settings, transport, sleep, announce_wait) as client:
        fetcher = Fetcher(client, now_ms=now_ms, read_mark=sink.read_mark, marks_store=run_input.marks_store)
        runner = BatchRunner(
            lambda query, index: execute(fetcher, query, index, run_input.alerts),
            sink,
            done=done,
            batch=count > 1,
            group_size=settings.push_group_size,
            flush_every_s=settings.push_every_s,
            items_budget=output.RESULTS_BYTES,
            sleep=sleep,
        )
        try:
            outcome = await runner.run(run_input.queries)
        finally:
            fetcher.close()
    return await _finish(run_input, outcome, client, sink, sleep)


def _api_key(run_input: RunInput, settings: Settings) -> tuple[str, str | None]:
    """The key to call CoinGlass with (the input's, else the environment's), or why there is none to use."""
    key = run_input.api_key or settings.api_key
    api_key = key.get_secret_value().strip() if key else ''
    if not api_key:
        return '', NO_KEY_MESSAGE
    if not (api_key.isascii() and api_key.isprintable() and not any(character.isspace() for character in api_key)):
        return '', BAD_KEY_MESSAGE
    return api_key, None


async def _finish(
    run_input: RunInput,
    outcome: Outcome,
    client: CoinGlassClient,
    sink: Sink,
    sleep: Callable[[float], Awaitable[None]],
) -> RunReport:
    """Write the run's `OUTPUT` record, notify the webhook of fired alerts, and say how the run ended.

    `OUTPUT` is written before the notification is sent, so a slow webhook never delays it, and again after, with
    how the notification went.
    """
    record = output.output_record(outcome, _counts(client), sink.dataset_url())
    fired = [alert for result in outcome.results for alert in result.alerts or ()]
    sending = bool(fired) and run_input.notify_url is not None
    if run_input.alerts:  # leading the record, as they lead the status
        record = output.with_alerts(record, fired, PENDING_NOTIFICATION | {'alerts': len(fired)} if sending else None)
    await sink.write_output(scrub_value(record))
    report = final_status(outcome)
    if not fired:
        return report
    notification = await _notify(run_input, fired, sleep) if sending else None
    lead = alerts_line(fired)
    if notification is not None:
        await sink.write_output(scrub_value(record | {'notification': notification}))
        if not notification['sent']:
            lead += f' The notification was not sent ({notification["error"]}).'
    return RunReport(report.exit_code, _shortened(f'{lead} {report.status}'))


def _counts(client: CoinGlassClient | None) -> dict[str, int]:
    """The client's request counts for `OUTPUT` (zeros when no client was made)."""
    return {
        'requests': client.request_count if client else 0,
        'retries': client.retry_count if client else 0,
        'rate_limited_responses': client.rate_limited_count if client else 0,
    }


async def _notify(
    run_input: RunInput, fired: Sequence[Mapping[str, Any]], sleep: Callable[[float], Awaitable[None]]
) -> dict[str, Any] | None:
    """Tell the webhook about the fired alerts, if any fired and the input has one; how it went, for `OUTPUT`."""
    if not fired or run_input.notify_url is None:
        return None
    notification = await notify(run_input.notify_url.get_secret_value(), fired, sleep=sleep)
    if not notification.sent:
        logger.warning('The alert notification was not sent (%s); the alerts are in OUTPUT.', notification.error)
    return notification.as_record()


def alerts_line(fired: Sequence[Mapping[str, Any]]) -> str:
    """`2 alerts: <sentence> <sentence>`, what a run's status leads with when alerts fired (as many as it holds)."""
    line = f'{len(fired)} alert{"s" if len(fired) != 1 else ""}:'
    for alert in fired:
        if len(line) > MAX_STATUS_CHARS:
            break
        line += f' {alert["text"]}'
    return line


def coinglass_client(
    api_key: str,
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
    sleep: Callable[[float], Awaitable[None]],
    on_long_wait: Callable[[float, str], Awaitable[None]],
) -> CoinGlassClient:
    """The CoinGlass client the settings configure, with its shared-key limiter telling `on_long_wait` of long waits."""
    return CoinGlassClient(
        api_key,
        base_url=settings.base_url,
        timeouts=Timeouts(
            connect_s=settings.connect_timeout_s,
            read_s=settings.read_timeout_s,
            total_s=REQUEST_DEADLINE_READS * settings.read_timeout_s,
        ),
        retry=RetryPolicy(
            max_attempts=settings.retry_max_attempts,
            base_delay_s=settings.retry_base_delay_s,
            max_delay_s=settings.retry_max_delay_s,
            max_total_wait_s=settings.retry_max_wait_s,
        ),
        limiter=RateLimiter(window_s=settings.rate_window_s, sleep=sleep, on_long_wait=on_long_wait),
        transport=transport,
        sleep=sleep,
    )


def refusal(raw_input: Any, message: str, error_type: ErrorType) -> QueryResult:
    """The failure result of an input that cannot run, echoing the known fields it gave (never the key)."""
    mode = raw_input.get('mode') if isinstance(raw_input, dict) and isinstance(raw_input.get('mode'), str) else None
    return QueryResult(
        mode=mode, echo=given_parameters(raw_input), success=False, message=message, error_type=error_type
    )


async def _refuse(sink: Sink, raw_input: Any, message: str, error_type: ErrorType) -> RunReport:
    """One failure item and its `OUTPUT` for an input that cannot run; nothing is requested or charged."""
    delivery = await sink.deliver([refusal(raw_input, message, error_type)])
    outcome = Outcome(total=1)  # the refusal is the run's one result
    for result, item in delivery.pushed:
        outcome.add(0, result, item)
    await sink.write_output(scrub_value(output.output_record(outcome, _counts(None), sink.dataset_url())))
    logger.error(message)
    return RunReport(EXIT_INPUT_ERROR, _shortened(message))


def final_status(outcome: Outcome) -> RunReport:
    """The exit code and the status message of a run that ran its queries.

    A one-query run's status is its message with the summary's headline (what an AI agent reads first); a batch's
    counts the queries, names the first failure and says what the spending limit kept from being delivered.
    """
    total, delivered = outcome.total, len(outcome.results)
    if total == 1 and delivered == 1:
        (result,) = outcome.results
        return RunReport(EXIT_OK if result.success else EXIT_ALL_FAILED, status_line(result))
    if total == 1 and outcome.skipped:
        return RunReport(EXIT_OK, 'The query was already delivered before the run restarted.')
    if total == 1 and outcome.not_delivered:
        (record,) = outcome.not_delivered
        return RunReport(EXIT_OK, f'The query was {record.reason}. Nothing was charged. Raise the limit to fetch it.')
    status = f'{outcome.succeeded} of {total} queries succeeded, {outcome.failed} failed.'
    if outcome.not_delivered:
        status += f' {not_delivered_line(outcome)}'
    if outcome.skipped:
        status += f' {outcome.skipped} were delivered before the run restarted.'
    first = outcome.first_failure
    if first is not None:
        status += f' First failure (query {first.index}): {first.message}'
    nothing = outcome.succeeded == 0 and outcome.skipped == 0 and not outcome.not_delivered
    return RunReport(EXIT_ALL_FAILED if nothing else EXIT_OK, _shortened(status))


def not_delivered_line(outcome: Outcome) -> str:
    """`2 not delivered (queries 3, 4): not fetched: your spending limit left $0.004, ... Raise the limit ...`."""
    records = outcome.not_delivered
    indices = ', '.join(str(record.index) for record in records[:5]) + (', ...' if len(records) > 5 else '')
    first = records[0]
    return (
        f'{len(records)} not delivered (quer{"y" if len(records) == 1 else "ies"} {indices}): the first was '
        f'{first.reason}. Raise the limit to fetch {"it" if len(records) == 1 else "them"}.'
    )


def status_line(result: QueryResult) -> str:
    """A result's message with its headline figures after the first sentence, short enough for a status."""
    headline = (result.summary or {}).get('headline')
    if not headline:
        return _shortened(result.message)
    first, _, rest = result.message.partition('. ')
    return _shortened(' '.join(part for part in (f'{first.rstrip(".")}.', headline, rest) if part))


def _shortened(text: str) -> str:
    """A status message: scrubbed of secrets, then cut to MAX_STATUS_CHARS."""
    text = scrub(text)
    return text if len(text) <= MAX_STATUS_CHARS else text[: MAX_STATUS_CHARS - 1] + '…'
