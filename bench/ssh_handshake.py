# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one task costs over ssh://, with and without SSH connection reuse, against a systemd test host.

    python3 bench/ssh_handshake.py --runs 10 [--json FILE] [--ansible-bin DIR] [--collections PATH]

Starts one test host (tests/integration/sshhosts.py: Debian 12, sshd, Engine 20.10, on the harness
daemon TESTHOST_DAEMON, default d26), runs ONE ansible-playbook on localhost whose tasks are
``dockerapi.engine.host_info`` in rotated rounds of these kinds, each timed from task start to result
by bench/callback_plugins/bench_timer.py:

* fast path (the controller's worker) and shipped module, each over ``ssh://`` with reuse (control
  master, ``DOCKERAPI_SSH_CONTROL_PERSIST=60``) and without (``=0``: a full SSH connection per task);
* the same two over the unix socket of the harness daemon d20 (also Engine 20.10): the baseline
  without SSH.

One untimed warm-up round comes first (it starts the control master; its time is reported as "first
task"). Then the raw handshake: ``ssh true`` N times with a fresh connection each time, and N times
through a running master. sshd's log on the host counts the logins the play made.

Prints a markdown table and the JSON document (``--json FILE`` writes it too). bench/run calls it
with its own venv and collection copy (``--ansible-bin``, ``--collections``); standalone, it uses the
repository's ``.venv`` and ``build/dev`` (``make dev-collections``), else ``build/collections``.
Standard library only. Benchmarks report; it fails only when a task fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / 'tests' / 'integration'))

from sshhosts import SshHost, daemon_host, remove_hosts, start_hosts  # noqa: E402  pylint: disable=wrong-import-position

KINDS = [
    # key, label, transport, fast path, reuse
    ('ssh_reuse_fast', 'host_info over ssh://, reuse, fast path', 'ssh', True, True),
    ('ssh_noreuse_fast', 'host_info over ssh://, no reuse, fast path', 'ssh', True, False),
    ('unix_fast', 'host_info over unix socket (d20), fast path', 'unix', True, None),
    ('ssh_reuse_module', 'host_info over ssh://, reuse, shipped module', 'ssh', False, True),
    ('ssh_noreuse_module', 'host_info over ssh://, no reuse, shipped module', 'ssh', False, False),
    ('unix_module', 'host_info over unix socket (d20), shipped module', 'unix', False, None),
]


def stats(values: list[float]) -> dict[str, t.Any]:
    if not values:
        return {'n': 0}
    ordered = sorted(values)
    return {'n': len(values), 'mean': statistics.fmean(values), 'median': statistics.median(values), 'min': ordered[0],
            'p90': ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]}


