"""`python -m src`, with each push to the dataset taking `PROBE_PUSH_DELAY_S` longer, as an API call on the platform.

Run by bench_push.py in a subprocess with the Actor's usual environment. It wraps the SDK's `push_data` (to add
the delay and time every call) and, with `PROBE_EXIT_AFTER_GROUPS=n`, ends the process abruptly right after the
n-th group was pushed and the state saved, as a migration would. It prints one JSON line: push calls, seconds
inside them, and groups.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from apify._actor import _ActorType  # noqa: E402

from src import sink  # noqa: E402
from src.main import main  # noqa: E402

DELAY_S = float(os.environ.get('PROBE_PUSH_DELAY_S', '0'))
EXIT_AFTER_GROUPS = int(os.environ.get('PROBE_EXIT_AFTER_GROUPS', '0'))
STATS: dict[str, Any] = {'calls': 0, 'push_s': 0.0, 'groups': 0}

_push_data = _ActorType.push_data
_progress = sink.ActorSink.progress


async def _timed_push(self: Any, data: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    await asyncio.sleep(DELAY_S)  # the platform's API call
    try:
        return await _push_data(self, data, **kwargs)
    finally:
        STATS['calls'] += 1
        STATS['push_s'] += time.perf_counter() - started


async def _progress_then_maybe_exit(self: Any, outcome: Any) -> None:
    await _progress(self, outcome)
    STATS['groups'] += 1
    if EXIT_AFTER_GROUPS and STATS['groups'] == EXIT_AFTER_GROUPS:
        print(json.dumps(STATS | {'exited': True}), flush=True)
        os._exit(0)  # as a migrated run's process ends: no cleanup


_ActorType.push_data = _timed_push  # type: ignore[method-assign]
sink.ActorSink.progress = _progress_then_maybe_exit  # type: ignore[method-assign]

if __name__ == '__main__':
    atexit.register(lambda: print(json.dumps(STATS), flush=True))  # the SDK ends the process with sys.exit
    asyncio.run(main())
