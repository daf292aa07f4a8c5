"""Watching the market: alert rules, new-since-last-run, and the notification, against the fake CoinGlass and a
webhook receiver on 127.0.0.1 (a real HTTP server, as Slack or Discord would be)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from conftest import MemorySink, run_in_process
from fake_coinglass import NOW_MS, Reply

from src.inputs import InputError, parse_run_input
from src.modes import Mode

if TYPE_CHECKING:
    from conftest import ActorRun, InProcessRun, Receiver
    from fake_coinglass import FakeCoinGlass

ORDERS = '/api/futures/liquidation/order'
MINUTE = 60_000
HOUR = 3_600_000
PAIR_HISTORY = '/api/futures/liquidation/history'
TASK: dict[str, Any] = {
    'mode': 'liquidation_orders',
    'exchange': 'Binance',
    'coin': 'BTC',
    'min_liquidation_amount': 10000,
    'since_last_run': True,
    'alerts': [{'mode': 'liquidation_orders', 'field': 'largest_order.usd_value', 'above': 1_000_000}],
}


def order(minutes_ago: int, usd: float, side: int = 2) -> dict[str, Any]:
    return {
        'exchange_name': 'BINANCE',
        'symbol': 'BTCUSDT',
        'base_asset': 'BTC',
        'price': 95000.0 - minutes_ago,
        'usd_value': usd,
        'side': side,
        'time': NOW_MS - minutes_ago * MINUTE,
    }


def ok(data: Any) -> Reply:
    return Reply(200, {'code': '0', 'msg': 'success', 'data': data})


# --- rules are validated before any request ----------------------------------------------------------------------

BAD_RULES = [
    pytest.param({'mode': 'liquidation_mapp', 'field': 'total_usd', 'above': 1}, ['alerts[0]', '"liquidation_mapp" is not a mode', 'liquidation_map'], id='unknown-mode'),
    pytest.param(
        {'field': 'largest_order.usd', 'above': 1},
        ['not a figure of the liquidation_max_pain summary', 'use one of coins'],  # the run's one mode
        id='no-mode',
    ),
    pytest.param(
        {'mode': 'liquidation_map', 'field': 'cumulative_below.2', 'above': 1},
        ['alerts[0]', '"cumulative_below.2"', 'not a figure of the liquidation_map summary', 'cumulative_below_usd.2'],
        id='unknown-field',
    ),
    pytest.param(
        {'mode': 'liquidation_orders', 'field': 'largest_order.usd_value', 'above': 'a million'},
        ['alerts[0]: above is "a million", not a number'],
        id='not-a-number',
    ),
    pytest.param(
        {'mode': 'liquidation_orders', 'field': 'largest_order.usd_value', 'below': True},  # would read as 1
        ['alerts[0]: below is true, not a number'],
        id='true-is-no-number',
    ),
    pytest.param(
        {'mode': 'liquidation_exchange_list', 'field': 'total_usd', 'above': 1},
        ['alerts[0] is for liquidation_exchange_list, which no query of this run has (they are liquidation_max_pain)',
         'could never fire'],
        id='mode-not-in-the-run',
    ),
    pytest.param({'mode': 'liquidation_orders', 'field': 'count'}, ['alerts[0]', 'exactly one of above or below'], id='no-comparison'),
    pytest.param(
        {'mode': 'liquidation_orders', 'field': 'count', 'above': 1, 'below': 5},
        ['alerts[0]', 'exactly one of above or below'],
        id='both-comparisons',
    ),
    pytest.param({'mode': 'search_symbols', 'field': 'count', 'above': 1}, ['alerts[0]', 'search_symbols has no summary figures'], id='no-summary'),
    pytest.param('count > 5', ['alerts[0] is "count > 5", not a rule'], id='not-an-object'),
    pytest.param(
        {'mode': 'liquidation_max_pain', 'field': 'coins', 'above': 1, 'notify_url': 'https://hooks.example/SECRET-7'},
        ["alerts[0]: 'notify_url' is not a field of a rule (they are mode, field, above, below, name)"],
        id='misplaced-notify-url',
    ),
]  # fmt: skip


@pytest.mark.parametrize(('rule', 'fragments'), BAD_RULES)
def test_a_bad_rule_is_refused_before_any_request(
    actor: Any, fake: FakeCoinGlass, rule: Any, fragments: list[str]
) -> None:
    run = actor({'mode': 'liquidation_max_pain', 'alerts': [rule]})
    assert (run.exit_code, run.item['error_type']) == (2, 'input')
    for fragment in fragments:
        assert fragment in run.item['message'], (fragment, run.item['message'])
    assert fake.count() == 0
    assert run.charges == []
    assert 'SECRET-7' not in run.everything()


def test_a_rule_without_a_mode_is_for_the_run_s_one_mode_and_refused_in_a_mixed_batch() -> None:
    orders = {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC'}
    rule = {'field': 'largest_order.usd_value', 'above': 500_000}
    (parsed,) = parse_run_input(orders | {'alerts': [rule]}, now_ms=NOW_MS).alerts
    assert parsed.mode is Mode.LIQUIDATION_ORDERS
    same = parse_run_input({'queries': [orders, orders | {'coin': 'ETH'}], 'alerts': [rule]}, now_ms=NOW_MS)
    assert [alert.mode for alert in same.alerts] == [Mode.LIQUIDATION_ORDERS]
    with_a_search = {'queries': [{'mode': 'search_symbols', 'keyword': 'btc'}, orders], 'alerts': [rule]}
    assert [alert.mode for alert in parse_run_input(with_a_search, now_ms=NOW_MS).alerts] == [Mode.LIQUIDATION_ORDERS]
    mixed = {'queries': [orders, {'mode': 'liquidation_max_pain'}], 'alerts': [rule]}
    with pytest.raises(InputError, match=re.escape('alerts[0]: mode is missing (a run of one mode may leave it out)')):
        parse_run_input(mixed, now_ms=NOW_MS)


def test_a_misspelled_key_of_a_rule_names_the_likely_one() -> None:
    rule = {'mode': 'liquidation_max_pain', 'feild': 'coins', 'above': 1}
    with pytest.raises(
        InputError, match=re.escape("alerts[0]: 'feild' is not a field of a rule (did you mean 'field'?)")
    ):
        parse_run_input({'mode': 'liquidation_max_pain', 'alerts': [rule]}, now_ms=NOW_MS)


def test_a_misspelled_figure_names_the_likely_one() -> None:
    rule = {'mode': 'liquidation_orders', 'field': 'largest_order.usd', 'above': 1}
    with pytest.raises(InputError, match=re.escape("(did you mean 'largest_order.usd_value'")):
        parse_run_input(
            {'mode': 'liquidation_orders', 'exchange': 'Binance', 'coin': 'BTC', 'alerts': [rule]}, now_ms=NOW_MS
        )


def test_a_threshold_may_be_a_number_in_text_as_limit_may() -> None:
    rules = [
        {'mode': 'liquidation_max_pain', 'field': 'coins', 'above': '1e3'},
        {'mode': 'liquidation_max_pain', 'field': 'coins', 'below': ' 50 '},
    ]
    parsed = parse_run_input({'mode': 'liquidation_max_pain', 'alerts': rules}, now_ms=NOW_MS).alerts
    assert [(rule.above, rule.below) for rule in parsed] == [(1000, None), (None, 50)]


def test_the_second_rule_is_named_by_its_position() -> None:
    rules = [TASK['alerts'][0], {'mode': 'liquidation_orders', 'field': 'largest', 'below': 3}]
    with pytest.raises(InputError, match=r'alerts\[1\]: field .largest. is not a figure'):
        parse_run_input({'mode': 'liquidation_max_pain', 'alerts': rules}, now_ms=NOW_MS)


def test_since_last_run_is_refused_where_there_are_no_new_rows_to_follow(actor: Any, fake: FakeCoinGlass) -> None:
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'since_last_run': True})
    assert run.item['error_type'] == 'input'
    assert 'only pair_liquidation_history, coin_liquidation_history, liquidation_orders' in run.item['message']
    assert fake.count() == 0


@pytest.mark.parametrize(
    'url',
    [
        'ftp://secret-host/path-123',  # not http(s)
        'https://secret-host:443a/path-123',  # a port that is no number
        'https://secret-host:99999/path-123',  # a port that does not exist
        'https://[::1/secret-host/path-123',  # an unclosed IPv6 address
        'https://secret-host/path-123\x00',  # a control character
        'https:///secret-host/path-123',  # no host
    ],
)
def test_a_notify_url_that_cannot_be_sent_to_is_refused_without_showing_it(
    actor: Any, fake: FakeCoinGlass, url: str
) -> None:
    run = actor({'mode': 'liquidation_max_pain', 'notify_url': url})
    assert run.exit_code == 2
    assert run.item['error_type'] == 'input'
    assert "'notify_url' is (hidden)" in run.item['message']
    assert 'secret-host' not in run.everything()
    assert fake.count() == 0


# --- rules fire on summaries --------------------------------------------------------------------------------------


def test_a_rule_that_fires_leads_the_item_output_and_status_and_changes_no_charge(actor: Any) -> None:
    rules = [
        {'mode': 'liquidation_map', 'field': 'cumulative_below_usd.2', 'above': 10_000_000, 'name': 'BTC longs near'},
        {'mode': 'liquidation_map', 'field': 'short_to_long_ratio', 'below': 0.5},  # 1.553: does not fire
        {'mode': ' LIQUIDATION_MAP', 'field': 'total_usd', 'below': 1},  # the mode read as the input's mode is
    ]
    plain = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d'})
    run = actor({'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '1d', 'alerts': rules})
    item = run.item
    value = item['summary']['cumulative_below_usd']['2']
    assert value > 10_000_000
    assert item['alerts'] == [
        {
            'mode': 'liquidation_map',
            'field': 'cumulative_below_usd.2',
            'above': 10_000_000,
            'value': value,
            'name': 'BTC longs near',
            'query_index': None,
            'subject': 'Binance_BTCUSDT (1d)',
            'text': 'BTC longs near: liquidation_map Binance_BTCUSDT (1d): cumulative_below_usd.2 is $13.7M, above $10M.',
        }
    ]
    output = run.record('OUTPUT')
    assert list(output)[:2] == ['alerts', 'notification']
    assert output['alerts'] == item['alerts']
    assert output['notification'] is None  # no notify_url
    assert run.status.startswith(f'1 alert: {item["alerts"][0]["text"]} Fetched liquidation map')
    assert run.charges == plain.charges
    assert {key: value for key, value in item.items() if key != 'alerts'} == plain.item


def test_rules_that_do_not_fire_cost_nothing_and_leave_an_empty_list(actor: Any) -> None:
    rules = [{'mode': 'liquidation_exchange_list', 'field': 'total_usd', 'above': 1e15}]
    run = actor({'mode': 'liquidation_exchange_list', 'range': '1h', 'alerts': rules})
    assert run.item['alerts'] == []
    assert run.record('OUTPUT')['alerts'] == []
    assert not run.status.startswith('0 alerts')
    assert len(run.charges) == 1


@pytest.mark.parametrize('mode', ['liquidation_map', 'pair_liquidation_history', 'liquidation_orders',
                                  'liquidation_exchange_list', 'liquidation_coin_list', 'liquidation_max_pain',
                                  'pair_liquidation_heatmap'])  # fmt: skip
def test_every_alert_field_is_a_number_of_its_summary(actor: Any, mode: str) -> None:
    """Each figure a rule may name is at that dotted path of the item's summary, and the rule reads that number."""
    from test_readme import INPUTS  # noqa: PLC0415

    from src.kinds import spec_of  # noqa: PLC0415
    from src.modes import Mode  # noqa: PLC0415

    paths = spec_of(Mode(mode)).alert_fields
    rules = [{'mode': mode, 'field': path, 'above': -1e18} for path in paths]  # each fires when its figure is known
    item = actor({**INPUTS[mode], 'alerts': rules}).item
    for path, alert in zip(paths, item['alerts'], strict=True):
        node: Any = item['summary']
        for part in path.split('.'):
            node = node[int(part)] if isinstance(node, list) else node[part]
        assert isinstance(node, int | float), path
        assert alert['field'] == path
        assert alert['value'] == node, path


