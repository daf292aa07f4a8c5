"""Shared fixtures: the fake CoinGlass, and running the Actor end to end as `python -m src`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_coinglass import FakeCoinGlass

ROOT = Path(__file__).resolve().parent.parent
PAY_PER_EVENT = json.loads((ROOT / '.actor' / 'pay_per_event.json').read_text())
TEST_KEY = 'cg-test-key-7f3a9c1e5b'
# As the README tells publishers: the synthetic per-item event is removed, i.e. dataset items cost nothing.
FREE_ITEMS = {'apify-default-dataset-item': {'eventTitle': 'Dataset item', 'eventPriceUsd': 0}}


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
        """The Actor's own charges. The SDK also logs the synthetic `apify-default-dataset-item` event for
        every pushed item; the README tells the publisher to remove that event, so it is left out here."""
        return [charge for charge in self._dataset('charging-log') if not charge['event_name'].startswith('apify-')]

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


def run_actor(actor_input: Any, base_url: str, storage: Path, *, timeout: float = 120, **env_options: Any) -> ActorRun:
    """Run `python -m src` with the input in a fresh local storage; return what it left."""
    store = storage / 'key_value_stores' / 'default'
    store.mkdir(parents=True, exist_ok=True)
    (store / 'INPUT.json').write_text(json.dumps(actor_input))
    completed = subprocess.run(
        [sys.executable, '-m', 'src'],
        cwd=ROOT,
        env=actor_env(base_url, storage, **env_options),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return ActorRun(completed.returncode, completed.stdout, completed.stderr, storage)


@pytest.fixture
def fake() -> Any:
    with FakeCoinGlass() as server:
        yield server


@pytest.fixture
def actor(fake: FakeCoinGlass, tmp_path: Path) -> Any:
    """Run the Actor against the fake: `actor(input, **env_options)`."""
    counter = iter(range(1000))

    def run(actor_input: Any, **options: Any) -> ActorRun:
        return run_actor(actor_input, fake.url, tmp_path / f'storage{next(counter)}', **options)

    return run
