"""Pure parsing and normalisation of container options."""

from __future__ import annotations

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._compare import (
    PortBinding,
    as_argv,
    bind_from_inspect,
    device_key,
    env_dict,
    env_list,
    healthcheck_test,
    normalize_capability,
    normalize_network_mode,
    normalize_signal,
    parse_cpus,
    parse_device,
    parse_duration,
    parse_port_spec,
    parse_ports,
    parse_size,
    parse_tmpfs,
    parse_volume,
    port_bindings_body,
    port_bindings_from_inspect,
)
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError


@pytest.mark.parametrize(('spec', 'expected'), [
    ('80', [PortBinding('80/tcp', '', '')]),
    ('8080:80', [PortBinding('80/tcp', '', '8080')]),
    ('127.0.0.1:8080:80/tcp', [PortBinding('80/tcp', '127.0.0.1', '8080')]),
    ('127.0.0.1::80/udp', [PortBinding('80/udp', '127.0.0.1', '')]),
    ('[::1]:8080:80', [PortBinding('80/tcp', '::1', '8080')]),
    ('8000-8001:80-81/udp', [PortBinding('80/udp', '', '8000'), PortBinding('81/udp', '', '8001')]),
    ('8000-8010:80', [PortBinding('80/tcp', '', '8000-8010')]),
    (53, [PortBinding('53/tcp', '', '')]),
    ('80/SCTP', [PortBinding('80/sctp', '', '')]),
])
def test_port_specs(spec, expected):
    assert parse_port_spec(spec) == expected


@pytest.mark.parametrize(('spec', 'fragment'), [
    ('', 'empty'),
    ('80/icmp', "protocol 'icmp'"),
    ('abc', "'abc' is not a port"),
    ('70000', 'between 1 and 65535'),
    ('0:80', 'between 1 and 65535'),
    ('90-80', 'ascending'),
    ('8000-8002:80-81', 'differ in length'),
    ('1.2.3.4:1:2:3', 'too many colons'),
    ('999.1.1.1:80:80', 'not an IP address'),
    ('[::1:80:80', 'IPv6'),
])
def test_bad_port_specs(spec, fragment):
    with pytest.raises(ConfigurationError) as err:
        parse_port_spec(spec)
    assert fragment in err.value.msg
    assert 'CONTAINER_PORT' in err.value.msg  # the message shows the syntax that works


def test_ports_roundtrip_with_inspect():
    bindings = parse_ports(['127.0.0.1:8080:80', '8080:80', '9000:90/udp', '8080:80'])
    assert len(bindings) == 3  # duplicates collapse
    exposed, published = port_bindings_body(bindings)
    assert exposed == {'80/tcp': {}, '90/udp': {}}
    assert published['80/tcp'] == [{'HostIp': '127.0.0.1', 'HostPort': '8080'}, {'HostIp': '', 'HostPort': '8080'}]
    assert sorted(port_bindings_from_inspect(published)) == sorted(bindings)
    assert PortBinding('80/tcp', '::1', '1').render() == '[::1]:1:80/tcp'


@pytest.mark.parametrize(('value', 'expected'), [
    ('512m', 512 * 1024 ** 2), ('1g', 1024 ** 3), ('1.5G', int(1.5 * 1024 ** 3)), ('100', 100), (2048, 2048),
    ('64MB', 64 * 1024 ** 2), ('10k', 10240), ('1mib', 1024 ** 2),
])
def test_sizes(value, expected):
    assert parse_size(value, 'memory') == expected


def test_size_errors_and_unlimited():
    assert parse_size('-1', 'memory_swap', allow_unlimited=True) == -1
    assert parse_size(-1, 'memory_swap', allow_unlimited=True) == -1
    for bad in ('lots', '-1', '12x', True):
        with pytest.raises(ConfigurationError) as err:
            parse_size(bad, 'memory')
        assert 'memory' in err.value.msg


@pytest.mark.parametrize(('value', 'expected'), [
    ('30s', 30 * 10 ** 9), ('1m30s', 90 * 10 ** 9), ('500ms', 5 * 10 ** 8), (2, 2 * 10 ** 9), ('1.5', 15 * 10 ** 8),
    ('1h', 3600 * 10 ** 9),
])
def test_durations(value, expected):
    assert parse_duration(value, 'interval') == expected