# --- new since the last run, and the notification --------------------------------------------------------------


def test_a_scheduled_task_delivers_only_new_orders_and_notifies_once(fake: FakeCoinGlass, receiver: Receiver) -> None:
    """Three runs of one task: the first delivers what it finds, the second only what is new (its big order fires
    the alert, POSTed once), the third nothing (not charged, nothing sent)."""
    sink_marks: dict[Any, Any] = {}
    task = TASK | {'notify_url': receiver.url}
    first_orders = [order(30, 20_000), order(40, 600_000, side=1), order(50, 15_000)]
    new_orders = [order(5, 2_500_000), order(10, 40_000, side=1)]

    def run(reply: list[dict[str, Any]], now: int) -> InProcessRun:
        fake.script(ORDERS, ok(reply))
        result = run_in_process(task, fake.url, now_ms=now, sink=MemorySink(marks=sink_marks))
        assert fake.pending() == 0
        return result

    first = run(first_orders, NOW_MS - 20 * MINUTE)
    assert [row['time'] for row in first.item['data']] == [row['time'] for row in first_orders]
    assert first.item['alerts'] == []  # $600K is not above $1M
    assert receiver.bodies == []
    assert len(first.charges) == 1
    (mark,) = sink_marks.values()
    assert mark['time'] == NOW_MS - 30 * MINUTE

    second = run(new_orders + first_orders, NOW_MS)
    request = fake.requests[-1]
    assert int(request.params['start_time']) == NOW_MS - 30 * MINUTE  # asked from the mark on
    assert second.item['data'] == new_orders  # only what is new
    assert len(second.charges) == 1
    (alert,) = second.item['alerts']
    assert alert['value'] == 2_500_000
    assert len(receiver.bodies) == 1
    body = receiver.bodies[0]
    assert body['alerts'] == [alert]
    assert body['text'] == body['content'] == f'🔔 {alert["text"]}'
    assert second.record('OUTPUT')['notification'] == {'sent': True, 'attempts': 1, 'alerts': 1, 'error': None}
    assert second.status.startswith('1 alert: liquidation_orders BTC on Binance: largest_order.usd_value is $2.5M')

    third = run(new_orders + first_orders, NOW_MS + MINUTE)
    assert third.item['success'] is True
    assert third.item['data'] == []
    assert 'nothing new arrived since 2025-11-20 23:55 UTC' in third.item['message']
    assert third.charges == []
    assert len(receiver.bodies) == 1  # nothing sent
    for done in (first, second, third):
        assert receiver.url not in done.everything()
        assert 'secret-path' not in done.everything()


