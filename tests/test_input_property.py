"""Property: any JSON object as input validates cleanly, or is refused with one explanation, never a traceback.

The validation layer runs in process for hundreds of generated inputs (JSON of any shape, and objects biased
towards the real field names and plausible values); a handful of invalid ones also run through `python -m src`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from src.app import refusal
from src.errors import ErrorType
from src.fields import MAX_QUERIES
from src.inputs import InputError, RunInput, parse_run_input
from src.modes import EXCHANGE_LIST_RANGES, HEATMAP_RANGES, INTERVALS, MAP_RANGES, MAX_PAIN_RANGES, MODELS, Mode
from src.query import END_TIME, LIMIT, START_TIME

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import InProcessRun
    from fake_coinglass import FakeCoinGlass

NOW_MS = 1_763_683_200_000
SENTINEL = 'KEY-SENTINEL-prop-51e2'

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**15), max_value=10**15)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)

RANGES = sorted({*MAP_RANGES, *HEATMAP_RANGES, *EXCHANGE_LIST_RANGES, *MAX_PAIN_RANGES, '90d', '365d', '2h', ''})
SYMBOLS = ['Binance_BTCUSDT', 'OKX_BTC-USDT-SWAP', 'Binance_BTCUSD_PERP', 'BTCUSDT', 'Binance_', '_BTC', 'Foo_BAR']
TIMES = ['now', '7 days', '12h', '3 weeks ago', '2025-01-31', '2025-01-31T12:00:00Z', 'yesterday', '', '  ']
NUMERIC_TIMES = st.from_regex(r'\d{1,400}(\.\d{1,3})? ?(m|h|d|w|y|days|years|ago)?', fullmatch=True)


def plausible(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(values) | JSON


FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    'mode': plausible(*Mode, 'MAP', 'liquidation-map', ''),
    'symbol': plausible(*SYMBOLS) | st.text(max_size=20),
    'coin': plausible('BTC', 'eth', 'BTCC', ''),
    'exchange': plausible('Binance', 'okx', 'Nowhere', ''),
    'exchanges': plausible(['Binance', 'OKX'], 'Binance,OKX', [], ' , ', ['Binance', 7]),
    'interval': plausible(*INTERVALS, '2d', ''),
    'range': plausible(*RANGES),
    'model': plausible(*MODELS, 'model9'),
    'limit': st.integers(min_value=-5, max_value=200_000) | JSON,
    'start_time': plausible(*TIMES) | NUMERIC_TIMES | st.integers(min_value=-10, max_value=10**14),
    'end_time': plausible(*TIMES) | NUMERIC_TIMES | st.integers(min_value=-10, max_value=10**14),
    'min_liquidation_amount': plausible(0, 10_000, -1, '5000'),
    'keyword': plausible('btc', ''),
    'output': plausible('full', 'rows', 'summary', 'csv'),
    'charts': st.sampled_from([True, False, 'yes']) | JSON,
}


def biased(values: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with some real field names (plausible or random values) and some random keys."""
    named = st.lists(st.sampled_from(sorted(values)), unique=True, max_size=7).flatmap(
        lambda names: st.fixed_dictionaries({name: values[name] for name in names})
    )
    return st.tuples(named, st.dictionaries(st.text(max_size=8), JSON, max_size=2)).map(
        lambda parts: parts[1] | parts[0]
    )