def ansible_environment(ansible_bin: Path, collections: str, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'DOCKER_', 'DOCKERAPI_'))}
    env.update({
        'PATH': '%s:%s' % (ansible_bin, env.get('PATH', '/usr/bin:/bin')),
        'ANSIBLE_COLLECTIONS_PATH': collections,
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_CALLBACK_PLUGINS': str(HERE / 'callback_plugins'),
        'ANSIBLE_CALLBACKS_ENABLED': 'bench_timer',
        'ANSIBLE_PYTHON_INTERPRETER': str(ansible_bin / 'python'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
    })
    env.update(extra)
    return env


def task_for(kind: tuple, name: str, host: SshHost, unix_host: str, control: Path) -> dict[str, t.Any]:
    dummy, dummy, transport, fast, reuse = kind
    task: dict[str, t.Any] = {'name': name, 'dockerapi.engine.host_info': {}, 'vars': {'dockerapi_engine_fast_path': fast}}
    if transport == 'ssh':
        task['dockerapi.engine.host_info'] = {'docker_host': host.url('root')}
        task['environment'] = host.env(reuse=bool(reuse), control_dir=control if reuse else None)
    else:
        task['dockerapi.engine.host_info'] = {'docker_host': unix_host}
    return task


def raw_ssh(host: SshHost, runs: int, control: Path) -> dict[str, list[float]]:
    """``ssh true``: a full connection each time, then through one running control master."""
    fresh, reused = [], []
    master = ['-o', 'ControlMaster=auto', '-o', 'ControlPersist=60', '-o', 'ControlPath=%s/%%C' % control]
    base = ['ssh', '-F', str(host.config), '-o', 'BatchMode=yes']
    for dummy in range(runs):
        started = time.monotonic()
        subprocess.run(base + ['-o', 'ControlMaster=no', '-o', 'ControlPath=none', host.alias, 'true'], check=True,
                       capture_output=True, timeout=60)
        fresh.append(time.monotonic() - started)
    subprocess.run(base + master + [host.alias, 'true'], check=True, capture_output=True, timeout=60)
    for dummy in range(runs):
        started = time.monotonic()
        subprocess.run(base + master + [host.alias, 'true'], check=True, capture_output=True, timeout=60)
        reused.append(time.monotonic() - started)
    subprocess.run(base + master + ['-O', 'exit', host.alias], check=False, capture_output=True, timeout=30)
    return {'ssh true, new connection': fresh, 'ssh true, through the control master': reused}


def measure(runs: int, ansible_bin: Path, collections: str, workdir: Path) -> dict[str, t.Any]:
    unix_host = daemon_host('d20')
    hosts = start_hosts(1)
    host = hosts[0]
    try:
        control = Path(tempfile.mkdtemp(prefix='ctl-', dir=host.workdir))
        tasks = []
        for rnd in range(-1, runs):
            shift = rnd % len(KINDS)
            for kind in KINDS[shift:] + KINDS[:shift]:
                tasks.append(task_for(kind, '%s|%s|%d' % ('warmup' if rnd < 0 else 'bench', kind[0], rnd), host, unix_host, control))
        play = [{'name': 'ssh handshake', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False, 'tasks': tasks}]
        (workdir / 'play.json').write_text(json.dumps(play))
        (workdir / 'inventory').write_text('localhost ansible_connection=local\n')
        timings_file = workdir / 'timings.json'
        logins_before = host.accepted_logins('root')
        load_before = os.getloadavg()
        with open(workdir / 'play.log', 'w') as log:
            proc = subprocess.run([str(ansible_bin / 'ansible-playbook'), '-i', str(workdir / 'inventory'), str(workdir / 'play.json')],
                                  env=ansible_environment(ansible_bin, collections, {'BENCH_TIMINGS': str(timings_file)}),
                                  stdout=log, stderr=subprocess.STDOUT, timeout=3600, check=False)
        logins = host.accepted_logins('root') - logins_before
        load_after = os.getloadavg()
        if not timings_file.exists():
            raise RuntimeError('ansible-playbook recorded no timings (rc %d): %s' % (proc.returncode, (workdir / 'play.log').read_text()[-3000:]))
        timings = json.loads(timings_file.read_text())
        durations: dict[str, list[float]] = {kind[0]: [] for kind in KINDS}
        first: dict[str, float] = {}
        failures = []
        for task in timings['tasks']:
            phase, key, dummy = task['name'].split('|')
            result = task['results'].get('localhost')
            if result is None or result['status'] != 'ok':
                failures.append('%s: %s' % (task['name'], result and result.get('msg')))
                continue
            if phase == 'warmup':
                first[key] = result['end'] - task['start']
            else:
                durations[key].append(result['end'] - task['start'])
        raw = raw_ssh(host, runs, control)
        host.stop_masters()
        for sock in control.iterdir():
            subprocess.run(['ssh', '-o', 'ControlPath=%s' % sock, '-O', 'exit', 'placeholder'], capture_output=True, timeout=10, check=False)
    finally:
        remove_hosts(hosts)
    rows = [{'key': kind[0], 'label': kind[1], 'first_task': first.get(kind[0]), 'stats': stats(durations[kind[0]])} for kind in KINDS]
    rows += [{'key': label, 'label': label, 'stats': stats(values)} for label, values in raw.items()]
    means = {row['key']: row['stats'].get('mean') for row in rows}
    derived = {}
    for mode in ('fast', 'module'):
        if means.get('ssh_noreuse_%s' % mode) and means.get('ssh_reuse_%s' % mode) and means.get('unix_%s' % mode):
            derived[mode] = {'ssh_cost_without_reuse': means['ssh_noreuse_%s' % mode] - means['unix_%s' % mode],
                             'ssh_cost_with_reuse': means['ssh_reuse_%s' % mode] - means['unix_%s' % mode],
                             'saved_by_reuse': means['ssh_noreuse_%s' % mode] - means['ssh_reuse_%s' % mode]}
    return {'runs': runs, 'host': {'name': host.name, 'daemon': host.daemon, 'engine': '20.10 (Debian 12 docker.io)'},
            'rows': rows, 'derived': derived, 'ssh_logins_during_play': logins,
            'ssh_logins_expected': {'without_reuse': 2 * (runs + 1), 'with_reuse': 1},
            'failures': failures, 'loadavg_before': list(load_before), 'loadavg_after': list(load_after),
            'playbook_rc': proc.returncode}


def fmt_ms(value: float | None) -> str:
    return '-' if value is None else '%.0f' % (value * 1000)


def markdown(doc: dict[str, t.Any]) -> str:
    lines = ['### SSH handshake cost per task (%d runs each; ms)' % doc['runs'], '',
             '| what | n | mean | median | min | p90 | first task |', '|---|---:|---:|---:|---:|---:|---:|']
    for row in doc['rows']:
        st = row['stats']
        lines.append('| %s | %d | %s | %s | %s | %s | %s |' % (row['label'], st.get('n', 0), fmt_ms(st.get('mean')), fmt_ms(st.get('median')),
                                                               fmt_ms(st.get('min')), fmt_ms(st.get('p90')), fmt_ms(row.get('first_task'))))
    lines.append('')
    for mode, values in doc['derived'].items():
        lines.append('- %s: ssh:// adds %s ms per task without reuse, %s ms with reuse (reuse saves %s ms per task), against the unix socket.'
                     % ('fast path' if mode == 'fast' else 'shipped module', fmt_ms(values['ssh_cost_without_reuse']),
                        fmt_ms(values['ssh_cost_with_reuse']), fmt_ms(values['saved_by_reuse'])))
    lines.append('- sshd logins during the play: %d (expected: %d from the tasks without reuse + 1 control master).'
                 % (doc['ssh_logins_during_play'], doc['ssh_logins_expected']['without_reuse']))
    lines.append('- load average before/after: %s / %s' % (' '.join('%.2f' % x for x in doc['loadavg_before']),
                                                           ' '.join('%.2f' % x for x in doc['loadavg_after'])))
    for failure in doc['failures']:
        lines.append('- FAILED: %s' % failure)
    return '\n'.join(lines) + '\n'


def default_collections() -> str:
    if os.environ.get('ANSIBLE_COLLECTIONS_PATH'):
        return os.environ['ANSIBLE_COLLECTIONS_PATH']
    for candidate in (ROOT / 'build' / 'dev', ROOT / 'build' / 'collections'):
        if (candidate / 'ansible_collections' / 'dockerapi' / 'engine').exists():
            return str(candidate)
    raise SystemExit('no installed collection: run `make dev-collections` or pass --collections')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--runs', type=int, default=10, help='timed tasks of each kind (and ssh runs)')
    parser.add_argument('--ansible-bin', default=str(ROOT / '.venv' / 'bin'), help='directory with ansible-playbook and python')
    parser.add_argument('--collections', default=None, help='ANSIBLE_COLLECTIONS_PATH holding dockerapi.engine')
    parser.add_argument('--json', default=None, help='also write the JSON document here')
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix='dkapi-sshbench-') as tmp:
        doc = measure(args.runs, Path(args.ansible_bin), args.collections or default_collections(), Path(tmp))
    text = markdown(doc)
    print(text)
    print(json.dumps(doc, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1))
    return 1 if doc['failures'] else 0


if __name__ == '__main__':
    sys.exit(main())
