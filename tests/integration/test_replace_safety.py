"""Nothing is destroyed before its replacement is known to work: containers, volumes, networks.

Each test names everything ``<prefix>-...`` (a random prefix), labels it ``dockerapi.test=<prefix>``
and removes it at the end. The docker CLI is the witness that nothing was lost: the same container
ID still running, the volume's data file still there, the network still there with its containers.
"""

from __future__ import annotations

import json
import random
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ansible_env, daemon_connection, docker_cli, harness
from conftest import run_module as run

DAEMONS = ['d20', 'd28']


def _prefix(tag: str) -> str:
    return 'rs-%s-%s' % (tag, uuid.uuid4().hex[:6])


def _daemon(name: str) -> dict:
    return harness()['daemons'][name]


def _cleanup(daemon: dict, prefix: str) -> None:
    ids = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=dockerapi.test=%s' % prefix, check=False).stdout.split()
    # Containers a failed swap could leave under a temporary name carry the label too.
    if ids:
        docker_cli(daemon, 'rm', '-f', '-v', *ids, check=False)
    nets = docker_cli(daemon, 'network', 'ls', '-q', '--filter', 'label=dockerapi.test=%s' % prefix, check=False).stdout.split()
    if nets:
        docker_cli(daemon, 'network', 'rm', *nets, check=False)
    vols = docker_cli(daemon, 'volume', 'ls', '-q', '--filter', 'label=dockerapi.test=%s' % prefix, check=False).stdout.split()
    if vols:
        docker_cli(daemon, 'volume', 'rm', '-f', *vols, check=False)


def _inspect(daemon: dict, name: str, fmt: str) -> str:
    return docker_cli(daemon, 'inspect', '--format', fmt, name).stdout.strip()


def _names_like(daemon: dict, prefix: str) -> list[str]:
    out = docker_cli(daemon, 'ps', '-a', '--format', '{{.Names}}', '--filter', 'label=dockerapi.test=%s' % prefix).stdout
    return sorted(out.split())


def _running_container(daemon: dict, prefix: str) -> tuple[dict, str]:
    image = harness()['test_image']
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=image, command=['sleep', '300'],
                labels={'dockerapi.test': prefix}, stop_timeout=1)
    first = run('container', args)
    assert first['actions'] == ['create', 'start'], first
    return args, first['container']['Id']


