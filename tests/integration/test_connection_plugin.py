"""The connection plugin dockerapi.engine.engine_api against real daemons (20.10, 28.5, the TLS daemon).

Containers of ``dockerapi-test/python:latest`` (tests/harness/python-image) on d20, d28 and tls, one
inventory (TLS settings through host vars), playbooks run with ansible-playbook as a user would; the docker
CLI is the witness. The module-level helpers (tests of error cases without Ansible) talk to the same
containers in-process.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ROOT, ansible_env, daemon_connection, docker_cli, harness

IMAGE = 'dockerapi-test/python:latest'
DAEMONS = ('d20', 'd28', 'tls')
BIG = 100 * 1024 * 1024


def _host_vars(daemon: dict) -> dict:
    conn = daemon_connection(daemon)
    hv = {'ansible_docker_docker_host': conn['docker_host'], 'ansible_python_interpreter': '/usr/bin/python3'}
    if 'ca_path' in conn:
        hv.update(ansible_docker_ca_path=conn['ca_path'], ansible_docker_client_cert=conn['client_cert'],
                  ansible_docker_client_key=conn['client_key'])
    return hv


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    """One running python-image container per daemon (+ one created but stopped on d28), and an inventory."""
    subprocess.run([str(ROOT / 'tests' / 'harness' / 'python-image')] + list(DAEMONS), check=True,
                   capture_output=True, text=True, timeout=600)
    info = harness()
    tag = uuid.uuid4().hex[:8]
    hosts: dict[str, dict] = {}
    made = []
    for name in DAEMONS:
        daemon = info['daemons'][name]
        cname = 'dkapi13-c-%s-%s' % (tag, name)
        docker_cli(daemon, 'run', '-d', '--pull=never', '--name', cname, '--label', 'dkapi13-c=%s' % tag, IMAGE)
        made.append((daemon, cname))
        hosts[cname] = dict(_host_vars(daemon), daemon=name)
    stopped = 'dkapi13-c-%s-stopped' % tag
    docker_cli(info['daemons']['d28'], 'create', '--pull=never', '--name', stopped, '--label', 'dkapi13-c=%s' % tag, IMAGE)
    made.append((info['daemons']['d28'], stopped))
    tmp = tmp_path_factory.mktemp('connplugin')
    inventory = {'all': {'vars': {'ansible_connection': 'dockerapi.engine.engine_api'},
                         'hosts': {k: {kk: vv for kk, vv in v.items() if kk != 'daemon'} for k, v in hosts.items()}}}
    (tmp / 'inventory.json').write_text(json.dumps(inventory))
    yield {'hosts': hosts, 'tmp': tmp, 'info': info, 'stopped': stopped, 'tag': tag}
    for daemon, cname in made:
        docker_cli(daemon, 'rm', '-f', cname, check=False)


def _playbook(tmp: Path, name: str, text: str, *args: str, env: dict | None = None, rss: bool = False):
    path = tmp / name
    path.write_text(textwrap.dedent(text))
    cmd = [str(BIN / 'ansible-playbook'), '-i', str(tmp / 'inventory.json'), str(path)] + list(args)
    if rss:
        # the largest resident set of ansible-playbook and its forks (workers run put_file/fetch_file)
        cmd = [sys.executable, '-c', 'import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); '
               'print("MAXRSS_KB=%d" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)'] + cmd
    return subprocess.run(cmd, env=ansible_env(env), capture_output=True, text=True, timeout=600, check=False)


def _witness(fleet: dict, host: str, *argv: str) -> str:
    daemon = fleet['info']['daemons'][fleet['hosts'][host]['daemon']]
    return docker_cli(daemon, 'exec', host, *argv).stdout


# Pipelining is on for the play (one exec per module, the module on stdin) and off for the tasks marked
# "no pipelining" (module put with put_file, then run): both paths, one run.
PLAY = """
- hosts: all:!*stopped
  gather_facts: false
  vars:
    out_dir: "{{ lookup('env', 'OUT_DIR') }}"
    ansible_pipelining: true
  tasks:
    - name: setup (gathers facts through a module run in the container), no pipelining
      ansible.builtin.setup:
        gather_subset: [min]
      vars: {ansible_pipelining: false}
    - name: command as remote_user, in working_dir, with extra_env, failing with rc 3
      ansible.builtin.command: sh -c 'cat /etc/debian_version; id -un; echo "$PWD $DKAPI_X"; echo err >&2; exit 3'
      remote_user: tester
      vars:
        ansible_docker_working_dir: /home
        ansible_docker_extra_env: {DKAPI_X: "extra env"}
      register: cmd
      ignore_errors: true
    - name: copy, no pipelining
      ansible.builtin.copy:
        content: "copied to {{ inventory_hostname }}\\n"
        dest: /tmp/dkapi-copy.txt
        mode: "0640"
      vars: {ansible_pipelining: false}
    - name: template
      ansible.builtin.template:
        src: "{{ out_dir }}/t.j2"
        dest: /tmp/dkapi-template.txt
    - name: fetch
      ansible.builtin.fetch:
        src: /tmp/dkapi-template.txt
        dest: "{{ out_dir }}/fetched-{{ inventory_hostname }}.txt"
        flat: true
    - name: become root -> tester (su, no password)
      ansible.builtin.command: whoami
      become: true
      become_method: ansible.builtin.su
      become_user: tester
      register: b1
    - name: become tester -> root (su, password prompt answered), no pipelining
      ansible.builtin.command: whoami
      remote_user: tester
      become: true
      become_method: ansible.builtin.su
      vars:
        ansible_become_password: dockerapi
        ansible_pipelining: false
      register: b2
    - name: become tester -> root (su, password prompt answered), pipelining
      ansible.builtin.command: whoami
      remote_user: tester
      become: true
      become_method: ansible.builtin.su
      vars:
        ansible_become_password: dockerapi
      register: b3
    - name: copy as tester (file owned by remote_user), no pipelining
      ansible.builtin.copy:
        content: "mine\\n"
        dest: /home/tester/owned.txt
      remote_user: tester
      vars: {ansible_pipelining: false}
    - ansible.builtin.assert:
        that:
          - ansible_facts.distribution == 'Debian'
          - ansible_facts.user_id == 'root'
          - cmd is failed
          - cmd.rc == 3
          - cmd.stdout_lines[0] is match('12')
          - cmd.stdout_lines[1:] == ['tester', '/home extra env']
          - cmd.stderr == 'err'
          - b1.stdout == 'tester'
          - b2.stdout == 'root'
          - b3.stdout == 'root'
