"""Shared fixtures: the fake CoinGlass, and running the Actor in process (fast) or as `python -m src` (e2e).

`actor(input, ...)` runs `src.app.run` in this process with a `MemorySink` against the fake CoinGlass on
127.0.0.1: everything but the Apify SDK. `actor_e2e(input, ...)` runs the real `python -m src` in a subprocess with
the SDK's local storage in a temporary folder; those tests are marked `e2e` (`pytest -m e2e` runs them alone).
Both return a run with the same reading methods (`items`, `item`, `charges`, `record`, `exit_code`, `status`,
`everything`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).parent))

from fake_coinglass import NOW_MS, FakeCoinGlass
from platform_checks import check_item, check_record

from src import app
from src.run import Delivery, push_groups, waiting_message
from src.scrub import LogScrubber
from src.settings import ENV_PREFIX, Settings

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from src.result import Mark, QueryResult
    from src.run import Outcome

ROOT = Path(__file__).resolve().parent.parent
PAY_PER_EVENT = json.loads((ROOT / '.actor' / 'pay_per_event.json').read_text())
# What end-to-end runs start `python -m src` with: this interpreter, or the Docker image's Python (a venv of
# requirements.txt alone) when `make test-shipped` sets IMAGE_PYTHON.
ACTOR_PYTHON = os.environ.get('IMAGE_PYTHON') or sys.executable
TEST_KEY = 'cg-test-key-7f3a9c1e5b'
# As the README tells publishers: the synthetic per-item event is removed, i.e. dataset items cost nothing.
FREE_ITEMS = {'apify-default-dataset-item': {'eventTitle': 'Dataset item', 'eventPriceUsd': 0}}


FRESH_RUN = """
import asyncio, json, sys, httpx
import src.main
from src import app
from src.settings import Settings
from conftest import MemorySink
from fake_coinglass import NOW_MS, default_response
def serve(request):
    status, body = default_response(request.url.path, dict(request.url.params))
    return httpx.Response(status, json=body)
