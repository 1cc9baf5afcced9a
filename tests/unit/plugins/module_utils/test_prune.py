"""The daemon's prune rules, as check mode reproduces them."""

from __future__ import annotations

import datetime
import hashlib

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _prune as P
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError


def test_label_matching_follows_the_daemon():
    labels = {'a': '1', 'b': ''}
    assert P.match_kv_list(['a'], labels)
    assert P.match_kv_list(['a=1', 'b'], labels)
    assert not P.match_kv_list(['a=2'], labels)
    assert not P.match_kv_list(['c'], labels)
    assert P.labels_match({'label': ['a=1']}, labels)
    # label! spares only what carries every one of its values
    assert not P.labels_match({'label!': ['a', 'b']}, labels)
    assert P.labels_match({'label!': ['a', 'c']}, labels)
    assert P.labels_match({}, None)


NS = 1_000_000_000


def test_until_syntaxes():
    now = 1_700_000_000 * NS
    utc = P.DaemonClock(now, 0)
    assert P.parse_until('10m', 'until', utc) == now - 600 * NS
    assert P.parse_until('1h30m', 'until', utc) == now - 5400 * NS
    assert P.parse_until('1699999999', 'until', utc) == 1699999999 * NS
    assert P.parse_until('1699999999.5', 'until', utc) == 1699999999 * NS + NS // 2
    noon = int(datetime.datetime(2024, 3, 1, 12, tzinfo=datetime.timezone.utc).timestamp())
    assert P.parse_until('2024-03-01T12:00:00Z', 'until', utc) == noon * NS
    assert P.parse_until('2024-03-01 12:00:00Z', 'until', utc) == noon * NS
    assert P.parse_until('2024-03-01T12:00:00+02:00', 'until', utc) == (noon - 7200) * NS
    # Without a zone: the daemon's zone (from its SystemTime), not the zone of the host running the task.
    plus5 = P.DaemonClock(now, 5 * 3600)
    assert P.parse_until('2024-03-01T12:00:00', 'until', plus5) == (noon - 5 * 3600) * NS
    assert P.parse_until('2024-03-01T12', 'until', plus5) == (noon - 5 * 3600) * NS
    assert P.parse_until('2024-03-01', 'until', utc) == (noon - 12 * 3600) * NS
    with pytest.raises(ConfigurationError) as err:
        P.parse_until('yesterday', 'containers_filters.until', utc)
    assert 'containers_filters.until' in err.value.msg
    with pytest.raises(ConfigurationError) as err:
        P.parse_until('1700000000000', 'containers_filters.until', utc)
    assert 'milliseconds' in err.value.msg


class ClockClient:
    def __init__(self, system_time):
        self.system_time = system_time
        self.calls = []

    def get_json(self, path, params=None):
        self.calls.append(path)
        return {'SystemTime': self.system_time}


def test_until_is_resolved_once_by_the_daemons_clock_and_sent_as_unix_seconds():
    client = ClockClient('2023-11-15T03:13:20.25+05:00')  # 1700000000.25 UTC, daemon in UTC+5
    clock = []
    filters = {'until': ['10m'], 'label': ['a']}
    ns = P.resolve_until('containers', filters, client, clock)
    assert ns == 1_700_000_000 * NS + NS // 4 - 600 * NS
    assert filters == {'until': ['1699999400.250000000'], 'label': ['a']}
    zoneless = {'until': ['2023-11-15T03:13:20']}
    assert P.resolve_until('images', zoneless, client, clock) == 1_700_000_000 * NS
    assert client.calls == ['/info']  # one clock read for the whole task
    # An absolute time with a zone needs no clock at all.
    other = ClockClient('x')
    assert P.resolve_until('networks', {'until': ['2023-11-14T22:13:20Z']}, other, []) == 1_700_000_000 * NS
    assert other.calls == []


def test_created_after_uses_exact_time_only_when_close():
    calls = []

    def exact():
        calls.append(1)
        return 100_700_000_000
    assert P._created_after(100, None, exact) is False
    assert P._created_after(99, 100_500_000_000, exact) is False and not calls
    assert P._created_after(101, 100_500_000_000, exact) is True and not calls
    assert P._created_after(100, 100_500_000_000, exact) is True and calls  # 100.7 > 100.5


