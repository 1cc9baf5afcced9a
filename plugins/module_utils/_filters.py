# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters as the Engine API expects them: a JSON map of name to list of strings."""

from __future__ import annotations

import json
import typing as t

from ._errors import ConfigurationError


def _scalar(value: t.Any, key: str) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ConfigurationError(
        'Filter %r has a value of type %s (%r); use a string, a number, a boolean, or a list of those.'
        % (key, type(value).__name__, value))


def normalize_filters(filters: t.Mapping[str, t.Any] | None) -> dict[str, list[str]]:
    """``{"label": {"a": "b"}, "dangling": True, "name": "x"}`` -> ``{"label": ["a=b"], ...}``.

    A value may be a string, number, bool, a list of those, or (for label-like keys) a dict
    whose items become ``key=value`` (a ``None`` value gives just ``key``).
    """
    result: dict[str, list[str]] = {}
    if not filters:
        return result
    if not isinstance(filters, dict):
        raise ConfigurationError('Filters must be a dictionary such as {"label": ["a=b"]}, got %r.' % (filters,))
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, dict):
            items = [k if v is None else '%s=%s' % (k, _scalar(v, key)) for k, v in value.items()]
        elif isinstance(value, (list, tuple)):
            items = [_scalar(v, key) for v in value]
        else:
            items = [_scalar(value, key)]
        result[str(key)] = items
    return result


def encode_filters(filters: t.Mapping[str, t.Any] | None) -> str:
    return json.dumps(normalize_filters(filters), sort_keys=True)