"""


def test_playbook_on_three_daemons(fleet, tmp_path):
    (tmp_path / 't.j2').write_text('{{ inventory_hostname }} on {{ ansible_facts.distribution }}\n')
    tmp = fleet['tmp']
    proc = _playbook(tmp, 'play.yml', PLAY, '-f', '3', '-vvv', env={'OUT_DIR': str(tmp_path)})
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    # both paths were taken: modules put as files (no pipelining) and modules on stdin; the su prompt answered
    assert 'PUT ' in proc.stdout and ', with stdin (' in proc.stdout and ', with become prompt' in proc.stdout
    for host in fleet['hosts']:
        assert _witness(fleet, host, 'cat', '/tmp/dkapi-copy.txt') == 'copied to %s\n' % host
        assert _witness(fleet, host, 'stat', '-c', '%a %U', '/tmp/dkapi-copy.txt').strip() == '640 root'
        assert _witness(fleet, host, 'cat', '/tmp/dkapi-template.txt') == '%s on Debian\n' % host
        assert (tmp_path / ('fetched-%s.txt' % host)).read_text() == '%s on Debian\n' % host
        assert _witness(fleet, host, 'stat', '-c', '%U:%G', '/home/tester/owned.txt').strip() == 'tester:tester'
    recap = proc.stdout[proc.stdout.index('PLAY RECAP'):]
    assert recap.count('failed=0') == 3 and recap.count('unreachable=0') == 3, recap


BIG_PLAY = """
- hosts: "{{ target }}"
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        src: "{{ src }}"
        dest: /tmp/dkapi-big.bin
        mode: "0600"
    - ansible.builtin.fetch:
        src: /tmp/dkapi-big.bin
        dest: "{{ back }}"
        flat: true