# ---- containers --------------------------------------------------------------------------------


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_recreate_without_image_keeps_the_containers_image(daemon_name: str) -> None:
    daemon = _daemon(daemon_name)
    prefix = _prefix('noimg-' + daemon_name)
    try:
        args, old_id = _running_container(daemon, prefix)
        image_id = _inspect(daemon, old_id, '{{.Image}}')
        conn = daemon_connection(daemon)
        # stop_timeout is not compared by default (docker_container's ignore): compare it here to force the recreate
        base = dict(conn, name=prefix + '-c', command=['sleep', '300'], labels={'dockerapi.test': prefix},
                    comparisons={'stop_timeout': 'strict'})
        steps = [
            (dict(base, state='stopped', stop_timeout=2), ['create', 'stop', 'rename', 'remove'], 'false'),
            (dict(base, stop_timeout=2, labels={'dockerapi.test': prefix, 'extra': 'x'}),
             ['create', 'rename', 'start', 'remove'], 'true'),
            (dict(base, stop_timeout=2, env={'A': '1'}), ['create', 'stop', 'rename', 'start', 'remove'], 'true'),
            (dict(base, stop_timeout=2, recreate=True), ['create', 'stop', 'rename', 'start', 'remove'], 'true'),
        ]
        previous = old_id
        for task, actions, running in steps:
            predicted = run('container', task, check=True)
            assert predicted['actions'] == actions, predicted
            done = run('container', task)
            assert not done['failed'], done
            assert done['actions'] == predicted['actions']
            new_id = done['container']['Id']
            assert new_id != previous
            # The witness: one container of that name, the same image (by its name), in the requested state.
            assert _inspect(daemon, prefix + '-c', '{{.Id}} {{.Image}} {{.Config.Image}} {{.State.Running}}').split() == \
                [new_id, image_id, harness()['test_image'], running]
            assert _names_like(daemon, prefix) == [prefix + '-c']
            if not task.get('recreate'):
                assert run('container', task)['changed'] is False
            previous = new_id
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
@pytest.mark.parametrize('case', ['bind-source-missing', 'no-command', 'bad-capability'])
def test_refused_create_leaves_the_old_container_running(daemon_name: str, case: str) -> None:
    daemon = _daemon(daemon_name)
    prefix = _prefix('refused-' + daemon_name)
    try:
        args, old_id = _running_container(daemon, prefix)
        started = _inspect(daemon, old_id, '{{.State.StartedAt}}')
        if case == 'bind-source-missing':
            task = dict(args, mounts=[{'type': 'bind', 'source': '/nonexistent-%s' % prefix, 'target': '/data'}])
        elif case == 'no-command':
            # The test image has no CMD: without command the daemon refuses the create ("no command specified").
            task = dict(daemon_connection(daemon), name=prefix + '-c', recreate=True, labels={'dockerapi.test': prefix})
        else:
            task = dict(args, cap_add=['NOT_A_CAPABILITY'])
        predicted = run('container', task, check=True)
        assert predicted['changed'] and predicted['actions'][0] == 'create'
        failed = run('container', task)
        assert failed['failed'], failed
        assert 'refused to create the replacement for container %s-c' % prefix in failed['msg']
        assert 'Nothing was changed: container %s-c (ID %s) is as it was (running).' % (prefix, old_id[:12]) in failed['msg']
        assert 'Traceback' not in failed.get('exception', '')
        # The witness: the same container, still running since the same instant, nothing left beside it.
        assert _inspect(daemon, prefix + '-c', '{{.Id}} {{.State.Running}} {{.State.StartedAt}}').split() == \
            [old_id, 'true', started]
        assert _names_like(daemon, prefix) == [prefix + '-c']
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_replacement_that_does_not_start_puts_the_old_container_back(daemon_name: str) -> None:
    daemon = _daemon(daemon_name)
    prefix = _prefix('nostart-' + daemon_name)
    try:
        args, old_id = _running_container(daemon, prefix)
        failed = run('container', dict(args, command=['/nonexistent-binary']))
        assert failed['failed'], failed
        assert 'Recreating container %s-c failed at step start' % prefix in failed['msg']
        assert 'does not start' in failed['msg']
        assert 'The old container is back as it was: %s-c (ID %s), running' % (prefix, old_id[:12]) in failed['msg']
        assert _inspect(daemon, prefix + '-c', '{{.Id}} {{.State.Running}}').split() == [old_id, 'true']
        assert _names_like(daemon, prefix) == [prefix + '-c']
        # And a stopped container stays stopped after the same failure.
        docker_cli(daemon, 'stop', '-t', '1', prefix + '-c')
        failed = run('container', dict(args, state='present', command=['/nonexistent-binary'], init=True))
        # present does not start a stopped container, so this recreate succeeds without a start.
        assert not failed['failed'] and failed['actions'] == ['create', 'rename', 'remove'], failed
        assert _inspect(daemon, prefix + '-c', '{{.State.Running}}') == 'false'
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_absurd_values_fail_clearly_and_change_nothing(daemon_name: str) -> None:
    daemon = _daemon(daemon_name)
    prefix = _prefix('absurd-' + daemon_name)
    try:
        args, old_id = _running_container(daemon, prefix)
        cases = [
            (dict(args, cpus='nan'), 'cpus must be a finite number'),
            (dict(args, cpus='inf'), 'cpus must be a finite number'),
            (dict(args, memory='99999999999999g'), 'out of range'),
            (dict(args, cpu_shares=2 ** 70), 'out of range'),
            (dict(args, name=prefix + '-' + 'x' * 300), 'characters long; use at most 255'),
            (dict(args, image='App:1'), 'not a valid image reference'),
            (dict(args, image='foo::bar'), 'not a valid image reference'),
        ]
        for task, words in cases:
            result = run('container', task)
            assert result['failed'] and words in result['msg'], (task, result)
            assert 'Traceback' not in result.get('exception', '') and 'Unexpected error' not in result['msg']
        assert _inspect(daemon, prefix + '-c', '{{.Id}} {{.State.Running}}').split() == [old_id, 'true']
        assert _names_like(daemon, prefix) == [prefix + '-c']
    finally:
        _cleanup(daemon, prefix)


