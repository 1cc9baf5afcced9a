"""Times and durations as events/logs take them (pure logic)."""

from __future__ import annotations

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _compare, _events, _prune
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError
from ansible_collections.dockerapi.engine.plugins.module_utils._timeparse import (
    NS_PER_SECOND,
    duration_ns,
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


# ---- one parser: the same table through every entry point ------------------------------------

S = NS_PER_SECOND
# (input, Go time.ParseDuration result in ns or None when Go refuses it, the instant as a time or None)
TABLE = [
    ('-10m', -600 * S, NOW + 600 * S),
    ('.5s', S // 2, NOW - S // 2),
    ('1.5h', 5400 * S, NOW - 5400 * S),
    ('3\u03bcs', 3000, NOW - 3000),  # greek mu
    ('3\u00b5s', 3000, NOW - 3000),  # micro sign
    ('3us', 3000, NOW - 3000),
    ('1h2m3s4ms5us6ns', 3723004005006, NOW - 3723004005006),
    ('+0', 0, NOW),
    ('0', 0, 0),  # a duration of 0, but as a time Unix 0 (the docker CLI's rule)
    ('10', None, 10 * S),  # no unit: not a Go duration; as a time Unix seconds
    ('2024-03-01 12:00:00Z', None, 1709294400 * S),
    ('2024-03-01T12:00:00+01:00', None, 1709290800 * S),
    ('10min', None, None),
    ('1d', None, None),
    ('.s', None, None),
    ('1e3s', None, None),
    ('', None, None),
]


@pytest.mark.parametrize(('text', 'go_ns', 'instant'), TABLE, ids=[repr(row[0]) for row in TABLE])
def test_every_entry_point_agrees(text: str, go_ns: int | None, instant: int | None) -> None:
    # 1. The Go grammar itself.
    assert parse_duration(text) == go_ns
    # 2. Duration options (healthcheck intervals and the like): Go durations, or a bare number of seconds.
    bare_seconds = text.strip().lstrip('+-').replace('.', '', 1).isdigit()
    if go_ns is not None and go_ns >= 0:
        assert _compare.parse_duration(text, 'healthcheck.interval') == go_ns
        assert duration_ns(text, 'x') == go_ns
    elif bare_seconds:
        assert _compare.parse_duration(text, 'healthcheck.interval') == int(text) * S
    else:
        with pytest.raises(ConfigurationError) as err:
            _compare.parse_duration(text, 'healthcheck.interval')
        assert 'healthcheck.interval' in err.value.msg  # the message stays option-specific
        if go_ns is not None:  # negative: a valid Go duration refused for this option
            assert 'must not be negative' in err.value.msg
            assert duration_ns(text, 'x', allow_negative=True) == go_ns
    # 3. Points in time: events (since/until) and prune (until, in the daemon's zone: UTC here).
    if instant is not None:
        assert parse_time(text, 'since', NOW, zone_offset=0) == instant
        assert _prune.parse_until(text, 'until', _prune.DaemonClock(NOW, 0)) == instant
        assert _events.plan_query({'until': text}, NOW).until == instant
    else:
        for call in (lambda: parse_time(text, 'since', NOW, zone_offset=0),
                     lambda: _prune.parse_until(text, 'until', _prune.DaemonClock(NOW, 0))):
            if text == '':
                continue  # empty means "not given" for a time
            with pytest.raises(ConfigurationError):
                call()
    # 4. The build cache's until is a duration only ("not used for that long").
    if go_ns is not None and go_ns >= 0 and text.strip():
        assert _prune.check_build_cache_filters({'until': [text]}).keep_ns == go_ns
    elif text:
        with pytest.raises(ConfigurationError):
            _prune.check_build_cache_filters({'until': [text]})


@pytest.mark.parametrize('value', [1700000000000, '1700000000000', 1700000000000.0, '1700000000000000000'])
def test_milliseconds_by_mistake_are_refused_clearly(value: object) -> None:
    with pytest.raises(ConfigurationError) as err:
        parse_time(value, 'since', NOW)
    assert 'looks like milliseconds' in err.value.msg and 'since' in err.value.msg


def test_zone_less_time_uses_the_given_zone() -> None:
    assert parse_time('2023-11-15T03:13:20', 'until', NOW, zone_offset=5 * 3600) == 1700000000 * S
    assert parse_time('2023-11-14T17:13:20', 'until', NOW, zone_offset=-5 * 3600) == 1700000000 * S
    assert parse_time('2023-11-14T22', 'until', NOW, zone_offset=0) == (1700000000 - 800) * S


@pytest.mark.parametrize('value', [float('inf'), float('nan'), '3000000h', 1e10, True, None])
def test_durations_refuse_junk(value: object) -> None:
    with pytest.raises(ConfigurationError):
        duration_ns(value, 'healthcheck.timeout')
