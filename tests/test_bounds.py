"""Input and output bounded: an input too deep, too large or with numbers JSON cannot carry is refused in one line;
look-alike letters are named; `OUTPUT` and the webhook body keep to their budgets and count what they leave out;
the notification has a deadline and never delays `OUTPUT`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from conftest import run_in_process
from fake_coinglass import Reply

from src.notify import ALERTS_MAX_BYTES, DISCORD_MAX_CHARS, TEXT_MAX_CHARS, message

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import ActorRun, InProcessRun
    from fake_coinglass import FakeCoinGlass

    RunActor = Callable[..., InProcessRun]

MAX_PAIN = {'mode': 'liquidation_max_pain'}
MAP = {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'}


def nested(depth: int, leaf: Any = 'x') -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def compact(value: Any) -> bytes:
    """JSON as the budgets count it: compact, UTF-8."""
    return json.dumps(value, separators=(',', ':'), ensure_ascii=False).encode()


def refused(run: InProcessRun | ActorRun) -> str:
    """The run refused its input in one line: exit 2, one input failure item, nothing requested."""
    assert run.exit_code == 2, run.log[-2000:]
    assert run.item['error_type'] == 'input'
    assert 'Traceback' not in run.log
    text: str = run.item['message']
    assert '\n' not in text
    return text


# --- the input's shape ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'actor_input',
    [
        pytest.param({'queries': [MAX_PAIN | {'range': nested(500)}]}, id='a queries field 500 deep'),
        pytest.param(
            MAX_PAIN | {'alerts': [{'mode': 'liquidation_max_pain', 'name': nested(20)}]}, id='alerts 20 deep'
        ),
        pytest.param(MAX_PAIN | {'extra': nested(12, {'a': 1})}, id='an unknown field 12 deep'),
    ],
)
def test_an_input_nested_too_deep_is_refused_in_one_line(
    actor: RunActor, fake: FakeCoinGlass, actor_input: Any
) -> None:
    """500 levels ended in a 3,000-line traceback, exit 91, with no item and no OUTPUT."""
    text = refused(actor(actor_input))
    assert text.startswith('The input nests deeper than 10 levels')
    assert fake.count() == 0
    assert actor(actor_input).record('OUTPUT')['failed'] == 1


def test_an_input_too_large_is_refused(actor: RunActor, fake: FakeCoinGlass) -> None:
    text = refused(actor({'queries': [MAX_PAIN | {'note': 'x' * 3000}] * 1000}))
    assert text == 'The input is 2.9 MB of JSON, more than the 2 MB an input may be: split the batch across runs.'
    assert fake.count() == 0


@pytest.mark.parametrize('value', [float('inf'), float('-inf'), float('nan')])
def test_a_number_json_cannot_carry_is_refused_and_not_echoed(actor: RunActor, value: float) -> None:
    run = actor({'queries': [{'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'limit': value}]})
    assert "Input field 'queries[0].limit' is " in refused(run)
    assert 'limit' not in run.item


def test_many_unknown_fields_are_noted_briefly(actor: RunActor) -> None:
    """Each query's message carries the notes on unknown fields: at most five, and a count of the rest."""
    unknown = {f'unknown_field_{index}': index for index in range(400)}
    run = actor({'queries': [MAX_PAIN, MAX_PAIN]} | unknown)
    for item in run.items:
        assert item['message'].count('is not a field of this Actor') == 5
        assert '395 more input fields are not fields of this Actor and were ignored.' in item['message']


@pytest.mark.e2e
def test_an_input_too_deep_for_json_is_refused_by_the_actor(actor_e2e: Callable[..., ActorRun], tmp_path: Any) -> None:
    run = actor_e2e({'queries': [MAX_PAIN | {'range': nested(500)}]})
    assert refused(run).startswith('The input nests deeper than 10 levels')
    assert run.record('OUTPUT')['failed'] == 1


# --- look-alike letters -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('field', 'actor_input', 'expected'),
    [
        pytest.param(
            'coin',
            {'mode': 'coin_liquidation_map', 'coin': '\u0412TC', 'range': '1d'},
            "Input field 'coin' is '\u0412TC', which contains a Cyrillic '\u0412' (not the Latin 'B'): type it in "
            "Latin letters, 'BTC'.",
            id='Cyrillic Ve in a coin',
        ),
        pytest.param(
            'symbol',
            {'mode': 'liquidation_map', 'symbol': 'Binance_ETHUSD\u03a4', 'range': '1d'},
            "Input field 'symbol' is 'Binance_ETHUSD\u03a4', which contains a Greek '\u03a4' (not the Latin 'T'): type "
            "it in Latin letters, 'Binance_ETHUSDT'.",
            id='Greek Tau in a symbol',
        ),
        pytest.param(
            'exchanges',
            {'mode': 'coin_liquidation_history', 'coin': 'BTC', 'interval': '1d', 'exchanges': ['Binance', '\u041eKX']},
            "Input field 'exchanges' is '\u041eKX', which contains a Cyrillic '\u041e' (not the Latin 'O'): type it in "
            "Latin letters, 'OKX'.",
            id='Cyrillic O in an exchange',
        ),
        pytest.param(
            'coin',
            {'mode': 'coin_liquidation_map', 'coin': '\u6bd4\u7279\u5e01', 'range': '1d'},
            "Input field 'coin' is '\u6bd4\u7279\u5e01', which contains a CJK '\u6bd4': CoinGlass writes symbols, coins "
            'and exchanges in Latin letters and digits.',
            id='a coin in Chinese',
        ),
    ],
)
def test_look_alike_letters_are_named(
    actor: RunActor, fake: FakeCoinGlass, field: str, actor_input: Any, expected: str
) -> None:
    assert refused(actor(actor_input)) == expected
    assert fake.count() == 0


