"""Benchmark: pushing 1,000 results, one call per result (as before) against groups (now), and a restart midway.

Each case runs the Actor as `bench/push_probe.py` (`python -m src` whose dataset pushes take a simulated extra
delay, as an API call on the platform does, and are timed) against the fake CoinGlass, with pay-per-event on. The
baseline is measured in the same run: `COINGLASS_PUSH_GROUP_SIZE=1` pushes one result per call, as the Actor did
before results were grouped. Figures: time inside push calls, results pushed per second of it, calls, wall time,
and the charging log (every result charged exactly once). The restart case ends the process abruptly after its
fourth group, as a migration does, and runs it again on the same storage: every result must arrive exactly once.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bench.common import ROOT, Check, Section, TimedFake, actor_env, run_process  # noqa: E402

COMMAND = '.venv/bin/python bench/bench_push.py'
PROBE = str(ROOT / 'bench' / 'push_probe.py')
QUERIES = 1000
PLATFORM_DELAY_S = 0.03
DISTINCT = [
    {'mode': 'liquidation_exchange_list', 'range': range_, **({'coin': coin} if coin else {})}
    for range_ in ('1h', '4h', '12h', '24h')
    for coin in (None, 'BTC', 'ETH', 'SOL', 'XRP')
]


def batch() -> dict[str, Any]:
    """1,000 queries of 20 distinct exchange lists: CoinGlass answers 20 requests, the rest is pushing."""
    return {'queries': [DISTINCT[index % len(DISTINCT)] for index in range(QUERIES)]}


def probe(base_url: str, storage: Path, env: dict[str, str], *, fresh: bool = True) -> dict[str, Any]:
    """One probe run on `storage`; its figures, and what its storage holds afterwards."""
    store = storage / 'key_value_stores' / 'default'
    store.mkdir(parents=True, exist_ok=True)
    (store / 'INPUT.json').write_text(json.dumps(batch()))
    extra = env | ({} if fresh else {'CRAWLEE_PURGE_ON_START': 'false'})
    done = run_process([sys.executable, PROBE], env=actor_env(base_url, storage, ppe=True, extra=extra), timeout=600)
    stats: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return stats | {'wall_s': done.wall_s, 'exit_code': done.exit_code}


def stored(storage: Path) -> tuple[Counter[int], Counter[str]]:
    """Query indices of the dataset's items, and the charging log's events (the SDK's per-item event left out)."""

    def rows(name: str) -> list[dict[str, Any]]:
        folder = storage / 'datasets' / name
        files = sorted(path for path in folder.glob('*.json') if not path.name.startswith('__'))
        return [json.loads(path.read_text()) for path in files]

    indices = Counter(item['query_index'] for item in rows('default'))
    events: Counter[str] = Counter()
    for row in rows('charging-log'):
        if not row['event_name'].startswith('apify-'):
            events[row['event_name']] += row['charged_count']
    return indices, events


def measure(base_url: str, group_size: int | None, delay_s: float) -> dict[str, Any]:
    storage = Path(tempfile.mkdtemp(prefix='cg-bench-push-'))
    env = {'PROBE_PUSH_DELAY_S': str(delay_s)} | ({'COINGLASS_PUSH_GROUP_SIZE': str(group_size)} if group_size else {})
    figures = probe(base_url, storage, env)
    indices, events = stored(storage)
    return figures | {'items': sum(indices.values()), 'distinct': len(indices), 'charges': sum(events.values())}


def restart(base_url: str, delay_s: float) -> dict[str, Any]:
    storage = Path(tempfile.mkdtemp(prefix='cg-bench-restart-'))
    env = {'PROBE_PUSH_DELAY_S': str(delay_s), 'COINGLASS_PUSH_GROUP_SIZE': '100'}
    first = probe(base_url, storage, env | {'PROBE_EXIT_AFTER_GROUPS': '4'})
    before, _ = stored(storage)
    second = probe(base_url, storage, env, fresh=False)
    indices, events = stored(storage)
    return {
        'first_exited': bool(first.get('exited')),
        'before_restart': sum(before.values()),
        'items': sum(indices.values()),
        'twice': sum(1 for count in indices.values() if count > 1),
        'missing': QUERIES - len(indices),
        'charges': sum(events.values()),
        'second_calls': second['calls'],
    }


def measure_all() -> dict[str, Any]:
    """Both push modes with and without the platform's per-call delay, and the restart case."""
    results: dict[str, Any] = {}
    with TimedFake() as fake:
        for name, delay in (('platform', PLATFORM_DELAY_S), ('local', 0.0)):
            results[name] = {'one_by_one': measure(fake.url, 1, delay), 'grouped': measure(fake.url, None, delay)}
        results['restart'] = restart(fake.url, PLATFORM_DELAY_S)
    return results


def section(results: dict[str, Any]) -> Section:
    """The figures and checks of `measure_all`'s results."""
    section = Section(
        title='Pushing results',
        command=COMMAND,
        setup=(
            f'{QUERIES} queries in one run (20 distinct exchange lists, so CoinGlass answers 20 requests and the rest '
            f'is pushing), pay-per-event on; "platform": every push call {PLATFORM_DELAY_S * 1000:.0f} ms longer, as '
            'an API call; "local": the SDK\'s local storage as it is. One by one: COINGLASS_PUSH_GROUP_SIZE=1, '
            'one call per result as before; grouped: the default (up to 100 results per call, at least every second).'
        ),
    )
    for name in ('platform', 'local'):
        for how in ('one_by_one', 'grouped'):
            figures = results[name][how]
            value = (
                f'{figures["push_s"]:.2f} s in {figures["calls"]} push calls '
                f'({QUERIES / max(figures["push_s"], 1e-9):,.0f} results/s); run {figures["wall_s"]:.2f} s; '
                f'{figures["items"]} items, {figures["charges"]} charges'
            )
            section.figures.append((f'{name}, {how.replace("_", " ")}', value))
        one, grouped = results[name]['one_by_one'], results[name]['grouped']
        section.figures.append(
            (f'{name}: time in pushes, grouped / one by one', f'{grouped["push_s"] / one["push_s"]:.3f}')
        )
    again = results['restart']
    value = (
        f'{again["before_restart"]} delivered before, {again["items"]} in all, {again["twice"]} twice, '
        f'{again["missing"]} missing, {again["charges"]} charges'
    )
    section.figures.append(('restart after the 4th group', value))
    platform = results['platform']
    ratio = platform['grouped']['push_s'] / platform['one_by_one']['push_s']
    section.checks += [
        Check('platform delay: time in pushes, grouped / one by one', f'{ratio:.3f}', '<= 0.1', ratio <= 0.1),
        Check(
            'every result delivered and charged exactly once',
            ', '.join(
                f'{results[n][h]["items"]}/{results[n][h]["charges"]}'
                for n in ('platform', 'local')
                for h in ('one_by_one', 'grouped')
            ),
            f'{QUERIES}/{QUERIES} each',
            all(
                results[n][h]['items'] == results[n][h]['charges'] == results[n][h]['distinct'] == QUERIES
                for n in ('platform', 'local')
                for h in ('one_by_one', 'grouped')
            ),
        ),
        Check(
            'restart: none twice, none missing, charged once each',
            f'{again["twice"]} twice, {again["missing"]} missing, {again["charges"]} charges',
            f'0, 0, {QUERIES}',
            again['first_exited'] and again['twice'] == 0 and again['missing'] == 0 and again['charges'] == QUERIES,
        ),
    ]
    return section


if __name__ == '__main__':
    section(measure_all()).show()
