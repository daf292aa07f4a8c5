"""One run of the Actor without Apify: the input in; results, the `OUTPUT` record and the final status out.

`run` validates the input, builds the CoinGlass client from the settings, runs the queries through a `Sink` and
writes the run's summary record. `src.main` calls it with the Apify sink; tests call it in-process with a memory
sink and a fake CoinGlass.

Exit codes: 0 when at least one query succeeded (or the spending limit stopped the run), 1 when every query
failed, 2 when the input cannot run (nothing was requested or charged).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from src.client import CoinGlassClient, RetryPolicy, Timeouts
from src.errors import ErrorType
from src.fetch import Fetcher
from src.inputs import InputError, given_parameters, parse_run_input
from src.notify import notify
from src.pipeline import execute
from src.ratelimit import RateLimiter
from src.result import QueryResult
from src.run import BatchRunner, Outcome, json_size, waiting_message

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, MutableSet, Sequence

    import httpx

    from src.inputs import RunInput
    from src.run import Sink
    from src.settings import Settings

logger = logging.getLogger(__name__)

OUTPUT_RESULTS_BYTES: Final = 2 * 1024 * 1024  # whole items in OUTPUT up to this much JSON: a quick run-sync answer
MAX_STATUS_CHARS: Final = 600
EXIT_OK: Final = 0
EXIT_ALL_FAILED: Final = 1
EXIT_INPUT_ERROR: Final = 2
BAD_KEY_MESSAGE: Final = (
    'The CoinGlass API key has characters no key has (a space, a line break or a non-ASCII letter): paste it again, '
    'whole, into the input field api_key or the environment variable COINGLASS_API_KEY. No request was made.'
)
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
    try:
        run_input = parse_run_input(raw_input, now_ms=now_ms)
    except InputError as error:
        return await _refuse(sink, raw_input if error.query is None else error.query, str(error), ErrorType.INPUT)
    api_key, refused = _api_key(run_input, settings)
    if refused is not None:
        return await _refuse(sink, raw_input, refused, ErrorType.AUTH)
    count = len(run_input.queries)
    logger.info('Running %d quer%s.', count, 'y' if count == 1 else 'ies')

    async def announce_wait(seconds: float, reason: str) -> None:
        logger.info(waiting_message(seconds, reason))
        await sink.waiting(seconds, reason)

    async with coinglass_client(api_key, settings, transport, sleep, announce_wait) as client:
        fetcher = Fetcher(client, now_ms=now_ms, read_mark=sink.read_mark, marks_store=run_input.marks_store)
        runner = BatchRunner(
            lambda query, index: execute(fetcher, query, index, run_input.alerts),
            sink,
            done=done,
            batch=count > 1,
            group_size=settings.push_group_size,
            flush_every_s=settings.push_every_s,
            items_budget=OUTPUT_RESULTS_BYTES,
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
    """Write the run's `OUTPUT` record, notify the webhook of fired alerts, and say how the run ended."""
    record = _output_record(outcome, client, sink.dataset_url())
    fired = [alert for result in outcome.results for alert in result.alerts or ()]
    notification = None
    if run_input.alerts:  # leading the record, as they lead the status
        notification = await _notify(run_input, fired, sleep)
        record = {'alerts': fired, 'notification': notification} | record
    await sink.write_output(record)
    report = final_status(outcome)
    if not fired:
        return report
    lead = alerts_line(fired)
    if notification is not None and not notification['sent']:
        lead += f' The notification was not sent ({notification["error"]}).'
    return RunReport(report.exit_code, _shortened(f'{lead} {report.status}'))


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
    """`2 alerts: <sentence> <sentence>`, what a run's status leads with when alerts fired."""
    return f'{len(fired)} alert{"s" if len(fired) != 1 else ""}: ' + ' '.join(alert['text'] for alert in fired)


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
        timeouts=Timeouts(connect_s=settings.connect_timeout_s, read_s=settings.read_timeout_s),
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
    await sink.write_output(_output_record(outcome, None, sink.dataset_url()))
    logger.error(message)
    return RunReport(EXIT_INPUT_ERROR, _shortened(message))