def test_a_history_task_delivers_each_interval_once_it_has_closed(fake: FakeCoinGlass, receiver: Receiver) -> None:
    """Runs every few minutes: the open interval waits until it closes, then comes once, charged and alerted once;
    a run in between delivers nothing, costs nothing and sends nothing."""
    marks: dict[Any, Any] = {}
    rule = {'mode': 'pair_liquidation_history', 'field': 'largest_interval.total_usd', 'above': 0}
    task = {
        'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h', 'since_last_run': True,
        'alerts': [rule], 'notify_url': receiver.url,
    }  # fmt: skip

    def run(now: int, **extra: Any) -> InProcessRun:
        return run_in_process(task | extra, fake.url, sink=MemorySink(marks=marks), now_ms=now)

    first = run(NOW_MS + 5 * MINUTE, limit=3)
    assert [row['time'] for row in first.item['data']] == [NOW_MS - 2 * HOUR, NOW_MS - HOUR]  # not the open one
    assert first.item['summary']['last_interval_open'] is False
    assert len(first.charges) == 1
    (mark,) = marks.values()
    assert mark['time'] == NOW_MS - HOUR
    between = run(NOW_MS + 10 * MINUTE)
    assert between.item['success'] is True
    assert between.item['data'] == []
    assert 'nothing new arrived since 2025-11-20 23:00 UTC' in between.item['message']
    assert between.charges == []
    assert between.item['alerts'] == []
    closed = run(NOW_MS + 65 * MINUTE)
    assert [row['time'] for row in closed.item['data']] == [NOW_MS]  # closed at NOW_MS + 1h: delivered once
    assert len(closed.charges) == 1
    assert len(closed.item['alerts']) == 1
    again = run(NOW_MS + 70 * MINUTE)
    assert again.item['data'] == []
    assert again.charges == []
    assert len(receiver.bodies) == 2  # the first run's alert and the closed interval's, never the empty runs'


