"""Turn the time forms users type into epoch milliseconds.

Accepted: epoch milliseconds (numbers below 10^11 are read as epoch seconds), ISO 8601 dates and
date-times (UTC unless they carry an offset), `now`, and relative spans counted back from now such as
`7 days`, `7 days ago`, `12h`, `3 weeks`, `90 minutes`.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Final

MS_PER: Final = {
    'm': 60_000,
    'h': 3_600_000,
    'd': 86_400_000,
    'w': 604_800_000,
}
_UNIT_WORDS: Final = {
    'm': 'm',
    'min': 'm',
    'mins': 'm',
    'minute': 'm',
    'minutes': 'm',
    'h': 'h',
    'hr': 'h',
    'hrs': 'h',
    'hour': 'h',
    'hours': 'h',
    'd': 'd',
    'day': 'd',
    'days': 'd',
    'w': 'w',
    'week': 'w',
    'weeks': 'w',
    'y': 'y',
    'year': 'y',
    'years': 'y',
}
_RELATIVE: Final = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)\s*(?:ago)?\s*$', re.IGNORECASE)
_SECONDS_BELOW: Final = 10**11
ACCEPTED_FORMS: Final = (
    "epoch milliseconds, an ISO 8601 date such as '2025-01-31' or '2025-01-31T12:00:00Z', "
    "'now', or a span back from now such as '7 days', '12h' or '3 weeks ago'"
)


class TimeFormatError(ValueError):
    """A value that is none of the accepted time forms."""


def duration_ms(text: str) -> int:
    """Milliseconds in a span such as `12h`, `7 days` or `1y` (a year is 365 days)."""
    match = _RELATIVE.match(text)
    if not match:
        raise TimeFormatError(text)
    amount, word = float(match.group(1)), match.group(2).lower()
    unit = _UNIT_WORDS.get(word)
    if unit is None:
        raise TimeFormatError(text)
    per = 365 * MS_PER['d'] if unit == 'y' else MS_PER[unit]
    if not math.isfinite(amount * per):
        raise TimeFormatError(text)
    return round(amount * per)


def to_epoch_ms(value: float | str, *, now_ms: int) -> int:
    """Read one time value as epoch milliseconds.

    Raises:
        TimeFormatError: The value is none of the accepted forms.
    """
    if isinstance(value, bool):
        raise TimeFormatError(str(value))
    if isinstance(value, int | float):
        return _from_number(value)
    text = value.strip()
    if not text:
        raise TimeFormatError(value)
    if re.fullmatch(r'\d+(\.\d+)?', text):
        return _from_number(float(text))
    if text.lower() == 'now':
        return now_ms
    try:
        return now_ms - duration_ms(text)
    except TimeFormatError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace('z', 'Z'))
    except ValueError as error:
        raise TimeFormatError(value) from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return round(parsed.timestamp() * 1000)


def _from_number(number: float) -> int:
    if not math.isfinite(number) or number < 0:
        raise TimeFormatError(str(number))
    return round(number * 1000) if number < _SECONDS_BELOW else round(number)


def iso(epoch_ms: int) -> str:
    """An epoch-millisecond time as an ISO 8601 UTC string, for messages (the raw number when no date holds it)."""
    try:
        return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime('%Y-%m-%d %H:%M UTC')
    except (OverflowError, OSError, ValueError):
        return f'{epoch_ms} ms'