# --- OUTPUT and the webhook body -----------------------------------------------------------------------------------


def firing_rules(count: int) -> list[dict[str, Any]]:
    return [
        {'mode': 'liquidation_max_pain', 'field': 'coins', 'above': 0, 'name': f'rule {index:02d} ' + 'n' * 60}
        for index in range(count)
    ]


def test_output_keeps_its_alerts_budget_and_counts_the_rest(actor: RunActor, monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 queries with 50 rules made a 16.5 MB record; the alerts' share of OUTPUT is bounded (here 4 KB)."""
    monkeypatch.setattr('src.output.ALERTS_BYTES', 4096)
    run = actor({'queries': [MAX_PAIN] * 3, 'alerts': firing_rules(20)})
    output = run.record('OUTPUT')
    every = [alert for item in run.items for alert in item['alerts']]
    assert len(every) == 60  # every alert is in its query's item
    assert len(compact(output['alerts'])) <= 4096
    assert 0 < len(output['alerts']) < 60
    assert output['left_out'] == {'results': 0, 'alerts': 60 - len(output['alerts'])}


def test_output_keeps_its_results_budget_cutting_messages_then_leaving_out(
    actor: RunActor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr('src.output.RESULTS_BYTES', 1500)
    run = actor({'queries': [MAX_PAIN] * 12})
    output = run.record('OUTPUT')
    assert len(compact(output['results'])) <= 1500
    assert output['left_out']['results'] == 12 - len(output['results']) > 0
    assert output['results_complete'] is False
    assert [result['query_index'] for result in output['results']] == list(range(len(output['results'])))


def test_the_webhook_body_keeps_its_budget() -> None:
    """50,000 fired alerts made a 16 MB body, sent three times."""
    alerts = [{'mode': 'liquidation_max_pain', 'field': 'coins', 'value': 1, 'text': f'alert {i} ' + 'x' * 200}
              for i in range(50_000)]  # fmt: skip
    body = message(alerts)
    assert len(compact(body['alerts'])) <= ALERTS_MAX_BYTES
    assert body['left_out'] == 50_000 - len(body['alerts']) > 0
    assert len(body['text']) <= TEXT_MAX_CHARS
    assert body['text'].endswith("more alerts: see the run's OUTPUT record.")
    assert len(body['content']) <= DISCORD_MAX_CHARS


# --- the notification's time ----------------------------------------------------------------------------------------

HOOK = '/hooks/T01/B02/slow-token-1234'
ALERTED_MAX_PAIN = MAX_PAIN | {'alerts': firing_rules(1)}


def test_output_is_written_before_the_notification_and_updated_after(fake: FakeCoinGlass) -> None:
    fake.script(HOOK, Reply(200, b'ok'))
    run = run_in_process(ALERTED_MAX_PAIN | {'notify_url': fake.url + HOOK}, fake.url)
    first, last = run.sink.outputs[0], run.sink.outputs[-1]
    assert first['notification'] == {
        'sent': False,
        'attempts': 0,
        'alerts': 1,
        'error': 'not sent yet: it is being sent',
    }
    assert last['notification'] == {'sent': True, 'attempts': 1, 'alerts': 1, 'error': None}
    assert {key: value for key, value in first.items() if key != 'notification'} == {
        key: value for key, value in last.items() if key != 'notification'
    }


def test_a_webhook_that_answers_a_byte_at_a_time_is_not_waited_for(fake: FakeCoinGlass) -> None:
    """A trickling webhook held a run for 82 s: its answer's body is not read, only its status."""
    fake.script(HOOK, Reply(200, b'.' * 100_000, trickle_s=0.05))  # 5,000 s of body
    run = run_in_process(ALERTED_MAX_PAIN | {'notify_url': fake.url + HOOK}, fake.url)
    assert run.record('OUTPUT')['notification'] == {'sent': True, 'attempts': 1, 'alerts': 1, 'error': None}


def test_a_webhook_that_never_answers_meets_the_notifications_deadline(
    fake: FakeCoinGlass, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr('src.notify.NOTIFY_TIMEOUT_S', 0.3)
    monkeypatch.setattr('src.notify.NOTIFY_DEADLINE_S', 0.5)
    monkeypatch.setattr('src.notify.NOTIFY_BACKOFF_S', 0.001)
    fake.script(HOOK, *[Reply(200, b'ok', delay_s=5)] * 3)
    run = run_in_process(ALERTED_MAX_PAIN | {'notify_url': fake.url + HOOK}, fake.url)
    notification = run.record('OUTPUT')['notification']
    assert notification['sent'] is False
    assert notification['error'] == 'no answer within the 0.5 s the notification may take'
    assert notification['attempts'] < 3
    assert 'slow-token-1234' not in run.everything()