"""


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b''):
            sha.update(chunk)
    return sha.hexdigest()


def test_100_mib_each_way_constant_memory(fleet, tmp_path):
    """100 MiB put and fetched on d28 (unix) and tls at once; the controller's memory does not grow with it."""
    hosts = [h for h, v in fleet['hosts'].items() if v['daemon'] in ('d28', 'tls')]
    src = tmp_path / 'big.bin'
    with open(src, 'wb') as handle:
        block = os.urandom(1 << 20)
        for i in range(BIG >> 20):
            handle.write(hashlib.sha256(b'%d' % i).digest() + block[32:])
    small = tmp_path / 'small.bin'
    small.write_bytes(b'x' * 1000)
    runs = {}
    for label, path in (('tiny', small), ('big', src)):
        started = time.monotonic()
        proc = _playbook(fleet['tmp'], 'big.yml', BIG_PLAY, '-f', '2', '-e', json.dumps(
            {'target': ':'.join(hosts), 'src': str(path), 'back': str(tmp_path / label) + '-{{ inventory_hostname }}'}),
            rss=True)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        runs[label] = (time.monotonic() - started, int(proc.stdout.rsplit('MAXRSS_KB=', 1)[1].split()[0]))
    want = _sha256(src)
    for host in hosts:
        assert _witness(fleet, host, 'sha256sum', '/tmp/dkapi-big.bin').split()[0] == want
        assert _sha256(tmp_path / ('big-' + host)) == want
        _witness(fleet, host, 'rm', '-f', '/tmp/dkapi-big.bin')
    print('100 MiB put+fetch on d28 and tls: %.1f s, max RSS %d KiB; with a 1 kB file: %.1f s, max RSS %d KiB'
          % (runs['big'] + runs['tiny']))
    assert runs['big'][1] - runs['tiny'][1] < 20 * 1024, runs


def _adhoc(fleet: dict, host: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(BIN / 'ansible'), host, '-i', str(fleet['tmp'] / 'inventory.json')] + list(args)
    return subprocess.run(cmd, env=ansible_env(), capture_output=True, text=True, timeout=300, check=False)


