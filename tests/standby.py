"""The real MCP server process: `python -m src` started as Actor Standby starts it, for the tests and the benchmarks.

`StandbyServer(base_url, storage)` runs the Actor with `APIFY_META_ORIGIN=STANDBY` and `ACTOR_WEB_SERVER_PORT` on a
free port (its SDK storage in `storage`, pay-per-event emulated so that charges land in the local `charging-log`
dataset), waits until it answers the platform's readiness probe, and stops it with SIGTERM as the platform does.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Self

import httpx
from conftest import ACTOR_PYTHON, ROOT, actor_env

READINESS_HEADER = 'x-apify-container-server-readiness-probe'
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 40.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return int(probe.getsockname()[1])


class StandbyServer:
    """`python -m src` in Standby against CoinGlass at `base_url`; `url` is its MCP endpoint once started."""

    def __init__(
        self, base_url: str, storage: Path, *, python: str = ACTOR_PYTHON, ppe: bool = True, **env: str
    ) -> None:
        self.port = free_port()
        self.root_url = f'http://127.0.0.1:{self.port}'
        self.url = f'{self.root_url}/mcp'
        self.storage = storage
        storage.mkdir(parents=True, exist_ok=True)
        self._log = storage.parent / f'{storage.name}.log'
        extra = {'APIFY_META_ORIGIN': 'STANDBY', 'ACTOR_WEB_SERVER_PORT': str(self.port), **env}
        self.env = actor_env(base_url, storage, ppe=ppe, log_level='INFO', extra=extra)
        self.python = python
        self.process: subprocess.Popen[bytes] | None = None
        self.exit_code: int | None = None

    def start(self) -> Self:
        with self._log.open('wb') as log:
            self.process = subprocess.Popen(
                [self.python, '-m', 'src'], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'the server exited with {self.process.returncode}:\n{self.log}')
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.root_url, headers={READINESS_HEADER: '1'}, timeout=1).status_code == 200:
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f'the server did not answer its readiness probe within {START_TIMEOUT_S:.0f} s:\n{self.log}')

    def terminate(self) -> None:
        """Send SIGTERM, as the platform does to stop a run."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = STOP_TIMEOUT_S) -> int:
        assert self.process is not None
        self.exit_code = self.process.wait(timeout=timeout)
        return self.exit_code

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.terminate()
        try:
            return self.wait()
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    @property
    def log(self) -> str:
        return self._log.read_text(errors='replace') if self._log.exists() else ''

    def charges(self) -> list[str]:
        """The events charged so far, one entry per charged event (the local `charging-log` dataset)."""
        folder = self.storage / 'datasets' / 'charging-log'
        rows: list[dict[str, Any]] = [
            json.loads(path.read_text())
            for path in sorted(folder.glob('*.json'))
            if not path.name.startswith('__') and path.stat().st_size
        ]
        return [row['event_name'] for row in rows for _ in range(row.get('charged_count', 1))]

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def answer_lead(item: dict[str, Any]) -> str:
    """The first line of a tool's answer whose envelope is `item`: the headline, then what the message adds to its
    first sentence; the message itself when there is no headline (src.tools)."""
    headline = (item.get('summary') or {}).get('headline')
    return f'{headline} {item["message"].partition(". ")[2]}'.strip() if headline else item['message']