sink = MemorySink()
settings = Settings(api_key='k', base_url='https://cg.test')
transport = httpx.MockTransport(serve)
query = json.loads(sys.argv[1])
asyncio.run(app.run(query, settings=settings, sink=sink, done=set(), now_ms=NOW_MS, transport=transport))
assert sink.items[0]['success'], sink.items
print(json.dumps({'modules': sorted(sys.modules), 'records': sorted(sink.records)}))
"""


@dataclass(frozen=True)
class FreshRun:
    """What one whole run of the Actor in a fresh interpreter loaded (`modules`) and stored (`records`' keys)."""

    modules: frozenset[str]
    records: frozenset[str]


def run_in_fresh_python(run_input: Mapping[str, Any]) -> FreshRun:
    """Runs `run_input` through `src.app.run` (the fake CoinGlass in memory) in a new interpreter; asserts success."""
    result = subprocess.run(
        [sys.executable, '-c', FRESH_RUN, json.dumps(run_input)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, 'PYTHONPATH': f'{ROOT}{os.pathsep}{ROOT / "tests"}'},
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    return FreshRun(frozenset(seen['modules']), frozenset(seen['records']))


def pytest_report_header() -> str:
    return f'python -m src in end-to-end runs: {ACTOR_PYTHON}'


@pytest.fixture(autouse=True)
def _no_coinglass_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see none of the developer's COINGLASS_* variables (a real key, a real base URL)."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)


# --- in process ---------------------------------------------------------------------------------------------------


@dataclass
class MemorySink:
    """A `Sink` that keeps everything in memory and charges like the SDK: at most what `max_total_charge_usd` allows.

    As `Actor.push_data` does: of one event's items it pushes and charges only as many as the limit still pays for
    (the first ones), the rest stay unpushed (returned as unpaid), and free items are always pushed. Amounts are
    `Decimal`, as the SDK keeps them. Every item and record must pass the .actor/ schemas, as the platform requires
    (tests/platform_checks.py).
    """

    max_total_charge_usd: float | None = None
    prices: Mapping[str, float] = field(
        default_factory=lambda: {event: entry['eventPriceUsd'] for event, entry in PAY_PER_EVENT.items()}
    )
    items: list[dict[str, Any]] = field(default_factory=list)
    charges: list[dict[str, Any]] = field(default_factory=list)
    records: dict[str, Any] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)  # every OUTPUT written, in order
    marks: dict[tuple[str, str], Any] = field(default_factory=dict)  # named stores outlive runs: share to keep
    spent_usd: Decimal = Decimal(0)

    calls: int = 0  # push calls: one per event of a group, as the Apify sink calls push_data

    async def deliver(self, results: Sequence[QueryResult]) -> Delivery:
        """As the Apify sink: charts stored, one push per run of one event, of a charged event only the paid items."""
        for result in results:
            if result.chart is not None:
                check_record(result.chart.key, result.chart.png)
                self.records[result.chart.key] = result.chart.png
        pushed: list[tuple[QueryResult, dict[str, Any]]] = []
        unpaid: list[QueryResult] = []
        charged = 0
        for event, part in push_groups(results):
            self.calls += 1
            paid = len(part) if event is None else min(len(part), self._affordable(event))
            for result in part[:paid]:
                url = None if result.chart is None else f'memory://records/{result.chart.key}'
                item = json.loads(json.dumps(result.item(url), allow_nan=False))  # as JSON would store it
                check_item(item)  # what the platform checks before it stores an item
                self.items.append(item)
                pushed.append((result, item))
            unpaid += part[paid:]
            if event is not None:
                self.spent_usd += paid * self.price_usd(event)
                self.charges += [{'event_name': event, 'event_price_usd': self.prices[event]}] * paid
                charged += paid
        return Delivery(pushed=pushed, charged=charged, unpaid=unpaid)

    def _affordable(self, event: str) -> int:
        left, price = self._left(), self.price_usd(event)
        if left is None or price <= 0:
            return 1 << 30
        return int(left // price)

    def _left(self) -> Decimal | None:
        if self.max_total_charge_usd is None:
            return None
        return max(Decimal(0), Decimal(str(self.max_total_charge_usd)) - self.spent_usd)

    def price_usd(self, event: str) -> Decimal:
        return Decimal(str(self.prices.get(event, 0)))

    def left_usd(self) -> Decimal | None:
        return self._left()

    async def progress(self, outcome: Outcome) -> None:
        done = len(outcome.results) + outcome.skipped + len(outcome.not_delivered)
        self.statuses.append(f'{done}/{outcome.total} queries done')

    async def waiting(self, seconds: float, reason: str) -> None:
        self.statuses.append(waiting_message(seconds, reason))

    async def write_output(self, record: Mapping[str, Any]) -> None:
        self.records['OUTPUT'] = json.loads(json.dumps(record, allow_nan=False))
        check_record('OUTPUT', self.records['OUTPUT'])
        self.outputs.append(self.records['OUTPUT'])

    async def read_mark(self, store: str, key: str) -> Mapping[str, Any] | None:
        return self.marks.get((store, key))

    async def save_marks(self, marks: Sequence[Mark]) -> None:
        self.marks.update(((mark.store, mark.key), json.loads(json.dumps(mark.value))) for mark in marks)

    def dataset_url(self) -> str:
        return 'dataset default in memory'


@dataclass
class InProcessRun:
    """What one in-process run left behind."""

    exit_code: int
    status: str
    sink: MemorySink
    log: str

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.sink.items

    @property
    def item(self) -> dict[str, Any]:
        assert len(self.items) == 1, self.items
        return self.items[0]

    @property
    def charges(self) -> list[dict[str, Any]]:
        return self.sink.charges

    def record(self, key: str) -> Any:
        assert key in self.sink.records, f'no record {key} in {sorted(self.sink.records)}'
        return self.sink.records[key]

    def everything(self) -> str:
        """The log, the status, every item and record as text, for secret scans."""
        records = [
            value.decode('latin-1') if isinstance(value, bytes) else json.dumps(value)
            for value in self.sink.records.values()
        ]
        return '\n'.join([self.log, self.status, json.dumps(self.items), *records])


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += '\n' + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f'{record.levelname} {record.name}: {text}')


def settings_from(env: Mapping[str, str] | None = None, **fields: Any) -> tuple[Settings, list[str]]:
    """Settings as `python -m src` would read them from `env`, then `fields` set on top."""
    with mock.patch.dict(os.environ, dict(env or {})):
        settings, warnings = Settings.load()
    return settings.model_copy(update=fields), warnings


def run_in_process(
    actor_input: Any,
    base_url: str,
    *,
    api_key: str | None = TEST_KEY,
    env: Mapping[str, str] | None = None,
    max_total_charge_usd: float | None = None,
    done: set[int] | None = None,
    now_ms: int = NOW_MS,
    sink: MemorySink | None = None,
) -> InProcessRun:
    """Run `src.app.run` on `actor_input` against CoinGlass at `base_url`, with the settings `env` gives.

    A `sink` given keeps what outlives a run (its `marks`); else a fresh one, with `max_total_charge_usd`.
    """
    settings, warnings = settings_from(env, base_url=base_url)
    if api_key is not None:
        settings = settings.model_copy(update={'api_key': SecretStr(api_key)})
    sink = sink or MemorySink(max_total_charge_usd=max_total_charge_usd)
    capture = _Capture()
    capture.addFilter(LogScrubber())  # as src.main puts it on the Actor's log handlers
    package = logging.getLogger('src')
    level = package.level
    package.addHandler(capture)
    package.setLevel(logging.DEBUG)
    try:
        report = asyncio.run(
            app.run(actor_input, settings=settings, sink=sink, done=set() if done is None else done, now_ms=now_ms)
        )
    finally:
        package.removeHandler(capture)
        package.setLevel(level)
    return InProcessRun(report.exit_code, report.status, sink, '\n'.join([*warnings, *capture.lines]))


@pytest.fixture
def fake() -> Iterator[FakeCoinGlass]:
    with FakeCoinGlass() as server:
        yield server


@pytest.fixture
def actor(fake: FakeCoinGlass) -> Any:
    """Run the Actor in process against the fake: `actor(input, env=..., api_key=..., max_total_charge_usd=...)`."""

    def run(actor_input: Any, **options: Any) -> InProcessRun:
        return run_in_process(actor_input, fake.url, **options)

    return run


@dataclass
class Receiver:
    """A webhook receiver: records every POST's JSON body, answers with the scripted statuses (then 200)."""

    statuses: list[int] = field(default_factory=list)
    bodies: list[Any] = field(default_factory=list)
    url: str = ''


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get('Content-Length') or 0)
            state.bodies.append(json.loads(self.rfile.read(length)))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header('Content-Length', '2')
            self.end_headers()
            self.wfile.write(b'ok')

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f'http://127.0.0.1:{server.server_address[1]}/hooks/T0-secret-path'
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# --- end to end: python -m src ------------------------------------------------------------------------------------


