"""One query from start to result: fetch, present, draw; whatever goes wrong becomes that query's failure.

`execute` never raises for a query's own trouble: CoinGlass's errors become failures of their kind, a reply we
cannot read a `bad_response` failure, and any other exception (a bug of ours) an `internal` failure, logged with
its traceback at debug level. A chart that fails to draw leaves the query a success whose item says why the chart
is missing. Only cancellation passes through.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Final

from src.alerts import evaluate
from src.errors import BadResponseError, CoinGlassError, ErrorType, InvalidParameterError, PlanError, RateLimitedError
from src.kinds import spec_of
from src.modes import ENDPOINTS, Mode, Plan
from src.present import draw_chart, present
from src.result import Chart, QueryResult
from src.run import json_size

if TYPE_CHECKING:
    from collections.abc import Sequence

    from src.alerts import AlertRule
    from src.fetch import Fetcher
    from src.inputs import Query

logger = logging.getLogger(__name__)

PRICING_URL: Final = 'https://www.coinglass.com/pricing'
NOT_CHARGED: Final = 'Nothing was charged.'
MAX_ITEM_BYTES: Final = 9_000_000  # the platform refuses a dataset item over 9 MB (less a margin) of JSON
# The cheapest plan whose history offers an interval, where it is dearer than Hobbyist (which offers 4h and longer).
INTERVAL_PLANS: Final = {
    '1m': Plan.STANDARD,
    '3m': Plan.STANDARD,
    '5m': Plan.STANDARD,
    '15m': Plan.STANDARD,
    '30m': Plan.STARTUP,
    '1h': Plan.STARTUP,
}


async def execute(
    fetcher: Fetcher, query: Query, index: int | None = None, rules: Sequence[AlertRule] = ()
) -> QueryResult:
    """Fetch, present and (when asked) chart one query, and check the alert rules of its mode on its summary.

    Its failure of any kind is a failure result.
    """
    spec = spec_of(query.mode)
    endpoint = ENDPOINTS[query.mode]
    subject = spec.subject(query)
    stage = 'fetching'
    try:
        fetched = await fetcher.fetch(query)
        stage = 'summarizing'
        presented = present(spec, fetched)
        stage = 'checking the alert rules'
        mine = [rule for rule in rules if rule.mode is query.mode]
        fired = evaluate(mine, query.mode, presented.summary, subject=subject, index=index) if mine else None
    except CoinGlassError as error:
        return _failure(query, index, f'{endpoint.label} for {subject}', error.error_type, _reason(query, error))
    except Exception as error:
        logger.debug('Internal error while %s query %s', stage, index, exc_info=True)
        reason = (
            f'an internal error while {stage} ({type(error).__name__}). {NOT_CHARGED} '
            'This is a bug in the Actor; please report it.'
        )
        return _failure(query, index, f'{endpoint.label} for {subject}', ErrorType.INTERNAL, reason)
    size = json_size(presented.data)
    if size > MAX_ITEM_BYTES:
        reason = (
            f'the answer is {size / 1e6:.1f} MB of JSON, more than the {MAX_ITEM_BYTES / 1e6:g} MB a dataset item '
            f'holds. {NOT_CHARGED} Ask for less: output "summary", a shorter span or a smaller limit.'
        )
        return _failure(query, index, f'{endpoint.label} for {subject}', ErrorType.INPUT, reason)
    notes = [*query.notes, *fetched.notes]
    chart, chart_error = None, None
    if query.charts and spec.draw is not None:
        title = f'{query.mode} · {subject}'
        try:
            png = await asyncio.to_thread(draw_chart, spec, fetched, presented.summary, title=title)
        except Exception as error:
            logger.debug('Chart of query %s failed', index, exc_info=True)
            chart_error = f'The chart could not be drawn ({type(error).__name__}), so chart_url is null.'
            notes.append(chart_error)
        else:
            chart = Chart(f'chart-{index or 0:04d}-{query.mode}.png', png)
    empty = spec.is_empty(fetched.data)
    if empty:
        why = fetched.empty_reason or 'CoinGlass answered with no data'
        head = f'No {endpoint.label} matched {subject}: {why} (not charged).'
    else:
        head = f'Fetched {endpoint.label} for {subject}: {spec.size(fetched.data)}.'
    return QueryResult(
        mode=query.mode,
        echo=query.echo,
        success=True,
        message=' '.join([head, *notes]),
        index=index,
        data=presented.data,
        summary=presented.summary,
        chart=chart,
        chart_error=chart_error,
        event=None if empty else query.mode.event_name,
        alerts=None if fired is None else tuple(alert.as_item() for alert in fired),
        mark=fetched.mark,
    )


def _failure(query: Query, index: int | None, what: str, error_type: ErrorType, reason: str) -> QueryResult:
    return QueryResult(
        mode=query.mode,
        echo=query.echo,
        success=False,
        message=' '.join([f'Could not fetch {what}: {reason}', *query.notes]),
        index=index,
        error_type=error_type,
    )


def _reason(query: Query, error: CoinGlassError) -> str:
    """Why CoinGlass did not deliver, and what the user can do."""
    if isinstance(error, PlanError):
        return _plan_reason(query, error)
    charged = NOT_CHARGED if isinstance(error, BadResponseError | RateLimitedError) else ''
    advice = error.advice()
    if isinstance(error, InvalidParameterError) and query.mode is Mode.SEARCH_SYMBOLS:
        advice = 'Check the keyword and the exchange.'  # not "search_symbols lists the pairs": this is it
    return sentences(error.detail, error.suggestion, advice, charged)


def _plan_reason(query: Query, error: PlanError) -> str:
    """Which plan the query needs: the one CoinGlass named, else the mode's (or its interval's) cheapest."""
    plan = ENDPOINTS[query.mode].plan
    what = str(query.mode)
    interval_plan = INTERVAL_PLANS.get(query.interval or '')
    if interval_plan is not None and interval_plan.value > plan.value:
        plan, what = interval_plan, f'{query.mode} at {query.interval} intervals'
    said = error.said or 'Upgrade plan'
    return (
        f"CoinGlass answered '{said}'. {what} needs the CoinGlass {error.plan or plan.title} plan or higher, and the "
        f"key's plan does not include it. Upgrade at {PRICING_URL} or use a mode your plan includes."
    )


def sentences(*parts: str) -> str:
    """Parts joined as sentences, each ending in exactly one full stop (CoinGlass's own text may or may not)."""
    return ' '.join(part if part.endswith(('.', '!', '?')) else f'{part}.' for part in map(str.strip, parts) if part)
