"""The container ``networks`` option against real daemons (20.10: one endpoint at create, the rest connected
afterwards; 28.5: all endpoints in the create body), with ``docker inspect`` as the witness.
"""

from __future__ import annotations

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
