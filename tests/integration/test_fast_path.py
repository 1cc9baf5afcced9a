"""The in-process fast path and the shipped module give the same results, key by key.

One playbook runs the same tasks (reads, writes, check mode, diff mode, failures) twice on the
same daemon: once through the fast path (the default for controller-side tasks) and once with
``dockerapi_engine_fast_path: false`` (the module shipped and run as its own process). Values
that differ between any two runs (IDs, times, addresses) are compared by type and shape; the
outcome keys (changed, failed, msg, actions, rc, stdout, ...) must be equal.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from ansible.release import __version__ as ansible_core_version

from conftest import BIN, ansible_env, daemon_connection, harness

CORE = tuple(int(part) for part in ansible_core_version.split('.')[:2])  # the core this venv's ansible-playbook runs
EXACT = frozenset({'changed', 'failed', 'msg', 'actions', 'exists', 'rc', 'stdout', 'stderr', 'api_version',
                   'skipped', 'Action', 'Type', 'Name', 'Driver', 'containers_deleted', 'truncated', 'diff'})


def tasks(name: str, image: str) -> list[dict]:
    c = 'dockerapi.engine.'
    label = {'dockerapi.test': name}
    return [
        {c + 'host_info': {'containers': True, 'containers_all': True, 'containers_filters': {'label': 'dockerapi.test=' + name}}},
        {c + 'container_info': {'name': name}},
        {c + 'container': {'name': name, 'image': image, 'command': ['sleep', '300'], 'labels': label,
                           'stop_timeout': 1}, 'check_mode': True},
        {c + 'container': {'name': name, 'image': image, 'command': ['sleep', '300'], 'labels': label,
                           'stop_timeout': 1}},
        {c + 'container': {'name': name, 'image': image, 'command': ['sleep', '300'], 'labels': label,
                           'stop_timeout': 1}},
        {c + 'container': {'name': name, 'image': image, 'command': ['sleep', '300'],
                           'labels': {'dockerapi.test': name, 'extra': 'x'}, 'stop_timeout': 1},
         'check_mode': True, 'diff': True},
        {c + 'container_exec': {'container': name, 'argv': ['sh', '-c', 'echo out; echo err >&2']}},
        {c + 'container_info': {'name': name}},
        {c + 'volume': {'name': name, 'labels': label}, 'check_mode': True, 'diff': True},
        {c + 'volume': {'name': name, 'labels': label}},
        {c + 'volume': {'name': name, 'labels': label}},
        {c + 'volume_info': {'name': name}},
        # a difference with recreate: never is a warning (in the result before ansible-core 2.19, displayed apart from 2.19)
        {c + 'volume': {'name': name, 'labels': {'dockerapi.test': name, 'other': 'y'}}},
        {c + 'network': {'name': name, 'labels': label}},
        {c + 'network_info': {'name': name}},
        {c + 'prune': {'containers': True, 'containers_filters': {'label': 'dockerapi.test=' + name}}, 'check_mode': True},
        {c + 'events': {'since': '{{ started }}', 'filters': {'container': name}, 'max_events': 50}},
        {c + 'container': {'name': name, 'state': 'absent'}},
        {c + 'volume': {'name': name, 'state': 'absent'}},
        {c + 'network': {'name': name, 'state': 'absent'}},
        {c + 'container': {'name': name + '-x', 'image': 'dockerapi-test/no-such-image:1', 'pull': 'never'}},
        {c + 'container_exec': {'container': name + '-missing', 'argv': ['true']}},
        {c + 'host_info': {'no_such_option': True}},
        {c + 'volume': {'name': name + '-bad', 'labels': {'flag': True}}},
    ]


def run_both(daemon_name: str, extra_env: dict | None = None) -> tuple[list[dict], list[dict], list[str]]:
    daemon = harness()['daemons'][daemon_name]
    image = harness()['test_image']
    outcomes, outputs = [], []
    for fast in (True, False):
        name = 'it-fastpath-%s-%s' % (daemon_name, uuid.uuid4().hex[:6])
        steps = []
        for i, task in enumerate(tasks(name, image)):
            step = dict(task, register='r%d' % i, ignore_errors=True)
            steps.append(step)
        with tempfile.TemporaryDirectory(prefix='dockerapi-fast-') as tmp:
            out = Path(tmp) / 'results.json'
            play = [{
                'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                'vars': {'dockerapi_engine_fast_path': fast},
                'module_defaults': {'group/dockerapi.engine.engine': daemon_connection(daemon)},
                'tasks': [{'ansible.builtin.set_fact': {'started': '{{ now(utc=true).timestamp() | int }}'}}] + steps + [
                    {'ansible.builtin.copy': {'dest': str(out),
                                              'content': '{{ [%s] | to_json }}' % ', '.join('r%d' % i for i in range(len(steps)))}},
                ],
            }]
            (Path(tmp) / 'play.yml').write_text(json.dumps(play))
            proc = subprocess.run([str(BIN / 'ansible-playbook'), str(Path(tmp) / 'play.yml')], env=ansible_env(extra_env),
                                  capture_output=True, text=True, timeout=900, check=False)
            assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-3000:]
            results = json.loads(out.read_text())
        outcomes.append([normalise(r, name) for r in results])
        outputs.append(normalise(proc.stdout + proc.stderr, name))
    return outcomes[0], outcomes[1], outputs


def short(value, limit=1500):
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit] + '...'


def differences(a, b, where=''):
    """The paths where two signatures differ, for a readable failure."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                found.append('%s/%s only in %s' % (where, key, 'fast' if key in a else 'shipped'))
            else:
                found.extend(differences(a[key], b[key], '%s/%s' % (where, key)))
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, '%s[%d]' % (where, i))]
    return [] if a == b else ['%s: %s != %s' % (where or '/', short(a, 300), short(b, 300))]


