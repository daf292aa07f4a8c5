"""The memory limits in .actor/actor.json: Apify's rules, the peaks the publisher notes document, and a measured run.

Apify takes a power of 2 from 128 to 32768 MB. The minimum must hold the largest single query (the memory table of
docs/publishing.md; the largest heatmap with rows and a chart is measured here, on the interpreter the e2e runs
use), the default must hold any single query with room to spare, and the maximum the largest batch measured.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import ACTOR_PYTHON, ROOT, actor_env
from fake_coinglass import FakeCoinGlass

if TYPE_CHECKING:
    from collections.abc import Mapping

ACTOR = json.loads((ROOT / '.actor' / 'actor.json').read_text())
PUBLISHING = (ROOT / 'docs' / 'publishing.md').read_text()  # the publisher's memory settings and their figures
BENCHMARKS = (ROOT / 'docs' / 'benchmarks.md').read_text()
LIMITS = ('minMemoryMbytes', 'defaultMemoryMbytes', 'maxMemoryMbytes')
APIFY_MIN_MB, APIFY_MAX_MB = 128, 32768
MCP_SERVER_MAX_MB = 4096  # ACTOR_MAX_MEMORY_MBYTES of @apify/actors-mcp-server: what it asks for at most
DEFAULT_HEADROOM = 2.0  # the default holds the largest single query this many times over
LARGEST_QUERY = {
    'mode': 'pair_liquidation_heatmap',
    'symbol': 'Binance_BTCUSDT',
    'range': '1y',
    'output': 'rows',
    'charts': True,
}


def memory_table() -> dict[str, list[int]]:
    """docs/publishing.md's memory table: run -> its peaks in MB, one per Python version measured (3.11 first)."""
    header = '| run | peak memory'
    assert header in PUBLISHING, f'docs/publishing.md has no memory table starting {header!r}'
    table: dict[str, list[int]] = {}
    for line in PUBLISHING.split(header, 1)[1].splitlines()[2:]:
        if not line.startswith('|'):
            break
        run, *figures = (cell.strip() for cell in line.strip().strip('|').split('|'))
        matches = [re.fullmatch(r'(\d+) MB', figure) for figure in figures]
        assert figures, f'docs/publishing.md memory table: no figure for {run}'
        assert all(matches), f'docs/publishing.md memory table: {figures} are not all "<n> MB"'
        table[run] = [int(match.group(1)) for match in matches if match]
    return table


TABLE = memory_table()
PEAKS = {run: max(figures) for run, figures in TABLE.items()}
SINGLE = {run: peak for run, peak in PEAKS.items() if not run.startswith('batch')}
BATCH = {run: peak for run, peak in PEAKS.items() if run.startswith('batch')}


def test_limits_follow_apifys_rules() -> None:
    limits = [ACTOR[name] for name in LIMITS]
    for name, value in zip(LIMITS, limits, strict=True):
        assert isinstance(value, int), f'{name} must be a whole number of MB'
        assert value & (value - 1) == 0, f'{name} {value} is not a power of 2'
        assert APIFY_MIN_MB <= value <= APIFY_MAX_MB, f'{name} {value} is outside {APIFY_MIN_MB}..{APIFY_MAX_MB}'
    assert limits == sorted(limits), f'{dict(zip(LIMITS, limits, strict=True))}: minimum <= default <= maximum'


def test_limits_hold_the_documented_peaks() -> None:
    assert SINGLE, 'docs/publishing.md memory table: no single-query rows'
    assert BATCH, 'docs/publishing.md memory table: no batch rows'
    largest_query, largest_batch = max(SINGLE.values()), max(BATCH.values())
    assert largest_query < ACTOR['minMemoryMbytes'], f'a single query peaks at {largest_query} MB'
    assert ACTOR['minMemoryMbytes'] // 2 < largest_query, 'the minimum could be halved: lower it'
    assert ACTOR['defaultMemoryMbytes'] >= DEFAULT_HEADROOM * largest_query
    assert ACTOR['maxMemoryMbytes'] >= 2 * largest_batch
    assert ACTOR['maxMemoryMbytes'] <= MCP_SERVER_MAX_MB, 'a higher maximum only raises what a run can cost'


def test_the_publisher_notes_state_the_limits_and_agree_with_the_benchmarks() -> None:
    for name in LIMITS:
        assert f'{ACTOR[name]} MB' in PUBLISHING.split('**Memory.** `.actor/actor.json`', 1)[1].split('\n\n', 1)[0], (
            f'docs/publishing.md: {name}'
        )
    # The publisher notes: the Console default the MCP server uses must be actor.json's default.
    assert f'Default run options > Memory to {ACTOR["defaultMemoryMbytes"]} MB' in PUBLISHING
    section = BENCHMARKS.split('## Peak memory of the largest heatmap', 1)[1]
    measured = {
        'one query (max pain)': r'baseline \(max pain, all coins\) \| (\d+) MB',
        'the largest heatmap (1 year, 55,444 cells), output full': r'output full \| (\d+) MB',
        'the same, output rows': r'output rows \| (\d+) MB',
    }
    for run, pattern in measured.items():
        match = re.search(pattern, section)
        assert match, f'docs/benchmarks.md: no figure for {run}'
        documented = TABLE[run][0]
        assert documented == int(match.group(1)), (
            f'docs/publishing.md says {documented} MB for {run}, the benchmarks otherwise'
        )


# Starts `python -m src` and prints its exit code and peak RSS (KiB). A small process of its own does the waiting: a
# child's ru_maxrss also counts the memory of the process that started it (exec records the old address space's
# high-water mark), and a pytest worker can be larger than the Actor.
MEASURE = """
import json, os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=sys.stderr)
_, status, usage = os.wait4(process.pid, 0)
print(json.dumps([os.waitstatus_to_exitcode(status), usage.ru_maxrss]))
"""


def peak_rss_mb(actor_input: Mapping[str, object], base_url: str, storage: Path, python: str) -> tuple[int, float]:
    """Run `python -m src` once; its exit code and its own peak RSS in MB."""
    store = storage / 'key_value_stores' / 'default'
    store.mkdir(parents=True)
    (store / 'INPUT.json').write_text(json.dumps(actor_input))
    with (storage / 'log').open('w') as log:
        measured = subprocess.run(
            [sys.executable, '-c', MEASURE, python, '-m', 'src'],
            cwd=ROOT,
            env=actor_env(base_url, storage),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            timeout=120,
            check=True,
        )
    exit_code, max_rss_kb = json.loads(measured.stdout.strip().splitlines()[-1])
    return exit_code, max_rss_kb / 1024


@pytest.mark.e2e
def test_the_largest_single_query_fits_the_minimum(tmp_path: Path) -> None:
    with FakeCoinGlass() as fake:
        exit_code, peak = peak_rss_mb(LARGEST_QUERY, fake.url, tmp_path / 'storage', ACTOR_PYTHON)
    assert exit_code == 0, (tmp_path / 'storage' / 'log').read_text()[-3000:]
    assert peak < ACTOR['minMemoryMbytes'], f'the largest single query peaked at {peak:.0f} MB on {ACTOR_PYTHON}'
    documented = SINGLE['the same, output rows and a chart']
    assert peak < 1.25 * documented, (
        f'{peak:.0f} MB, docs/publishing.md says {documented} MB: measure again and update it'
    )