def test_parallel_forks_on_one_name_converge() -> None:
    """20 inventory hosts (all local, forks 20) run the same container task: all succeed, one container exists."""
    daemon = _daemon('d28')
    prefix = _prefix('race')
    name = prefix + '-c'
    hosts = {'h%02d' % i: {'ansible_connection': 'local'} for i in range(1, 21)}
    inventory = {'all': {'hosts': hosts}}
    task = dict(daemon_connection(daemon), name=name, image=harness()['test_image'], command=['sleep', '300'],
                labels={'dockerapi.test': prefix}, stop_timeout=1)
    play = [{'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'one container, twenty runs', 'register': 'r', 'dockerapi.engine.container': task},
        {'ansible.builtin.copy': {'content': '{{ r | to_json }}', 'dest': '{{ out }}/{{ inventory_hostname }}.json'},
         'delegate_to': 'localhost'},
    ]}]
    try:
        with tempfile.TemporaryDirectory(prefix='dockerapi-race-') as tmp:
            Path(tmp, 'inventory.json').write_text(json.dumps(inventory))
            Path(tmp, 'play.yml').write_text(json.dumps(play))
            proc = subprocess.run([str(BIN / 'ansible-playbook'), '-i', str(Path(tmp, 'inventory.json')), '-f', '20',
                                   '-e', 'out=%s' % tmp, str(Path(tmp, 'play.yml'))],
                                  env=ansible_env(), capture_output=True, text=True, timeout=600, check=False)
            assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
            results = [json.loads(Path(tmp, '%s.json' % h).read_text()) for h in hosts]
        assert all(not r.get('failed') for r in results)
        creators = [r for r in results if 'create' in r['actions']]
        assert len(creators) >= 1
        ids = {r['container']['Id'] for r in results}
        witness = docker_cli(daemon, 'ps', '-aq', '--no-trunc', '--filter', 'label=dockerapi.test=%s' % prefix).stdout.split()
        assert len(witness) == 1 and ids == set(witness)
        assert _inspect(daemon, name, '{{.State.Running}}') == 'true'
    finally:
        _cleanup(daemon, prefix)


# ---- volumes -----------------------------------------------------------------------------------


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_volume_recreate_with_refused_options_keeps_volume_and_data(daemon_name: str) -> None:
    daemon = _daemon(daemon_name)
    prefix = _prefix('vol-' + daemon_name)
    volume = prefix + '-v'
    image = harness()['test_image']
    conn = daemon_connection(daemon)
    try:
        created = run('volume', dict(conn, name=volume, labels={'dockerapi.test': prefix}))
        assert created['actions'] == ['created']
        docker_cli(daemon, 'run', '--rm', '--label', 'dockerapi.test=%s' % prefix, '-v', volume + ':/v', image,
                   'sh', '-c', 'echo keep > /v/data')
        task = dict(conn, name=volume, labels={'dockerapi.test': prefix}, driver_options={'foo': 'bar'},
                    recreate='options-changed')
        predicted = run('volume', task, check=True)
        assert predicted['actions'] == ['recreated']
        failed = run('volume', task)
        assert failed['failed'], failed
        assert 'refuses the new settings of volume %s' % volume in failed['msg'] and 'foo' in failed['msg']
        assert 'Nothing was changed: volume %s and its data are as they were.' % volume in failed['msg']
        # The witness: the data file is still there, and no test volume is left.
        assert docker_cli(daemon, 'run', '--rm', '--label', 'dockerapi.test=%s' % prefix, '-v', volume + ':/v', image,
                          'cat', '/v/data').stdout.strip() == 'keep'
        listed = docker_cli(daemon, 'volume', 'ls', '-q', '--filter', 'name=%s' % prefix).stdout.split()
        assert listed == [volume]
        # A change the daemon accepts: check mode predicts it, the real run does it.
        task = dict(conn, name=volume, labels={'dockerapi.test': prefix, 'tier': 'two'}, recreate='options-changed')
        predicted = run('volume', task, check=True)
        done = run('volume', task)
        assert predicted['actions'] == done['actions'] == ['recreated']
        assert docker_cli(daemon, 'volume', 'inspect', '--format', '{{index .Labels "tier"}}', volume).stdout.strip() == 'two'
        assert docker_cli(daemon, 'volume', 'ls', '-q', '--filter', 'name=%s' % prefix).stdout.split() == [volume]
    finally:
        _cleanup(daemon, prefix)