def write_record(storage: Path, key: str, value: Any) -> None:
    """Put a JSON record into the default key-value store, as the SDK's local storage keeps it."""
    folder = storage / 'key_value_stores' / 'default'
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(value)
    (folder / key).write_text(text)
    metadata = {'key': key, 'content_type': 'application/json', 'size': len(text)}
    (folder / f'{key}.__metadata__.json').write_text(json.dumps(metadata))


@dataclass
class ActorRun:
    """What one `python -m src` run left behind."""

    exit_code: int
    stdout: str
    stderr: str
    storage: Path

    def _dataset(self, name: str) -> list[dict[str, Any]]:
        folder = self.storage / 'datasets' / name
        if not folder.exists():
            return []
        files = sorted(path for path in folder.glob('*.json') if not path.name.startswith('__'))
        return [json.loads(path.read_text()) for path in files]

    @property
    def items(self) -> list[dict[str, Any]]:
        return self._dataset('default')

    @property
    def item(self) -> dict[str, Any]:
        assert len(self.items) == 1, self.items
        return self.items[0]

    @property
    def charges(self) -> list[dict[str, Any]]:
        """The Actor's own charges, one entry per charged event (a log row of `charged_count` n counts n times).

        The SDK also logs the synthetic `apify-default-dataset-item` event for every pushed item; the README tells
        the publisher to remove that event, so it is left out here.
        """
        rows = [row for row in self._dataset('charging-log') if not row['event_name'].startswith('apify-')]
        return [row for row in rows for _ in range(row.get('charged_count', 1))]

    @property
    def log(self) -> str:
        return self.stdout + self.stderr

    def record(self, key: str) -> Any:
        """A key-value record: JSON parsed, anything else as bytes."""
        path = self.storage / 'key_value_stores' / 'default' / key
        assert path.exists(), f'no record {key} in {sorted(p.name for p in path.parent.iterdir())}'
        metadata = json.loads(path.with_name(f'{key}.__metadata__.json').read_text())
        return json.loads(path.read_text()) if 'json' in metadata['content_type'] else path.read_bytes()

    def everything(self) -> str:
        """All output and every stored file as text, for secret scans."""
        parts = [self.stdout, self.stderr]
        parts += [
            path.read_bytes().decode('utf-8', 'replace')
            for path in self.storage.rglob('*')
            if path.is_file() and path.name != 'INPUT.json'
        ]
        return '\n'.join(parts)


