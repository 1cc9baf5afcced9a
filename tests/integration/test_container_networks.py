"""The container ``networks`` option against real daemons (20.10: one endpoint at create, the rest connected
afterwards; 28.5: all endpoints in the create body), with ``docker inspect`` as the witness.
"""

from __future__ import annotations

import ipaddress
import json
import random
import subprocess
import uuid

import pytest

from conftest import daemon_connection, docker_cli, harness
from conftest import run_module as run


def _free_subnet() -> tuple[str, str]:
    routes = subprocess.run(['ip', 'route'], capture_output=True, text=True, check=False).stdout
    for octet in random.sample(range(1, 255), 254):
        if f'10.239.{octet}.' not in routes:
            return f'10.239.{octet}.0/24', f'10.239.{octet}.'
    raise AssertionError('no free /24 in 10.239.0.0/16')


def _endpoints(daemon: dict, name: str) -> dict:
    data = json.loads(docker_cli(daemon, 'inspect', '--format', '{{json .NetworkSettings.Networks}}', name).stdout)
    return {net: {'aliases': sorted(ep.get('Aliases') or []), 'ip': (ep.get('IPAMConfig') or {}).get('IPv4Address') or '',
                  'address': ep.get('IPAddress') or ''} for net, ep in data.items()}


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_networks_at_create_connect_and_alias_changes(daemon_name: str) -> None:
    daemon = harness()['daemons'][daemon_name]
    prefix = 'cn-%s-%s' % (daemon_name, uuid.uuid4().hex[:6])
    front, back, extra, name = prefix + '-front', prefix + '-back', prefix + '-extra', prefix + '-c'
    subnet, base = _free_subnet()
    conn = daemon_connection(daemon)
    try:
        docker_cli(daemon, 'network', 'create', '--label', 'dockerapi.test=%s' % prefix, front)
        docker_cli(daemon, 'network', 'create', '--label', 'dockerapi.test=%s' % prefix, '--subnet', subnet, back)
        docker_cli(daemon, 'network', 'create', '--label', 'dockerapi.test=%s' % prefix, extra)
        networks = [{'name': front, 'aliases': ['web', 'www']}, {'name': back, 'ipv4_address': base + '10'}]
        args = dict(conn, name=name, image=harness()['test_image'], command=['sleep', '300'],
                    labels={'dockerapi.test': prefix}, stop_timeout=1, networks=networks)
        # Before API 1.44 the daemon takes one endpoint at create; the second is connected before the start.
        expected = ['create', 'start'] if daemon_name == 'd28' else ['create', 'connect:' + back, 'start']
        predicted = run('container', args, check=True)
        assert predicted['actions'] == expected, predicted
        first = run('container', args)
        assert first['actions'] == expected, first
        seen = _endpoints(daemon, name)
        assert sorted(seen) == sorted([front, back])
        assert {'web', 'www'} <= set(seen[front]['aliases'])
        assert seen[back]['ip'] == base + '10' and seen[back]['address'] == base + '10'
        assert docker_cli(daemon, 'inspect', '--format', '{{.HostConfig.NetworkMode}}', name).stdout.strip() == front
        again = run('container', args)
        assert again['changed'] is False and again['container']['Id'] == first['container']['Id']

        # An alias change reconnects in place (same container), a new network is connected in place.
        changed = dict(args, networks=[{'name': front, 'aliases': ['api']}, networks[1], {'name': extra}])
        predicted = run('container', changed, check=True)
        assert predicted['actions'] == ['reconnect:' + front, 'connect:' + extra], predicted
        done = run('container', changed)
        assert done['actions'] == predicted['actions'] and done['container']['Id'] == first['container']['Id']
        seen = _endpoints(daemon, name)
        assert sorted(seen) == sorted([front, back, extra])
        assert 'api' in seen[front]['aliases'] and 'web' not in seen[front]['aliases']
        assert run('container', changed)['changed'] is False

        # A recreate keeps every endpoint (the replacement is connected before the old one stops).
        recreated = run('container', dict(changed, recreate=True))
        assert not recreated['failed'], recreated
        assert recreated['container']['Id'] != first['container']['Id']
        seen = _endpoints(daemon, name)
        assert sorted(seen) == sorted([front, back, extra])
        assert 'api' in seen[front]['aliases'] and seen[back]['address'] == base + '10'
        assert docker_cli(daemon, 'inspect', '--format', '{{.State.Running}}', name).stdout.strip() == 'true'

        # A network that does not exist fails clearly and changes nothing.
        missing = run('container', dict(changed, networks=changed['networks'] + [{'name': prefix + '-missing'}]))
        assert missing['failed'] and prefix + '-missing' in missing['msg'], missing
        assert docker_cli(daemon, 'inspect', '--format', '{{.Id}}', name).stdout.strip() == recreated['container']['Id']
    finally:
        ids = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=dockerapi.test=%s' % prefix, check=False).stdout.split()
        if ids:
            docker_cli(daemon, 'rm', '-f', *ids, check=False)
        nets = docker_cli(daemon, 'network', 'ls', '-q', '--filter', 'label=dockerapi.test=%s' % prefix,
                          check=False).stdout.split()
        if nets:
            docker_cli(daemon, 'network', 'rm', *nets, check=False)


