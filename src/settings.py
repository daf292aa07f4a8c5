"""The Actor's configuration from the environment, read once per run into one `Settings` object.

Every variable is `COINGLASS_` + the field name upper-cased (`read_timeout_s` is `COINGLASS_READ_TIMEOUT_S`).
One rule for a bad value: the run goes on with the field's default, and `Settings.load` returns one warning per
bad variable naming it, its value and what it must be. The key is never part of a warning.
"""

from __future__ import annotations

import math
import os
from typing import Annotated, Final, Self

from pydantic import AfterValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX: Final = 'COINGLASS_'
DEFAULT_BASE_URL: Final = 'https://open-api-v4.coinglass.com'


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError('not finite')
    return value


Seconds = Annotated[float, Field(gt=0), AfterValidator(_finite)]
Count = Annotated[int, Field(gt=0)]

_ALLOWED: Final[dict[type | None, str]] = {
    float: 'a number of seconds above 0',
    int: 'a whole number above 0',
    str: 'text',
}


class Settings(BaseSettings):
    """Everything the environment configures; the defaults are what a run on the platform uses."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra='ignore', frozen=True)

    api_key: SecretStr | None = Field(default=None, description='the key when the input has no `api_key`')
    base_url: str = Field(default=DEFAULT_BASE_URL, description="CoinGlass's address (tests point it at the fake)")
    connect_timeout_s: Seconds = Field(default=10.0, description='seconds to wait for a connection')
    read_timeout_s: Seconds = Field(
        default=60.0, description='seconds to wait for an answer (each read; a whole request gets twice this)'
    )
    rate_window_s: Seconds = Field(default=60.0, description="the length of CoinGlass's rate-limit window, in seconds")
    retry_max_attempts: Count = Field(default=6, description='tries per request, the first included')
    retry_base_delay_s: Seconds = Field(default=0.5, description='the first backoff in seconds, doubled each retry')
    retry_max_delay_s: Seconds = Field(default=8.0, description='the cap on one backoff, in seconds')
    retry_max_wait_s: Seconds = Field(
        default=180.0, description="the cap on one request's tries and the waits between them together, in seconds"
    )
    push_group_size: Count = Field(
        default=100, description='results pushed (and charged) together in one call, at most'
    )
    push_every_s: Seconds = Field(
        default=1.0, description='seconds a finished result waits at most before it is pushed'
    )

    @classmethod
    def load(cls) -> tuple[Self, list[str]]:
        """The settings from the environment, and a warning for each variable whose value was bad.

        A bad variable's field keeps its default; the warning names the variable, its value and what it must be.
        """
        try:
            return cls(), []
        except ValidationError as error:
            bad = sorted({str(problem['loc'][0]) for problem in error.errors() if problem['loc']})
        warnings = [
            f'Environment variable {variable(name)} is {os.environ.get(variable(name))!r}, which is not allowed: it '
            f'must be {_ALLOWED.get(_type_of(cls.model_fields[name].annotation), "valid")}. Using the default '
            f'{cls.model_fields[name].default}.'
            for name in bad
        ]
        return cls(**{name: cls.model_fields[name].default for name in bad}), warnings


def variable(name: str) -> str:
    """The environment variable of a settings field: `read_timeout_s` -> `COINGLASS_READ_TIMEOUT_S`."""
    return ENV_PREFIX + name.upper()


def _type_of(annotation: object) -> type | None:
    return annotation if isinstance(annotation, type) else None