def normalise(value, name):
    """Replace the run's unique name so both runs compare equal."""
    return json.loads(json.dumps(value).replace(name, 'NAME'))


def signature(value, key=None):
    """Exact value for outcome keys; type and shape for everything else."""
    if key in EXACT:
        return value
    if isinstance(value, dict):
        return {k: signature(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [signature(v) for v in value]
    return type(value).__name__


WARNING = 'but recreate is never, so it was left as it is'


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_fast_path_matches_the_module(daemon_name):
    fast, shipped, outputs = run_both(daemon_name)
    assert len(fast) == len(shipped)
    # the run did what the task list says, so the comparison is not between two empty results
    assert fast[3]['changed'] and not fast[4]['changed'] and fast[6]['stdout'] == 'out' and fast[6]['stderr'] == 'err'
    assert [r.get('failed', False) for r in fast[-4:]] == [True, True, True, True]
    assert not fast[12]['changed'] and fast[12]['differences'], fast[12]
    for index, (a, b) in enumerate(zip(fast, shipped)):
        assert signature(a) == signature(b), 'task %d differs: %s\nfast:    %s\nshipped: %s' % (
            index, differences(signature(a), signature(b)), short(a), short(b))
    # warnings are shown the same way (once per run, whether or not the core keeps them in the result),
    # and neither path makes ansible-core say that something of ours is deprecated
    for output in outputs:
        flat = ' '.join(output.split())  # warnings are wrapped to the terminal's width
        assert flat.count(WARNING) == 1, output[-3000:]
        assert 'DEPRECATION' not in flat, output[-3000:]
    # a shipped module's result carries ``invocation`` unless the core leaves it out (2.21+: INJECT_INVOCATION off by default)
    assert ('invocation' in fast[0]) == ('invocation' in shipped[0])
    if CORE >= (2, 21):
        assert 'invocation' not in fast[0], short(fast[0])


def test_fast_path_follows_inject_invocation():
    """ANSIBLE_INJECT_INVOCATION=true (2.21+) brings ``invocation`` back in both paths."""
    if CORE < (2, 21):
        pytest.skip('ansible-core %s has no INJECT_INVOCATION (the default test covers its invocation)' % ansible_core_version)
    fast, shipped, dummy = run_both('d28', {'ANSIBLE_INJECT_INVOCATION': 'true'})
    for a, b in zip(fast, shipped):
        assert ('invocation' in a) == ('invocation' in b)
    assert 'invocation' in fast[0] and 'invocation' in shipped[0]
    assert signature(fast[0]['invocation']) == signature(shipped[0]['invocation'])


def service_frames(exception: str) -> list[str]:
    """The frames from the runner's execute() down to the exception, as collection-relative paths."""
    frames, inside = [], False
    for line in exception.splitlines():
        line = line.strip()
        if line.startswith('File "') and 'ansible_collections/' in line:
            where = line.split('ansible_collections/', 1)[1]
            inside = inside or where.endswith(' in execute')
            if inside:
                frames.append(where)
        elif inside and not line.startswith(('File', '^')) and ':' in line and line.split(':')[0].endswith('Error'):
            frames.append(line)
            break
    return frames


def test_unexpected_exception_gives_the_same_result_in_both_paths(tmp_path):
    """An exception no service expects: the fast path reports it exactly as the shipped module does.

    A fault proxy in front of the real daemon answers GET /volumes with a JSON list where the API
    promises an object; host_info with volumes: true then fails inside the service (no test hook
    in the shipped code). ANSIBLE_DISPLAY_TRACEBACK=error keeps the traceback in the result.
    """
    from faultproxy import FaultProxy, Rule  # pylint: disable=import-outside-toplevel

    daemon = harness()['daemons']['d28']
    upstream = (daemon.get('unix_host') or daemon['docker_host'])[len('unix://'):]
    results = {}
    with FaultProxy(upstream, str(tmp_path / 'p.sock'), [Rule('list', r'^/v1\.\d+/volumes', 'GET')], lifetime=120) as proxy:
        for fast in (True, False):
            out = tmp_path / ('out-%s.json' % fast)
            play = [{'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                     'vars': {'dockerapi_engine_fast_path': fast},
                     'tasks': [{'dockerapi.engine.host_info': {'docker_host': proxy.docker_host, 'volumes': True},
                                'register': 'r', 'ignore_errors': True},
                               {'ansible.builtin.copy': {'dest': str(out), 'content': '{{ r | to_json }}'}}]}]
            (tmp_path / 'play.yml').write_text(json.dumps(play))
            proc = subprocess.run([str(BIN / 'ansible-playbook'), str(tmp_path / 'play.yml')],
                                  env=ansible_env({'ANSIBLE_DISPLAY_TRACEBACK': 'error'}),
                                  capture_output=True, text=True, timeout=300, check=False)
            assert out.exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
            results[fast] = json.loads(out.read_text())
        assert ('GET', '/v1.51/volumes', 'list') in proxy.hits
    fast, shipped = results[True], results[False]
    for result in (fast, shipped):
        assert result['failed'] is True
        assert result['msg'] == ("Unexpected error in dockerapi.engine (please report it): AttributeError: "
                                 "'list' object has no attribute 'get'")
        assert 'Traceback (most recent call last)' in result['exception']
    # the same exception, raised through the same frames of the same service
    assert service_frames(fast['exception']) == service_frames(shipped['exception'])
    assert service_frames(fast['exception'])[-1].startswith('AttributeError'), fast['exception']
    assert any('_system.py' in frame for frame in service_frames(fast['exception']))
