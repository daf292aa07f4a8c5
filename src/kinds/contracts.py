"""Reply contracts: typed pydantic models of what CoinGlass really sends, and how a reply that breaks one is reported.

The models follow CoinGlass's live replies first and its documentation second (see `../shared/real-responses/`):
every spelling seen live or documented is accepted (the exchange list's `longLiquidation_usd` beside the
documented `long_liquidation_usd`), fields we do not know are kept, numeric strings become numbers, JSON numbers
stay as sent (an int stays an int), and a missing value stays missing (`null`, never 0). Anything else (`"n/a"`
where an amount belongs, an index outside its axis) raises `BadResponseError` naming the field and the value;
the fetch stage adds the endpoint.

A list reply becomes a `Table`: the rows as they go into the dataset (CoinGlass's own field names, values typed,
unknown fields untouched) and the same rows as typed records under our names, for the summaries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Final, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from src.errors import BadResponseError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

R = TypeVar('R', bound='Record')
MAX_SHOWN_CHARS = 40
NEGATIVE_NOISE = 1e-9
MAX_AMOUNT = 1e15  # USD: a thousand times all crypto's worth
YEAR_2100_MS = 4_102_444_800_000


def to_number(value: Any) -> int | float | None:
    """A finite number as sent (int or float), a numeric string as a float, None as None.

    Raises:
        ValueError: The value is not a finite number (`"n/a"`, `true`, `Infinity`, an object).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError('not a number')  # noqa: TRY004 - pydantic reports ValueError, not TypeError
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        result = value
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            raise ValueError('not a number') from None
    else:
        raise ValueError('not a number')  # noqa: TRY004 - pydantic reports ValueError, not TypeError
    if not math.isfinite(result):
        raise ValueError('not a finite number')
    return result


def to_whole(value: Any) -> int:
    """A whole number of 0 or more (a time or an index) from a number or a numeric string.

    Raises:
        ValueError: The value is missing, negative or not a whole number.
    """
    number = to_number(value)
    if number is None or number != int(number) or number < 0:
        raise ValueError('not a whole number of 0 or more')
    return int(number)


def to_amount(value: Any) -> int | float | None:
    """A USD amount or a price: 0 to MAX_AMOUNT (float noise below 0 by less than 1e-9 is read as 0).

    Raises:
        ValueError: The value is not a finite number, negative (no liquidation, level or price is) or above
            MAX_AMOUNT (a thousand times all crypto's worth: a broken reply).
    """
    number = to_number(value)
    if number is not None and number < 0:
        if number > -NEGATIVE_NOISE:
            return 0.0
        raise ValueError('negative, and no amount or price is')
    if number is not None and number > MAX_AMOUNT:
        raise ValueError(f'above {MAX_AMOUNT:.0e}, more than any amount or price')
    return number


def _time_until(limit: int, unit: str) -> Callable[[Any], int]:
    def to_time(value: Any) -> int:
        time = to_whole(value)
        if time > limit:
            raise ValueError(f'a time after the year 2100 in {unit}')
        return time

    return to_time


Amount = Annotated[int | float | None, BeforeValidator(to_amount)]
"""A USD amount or a price: a number of 0 or more as sent, a numeric string as a float, None when CoinGlass sent
none."""
EpochMs = Annotated[int, BeforeValidator(_time_until(YEAR_2100_MS, 'ms'))]
"""A time in epoch milliseconds, before 2100."""
EpochS = Annotated[int, BeforeValidator(_time_until(YEAR_2100_MS // 1000, 's'))]
"""A time in epoch seconds (heatmap candles), before 2100."""


def padded(length: int) -> BeforeValidator:
    """A validator reading a list shorter than `length` (but not empty) as if padded with None."""

    def pad(value: Any) -> Any:
        if isinstance(value, list) and 0 < len(value) < length:
            return [*value, *([None] * (length - len(value)))]
        return value

    return BeforeValidator(pad)


def spelled(*names: str) -> Any:
    """A field CoinGlass spells in any of `names` (live spellings first); missing means None."""
    return Field(default=None, validation_alias=AliasChoices(*names))


DEFERRED: Final = ConfigDict(defer_build=True)
"""For a TypeAdapter: built on first use, not on import (a run reads few kinds of reply)."""


class Record(BaseModel):
    """One row of a list reply, typed; fields we do not know are kept in `model_extra`."""

    model_config = ConfigDict(extra='allow', frozen=True, defer_build=True)  # built on first use: a run reads few


@dataclass(frozen=True)
class Table(Generic[R]):
    """A list reply: `rows` as they go into the dataset (CoinGlass's names, typed), `records` the same rows typed."""

    rows: list[dict[str, Any]]
    records: list[R]

    def __len__(self) -> int:
        return len(self.rows)

    def head(self, count: int) -> Table[R]:
        """The first `count` rows."""
        return Table(self.rows[:count], self.records[:count])

    def tail(self, count: int) -> Table[R]:
        """The last `count` rows."""
        return Table(self.rows[-count:], self.records[-count:]) if count else Table([], [])

    def select(self, keep: Sequence[int]) -> Table[R]:
        """The rows at the given positions, in that order."""
        return Table([self.rows[i] for i in keep], [self.records[i] for i in keep])


def read_table(data: Any, model: type[R]) -> Table[R]:
    """A list reply (None for no data) as a `Table` of `model` records.

    Raises:
        BadResponseError: The reply is not a list of objects, or a row breaks the contract (the message names
            `data[<row>].<field>` and its value).
    """
    if data is None:
        return Table([], [])
    if not isinstance(data, list):
        raise bad('data', data, 'not a list')
    names = _field_names(model)
    rows: list[dict[str, Any]] = []
    records: list[R] = []
    for index, row in enumerate(data):
        if not isinstance(row, dict):
            raise bad(f'data[{index}]', row, 'not an object')
        record = validate(model, row, f'data[{index}]')
        rows.append({key: getattr(record, names[key]) if key in names else value for key, value in row.items()})
        records.append(record)
    return Table(rows, records)


def validate(model: type[R], value: Any, where: str) -> R:
    """`value` as a `model`; a break of the contract as `BadResponseError` naming the field under `where`."""
    try:
        return model.model_validate(value)
    except ValidationError as error:
        raise from_validation(error, where) from None


def from_validation(error: ValidationError, where: str) -> BadResponseError:
    """The first problem of a pydantic error as `BadResponseError`: `<where>.<field> is <value>: <reason>`."""
    first = error.errors()[0]
    path = where + ''.join(f'[{part}]' if isinstance(part, int) else f'.{part}' for part in first['loc'])
    reason = str(first['msg']).removeprefix('Value error, ')
    value = first.get('input')
    if first['type'] == 'missing':
        return BadResponseError(f'{path} is missing', retryable=False)
    return bad(path, value, reason)


def bad(where: str, value: Any, reason: str) -> BadResponseError:
    """A reply CoinGlass should not have sent: `<where> is <value>: <reason>` (not retried)."""
    return BadResponseError(f'{where} is {_show(value)}: {reason}', retryable=False)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 3] + '...'


def _field_names(model: type[Record]) -> Mapping[str, str]:
    """Every spelling of the model's fields -> the field's name."""
    names: dict[str, str] = {}
    for name, field in model.model_fields.items():
        names[name] = name
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update((str(choice), name) for choice in alias.choices)
        elif isinstance(alias, str):
            names[alias] = name
    return names


class PriceCandle(Record):
    """One candle of CoinGlass's price history: its open time (epoch ms) and close (USD; a string live)."""

    time: EpochMs
    close: Amount = None