def test_chain_ids():
    a, b = 'sha256:' + 'a' * 64, 'sha256:' + 'b' * 64
    chain = P.chain_ids([a, b])
    assert chain[0] == a
    assert chain[1] == 'sha256:' + hashlib.sha256(('%s %s' % (a, b)).encode()).hexdigest()


class Client:
    def __init__(self, api='1.51'):
        self.api_version = api

    def api_at_least(self, version):
        return tuple(map(int, self.api_version.split('.'))) >= tuple(map(int, version.split('.')))


def test_filter_validation_in_check_mode():
    P.check_filters('containers', {'until': ['1h'], 'label': ['a']}, Client())
    with pytest.raises(ConfigurationError) as err:
        P.check_filters('containers', {'dangling': ['true']}, Client())
    assert "Invalid filter 'dangling'" in err.value.msg and 'until, label, label!' in err.value.msg
    P.check_filters('volumes', {'all': ['true']}, Client('1.51'))
    with pytest.raises(ConfigurationError):
        P.check_filters('volumes', {'all': ['true']}, Client('1.41'))
    with pytest.raises(ConfigurationError):
        P.check_filters('networks', {'until': ['1h', '2h']}, Client())


class ImageClient(Client):
    """A daemon with: base (tagged), mid (untagged parent), leaf (dangling, labelled), used (dangling, in use)."""

    images = [
        {'Id': 'base', 'ParentId': '', 'RepoTags': ['busybox:latest'], 'RepoDigests': [], 'Labels': None, 'Created': 1},
        {'Id': 'mid', 'ParentId': 'base', 'RepoTags': [], 'RepoDigests': [], 'Labels': {'t': 'x'}, 'Created': 2},
        {'Id': 'leaf', 'ParentId': 'mid', 'RepoTags': ['<none>:<none>'], 'RepoDigests': [], 'Labels': {'t': 'x'}, 'Created': 3},
        {'Id': 'used', 'ParentId': 'base', 'RepoTags': [], 'RepoDigests': [], 'Labels': {'t': 'x'}, 'Created': 3},
        {'Id': 'app', 'ParentId': 'base', 'RepoTags': ['app:1'], 'RepoDigests': [], 'Labels': {'t': 'x'}, 'Created': 3},
    ]
    layers = {'base': ['sha256:l1'], 'mid': ['sha256:l1', 'sha256:l2'], 'leaf': ['sha256:l1', 'sha256:l2', 'sha256:l3'],
              'used': ['sha256:l1'], 'app': ['sha256:l1', 'sha256:l9']}

    def get_json(self, path, params=None):
        if path == '/images/json':
            return self.images
        if path == '/containers/json':
            return [{'ImageID': 'used'}]
        iid = path.split('/')[2]
        return {'RootFS': {'Layers': self.layers[iid]}, 'Created': '1970-01-01T00:00:03Z'}


def test_image_prune_prediction():
    deleted, untagged = P.predict_images(ImageClient(), {'label': ['t=x']})
    chain = P.chain_ids(ImageClient.layers['leaf'])
    # leaf goes, its untagged parent mid with it, and the two layers nobody else has
    assert set(deleted) == {'leaf', 'mid', chain[1], chain[2]}
    assert untagged == []
    deleted, untagged = P.predict_images(ImageClient(), {'label': ['t=x'], 'dangling': ['false']})
    assert 'app' in deleted and untagged == ['app:1'] and 'used' not in deleted
    deleted, dummy = P.predict_images(ImageClient(), {'label': ['t=nope']})
    assert deleted == []


CACHE = [
    {'ID': 'aaa111', 'Type': 'regular', 'Description': 'mount / from exec /bin/sh -c make', 'InUse': False,
     'Shared': False, 'Size': 10, 'LastUsedAt': '2023-11-14T22:00:00Z', 'Parents': ['ppp']},
    {'ID': 'bbb222', 'Type': 'source.local', 'Description': 'local source for context', 'InUse': False,
     'Shared': True, 'Size': 20, 'LastUsedAt': '2023-11-14T22:13:00Z'},
    {'ID': 'ccc333', 'Type': 'internal', 'Description': 'cached mount', 'InUse': False, 'Shared': False, 'Size': 40,
     'LastUsedAt': '2023-11-10T00:00:00Z'},
    {'ID': 'ddd444', 'Type': 'regular', 'Description': 'in use', 'InUse': True, 'Shared': False, 'Size': 80,
     'LastUsedAt': '2023-11-10T00:00:00Z'},
]


