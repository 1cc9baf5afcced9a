"""The daemon's prune rules, as check mode reproduces them."""

from __future__ import annotations

import datetime
import hashlib
import time

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


def test_until_syntaxes():
    now = 1_700_000_000.0
    assert P.parse_until('10m', now) == now - 600
    assert P.parse_until('1h30m', now) == now - 5400
    assert P.parse_until('1699999999', now) == 1699999999.0
    assert P.parse_until('1699999999.5', now) == 1699999999.5
    assert P.parse_until('2024-03-01T12:00:00Z', now) == datetime.datetime(2024, 3, 1, 12, tzinfo=datetime.timezone.utc).timestamp()
    assert P.parse_until('2024-03-01T12:00:00+02:00', now) == datetime.datetime(2024, 3, 1, 10, tzinfo=datetime.timezone.utc).timestamp()
    assert P.parse_until('2024-03-01', now) == time.mktime((2024, 3, 1, 0, 0, 0, 0, 0, -1))
    with pytest.raises(ConfigurationError):
        P.parse_until('yesterday', now)


def test_iso_created():
    assert P.iso_to_unix('2024-03-01T12:00:00.5Z') == P.parse_until('2024-03-01T12:00:00Z') + 0.5
    assert P.iso_to_unix('2024-03-01T12:00:00.123456789Z') == pytest.approx(P.parse_until('2024-03-01T12:00:00Z') + 0.123456789)
    assert P.iso_to_unix(None) is None


def test_created_after_uses_exact_time_only_when_close():
    calls = []

    def exact():
        calls.append(1)
        return 100.7
    assert P._created_after(100, None, exact) is False
    assert P._created_after(99, 100.5, exact) is False and not calls
    assert P._created_after(101, 100.5, exact) is True and not calls
    assert P._created_after(100, 100.5, exact) is True and calls  # 100.7 > 100.5


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
