# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of one row of the container option table, and how rows are compared.

Every option of the ``container`` module that describes the container (not the run: ``state``,
``pull``, ``recreate`` and the like live in the module) is one :class:`Option`: its argument
spec, how the task's value is normalised (``wanted``), how the daemon's inspect result is read
back into the same shape (``actual``), how the value goes into the create body (``put``), how it
is compared by default (community.docker's rule: scalars and ordered lists ``strict``, sets and
dicts ``allow_more_present``), whether ``POST /containers/{id}/update`` can change it in place,
and the API version it needs. ``desired``, ``create_body``, ``differences``, ``--diff`` and the
``changes`` list are loops over the rows (``_container_options``); a unit test checks that every
row has an integration test.

Conventions for rows:

* ``wanted(value, ctx)`` gets the task's (validated, non-None) value and returns a JSON-able
  normalised value; for ``set`` and ``set(dict)`` kinds a sorted list, for ``dict`` a dict. It
  raises ConfigurationError naming the option, the bad value and a working example.
* ``actual(container, ctx)`` returns the same shape from ``GET /containers/{id}/json``, mapping
  the daemon's defaults onto what the task would say (so an unset value equals the default).
* ``put(value, body, ctx)`` writes the task's value into the create body; ``body['HostConfig']``
  always exists.
* ``update(value, ctx)`` (only for updatable rows) returns the fields of the update body.
"""

from __future__ import annotations

import json
import typing as t

from ._errors import ConfigurationError

COMPARISONS = ('strict', 'ignore', 'allow_more_present')
KINDS = ('value', 'list', 'set', 'dict', 'set(dict)')


class Ctx(t.NamedTuple):
    """What a row may look at besides its own value."""

    params: t.Mapping[str, t.Any]  # every validated task parameter
    image: dict[str, t.Any] | None  # inspect of the task's image; None when it is not on the daemon (yet)
    client: t.Any  # the EngineClient; None when validating without a daemon (unit tests)


Wanted = t.Callable[[t.Any, Ctx], t.Any]
Actual = t.Callable[[t.Mapping[str, t.Any], Ctx], t.Any]
Put = t.Callable[[t.Any, t.Dict[str, t.Any], Ctx], None]
Update = t.Callable[[t.Any, Ctx], t.Dict[str, t.Any]]
Check = t.Callable[[t.Any, Ctx], None]


class Option:
    """One row of the table."""

    __slots__ = ('name', 'spec', 'wanted', 'actual', 'put', 'kind', 'comparison', 'update', 'min_api', 'check',
                 'hide_values')

    def __init__(self, name: str, spec: dict[str, t.Any], *, wanted: Wanted, actual: Actual, put: Put,
                 kind: str = 'value', comparison: str | None = None, update: Update | None = None,
                 min_api: str | None = None, check: Check | None = None, hide_values: bool = False) -> None:
        if kind not in KINDS:
            raise ValueError('kind %r of %s is not one of %s' % (kind, name, KINDS))
        self.name = name
        self.spec = spec
        self.wanted = wanted
        self.actual = actual
        self.put = put
        self.kind = kind
        # community.docker's default: scalars and ordered lists strict, sets and dicts allow_more_present
        self.comparison = comparison or ('strict' if kind in ('value', 'list') else 'allow_more_present')
        if self.comparison not in COMPARISONS:
            raise ValueError('comparison %r of %s is not one of %s' % (self.comparison, name, COMPARISONS))
        self.update = update  # None: a difference needs a recreate
        self.min_api = min_api  # the option as a whole; suboptions check in ``check``
        self.check = check  # extra validation (suboption API versions, combinations) before any write
        self.hide_values = hide_values  # show keys only (env, env_file) in changes, diff and invocation

    def __repr__(self) -> str:
        return 'Option(%s)' % self.name


def _frozen(value: t.Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _dict_contains(have: t.Any, want: t.Mapping[str, t.Any]) -> bool:
    return isinstance(have, t.Mapping) and all(k in have and have[k] == v for k, v in want.items())


def matches(kind: str, comparison: str, wanted: t.Any, have: t.Any) -> bool:
    """Whether ``have`` (normalised from the daemon) satisfies ``wanted`` under ``comparison``."""
    if comparison == 'ignore':
        return True
    more = comparison == 'allow_more_present'
    if kind == 'value':
        return bool(wanted == have)
    if kind == 'dict':
        have = have or {}
        return _dict_contains(have, wanted) if more else dict(wanted) == dict(have)
    have = list(have or [])
    wanted = list(wanted or [])
    if kind == 'list':
        if more:
            have_keys = {_frozen(h) for h in have}
            return all(_frozen(w) in have_keys for w in wanted)
        return wanted == have
    if kind == 'set':
        have_keys, want_keys = {_frozen(h) for h in have}, {_frozen(w) for w in wanted}
        return want_keys <= have_keys if more else want_keys == have_keys
    # set(dict): each wanted dict is met by an actual one; strict also needs no extra actual entries
    if more:
        return all(any(_dict_contains(h, w) for h in have) for w in wanted)
    return sorted(_frozen(w) for w in wanted) == sorted(_frozen(h) for h in have)


def parse_comparisons(value: t.Mapping[str, t.Any] | None, names: t.Iterable[str],
                      extra: t.Mapping[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """The task's ``comparisons`` checked against the table: {option: mode}, ``'*'`` expanded by the caller.

    ``extra`` names non-table keys with the modes they allow (``image``, ``networks``).
    """
    known = set(names)
    extra = dict(extra or {})
    result: dict[str, str] = {}
    for key, mode in (value or {}).items():
        key = str(key)
        allowed = extra.get(key, COMPARISONS)
        if key != '*' and key not in known and key not in extra:
            raise ConfigurationError('comparisons: %s is not an option of this module. Use an option name such as '
                                     'env, labels or image, or \'*\'.' % key)
        if key == '*':
            allowed = ('strict', 'ignore')
        if mode not in allowed:
            raise ConfigurationError('comparisons: %s: %r is not one of %s.' % (key, mode, ', '.join(allowed)))
        result[key] = str(mode)
    return result
