"""container_copy_into against 20.10 (the shipped module) and 28.5 (the fast path), one ``-vvv --diff`` playbook each.

Witnesses are the docker CLI: ``docker exec <c> sha256sum/stat/readlink``, ``docker cp`` out of the container,
and ``docker cp <c>:<file> -`` listed with ``tar -tv`` for a stopped container (owner and mode). The whole output
is grepped for the secret copied with ``content`` (no_log), diff included.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ansible_env, cli_environment, daemon_connection, harness

C = 'dockerapi.engine.container_copy_into'


def must(*conditions: str) -> dict:
    return {'ansible.builtin.assert': {'that': list(conditions), 'quiet': True}}


def cmd(line: str, register: str | None = None, failed_when: str | None = None) -> dict:
    task: dict = {'ansible.builtin.command': line, 'changed_when': False}
    if register:
        task['register'] = register
    if failed_when:
        task['failed_when'] = failed_when
    return task


def playbook(daemon: dict, image: str, prefix: str, tmp: Path, blob_sha: str) -> list[dict]:
    run, stopped = prefix + '-run', prefix + '-stopped'
    label = 'dockerapi.test=%s' % prefix
    blob, link = str(tmp / 'blob.bin'), str(tmp / 'link.txt')
    secret = {'container': run, 'container_path': '/etc/secret.txt', 'content': '{{ secret }}', 'mode': '0600',
              'mode_parse': 'modern'}
    filecopy = {'container': run, 'path': blob, 'container_path': '/etc/blob.bin'}
    tasks = [
        cmd('docker run -d --name %s --label %s %s sleep 600' % (run, label, image)),
        cmd('docker create --name %s --label %s %s sleep 600' % (stopped, label, image)),
        # ---- content (no_log), check mode, then for real, then unchanged ----
        {'name': 'content in check mode', C: secret, 'check_mode': True, 'register': 'r'},
        must('r is changed', "r.container_path == '/etc/secret.txt'"),
        cmd('docker exec %s test -e /etc/secret.txt' % run, 'absent', 'absent.rc != 1'),
        {'name': 'content for real', C: secret, 'register': 'r'},
        must('r is changed'),
        cmd('docker exec %s sha256sum /etc/secret.txt' % run, 'sum'),
        cmd("docker exec %s stat -c '%%a %%u %%g' /etc/secret.txt" % run, 'st'),
        must("sum.stdout.split()[0] == (secret | hash('sha256'))", "st.stdout == '600 0 0'"),
        {'name': 'content again: unchanged', C: secret, 'register': 'r'},
        must('r is not changed'),
        {'name': 'content again in check mode: unchanged', C: secret, 'check_mode': True, 'register': 'r'},
        must('r is not changed'),
        # ---- a change of content, owner and group; the diff shows the text ----
        {'name': 'new content and owner', C: {'container': run, 'container_path': '/etc/secret.txt', 'content': 'hello\n',
                                              'owner_id': 1234, 'group_id': 99, 'mode': 0o640}, 'register': 'r'},
        cmd("docker exec %s stat -c '%%a %%u %%g' /etc/secret.txt" % run, 'st'),
        cmd('docker exec %s cat /etc/secret.txt' % run, 'cat'),
        must('r is changed', "'not shown' in r.diff.before", "st.stdout == '640 1234 99'", "cat.stdout == 'hello'"),
        {'name': 'mode alone changes', C: {'container': run, 'container_path': '/etc/secret.txt', 'content': 'hello\n',
                                           'owner_id': 1234, 'group_id': 99, 'mode': 0o644}, 'register': 'r'},
        {'name': 'owner alone changes', C: {'container': run, 'container_path': '/etc/secret.txt', 'content': 'hello\n',
                                            'owner_id': 1235, 'group_id': 99, 'mode': 0o644}, 'register': 'r2'},
        cmd("docker exec %s stat -c '%%a %%u %%g' /etc/secret.txt" % run, 'st'),
        {'name': 'same size and mode, other content', C: {'container': run, 'container_path': '/etc/secret.txt',
                                                          'content': 'hellO\n', 'owner_id': 1235, 'group_id': 99, 'mode': 0o644},
         'register': 'r3'},
        cmd('docker exec %s cat /etc/secret.txt' % run, 'cat'),
        must('r is changed', 'r2 is changed', 'r3 is changed', "st.stdout == '644 1235 99'", "cat.stdout == 'hellO'"),
        # ---- a local file (binary, mode taken from it), force ----
        {'name': 'local file', C: filecopy, 'register': 'r'},
        cmd('docker exec %s sha256sum /etc/blob.bin' % run, 'sum'),
        cmd("docker exec %s stat -c '%%a %%u %%g %%s' /etc/blob.bin" % run, 'st'),
        cmd('docker cp %s:/etc/blob.bin %s' % (run, tmp / 'out.bin')),
        {'ansible.builtin.stat': {'path': str(tmp / 'out.bin'), 'checksum_algorithm': 'sha256'}, 'register': 'out'},
        must('r is changed', "sum.stdout.split()[0] == '%s'" % blob_sha, "out.stat.checksum == '%s'" % blob_sha,
             "st.stdout == '640 0 0 300000'"),
        {'name': 'local file again: unchanged', C: filecopy, 'register': 'r'},
        {'ansible.builtin.copy': {'dest': str(tmp / 'text.txt'), 'content': 'line one\n'}},
        {'name': 'a local text file over the content: the diff shows both',
         C: {'container': run, 'path': str(tmp / 'text.txt'), 'container_path': '/etc/secret.txt'}, 'register': 'rt'},
        must('rt is changed', "rt.diff.before == 'hellO\\n'", "rt.diff.after == 'line one\\n'"),
        {'name': 'force false: exists, unchanged', C: dict(filecopy, force=False), 'register': 'r2'},
        {'name': 'force true: always copied', C: dict(filecopy, force=True), 'register': 'r3'},
        must('r is not changed', 'r2 is not changed', 'r3 is changed'),
        {'name': 'force false on a new path', C: {'container': run, 'path': blob, 'container_path': '/etc/new.bin',
                                                  'force': False}, 'register': 'r'},
        must('r is changed'),
        # ---- symbolic links: local_follow false copies the link, follow writes the link's target ----
        {'name': 'a local symlink copied as a link', C: {'container': run, 'path': link, 'container_path': '/etc/ln',
                                                         'local_follow': False}, 'register': 'r'},
        {'name': 'the link again: unchanged', C: {'container': run, 'path': link, 'container_path': '/etc/ln',
                                                  'local_follow': False}, 'register': 'r2'},
        cmd('docker exec %s readlink /etc/ln' % run, 'rl'),
        must('r is changed', 'r2 is not changed', "rl.stdout == 'blob.bin'"),
        {'name': 'follow a link in the container', C: {'container': run, 'content': 'via link\n', 'container_path': '/etc/ln',
                                                       'follow': True, 'owner_id': 0, 'group_id': 0}, 'register': 'r'},
        cmd('docker exec %s cat /etc/blob.bin' % run, 'cat'),
        cmd('docker exec %s readlink /etc/ln' % run, 'rl'),
        must('r is changed', "r.container_path == '/etc/blob.bin'", "cat.stdout == 'via link'", "rl.stdout == 'blob.bin'"),
        # ---- a stopped container ----
        {'name': 'stopped container without ids fails', C: {'container': stopped, 'content': 'dkapi failure text', 'container_path': '/etc/s.txt'},
         'register': 'r', 'ignore_errors': True},
        must('r is failed', "'owner_id and group_id' in r.msg", 'r is not changed'),
        {'name': 'stopped container', C: {'container': stopped, 'content': 'stopped\n', 'container_path': '/etc/s.txt',
                                          'owner_id': 5, 'group_id': 6, 'mode': '0400', 'mode_parse': 'octal_string_only'},
         'register': 'r'},
        {'name': 'stopped container again', C: {'container': stopped, 'content': 'stopped\n', 'container_path': '/etc/s.txt',
                                                'owner_id': 5, 'group_id': 6, 'mode': '0400', 'mode_parse': 'octal_string_only'},
         'register': 'r2'},
        {'ansible.builtin.shell': 'docker cp %s:/etc/s.txt - | tar -tvf -' % stopped, 'register': 'tv', 'changed_when': False},
        cmd('docker cp %s:/etc/s.txt %s' % (stopped, tmp / 's.txt')),
        must('r is changed', 'r2 is not changed', "tv.stdout.startswith('-r-------- 5/6 ')",
             "lookup('file', '%s') == 'stopped'" % (tmp / 's.txt')),
        # ---- clear failures, nothing changed ----
        {'name': 'missing container', C: {'container': prefix + '-nope', 'content': 'dkapi failure text', 'container_path': '/etc/x'},
         'register': 'r1', 'ignore_errors': True},
        {'name': 'relative container_path', C: {'container': run, 'content': 'dkapi failure text', 'container_path': 'etc/rel'},
         'register': 'r2', 'ignore_errors': True},
        {'name': 'missing local file', C: {'container': run, 'path': str(tmp / 'missing'), 'container_path': '/etc/missing'},
         'register': 'r3', 'ignore_errors': True},
        {'name': 'missing directory in the container', C: {'container': run, 'content': 'dkapi failure text', 'container_path': '/nodir/x',
                                                           'owner_id': 0, 'group_id': 0}, 'register': 'r4', 'ignore_errors': True},
        cmd("docker exec %s sh -c 'test -e /etc/rel || test -e /etc/missing || test -e /nodir'" % run, 'ls', 'ls.rc != 1'),
        must('r1 is failed', "'does not exist' in r1.msg", 'r2 is failed', "'absolute' in r2.msg",
             'r3 is failed', "'does not exist' in r3.msg", 'r4 is failed', "'/nodir' in r4.msg",
             'r1 is not changed and r2 is not changed and r3 is not changed and r4 is not changed',
             "'Traceback' not in (r1.exception | default('')) + (r2.exception | default('')) + (r3.exception | default(''))"),
    ]
    return [{
        'name': 'container_copy_into on %s' % daemon['version'], 'hosts': 'localhost', 'connection': 'local',
        'gather_facts': False,
        'module_defaults': {'group/dockerapi.engine.engine': daemon_connection(daemon)},
        'environment': cli_environment(daemon),
        'tasks': [{'block': tasks, 'always': [
            {'ansible.builtin.command': 'docker rm -f %s %s' % (run, stopped), 'failed_when': False, 'changed_when': False},
        ]}],
    }]


@pytest.mark.parametrize(('daemon_name', 'fast_path'), [('d20', False), ('d28', True)], ids=['d20-module', 'd28-fastpath'])
def test_copy_into(daemon_name: str, fast_path: bool) -> None:
    info = harness()
    daemon = info['daemons'][daemon_name]
    prefix = 'it-copyinto-%s-%s' % (daemon_name, uuid.uuid4().hex[:6])
    secret = 'dkapiSecret%s' % uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix='dockerapi-copy-') as name:
        tmp = Path(name)
        data = os.urandom(300000)
        (tmp / 'blob.bin').write_bytes(data)
        (tmp / 'blob.bin').chmod(0o640)
        os.symlink('blob.bin', tmp / 'link.txt')
        variables = {'secret': secret, 'dockerapi_engine_fast_path': fast_path}
        (tmp / 'play.yml').write_text(json.dumps(playbook(daemon, info['test_image'], prefix, tmp, hashlib.sha256(data).hexdigest())))
        (tmp / 'vars.json').write_text(json.dumps(variables))
        proc = subprocess.run([str(BIN / 'ansible-playbook'), '-vvv', '--diff', str(tmp / 'play.yml'), '-e', '@' + str(tmp / 'vars.json')],
                              env=ansible_env(), capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + '\n' + proc.stderr
    assert proc.returncode == 0, output[-12000:]
    assert secret not in output, 'the content leaked:\n%s' % output[max(0, output.find(secret) - 600):output.find(secret) + 100]