# ---- networks ----------------------------------------------------------------------------------


def _free_subnets(count: int) -> list[str]:
    routes = subprocess.run(['ip', 'route'], capture_output=True, text=True, check=False).stdout
    octets = [o for o in random.sample(range(1, 255), 254) if f'10.238.{o}.' not in routes]
    return [f'10.238.{o}.0/24' for o in octets[:count]]


def _network_state(daemon: dict, network: str) -> dict:
    data = json.loads(docker_cli(daemon, 'network', 'inspect', network).stdout)[0]
    return {'id': data['Id'], 'subnets': [c.get('Subnet') for c in (data.get('IPAM') or {}).get('Config') or []],
            'containers': sorted(c['Name'] for c in (data.get('Containers') or {}).values()),
            'options': data.get('Options') or {}}


def _aliases(daemon: dict, container: str, network: str) -> list[str]:
    return json.loads(_inspect(daemon, container, '{{json (index .NetworkSettings.Networks "%s").Aliases}}' % network)) or []


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_network_recreate_checks_before_it_deletes_and_restores_after(daemon_name: str) -> None:
    daemon = _daemon(daemon_name)
    prefix = _prefix('net-' + daemon_name)
    net, other, member = prefix + '-n', prefix + '-other', prefix + '-c'
    s1, s2, s3 = _free_subnets(3)
    conn = daemon_connection(daemon)
    image = harness()['test_image']
    try:
        labels = {'dockerapi.test': prefix}
        assert run('network', dict(conn, name=net, labels=labels, ipam_config=[{'subnet': s1}]))['actions'] == ['created']
        assert run('network', dict(conn, name=other, labels=labels, ipam_config=[{'subnet': s2}]))['actions'] == ['created']
        docker_cli(daemon, 'run', '-d', '--name', member, '--label', 'dockerapi.test=%s' % prefix, '--network', net,
                   '--network-alias', 'web-alias', image, 'sleep', '300')
        before = _network_state(daemon, net)
        assert before['containers'] == [member] and 'web-alias' in _aliases(daemon, member, net)

        def unchanged() -> None:
            assert _network_state(daemon, net) == before
            assert 'web-alias' in _aliases(daemon, member, net)
            assert _inspect(daemon, member, '{{.State.Running}}') == 'true'
            leftovers = docker_cli(daemon, 'network', 'ls', '--format', '{{.Name}}', '--filter', 'name=%s' % prefix).stdout.split()
            assert sorted(leftovers) == sorted([net, other])

        # 1. A subnet another network holds: refused before anything is touched, in check mode too.
        task = dict(conn, name=net, labels=labels, ipam_config=[{'subnet': s2}], force=True, appends=True)
        for check in (True, False):
            result = run('network', task, check=check)
            assert result['failed'] and 'overlaps subnet %s of network %s' % (s2, other) in result['msg'], result
            assert 'Nothing was changed' in result['msg']
            unchanged()
        # 2. A driver the daemon does not have.
        result = run('network', dict(conn, name=net, labels=labels, driver='nosuchdriver-%s' % prefix[-6:], force=True,
                                     appends=True))
        assert result['failed'] and 'is not available' in result['msg'] and 'Nothing was changed' in result['msg'], result
        unchanged()
        # 3. An option the daemon refuses, on a new subnet: proven by a temporary network, nothing touched.
        result = run('network', dict(conn, name=net, labels=labels, ipam_config=[{'subnet': s3}], force=True, appends=True,
                                     driver_options={'com.docker.network.driver.mtu': 'abc'}))
        assert result['failed'] and 'refuses the new settings of network %s' % net in result['msg'], result
        assert 'Tested with a temporary network' in result['msg'] and 'Nothing was changed' in result['msg']
        unchanged()
        # 4. The same refused option on the old network's own subnet: no test is possible, so the old network goes,
        #    the create fails, and the old network comes back with its container and alias.
        result = run('network', dict(conn, name=net, labels=labels, ipam_config=[{'subnet': s1}], force=True, appends=True,
                                     driver_options={'com.docker.network.driver.mtu': 'abc'}))
        assert result['failed'], result
        assert 'could not be tested beforehand (the new subnet %s overlaps the old network' % s1 in result['msg']
        assert 'The old network %s was created again with its old settings' % net in result['msg']
        assert 'and %s reconnected' % member in result['msg']
        assert result['old_network']['Id'] == before['id']
        after = _network_state(daemon, net)
        assert after['subnets'] == before['subnets'] and after['containers'] == [member] and after['id'] != before['id']
        assert 'web-alias' in _aliases(daemon, member, net)
        # 5. A change the daemon accepts: check mode and the real run agree, the member keeps its alias.
        task = dict(conn, name=net, labels=dict(labels, tier='two'), ipam_config=[{'subnet': s1}], force=True, appends=True)
        predicted = run('network', task, check=True)
        done = run('network', task)
        assert not done['failed'] and predicted['actions'] == done['actions'], done
        assert 'recreated' in done['actions']
        assert _network_state(daemon, net)['containers'] == [member]
        assert 'web-alias' in _aliases(daemon, member, net)
    finally:
        docker_cli(daemon, 'rm', '-f', member, check=False)
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('fast_path', [False, True])
def test_env_values_stay_out_of_every_result(fast_path: bool) -> None:
    daemon = _daemon('d28')
    prefix = _prefix('env')
    secret, other = 'planted-%s' % uuid.uuid4().hex, 'planted-%s' % uuid.uuid4().hex
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=harness()['test_image'], command=['sleep', '300'],
                labels={'dockerapi.test': prefix}, stop_timeout=1, env={'TOKEN': secret})
    try:
        results = [run('container', args, diff=True, fast_path=fast_path),
                   run('container', dict(args, env={'TOKEN': other}), diff=True, check=True, fast_path=fast_path),
                   run('container', dict(args, env={'TOKEN': other}), diff=True, fast_path=fast_path),
                   run('container', dict(args, env={'TOKEN': other}, cpus='nan'), fast_path=fast_path)]
        for result in results:
            text = json.dumps(result)
            assert secret not in text and other not in text, result
        assert 'TOKEN=<hidden>' in results[2]['container']['Config']['Env']
        # The complete -vvv --diff output of a change (the diff is printed, not stored in the result).
        third = 'planted-%s' % uuid.uuid4().hex
        proc = subprocess.run([str(BIN / 'ansible'), 'localhost', '-m', 'dockerapi.engine.container', '-a',
                               json.dumps(dict(args, env={'TOKEN': third})), '--diff', '-vvv',
                               '-e', 'dockerapi_engine_fast_path=%s' % fast_path],
                              env=ansible_env(), capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert '"TOKEN": "<hidden, changed>"' in proc.stdout, proc.stdout[-3000:]
        assert third not in proc.stdout + proc.stderr
        # A failed run echoes its arguments too (at -vvv): still no value.
        proc = subprocess.run([str(BIN / 'ansible'), 'localhost', '-m', 'dockerapi.engine.container', '-a',
                               json.dumps(dict(args, env={'TOKEN': secret}, cpus='nan')), '--diff', '-vvv',
                               '-e', 'dockerapi_engine_fast_path=%s' % fast_path],
                              env=ansible_env(), capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode != 0 and 'cpus must be a finite number' in proc.stdout, proc.stdout[-3000:]
        assert '"TOKEN": "<hidden>"' in proc.stdout and secret not in proc.stdout + proc.stderr
        assert results[3]['failed'] and 'cpus' in results[3]['msg']
        # The witness: the container really holds the new value.
        assert 'TOKEN=%s' % third in _inspect(daemon, prefix + '-c', '{{json .Config.Env}}')
    finally:
        _cleanup(daemon, prefix)