class CacheClient(Client):
    def get_json(self, path, params=None):
        if path == '/info':
            return {'SystemTime': '2023-11-14T22:13:20Z'}
        return {'BuildCache': CACHE}


@pytest.mark.parametrize(('filters', 'everything', 'expected'), [
    ({}, False, ['aaa111']),
    ({}, True, ['aaa111', 'bbb222', 'ccc333']),
    ({'until': ['1h']}, True, ['ccc333']),
    ({'unused-for': ['5m']}, True, ['aaa111', 'ccc333']),
    ({'type': ['regular']}, True, ['aaa111']),
    ({'id': ['^b']}, True, ['bbb222']),
    ({'shared': ['']}, True, ['bbb222']),
    ({'private': ['true']}, True, ['aaa111', 'ccc333']),
    ({'description': ['cached mount']}, True, ['ccc333']),
    ({'parent': ['ppp']}, True, ['aaa111']),
])
def test_build_cache_prediction_applies_all_and_filters(filters, everything, expected):
    ids, space = P.predict_builder_cache(CacheClient(), filters, everything, [])
    assert ids == expected
    assert space == sum(r['Size'] for r in CACHE if r['ID'] in expected)


@pytest.mark.parametrize(('filters', 'words'), [
    ({'until': ['2024-01-01']}, 'not a duration'),
    ({'until': ['1h'], 'unused-for': ['2h']}, 'not both'),
    ({'label': ['a']}, "Invalid filter 'label'"),
    ({'type': ['a', 'b']}, 'more than one type'),
])
def test_build_cache_filters_refused_clearly(filters, words):
    with pytest.raises(ConfigurationError) as err:
        P.check_build_cache_filters(filters)
    assert words in err.value.msg


class FakePruneClient(Client):
    def __init__(self, answer):
        super().__init__('1.51')
        self.answer = answer
        self.posts = []

    def post_json(self, path, params=None, **kwargs):
        self.posts.append((path, params, kwargs))
        return self.answer

    def get_json(self, path, params=None):
        return {'SystemTime': '2023-11-14T22:13:20Z'}


def test_real_run_sends_the_resolved_instant_and_the_task_timeout():
    client = FakePruneClient({'ContainersDeleted': ['c1'], 'SpaceReclaimed': 5})
    result = P.prune_service(client, {'containers': True, 'containers_filters': {'until': '10m'}}, False, False)
    path, params, kwargs = client.posts[0]
    assert path == '/containers/prune' and params['filters']['until'] == ['1699999400.000000000']
    assert 'timeout' not in kwargs  # the task's timeout applies, not "wait forever"
    assert result['containers'] == ['c1'] and result['until'] == {'containers': '1699999400.000000000'}


@pytest.mark.parametrize('answer', [['not', 'an', 'object'], 'text', 42])
def test_odd_daemon_answers_fail_clearly(answer):
    with pytest.raises(P.EngineError) as err:
        P.prune_service(FakePruneClient(answer), {'networks': True}, False, False)
    assert 'instead of a JSON object' in err.value.msg


def test_odd_fields_are_ignored_not_crashing():
    client = FakePruneClient({'ImagesDeleted': [None, {'Deleted': 'x'}], 'SpaceReclaimed': None})
    result = P.prune_service(client, {'images': True}, False, False)
    assert result['images'] == ['x'] and result['images_space_reclaimed'] == 0


def test_bad_filters_stop_before_any_prune():
    client = FakePruneClient({})
    with pytest.raises(ConfigurationError):
        P.prune_service(client, {'containers': True, 'builder_cache': True,
                                 'builder_cache_filters': {'until': 'yesterday'}}, False, False)
    with pytest.raises(ConfigurationError):
        P.prune_service(client, {'containers': True, 'images': True, 'images_filters': {'dangling': 'maybe'}},
                        False, False)
    assert client.posts == []


@pytest.mark.parametrize('answer', [{'not': 'a list'}, ['a string'], [{'no': 'id'}], 'text'])
def test_check_mode_on_an_odd_listing_fails_clearly(answer):
    class Odd(Client):
        def get_json(self, path, params=None):
            return answer
    for kind in ('containers', 'images', 'networks'):
        with pytest.raises(P.EngineError) as err:
            P.prune_service(Odd(), {kind: True}, True, False)
        assert 'Check mode could not predict the prune' in err.value.msg and 'Nothing was pruned' in err.value.msg
