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

from conftest import BIN, ansible_env, daemon_connection, harness

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


def run_both(daemon_name: str) -> tuple[list[dict], list[dict]]:
    daemon = harness()['daemons'][daemon_name]
    image = harness()['test_image']
    outcomes = []
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
            proc = subprocess.run([str(BIN / 'ansible-playbook'), str(Path(tmp) / 'play.yml')], env=ansible_env(),
                                  capture_output=True, text=True, timeout=900, check=False)
            assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-3000:]
            results = json.loads(out.read_text())
        outcomes.append([normalise(r, name) for r in results])
    return outcomes[0], outcomes[1]


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


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_fast_path_matches_the_module(daemon_name):
    fast, shipped = run_both(daemon_name)
    assert len(fast) == len(shipped)
    # the run did what the task list says, so the comparison is not between two empty results
    assert fast[3]['changed'] and not fast[4]['changed'] and fast[6]['stdout'] == 'out' and fast[6]['stderr'] == 'err'
    assert [r.get('failed', False) for r in fast[-4:]] == [True, True, True, True]
    for index, (a, b) in enumerate(zip(fast, shipped)):
        assert signature(a) == signature(b), 'task %d differs:\nfast:    %s\nshipped: %s' % (index, a, b)
