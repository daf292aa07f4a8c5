"""What any input must be before it is read: shallow enough, small enough, and made of numbers JSON can carry.

`check_bounds` runs on the raw input before any field is read, without recursion, so an input nested hundreds of
levels deep is refused in one line instead of ending in a traceback. The bounds are far above what any valid input
needs: the deepest field the schema allows is 4 levels down (`queries` -> an entry -> `exchanges` -> a name), and a
batch of 1,000 queries is about 100 KB of JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

MAX_INPUT_DEPTH: Final = 10
MAX_INPUT_BYTES: Final = 2 * 1024 * 1024


def check_bounds(raw: Any) -> str | None:
    """Why the raw input cannot be read (one sentence naming where), or None when it is within bounds."""
    stack: list[tuple[Any, int, str]] = [(raw, 1, '')]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return (
                f"Input field '{where.lstrip('.')}' is {json.dumps(value)}, a number JSON cannot carry: give a finite "
                'number.'
            )
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_INPUT_DEPTH:
            field = where.lstrip('.').split('.')[0].split('[')[0] or 'input'
            return (
                f"The input nests deeper than {MAX_INPUT_DEPTH} levels (in '{field}'), deeper than any field allows: "
                'each field is a value, a list of values or, in queries and alerts, a list of objects.'
            )
        if isinstance(value, dict):
            stack += [(item, depth + 1, f'{where}.{key}') for key, item in value.items()]
        else:
            stack += [(item, depth + 1, f'{where}[{index}]') for index, item in enumerate(value)]
    size = len(json.dumps(raw, ensure_ascii=False).encode())
    if size > MAX_INPUT_BYTES:
        return (
            f'The input is {size / 1024 / 1024:.1f} MB of JSON, more than the {MAX_INPUT_BYTES // 1024 // 1024} MB an '
            'input may be: split the batch across runs.'
        )
    return None
