"""The Actor's lifecycle: the only module, with `sink` and `serve`, that talks to Apify.

It reads the settings and the input, hands them to `src.app.run` with the Apify sink and the persisted progress,
and sets the run's exit code and final status message. A local run (not on the platform) is priced as the platform
prices it, from `.actor/pay_per_event.json` (the SDK logs each charge to the `charging-log` dataset and bills
nothing), and ends by saying what it found and where it wrote the item, `OUTPUT` and the charts. A run started
in Standby (the MCP server Actor) serves the modes as MCP tools instead (`src.serve`, imported only then).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from apify import Actor

from src import app
from src.scrub import LogScrubber
from src.settings import Settings
from src.sink import ActorSink, PersistedIndexSet

if TYPE_CHECKING:
    from collections.abc import Mapping

STATE_KEY = 'done'
STANDBY = 'STANDBY'  # Actor.configuration.meta_origin (APIFY_META_ORIGIN) of a run started in Standby
PRICES: Final = Path(__file__).resolve().parent.parent / '.actor' / 'pay_per_event.json'
# The platform's synthetic event for every dataset item: the publisher removes it, so it costs nothing.
FREE_ITEMS: Final = {'apify-default-dataset-item': {'eventTitle': 'Dataset item', 'eventPriceUsd': 0}}


async def main() -> None:
    """Run the Actor."""
    problem = unreadable_local_input()
    if problem is not None:  # the SDK would not even start: say why in one line, not its traceback
        print(problem, file=sys.stderr)  # noqa: T201 - there is no Actor log yet
        raise SystemExit(app.EXIT_INPUT_ERROR)
    local = not os.environ.get('APIFY_IS_AT_HOME')
    if local:
        os.environ.update(local_pricing(os.environ))
    async with Actor:
        _route_package_logs()
        settings, warnings = Settings.load()
        for warning in warnings:
            Actor.log.warning(warning)
        if Actor.configuration.meta_origin == STANDBY:
            from src.serve import serve_standby  # noqa: PLC0415 - the MCP SDK and uvicorn load only to serve

            await serve_standby(settings)
            return
        state = await Actor.use_state({STATE_KEY: []})
        report = await app.run(
            await Actor.get_input(),
            settings=settings,
            sink=ActorSink(),
            done=PersistedIndexSet(state, STATE_KEY),
            now_ms=int(time.time() * 1000),
        )
        Actor.exit_code = report.exit_code
        Actor.status_message = report.status
        if local:
            print(local_report(storage_dir(), report.status), flush=True)  # noqa: T201 - for the person at the shell


def storage_dir() -> Path:
    """Where a local run keeps its storages (the SDK's local storage folder)."""
    return Path(os.environ.get('CRAWLEE_STORAGE_DIR') or 'storage')


def unreadable_local_input() -> str | None:
    """Why a local run's `INPUT.json` is not JSON, or None (on the platform, the input is checked before a run)."""
    if os.environ.get('APIFY_IS_AT_HOME'):
        return None
    path = storage_dir() / 'key_value_stores' / 'default' / 'INPUT.json'
    try:
        json.loads(path.read_text(encoding='utf-8'))
    except FileNotFoundError:
        return None
    except (ValueError, OSError, RecursionError) as error:  # RecursionError: nested too deep to read
        return f"The input in {path} is not valid JSON ({error}): fix it, or give make run (or demo) INPUT='{{...}}'."
    return None


def local_pricing(environ: Mapping[str, str]) -> dict[str, str]:
    """The SDK's environment for pricing a local run as the platform does, from `.actor/pay_per_event.json`.

    Empty when the environment already says how to price the run (a test, a benchmark, or a developer's own setting:
    `ACTOR_TEST_PAY_PER_EVENT=false` runs unpriced). Without it the SDK warns on every charge that the Actor does not
    use pay-per-event pricing, which is true only locally.
    """
    if environ.get('APIFY_ACTOR_PRICING_INFO') or 'ACTOR_TEST_PAY_PER_EVENT' in environ:
        return {}
    events = json.loads(PRICES.read_text(encoding='utf-8'))
    pricing = {'pricingModel': 'PAY_PER_EVENT', 'pricingPerEvent': {'actorChargeEvents': events | FREE_ITEMS}}
    return {
        'ACTOR_TEST_PAY_PER_EVENT': 'true',
        'APIFY_ACTOR_PRICING_INFO': json.dumps(pricing),
        'APIFY_CHARGED_ACTOR_EVENT_COUNTS': json.dumps(dict.fromkeys(events, 0)),
    }


def local_report(storage: Path, status: str) -> str:
    """What a local run found and where it wrote it: the status, the items, `OUTPUT`, the charts, the charges."""
    items = sorted((storage / 'datasets' / 'default').glob('[0-9]*.json'))
    store = storage / 'key_value_stores' / 'default'
    charts = sorted(store.glob('chart-*.png'))
    log = storage / 'datasets' / 'charging-log'
    charges = [charge for charge in _records(log) if not str(charge.get('event_name', '')).startswith('apify-')]
    usd = sum(float(charge.get('event_price_usd') or 0) * int(charge.get('charged_count') or 0) for charge in charges)
    lines = [f'Result: {status}']
    if items:
        where = _shown(items[0]) if len(items) == 1 else f'{_shown(items[0].parent)}/ ({len(items)} items)'
        lines.append(f'  dataset item{"s" if len(items) > 1 else ""}: {where}')
    if (store / 'OUTPUT').exists():
        lines.append(f'  run summary (OUTPUT, what run-sync returns): {_shown(store / "OUTPUT")}')
    lines += [f'  chart: {_shown(chart)}' for chart in charts]
    events = sum(int(charge.get('charged_count') or 0) for charge in charges)
    lines.append(
        f'  charged: {events} event{"" if events == 1 else "s"}, ${usd:.3f}, as the platform would charge; a local run '
        f'bills nothing (the log: {_shown(log)}/)'
    )
    return '\n'.join(lines)


def _records(folder: Path) -> list[dict[str, Any]]:
    """The items of a local dataset folder (its numbered JSON files)."""
    return [json.loads(path.read_text(encoding='utf-8')) for path in sorted(folder.glob('[0-9]*.json'))]


def _shown(path: Path) -> str:
    """A path as the person at the shell types it: relative to where they are, when it is below."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _route_package_logs() -> None:
    """Send this package's log records (info and up, and the client's retry lines at debug) through the Actor's log.

    Every line the Actor's log prints, the SDK's too, is scrubbed of secrets on its way out.
    """
    package = logging.getLogger('src')
    for handler in Actor.log.handlers:  # the SDK's lines and ours: no secret is printed, whoever logs it
        handler.addFilter(LogScrubber())
    package.handlers = list(Actor.log.handlers)
    package.setLevel(Actor.log.getEffectiveLevel())
    package.propagate = False
