"""The Actor's lifecycle: read and validate the input, run the queries, report the outcome.

Everything CoinGlass-specific lives in the modules this one wires together; this is the only module (with
`sink`) that talks to Apify.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from apify import Actor

from src import envelope
from src.client import DEFAULT_BASE_URL, CoinGlassClient, RetryPolicy, Timeouts
from src.fetch import Fetcher
from src.inputs import InputError, RunInput, given_parameters, parse_run_input
from src.ratelimit import RateLimiter
from src.run import BatchRunner, Outcome
from src.sink import ActorSink, PersistedIndexSet, ProgressReporter

EXIT_INPUT_ERROR = 2
EXIT_ALL_FAILED = 1
KEY_ENV = 'COINGLASS_API_KEY'
NO_KEY_MESSAGE = (
    'No CoinGlass API key: set the input field api_key (it is stored encrypted) or the environment variable '
    'COINGLASS_API_KEY. Get a key at https://www.coinglass.com/pricing. No request was made.'
)


async def main() -> None:
    """Run the Actor."""
    async with Actor:
        _route_package_logs()
        exit_code, status = await _run()
        Actor.exit_code = exit_code
        Actor.status_message = status


def _route_package_logs() -> None:
    """Send this package's log records (the client's retry lines, at debug level) through the Actor's log."""
    package = logging.getLogger('src')
    package.handlers = list(Actor.log.handlers)
    package.setLevel(Actor.log.getEffectiveLevel())
    package.propagate = False


async def _run() -> tuple[int, str]:
    raw = await Actor.get_input()
    now_ms = int(time.time() * 1000)
    try:
        run_input = parse_run_input(raw, now_ms=now_ms)
    except InputError as error:
        return await _refuse(raw, str(error), 'input')
    api_key = run_input.api_key.get_secret_value() if run_input.api_key else os.environ.get(KEY_ENV, '')
    if not api_key.strip():
        return await _refuse(raw, NO_KEY_MESSAGE, 'auth')
    Actor.log.info(f'Running {len(run_input.queries)} quer{"y" if len(run_input.queries) == 1 else "ies"}.')
    outcome, client = await _run_queries(run_input, api_key.strip(), now_ms)
    await Actor.set_value('OUTPUT', await _summary(outcome, client))
    return _final_status(outcome)


async def _run_queries(run_input: RunInput, api_key: str, now_ms: int) -> tuple[Outcome, CoinGlassClient]:
    limiter = RateLimiter.from_env()
    client = CoinGlassClient(
        api_key,
        base_url=os.environ.get('COINGLASS_BASE_URL') or DEFAULT_BASE_URL,
        timeouts=Timeouts.from_env(),
        retry=RetryPolicy.from_env(),
        limiter=limiter,
    )
    async with client:
        state = await Actor.use_state({'done': []})
        runner = BatchRunner(
            Fetcher(client, now_ms=now_ms),
            ActorSink(),
            done=PersistedIndexSet(state, 'done'),
            batch=len(run_input.queries) > 1,
            on_progress=ProgressReporter(),
        )
        outcome = await runner.run(run_input.queries)
    return outcome, client


async def _refuse(raw: Any, message: str, error_type: str) -> tuple[int, str]:
    mode = raw.get('mode') if isinstance(raw, dict) and isinstance(raw.get('mode'), str) else None
    await Actor.push_data(envelope.failure(mode, given_parameters(raw), message, error_type))
    Actor.log.error(message)
    return EXIT_INPUT_ERROR, message


def _final_status(outcome: Outcome) -> tuple[int, str]:
    total = outcome.total
    if outcome.limit_reached:
        return 0, (
            f'Stopped: the run reached your spending limit after delivering {outcome.delivered} of {total} '
            'results. Raise the limit to fetch the rest.'
        )
    if total == 1 and outcome.delivered == 1:
        return (0 if outcome.succeeded else EXIT_ALL_FAILED), outcome.messages[0]
    if total == 1 and outcome.skipped:
        return 0, 'The query was already delivered before the run restarted.'
    status = f'{outcome.succeeded} of {total} queries succeeded, {outcome.failed} failed.'
    if outcome.skipped:
        status += f' {outcome.skipped} were delivered before the run restarted.'
    if outcome.succeeded == 0 and outcome.skipped == 0:
        first = outcome.messages[0] if outcome.messages else ''
        return EXIT_ALL_FAILED, f'{status} First error: {first}'
    return 0, status


async def _summary(outcome: Outcome, client: CoinGlassClient) -> dict[str, Any]:
    dataset = await Actor.open_dataset()
    dataset_id = dataset.id
    url = (
        f'https://api.apify.com/v2/datasets/{dataset_id}/items?format=json&clean=true'
        if Actor.is_at_home()
        else f'dataset {dataset.name or dataset_id} in local storage'
    )
    return {
        'queries': outcome.total,
        'succeeded': outcome.succeeded,
        'failed': outcome.failed,
        'charged_events': outcome.charged,
        'delivered_before_restart': outcome.skipped,
        'spending_limit_reached': outcome.limit_reached,
        'requests': client.request_count,
        'retries': client.retry_count,
        'rate_limited_responses': client.rate_limited_count,
        'dataset_url': url,
    }
