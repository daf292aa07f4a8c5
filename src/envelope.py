"""The one shape every dataset item has.

`{"success", "message", "mode", <the query's parameters as given>, "data", ...}`; a success may add `summary`
and `chart_url`, a failure adds `error_type` (`input`, `auth`, `plan`, `rate_limited`, ...) and `data: null`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping


def success(mode: str, echo: Mapping[str, Any], message: str, data: Any, **extra: Any) -> dict[str, Any]:
    """A success envelope; `extra` (summary, chart_url, query_index) follows the parameters."""
    return {'success': True, 'message': message, 'mode': mode, **echo, **extra, 'data': data}


def failure(mode: str | None, echo: Mapping[str, Any], message: str, error_type: str, **extra: Any) -> dict[str, Any]:
    """A failure envelope: `data` is null and `error_type` names the kind of problem."""
    return {
        'success': False,
        'message': message,
        'mode': mode,
        **echo,
        **extra,
        'error_type': error_type,
        'data': None,
    }