def final_status(outcome: Outcome) -> RunReport:
    """The exit code and the status message of a run that ran its queries.

    A one-query run's status is its message with the summary's headline (what an AI agent reads first); a batch's
    counts the queries and names the first failure.
    """
    total, delivered = outcome.total, len(outcome.results)
    if outcome.limit_reached:
        return RunReport(
            EXIT_OK,
            f'Stopped: the run reached your spending limit after delivering {delivered} of {total} '
            'results. Raise the limit to fetch the rest.',
        )
    if total == 1 and delivered == 1:
        (result,) = outcome.results
        return RunReport(EXIT_OK if result.success else EXIT_ALL_FAILED, status_line(result))
    if total == 1 and outcome.skipped:
        return RunReport(EXIT_OK, 'The query was already delivered before the run restarted.')
    status = f'{outcome.succeeded} of {total} queries succeeded, {outcome.failed} failed.'
    if outcome.skipped:
        status += f' {outcome.skipped} were delivered before the run restarted.'
    first = outcome.first_failure
    if first is not None:
        status += f' First failure (query {first.index}): {first.message}'
    code = EXIT_ALL_FAILED if outcome.succeeded == 0 and outcome.skipped == 0 else EXIT_OK
    return RunReport(code, _shortened(status))


def status_line(result: QueryResult) -> str:
    """A result's message with its headline figures after the first sentence, short enough for a status."""
    headline = (result.summary or {}).get('headline')
    if not headline:
        return _shortened(result.message)
    first, _, rest = result.message.partition('. ')
    return _shortened(' '.join(part for part in (f'{first.rstrip(".")}.', headline, rest) if part))


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_STATUS_CHARS else text[: MAX_STATUS_CHARS - 1] + '…'


def _output_record(outcome: Outcome, client: CoinGlassClient | None, dataset_url: str) -> dict[str, Any]:
    """The `OUTPUT` record, what a `run-sync` caller gets: the run's counts and the results themselves.

    `results` holds each delivered query's dataset item, whole when all of them fit `Outcome.items_budget` of JSON;
    else each query's index, mode, success, message, summary and error type (and only its headline when even the
    summaries do not fit), with the data in the dataset at `dataset_url`. `results_complete` is true only when it
    holds every query's whole item; `not_delivered` counts the queries the spending limit stopped.
    """
    results, complete = _results(outcome)
    return {
        'queries': outcome.total,
        'succeeded': outcome.succeeded,
        'failed': outcome.failed,
        'charged_events': outcome.charged,
        'delivered_before_restart': outcome.skipped,
        'spending_limit_reached': outcome.limit_reached,
        'not_delivered': outcome.total - outcome.succeeded - outcome.failed - outcome.skipped,
        'requests': client.request_count if client else 0,
        'retries': client.retry_count if client else 0,
        'rate_limited_responses': client.rate_limited_count if client else 0,
        'dataset_url': dataset_url,
        'results_complete': complete,
        'results': results,
    }


def _results(outcome: Outcome) -> tuple[list[Mapping[str, Any]], bool]:
    """The results in query order, and whether they are every query's whole item.

    Not when the spending limit left some out, a restart delivered some before, or they are shortened.
    """
    every_query = outcome.skipped == 0 and outcome.succeeded + outcome.failed == outcome.total
    if outcome.items is not None:
        return [item for _index, item in sorted(outcome.items, key=lambda pair: pair[0])], every_query
    results = sorted(outcome.results, key=lambda result: result.index or 0)
    briefs: list[Mapping[str, Any]] = [_brief(result, summary=True) for result in results]
    if json_size(briefs) <= outcome.items_budget:
        return briefs, False
    return [_brief(result, summary=False) for result in results], False


def _brief(result: QueryResult, *, summary: bool) -> dict[str, Any]:
    brief: dict[str, Any] = {
        'query_index': result.index,
        'mode': result.mode,
        'success': result.success,
        'message': result.message,
        'error_type': None if result.error_type is None else str(result.error_type),
    }
    if summary:
        brief['summary'] = result.summary
    else:
        brief['headline'] = (result.summary or {}).get('headline')
    return brief
