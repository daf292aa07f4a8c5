"""The Actor's lifecycle: the only module, with `sink`, that talks to Apify.

It reads the settings and the input, hands them to `src.app.run` with the Apify sink and the persisted progress,
and sets the run's exit code and final status message.
"""

from __future__ import annotations

import logging
import time

from apify import Actor

from src import app
from src.settings import Settings
from src.sink import ActorSink, PersistedIndexSet

STATE_KEY = 'done'


async def main() -> None:
    """Run the Actor."""
    async with Actor:
        _route_package_logs()
        settings, warnings = Settings.load()
        for warning in warnings:
            Actor.log.warning(warning)
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


def _route_package_logs() -> None:
    """Send this package's log records (info and up, and the client's retry lines at debug) through the Actor's log."""
    package = logging.getLogger('src')
    package.handlers = list(Actor.log.handlers)
    package.setLevel(Actor.log.getEffectiveLevel())
    package.propagate = False