def test_a_first_run_before_any_interval_has_closed_is_empty_and_free(fake: FakeCoinGlass) -> None:
    fake.script(PAIR_HISTORY, ok([{'time': NOW_MS, 'long_liquidation_usd': 5.0, 'short_liquidation_usd': 1.0}]))
    query = {'mode': 'pair_liquidation_history', 'symbol': 'Binance_BTCUSDT', 'interval': '1h', 'since_last_run': True}
    run = run_in_process(query, fake.url, sink=MemorySink(marks={}))
    assert run.item['data'] == []
    assert 'no interval has closed yet (the open one is delivered once it closes)' in run.item['message']
    assert run.charges == []


def test_the_mark_moves_only_once_results_are_pushed(fake: FakeCoinGlass) -> None:
    marks: dict[Any, Any] = {}
    stopped = run_in_process(TASK, fake.url, sink=MemorySink(marks=marks, max_total_charge_usd=0.001))
    assert stopped.items == []  # the spending limit stopped it before the push
    assert marks == {}
    fake.script(ORDERS, Reply(500, {'code': '500', 'msg': 'down'}), *[Reply(500, {'code': '500'})] * 5)
    failed = run_in_process(TASK, fake.url, sink=MemorySink(marks=marks), env={'COINGLASS_RETRY_BASE_DELAY_S': '0.001'})
    assert failed.item['error_type'] == 'server'
    assert marks == {}


