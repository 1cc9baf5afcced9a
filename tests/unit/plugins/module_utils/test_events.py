"""events: option validation and window planning (pure logic; the stream is tested on real daemons)."""

from __future__ import annotations

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError
from ansible_collections.dockerapi.engine.plugins.module_utils._events import (
    DEFAULT_QUERY_MAX,
    add_time_iso,
    plan_query,
    validate_filters,
)
from ansible_collections.dockerapi.engine.plugins.module_utils._timeparse import NS_PER_SECOND

NOW = 1700000000 * NS_PER_SECOND


def params(**kw: object) -> dict:
    base = {'since': None, 'until': None, 'filters': None, 'max_events': None, 'wait': False, 'wait_timeout': 300}
    base.update(kw)
    return base


def test_query_mode_until_defaults_to_now_so_the_stream_ends() -> None:
    q = plan_query(params(since='10m'), NOW)
    assert q.until == NOW
    assert q.since == NOW - 600 * NS_PER_SECOND
    assert q.max_events == DEFAULT_QUERY_MAX
    assert q.params() == {'since': '1699999400.000000000', 'until': '1700000000.000000000', 'filters': None}


def test_wait_mode_since_defaults_to_now_and_sends_no_until() -> None:
    q = plan_query(params(wait=True, wait_timeout=2.5, filters={'type': 'container'}), NOW)
    assert (q.since, q.until, q.max_events, q.wait_timeout) == (NOW, None, 1, 2.5)
    assert q.params()['until'] is None
    assert q.params()['filters'] == {'type': ['container']}


def test_until_before_since_is_refused_before_any_request() -> None:
    with pytest.raises(ConfigurationError) as err:
        plan_query(params(since='2023-11-14T22:13:20Z', until='2023-11-14T22:00:00Z'), NOW)
    assert 'until (2023-11-14T22:00:00.000000000Z) is before since (2023-11-14T22:13:20.000000000Z)' in err.value.msg


def test_until_in_wait_mode_is_refused() -> None:
    with pytest.raises(ConfigurationError, match='until cannot be combined with wait'):
        plan_query(params(wait=True, until='1m'), NOW)


@pytest.mark.parametrize(('kw', 'text'), [
    ({'max_events': 0}, 'max_events must be 1 or more'),
    ({'wait': True, 'wait_timeout': 0}, 'wait_timeout must be a positive number'),
    ({'since': '10 minutes'}, "since '10 minutes' is not a time"),
    ({'until': '1h30'}, "until '1h30' is not a time"),
])
def test_bad_options(kw: dict, text: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        plan_query(params(**kw), NOW)
    assert text in err.value.msg


def test_unknown_filter_key_is_refused_because_the_daemon_ignores_it() -> None:
    with pytest.raises(ConfigurationError) as err:
        validate_filters({'type': 'container', 'containers': 'web'})
    assert "Unknown event filter 'containers'" in err.value.msg
    assert 'container, daemon, event' in err.value.msg


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="Unknown event type 'containers'"):
        validate_filters({'type': ['containers']})


def test_filters_are_normalised() -> None:
    assert validate_filters({'label': {'a': 'b'}, 'event': ['start', 'die']}) == \
        {'label': ['a=b'], 'event': ['start', 'die']}


def test_time_iso_from_time_nano_or_time() -> None:
    assert add_time_iso({'timeNano': 1700000000000000001})['time_iso'] == '2023-11-14T22:13:20.000000001Z'
    assert add_time_iso({'time': 1700000000})['time_iso'] == '2023-11-14T22:13:20.000000000Z'
    assert 'time_iso' not in add_time_iso({'Type': 'container'})
