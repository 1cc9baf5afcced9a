"""Fault injection: a daemon that hangs, answers 500, garbles, truncates or drops its answers.

A small proxy (faultproxy.py) sits in front of the real 28.5 daemon's unix socket and spoils, in
scope ``all``, every versioned request (the unversioned /version negotiation passes, so each module
reaches its own first request), or in scope ``writes`` only the POST/PUT/DELETE requests (the
reads pass, so the modules that change something reach their create/prune/exec request). Every
module family runs through it, in the fast path and as the shipped module, and each task must fail
clearly: ``failed``, a message naming the problem, no Python traceback and
no "unexpected error"; where the proxy never forwarded the request (hang, 500), nothing may have
been created on the daemon (the docker CLI, talking to the daemon directly, is the witness).

Set FAULT_MATRIX_DIR to a directory to keep each run's results (cases x modules) as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ansible_env, docker_cli, harness, run_module
from faultproxy import FaultProxy, Rule

DAEMON = 'd28'
TIMEOUT = 2
# scope 'all': no request reaches the daemon, so no real answer needs the 2 s; a hung request waits out the timeout
# (once per module, 13 modules, both paths): 1 s halves that wait and still proves each task is bounded by it.
ALL_SCOPE_TIMEOUT = 1
CASES = ('hang', '500', 'garble', 'truncate', 'close')
UNEXPECTED = 'Unexpected error in dockerapi.engine'
MODULES = ('host_info', 'container', 'container_info', 'container_exec', 'image', 'image_info', 'image_build',
           'events', 'prune', 'volume', 'volume_info', 'network', 'network_info')
WRITERS = ('container', 'container_exec', 'image_build', 'prune', 'volume', 'network')
VERSIONED = r'^/v1\.\d+/'
SCOPES = {
    'all': ([Rule('pass', VERSIONED)], MODULES),  # the action is set to the case
    'writes': ([Rule('pass', VERSIONED, method) for method in ('POST', 'PUT', 'DELETE')], WRITERS),
}
MATRIX = [(case, 'all') for case in CASES] + [(case, 'writes') for case in ('hang', '500', 'garble', 'close')]


def upstream_socket(daemon: dict) -> str:
    return (daemon.get('unix_host') or daemon['docker_host'])[len('unix://'):]


def module_tasks(name: str, image: str, label: dict, context: str, modules: tuple[str, ...]) -> list[dict]:
    now = int(time.time())
    args = {
        'host_info': {'containers': True},
        'container': {'name': name + '-c', 'image': image, 'command': ['sleep', '60'], 'labels': label},
        'container_info': {'name': name + '-run'},
        'container_exec': {'container': name + '-run', 'argv': ['true']},
        'image': {'name': image, 'pull': 'missing'},
        'image_info': {'name': image},
        'image_build': {'name': name + '-img', 'tag': '1', 'path': context, 'labels': label},
        'events': {'since': now - 30, 'until': now, 'filters': {'label': 'dockerapi.fault=' + name}},
        'prune': {'containers': True, 'containers_filters': {'label': 'dockerapi.fault=' + name}},
        'volume': {'name': name + '-v', 'labels': label},
        'volume_info': {'name': name + '-v'},
        'network': {'name': name + '-n', 'labels': label},
        'network_info': {'name': name + '-n'},
    }
    return [{'dockerapi.engine.' + module: args[module], 'register': 'r_' + module, 'ignore_errors': True}
            for module in modules]


def run_play(docker_host: str, tasks: list[dict], fast: bool, modules: tuple[str, ...],
             timeout: int = TIMEOUT) -> tuple[subprocess.CompletedProcess, dict]:
    with tempfile.TemporaryDirectory(prefix='dockerapi-faults-') as tmp:
        out = Path(tmp) / 'results.json'
        play = [{
            'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
            'vars': {'dockerapi_engine_fast_path': fast},
            'module_defaults': {'group/dockerapi.engine.engine': {'docker_host': docker_host, 'timeout': timeout}},
            'tasks': tasks + [{'ansible.builtin.copy': {
                'dest': str(out),
                'content': '{{ {%s} | to_json }}' % ', '.join('"%s": r_%s' % (m, m) for m in modules)}}],
        }]
        (Path(tmp) / 'play.yml').write_text(json.dumps(play))
        proc = subprocess.run([str(BIN / 'ansible-playbook'), str(Path(tmp) / 'play.yml')], env=ansible_env(),
                              capture_output=True, text=True, timeout=600, check=False)
        assert out.exists(), proc.stdout[-5000:] + proc.stderr[-3000:]
        return proc, json.loads(out.read_text())


def leftovers(daemon: dict, name: str) -> list[str]:
    """Objects the play would have created, as the docker CLI sees them on the daemon itself."""
    found = []
    ps = docker_cli(daemon, 'ps', '-a', '--filter', 'label=dockerapi.fault=' + name, '--format', '{{.Names}}').stdout.split()
    found += [c for c in ps if c != name + '-run']
    for kind, obj in (('volume', name + '-v'), ('network', name + '-n'), ('image', name + '-img:1')):
        if docker_cli(daemon, kind, 'inspect', obj, check=False).returncode == 0:
            found.append('%s %s' % (kind, obj))
    return found


def cleanup(daemon: dict, name: str) -> None:
    ids = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=dockerapi.fault=' + name).stdout.split()
    if ids:
        docker_cli(daemon, 'rm', '-f', *ids, check=False)
    docker_cli(daemon, 'volume', 'rm', '-f', name + '-v', check=False)
    docker_cli(daemon, 'network', 'rm', name + '-n', check=False)
    docker_cli(daemon, 'rmi', '-f', name + '-img:1', check=False)


@pytest.mark.parametrize('fast', [True, False], ids=['fast_path', 'shipped'])
@pytest.mark.parametrize('case,scope', MATRIX, ids=['%s-%s' % pair for pair in MATRIX])
def test_every_module_fails_clearly(case, scope, fast, tmp_path):
    info = harness()
    daemon = info['daemons'][DAEMON]
    name = 'it-fault-%s-%s' % (case, uuid.uuid4().hex[:8])
    rules = [rule._replace(action=case) for rule in SCOPES[scope][0]]
    modules = SCOPES[scope][1]
    label = {'dockerapi.fault': name}
    context = tmp_path / 'ctx'
    context.mkdir()
    (context / 'Dockerfile').write_text('FROM %s\nLABEL dockerapi.fault=%s\nRUN echo built > /built\n' % (info['test_image'], name))
    docker_cli(daemon, 'run', '-d', '--name', name + '-run', '--label', 'dockerapi.fault=' + name, info['test_image'],
               'sleep', '120')
    proxy_dir = tempfile.mkdtemp(prefix='dkfp-')
    try:
        # hold: a task not bounded by its timeout would wait this long and break the time bound below
        with FaultProxy(upstream_socket(daemon), os.path.join(proxy_dir, 'p.sock'), rules, lifetime=600, hold=150) as proxy:
            started = time.monotonic()
            proc, results = run_play(proxy.docker_host, module_tasks(name, info['test_image'], label, str(context), modules),
                                     fast, modules, ALL_SCOPE_TIMEOUT if scope == 'all' else TIMEOUT)
            elapsed = time.monotonic() - started
        matrix = {m: {'failed': r.get('failed'), 'msg': r.get('msg')} for m, r in results.items()}
        if os.environ.get('FAULT_MATRIX_DIR'):
            Path(os.environ['FAULT_MATRIX_DIR'], '%s-%s-%s.json' % (case, scope, 'fast' if fast else 'shipped')).write_text(
                json.dumps({'elapsed': round(elapsed, 1), 'results': matrix}, indent=1))
        problems = []
        for module in modules:
            result = results[module]
            msg = result.get('msg')
            if not result.get('failed') or not isinstance(msg, str) or not msg.strip():
                problems.append('%s did not fail with a message: %s' % (module, result))
            elif 'Traceback' in json.dumps(result) or msg.startswith(UNEXPECTED) or 'Unexpected failure' in msg:
                problems.append('%s failed with a Python exception: %s' % (module, msg))
        assert not problems, '\n'.join(problems)
        assert 'Traceback' not in proc.stdout and 'An exception occurred' not in proc.stdout, proc.stdout[-4000:]
        # every module's own request met the fault (not only the version negotiation)
        faulted = ' '.join(target.split('?')[0] for dummy, target, action in proxy.hits if action == case)
        if scope == 'writes':
            for write in ('/containers/create', '/exec', '/build', '/containers/prune', '/volumes/create', '/networks/create'):
                assert write in faulted, (write, proxy.hits)
        else:
            assert '/info' in faulted and '/events' in faulted, proxy.hits
        if case in ('hang', '500'):
            # the proxy never forwarded a request: nothing may exist that the play would have created
            assert leftovers(daemon, name) == []
        # each task was bounded by the task's timeout, not by the proxy letting go
        assert elapsed < 60 * (2 if case == 'hang' else 1), elapsed
    finally:
        cleanup(daemon, name)
        try:
            os.rmdir(proxy_dir)
        except OSError:
            pass


def test_non_numeric_api_version(tmp_path):
    """A /version whose ApiVersion is not a number fails clearly, in both paths."""
    daemon = harness()['daemons'][DAEMON]
    with FaultProxy(upstream_socket(daemon), str(tmp_path / 'v.sock'), [Rule('version', r'^/version')], lifetime=120) as proxy:
        for fast in (True, False):
            result = run_module('host_info', {'docker_host': proxy.docker_host, 'timeout': TIMEOUT}, fast_path=fast)
            assert result['failed'] and "reported ApiVersion 'latest'" in result['msg'] and 'Traceback' not in result['msg']


def deep_tasks(name: str, registry_image: str, context: str) -> list[tuple[str, Rule, dict]]:
    """(module, rule, args): faults on a module's later or streaming requests, not its first one."""
    return [
        ('container_exec', Rule('reset', r'/exec/[^/]+/start$'),
         {'container': name + '-run', 'argv': ['sh', '-c', 'cat; echo out; sleep 1; echo more'],
          'stdin': 'fault-stdin-text'}),
        ('container_exec', Rule('reset', r'/exec/[^/]+/start$'),
         {'container': name + '-run', 'argv': ['sh', '-c', 'echo out; sleep 1; echo more']}),
        ('container_exec', Rule('hang', r'/exec/[^/]+/start$'),
         {'container': name + '-run', 'argv': ['sleep', '30'], 'exec_timeout': 2}),
        ('container_exec', Rule('garble', r'/exec/[^/]+/json$'),
         {'container': name + '-run', 'argv': ['true']}),
        ('image', Rule('truncate', r'/images/create$'), {'name': registry_image, 'force_pull': True}),
        ('image', Rule('reset', r'/images/create$'), {'name': registry_image, 'force_pull': True}),
        ('image_build', Rule('reset', r'/build$'), {'name': name + '-img', 'tag': '1', 'path': context, 'nocache': True}),
        ('events', Rule('reset', r'/events$'), {'since': int(time.time()) - 60, 'until': int(time.time())}),
        ('prune', Rule('hang', r'/volumes/prune$'),
         {'volumes': True, 'volumes_filters': {'label': 'dockerapi.fault=' + name}}),
    ]