def test_a_notification_that_fails_is_reported_and_fails_nothing(
    fake: FakeCoinGlass, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr('src.notify.NOTIFY_BACKOFF_S', 0.001)
    receiver.statuses = [500, 502, 503]
    fake.script(ORDERS, ok([order(5, 2_500_000)]))
    run = run_in_process(TASK | {'notify_url': receiver.url}, fake.url)
    assert run.exit_code == 0
    assert run.item['success'] is True
    assert len(receiver.bodies) == 3
    assert run.record('OUTPUT')['notification'] == {'sent': False, 'attempts': 3, 'alerts': 1, 'error': 'HTTP 503'}
    assert 'The alert notification was not sent (HTTP 503)' in run.log
    assert 'The notification was not sent (HTTP 503).' in run.status  # where an agent or a Console user looks
    assert receiver.url not in run.everything()
    assert len(run.charges) == 1


def test_an_unreachable_webhook_does_not_leak_its_url(fake: FakeCoinGlass, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr('src.notify.NOTIFY_BACKOFF_S', 0.001)
    fake.script(ORDERS, ok([order(5, 2_500_000)]))
    url = 'http://127.0.0.1:9/hooks/secret-token-42'  # the discard port: nothing answers
    run = run_in_process(TASK | {'notify_url': url}, fake.url)
    notification = run.record('OUTPUT')['notification']
    assert (notification['sent'], notification['attempts']) == (False, 3)
    assert notification['error'].startswith('no answer (')
    assert 'secret-token-42' not in run.everything()


@pytest.mark.e2e
def test_the_actor_remembers_in_a_named_store_across_runs(
    fake: FakeCoinGlass, tmp_path: Any, receiver: Receiver
) -> None:
    from conftest import run_actor  # noqa: PLC0415

    storage = tmp_path / 'storage'
    task = TASK | {'notify_url': receiver.url, 'since_last_run_store': 'my-task-marks'}
    fake.script(ORDERS, ok([order(30, 20_000)]))
    first: ActorRun = run_actor(task, fake.url, storage, ppe=True)
    assert first.exit_code == 0, first.log[-2000:]
    assert list((storage / 'key_value_stores' / 'my-task-marks').glob('mark-*'))  # a named store: it outlives runs
    fake.script(ORDERS, ok([order(5, 2_500_000), order(30, 20_000)]))
    second = run_actor(task, fake.url, storage, ppe=True, extra={'CRAWLEE_PURGE_ON_START': 'true'})
    assert second.exit_code == 0, second.log[-2000:]
    assert [row['usd_value'] for row in second.item['data']] == [2_500_000]
    assert [charge['event_name'] for charge in second.charges] == ['LIQUIDATION_ORDERS']
    assert len(receiver.bodies) == 1
    assert receiver.url not in second.everything()
    assert 'secret-path' not in second.everything()
