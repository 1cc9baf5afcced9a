"""The ssh:// transport against a real host: sshd, users, its own dockerd (tests/integration/sshhosts.py).

Every check goes through ansible-core as a user runs it (a play on localhost, the fast path in the
controller's worker or the shipped module), reaching the test host's daemon through the system ssh
client and ``docker system dial-stdio``. The docker CLI inside the host (``docker exec <host>
docker ...`` through the harness daemon, not through ssh) is the witness. A few plays with several
tasks each keep the file fast: one ansible-playbook process costs more than the checks it runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ansible_env

SSH_ENV_KEYS = ('DOCKERAPI_SSH_OPTS', 'DOCKERAPI_SSH_CONTROL_PERSIST', 'DOCKERAPI_SSH_CONTROL_DIR')


def run_play(tasks: list[dict], hosts: dict[str, dict] | None = None, fast_path: bool = False, forks: int = 5,
             timeout: float = 120) -> dict[str, dict]:
    """Run ``tasks`` on local inventory hosts; return, per host, every registered result by its name.

    Each host's variables may hold ``docker_host`` (module_defaults of the engine group) and ``task_env``
    (the play's ``environment:``, where the ssh knobs go). Tasks ignore their errors so that one play
    can collect several failures.
    """
    hosts = hosts or {'localhost': {}}
    registers = [task['register'] for task in tasks if 'register' in task]
    with tempfile.TemporaryDirectory(prefix='dkapi13-ssh-play-') as tmp:
        out = Path(tmp) / 'out'
        out.mkdir()
        inventory = {'all': {'hosts': {name: dict(ansible_connection='local', **hostvars) for name, hostvars in hosts.items()}}}
        collect = {'ansible.builtin.copy': {
            'content': '{{ {%s} | to_json }}' % ', '.join("'%s': %s | default(None)" % (name, name) for name in registers),
            'dest': str(out) + '/{{ inventory_hostname }}.json', 'mode': '0600'}}
        play = [{'hosts': 'all', 'gather_facts': False,
                 'vars': {'dockerapi_engine_fast_path': fast_path},
                 'environment': '{{ task_env | default({}) }}',
                 'module_defaults': {'group/dockerapi.engine.engine': {'docker_host': '{{ docker_host | default(omit) }}'}},
                 'tasks': [dict(task, ignore_errors=True) for task in tasks] + [collect]}]
        (Path(tmp) / 'inventory.json').write_text(json.dumps(inventory))
        (Path(tmp) / 'play.json').write_text(json.dumps(play))
        env = ansible_env()
        for key in SSH_ENV_KEYS:  # only what a host's task_env says
            env.pop(key, None)
        proc = subprocess.run([str(BIN / 'ansible-playbook'), '-i', str(Path(tmp) / 'inventory.json'), '-f', str(forks),
                               str(Path(tmp) / 'play.json')], env=env, capture_output=True, text=True, timeout=timeout, check=False)
        results = {}
        for name in hosts:
            try:
                results[name] = json.loads((out / ('%s.json' % name)).read_text())
            except OSError:
                raise AssertionError('the play wrote no result for %s (rc %d):\n%s\n%s' % (name, proc.returncode, proc.stdout[-6000:], proc.stderr[-3000:]))
        return results


def ok(result: dict) -> dict:
    """The registered result of a task that must have worked (the message otherwise)."""
    assert result is not None, 'the task did not run'
    assert not result.get('failed'), result.get('msg', result)
    return result


def failed_with(result: dict, *needles: str) -> str:
    assert result is not None, 'the task did not run'
    assert result.get('failed') is True, result
    msg = result.get('msg', '')
    assert 'Traceback' not in msg and 'Traceback' not in (result.get('exception') or ''), result
    for needle in needles:
        assert needle in msg, 'expected %r in the message: %s' % (needle, msg)
    assert not result.get('changed'), result
    return msg


def dial_stdio_clients(port: int) -> list[str]:
    """ssh client processes still running ``docker system dial-stdio`` to this port (a control master is not one)."""
    found = []
    for entry in Path('/proc').iterdir():
        try:
            argv = (entry / 'cmdline').read_bytes().split(b'\0')
        except OSError:
            continue
        if b'dial-stdio' in argv and str(port).encode() in argv:
            found.append(' '.join(arg.decode('utf-8', 'replace') for arg in argv))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def host(ssh_host):
    ssh_host.ensure_image()
    return ssh_host


@pytest.fixture()
def prefix() -> str:
    return 'dkapi13-ssh-t-%s' % uuid.uuid4().hex[:8]


def test_modules_over_ssh_url_fast_path(host, prefix):
    """ssh://root@127.0.0.1:PORT in the controller's worker: info, a container's life, exec with stdin, logs, events."""
    name = prefix + '-c'
    label = {'dockerapi.test': prefix}
    image = host.ensure_image()
    witness = ['docker', '-H', _harness_cli_host(host), 'exec', host.name, 'docker']
    tasks = [
        {'dockerapi.engine.host_info': {}, 'register': 'info'},
        {'dockerapi.engine.container': {'name': name, 'image': image, 'pull': 'never', 'labels': label,
                                        'command': ['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exec sleep 600']},
         'register': 'started'},
        {'ansible.builtin.command': {'argv': witness + ['inspect', name]},
         'register': 'inspected'},
        {'dockerapi.engine.container_exec': {'container': name, 'argv': ['sh', '-c', 'busybox tr a-z A-Z; echo err >&2; exit 3'],
                                             'stdin': 'line one\nline two', 'stdin_add_newline': True}, 'register': 'executed'},
        {'dockerapi.engine.container_logs': {'name': name}, 'register': 'logs'},
        {'dockerapi.engine.container': {'name': name, 'state': 'absent'}, 'register': 'removed'},
        {'ansible.builtin.command': {'argv': witness + ['ps', '-aq', '--filter', 'label=dockerapi.test=' + prefix]},
         'register': 'left'},
        {'dockerapi.engine.events': {'since': '2m', 'filters': {'type': 'container', 'label': ['dockerapi.test=' + prefix]}},
         'register': 'events'},
    ]
    try:
        res = run_play(tasks, {'localhost': {'docker_host': host.url('root'), 'task_env': host.env()}}, fast_path=True)['localhost']
    finally:
        host.docker('rm', '-f', name, check=False)
    info = ok(res['info'])
    assert info['host_info']['Name'] == host.name
    assert info['version']['Version'].startswith('20.10.')
    assert ok(res['started'])['changed'] is True
    inspected = json.loads(ok(res['inspected'])['stdout'])[0]
    assert inspected['State']['Running'] is True and inspected['Config']['Image'] == image
    executed = res['executed']
    assert executed['rc'] == 3, executed
    assert executed['stdout'] == 'LINE ONE\nLINE TWO' and executed['stderr'] == 'err', executed
    logs = ok(res['logs'])
    assert logs['stdout'].strip() == 'to-stdout' and logs['stderr'].strip() == 'to-stderr', logs
    assert ok(res['removed'])['changed'] is True
    assert ok(res['left'])['stdout'] == ''
    actions = [event.get('Action') for event in ok(res['events'])['events']]
    for action in ('create', 'start', 'die', 'destroy'):
        assert action in actions, actions
    assert any(action.startswith('exec_start') for action in actions), actions


def test_modules_over_ssh_alias_shipped(host, prefix, tmp_path):
    """ssh://<alias> (user, port, key, known_hosts from the ssh config), the shipped module: a build context upload."""
    image = host.ensure_image()
    payload = os.urandom(2 * 1024 * 1024)
    (tmp_path / 'payload.bin').write_bytes(payload)
    (tmp_path / 'Dockerfile').write_text('FROM %s\nCOPY payload.bin /payload.bin\n' % image)
    tag = prefix + '/built'
    task = {'dockerapi.engine.image_build': {'name': tag, 'path': str(tmp_path), 'labels': {'dockerapi.test': prefix}}, 'register': 'built'}
    try:
        built = ok(run_play([task], {'localhost': {'docker_host': host.alias_url, 'task_env': host.env()}}, fast_path=False)['localhost']['built'])
        assert built['changed'] is True
        assert host.docker('image', 'inspect', '--format', '{{.Id}}', tag + ':latest').stdout.strip() == built['image_id']
        seen = host.docker('run', '--rm', tag + ':latest', 'busybox', 'sha256sum', '/payload.bin')
        assert seen.stdout.split()[0] == hashlib.sha256(payload).hexdigest()
    finally:
        host.docker('rmi', '-f', tag + ':latest', check=False)


def test_connection_reuse(host, prefix):
    """With reuse, tasks share one SSH connection (a control master); without, each task logs in anew."""
    tasks = [{'dockerapi.engine.host_info': {}, 'register': 'first'}, {'dockerapi.engine.host_info': {}, 'register': 'second'}]
    control = host.workdir / ('ctl-%s' % prefix[-8:])  # made by the transport, private
    url = host.url('alice')  # alice's logins are this test's own: sshd's log counts them

    before = host.accepted_logins('alice')
    res = run_play(tasks, {'localhost': {'docker_host': url, 'task_env': host.env(reuse=False, control_dir=control)}}, fast_path=True)['localhost']
    ok(res['first'])
    ok(res['second'])
    assert host.accepted_logins('alice') - before == 2, 'without reuse each task logs in'
    assert not control.exists() or list(control.iterdir()) == [], 'no control master without reuse'
    assert dial_stdio_clients(host.port) == [], 'every task\'s ssh process ended with it'

    # The shipped module starts the master: it daemonises and keeps ssh's stderr, and the task must still end at once.
    before = host.accepted_logins('alice')
    res = run_play(tasks, {'localhost': {'docker_host': url, 'task_env': host.env(control_dir=control)}}, fast_path=False)['localhost']
    ok(res['first'])
    ok(res['second'])
    masters = list(control.iterdir())
    try:
        assert len(masters) == 1 and masters[0].is_socket(), masters
        assert oct(control.stat().st_mode & 0o777) == '0o700'
        assert host.accepted_logins('alice') - before == 1, 'the second task used the first one\'s connection'
        assert dial_stdio_clients(host.port) == [], 'only the master outlives the tasks'
        # A later run (another ansible-playbook) reuses the master too while it persists.
        res = run_play(tasks[:1], {'localhost': {'docker_host': url, 'task_env': host.env(control_dir=control)}}, fast_path=True)['localhost']
        ok(res['first'])
        assert host.accepted_logins('alice') - before == 1
    finally:
        for sock in masters:
            subprocess.run(['ssh', '-o', 'ControlPath=%s' % sock, '-O', 'exit', 'placeholder'], capture_output=True, timeout=10, check=False)


def test_parallel_first_connections(host):
    """Ten forks connecting at once with no master yet: all succeed (those that lose the race connect directly)."""
    control = Path(tempfile.mkdtemp(prefix='ctl-', dir=host.workdir))
    hosts = {'fork%02d' % i: {'docker_host': host.url('root'), 'task_env': host.env(control_dir=control)} for i in range(10)}
    try:
        res = run_play([{'dockerapi.engine.host_info': {}, 'register': 'info'}], hosts, fast_path=True, forks=10)
        for name, result in res.items():
            assert ok(result['info'])['host_info']['Name'] == host.name, name
        assert len(list(control.iterdir())) == 1
        assert dial_stdio_clients(host.port) == []
    finally:
        for sock in control.iterdir():
            subprocess.run(['ssh', '-o', 'ControlPath=%s' % sock, '-O', 'exit', 'placeholder'], capture_output=True, timeout=10, check=False)


def test_errors_are_clear_and_change_nothing(host, prefix):
    """Each way to fail names the problem: no sshd, wrong key, unknown or changed host key, no docker group, no docker, daemon down."""
    name = prefix + '-never'
    task = [{'dockerapi.engine.container': {'name': name, 'image': host.ensure_image(), 'pull': 'never', 'command': ['sleep', '60'],
                                            'labels': {'dockerapi.test': prefix}}, 'register': 'made'}]
    env = host.env(reuse=False)
    hosts = {
        'nothing_listening': {'docker_host': 'ssh://root@127.0.0.1:%d' % free_port(), 'task_env': env},
        'wrong_key': {'docker_host': host.url('root'), 'task_env': host.env(config=host.config_wrong_key, reuse=False)},
        'unknown_host_key': {'docker_host': host.url('root'), 'task_env': host.env(config=host.config_unknown_host, reuse=False)},
        'changed_host_key': {'docker_host': host.url('root'), 'task_env': host.env(config=host.config_changed_host_key, reuse=False)},
        'not_in_docker_group': {'docker_host': host.url('bob'), 'task_env': env},
        'no_docker_command': {'docker_host': host.url('carol'), 'task_env': env},
    }
    res = run_play(task, hosts, fast_path=True, forks=6)
    messages = {
        'nothing_listening': failed_with(res['nothing_listening']['made'], 'nothing accepts SSH connections'),
        'wrong_key': failed_with(res['wrong_key']['made'], 'SSH authentication failed'),
        'unknown_host_key': failed_with(res['unknown_host_key']['made'], 'is not known', 'known_hosts'),
        'changed_host_key': failed_with(res['changed_host_key']['made'], 'has CHANGED'),
        'not_in_docker_group': failed_with(res['not_in_docker_group']['made'], 'may not use the Docker daemon', 'docker'),
        'no_docker_command': failed_with(res['no_docker_command']['made'], 'no docker command'),
    }
    for case, msg in messages.items():
        assert 'StrictHostKeyChecking=no' not in msg, (case, msg)  # never advise turning host key checking off
    print(json.dumps(messages, indent=1))
    assert host.docker('ps', '-aq', '--filter', 'label=dockerapi.test=' + prefix).stdout == ''

    host.exec('systemctl', 'stop', 'docker.socket', 'docker.service')
    try:
        res = run_play(task, {'daemon_down': {'docker_host': host.url('root'), 'task_env': env}}, fast_path=False)
        print(failed_with(res['daemon_down']['made'], 'is not running'))
    finally:
        host.exec('systemctl', 'start', 'docker.socket', 'docker.service')
    assert host.docker('ps', '-aq', '--filter', 'label=dockerapi.test=' + prefix).stdout == ''


def _harness_cli_host(host) -> str:
    from sshhosts import daemon_host  # pylint: disable=import-outside-toplevel
    return daemon_host(host.daemon)