@pytest.mark.parametrize('fast', [True, False], ids=['fast_path', 'shipped'])
def test_faults_deeper_in_a_module_fail_clearly(fast, tmp_path):
    """Streams cut in the middle (exec with and without stdin, pull, build, events), a hung exec start
    under exec_timeout, a garbled exec inspect, a hung prune: one proxy and one task per row."""
    info = harness()
    daemon = info['daemons'][DAEMON]
    name = 'it-fault-deep-%s' % uuid.uuid4().hex[:8]
    context = tmp_path / 'ctx'
    context.mkdir()
    (context / 'Dockerfile').write_text('FROM %s\nRUN echo one && sleep 1 && echo two\n' % info['test_image'])
    registry_image = '%s/dockerapi-test/busybox' % info['registry']['plain']  # a loopback registry of the harness
    docker_cli(daemon, 'run', '-d', '--name', name + '-run', '--label', 'dockerapi.fault=' + name, info['test_image'],
               'sleep', '120')
    problems = []
    try:
        for index, (module, rule, args) in enumerate(deep_tasks(name, registry_image, str(context))):
            with FaultProxy(upstream_socket(daemon), str(tmp_path / ('p%d.sock' % index)), [rule], lifetime=240, hold=90) as proxy:
                started = time.monotonic()
                args = dict(args, docker_host=proxy.docker_host, timeout=TIMEOUT)
                result = run_module(module, args, fast_path=fast)
                elapsed = time.monotonic() - started
            row = '%s %s %s' % (module, rule.action, rule.pattern)
            msg = result.get('msg') or ''
            if os.environ.get('FAULT_MATRIX_DIR'):
                with open(os.path.join(os.environ['FAULT_MATRIX_DIR'], 'deep-%s.jsonl' % ('fast' if fast else 'shipped')), 'a') as out:
                    out.write(json.dumps({'row': row, 'failed': result.get('failed'), 'msg': msg, 'elapsed': round(elapsed, 1)}) + '\n')
            if not any(action == rule.action for dummy, dummy2, action in proxy.hits):
                problems.append('%s: the fault was never reached (%s)' % (row, proxy.hits))
            elif not result.get('failed') or not msg.strip():
                problems.append('%s: did not fail: %s' % (row, result))
            elif 'Traceback' in json.dumps(result) or msg.startswith(UNEXPECTED):
                problems.append('%s: a Python exception: %s' % (row, msg))
            elif elapsed > 45:  # ansible's own start-up takes several seconds on a loaded machine
                problems.append('%s: took %.0f s (not bounded by the timeouts)' % (row, elapsed))
    finally:
        cleanup(daemon, name)
    assert not problems, '\n'.join(problems)
