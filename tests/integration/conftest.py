"""Shared fixtures for the integration tests: real daemons from tests/harness, real Ansible runs.

Two ways to drive the modules, both through ansible-core as a user would:

* ``run_target(target, daemon)`` runs ``tests/integration/targets/<target>/tasks/main.yml``
  (Ansible tasks with ``assert`` and docker CLI witnesses) against one harness daemon;
* ``run_module(module, args, env=...)`` runs one module ad hoc and returns its result dict,
  for checking exact failure messages and environment variable handling.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / 'tests' / 'harness'))

from harness_info import load  # noqa: E402  (stdlib-only helper of the harness)

BIN = Path(sys.executable).parent
DEFAULT_DAEMONS = ('d20', 'd26', 'd28')


def harness() -> dict:
    return load()


def target_daemons(target: str) -> list[str]:
    """Daemons a target runs against: its ``daemons`` file, else 20.10, 26.1 and 28.5."""
    listing = HERE / 'targets' / target / 'daemons'
    if listing.exists():
        return listing.read_text().split()
    return list(DEFAULT_DAEMONS)


def all_targets() -> list[tuple[str, str]]:
    pairs = []
    for main in sorted((HERE / 'targets').glob('*/tasks/main.yml')):
        target = main.parent.parent.name
        pairs.extend((target, d) for d in target_daemons(target))
    return pairs


def daemon_connection(daemon: dict) -> dict:
    """Module options that reach a harness daemon (mutual TLS for the tls one)."""
    conn = {'docker_host': daemon['docker_host']}
    if daemon.get('cert_dir'):
        cert_dir = daemon['cert_dir']
        conn.update(ca_path=os.path.join(cert_dir, 'ca.pem'), client_cert=os.path.join(cert_dir, 'cert.pem'),
                    client_key=os.path.join(cert_dir, 'key.pem'))
    return conn


def cli_environment(daemon: dict) -> dict:
    """Environment for the docker CLI witness: the daemon's plain unix socket when it has one."""
    return {'DOCKER_HOST': daemon.get('unix_host') or daemon['docker_host']}


def ansible_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    for name in ('DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_TLS', 'DOCKER_API_VERSION',
                 'DOCKER_TIMEOUT', 'DOCKER_TLS_HOSTNAME'):
        env.pop(name, None)
    env['PATH'] = '%s:%s' % (BIN, env.get('PATH', ''))
    env.setdefault('ANSIBLE_COLLECTIONS_PATH', str(ROOT / 'build' / 'collections'))
    env['ANSIBLE_COLLECTIONS_SCAN_SYS_PATH'] = 'false'
    env['ANSIBLE_NOCOLOR'] = '1'
    env['ANSIBLE_FORCE_COLOR'] = '0'
    env['ANSIBLE_LOCALHOST_WARNING'] = 'false'
    env['ANSIBLE_INVENTORY_UNPARSED_WARNING'] = 'false'
    env['ANSIBLE_PYTHON_INTERPRETER'] = sys.executable
    if extra:
        env.update(extra)
    return env


def run_module(module: str, args: dict | None = None, env: dict | None = None, check: bool = False,
               diff: bool = False, fast_path: bool = False) -> dict:
    """Run ``dockerapi.engine.<module>`` ad hoc on localhost; return its result dictionary.

    By default the module is shipped and run as a separate process (the classic path); the
    integration targets exercise the in-process fast path, and test_fast_path compares both.
    """
    cmd = [str(BIN / 'ansible'), 'localhost', '-m', module if '.' in module else 'dockerapi.engine.' + module,
           '-e', 'dockerapi_engine_fast_path=%s' % fast_path]
    if args:
        cmd += ['-a', json.dumps(args)]
    if check:
        cmd.append('--check')
    if diff:
        cmd.append('--diff')
    with tempfile.TemporaryDirectory(prefix='dockerapi-adhoc-') as tree:
        # The tree callback (ansible-core's own) writes each host's result as one JSON document.
        extra = {'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1', 'ANSIBLE_CALLBACKS_ENABLED': 'ansible.builtin.tree',
                 'ANSIBLE_CALLBACK_TREE_DIR': tree}
        extra.update(env or {})
        proc = subprocess.run(cmd, env=ansible_env(extra), capture_output=True, text=True, timeout=600, check=False)
        try:
            with open(os.path.join(tree, 'localhost')) as handle:
                result = json.load(handle)
        except (OSError, ValueError):
            raise AssertionError('ansible wrote no result (rc %d):\n%s\n%s' % (proc.returncode, proc.stdout, proc.stderr))
    # ansible-core keeps the failed flag out of the stored result; the exit code says it (2: host failed).
    result.setdefault('failed', proc.returncode != 0)
    return result


def run_target(target: str, daemon_name: str, extra_vars: dict | None = None) -> subprocess.CompletedProcess:
    info = harness()
    daemon = info['daemons'][daemon_name]
    prefix = 'it-%s-%s-%s' % (target.replace('_', ''), daemon_name, uuid.uuid4().hex[:6])
    play = [{
        'name': 'integration target %s on %s' % (target, daemon_name),
        'hosts': 'localhost',
        'connection': 'local',
        'gather_facts': False,
        'module_defaults': {'group/dockerapi.engine.engine': daemon_connection(daemon)},
        'environment': cli_environment(daemon),
        'tasks': [{'ansible.builtin.include_tasks': str(HERE / 'targets' / target / 'tasks' / 'main.yml')}],
    }]
    variables = {
        'daemon': daemon,
        'daemon_name': daemon_name,
        'connection': daemon_connection(daemon),
        'harness': info,
        'test_image': info['test_image'],
        'prefix': prefix,
        'target_dir': str(HERE / 'targets' / target),
    }
    variables.update(extra_vars or {})
    with tempfile.TemporaryDirectory(prefix='dockerapi-it-') as tmp:
        (Path(tmp) / 'play.yml').write_text(json.dumps(play))
        (Path(tmp) / 'vars.json').write_text(json.dumps(variables))
        return subprocess.run([str(BIN / 'ansible-playbook'), str(Path(tmp) / 'play.yml'), '-e', '@' + str(Path(tmp) / 'vars.json')],
                              env=ansible_env(), capture_output=True, text=True, timeout=1200, check=False)


@pytest.fixture(scope='session')
def harness_info() -> dict:
    return harness()


@pytest.fixture(scope='session')
def ssh_host():
    """An ssh-reachable systemd test host with its own dockerd, one per pytest worker (tests/integration/sshhosts.py)."""
    from sshhosts import remove_hosts, start_hosts  # pylint: disable=import-outside-toplevel
    hosts = start_hosts(1)
    yield hosts[0]
    remove_hosts(hosts)


# Files of long tests (20-130 s each), longest first. They run first, so that the xdist workers (-n 2) end on short
# tests and finish together, instead of one worker idling while the other runs a long target at the end of the list.
LONG_FIRST = ('test_targets.py', 'test_replace_safety.py', 'test_faults.py', 'test_fast_path.py',
              'test_container_networks.py', 'test_container_options.py')


def pytest_collection_modifyitems(items: list) -> None:
    """Long tests first (a stable sort: each file's tests stay together and in their order)."""
    rank = {name: index for index, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FIRST)))


def docker_cli(daemon: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The real docker CLI as an independent witness."""
    env = dict(os.environ)
    env.update(cli_environment(daemon))
    return subprocess.run(['docker'] + list(args), env=env, capture_output=True, text=True, timeout=300, check=check)
