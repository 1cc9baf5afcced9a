"""The networking part of ``container`` without a daemon: argument spec, create body, planned network steps."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _container_networks as cn
from ansible_collections.dockerapi.engine.plugins.module_utils._container_table import Ctx
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import APIError, ConfigurationError, NotFound, UnsupportedFeature

NET_A = 'a' * 64
NET_B = 'b' * 64
BRIDGE = 'c' * 64


class FakeClient:
    def __init__(self, api: str = '1.51', containers: dict[str, dict] | None = None) -> None:
        self.api = api
        self.containers = containers or {}
        self.calls: list[tuple[str, t.Any]] = []
        self.fail: dict[str, Exception] = {}

    def api_at_least(self, version: str) -> bool:
        return tuple(int(x) for x in self.api.split('.')) >= tuple(int(x) for x in version.split('.'))

    def require_api(self, version: str, feature: str) -> None:
        if not self.api_at_least(version):
            raise UnsupportedFeature('%s needs Docker API %s or newer' % (feature, version))

    def get_json(self, path: str) -> dict:
        self.calls.append(('GET', path))
        name = path.split('/')[2]
        if name not in self.containers:
            raise NotFound(404, 'no such container')
        return self.containers[name]

    def post_json(self, path: str, params: t.Any, body: t.Any) -> None:
        self.calls.append((path, body))
        if path in self.fail:
            raise self.fail[path]


def endpoint(network_id: str, **extra: t.Any) -> dict:
    base = {'NetworkID': network_id, 'Aliases': None, 'Links': None, 'IPAMConfig': None, 'MacAddress': '02:42:0a:00:00:02',
            'DriverOpts': None, 'GwPriority': 0}
    base.update(extra)
    return base


def container(mode: str, **networks: dict) -> dict:
    return {'Id': 'f' * 64, 'HostConfig': {'NetworkMode': mode}, 'NetworkSettings': {'Networks': networks}}


def params(**kw: t.Any) -> dict:
    base: dict[str, t.Any] = {'name': 'web', 'network_mode': None, 'networks': None, 'networks_cli_compatible': True,
                              'comparisons': None}
    base.update(kw)
    return base


def test_argspec_is_docker_containers() -> None:
    spec = cn.NETWORK_ARGSPEC
    assert spec['network_mode'] == {'type': 'str'}
    assert spec['networks_cli_compatible'] == {'type': 'bool', 'default': True}
    assert spec['networks']['type'] == 'list' and spec['networks']['elements'] == 'dict'
    sub = spec['networks']['options']
    assert sorted(sub) == sorted(['name', 'ipv4_address', 'ipv6_address', 'aliases', 'links', 'mac_address', 'driver_opts',
                                  'gw_priority'])
    assert sub['name'] == {'type': 'str', 'required': True}
    assert sub['aliases'] == sub['links'] == {'type': 'list', 'elements': 'str'}
    assert sub['driver_opts'] == {'type': 'dict'} and sub['gw_priority'] == {'type': 'int'}
    assert [row.name for row in cn.NETWORK_ROWS] == ['network_mode']
    assert cn.NETWORK_ROWS[0].comparison == 'strict' and cn.NETWORK_ROWS[0].update is None


def test_implied_network_mode() -> None:
    nets = [{'name': 'front'}, {'name': 'back'}]
    assert cn.with_network_defaults(params(networks=nets))['network_mode'] == 'front'
    assert cn.with_network_defaults(params(networks=nets, network_mode='default'))['network_mode'] == 'default'
    assert cn.with_network_defaults(params(networks=nets, networks_cli_compatible=False))['network_mode'] is None
    assert cn.with_network_defaults(params())['network_mode'] is None


@pytest.mark.parametrize('api, feature', [('1.43', 'mac_address'), ('1.47', 'gw_priority'), ('1.31', 'driver_opts')])
def test_suboptions_need_their_api(api: str, feature: str) -> None:
    value = {'mac_address': '92:d0:c6:0a:29:33', 'gw_priority': 5, 'driver_opts': {'a': 'b'}}[feature]
    with pytest.raises(UnsupportedFeature, match='networks.%s' % feature):
        cn.validate_networks(params(networks=[{'name': 'n', feature: value}]), FakeClient(api))
    cn.validate_networks(params(networks=[{'name': 'n', feature: value}]), FakeClient('1.48'))


@pytest.mark.parametrize('bad, message', [
    (params(network_mode='host', networks=[{'name': 'n'}]), 'cannot be combined with network_mode host'),
    (params(network_mode='container:db', networks=[{'name': 'n'}]), 'shares the network stack'),
    (params(network_mode='container:'), 'needs the name or ID'),
    (params(networks=[{'name': 'n'}, {'name': 'n'}]), 'lists n twice'),
    (params(networks=[{'name': 'n', 'ipv4_address': '10.0.0.300'}]), 'is not an IPv4 address'),
    (params(networks=[{'name': 'n', 'ipv6_address': '10.0.0.3'}]), 'is not an IPv6 address'),
    (params(networks=[{'name': 'n', 'mac_address': '92:d0:c6'}]), 'is not a MAC address'),
    (params(networks=[{'name': 'n', 'driver_opts': {'x': True}}]), 'Quote the value'),
])
def test_validation(bad: dict, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        cn.validate_networks(bad, FakeClient())


def test_networking_body_all_endpoints_from_api_144() -> None:
    nets = [{'name': 'front', 'aliases': ['web'], 'links': ['db']},
            {'name': 'back', 'ipv4_address': '10.1.0.5', 'ipv6_address': 'fd00::0005', 'mac_address': '92:d0:c6:0a:29:33',
             'driver_opts': {'x': 1}, 'gw_priority': 10}]
    host, config, later = cn.networking_body(params(networks=nets), FakeClient('1.51'))
    assert host == {'NetworkMode': 'front'} and later == []
    assert config == {'EndpointsConfig': {
        'front': {'Aliases': ['web'], 'Links': ['db:db']},
        'back': {'IPAMConfig': {'IPv4Address': '10.1.0.5', 'IPv6Address': 'fd00::0005'}, 'MacAddress': '92:d0:c6:0a:29:33',
                 'DriverOpts': {'x': '1'}, 'GwPriority': 10}}}


def test_networking_body_before_api_144_connects_the_rest_after() -> None:
    nets = [{'name': 'front'}, {'name': 'back'}]
    client = FakeClient('1.41')
    host, config, later = cn.networking_body(params(networks=nets), client)
    assert host == {'NetworkMode': 'front'} and config == {'EndpointsConfig': {'front': {}}} and later == ['back']
    assert [(c.action, c.network) for c in cn.create_network_changes(params(networks=nets), client)] == [('connect', 'back')]


def test_networking_body_not_cli_compatible() -> None:
    nets = [{'name': 'front'}, {'name': 'back'}]
    p = params(networks=nets, networks_cli_compatible=False)
    assert cn.networking_body(p, FakeClient()) == ({}, None, ['front', 'back'])
    steps = [(c.action, c.network) for c in cn.create_network_changes(p, FakeClient())]
    assert steps == [('connect', 'front'), ('connect', 'back')]
    strict = dict(p, comparisons={'networks': 'strict'})
    assert [(c.action, c.network) for c in cn.create_network_changes(strict, FakeClient())][-1] == ('disconnect', 'bridge')


def test_unlisted_network_mode_network_is_joined_unless_strict() -> None:
    p = params(network_mode='bridge', networks=[{'name': 'front'}])
    assert cn.networking_body(p, FakeClient())[1] == {'EndpointsConfig': {'front': {}, 'bridge': {}}}
    strict = dict(p, comparisons={'networks': 'strict'})
    assert cn.networking_body(strict, FakeClient())[1] == {'EndpointsConfig': {'front': {}}}
    old = FakeClient('1.41')
    steps = [(c.action, c.network) for c in cn.create_network_changes(strict, old)]
    assert steps == [('connect', 'front'), ('disconnect', 'bridge')]


def test_no_networks_no_networking_config() -> None:
    assert cn.networking_body(params(network_mode='host'), FakeClient()) == ({'NetworkMode': 'host'}, None, [])
    assert cn.networking_body(params(), FakeClient()) == ({}, None, [])


def test_unchanged_networks_by_name_or_id_make_no_change() -> None:
    have = container('front', front=endpoint(NET_A, Aliases=['web', 'f' * 12], Links=['db'], DriverOpts={'x': '1', 'y': '2'},
                                             IPAMConfig={'IPv6Address': 'fd00::0005'}),
                     back=endpoint(NET_B, IPAMConfig={'IPv4Address': '10.1.0.5'}, GwPriority=10))
    nets = [{'name': 'front', 'aliases': ['web'], 'links': ['db:db'], 'driver_opts': {'x': 1}, 'ipv6_address': 'fd00::5'},
            {'name': NET_B[:12], 'ipv4_address': '10.1.0.5', 'gw_priority': 10, 'mac_address': '02:42:0A:00:00:02'}]
    assert cn.network_changes(params(networks=nets), have) == []
    assert cn.network_changes(params(networks=nets, comparisons={'networks': 'strict'}), have) == []


def test_changes_connect_reconnect_and_strict_disconnect() -> None:
    have = container('front', front=endpoint(NET_A, Aliases=['web']), bridge=endpoint(BRIDGE),
                     other=endpoint(NET_B))
    nets = [{'name': 'front', 'aliases': ['api']}, {'name': 'new', 'ipv4_address': '10.2.0.9'}]
    loose = cn.network_changes(params(networks=nets), have)
    assert [(c.action, c.network) for c in loose] == [('reconnect', 'front'), ('connect', 'new')]
    assert loose[0].wanted == {'name': 'front', 'aliases': ['api']}
    assert loose[0].actual == {'name': 'front', 'aliases': ['web']}
    assert loose[1].actual is None
    strict = cn.network_changes(params(networks=nets, comparisons={'networks': 'strict'}), have)
    assert [(c.action, c.network) for c in strict] == [
        ('reconnect', 'front'), ('connect', 'new'), ('disconnect', 'bridge'), ('disconnect', 'other')]
    assert cn.network_changes(params(networks=nets, comparisons={'*': 'strict'}), have)[-1].action == 'disconnect'
    assert cn.network_changes(params(networks=nets, comparisons={'networks': 'ignore'}), have) == []
    # no networks in the task: networks are not compared at all, even with '*': strict
    assert cn.network_changes(params(comparisons={'*': 'strict'}), have) == []
    # networks: [] with strict leaves every network
    assert len(cn.network_changes(params(networks=[], comparisons={'networks': 'strict'}), have)) == 3


def test_strict_counts_a_network_listed_twice_by_the_daemon_once() -> None:
    # created with an ID prefix as network_mode, the daemon lists the network under the prefix and under its name
    have = container(NET_A[:12], **{NET_A[:12]: endpoint(NET_A), 'front': endpoint(NET_A), 'old': endpoint(NET_B)})
    changes = cn.network_changes(params(networks=[{'name': 'front'}], comparisons={'networks': 'strict'}), have)
    assert [(c.action, c.network) for c in changes] == [('disconnect', 'old')]


@pytest.mark.parametrize('wish, have, same', [
    ({'ipv4_address': '10.0.0.5'}, {'IPAMConfig': {'IPv4Address': '10.0.0.6'}}, False),
    ({'ipv6_address': 'fd00::5'}, {'IPAMConfig': {'IPv6Address': 'fd00:0::0005'}}, True),
    ({'mac_address': '92:d0:c6:0a:29:33'}, {'MacAddress': '92:d0:c6:0a:29:34'}, False),
    ({'gw_priority': 0}, {'GwPriority': None}, True),
    ({'gw_priority': 1}, {'GwPriority': 0}, False),
    ({'driver_opts': {'a': 'b'}}, {'DriverOpts': {'a': 'c'}}, False),
    ({'links': ['db']}, {'Links': ['db:db', 'cache:c']}, True),
    ({'links': ['db:alias']}, {'Links': ['db']}, False),
])
def test_endpoint_comparison(wish: dict, have: dict, same: bool) -> None:
    p = params(networks=[dict(wish, name='front')])
    changes = cn.network_changes(p, container('front', front=endpoint(NET_A, **have)))
    assert (changes == []) is same, changes


def test_network_mode_row_maps_daemon_spelling_back() -> None:
    row = cn.NETWORK_ROWS[0]
    client = FakeClient(containers={'db': {'Id': 'd' * 64}})

    def actual(stored: str, given: str, **networks: dict) -> str:
        return row.actual(container(stored, **networks), Ctx({'network_mode': given}, None, client))

    assert row.wanted('default', Ctx({}, None, None)) == 'bridge'
    assert actual('default', 'bridge') == 'bridge' and actual('bridge', 'default') == 'bridge'
    assert actual('container:' + 'd' * 64, 'container:db') == 'container:db'
    assert actual('container:' + 'e' * 64, 'container:db') == 'container:' + 'e' * 64
    assert actual('container:' + 'd' * 64, 'container:' + 'd' * 12) == 'container:' + 'd' * 12
    assert actual(NET_A[:12], 'front', front=endpoint(NET_A)) == 'front'
    assert actual('front', NET_A, front=endpoint(NET_A)) == NET_A
    assert actual('front', 'back', front=endpoint(NET_A)) == 'front'
    assert actual('host', 'bridge') == 'host'
    # a container:ID spelling needs no lookup; only a name does
    client.calls.clear()
    actual('container:' + 'd' * 64, 'container:' + 'd' * 64)
    assert client.calls == []
    body: dict = {'HostConfig': {}}
    row.put('container:db', body, Ctx({}, None, None))
    assert body == {'HostConfig': {'NetworkMode': 'container:db'}}


def test_apply_network_change() -> None:
    client = FakeClient()
    p = params(networks=[{'name': 'front', 'aliases': ['a'], 'gw_priority': 3}])
    cn.apply_network_change(client, 'c1', p, cn.NetworkChange('reconnect', 'front', None, None))
    assert client.calls == [('/networks/front/disconnect', {'Container': 'c1', 'Force': True}),
                            ('/networks/front/connect', {'Container': 'c1', 'EndpointConfig': {'Aliases': ['a'], 'GwPriority': 3}})]
    client.fail['/networks/gone/connect'] = NotFound(404, 'network gone not found')
    with pytest.raises(Exception, match='Create the network first'):
        cn.apply_network_change(client, 'c1', p, cn.NetworkChange('connect', 'gone', None, None))
    client.fail['/networks/bridge/disconnect'] = APIError(500, 'container c1 is not connected to network bridge')
    cn.apply_network_change(client, 'c1', p, cn.NetworkChange('disconnect', 'bridge', None, None))


def test_change_entries() -> None:
    entries = cn.change_entries([cn.NetworkChange('disconnect', 'old', None, {'name': 'old'})], 'strict')
    assert entries == [{'option': 'networks', 'network': 'old', 'wanted': None, 'actual': {'name': 'old'},
                        'comparison': 'strict', 'action': 'disconnected'}]


def test_mac_address_needs_a_create() -> None:
    have = container('front', front=endpoint(NET_A, MacAddress='92:d0:c6:0a:29:33', GwPriority=1))
    same = params(networks=[{'name': 'front', 'mac_address': '92:D0:C6:0A:29:33'}])
    assert cn.recreate_reasons(same, have) == []
    other = params(networks=[{'name': 'front', 'mac_address': '92:d0:c6:0a:29:34'}])
    assert [(r['network'], r['action'], r['option']) for r in cn.recreate_reasons(other, have)] == [
        ('front', 'recreated', 'networks')]
    # a reconnect for another setting would lose the MAC address too
    prio = params(networks=[{'name': 'front', 'mac_address': '92:d0:c6:0a:29:33', 'gw_priority': 2}])
    assert len(cn.recreate_reasons(prio, have)) == 1
    new = params(networks=[{'name': 'front'}, {'name': 'back', 'mac_address': '92:d0:c6:0a:29:35'}])
    assert [r['network'] for r in cn.recreate_reasons(new, have)] == ['back']
