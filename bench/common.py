"""Shared helpers for the benchmarks: the machine, a timed fake CoinGlass, and timed Actor runs.

Every benchmark runs the Actor exactly as the platform does (`python -m src` in a subprocess, input from a fresh
local storage) against the project's fake CoinGlass on 127.0.0.1, and measures the subprocess from the outside:
wall time from spawn to exit, and its own peak RSS from `wait4` (no extra tools needed).
"""

from __future__ import annotations

import atexit
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / 'tests'), str(ROOT)]

from conftest import ActorRun as TestsActorRun  # noqa: E402
from conftest import actor_env as tests_actor_env  # noqa: E402
from fake_coinglass import EXCHANGE_PAIRS, NOW_MS, FakeCoinGlass  # noqa: E402

FAKE_PAIRS = tuple(f'{exchange}_{pair[0]}' for exchange, pairs in EXCHANGE_PAIRS.items() for pair in pairs)
"""Every pair the fake CoinGlass lists, in the `Exchange_PAIR` form the pair modes take."""

__all__ = [
    'NOW_MS',
    'ROOT',
    'ActorRun',
    'Check',
    'Section',
    'TimedFake',
    'Timing',
    'actor_env',
    'fake_windows',
    'machine',
    'machine_lines',
    'median',
    'run_actor',
    'run_process',
]

BENCH_KEY = 'cg-bench-key-0000'


# --- the machine ------------------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU model, cores, memory, Python and SDK versions, and the load when the benchmarks started."""
    return dict(_MACHINE)


def _describe_machine() -> dict[str, str]:
    cpu = 'unknown'
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    memory = 'unknown'
    try:
        for line in Path('/proc/meminfo').read_text().splitlines():
            if line.startswith('MemTotal'):
                memory = f'{int(line.split()[1]) / 1024 / 1024:.1f} GiB'
                break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = os.cpu_count() or 0
    load = ' '.join(f'{value:.2f}' for value in os.getloadavg())
    from importlib.metadata import version  # noqa: PLC0415

    return {
        'cpu': cpu,
        'cores': f'{os.cpu_count()} logical ({affinity} usable)',
        'memory': memory,
        'os': f'{platform.system()} {platform.release()}',
        'python': f'{platform.python_implementation()} {platform.python_version()} ({sys.executable})',
        'packages': f'apify {version("apify")}, crawlee {version("crawlee")}, httpx {version("httpx")}, '
        f'pydantic {version("pydantic")}',
        'load average (1, 5, 15 min) at start': load,
    }


_MACHINE = _describe_machine()  # at import: the load average is the one the benchmarks started under


def machine_lines() -> list[str]:
    """The machine as `key: value` lines."""
    return [f'{key}: {value}' for key, value in machine().items()]


# --- results -----------------------------------------------------------------------------------------------------------


@dataclass
class Check:
    """One target: what was measured against what was wanted."""

    name: str
    value: str
    target: str
    met: bool


@dataclass
class Section:
    """One benchmark's results: figures as (name, value) rows, targets, and notes, printable and as Markdown."""

    title: str
    command: str
    setup: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """Plain text for the terminal."""
        width = max((len(name) for name, _ in self.figures), default=0)
        lines = [f'== {self.title} ==', f'setup: {self.setup}']
        lines += [f'  {name.ljust(width)}  {value}' for name, value in self.figures]
        lines += [
            f'  [{"MET " if check.met else "MISS"}] {check.name}: {check.value} (target {check.target})'
            for check in self.checks
        ]
        lines += [f'  note: {note}' for note in self.notes]
        return '\n'.join(lines)

    def markdown(self) -> str:
        """A Markdown section."""
        lines = [f'## {self.title}', '', f'Command: `{self.command}`', '', f'Setup: {self.setup}', '']
        lines += ['| Figure | Value |', '| --- | --- |']
        lines += [f'| {name} | {value} |' for name, value in self.figures]
        if self.checks:
            lines += ['', '| Target | Measured | Wanted | Met |', '| --- | --- | --- | --- |']
            lines += [
                f'| {check.name} | {check.value} | {check.target} | {"yes" if check.met else "**no**"} |'
                for check in self.checks
            ]
        if self.notes:
            lines += ['']
            lines += [f'- {note}' for note in self.notes]
        return '\n'.join(lines) + '\n'

    def show(self) -> None:
        """Print the section and the machine."""
        print(self.text())
        print('machine:')
        for line in machine_lines():
            print(f'  {line}')


def median(values: list[float]) -> float:
    """The median."""
    return float(statistics.median(values))


# --- the fake CoinGlass, with arrival times ----------------------------------------------------------------------------


class _StampingEvent(threading.Event):
    """The fake's stop event: its `wait` is the request's latency, so the moment it returns is when the fake then
    counts the request against its budget (recorded per handler thread)."""

    def __init__(self, local: threading.local) -> None:
        super().__init__()
        self._local = local

    def wait(self, timeout: float | None = None) -> bool:
        stopped = super().wait(timeout)
        self._local.counted = time.monotonic()
        return stopped


@dataclass(frozen=True)
class Timing:
    """When the fake received a request, counted it against the budget (after the latency), and answered it:
    monotonic seconds, the same clock as every process on the machine; and whether the fake refused it for the
    budget (an HTTP 429, or an HTTP 200 saying "Too Many Requests", as the fake's `rate_limit_style` says)."""

    arrived: float
    counted: float
    answered: float
    path: str
    target: str
    status: int
    refused: bool