def _cleanup(daemon: dict, prefix: str) -> None:
    ids = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=dockerapi.test=%s' % prefix, check=False).stdout.split()
    if ids:
        docker_cli(daemon, 'rm', '-f', *ids, check=False)
    nets = docker_cli(daemon, 'network', 'ls', '-q', '--filter', 'label=dockerapi.test=%s' % prefix, check=False).stdout.split()
    if nets:
        docker_cli(daemon, 'network', 'rm', *nets, check=False)


def _raw_endpoints(daemon: dict, name: str) -> dict:
    return json.loads(docker_cli(daemon, 'inspect', '--format', '{{json .NetworkSettings.Networks}}', name).stdout)


def _inspect(daemon: dict, name: str, template: str) -> str:
    return docker_cli(daemon, 'inspect', '--format', template, name).stdout.strip()


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_every_network_suboption(daemon_name: str) -> None:
    """Each suboption set, witnessed by docker inspect; unchanged rerun; a changed setting reconnects in place."""
    daemon = harness()['daemons'][daemon_name]
    prefix = 'cns-%s-%s' % (daemon_name, uuid.uuid4().hex[:6])
    net, name, peer = prefix + '-net', prefix + '-c', prefix + '-db'
    subnet, base = _free_subnet()
    v6 = 'fd%02x:%04x::' % (random.randrange(256), random.randrange(65536))
    new = daemon_name == 'd28'
    conn = daemon_connection(daemon)
    try:
        docker_cli(daemon, 'network', 'create', '--label', 'dockerapi.test=%s' % prefix, '--subnet', subnet, '--ipv6',
                   '--subnet', v6 + '/64', net)
        docker_cli(daemon, 'run', '-d', '--label', 'dockerapi.test=%s' % prefix, '--name', peer, '--network', net,
                   harness()['test_image'], 'sleep', '300')
        entry = {'name': net, 'aliases': ['web'], 'ipv4_address': base + '10', 'ipv6_address': v6 + '0010',
                 'links': [peer + ':database'], 'driver_opts': {'dockerapi.test.opt': 'one'}}
        if new:  # API 1.44 / 1.48
            entry.update(mac_address='92:d0:c6:0a:29:33', gw_priority=7)
        args = dict(conn, name=name, image=harness()['test_image'], command=['sleep', '300'],
                    labels={'dockerapi.test': prefix}, stop_timeout=1, networks=[entry])
        first = run('container', args)
        assert not first['failed'] and first['changed'], first
        seen = _raw_endpoints(daemon, name)[net]
        assert 'web' in seen['Aliases']
        assert seen['IPAMConfig']['IPv4Address'] == base + '10' and seen['IPAddress'] == base + '10'
        assert ipaddress.ip_address(seen['GlobalIPv6Address']) == ipaddress.ip_address(v6 + '10')
        assert seen['Links'] == [peer + ':database']
        assert seen['DriverOpts'] == {'dockerapi.test.opt': 'one'}
        if new:
            assert seen['MacAddress'] == '92:d0:c6:0a:29:33' and seen['GwPriority'] == 7
        # what the process sees: its address and the link alias
        ip_out = docker_cli(daemon, 'exec', name, 'ip', 'addr').stdout
        # ip prints the canonical form (no leading zeros: fd8c:d75::10, not fd8c:0d75::10)
        assert base + '10/' in ip_out and ipaddress.ip_address(v6 + '10').compressed + '/' in ip_out, ip_out
        assert docker_cli(daemon, 'exec', name, 'ping', '-c1', '-W2', 'database', check=False).returncode == 0
        assert _inspect(daemon, name, '{{.HostConfig.NetworkMode}}') == net  # the first network, as docker run --network

        again = run('container', args)
        assert again['changed'] is False and again['container']['Id'] == first['container']['Id'], again

        # A changed address reconnects in place: same container, new address; check mode predicts it.
        changed_entry = dict(entry, ipv6_address=v6 + '20', driver_opts={'dockerapi.test.opt': 'two'})
        if new:
            changed_entry.update(gw_priority=9)
            del changed_entry['mac_address']  # a reconnect cannot keep a MAC address (see below)
        changed = dict(args, networks=[changed_entry])
        predicted = run('container', changed, check=True)
        assert predicted['actions'] == ['reconnect:' + net], predicted
        done = run('container', changed)
        assert done['actions'] == ['reconnect:' + net] and done['container']['Id'] == first['container']['Id'], done
        seen = _raw_endpoints(daemon, name)[net]
        assert ipaddress.ip_address(seen['GlobalIPv6Address']) == ipaddress.ip_address(v6 + '20') and seen['DriverOpts'] == {'dockerapi.test.opt': 'two'}
        assert seen['IPAddress'] == base + '10' and 'web' in seen['Aliases']
        if new:
            assert seen['GwPriority'] == 9
        assert run('container', changed)['changed'] is False

        if new:
            # The daemon applies an endpoint MAC address only at create (connect ignores it): a recreate.
            mac = dict(args, networks=[dict(changed_entry, mac_address='92:d0:c6:0a:29:44')])
            predicted = run('container', mac, check=True)
            assert 'create' in predicted['actions'], predicted
            assert [c['action'] for c in predicted['changes'] if c['option'] == 'networks'] == ['recreated'], predicted
            done = run('container', mac)
            assert done['container']['Id'] != first['container']['Id'], done
            seen = _raw_endpoints(daemon, name)[net]
            assert seen['MacAddress'] == '92:d0:c6:0a:29:44' and ipaddress.ip_address(seen['GlobalIPv6Address']) == ipaddress.ip_address(v6 + '20')
            assert seen['GwPriority'] == 9 and 'web' in seen['Aliases']
            assert run('container', mac)['changed'] is False
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_strict_networks_detach_and_cli_compatible_false(daemon_name: str) -> None:
    """comparisons: {networks: strict} disconnects unlisted networks; networks_cli_compatible: false keeps the default one."""
    daemon = harness()['daemons'][daemon_name]
    prefix = 'cnp-%s-%s' % (daemon_name, uuid.uuid4().hex[:6])
    one, two, name = prefix + '-one', prefix + '-two', prefix + '-c'
    conn = daemon_connection(daemon)
    try:
        for net in (one, two):
            docker_cli(daemon, 'network', 'create', '--label', 'dockerapi.test=%s' % prefix, net)
        two_id = _inspect(daemon, two, '{{.Id}}')
        # networks_cli_compatible false: created on the default network, the listed ones connected after
        args = dict(conn, name=name, image=harness()['test_image'], command=['sleep', '300'],
                    labels={'dockerapi.test': prefix}, stop_timeout=1, networks_cli_compatible=False,
                    networks=[{'name': one}, {'name': two_id[:12]}])
        first = run('container', args)
        assert not first['failed'], first
        assert sorted(_raw_endpoints(daemon, name)) == sorted(['bridge', one, two])
        assert _inspect(daemon, name, '{{.HostConfig.NetworkMode}}') in ('default', 'bridge')
        assert run('container', args)['changed'] is False  # a network given by ID matches its endpoint

        # strict: the unlisted networks (the default one too) are disconnected in place
        strict = dict(args, networks=[{'name': one}], comparisons={'networks': 'strict'})
        predicted = run('container', strict, check=True)
        assert sorted(predicted['actions']) == sorted(['disconnect:bridge', 'disconnect:' + two]), predicted
        done = run('container', strict)
        assert done['container']['Id'] == first['container']['Id'] and sorted(done['actions']) == sorted(predicted['actions'])
        assert sorted(_raw_endpoints(daemon, name)) == [one]
        strict_changes = [c for c in done.get('changes', []) if c.get('option') == 'networks']
        assert sorted(c['action'] for c in strict_changes) == ['disconnected', 'disconnected'], done.get('changes')
        assert run('container', strict)['changed'] is False
        # default comparison: an extra network is left alone
        docker_cli(daemon, 'network', 'connect', two, name)
        assert run('container', dict(strict, comparisons=None))['changed'] is False
        assert sorted(_raw_endpoints(daemon, name)) == sorted([one, two])

        # recreate with strict and networks_cli_compatible false ends on the listed networks only, then stays
        recreated = run('container', dict(strict, recreate=True))
        assert not recreated['failed'] and recreated['container']['Id'] != first['container']['Id'], recreated
        assert sorted(_raw_endpoints(daemon, name)) == [one]
        assert run('container', strict)['changed'] is False
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_network_mode_container_name_default_and_id(daemon_name: str) -> None:
    """container:NAME, default and a network ID are resolved before comparing: unchanged reruns stay unchanged."""
    daemon = harness()['daemons'][daemon_name]
    prefix = 'cnm-%s-%s' % (daemon_name, uuid.uuid4().hex[:6])
    base, other, name, net = prefix + '-base', prefix + '-other', prefix + '-c', prefix + '-net'
    conn = daemon_connection(daemon)
    image = harness()['test_image']
    try:
        docker_cli(daemon, 'network', 'create', '--label', 'dockerapi.test=%s' % prefix, net)
        for peer in (base, other):
            docker_cli(daemon, 'run', '-d', '--label', 'dockerapi.test=%s' % prefix, '--name', peer, image, 'sleep', '300')
        base_id = _inspect(daemon, base, '{{.Id}}')
        args = dict(conn, name=name, image=image, command=['sleep', '300'], labels={'dockerapi.test': prefix},
                    stop_timeout=1, network_mode='container:' + base)
        first = run('container', args)
        assert not first['failed'], first
        assert _inspect(daemon, name, '{{.HostConfig.NetworkMode}}') == 'container:' + base_id
        # the process sees the network stack of the other container
        assert docker_cli(daemon, 'exec', name, 'hostname', '-i').stdout.strip() == \
            docker_cli(daemon, 'exec', base, 'hostname', '-i').stdout.strip()
        again = run('container', args)
        assert again['changed'] is False and again['container']['Id'] == first['container']['Id'], again
        assert run('container', dict(args, network_mode='container:' + base_id[:12]))['changed'] is False

        # another container: a recreate, as docker_container does
        moved = run('container', dict(args, network_mode='container:' + other), check=True)
        assert 'create' in moved['actions'], moved
        assert any(c.get('option') == 'network_mode' and c.get('action') == 'recreated' for c in moved.get('changes', [])), moved

        # default: the daemon stores default (20.10) or bridge (26.1 and later); both mean the same. A listed
        # network is joined besides it on every API version (from 1.44 the create request carries both).
        plain = dict(args, network_mode='default', networks=[{'name': net}])
        assert not run('container', plain)['failed']
        assert _inspect(daemon, name, '{{.HostConfig.NetworkMode}}') in ('default', 'bridge')
        assert sorted(_raw_endpoints(daemon, name)) == sorted(['bridge', net])
        assert run('container', plain)['changed'] is False
        assert run('container', dict(plain, network_mode='bridge'))['changed'] is False

        # a network by ID as network_mode, then by name: the same network, no change
        net_id = _inspect(daemon, net, '{{.Id}}')
        by_id = dict(args, network_mode=net_id[:12])
        assert not run('container', by_id)['failed']
        assert run('container', by_id)['changed'] is False
        assert run('container', dict(args, network_mode=net))['changed'] is False
    finally:
        _cleanup(daemon, prefix)