ENTRY = biased(FIELD_VALUES | {'api_key': JSON})
TOP = biased(
    FIELD_VALUES
    | {'api_key': st.just(SENTINEL) | JSON, 'queries': st.lists(ENTRY, max_size=4) | st.lists(JSON, max_size=3) | JSON}
)
TEMPLATES: list[dict[str, Any]] = [
    {'mode': 'search_symbols'},
    {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'},
    {'mode': 'coin_liquidation_map', 'coin': 'BTC', 'range': '7d'},
    {'mode': 'pair_liquidation_history', 'symbol': 'OKX_BTC-USDT-SWAP', 'interval': '1h'},
    {'mode': 'coin_liquidation_history', 'coin': 'ETH', 'interval': '4h'},
    {'mode': 'liquidation_coin_list', 'exchange': 'Binance'},
    {'mode': 'liquidation_exchange_list', 'range': '4h'},
    {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'},
    {'mode': 'pair_liquidation_heatmap', 'symbol': 'Binance_BTCUSDT', 'range': '3d'},
    {'mode': 'coin_liquidation_heatmap', 'coin': 'SOL', 'range': '12h'},
    {'mode': 'liquidation_max_pain', 'range': '7d'},
]
assert {template['mode'] for template in TEMPLATES} == set(Mode)
PERTURBATION = st.lists(st.sampled_from(sorted(FIELD_VALUES)), unique=True, max_size=2).flatmap(
    lambda names: st.fixed_dictionaries({name: FIELD_VALUES[name] for name in names})
)
NEAR_VALID = st.tuples(st.sampled_from(TEMPLATES), PERTURBATION).map(lambda parts: parts[0] | parts[1])
NEAR_VALID_BATCH = st.fixed_dictionaries(
    {'queries': st.lists(NEAR_VALID, min_size=1, max_size=4)},
    optional={'range': FIELD_VALUES['range'], 'api_key': st.just(SENTINEL), 'output': FIELD_VALUES['output']},
)
ANY_INPUT = (
    TOP
    | st.dictionaries(st.text(max_size=10), JSON, max_size=5)
    | NEAR_VALID.map(lambda raw: raw | {'api_key': SENTINEL})
    | NEAR_VALID_BATCH
)


def check_query(query: Any) -> None:
    assert isinstance(query.mode, Mode)
    echo = json.dumps(dict(query.echo))  # echoed parameters must be JSON
    assert SENTINEL not in echo
    assert 'api_key' not in query.echo
    assert query.output in {'full', 'rows', 'summary'}
    assert isinstance(query.charts, bool)
    for param in (START_TIME, END_TIME):
        value = query.get(param)
        assert value is None or isinstance(value, int)
    if query.get(START_TIME) is not None and query.get(END_TIME) is not None:
        assert query.get(START_TIME) < query.get(END_TIME)
    assert query.get(LIMIT) is None or query.get(LIMIT) >= 1


@settings(max_examples=400, deadline=None)
@given(ANY_INPUT)
@example({})
@example({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '45d', 'api_key': SENTINEL})
@example({'queries': [], 'api_key': SENTINEL})
@example({'queries': [{'mode': 'liquidation_max_pain'}, {'mode': 'search_symbols', 'api_key': 3}]})
def test_validation_returns_queries_or_refuses_with_input_error(raw: dict[str, Any]) -> None:
    try:
        result = parse_run_input(raw, now_ms=NOW_MS)
    except InputError as error:
        event('refused')
        message = str(error)
        assert message.strip()
        assert SENTINEL not in message
        item = refusal(raw, message, ErrorType.INPUT).item()
        assert item['success'] is False
        assert item['error_type'] == 'input'
        assert item['data'] is None
        assert SENTINEL not in json.dumps(item)
        return
    event(f'accepted: {len(result.queries)} quer{"y" if len(result.queries) == 1 else "ies"}')
    assert isinstance(result, RunInput)
    assert 1 <= len(result.queries) <= MAX_QUERIES
    if isinstance(raw.get('queries'), list):
        assert len(result.queries) == (len(raw['queries']) or 1)  # an empty batch is one query
    for query in result.queries:
        check_query(query)
    if raw.get('api_key') == SENTINEL:
        assert result.api_key is not None
        assert result.api_key.get_secret_value() == SENTINEL
        assert SENTINEL not in repr(result) + str(result)


def rejected(raw: dict[str, Any]) -> bool:
    try:
        parse_run_input(raw, now_ms=NOW_MS)
    except InputError:
        return True
    return False


INVALID_TOP = TOP.map(lambda raw: raw | {'api_key': SENTINEL}).filter(rejected)


@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(INVALID_TOP)
@example({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '45d', 'api_key': SENTINEL})
@example({'queries': [{'mode': 'liquidation_max_pain'}, {'mode': 'bogus'}], 'api_key': SENTINEL})
def test_invalid_inputs_end_to_end(
    actor: Callable[..., InProcessRun], fake: FakeCoinGlass, raw: dict[str, Any]
) -> None:
    """A few whole runs: one failure envelope, exit code 2, no request, no traceback."""
    before = fake.count()
    run = actor(raw)
    assert run.exit_code == 2, (raw, run.log[-2000:])
    item = run.item
    assert item['success'] is False
    assert item['error_type'] == 'input'
    assert item['data'] is None
    assert item['message'].strip()
    assert run.charges == []
    assert fake.count() == before
    assert 'Traceback' not in run.log
    assert SENTINEL not in run.everything()


@pytest.mark.parametrize('value', ['9' * 400, '9' * 400 + ' days', float('inf')], ids=['digits', 'days', '1e400'])
def test_huge_times_are_input_errors(value: str | float) -> None:
    raw = {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'start_time': value}
    with pytest.raises(InputError):
        parse_run_input(raw, now_ms=NOW_MS)


def test_a_start_time_of_1e400_is_refused_end_to_end(actor: Callable[..., InProcessRun], fake: FakeCoinGlass) -> None:
    run = actor({'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'start_time': float('inf')})
    assert 'Traceback' not in run.log
    assert run.exit_code == 2
    assert run.item['error_type'] == 'input'
    assert fake.count() == 0
