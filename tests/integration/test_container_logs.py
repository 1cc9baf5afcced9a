"""container_logs against real daemons, witnessed by ``docker logs``.

One playbook per daemon runs every case (the fast path, as users run it); the results are then
compared with what the docker CLI prints for the same containers and the same options.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ansible_env, cli_environment, daemon_connection, docker_cli, harness

BOTH = 'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done'


def _task(name: str, register: str, args: dict, **extra: object) -> dict:
    task = {'name': name, 'dockerapi.engine.container_logs': args, 'register': register}
    task.update(extra)
    return task


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_container_logs(daemon_name: str) -> None:
    info = harness()
    daemon = info['daemons'][daemon_name]
    image = info['test_image']
    prefix = 'g2logs-%s-%s' % (daemon_name, uuid.uuid4().hex[:8])
    names = {key: '%s-%s' % (prefix, key) for key in ('both', 'local', 'tty', 'big', 'none', 'slow', 'forever')}
    label = 'dockerapi.test.g2logs=%s' % prefix
    try:
        run = ['run', '-d', '--label', label]
        docker_cli(daemon, *run, '--name', names['both'], image, 'sh', '-c', BOTH)
        docker_cli(daemon, *run, '--log-driver', 'local', '--name', names['local'], image, 'sh', '-c', BOTH)
        docker_cli(daemon, *run, '-t', '--name', names['tty'], image, 'sh', '-c', 'echo tty-out; echo tty-err >&2')
        docker_cli(daemon, *run, '--name', names['big'], image, 'seq', '1', '20000')
        docker_cli(daemon, *run, '--log-driver', 'none', '--name', names['none'], image, 'true')
        docker_cli(daemon, *run, '--name', names['forever'], image, 'sh', '-c', 'echo hi; sleep 60')
        docker_cli(daemon, 'create', '--label', label, '--name', names['slow'], image, 'sh', '-c',
                   'echo start; sleep 2; echo end >&2')
        docker_cli(daemon, 'wait', names['both'], names['local'], names['tty'], names['big'], names['none'])

        tasks = [
            _task('plain', 'r_both', {'name': names['both']}),
            _task('timestamps', 'r_ts', {'name': names['both'], 'timestamps': True}),
            _task('tail', 'r_tail', {'name': names['both'], 'tail': 2}),
            _task('window', 'r_window', {'name': names['both'], 'since': "{{ (r_ts.lines | map(attribute='timestamp') | sort)[2] }}",
                                         'until': "{{ (r_ts.lines | map(attribute='timestamp') | sort)[6] }}"}),
            _task('duration, check mode', 'r_check', {'container': names['both'], 'since': '1h'}, check_mode=True),
            _task('stderr only', 'r_err', {'name': names['both'], 'stdout': False}),
            _task('local driver', 'r_local', {'name': names['local'], 'tail': 'all'}),
            _task('tty', 'r_tty', {'name': names['tty']}),
            _task('max_bytes', 'r_big', {'name': names['big'], 'max_bytes': 1000}),
            _task('driver none', 'r_none', {'name': names['none']}, ignore_errors=True),
            {'name': 'start slow', 'ansible.builtin.command': {'argv': ['docker', 'start', names['slow']]}},
            _task('follow until exit', 'r_follow', {'name': names['slow'], 'follow': True, 'follow_timeout': 30}),
            _task('follow time limit', 'r_forever', {'name': names['forever'], 'follow': True, 'follow_timeout': 1}),
        ]
        with tempfile.TemporaryDirectory(prefix='dockerapi-g2logs-') as tmp:
            out = Path(tmp) / 'out.json'
            keys = [task['register'] for task in tasks if 'register' in task]
            tasks.append({'name': 'save', 'ansible.builtin.copy': {
                'dest': str(out), 'content': '{{ {%s} | to_json }}' % ', '.join("'%s': %s" % (k, k) for k in keys)}})
            play = [{'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                     'module_defaults': {'group/dockerapi.engine.engine': daemon_connection(daemon)},
                     'environment': cli_environment(daemon), 'tasks': tasks}]
            (Path(tmp) / 'play.yml').write_text(json.dumps(play))
            proc = subprocess.run([str(BIN / 'ansible-playbook'), str(Path(tmp) / 'play.yml')], env=ansible_env(),
                                  capture_output=True, text=True, timeout=300, check=False)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            r = json.loads(out.read_text())

        def cli(*args: str) -> subprocess.CompletedProcess:
            return docker_cli(daemon, 'logs', *args)

        witness = cli(names['both'])
        both = r['r_both']
        assert both['changed'] is False and both['truncated'] is False and both['log_driver'] == 'json-file'
        assert both['stdout'] == witness.stdout == ''.join('out%d\n' % i for i in range(1, 6))
        assert both['stderr'] == witness.stderr == ''.join('err%d\n' % i for i in range(1, 6))
        assert [x['text'] for x in both['lines'] if x['stream'] == 'stdout'] == witness.stdout.split()
        assert [x['text'] for x in both['lines'] if x['stream'] == 'stderr'] == witness.stderr.split()
        assert 'timed_out' not in both

        ts = r['r_ts']
        witness = cli('--timestamps', names['both'])
        assert (ts['stdout'], ts['stderr']) == (witness.stdout, witness.stderr)
        stamps = sorted(x['timestamp'] for x in ts['lines'])
        assert len(stamps) == 10
        assert sorted('%s %s\n' % (x['timestamp'], x['text']) for x in ts['lines']) == \
            sorted(witness.stdout.splitlines(True) + witness.stderr.splitlines(True))

        witness = cli('--tail', '2', names['both'])
        assert (r['r_tail']['stdout'], r['r_tail']['stderr']) == (witness.stdout, witness.stderr)
        assert len(r['r_tail']['lines']) == len((witness.stdout + witness.stderr).splitlines())

        witness = cli('--since', stamps[2], '--until', stamps[6], names['both'])
        window = r['r_window']
        assert (window['stdout'], window['stderr']) == (witness.stdout, witness.stderr)
        assert 0 < len(window['lines']) < 10

        assert (r['r_check']['stdout'], r['r_check']['stderr']) == (both['stdout'], both['stderr'])
        assert r['r_check']['changed'] is False
        assert r['r_err']['stdout'] == '' and r['r_err']['stderr'] == both['stderr']
        assert {x['stream'] for x in r['r_err']['lines']} == {'stderr'}

        witness = cli(names['local'])
        assert r['r_local']['log_driver'] == 'local'
        assert (r['r_local']['stdout'], r['r_local']['stderr']) == (witness.stdout, witness.stderr) == \
            (both['stdout'], both['stderr'])

        env = dict(os.environ)
        env.update(cli_environment(daemon))
        witness = subprocess.run(['docker', 'logs', names['tty']], env=env, capture_output=True, timeout=60, check=True)
        tty = r['r_tty']
        assert tty['tty'] is True and tty['stderr'] == '' and witness.stderr == b''
        assert tty['stdout'].encode() == witness.stdout == b'tty-out\r\ntty-err\r\n'
        assert tty['lines'] == [{'stream': 'stdout', 'text': 'tty-out'}, {'stream': 'stdout', 'text': 'tty-err'}]

        witness = cli(names['big'])
        big = r['r_big']
        assert big['truncated'] is True and len(big['stdout']) == 1000
        assert big['stdout'] == witness.stdout[:1000] and len(witness.stdout) > 100000
        assert [x['text'] for x in big['lines']][:3] == ['1', '2', '3']

        none = r['r_none']
        assert none['failed'] is True
        assert "log driver 'none' does not support reading" in none['msg'], none['msg']
        assert docker_cli(daemon, 'logs', names['none'], check=False).returncode != 0

        follow = r['r_follow']
        witness = cli(names['slow'])
        assert follow['timed_out'] is False
        assert (follow['stdout'], follow['stderr']) == (witness.stdout, witness.stderr) == ('start\n', 'end\n')
        assert [x['text'] for x in follow['lines']] == ['start', 'end']

        forever = r['r_forever']
        assert forever['timed_out'] is True and forever['stdout'] == 'hi\n' and forever['truncated'] is False
    finally:
        listed = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=' + label, check=False).stdout.split()
        if listed:
            docker_cli(daemon, 'rm', '-f', *listed, check=False)
