"""One query from start to result: fetch, present, draw; whatever goes wrong becomes that query's failure.

`execute` never raises for a query's own trouble: CoinGlass's errors become failures of their kind, a reply we
cannot read a `bad_response` failure, and any other exception (a bug of ours) an `internal` failure, logged with
its traceback at debug level. A chart that fails to draw leaves the query a success whose item says why the chart
is missing. Only cancellation passes through.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Final

from src.alerts import evaluate
from src.errors import BadResponseError, CoinGlassError, ErrorType, InvalidParameterError, PlanError, RateLimitedError
from src.kinds import spec_of
from src.modes import ENDPOINTS, INTERVAL_PLANS, Mode
from src.present import Presented, draw_chart, present
from src.query import INTERVAL, RANGE
from src.result import Chart, QueryResult
from src.run import json_size

if TYPE_CHECKING:
    from collections.abc import Sequence

    from src.alerts import AlertRule
    from src.fetch import Fetcher
    from src.kinds import Fetched, KindSpec
    from src.query import Query

logger = logging.getLogger(__name__)

PRICING_URL: Final = 'https://www.coinglass.com/pricing'
NOT_CHARGED: Final = 'Nothing was charged.'
MAX_ITEM_BYTES: Final = 9_000_000  # the platform refuses a dataset item over 9 MB (less a margin) of JSON


async def execute(
    fetcher: Fetcher, query: Query, index: int | None = None, rules: Sequence[AlertRule] = ()
) -> QueryResult:
    """Fetch, present and (when asked) chart one query, and check the alert rules of its mode on its summary.

    Its failure of any kind is a failure result.
    """
    spec = spec_of(query.mode)
    what = f'{ENDPOINTS[query.mode].label} for {spec.subject(query)}'
    stage = 'fetching'
    try:
        fetched = await fetcher.fetch(query)
        stage = 'summarizing'
        presented = present(spec, fetched)
        stage = 'checking the alert rules'
        mine = [rule for rule in rules if rule.mode is query.mode]
        fired = (
            evaluate(mine, query.mode, presented.summary, subject=spec.subject(query), index=index) if mine else None
        )
    except CoinGlassError as error:
        return _failure(query, index, what, error.error_type, _reason(query, spec, error))
    except Exception as error:
        logger.debug('Internal error while %s query %s', stage, index, exc_info=True)
        reason = (
            f'an internal error while {stage} ({type(error).__name__}). {NOT_CHARGED} '
            'This is a bug in the Actor; please report it.'
        )
        return _failure(query, index, what, ErrorType.INTERNAL, reason)
    size = json_size(presented.data)
    if size > MAX_ITEM_BYTES:
        reason = (
            f'the answer is {size / 1e6:.1f} MB of JSON, more than the {MAX_ITEM_BYTES / 1e6:g} MB a dataset item '
            f'holds. {NOT_CHARGED} Ask for less: {ways_to_ask_for_less(query.mode)}.'
        )
        return _failure(query, index, what, ErrorType.INPUT, reason)
    chart, chart_error = await _chart(spec, fetched, presented, index) if query.charts else (None, None)
    empty = spec.is_empty(fetched.data)
    if empty:
        why = fetched.empty_reason or 'CoinGlass answered with no data'
        head = f'No {ENDPOINTS[query.mode].label} matched {spec.subject(query)}: {why} (not charged).'
    else:
        head = f'Fetched {what}: {spec.size(fetched.data)}.'
    return QueryResult(
        mode=query.mode,
        echo=query.echo,
        success=True,
        message=' '.join([head, *query.notes, *fetched.notes, *([chart_error] if chart_error else [])]),
        index=index,
        data=presented.data,
        summary=presented.summary_item,
        chart=chart,
        chart_error=chart_error,
        event=None if empty else query.mode.event_name,
        alerts=None if fired is None else tuple(alert.as_item() for alert in fired),
        mark=fetched.mark,
        derived_from=None if fetched.derived_from is None else fetched.derived_from.as_item(),
        data_bytes=size,
    )


async def _chart(
    spec: KindSpec[Any, Any], fetched: Fetched[Any], presented: Presented, index: int | None
) -> tuple[Chart | None, str | None]:
    """The query's chart, or why it could not be drawn (None, None for a kind without a chart)."""
    if spec.draw is None:
        return None, None
    query = fetched.query
    try:
        png = await asyncio.to_thread(draw_chart, spec, fetched, presented.summary)
    except Exception as error:
        logger.debug('Chart of query %s failed', index, exc_info=True)
        return None, f'The chart could not be drawn ({type(error).__name__}), so chart_url is null.'
    return Chart(f'chart-{index or 0:04d}-{query.mode}.png', png), None