def test_newer_suboptions_refused_on_api_141_before_any_change() -> None:
    """mac_address (API 1.44) and gw_priority (1.48) on dockerd 20.10: a clear failure, nothing changed."""
    daemon = harness()['daemons']['d20']
    prefix = 'cna-d20-%s' % uuid.uuid4().hex[:6]
    net, name = prefix + '-net', prefix + '-c'
    conn = daemon_connection(daemon)
    try:
        docker_cli(daemon, 'network', 'create', '--label', 'dockerapi.test=%s' % prefix, net)
        args = dict(conn, name=name, image=harness()['test_image'], command=['sleep', '300'],
                    labels={'dockerapi.test': prefix}, stop_timeout=1, networks=[{'name': net}])
        first = run('container', args)
        assert not first['failed'], first
        for key, value, version in (('mac_address', '92:d0:c6:0a:29:33', '1.44'), ('gw_priority', 3, '1.48')):
            refused = run('container', dict(args, networks=[{'name': net, key: value}], recreate=True))
            assert refused['failed'] and 'networks.%s' % key in refused['msg'] and version in refused['msg'], refused
            assert _inspect(daemon, name, '{{.Id}}') == first['container']['Id']
            assert _inspect(daemon, name, '{{.State.Running}}') == 'true'
        # nothing was created meanwhile either
        ids = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=dockerapi.test=%s' % prefix).stdout.split()
        assert len(ids) == 1
    finally:
        _cleanup(daemon, prefix)
