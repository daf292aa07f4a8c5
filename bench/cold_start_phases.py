"""The Actor's `main()` with a clock at each phase: run as the Actor process by `bench_cold_start.py`.

It does what `python -m src` does (`src.__main__` runs `asyncio.run(src.main.main())`, and `main()` is
`async with Actor: ... = await _run()`), but times the phases and prints them as one JSON line on stdout:
importing the SDK, importing our modules, `Actor.__aenter__`, the query (`_run`), and `Actor.__aexit__`,
whose finalizer sleeps a fixed 0.1 s. A few calls inside `_run`, and `asyncio.sleep` when the
SDK's finalizer awaits it, are wrapped to total their time.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import asyncio  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

marks: dict[str, float] = {}
parts: dict[str, float] = {}
_real_sleep = asyncio.sleep
SDK_SLEEP = "asyncio.sleep awaited by the SDK's Actor finalizer"


async def _counted_sleep(delay: float, result: Any = None) -> Any:
    """asyncio.sleep, totalling the time slept when the SDK's `Actor.__aexit__` finalizer awaits it."""
    caller = sys._getframe(1)  # noqa: SLF001 - the awaiting coroutine's frame
    if caller.f_globals.get('__name__') != 'apify._actor':
        return await _real_sleep(delay, result)
    started = time.perf_counter()
    try:
        return await _real_sleep(delay, result)
    finally:
        parts[SDK_SLEEP] = parts.get(SDK_SLEEP, 0.0) + time.perf_counter() - started


asyncio.sleep = _counted_sleep


def _timed(owner: Any, name: str, label: str) -> None:
    """Wrap a method of `owner` to total its time under `label`."""
    original = getattr(owner, name)
    if asyncio.iscoroutinefunction(original):

        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                parts[label] = parts.get(label, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed_async)
        return

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            parts[label] = parts.get(label, 0.0) + time.perf_counter() - started

    setattr(owner, name, timed)


import apify  # noqa: E402, F401

marks['import apify'] = time.perf_counter()

from apify import Actor  # noqa: E402

from src import app  # noqa: E402
from src.client import CoinGlassClient  # noqa: E402
from src.settings import Settings  # noqa: E402
from src.sink import ActorSink  # noqa: E402

_timed(CoinGlassClient, '__init__', 'client setup (httpx transport: lazy httpcore/h11 imports, SSL context)')
_timed(CoinGlassClient, 'get', 'the request (first one lazily imports anyio)')
_timed(ActorSink, 'deliver', 'push and charge')

marks['import src (our modules and what they add)'] = time.perf_counter()


async def _main() -> None:
    await Actor.__aenter__()
    marks['Actor.__aenter__ (config, storage, event and charging managers)'] = time.perf_counter()
    settings, _warnings = Settings.load()
    report = await app.run(
        await Actor.get_input(), settings=settings, sink=ActorSink(), done=set(), now_ms=int(time.time() * 1000)
    )  # the body of src.main.main
    marks['app.run (input, client, the request, push, OUTPUT)'] = time.perf_counter()
    Actor.exit_code = report.exit_code
    Actor.status_message = report.status
    with contextlib.suppress(SystemExit):
        await Actor.__aexit__(None, None, None)
    marks['Actor.__aexit__ (status, 0.1 s sleep, managers, state)'] = time.perf_counter()


asyncio.run(_main())
marks['asyncio.run teardown'] = time.perf_counter()
previous = STARTED
phases = {}
for name, moment in marks.items():
    phases[name] = moment - previous
    previous = moment
print(json.dumps({'phases': phases, 'parts': parts}), flush=True)