def actor_env(
    base_url: str,
    storage: Path,
    *,
    api_key: str | None = TEST_KEY,
    ppe: bool = False,
    log_level: str = 'DEBUG',
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(('APIFY_', 'ACTOR_', 'COINGLASS_', 'CRAWLEE_'))
    }
    env |= {
        'CRAWLEE_STORAGE_DIR': str(storage),
        'COINGLASS_BASE_URL': base_url,
        'PYTHONUNBUFFERED': '1',
        'APIFY_LOG_LEVEL': log_level,
    }
    if api_key is not None:
        env['COINGLASS_API_KEY'] = api_key
    if ppe:
        env |= {
            'ACTOR_TEST_PAY_PER_EVENT': 'true',
            'APIFY_ACTOR_PRICING_INFO': json.dumps(
                {'pricingModel': 'PAY_PER_EVENT', 'pricingPerEvent': {'actorChargeEvents': PAY_PER_EVENT | FREE_ITEMS}}
            ),
            'APIFY_CHARGED_ACTOR_EVENT_COUNTS': json.dumps(dict.fromkeys(PAY_PER_EVENT, 0)),
        }
    return env | (extra or {})


def run_actor(
    actor_input: Any,
    base_url: str,
    storage: Path,
    *,
    timeout: float = 120,
    python: str = ACTOR_PYTHON,
    **env_options: Any,
) -> ActorRun:
    """Run `python -m src` with the input in a fresh local storage; return what it left."""
    store = storage / 'key_value_stores' / 'default'
    store.mkdir(parents=True, exist_ok=True)
    (store / 'INPUT.json').write_text(json.dumps(actor_input))
    completed = subprocess.run(
        [python, '-m', 'src'],
        cwd=ROOT,
        env=actor_env(base_url, storage, **env_options),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return ActorRun(completed.returncode, completed.stdout, completed.stderr, storage)


@pytest.fixture
def actor_e2e(fake: FakeCoinGlass, tmp_path: Path) -> Any:
    """Run `python -m src` against the fake: `actor_e2e(input, ppe=..., api_key=..., extra={env})`."""
    counter = iter(range(1000))

    def run(actor_input: Any, **options: Any) -> ActorRun:
        return run_actor(actor_input, fake.url, tmp_path / f'storage{next(counter)}', **options)

    return run
