"""Benchmark 2: cold start of a one-query run (`python -m src`) against a bare `python -c "import apify"`, and of a
one-query liquidation map run against a minimal SDK Actor that makes the same requests (bench/minimal_map_actor.py).
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bench.common import ROOT, Check, Section, TimedFake, median, run_actor, run_process  # noqa: E402

REPEATS = 11
TARGET_RATIO = 1.3
MAP_TARGET_RATIO = 1.10
QUERY = {'mode': 'liquidation_max_pain'}
MAP_QUERY = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'}
MINIMAL_MAP_ACTOR = ROOT / 'bench' / 'minimal_map_actor.py'
COMMAND = '.venv/bin/python bench/bench_cold_start.py'
_IMPORT_LINE = re.compile(r'^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)')


def _imports(stderr: str) -> dict[str, int]:
    """Module -> self import time in microseconds, from `-X importtime` output."""
    found: dict[str, int] = {}
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            found[match.group(4)] = int(match.group(1))
    return found


def _group(module: str) -> str:
    return 'src (our modules)' if module == 'src' or module.startswith('src.') else module.split('.', maxsplit=1)[0]


def extra_imports(base_url: str) -> list[tuple[str, float, int]]:
    """Packages the one-query run imports beyond `import apify`: (package, self ms, modules), costliest first.

    Counts every import of the run, the lazy ones during the request too (`-X importtime` inflates each a bit).
    """
    bare = _imports(run_process([sys.executable, '-X', 'importtime', '-c', 'import apify']).stderr)
    actor = run_actor(QUERY, base_url, argv=[sys.executable, '-X', 'importtime', '-m', 'src'])
    extra: dict[str, list[int]] = defaultdict(list)
    for module, micros in _imports(actor.stderr).items():
        if module not in bare:
            extra[_group(module)].append(micros)
    rows = [(group, sum(times) / 1000, len(times)) for group, times in extra.items()]
    return sorted(rows, key=lambda row: -row[1])


def compile_as_the_image_does() -> None:
    """Byte-compile the code as the Dockerfile does (`compileall`): with PYTHONDONTWRITEBYTECODE set, as in some
    shells, every run would otherwise compile every module of ours again and measure that."""
    run_process([sys.executable, '-m', 'compileall', '-q', str(ROOT / 'src'), str(ROOT / 'bench')])


def measure_map(repeats: int = REPEATS) -> dict[str, Any]:
    """The one-query map run against the minimal SDK Actor making the same map and price requests, interleaved."""
    compile_as_the_image_does()
    with TimedFake(latency_s=0.0) as fake:
        minimal_argv = [sys.executable, str(MINIMAL_MAP_ACTOR)]
        run_actor(MAP_QUERY, fake.url, argv=minimal_argv)  # warm the caches
        run_actor(MAP_QUERY, fake.url)
        minimal, actor, requests = [], [], []
        for _ in range(repeats):
            baseline = run_actor(MAP_QUERY, fake.url, argv=minimal_argv)
            if baseline.exit_code != 0:
                raise RuntimeError(
                    f'the minimal map Actor failed: exit {baseline.exit_code}\n{baseline.stderr[-2000:]}'
                )
            minimal.append(baseline.wall_s)
            fake.reset()
            run = run_actor(MAP_QUERY, fake.url)
            if run.exit_code != 0 or not run.items or not run.items[0]['success']:
                raise RuntimeError(f'the one-query map run failed: exit {run.exit_code}\n{run.stderr[-2000:]}')
            actor.append(run.wall_s)
            requests.append(fake.count())
    return {
        'minimal': median(minimal),
        'actor': median(actor),
        'ratio': median([run / base for run, base in zip(actor, minimal, strict=True)]),
        'best_ratio': min(actor) / min(minimal),
        'requests': max(requests),
    }


def measure_all(repeats: int = REPEATS) -> dict[str, Any]:
    compile_as_the_image_does()
    with TimedFake(latency_s=0.0) as fake:
        run_process([sys.executable, '-c', 'import apify'])  # warm the page cache and bytecode caches
        run_actor(QUERY, fake.url)
        empty, bare, actor, rss_bare, rss_actor = [], [], [], [], []
        phase_runs: list[dict[str, Any]] = []
        for _ in range(repeats):  # interleaved, so drifting machine load hits all alike
            empty.append(run_process([sys.executable, '-c', 'pass']).wall_s)
            done = run_process([sys.executable, '-c', 'import apify'])
            bare.append(done.wall_s)
            rss_bare.append(done.max_rss_kb)
            run = run_actor(QUERY, fake.url)
            if run.exit_code != 0 or len(run.items) != 1 or not run.items[0]['success']:
                raise RuntimeError(f'the one-query run failed: exit {run.exit_code}\n{run.stderr[-2000:]}')
            actor.append(run.wall_s)
            rss_actor.append(run.max_rss_kb)
            probe = run_actor(QUERY, fake.url, argv=[sys.executable, str(ROOT / 'bench' / 'cold_start_phases.py')])
            phase_runs.append(json.loads(probe.stdout.strip().splitlines()[-1]) | {'wall_s': probe.wall_s})
        imports = extra_imports(fake.url)
    versus_minimal = measure_map(repeats)
    phases = {name: median([run['phases'][name] for run in phase_runs]) for name in phase_runs[0]['phases']}
    labels = dict.fromkeys(label for run in phase_runs for label in run['parts'])
    parts = {label: median([run['parts'].get(label, 0.0) for run in phase_runs]) for label in labels}
    return {
        'empty': median(empty),
        'bare': median(bare),
        'actor': median(actor),
        'ratio': median([run / base for run, base in zip(actor, bare, strict=True)]),
        'best_ratio': min(actor) / min(bare),
        'actor_all': actor,
        'bare_all': bare,
        'rss_bare_mb': median([float(kb) for kb in rss_bare]) / 1024,
        'rss_actor_mb': median([float(kb) for kb in rss_actor]) / 1024,
        'phases': phases,
        'phase_wall': median([run['wall_s'] for run in phase_runs]),
        'outside_phases': median([run['wall_s'] - sum(run['phases'].values()) for run in phase_runs]),
        'parts': parts,
        'imports': imports,
        'map': versus_minimal,
    }


def section(result: dict[str, Any]) -> Section:
    ratio = result['ratio']
    difference = result['actor'] - result['bare']
    phases = result['phases']
    section = Section(
        'Cold start',
        COMMAND,
        f'{REPEATS} interleaved runs each (medians), after one warm-up; the one-query run is '
        f'`python -m src` with `{json.dumps(QUERY)}` against the fake with no added latency (so the figure is '
        "the Actor's own overhead), fresh local storage each run, log level INFO.",
    )
    section.figures += [
        ('`python -c pass` (interpreter alone)', f'{result["empty"]:.3f} s'),
        ('`python -c "import apify"`', f'{result["bare"]:.3f} s (runs: {_list(result["bare_all"])})'),
        ('one-query run `python -m src`', f'{result["actor"]:.3f} s (runs: {_list(result["actor_all"])})'),
        ('ratio (median of each run over the bare import run next to it)', f'{ratio:.2f}x'),
        ('ratio of the fastest runs (least disturbed by load)', f'{result["best_ratio"]:.2f}x'),
        ('difference of the medians', f'{difference * 1000:.0f} ms'),
        ('peak RSS: import apify / one-query run', f'{result["rss_bare_mb"]:.0f} MB / {result["rss_actor_mb"]:.0f} MB'),
    ]
    section.figures += [(f'phase: {name}', f'{seconds * 1000:.0f} ms') for name, seconds in phases.items()]
    section.figures += [
        (f'within the phases: {label}', f'{seconds * 1000:.0f} ms') for label, seconds in result['parts'].items()
    ]
    section.figures += [
        ('phases run wall time', f'{result["phase_wall"]:.3f} s'),
        (
            'outside the phases: interpreter start, and teardown after the Actor exited',
            (
                f'{result["outside_phases"] * 1000:.0f} ms (a bare import: '
                f'{(result["bare"] - phases["import apify"]) * 1000:.0f} ms besides importing)'
            ),
        ),
    ]
    top = result['imports'][:8]
    section.figures += [
        (
            'imports beyond `import apify` (self time under -X importtime)',
            ', '.join(f'{name} {ms:.0f} ms ({count} modules)' for name, ms, count in top),
        ),
    ]
    versus = result['map']
    section.figures += [
        (
            f'one-query map run `{json.dumps(MAP_QUERY)}` / minimal SDK Actor making the same requests',
            (
                f'{versus["actor"]:.3f} s / {versus["minimal"]:.3f} s: {versus["ratio"]:.2f}x (fastest runs: '
                f'{versus["best_ratio"]:.2f}x); the map run made {versus["requests"]} requests, the minimal Actor 2'
            ),
        ),
    ]
    section.checks.append(
        Check('one-query run / import apify', f'{ratio:.2f}x', f'<= {TARGET_RATIO}x', ratio <= TARGET_RATIO)
    )
    section.checks.append(
        Check(
            'one-query map run / minimal SDK map Actor',
            f'{versus["ratio"]:.2f}x',
            f'<= {MAP_TARGET_RATIO}x',
            versus['ratio'] <= MAP_TARGET_RATIO,
        )
    )
    return section


def _list(values: list[float]) -> str:
    return ', '.join(f'{value:.2f}' for value in values)


def main() -> None:
    section(measure_all()).show()


if __name__ == '__main__':
    main()
