"""The Actor's lifecycle: the only module, with `sink` and `serve`, that talks to Apify.

It reads the settings and the input, hands them to `src.app.run` with the Apify sink and the persisted progress,
and sets the run's exit code and final status message. A run started in Standby (the MCP server Actor) serves the
modes as MCP tools instead (`src.serve`, imported only then).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

from apify import Actor

from src import app
from src.scrub import LogScrubber
from src.settings import Settings
from src.sink import ActorSink, PersistedIndexSet

STATE_KEY = 'done'
STANDBY = 'STANDBY'  # Actor.configuration.meta_origin (APIFY_META_ORIGIN) of a run started in Standby


async def main() -> None:
    """Run the Actor."""
    problem = unreadable_local_input()
    if problem is not None:  # the SDK would not even start: say why in one line, not its traceback
        print(problem, file=sys.stderr)  # noqa: T201 - there is no Actor log yet
        raise SystemExit(app.EXIT_INPUT_ERROR)
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


def unreadable_local_input() -> str | None:
    """Why a local run's `INPUT.json` is not JSON, or None (on the platform, the input is checked before a run)."""
    if os.environ.get('APIFY_IS_AT_HOME'):
        return None
    storage = Path(os.environ.get('CRAWLEE_STORAGE_DIR') or 'storage')
    path = storage / 'key_value_stores' / 'default' / 'INPUT.json'
    try:
        json.loads(path.read_text(encoding='utf-8'))
    except FileNotFoundError:
        return None
    except (ValueError, OSError, RecursionError) as error:  # RecursionError: nested too deep to read
        return f"The input in {path} is not valid JSON ({error}): fix it, or give make run INPUT='{{...}}'."
    return None


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