@pytest.mark.parametrize('bad', ['', '5 minutes', '1x', 'm5', True])
def test_bad_durations(bad):
    with pytest.raises(ConfigurationError):
        parse_duration(bad, 'healthcheck.interval')


def test_cpus_and_argv():
    assert parse_cpus(1.5) == 1500000000
    assert parse_cpus('0.25') == 250000000
    with pytest.raises(ConfigurationError):
        parse_cpus('two')
    assert as_argv('sh -c "echo a b"', 'command') == ['sh', '-c', 'echo a b']
    assert as_argv(['sleep', 1], 'command') == ['sleep', '1']
    assert as_argv(None, 'command') is None
    with pytest.raises(ConfigurationError) as err:
        as_argv('echo "unclosed', 'command')
    assert 'quotes' in err.value.msg


def test_volumes_and_binds():
    assert parse_volume('/srv:/data') == ('bind', '/srv', '/data', '')
    assert parse_volume('/srv:/data:rw') == ('bind', '/srv', '/data', '')
    assert parse_volume('cache:/data:z,ro') == ('bind', 'cache', '/data', 'ro,z')
    assert parse_volume('/data') == ('anonymous', '', '/data', '')
    assert bind_from_inspect('/srv:/data:ro,z') == ('/srv', '/data', 'ro,z')
    assert bind_from_inspect('/srv:/data:rw') == ('/srv', '/data', '')
    for bad in ('data', 'a:b', '/a:/b:ro:x'):
        with pytest.raises(ConfigurationError):
            parse_volume(bad)


def test_tmpfs_and_devices():
    assert parse_tmpfs(['/run', '/run/lock:size=64m']) == {'/run': '', '/run/lock': 'size=64m'}
    with pytest.raises(ConfigurationError):
        parse_tmpfs(['run'])
    assert parse_device('/dev/fuse') == {'PathOnHost': '/dev/fuse', 'PathInContainer': '/dev/fuse',
                                         'CgroupPermissions': 'rwm'}
    assert parse_device('/dev/sda:/dev/xvda:r')['PathInContainer'] == '/dev/xvda'
    assert parse_device('/dev/sda:rw')['CgroupPermissions'] == 'rw'
    fuse = {'PathOnHost': '/dev/fuse', 'PathInContainer': '', 'CgroupPermissions': 'mwr'}
    assert device_key(parse_device('/dev/fuse')) == device_key(fuse)
    for bad in ('fuse', '/dev/a:/dev/b:rx'):
        with pytest.raises(ConfigurationError):
            parse_device(bad)


def test_normalisers():
    assert normalize_capability('cap_net_admin') == 'NET_ADMIN'
    assert normalize_capability('ALL') == 'ALL'
    assert normalize_signal('term') == 'SIGTERM'
    assert normalize_signal('SIGRTMIN+3') == 'SIGRTMIN+3'
    assert normalize_signal('9') == '9'
    assert normalize_network_mode('default') == 'bridge'
    assert normalize_network_mode(None) == 'bridge'
    assert normalize_network_mode('host') == 'host'


def test_env():
    assert env_list({'A': '1', 'B': 2, 'C': None}) == ['A=1', 'B=2', 'C=']
    assert env_dict(['A=1', 'B=x=y', 'C']) == {'A': '1', 'B': 'x=y', 'C': ''}
    with pytest.raises(ConfigurationError) as err:
        env_list({'DEBUG': True})
    assert 'quote it' in err.value.msg


def test_healthcheck_test():
    assert healthcheck_test('curl -f http://localhost') == ['CMD-SHELL', 'curl -f http://localhost']
    assert healthcheck_test(['true']) == ['CMD', 'true']
    assert healthcheck_test(['cmd-shell', 'x']) == ['CMD-SHELL', 'x']
    assert healthcheck_test('NONE') == ['NONE']
    with pytest.raises(ConfigurationError):
        healthcheck_test([])
