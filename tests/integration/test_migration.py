"""A playbook written for community.docker runs with only the FQCN changed, and runs idempotently.

The playbooks in ``tests/integration/migration/`` are community.docker's documented examples
(docker_container, docker_network, docker_volume, docker_host_info, docker_prune) rewritten for the
harness, with ``community.docker.docker_X`` changed to ``dockerapi.engine.X`` and nothing else. On
dockerd 20.10 and 28.5 (both at once): ``site.yml`` and ``jobs.yml`` run, then ``site.yml`` again must
report ``changed=0`` in its recap, then ``teardown.yml`` removes everything.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import BIN, HERE, ansible_env, docker_cli, harness

PLAYBOOKS = HERE / 'migration'
DAEMONS = ('d20', 'd28')
RECAP = re.compile(r'^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


class Run:
    """One ansible-playbook run: its output and its recap."""

    def __init__(self, proc: subprocess.CompletedProcess) -> None:
        self.proc = proc
        self.output = proc.stdout + proc.stderr
        found = RECAP.findall(proc.stdout)
        self.ok, self.changed, self.unreachable, self.failed = (int(n) for n in found[-1]) if found else (0, 0, 0, -1)

    def changed_tasks(self) -> list[str]:
        """Each changed task with what it returned (``changes`` says why), from the -v output."""
        tasks, task = [], '?'
        for line in self.proc.stdout.splitlines():
            if line.startswith('TASK ['):
                task = line[6:line.rfind(']')]
            elif line.startswith('changed: [localhost]'):
                result = line.partition('=> ')[2]
                try:
                    detail = json.dumps(json.loads(result).get('changes', json.loads(result).get('actions')))
                except ValueError:
                    detail = result[:400]
                tasks.append('%s: %s' % (task, detail))
        return tasks

    def failures(self) -> str:
        lines = [line for line in self.proc.stdout.splitlines() if line.startswith(('fatal:', 'failed:'))]
        return '\n'.join(line[:3000] for line in lines) or self.output[-6000:]


def free_net24(daemon: dict) -> str:
    """Three octets of a /24 in the daemon's address pool that none of its networks uses."""
    used = docker_cli(daemon, 'network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}',
                      *docker_cli(daemon, 'network', 'ls', '-q').stdout.split()).stdout
    first_two = '.'.join(daemon['address_pool'].split('.')[:2])
    for third in random.sample(range(200, 255), 55):
        candidate = '%s.%s' % (first_two, third)
        if candidate + '.' not in used:
            return candidate
    raise AssertionError('no free /24 in %s' % daemon['address_pool'])


def playbook(variables: Path, *names: str, verbose: bool = False) -> Run:
    cmd = [str(BIN / 'ansible-playbook'), '-e', '@%s' % variables] + (['-v'] if verbose else [])
    cmd += [str(PLAYBOOKS / name) for name in names]
    return Run(subprocess.run(cmd, env=ansible_env(), capture_output=True, text=True, timeout=300, check=False))


def clean(daemon: dict, prefix: str) -> None:
    for label in ('migration.test', 'migration.prune'):
        ids = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=%s=%s' % (label, prefix)).stdout.split()
        if ids:
            docker_cli(daemon, 'rm', '-f', '-v', *ids, check=False)
    for kind in ('network', 'volume'):
        names = docker_cli(daemon, kind, 'ls', '-q', '--filter', 'label=migration.test=%s' % prefix).stdout.split()
        if names:
            docker_cli(daemon, kind, 'rm', *names, check=False)


def migrate(daemon_name: str) -> dict[str, Run]:
    info = harness()
    daemon = info['daemons'][daemon_name]
    prefix = 'mig-%s-%s' % (daemon_name, uuid.uuid4().hex[:6])
    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix='dockerapi-migration-') as tmp:
        variables = Path(tmp) / 'vars.json'
        variables.write_text(json.dumps({
            'prefix': prefix,
            'docker_host': daemon['docker_host'],
            'test_image': info['test_image'],
            'registry_image': '%s/%s' % (info['registry']['plain'], info['test_image']),
            'net24': free_net24(daemon),
        }))
        try:
            runs['first'] = playbook(variables, 'site.yml', 'jobs.yml')
            if runs['first'].failed == 0:
                runs['second'] = playbook(variables, 'site.yml', verbose=True)
            runs['teardown'] = playbook(variables, 'teardown.yml')
        finally:
            clean(daemon, prefix)
    return runs


def problems(daemon: str, runs: dict[str, Run]) -> list[str]:
    """What went wrong on one daemon, in words (empty when the migration worked)."""
    found = []
    first, second, teardown = runs['first'], runs.get('second'), runs['teardown']
    if first.failed or first.proc.returncode:
        found.append('first run on %s failed:\n%s' % (daemon, first.failures()))
    elif second is not None and (second.failed or second.proc.returncode):
        found.append('second run on %s failed:\n%s' % (daemon, second.failures()))
    elif second is not None and second.changed:
        changed = '\n'.join(second.changed_tasks())
        found.append('second run on %s is not idempotent, %d task(s) changed:\n%s' % (daemon, second.changed, changed))
    if teardown.failed or teardown.proc.returncode:
        found.append('teardown on %s failed:\n%s' % (daemon, teardown.failures()))
    return found


def test_community_docker_playbooks_run_unchanged_and_idempotently() -> None:
    # One test for both daemons, which run at the same time (as one test it also runs once under xdist).
    with ThreadPoolExecutor(max_workers=len(DAEMONS)) as pool:
        results = dict(zip(DAEMONS, pool.map(migrate, DAEMONS)))
    found = [text for daemon in DAEMONS for text in problems(daemon, results[daemon])]
    assert not found, '\n\n'.join(found)
    assert all(results[d]['first'].changed > 0 for d in DAEMONS)
