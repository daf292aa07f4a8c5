"""Turn the time forms users type into epoch milliseconds.

Accepted: epoch milliseconds (numbers below 10^11 are read as epoch seconds), ISO 8601 dates and
date-times (UTC unless they carry an offset), `now`, and relative spans counted back from now such as
`7 days`, `7 days ago`, `12h`, `3 weeks`, `90 minutes`, `2 months`, `6mo`, `1 year ago`, `1y`.

`m` is minutes (as in the interval `5m`); months are `mo`, `month` or `months`. Whole months and years count back
on the calendar, as people mean them: 2 months before 2025-11-21 12:00 is 2025-09-21 12:00, and a month before
31 March is the last day of February. Fractions of them (`1.5 months`), and spans with no date to count from
(`duration_ms`), use fixed lengths: a month is 30 days, a year 365.

A date that cannot exist (`2025-13-01`, `2025-02-30`) is refused saying what is wrong with it.
"""

from __future__ import annotations

import calendar
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
    'mo': 'mo',
    'mos': 'mo',
    'month': 'mo',
    'months': 'mo',
    'y': 'y',
    'yr': 'y',
    'yrs': 'y',
    'year': 'y',
    'years': 'y',
}
CALENDAR_MONTHS: Final = {'mo': 1, 'y': 12}  # units that count back on the calendar, in months
FIXED_DAYS: Final = {'mo': 30, 'y': 365}  # their length where no calendar applies
MONTH_NAMES: Final = ('', 'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
                      'October', 'November', 'December')  # fmt: skip
_RELATIVE: Final = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)\s*(?:ago)?\s*$', re.IGNORECASE)
_SECONDS_BELOW: Final = 10**11
ACCEPTED_FORMS: Final = (
    "epoch milliseconds, an ISO 8601 date such as '2025-01-31' or '2025-01-31T12:00:00Z', "
    "'now', or a span back from now such as '7 days', '12h', '3 weeks ago', '6mo' or '1 year ago'"
)
NOT_A_TIME: Final = f'not a time: use {ACCEPTED_FORMS}'
_ISO_PARTS: Final = re.compile(r'^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?')


class TimeFormatError(ValueError):
    """A value that is none of the accepted time forms; `why` says so, to follow `which is`."""

    def __init__(self, value: str, why: str = NOT_A_TIME) -> None:
        super().__init__(value)
        self.why = why


def duration_ms(text: str) -> int:
    """Milliseconds in a span such as `12h`, `7 days`, `6mo` or `1y` (a month is 30 days, a year 365)."""
    amount, unit = _span(text)
    per = FIXED_DAYS[unit] * MS_PER['d'] if unit in FIXED_DAYS else MS_PER[unit]
    if not math.isfinite(amount * per):
        raise TimeFormatError(text)
    return round(amount * per)


def _span(text: str) -> tuple[float, str]:
    """A span's amount and unit (`m`, `h`, `d`, `w`, `mo` or `y`)."""
    match = _RELATIVE.match(text)
    unit = _UNIT_WORDS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise TimeFormatError(text)
    return float(match.group(1)), unit


def _back_from(now_ms: int, text: str) -> int:
    """`now_ms` less the span `text`: whole months and years on the calendar, anything else by its length."""
    amount, unit = _span(text)
    if unit in CALENDAR_MONTHS and amount.is_integer():
        return _months_before(now_ms, int(amount) * CALENDAR_MONTHS[unit], text)
    return now_ms - duration_ms(text)


def _months_before(now_ms: int, months: int, text: str) -> int:
    """The same day and time `months` calendar months before `now_ms`, on the month's last day if it is shorter."""
    now = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    if year < 1:
        raise TimeFormatError(text, 'not a time: it reaches back before the year 1')
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return round(now.replace(year=year, month=month + 1, day=day).timestamp() * 1000)


def _impossible(text: str) -> str | None:
    """What makes an ISO 8601 date or time that Python refused impossible (`February 2025 has 28 days`), or None."""
    match = _ISO_PARTS.match(text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.group(1, 2, 3))
    if not 1 <= month <= 12:
        return f'not a date: month {match.group(2)} does not exist (months run from 01 to 12)'
    if year < 1:
        return 'not a date: the year 0000 does not exist'
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f'not a date: {MONTH_NAMES[month]} {year} has {days} days, so there is no day {match.group(3)}'
    clock = zip(('hour', 'minute', 'second'), match.group(4, 5, 6), (23, 59, 59), strict=True)
    for name, value, top in clock:
        if value is not None and int(value) > top:
            return f'not a time: {name} {value} does not exist ({name}s run from 00 to {top})'
    return None


def to_epoch_ms(value: float | str, *, now_ms: int) -> int:
    """Read one time value as epoch milliseconds.

    Raises:
        TimeFormatError: The value is none of the accepted forms, or a date that cannot exist; `why` says which.
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
    if _RELATIVE.match(text):
        return _back_from(now_ms, text)
    try:
        parsed = datetime.fromisoformat(text.replace('z', 'Z'))
    except ValueError as error:
        raise TimeFormatError(value, _impossible(text) or NOT_A_TIME) from error
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
