"""Alert rules: a summary figure of a mode, compared with a threshold after each successful query of that mode.

A rule is `{"mode": "liquidation_map", "field": "cumulative_below_usd.2", "above": 50000000}` (or `"below"`): the
field is a dotted path into the mode's summary (list positions are numbers: `largest_below.0.level_usd`), one of
the figures its kind offers (`KindSpec.figures`, each read by a typed getter). Rules are validated with the input,
before any request.
A rule fires when its figure is known and strictly above (or below) the threshold; a rule that does not fire costs
nothing, and alerts never change what is charged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel, ConfigDict, FiniteFloat, ValidationError, model_validator

from src.kinds import spec_of
from src.kinds.figures import format_exact_price, format_usd
from src.modes import Mode
from src.suggest import did_you_mean, field_hint

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_RULES: Final = 50
RULE_FORM: Final = '{"mode": ..., "field": ..., "above" or "below": <number>}'


class AlertRuleError(ValueError):
    """A rule that cannot be checked; the message names the rule and what is allowed."""


class AlertRule(BaseModel):
    """One rule: fire when `field` of `mode`'s summary is above `above` or below `below` (exactly one is given)."""

    model_config = ConfigDict(extra='forbid', frozen=True)

    mode: Mode
    field: str
    above: int | FiniteFloat | None = None
    below: int | FiniteFloat | None = None
    name: str | None = None

    @model_validator(mode='after')
    def _one_comparison(self) -> AlertRule:
        if (self.above is None) == (self.below is None):
            raise ValueError('give exactly one of above or below, a number')
        return self

    def fires(self, value: float | None) -> bool:
        """Whether the rule fires for the figure `value` (a missing figure never fires)."""
        if value is None:
            return False
        return value > self.above if self.above is not None else value < (self.below or 0.0)

    @property
    def threshold(self) -> float:
        """The number the figure is compared with."""
        return self.above if self.above is not None else (self.below or 0.0)

    @property
    def comparison(self) -> str:
        """`above` or `below`."""
        return 'above' if self.above is not None else 'below'


@dataclass(frozen=True)
class FiredAlert:
    """A rule that fired on one query's summary: the figure, and a sentence a person can read."""

    rule: AlertRule
    value: float
    subject: str
    query_index: int | None

    @property
    def text(self) -> str:
        """`liquidation_map Binance_BTCUSDT (1d): cumulative_below_usd.2 is $63.2M, above $50M.`."""
        label = f'{self.rule.name}: ' if self.rule.name else ''
        return (
            f'{label}{self.rule.mode} {self.subject}: {self.rule.field} is {_figure(self.rule.field, self.value)}, '
            f'{self.rule.comparison} {_figure(self.rule.field, self.rule.threshold)}.'
        )

    def as_item(self) -> dict[str, Any]:
        """The alert as it goes into the item, `OUTPUT` and the notification."""
        return {
            'mode': str(self.rule.mode),
            'field': self.rule.field,
            self.rule.comparison: self.rule.threshold,
            'value': self.value,
            'name': self.rule.name,
            'query_index': self.query_index,
            'subject': self.subject,
            'text': self.text,
        }


