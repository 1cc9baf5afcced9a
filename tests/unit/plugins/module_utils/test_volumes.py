"""volume: desired state and comparison (pure logic)."""

from __future__ import annotations

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError
from ansible_collections.dockerapi.engine.plugins.module_utils._compare import map_differences, string_map
from ansible_collections.dockerapi.engine.plugins.module_utils._volumes import volume_differences, volume_spec


def test_string_map_converts_numbers_and_refuses_booleans() -> None:
    assert string_map({'a': 1, 'b': '1.5', 'c': 'x', 'd': None}, 'labels') == {'a': '1', 'b': '1.5', 'c': 'x', 'd': ''}
    with pytest.raises(ConfigurationError, match='Quote the value'):
        string_map({'version': 1.10}, 'labels')  # would be stored as 1.1
    with pytest.raises(ConfigurationError, match=r'labels.flag is the boolean True.*Quote the value \(for example "true"\)'):
        string_map({'flag': True}, 'labels')
    with pytest.raises(ConfigurationError, match='labels.x must be a string'):
        string_map({'x': [1]}, 'labels')


def test_only_keys_the_task_gives_are_compared() -> None:
    assert map_differences('labels', {'a': '1'}, {'a': '1', 'added.by.daemon': 'x'}) == []
    assert map_differences('labels', {'a': '1'}, None) == ["labels.a: missing, wanted '1'"]
    assert map_differences('labels', {'a': '1'}, {'a': '2'}) == ["labels.a: '2', wanted '1'"]
    assert map_differences('labels', None, {'a': '2'}) == []


def test_volume_differences() -> None:
    spec = volume_spec({'name': 'data', 'driver': None, 'driver_options': {'type': 'tmpfs'}, 'labels': {'a': 1}})
    same = {'Name': 'data', 'Driver': 'local', 'Options': {'type': 'tmpfs'}, 'Labels': {'a': '1'}}
    assert volume_differences(spec, same) == []  # driver not set: not compared
    other = dict(same, Options=None, Labels={'a': '2'})
    assert volume_differences(spec, other) == ["driver_options.type: missing, wanted 'tmpfs'", "labels.a: '2', wanted '1'"]
    spec2 = volume_spec({'name': 'data', 'driver': 'other'})
    assert volume_differences(spec2, same) == ["driver: 'local', wanted 'other'"]


def test_body_leaves_out_what_is_not_set() -> None:
    assert volume_spec({'name': 'data'}).body() == {'Name': 'data'}
    assert volume_spec({'name': 'data', 'driver': 'local', 'labels': {'a': 'b'}}).body() == \
        {'Name': 'data', 'Driver': 'local', 'Labels': {'a': 'b'}}


@pytest.mark.parametrize('name', ['x', '-data', 'da ta', 'da/ta', ''])
def test_local_volume_names_are_checked_before_any_request(name: str) -> None:
    with pytest.raises(ConfigurationError, match='not valid for the local driver'):
        volume_spec({'name': name})


class _Recorder:
    """Records requests; the create of the probe (or of the real volume) can be refused."""

    def __init__(self, refuse: str) -> None:
        self.refuse = refuse
        self.calls: list[tuple[str, str]] = []

    def post_json(self, path: str, params: object = None, body: dict | None = None) -> dict:
        from ansible_collections.dockerapi.engine.plugins.module_utils._errors import APIError
        name = (body or {}).get('Name', '')
        self.calls.append(('POST', name))
        if (self.refuse == 'probe' and '-dkapi-probe-' in name) or (self.refuse == 'real' and name == 'data'):
            raise APIError(400, 'create %s: invalid option: "foo"' % name, 'POST', path)
        return {'Name': name}

    def delete(self, path: str, params: object = None) -> None:
        self.calls.append(('DELETE', path))

    def get_json(self, path: str, params: object = None) -> list:
        return []


def test_a_refused_probe_touches_nothing() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils._volumes import recreate_volume
    client = _Recorder('probe')
    spec = volume_spec({'name': 'data', 'driver': None, 'driver_options': {'foo': 'bar'}, 'labels': None})
    with pytest.raises(ConfigurationError, match='Nothing was changed: volume data and its data are as they were'):
        recreate_volume(client, spec, {'Name': 'data', 'Driver': 'local'})  # type: ignore[arg-type]
    assert [c[0] for c in client.calls] == ['POST'] and '-dkapi-probe-' in client.calls[0][1]


def test_a_create_refused_after_the_removal_says_what_exists() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils._errors import EngineError
    from ansible_collections.dockerapi.engine.plugins.module_utils._volumes import recreate_volume
    client = _Recorder('real')
    spec = volume_spec({'name': 'data', 'driver': None, 'driver_options': {'foo': 'bar'}, 'labels': None})
    with pytest.raises(EngineError) as err:
        recreate_volume(client, spec, {'Name': 'data', 'Driver': 'local', 'Labels': {'a': 'b'}})  # type: ignore[arg-type]
    assert 'had already been removed, and its data with it' in err.value.msg
    assert 'Creating it again with the old settings failed too' in err.value.msg  # the fake refuses every create of data
    assert ('DELETE', '/volumes/data') in client.calls