class TimedFake(FakeCoinGlass):
    """The fake CoinGlass, also recording each request's `Timing`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.timings: list[Timing] = []
        self._arrival_lock = threading.Lock()
        self._local = threading.local()
        self._stopping = _StampingEvent(self._local)

    def _handle(self, handler: Any) -> None:
        arrived = time.monotonic()
        self._local.counted = None
        self._local.status = 0
        send_raw = handler.send_raw

        def recording_send_raw(status: int, headers: Any, body: bytes) -> None:
            self._local.status = status
            send_raw(status, headers, body)

        handler.send_raw = recording_send_raw
        super()._handle(handler)
        answered = time.monotonic()
        counted = self._local.counted or arrived  # no latency: counted on arrival
        words = handler.requestline.split()
        target = words[1] if len(words) > 1 else ''
        with self._arrival_lock:
            self.timings.append(
                Timing(
                    arrived,
                    counted,
                    answered,
                    target.partition('?')[0],
                    target,
                    self._local.status,
                    bool(handler.rate_limited),
                )
            )

    def span(self) -> tuple[float, float]:
        """(first arrival, last answer)."""
        with self._arrival_lock:
            return min(t.arrived for t in self.timings), max(t.answered for t in self.timings)

    def clear(self) -> None:
        """Forget recorded requests and arrivals, and reset the budget window."""
        self.reset()
        with self._arrival_lock:
            self.timings.clear()


def fake_windows(times: list[float], window_s: float) -> list[int]:
    """Requests per budget window, windows as the fake opens them: at the first request after the last one expired.

    `times` are when the fake counted each request (`Timing.counted`).
    """
    counts: list[int] = []
    start: float | None = None
    for moment in sorted(times):
        if start is None or moment - start >= window_s:
            start = moment
            counts.append(0)
        counts[-1] += 1
    return counts


# --- running the Actor ---------------------------------------------------------------------------------------------------


@dataclass
class ActorRun(TestsActorRun):
    """What one `python -m src` run left behind (the tests' view of it), and what it cost."""

    wall_s: float
    max_rss_kb: int
    user_s: float
    system_s: float

    def dataset_files(self, name: str = 'default') -> list[Path]:
        """The dataset's item files, in order."""
        folder = self.storage / 'datasets' / name
        return sorted(path for path in folder.glob('*.json') if not path.name.startswith('__'))


def actor_env(
    base_url: str, storage: Path, *, ppe: bool = False, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The tests' environment of a local run (fresh storage, the fake's URL, a key, pay-per-event when asked), but
    with the SDK's default log level (INFO), as on the platform. Without `ppe` the run is not priced at all
    (`ACTOR_TEST_PAY_PER_EVENT=false`): a local run would otherwise price itself from pay_per_event.json and keep a
    charging log, which a run on the platform does not."""
    unpriced = {} if ppe else {'ACTOR_TEST_PAY_PER_EVENT': 'false'}
    return tests_actor_env(
        base_url, storage, api_key=BENCH_KEY, ppe=ppe, log_level='INFO', extra=unpriced | (extra or {})
    )


@dataclass
class Process:
    """A finished subprocess, measured."""

    exit_code: int
    wall_s: float
    max_rss_kb: int
    user_s: float
    system_s: float
    stdout: str
    stderr: str


# Starts the command, waits for it and prints its exit code, wall time and `wait4` usage as JSON on the last line of
# stderr. A small process of its own does the waiting: a child's ru_maxrss also counts the memory of the process
# that started it (exec records the old address space's high-water mark), and the benchmark runner is larger than
# a one-query Actor run.
WAITER = """
import json, os, subprocess, sys, threading, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
timer = threading.Timer(float(sys.argv[1]), process.kill)
timer.start()
_, status, usage = os.wait4(process.pid, 0)
timer.cancel()
wall = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
print(json.dumps([code, wall, usage.ru_maxrss, usage.ru_utime, usage.ru_stime]), file=sys.stderr)
"""


def run_process(argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 120) -> Process:
    """Run a command and measure it: wall time from spawn to exit, its own peak RSS and CPU times from `wait4`."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        waiter = [sys.executable, '-c', WAITER, str(timeout), *argv]
        subprocess.run(waiter, cwd=ROOT, env=env, stdout=out, stderr=err, check=False, timeout=timeout + 30)
        out.seek(0)
        err.seek(0)
        *lines, last = err.read().decode('utf-8', 'replace').rstrip('\n').split('\n')
        exit_code, wall, max_rss_kb, user_s, system_s = json.loads(last)
        return Process(
            exit_code=exit_code,
            wall_s=wall,
            max_rss_kb=max_rss_kb,
            user_s=user_s,
            system_s=system_s,
            stdout=out.read().decode('utf-8', 'replace'),
            stderr='\n'.join(lines),
        )


def run_actor(
    actor_input: dict[str, Any],
    base_url: str,
    *,
    ppe: bool = False,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    argv: list[str] | None = None,
) -> ActorRun:
    """Run `python -m src` (or `argv`) with the input in a fresh local storage, measured."""
    storage = Path(tempfile.mkdtemp(prefix='cg-bench-'))
    atexit.register(shutil.rmtree, storage, ignore_errors=True)  # kept for reading until the benchmark ends
    store = storage / 'key_value_stores' / 'default'
    store.mkdir(parents=True)
    (store / 'INPUT.json').write_text(json.dumps(actor_input))
    done = run_process(
        argv or [sys.executable, '-m', 'src'],
        env=actor_env(base_url, storage, ppe=ppe, extra=env),
        timeout=timeout,
    )
    return ActorRun(
        done.exit_code, done.stdout, done.stderr, storage, done.wall_s, done.max_rss_kb, done.user_s, done.system_s
    )
