"""Times and durations as events/logs take them (pure logic)."""

from __future__ import annotations

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError
from ansible_collections.dockerapi.engine.plugins.module_utils._timeparse import (
    NS_PER_SECOND,
    parse_duration,
    parse_time,
    to_iso,
    to_query,
)

NOW = 1700000000 * NS_PER_SECOND + 123456789


@pytest.mark.parametrize(('text', 'ns'), [
    ('0', 0),
    ('10m', 600 * NS_PER_SECOND),
    ('1h30m', 5400 * NS_PER_SECOND),
    ('1.5h', 5400 * NS_PER_SECOND),
    ('90s', 90 * NS_PER_SECOND),
    ('300ms', 300000000),
    ('2us', 2000),
    ('2\u00b5s', 2000),
    ('7ns', 7),
    ('1h2m3s4ms', 3723004000000),
    ('.5s', 500000000),
    ('-10m', -600 * NS_PER_SECOND),
    ('+10m', 600 * NS_PER_SECOND),
])
def test_go_durations(text: str, ns: int) -> None:
    assert parse_duration(text) == ns


@pytest.mark.parametrize('text', ['', 'm', '10', '10 m', '10min', '1d', 'h1', '10m5', '--5s', '1e3s'])
def test_not_durations(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize(('value', 'ns'), [
    (1700000000, 1700000000 * NS_PER_SECOND),
    (1700000000.25, 1700000000 * NS_PER_SECOND + 250000000),
    ('1700000000', 1700000000 * NS_PER_SECOND),
    ('1700000000.000000001', 1700000000 * NS_PER_SECOND + 1),
    ('10m', NOW - 600 * NS_PER_SECOND),
    ('-2m', NOW + 120 * NS_PER_SECOND),
    ('0s', NOW),
    ('2023-11-14T22:13:20Z', 1700000000 * NS_PER_SECOND),
    ('2023-11-14t22:13:20z', 1700000000 * NS_PER_SECOND),
    ('2023-11-14T22:13:20.5Z', 1700000000 * NS_PER_SECOND + 500000000),
    ('2023-11-14T22:13:20.123456789Z', 1700000000 * NS_PER_SECOND + 123456789),
    ('2023-11-15T00:13:20+02:00', 1700000000 * NS_PER_SECOND),
    ('2023-11-14T20:13:20-0200', 1700000000 * NS_PER_SECOND),
    ('2023-11-14 22:13:20Z', 1700000000 * NS_PER_SECOND),
    (None, None),
    ('', None),
])
def test_parse_time(value: object, ns: int | None) -> None:
    assert parse_time(value, 'since', NOW) == ns


def test_local_time_without_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time
    monkeypatch.setenv('TZ', 'UTC')
    time.tzset()
    try:
        assert parse_time('2023-11-14T22:13:20', 'since', NOW) == 1700000000 * NS_PER_SECOND
        assert parse_time('2023-11-14', 'since', NOW) == (1700000000 - 80000) * NS_PER_SECOND
    finally:
        monkeypatch.delenv('TZ')
        time.tzset()


@pytest.mark.parametrize('value', ['yesterday', '10 minutes', '2023-13-01T00:00:00Z', '2023-11-14T25:00:00Z',
                                   '1h30', True, 'nan', float('nan')])
def test_bad_times_name_the_option_and_the_forms(value: object) -> None:
    with pytest.raises(ConfigurationError) as err:
        parse_time(value, 'until', NOW)
    assert 'until' in err.value.msg
    if not isinstance(value, float):
        assert 'RFC 3339' in err.value.msg or 'boolean' in err.value.msg


def test_query_and_iso_forms_are_exact() -> None:
    ns = 1700000000 * NS_PER_SECOND + 5
    assert to_query(ns) == '1700000000.000000005'
    assert to_iso(ns) == '2023-11-14T22:13:20.000000005Z'
    assert parse_time(to_query(ns), 'since', NOW) == ns
    assert parse_time(to_iso(ns), 'since', NOW) == ns