def _failure(query: Query, index: int | None, what: str, error_type: ErrorType, reason: str) -> QueryResult:
    return QueryResult(
        mode=query.mode,
        echo=query.echo,
        success=False,
        message=' '.join([f'Could not fetch {what}: {reason}', *query.notes]),
        index=index,
        error_type=error_type,
    )


def ways_to_ask_for_less(mode: Mode) -> str:
    """What makes `mode`'s answer smaller, from its summary and the fields its row reads.

    For example `output "summary" or a shorter range` (maps), `a longer keyword or an exchange` (search_symbols).
    """
    reads = ENDPOINTS[mode].fields
    ways = ['output "summary"'] if spec_of(mode).summarize is not None else []
    ways += ['a longer keyword or an exchange'] if 'keyword' in reads else []
    ways += ['a shorter range'] if 'range' in reads else []
    ways += ['a shorter span (start_time, end_time)'] if 'start_time' in reads else []
    ways += ['a smaller limit'] if 'limit' in reads else []
    ways += ['a larger min_liquidation_amount'] if 'min_liquidation_amount' in reads else []
    return ', '.join(ways[:-1]) + f' or {ways[-1]}' if len(ways) > 1 else ways[0]


def _reason(query: Query, spec: KindSpec[Any, Any], error: CoinGlassError) -> str:
    """Why CoinGlass did not deliver, and what the user can do."""
    if isinstance(error, PlanError):
        return _plan_reason(query, error)
    charged = NOT_CHARGED if isinstance(error, BadResponseError | RateLimitedError) else ''
    advice = error.advice()
    if isinstance(error, InvalidParameterError) and spec.invalid_parameter_advice is not None:
        advice = spec.invalid_parameter_advice
    return sentences(error.detail, error.suggestion, advice, charged)


def _plan_reason(query: Query, error: PlanError) -> str:
    """Which plan the query needs: the one CoinGlass named, else the cheapest of what was asked.

    What was asked: the endpoint really called (a 90d map's heatmap), or the query's interval where it is dearer.
    """
    called = ENDPOINTS[query.mode].source_of(query.get(RANGE))
    plan = ENDPOINTS[called or query.mode].plan
    what = f'{query.mode} needs'
    if called is not None:
        what = f'{query.mode} over {query.get(RANGE)} is answered from {called}, which needs'
    interval = query.get(INTERVAL) or ''
    interval_plan = INTERVAL_PLANS.get(interval)
    if interval_plan is not None and interval_plan.value > plan.value:
        plan, what = interval_plan, f'{query.mode} at {interval} intervals needs'
    said = error.said or 'Upgrade plan'
    return (
        f"CoinGlass answered '{said}'. {what} the CoinGlass {error.plan or plan.title} plan or higher, and the "
        f"key's plan does not include it. Upgrade at {PRICING_URL} or use a mode your plan includes."
    )


def sentences(*parts: str) -> str:
    """Parts joined as sentences, each ending in exactly one full stop (CoinGlass's own text may or may not)."""
    return ' '.join(part if part.endswith(('.', '!', '?')) else f'{part}.' for part in map(str.strip, parts) if part)
