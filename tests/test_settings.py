"""The settings from the environment: one parsing rule, one warning for a bad value, and the documented table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import settings_from

from src.settings import DEFAULT_BASE_URL, Settings, variable

DEVELOPMENT = (Path(__file__).resolve().parent.parent / 'docs' / 'development.md').read_text()  # its table


def test_defaults() -> None:
    settings, warnings = settings_from({})
    assert warnings == []
    assert settings == Settings()
    assert (settings.base_url, settings.read_timeout_s, settings.retry_max_attempts) == (DEFAULT_BASE_URL, 60.0, 6)
    assert settings.api_key is None


def test_every_variable_is_read() -> None:
    env = {
        'COINGLASS_API_KEY': 'k-1',
        'COINGLASS_BASE_URL': 'http://127.0.0.1:9',
        'COINGLASS_CONNECT_TIMEOUT_S': '2',
        'COINGLASS_READ_TIMEOUT_S': '0.3',
        'COINGLASS_RATE_WINDOW_S': '1.5',
        'COINGLASS_RETRY_MAX_ATTEMPTS': '3',
        'COINGLASS_RETRY_BASE_DELAY_S': '0.01',
        'COINGLASS_RETRY_MAX_DELAY_S': '0.2',
        'COINGLASS_RETRY_MAX_WAIT_S': '5',
        'COINGLASS_PUSH_GROUP_SIZE': '7',
        'COINGLASS_PUSH_EVERY_S': '0.25',
    }
    assert set(env) == {variable(name) for name in Settings.model_fields}
    settings, warnings = settings_from(env)
    assert warnings == []
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == 'k-1'
    assert (settings.connect_timeout_s, settings.read_timeout_s, settings.rate_window_s) == (2.0, 0.3, 1.5)
    assert (settings.retry_max_attempts, settings.retry_base_delay_s) == (3, 0.01)
    assert (settings.retry_max_delay_s, settings.retry_max_wait_s) == (0.2, 5.0)
    assert (settings.push_group_size, settings.push_every_s) == (7, 0.25)


@pytest.mark.parametrize(
    ('name', 'value', 'allowed'),
    [
        ('COINGLASS_RETRY_MAX_ATTEMPTS', '2.5', 'a whole number above 0'),
        ('COINGLASS_RETRY_MAX_ATTEMPTS', '0', 'a whole number above 0'),
        ('COINGLASS_RETRY_BASE_DELAY_S', '-1', 'a number of seconds above 0'),
        ('COINGLASS_RETRY_MAX_WAIT_S', 'x', 'a number of seconds above 0'),
        ('COINGLASS_RATE_WINDOW_S', '0', 'a number of seconds above 0'),
        ('COINGLASS_RATE_WINDOW_S', 'inf', 'a number of seconds above 0'),
        ('COINGLASS_RATE_WINDOW_S', 'nan', 'a number of seconds above 0'),
        ('COINGLASS_READ_TIMEOUT_S', 'abc', 'a number of seconds above 0'),
    ],
)
def test_a_bad_value_keeps_the_default_and_warns_once(name: str, value: str, allowed: str) -> None:
    settings, warnings = settings_from({name: value, 'COINGLASS_CONNECT_TIMEOUT_S': '3'})
    field = name.removeprefix('COINGLASS_').lower()
    assert getattr(settings, field) == Settings.model_fields[field].default
    assert settings.connect_timeout_s == 3.0  # the good variable beside it still counts
    expected = (
        f'Environment variable {name} is {value!r}, which is not allowed: it must be {allowed}. '
        f'Using the default {Settings.model_fields[field].default}.'
    )
    assert warnings == [expected]


def test_the_key_is_never_in_a_warning() -> None:
    settings, warnings = settings_from({'COINGLASS_API_KEY': 'secret-9', 'COINGLASS_READ_TIMEOUT_S': 'x'})
    assert 'secret-9' not in ' '.join(warnings)
    assert 'secret-9' not in repr(settings)


def test_the_documented_table_lists_every_variable_with_its_default() -> None:
    section = DEVELOPMENT.split('## Configuration (environment)')[1].split('\n## ')[0]
    rows = {
        match[0]: match[1] for match in re.findall(r'^\| `(COINGLASS_\w+)` \| .*? \| (.*?) \|$', section, re.MULTILINE)
    }
    assert set(rows) == {variable(name) for name in Settings.model_fields}
    for name, field in Settings.model_fields.items():
        shown = rows[variable(name)].strip('`')
        default = field.default
        expected = '-' if default is None else f'{default:g}' if isinstance(default, float) else str(default)
        assert shown == expected, (name, shown, expected)