def test_missing_and_stopped_containers_are_unreachable(fleet, tmp_path):
    d28 = next(h for h, v in fleet['hosts'].items() if v['daemon'] == 'd28')
    inv = json.loads((fleet['tmp'] / 'inventory.json').read_text())
    gone = 'dkapi13-c-%s-gone' % fleet['tag']
    inv['all']['hosts'][gone] = dict(inv['all']['hosts'][d28])
    inv['all']['hosts'][fleet['stopped']] = dict(inv['all']['hosts'][d28])
    inv['all']['hosts']['dkapi13-c-badtcp'] = {'ansible_docker_docker_host': 'tcp://192.0.2.1:2375'}
    inv_path = tmp_path / 'inv.json'
    inv_path.write_text(json.dumps(inv))
    proc = subprocess.run([str(BIN / 'ansible'), '%s,%s,dkapi13-c-badtcp' % (gone, fleet['stopped']), '-i', str(inv_path),
                           '-m', 'ansible.builtin.raw', '-a', 'true', '-f', '3'],
                          env=ansible_env(), capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert '%s | UNREACHABLE!' % gone in out, out
    assert 'Container %s does not exist on the Docker daemon at unix://' % gone in out, out
    assert '%s | UNREACHABLE!' % fleet['stopped'] in out, out
    assert 'is not running' in out and 'Start (or unpause) it first' in out, out
    assert 'Refusing plain TCP to 192.0.2.1:2375' in out, out


def test_module_utils_errors_and_symlinks(fleet, tmp_path):
    """The streaming helpers in-process: exit codes, stdin, missing paths, symlinks, directories."""
    sys.path.insert(0, os.environ.get('ANSIBLE_COLLECTIONS_PATH', str(ROOT / 'build' / 'collections')).split(':')[0])
    # pylint: disable=import-outside-toplevel
    from ansible_collections.dockerapi.engine.plugins.module_utils import _container_io as io_
    from ansible_collections.dockerapi.engine.plugins.module_utils._client import EngineClient
    from ansible_collections.dockerapi.engine.plugins.module_utils._connection import resolve_settings

    for host, hv in fleet['hosts'].items():
        daemon = fleet['info']['daemons'][hv['daemon']]
        client = EngineClient(resolve_settings(daemon_connection(daemon), {}))
        client.negotiate()
        try:
            rc, out, err = io_.run(client, host, ['/bin/sh', '-c', 'cat; echo E >&2; exit 7'], stdin=b'in' * 100000)
            assert (rc, len(out), err) == (7, 200000, b'E\n')
            rc, out, err = io_.run(client, host, ['/bin/sh', '-c', 'head -c 3000000 /dev/zero'])
            assert (rc, len(out), err) == (0, 3000000, b'')
            assert io_.user_ids(client, host, 'tester') == (1000, 1000)
            assert io_.user_ids(client, host, None) == (0, 0)
            assert io_.user_ids(client, host, '5:6') == (5, 6)
            local = tmp_path / ('f-' + hv['daemon'])
            local.write_bytes(b'payload')
            os.chmod(local, 0o751)
            io_.put_file(client, host, str(local), '/tmp/dkapi-put.bin', 1000, 1000)
            assert _witness(fleet, host, 'stat', '-c', '%a %u %g %s', '/tmp/dkapi-put.bin').strip() == '751 1000 1000 7'
            _witness(fleet, host, 'ln', '-sf', 'dkapi-put.bin', '/tmp/dkapi-link')
            assert io_.fetch_file(client, host, '/tmp/dkapi-link', str(tmp_path / 'via-link')) == 7
            assert (tmp_path / 'via-link').read_bytes() == b'payload'
            with pytest.raises(io_.RemoteFileMissing, match='does not exist'):
                io_.put_file(client, host, str(local), '/nonexistent-dir/x', 0, 0)
            big = tmp_path / 'big'
            big.write_bytes(b'b' * (8 << 20))  # refused before the body is read: the send breaks
            with pytest.raises(io_.RemoteFileMissing, match='the directory /nonexistent-dir does not exist'):
                io_.put_file(client, host, str(big), '/nonexistent-dir/x', 0, 0)
            with pytest.raises(io_.RemoteFileMissing, match='does not exist'):
                io_.put_file(client, host, str(tmp_path / 'no-such-local'), '/tmp/x', 0, 0)
            with pytest.raises(io_.RemoteFileMissing, match='/nonexistent does not exist in container'):
                io_.fetch_file(client, host, '/nonexistent', str(tmp_path / 'x'))
            with pytest.raises(io_.EngineError, match='is a directory'):
                io_.fetch_file(client, host, '/tmp', str(tmp_path / 'x'))
            with pytest.raises(io_.ContainerUnavailable, match='does not exist on the Docker daemon'):
                io_.fetch_file(client, host + '-gone', '/etc/hostname', str(tmp_path / 'x'))
            with pytest.raises(io_.ContainerUnavailable, match='does not exist on the Docker daemon'):
                io_.put_file(client, host + '-gone', str(local), '/tmp/x', 0, 0)
        finally:
            client.close()


def test_ssh_docker_host(ssh_host, tmp_path):
    """docker_host ssh://: the plugin reaches a container on a remote engine through the ssh transport.

    The container inside the ssh test host is busybox (no python there): raw commands through Ansible, files
    and stdin through the helpers in-process, with the same ssh settings (DOCKERAPI_SSH_OPTS).
    """
    image = ssh_host.ensure_image()
    name = 'dkapi13-c-ssh-%s' % uuid.uuid4().hex[:6]
    ssh_host.docker('run', '-d', '--name', name, image, 'sleep', '3600')
    try:
        env = ssh_host.env()
        inv = {'all': {'hosts': {name: {'ansible_connection': 'dockerapi.engine.engine_api',
                                        'ansible_docker_docker_host': ssh_host.url('root')}}}}
        (tmp_path / 'inv.json').write_text(json.dumps(inv))
        proc = subprocess.run([str(BIN / 'ansible'), name, '-i', str(tmp_path / 'inv.json'), '-m', 'ansible.builtin.raw',
                               '-a', 'echo via-ssh; cat /etc/hostname'], env=ansible_env(env), capture_output=True, text=True,
                              timeout=300, check=False)
        assert proc.returncode == 0 and 'via-ssh' in proc.stdout, proc.stdout + proc.stderr
        sys.path.insert(0, os.environ.get('ANSIBLE_COLLECTIONS_PATH', str(ROOT / 'build' / 'collections')).split(':')[0])
        # pylint: disable=import-outside-toplevel
        from ansible_collections.dockerapi.engine.plugins.module_utils import _container_io as io_
        from ansible_collections.dockerapi.engine.plugins.module_utils._client import EngineClient
        from ansible_collections.dockerapi.engine.plugins.module_utils._connection import resolve_settings

        environ = dict(os.environ, **env)
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # the ssh transport reads DOCKERAPI_SSH_* from the process environment
        try:
            client = EngineClient(resolve_settings({'docker_host': ssh_host.url('root')}, environ))
            client.negotiate()
            rc, out, err = io_.run(client, name, ['sh', '-c', 'cat; exit 4'], stdin=b'z' * 300000)
            assert (rc, len(out), err) == (4, 300000, b'')
            local = tmp_path / 'f.bin'
            local.write_bytes(os.urandom(2 * 1024 * 1024))
            with pytest.raises(io_.RemoteFileMissing, match='the directory /tmp does not exist there'):
                io_.put_file(client, name, str(local), '/tmp/f.bin', 0, 0)  # busybox image: no /tmp
            io_.put_file(client, name, str(local), '/f.bin', 0, 0)
            assert io_.fetch_file(client, name, '/f.bin', str(tmp_path / 'back.bin')) == 2 * 1024 * 1024
            assert (tmp_path / 'back.bin').read_bytes() == local.read_bytes()
            client.close()
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    finally:
        ssh_host.docker('rm', '-f', name, check=False)