def parse_rules(raw: Any, run_mode: Mode | None = None) -> tuple[AlertRule, ...]:
    """The input's `alerts` as rules; a rule without a `mode` is for `run_mode`, the mode of every query of the run.

    Raises:
        AlertRuleError: A rule names an unknown mode, a field its mode's summary lacks, or no number to compare
            with; the message names the rule (`alerts[1]`) and what is allowed.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_RULES:
        raise AlertRuleError(f"Input field 'alerts' must be a list of up to {MAX_RULES} rules.")
    return tuple(_rule(index, entry, run_mode) for index, entry in enumerate(raw))


def _rule(index: int, entry: Any, run_mode: Mode | None) -> AlertRule:
    where = f'alerts[{index}]'
    if not isinstance(entry, dict):
        raise AlertRuleError(f'{where} is {_shown(entry)}, not a rule: give {RULE_FORM}.')
    unknown = sorted(str(key) for key in entry if key not in AlertRule.model_fields)
    if unknown:  # named, never shown: a misplaced notify_url or api_key must not be echoed
        raise AlertRuleError(
            f"{where}: '{unknown[0]}' is not a field of a rule{field_hint(unknown[0], AlertRule.model_fields)} (they "
            f'are {", ".join(AlertRule.model_fields)}): give {RULE_FORM}.'
        )
    given_mode = entry.get('mode')
    mode = run_mode if run_mode is not None and _blank(given_mode) else _rule_mode(where, given_mode)
    fields = spec_of(mode).alert_fields
    if not fields:
        raise AlertRuleError(f'{where}: {mode} has no summary figures to alert on.')
    if entry.get('field') not in fields:
        raise AlertRuleError(
            f'{where}: field {_shown(entry.get("field"))} is not a figure of the {mode} summary'
            f'{did_you_mean(entry.get("field"), fields)}: use one of {", ".join(fields)}.'
        )
    numbers = {comparison: _number(where, comparison, entry.get(comparison)) for comparison in ('above', 'below')}
    try:
        return AlertRule.model_validate({**entry, 'mode': mode, **numbers})
    except ValidationError as error:
        problem = error.errors()[0]
        name = '.'.join(str(part) for part in problem['loc']) or 'rule'
        reason = str(problem['msg']).removeprefix('Value error, ')
        raise AlertRuleError(f'{where}: {name}: {reason}.') from None


def _number(where: str, comparison: str, value: Any) -> float | int | None:
    """A threshold: a number, or a text that is one (`"1e6"`, as `limit` takes `"50"`); not true or false."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip().replace('_', ''))
        except ValueError:
            pass
        else:
            return int(number) if number.is_integer() else number
    raise AlertRuleError(f'{where}: {comparison} is {_shown(value)}, not a number: give a number such as 1000000.')


def _rule_mode(where: str, value: Any) -> Mode:
    """The rule's mode, read as the input's `mode` is (any case, blanks around it ignored)."""
    allowed = f'use one of {", ".join(_alertable_modes())}'
    if _blank(value):
        raise AlertRuleError(f'{where}: mode is missing (a run of one mode may leave it out): {allowed}.')
    try:
        return Mode(value.strip().lower() if isinstance(value, str) else value)
    except ValueError:
        raise AlertRuleError(f'{where}: mode {_shown(value)} is not a mode: {allowed}.') from None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_rule_modes(rules: Sequence[AlertRule], modes: Sequence[Mode]) -> None:
    """Refuse a rule for a mode no query of the run has: it could never fire (a typo, or a forgotten query).

    Raises:
        AlertRuleError: Naming the rule, its mode and the run's modes.
    """
    for index, rule in enumerate(rules):
        if rule.mode not in modes:
            raise AlertRuleError(
                f'alerts[{index}] is for {rule.mode}, which no query of this run has (they are '
                f'{", ".join(dict.fromkeys(str(mode) for mode in modes))}): it could never fire.'
            )


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 120 else text[:117] + '...'


def evaluate(
    rules: Sequence[AlertRule], mode: Mode, summary: Any, *, subject: str, index: int | None
) -> tuple[FiredAlert, ...]:
    """The rules of `mode` that fire on its kind's typed `summary` (None: no summary), in the order given."""
    if summary is None:
        return ()
    figures = spec_of(mode).figures
    fired = []
    for rule in rules:
        if rule.mode is not mode:
            continue
        value = figures[rule.field](summary)
        if rule.fires(value):
            fired.append(FiredAlert(rule, float(value or 0.0), subject, index))
    return tuple(fired)


def _figure(path: str, value: float) -> str:
    """A figure as people read it: `$13.7M` for USD, `95,000` for a price, `2.5` otherwise."""
    name = next(part for part in reversed(path.split('.')) if not part.isdigit())
    if name.endswith(('usd', 'usd_24h', 'usd_value')) or name == 'total':
        return format_usd(value)
    if name.endswith('price') or name == 'last_close':
        return format_exact_price(value)
    return f'{value:,.10g}'


def _alertable_modes() -> list[str]:
    return [str(mode) for mode in Mode if spec_of(mode).alert_fields]
