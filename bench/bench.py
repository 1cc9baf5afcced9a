# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks of dockerapi.engine against community.docker (run through bench/run; see bench/README.md).

    bench/run [all|pertask|connection|fleet|ssh|build] [options]

* pertask: interleaved rounds of one task of each kind on localhost (connection local): our
  modules through the in-process fast path and shipped as modules, community.docker's, uri to
  the socket, ping and debug; seconds per task and ratios. Also a per-step breakdown of our fast
  path measured inside the worker (bench/action_plugins) and an import/step profile.
* connection: tasks inside one python-image container through our engine_api connection plugin,
  community.docker.docker_api and community.docker.docker, with and without pipelining (multihost.py).
* fleet: one play over the harness fleet daemons (harness up fleet), connection local, forks 10,
  N tasks per host: wall time of ours against community.docker; then tasks inside 3 containers per
  fleet daemon through ours and community.docker.docker_api (multihost.py).
* ssh: modules over ssh:// against systemd test hosts, ours against community.docker with
  use_ssh_client, and bench/ssh_handshake.py's table (multihost.py).
* build: bench/image_build_memory.py's table, when that script exists.

Standard library only: it runs with the system python3 and creates the benchmark venv itself.
Benchmarks report; they fail only when a task fails, never on a time.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
import uuid
from pathlib import Path

import multihost  # bench/multihost.py (this directory is sys.path[0])

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_HOME = Path(os.environ.get('DOCKERAPI_BENCH_DIR') or '/var/tmp/dockerapi-bench')
HARNESS = ROOT / 'tests' / 'harness' / 'harness'
HARNESS_JSON = Path(os.environ.get('DOCKERAPI_HARNESS_DIR') or '/var/tmp/dockerapi-harness') / 'harness.json'
PIP_PACKAGES = ['ansible', 'requests']
BUILD_SCRIPT = HERE / 'image_build_memory.py'
T0 = time.monotonic()
HELD: list[t.IO[str]] = []  # the run lock (lock_bench_home)


class BenchError(Exception):
    pass


def log(msg: str) -> None:
    print('[bench %6.1fs] %s' % (time.monotonic() - T0, msg), file=sys.stderr, flush=True)


def run(cmd: list[str], what: str, **kwargs: t.Any) -> subprocess.CompletedProcess:
    kwargs.setdefault('capture_output', True)
    kwargs.setdefault('text', True)
    proc = subprocess.run(cmd, check=False, **kwargs)
    if proc.returncode != 0:
        out = ((proc.stdout or '') + (proc.stderr or '')).strip()
        raise BenchError('%s failed (rc %d): %s\n%s' % (what, proc.returncode, ' '.join(cmd), out[-3000:]))
    return proc


# --------------------------------------------------------------------------- setup

def lock_bench_home() -> t.IO[str]:
    """One bench/run at a time per BENCH_HOME: every run rebuilds the collection copy there, which
    would pull it out from under another run's playbooks. Held until the process ends."""
    BENCH_HOME.mkdir(parents=True, exist_ok=True)
    handle = open(BENCH_HOME / 'run.lock', 'w')  # pylint: disable=consider-using-with  # held for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log('another bench/run is using %s: waiting for it to finish' % BENCH_HOME)
        fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


class Context:
    """The benchmark venv, our freshly built collection, and the environment to run Ansible in."""

    def __init__(self, venv: Path, collections: Path, site_packages: Path, versions: dict[str, t.Any],
                 pipelining: bool) -> None:
        self.venv = venv
        self.python = venv / 'bin' / 'python'
        self.collections = collections
        self.site_packages = site_packages
        self.versions = versions
        self.pipelining = pipelining

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        # Nothing of the caller's Ansible or Docker configuration may leak in (pytest sets
        # ANSIBLE_COLLECTIONS_PATH to the tree under test, for example).
        env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'DOCKER_'))}
        env.update({
            'PATH': '%s:%s' % (self.venv / 'bin', env.get('PATH', '/usr/bin:/bin')),
            'ANSIBLE_COLLECTIONS_PATH': '%s:%s' % (self.collections, self.site_packages),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_CALLBACK_PLUGINS': str(HERE / 'callback_plugins'),
            'ANSIBLE_CALLBACKS_ENABLED': 'bench_timer',
            'ANSIBLE_ACTION_PLUGINS': str(HERE / 'action_plugins'),
            'ANSIBLE_PYTHON_INTERPRETER': str(self.python),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_PIPELINING': 'true' if self.pipelining else 'false',
        })
        env.update(extra or {})
        return env


def ensure_venv() -> Path:
    """bench/.venv: a symlink to the venv under BENCH_HOME (kept out of the repo tree so that
    ``ansible-galaxy collection build`` never packs it); a real directory there is used as is."""
    link = HERE / '.venv'
    venv = BENCH_HOME / 'venv'
    if link.exists() and not link.is_symlink():
        venv = link
    else:
        BENCH_HOME.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink() or os.readlink(link) != str(venv):
            if link.is_symlink():
                link.unlink()
            link.symlink_to(venv)
    stamp = venv / '.bench-stamp'
    if stamp.exists() and stamp.read_text().split() == PIP_PACKAGES and (venv / 'bin' / 'ansible-playbook').exists():
        return venv
    log('creating the benchmark venv %s (pip install %s; about a minute)' % (venv, ' '.join(PIP_PACKAGES)))
    if venv.exists():
        shutil.rmtree(venv)
    run([sys.executable, '-m', 'venv', str(venv)], 'python -m venv')
    run([str(venv / 'bin' / 'pip'), 'install', '--quiet', '--disable-pip-version-check'] + PIP_PACKAGES,
        'pip install ' + ' '.join(PIP_PACKAGES), timeout=1800)
    stamp.write_text(' '.join(PIP_PACKAGES) + '\n')
    return venv


def stage_sources(stage: Path) -> Path:
    """Copy what git would see (tracked and untracked-not-ignored files) into ``stage``."""
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    try:
        proc = run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], 'git ls-files', cwd=ROOT)
    except (BenchError, OSError):
        log('git not usable here: building from the work tree as it is')
        return ROOT
    for rel in proc.stdout.split('\0'):
        if not rel:
            continue
        src = ROOT / rel
        if not src.exists() or src.is_dir():
            continue  # deleted in the work tree, or a submodule
        dst = stage / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)
    return stage


def build_collection(venv: Path) -> tuple[Path, str]:
    """Build our collection from the work tree and install the tarball into BENCH_HOME/collections."""
    dist = BENCH_HOME / 'dist'
    collections = BENCH_HOME / 'collections'
    if dist.exists():
        shutil.rmtree(dist)
    dist.mkdir(parents=True)
    source = stage_sources(BENCH_HOME / 'src')
    env = {k: v for k, v in os.environ.items() if not k.startswith('ANSIBLE_')}
    env['ANSIBLE_COLLECTIONS_PATH'] = str(collections)
    galaxy = str(venv / 'bin' / 'ansible-galaxy')
    run([galaxy, 'collection', 'build', '--force', '--output-path', str(dist), str(source)],
        'ansible-galaxy collection build', env=env, timeout=600)
    tarballs = sorted(dist.glob('dockerapi-engine-*.tar.gz'))
    if not tarballs:
        raise BenchError('ansible-galaxy collection build produced no dockerapi-engine-*.tar.gz in %s' % dist)
    run([galaxy, 'collection', 'install', '--force', '-p', str(collections), str(tarballs[0])],
        'ansible-galaxy collection install', env=env, timeout=600)
    return collections, tarballs[0].name


def collection_origins(ctx: Context) -> dict[str, dict[str, str]]:
    """Where ansible-core resolves each collection we benchmark, with its version."""
    code = ('import json, os, sys\n'
            'from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder\n'
            'paths = os.environ["ANSIBLE_COLLECTIONS_PATH"].split(":")\n'
            '_AnsibleCollectionFinder(paths=paths, scan_sys_paths=False)._install()\n'
            'import importlib, ansible\n'
            'out = {"ansible-core": {"version": ansible.__version__, "path": os.path.dirname(ansible.__file__)}}\n'
            'for fqcn in ("dockerapi.engine", "community.docker"):\n'
            '    mod = importlib.import_module("ansible_collections." + fqcn)\n'
            '    path = list(mod.__path__)[0]\n'
            '    version = None\n'
            '    try:\n'
            '        with open(os.path.join(path, "MANIFEST.json")) as f:\n'
            '            version = json.load(f)["collection_info"]["version"]\n'
            '    except (OSError, ValueError, KeyError):\n'
            '        pass\n'
            '    out[fqcn] = {"path": path, "version": version}\n'
            'print(json.dumps(out))\n')
    proc = run([str(ctx.python), '-c', code], 'collection lookup', env=ctx.env())
    origins = json.loads(proc.stdout)
    ours = Path(origins['dockerapi.engine']['path'])
    theirs = Path(origins['community.docker']['path'])
    if ctx.collections not in ours.parents:
        raise BenchError('dockerapi.engine resolves to %s, not the freshly built copy in %s' % (ours, ctx.collections))
    if ctx.site_packages not in theirs.parents:
        raise BenchError('community.docker resolves to %s, not the bench venv\'s copy in %s' % (theirs, ctx.site_packages))
    return origins


def setup(pipelining: bool) -> Context:
    venv = ensure_venv()
    python = venv / 'bin' / 'python'
    site = Path(run([str(python), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                    'venv site-packages').stdout.strip())
    log('building and installing dockerapi.engine from the work tree')
    collections, tarball = build_collection(venv)
    ctx = Context(venv, collections, site, {}, pipelining)
    ctx.versions = collection_origins(ctx)
    ctx.versions['tarball'] = tarball
    ctx.versions['python'] = platform.python_version()
    log('ansible-core %s, dockerapi.engine %s (%s), community.docker %s'
        % (ctx.versions['ansible-core']['version'], ctx.versions['dockerapi.engine']['version'], tarball,
           ctx.versions['community.docker']['version']))
    return ctx


# --------------------------------------------------------------------------- harness

def harness_info(need_daemon: str | None = None, need_fleet: bool = False) -> dict[str, t.Any]:
    def load() -> dict[str, t.Any]:
        try:
            return json.loads(HARNESS_JSON.read_text())
        except (OSError, ValueError):
            return {}

    info = load()
    wanted = []
    if need_daemon and need_daemon not in info.get('daemons', {}):
        wanted.append(need_daemon)
    if need_fleet and len(info.get('fleet') or {}) < 10:
        wanted.append('fleet')
    if wanted:
        log('starting harness components: %s' % ' '.join(wanted))
        run([str(HARNESS), 'up'] + wanted, 'harness up ' + ' '.join(wanted), timeout=900)
        info = load()
    return info


def docker_cli(docker_host: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith('DOCKER_')}
    env['DOCKER_HOST'] = docker_host
    return run(['docker'] + list(args), 'docker ' + ' '.join(args[:2]), env=env, timeout=120)


# --------------------------------------------------------------------------- running playbooks

def run_playbook(ctx: Context, workdir: Path, name: str, plays: list[dict[str, t.Any]], inventory: str,
                 extra_env: dict[str, str] | None = None) -> tuple[dict[str, t.Any], int, Path]:
    playbook = workdir / ('%s.yml' % name)
    playbook.write_text(json.dumps(plays, indent=1))  # JSON is YAML
    inv = workdir / ('%s.inventory' % name)
    inv.write_text(inventory)
    timings = workdir / ('%s.timings.json' % name)
    logfile = workdir / ('%s.log' % name)
    env = ctx.env(dict(extra_env or {}, BENCH_TIMINGS=str(timings)))
    with open(logfile, 'w') as out:
        proc = subprocess.run([str(ctx.venv / 'bin' / 'ansible-playbook'), '-i', str(inv), str(playbook)],
                              cwd=str(workdir), env=env, stdout=out, stderr=subprocess.STDOUT, timeout=7200,
                              check=False)
    if not timings.exists():
        raise BenchError('ansible-playbook %s recorded no timings (rc %d); see %s:\n%s'
                         % (name, proc.returncode, logfile, logfile.read_text()[-3000:]))
    return json.loads(timings.read_text()), proc.returncode, logfile


def stats(values: list[float]) -> dict[str, t.Any]:
    if not values:
        return {'n': 0}
    ordered = sorted(values)
    return {
        'n': len(values),
        'mean': statistics.fmean(values),
        'median': statistics.median(values),
        'min': ordered[0],
        'p90': ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))],
        'stdev': statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


# --------------------------------------------------------------------------- per task

def pertask_kinds(docker_host: str, container: str, ours_has: dict[str, dict[str, bool]]) -> list[dict[str, t.Any]]:
    socket_path = docker_host[len('unix://'):]
    kinds: list[dict[str, t.Any]] = []
    probes: list[dict[str, t.Any]] = []
    for module, extra, counterpart in (('host_info', {}, 'community.docker.docker_host_info'),
                                       ('container_info', {'name': container}, 'community.docker.docker_container_info')):
        has = ours_has.get(module, {})
        if not has.get('module'):
            continue
        args = dict({'docker_host': docker_host}, **extra)
        fast = has.get('action')
        kinds.append({'key': 'ours_%s' % module, 'group': 'ours', 'counterpart': 'cd_%s' % module,
                      'label': 'dockerapi.engine.%s (%s)' % (module, 'fast path' if fast else 'no action plugin: shipped'),
                      'action': 'dockerapi.engine.' + module, 'args': args, 'vars': {}})
        kinds.append({'key': 'ours_%s_module' % module, 'group': 'ours', 'counterpart': 'cd_%s' % module,
                      'label': 'dockerapi.engine.%s (dockerapi_engine_fast_path: false)' % module,
                      'action': 'dockerapi.engine.' + module, 'args': args,
                      'vars': {'dockerapi_engine_fast_path': False}})
        kinds.append({'key': 'cd_%s' % module, 'group': 'community.docker', 'label': counterpart,
                      'action': counterpart, 'args': args, 'vars': {}})
        if fast:
            probes.append({'key': 'probe_%s' % module, 'group': 'probe',
                           'label': 'bench_probe (our %s action plugin with step timers)' % module,
                           'action': 'bench_probe', 'args': args, 'vars': {'bench_probe_module': module}})
    kinds += [
        {'key': 'uri', 'group': 'reference', 'label': 'ansible.builtin.uri GET /version on the socket',
         'action': 'ansible.builtin.uri',
         'args': {'unix_socket': socket_path, 'url': 'http://localhost/version', 'return_content': False},
         'vars': {}},
        {'key': 'ping', 'group': 'reference', 'label': 'ansible.builtin.ping (a shipped module doing nothing)',
         'action': 'ansible.builtin.ping', 'args': {}, 'vars': {}},
        {'key': 'debug', 'group': 'reference', 'label': 'ansible.builtin.debug (no module: task machinery only)',
         'action': 'ansible.builtin.debug', 'args': {'msg': 'bench'}, 'vars': {}},
    ] + probes + [
        {'key': 'noop', 'group': 'probe', 'label': 'bench_noop (an action doing nothing, with timestamps)',
         'action': 'bench_noop', 'args': {}, 'vars': {}},
    ]
    return kinds


def task_entry(kind: dict[str, t.Any], name: str) -> dict[str, t.Any]:
    task: dict[str, t.Any] = {'name': name, kind['action']: kind['args']}
    if kind['vars']:
        task['vars'] = kind['vars']
    return task


def ours_available(ctx: Context) -> dict[str, dict[str, bool]]:
    base = ctx.collections / 'ansible_collections' / 'dockerapi' / 'engine' / 'plugins'
    return {m: {'module': (base / 'modules' / ('%s.py' % m)).exists(), 'action': (base / 'action' / ('%s.py' % m)).exists()}
            for m in ('host_info', 'container_info')}


def bench_pertask(ctx: Context, args: argparse.Namespace, workdir: Path) -> dict[str, t.Any]:
    info = harness_info(need_daemon=args.daemon)
    daemon = info['daemons'][args.daemon]
    docker_host = daemon['docker_host']
    if not docker_host.startswith('unix://'):
        raise BenchError('the per-task benchmark needs a daemon with a unix socket; %s is %s' % (args.daemon, docker_host))
    tag = 'bench-%s' % uuid.uuid4().hex[:8]
    container = tag + '-c'
    docker_cli(docker_host, 'create', '--name', container, '--label', 'dockerapi.test=%s' % tag,
               info.get('test_image', 'dockerapi-test/busybox:latest'), 'true')
    notes: list[str] = []
    try:
        has = ours_available(ctx)
        if not has['container_info']['module']:
            notes.append('dockerapi.engine.container_info does not exist yet: its rows are left out.')
        elif not has['container_info']['action']:
            notes.append('dockerapi.engine.container_info has no action plugin (plugins/action/container_info.py) yet: '
                         'its "fast path" row runs the shipped module.')
        kinds = pertask_kinds(docker_host, container, has)
        tasks = []
        for rnd in range(-args.warmup, args.tasks):
            shift = rnd % len(kinds)
            for kind in kinds[shift:] + kinds[:shift]:
                tasks.append(task_entry(kind, '%s|%s|%d' % ('warmup' if rnd < 0 else 'bench', kind['key'], rnd)))
        play = {'name': 'bench per task', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                'tasks': tasks}
        inventory = 'localhost ansible_connection=local ansible_python_interpreter=%s\n' % ctx.python
        log('per task: %d rounds (+%d warm-up) of %d kinds against %s (%s)'
            % (args.tasks, args.warmup, len(kinds), args.daemon, docker_host))
        load_before = loadavg()
        started = time.monotonic()
        timings, rc, logfile = run_playbook(ctx, workdir, 'pertask', [play], inventory)
        elapsed = time.monotonic() - started
        load_after = loadavg()
    finally:
        docker_cli(docker_host, 'rm', '-f', container)

    durations: dict[str, list[float]] = {k['key']: [] for k in kinds}
    probes: dict[str, list[dict[str, float]]] = {k['key']: [] for k in kinds if k['group'] == 'probe'}
    failures: list[str] = []
    seen = 0
    for task in timings['tasks']:
        phase, key, _rnd = (task['name'].split('|') + ['', '', ''])[:3]
        result = task['results'].get('localhost')
        if key not in durations or result is None:
            continue
        if result['status'] != 'ok':
            failures.append('%s: %s %s' % (task['name'], result['status'], result.get('msg', '')))
            continue
        if phase != 'bench':
            continue
        seen += 1
        durations[key].append(result['end'] - task['start'])
        if key in probes and result.get('probe'):
            probe = result['probe']
            entry = {'before run()': probe['run_start'] - task['start'],
                     'run()': probe['run_end'] - probe['run_start'],
                     'after run()': result['end'] - probe['run_end']}
            entry.update({'step: ' + k: v for k, v in probe.get('steps', {}).items()})
            probes[key].append(entry)
    # Between one task's result and the next task's start the strategy prepares the next task;
    # that gap is the same whatever the task does, and is not part of the per-task times.
    gaps = []
    previous_end = None
    for task in timings['tasks']:
        if previous_end is not None:
            gaps.append(task['start'] - previous_end)
        ends = [r['end'] for r in task['results'].values()]
        previous_end = max(ends) if ends else None
    expected = args.tasks * len(kinds)
    if seen != expected:
        failures.append('%d of %d timed tasks reported a result (rc %d); see %s' % (seen, expected, rc, logfile))

    by_key = {k['key']: k for k in kinds}
    rows = []
    for kind in kinds:
        if kind['group'] == 'probe':
            continue
        st = stats(durations[kind['key']])
        row = {'key': kind['key'], 'label': kind['label'], 'group': kind['group'], 'stats': st}
        if st['n'] and durations.get('ping'):
            row['ratio_to_ping'] = st['mean'] / statistics.fmean(durations['ping'])
        counterpart = kind.get('counterpart')
        if st['n'] and counterpart and durations.get(counterpart):
            row['ratio_to_community_docker'] = st['mean'] / statistics.fmean(durations[counterpart])
            row['counterpart'] = by_key[counterpart]['label']
        rows.append(row)
    breakdown = {key: {part: statistics.median([p[part] for p in values if part in p])
                       for part in sorted({part for p in values for part in p})}
                 for key, values in probes.items() if values}
    return {'daemon': {'name': args.daemon, 'docker_host': docker_host, 'version': daemon.get('version'),
                       'api_version': daemon.get('api_version')},
            'rounds': args.tasks, 'warmup_rounds': args.warmup, 'kinds': [k['key'] for k in kinds],
            'rows': rows, 'breakdown': breakdown, 'failures': failures, 'notes': notes,
            'controller_imported': timings.get('controller_imported'),
            'gap_between_tasks': stats(gaps),
            'playbook_seconds': elapsed, 'loadavg_before': load_before, 'loadavg_after': load_after,
            'log': str(logfile)}


def profile(ctx: Context, args: argparse.Namespace) -> dict[str, t.Any]:
    info = harness_info(need_daemon=args.daemon)
    docker_host = info['daemons'][args.daemon]['docker_host']
    log('profile: imports and fast-path steps')
    proc = run([str(ctx.python), str(HERE / 'profile_fastpath.py'), '--collections', str(ctx.collections),
                '--docker-host', docker_host, '--loops', str(args.profile_loops)],
               'profile_fastpath.py', env=ctx.env(), timeout=900)
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------- fleet

FLEET_VARIANTS = [
    ('ours', 'dockerapi.engine.host_info (fast path)', 'dockerapi.engine.host_info', {}),
    ('community.docker', 'community.docker.docker_host_info', 'community.docker.docker_host_info', {}),
    ('ours_module', 'dockerapi.engine.host_info (dockerapi_engine_fast_path: false)', 'dockerapi.engine.host_info',
     {'dockerapi_engine_fast_path': False}),
]


def bench_fleet(ctx: Context, args: argparse.Namespace, workdir: Path) -> dict[str, t.Any]:
    info = harness_info(need_fleet=True)
    fleet = info.get('fleet') or {}
    names = sorted(fleet)[:args.fleet_hosts]
    if len(names) < args.fleet_hosts:
        raise BenchError('the harness fleet has %d daemons, %d wanted' % (len(names), args.fleet_hosts))
    inventory = '[fleet]\n' + ''.join('%s docker_host=%s\n' % (n, fleet[n]['docker_host']) for n in names)
    inventory += ('[fleet:vars]\nansible_connection=local\nansible_python_interpreter=%s\n' % ctx.python)
    plays = []

    def fleet_play(label: str, variant: tuple[str, str, str, dict[str, t.Any]], count: int) -> dict[str, t.Any]:
        key, _title, action, variables = variant
        play: dict[str, t.Any] = {'name': 'fleet|%s|%s' % (key, label), 'hosts': 'fleet', 'gather_facts': False,
                                  'connection': 'local',
                                  'tasks': [{'name': 'fleet %s %d' % (key, i), action: {'docker_host': '{{ docker_host }}'}}
                                            for i in range(count)]}
        if variables:
            play['vars'] = variables
        return play

    for variant in FLEET_VARIANTS:
        plays.append(fleet_play('warmup', variant, 1))
    for rep in range(args.fleet_repeat):
        order = FLEET_VARIANTS[rep % len(FLEET_VARIANTS):] + FLEET_VARIANTS[:rep % len(FLEET_VARIANTS)]
        for variant in order:
            plays.append(fleet_play(str(rep), variant, args.fleet_tasks))
    log('fleet: %d hosts, forks %d, %d tasks per host, %d repetitions of %d variants'
        % (len(names), args.forks, args.fleet_tasks, args.fleet_repeat, len(FLEET_VARIANTS)))
    load_before = loadavg()
    timings, rc, logfile = run_playbook(ctx, workdir, 'fleet', plays, inventory, {'ANSIBLE_FORKS': str(args.forks)})
    load_after = loadavg()
    tasks = {task['uuid']: task for task in timings['tasks']}
    walls: dict[str, list[float]] = {v[0]: [] for v in FLEET_VARIANTS}
    failures = []
    for play in timings['plays']:
        _prefix, key, label = (play['name'].split('|') + ['', '', ''])[:3]
        ends = []
        starts = []
        for uid in play['tasks']:
            task = tasks[uid]
            starts.append(task['start'])
            for host, result in task['results'].items():
                ends.append(result['end'])
                if result['status'] != 'ok':
                    failures.append('%s %s on %s: %s %s' % (play['name'], task['name'], host, result['status'],
                                                            result.get('msg', '')))
            missing = set(names) - set(task['results'])
            if missing:
                failures.append('%s %s: no result from %s' % (play['name'], task['name'], ' '.join(sorted(missing))))
        if label != 'warmup' and key in walls and ends:
            walls[key].append(max(ends) - min(starts))
    if rc != 0 and not failures:
        failures.append('ansible-playbook exited %d; see %s' % (rc, logfile))
    rows = []
    cd = statistics.median(walls['community.docker']) if walls['community.docker'] else None
    for key, title, _action, _vars in FLEET_VARIANTS:
        if not walls[key]:
            continue
        wall = statistics.median(walls[key])
        rows.append({'key': key, 'label': title, 'walls': walls[key], 'median_wall': wall,
                     'per_task_round': wall / args.fleet_tasks,
                     'ratio_to_community_docker': wall / cd if cd else None})
    return {'hosts': names, 'forks': args.forks, 'tasks_per_host': args.fleet_tasks, 'repeat': args.fleet_repeat,
            'rows': rows, 'failures': failures, 'loadavg_before': load_before, 'loadavg_after': load_after,
            'log': str(logfile)}


# --------------------------------------------------------------------------- build

def bench_build(ctx: Context, results: Path) -> dict[str, t.Any]:
    if not BUILD_SCRIPT.exists():
        return {'skipped': 'bench/image_build_memory.py does not exist (yet): no image_build figures.'}
    # Its own measurement runs our module from the source tree; it needs ansible-core, which the
    # bench venv has on any machine.
    interpreter = str(ctx.python)
    log('build: running %s (several minutes: 1 GiB contexts)' % BUILD_SCRIPT.relative_to(ROOT))
    env = dict(os.environ, DOCKERAPI_BENCH_RESULTS=str(results))  # its JSON goes beside ours
    proc = subprocess.run([interpreter, str(BUILD_SCRIPT)], cwd=str(ROOT), env=env, capture_output=True, text=True,
                          timeout=3600, check=False)
    return {'rc': proc.returncode, 'output': proc.stdout.strip(), 'stderr_tail': proc.stderr.strip()[-2000:],
            'interpreter': interpreter}


# --------------------------------------------------------------------------- report

def fmt_s(value: float | None) -> str:
    return '-' if value is None else '%.3f' % value


def fmt_ratio(value: float | None) -> str:
    return '-' if value is None else '%.2f' % value


def fmt_ms(value: float | None) -> str:
    return '-' if value is None else '%.1f' % (value * 1000)


def markdown(doc: dict[str, t.Any]) -> str:
    out = ['# dockerapi.engine benchmarks', '']
    v = doc['versions']
    out.append('ansible-core %s (bench venv), dockerapi.engine %s (built from the work tree: %s), community.docker %s '
               '(from the `ansible` package), Python %s; %s CPUs; started %s.'
               % (v['ansible-core']['version'], v['dockerapi.engine']['version'], v.get('tarball'),
                  v['community.docker']['version'], v.get('python'), os.cpu_count(), doc['started']))
    if doc.get('pipelining'):
        out.append('ANSIBLE_PIPELINING was on for this run.')
    out.append('')
    pt = doc.get('pertask')
    if pt:
        out += ['## Per task', '',
                '%d interleaved rounds (plus %d warm-up) on localhost, connection local, against %s (Engine %s, API %s). '
                'Seconds from the task\'s start to its result in the main process (bench_timer callback).'
                % (pt['rounds'], pt['warmup_rounds'], pt['daemon']['name'], pt['daemon']['version'],
                   pt['daemon']['api_version']), '',
                '| task | n | mean s | median s | min s | p90 s | ours / community.docker | / ping |',
                '|---|---:|---:|---:|---:|---:|---:|---:|']
        for row in pt['rows']:
            st = row['stats']
            out.append('| %s | %d | %s | %s | %s | %s | %s | %s |' % (
                row['label'], st['n'], fmt_s(st.get('mean')), fmt_s(st.get('median')), fmt_s(st.get('min')),
                fmt_s(st.get('p90')), fmt_ratio(row.get('ratio_to_community_docker')), fmt_ratio(row.get('ratio_to_ping'))))
        out.append('')
        facts = (pt['loadavg_before'], pt['loadavg_after'], pt['playbook_seconds'], fmt_s(pt['gap_between_tasks'].get('median')))
        out.append('Load average before/after: %s / %s; playbook %.1f s; between a result and the next task\'s start '
                   '(not counted above) %s s median.' % facts)
        for note in pt['notes']:
            out.append('Note: ' + note)
        out.append('')
        bd = pt.get('breakdown') or {}
        if bd:
            columns = sorted(bd, key=lambda k: (k == 'noop', k))
            titles = {'noop': 'no-op action (bench_noop)'}
            out += ['### Where a fast-path task\'s time goes (medians, ms)', '',
                    'bench_probe runs our action plugin (inherited unchanged) with timers on its steps, inside the worker; '
                    'bench_noop is an action doing nothing. "before run()" is the task start in the main process to the '
                    'start of the action\'s run() in the forked worker; "after run()" is the end of run() to the result in '
                    'the main process.', '',
                    '| part | %s |' % ' | '.join(titles.get(c, c[len('probe_'):] + ' fast path (bench_probe)') for c in columns),
                    '|---|%s' % ('---:|' * len(columns))]
            parts = sorted({part for c in columns for part in bd[c]},
                           key=lambda p: (p.startswith('step: '), p != 'before run()', p != 'run()', p))
            for part in parts:
                out.append('| %s | %s |' % (part, ' | '.join(fmt_ms(bd[c].get(part)) for c in columns)))
            out.append('')
    prof = doc.get('profile')
    if prof:
        out += ['### Import and step profile (medians, ms)', '', '| what | ms |', '|---|---:|']
        for label, value in prof['imports_seconds'].items():
            out.append('| import: %s | %s |' % (label, fmt_ms(value)))
        for label, value in prof['steps_seconds'].items():
            if label.startswith('result size'):
                out.append('| %s | %s |' % (label, value))
            else:
                out.append('| step: %s | %s |' % (label, fmt_ms(value)))
        out.append('')
        ours = [r for r in prof['importtime'] if r['module'].startswith('ansible_collections.dockerapi')]
        heavy = sorted([r for r in prof['importtime'] if not r['module'].startswith('ansible_collections')],
                       key=lambda r: -r['self_us'])[:8]
        if ours or heavy:
            out += ['`-X importtime` (self / cumulative ms) of our modules and the heaviest imports they pull in '
                    'beyond what the main process already holds:', '']
            out += ['- %s: %.1f / %.1f' % (r['module'], r['self_us'] / 1000, r['cumulative_us'] / 1000) for r in ours + heavy]
            out.append('')
    fl = doc.get('fleet')
    if fl:
        out += ['## Fleet', '',
                '%d daemons (harness fleet, Engine 20.10), one inventory host each, connection local, forks %d, %d tasks '
                'per host (host_info), median of %d plays each, interleaved. Wall time from the first task\'s start to the '
                'last result.' % (len(fl['hosts']), fl['forks'], fl['tasks_per_host'], fl['repeat']), '',
                '| variant | wall s (median) | s per task round | / community.docker | plays (s) |',
                '|---|---:|---:|---:|---|']
        for row in fl['rows']:
            cells = (row['label'], fmt_s(row['median_wall']), fmt_s(row['per_task_round']),
                     fmt_ratio(row['ratio_to_community_docker']), ', '.join('%.2f' % w for w in row['walls']))
            out.append('| %s | %s | %s | %s | %s |' % cells)
        out.append('')
        out.append('Load average before/after: %s / %s.' % (fl['loadavg_before'], fl['loadavg_after']))
        out.append('')
    out += multihost.markdown(doc)
    bl = doc.get('build')
    if bl:
        out += ['## Build (image_build memory and time, from bench/image_build_memory.py)', '']
        if 'skipped' in bl:
            out.append('Skipped: ' + bl['skipped'])
        else:
            out += ['```text', bl['output'] or '(no output)', '```']
            if bl['rc'] != 0:
                out.append('')
                out.append('bench/image_build_memory.py exited %d:\n\n```\n%s\n```' % (bl['rc'], bl['stderr_tail']))
        out.append('')
    failures = (pt or {}).get('failures', []) + (fl or {}).get('failures', []) + multihost.failures(doc)
    if failures:
        out += ['## Failed tasks', ''] + ['- ' + f for f in failures[:50]] + ['']
    return '\n'.join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='bench/run', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('what', nargs='?', default='all', choices=['all', 'pertask', 'connection', 'fleet', 'ssh', 'build'])
    parser.add_argument('--tasks', type=int, default=50, help='per-task rounds (one task of each kind each round)')
    parser.add_argument('--warmup', type=int, default=1, help='untimed rounds first (fills the AnsiballZ cache)')
    parser.add_argument('--daemon', default='d28', help='harness daemon of the per-task benchmark (default d28)')
    parser.add_argument('--no-profile', dest='profile', action='store_false', help='skip the import/step profile')
    parser.add_argument('--profile-loops', type=int, default=100)
    parser.add_argument('--fleet-tasks', type=int, default=10, help='tasks per host in each fleet play')
    parser.add_argument('--fleet-hosts', type=int, default=10)
    parser.add_argument('--fleet-repeat', type=int, default=2, help='plays per variant (the median is reported)')
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--conn-rounds', type=int, default=5, help='connection: timed rounds per plugin and pipelining mode')
    parser.add_argument('--conn-warmup', type=int, default=1, help='connection: untimed rounds first')
    parser.add_argument('--conn-tasks', default=','.join(multihost.CONNECTION_TASKS),
                        help='connection: comma-separated task kinds (%s)' % ','.join(multihost.CONNECTION_TASKS))
    parser.add_argument('--conn-profile-runs', type=int, default=5,
                        help='connection: fresh processes per plugin for bench/profile_connection.py (0: skip it)')
    parser.add_argument('--conn-pipelining', choices=['both', 'on', 'off'], default='both')
    parser.add_argument('--fleet-containers', type=int, default=3, help='containers per fleet daemon (0: skip that part)')
    parser.add_argument('--fleet-container-tasks', default=','.join(multihost.FLEET_TASKS),
                        help='fleet containers: comma-separated task kinds (%s)' % ','.join(multihost.CONNECTION_TASKS))
    parser.add_argument('--fleet-container-engines', type=int, default=10, help='fleet daemons that get containers')
    parser.add_argument('--ssh-warmup', type=int, default=1, help='untimed one-round ssh plays of each variant first')
    parser.add_argument('--ssh-hosts', type=int, default=3, help='systemd test hosts for the modules over ssh:// (0: skip)')
    parser.add_argument('--ssh-tasks', type=int, default=5, help='rounds of host_info + container_info per ssh play')
    parser.add_argument('--ssh-repeat', type=int, default=2, help='ssh plays per variant (the median is reported)')
    parser.add_argument('--handshake-runs', type=int, default=10, help='bench/ssh_handshake.py --runs (0: skip it)')
    parser.add_argument('--skip-build', action='store_true', help='leave the build section out of `all`')
    parser.add_argument('--pipelining', action='store_true', help='run with ANSIBLE_PIPELINING=true')
    parser.add_argument('--results', default=str(HERE / 'results'), help='directory for the JSON and markdown results')
    args = parser.parse_args(argv)

    doc: dict[str, t.Any] = {'started': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'what': args.what,
                             'pipelining': args.pipelining, 'cpus': os.cpu_count()}
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime('%Y%m%d-%H%M%S')
    try:
        HELD.append(lock_bench_home())  # released when the process ends
        ctx = setup(args.pipelining)
        doc['versions'] = ctx.versions
        with tempfile.TemporaryDirectory(prefix='dockerapi-bench-') as tmp:
            workdir = Path(tmp)
            if args.what in ('all', 'pertask'):
                doc['pertask'] = bench_pertask(ctx, args, workdir)
                if args.profile:
                    doc['profile'] = profile(ctx, args)
            seconds = doc.setdefault('section_seconds', {})
            if args.what in ('all', 'connection'):
                started = time.monotonic()
                doc['connection'] = multihost.bench_connection(ctx, args, workdir)
                seconds['connection'] = time.monotonic() - started
            if args.what in ('all', 'fleet'):
                if args.fleet_tasks > 0:  # --fleet-tasks 0: only the containers part
                    started = time.monotonic()
                    doc['fleet'] = bench_fleet(ctx, args, workdir)
                    seconds['fleet'] = time.monotonic() - started
                if args.fleet_containers > 0:
                    started = time.monotonic()
                    doc['fleet_containers'] = multihost.bench_fleet_containers(ctx, args, workdir)
                    seconds['fleet_containers'] = time.monotonic() - started
            if args.what in ('all', 'ssh'):
                if args.ssh_hosts > 0:
                    started = time.monotonic()
                    doc['ssh_modules'] = multihost.bench_ssh_modules(ctx, args, workdir)
                    seconds['ssh_modules'] = time.monotonic() - started
                if args.handshake_runs > 0:
                    started = time.monotonic()
                    doc['handshake'] = multihost.bench_handshake(ctx, args, workdir)
                    seconds['handshake'] = time.monotonic() - started
            if args.what == 'build' or (args.what == 'all' and not args.skip_build):
                doc['build'] = bench_build(ctx, results)
            elif args.what == 'all':
                doc['build'] = {'skipped': '--skip-build.'}
            for section in ('pertask', 'fleet', 'connection', 'fleet_containers', 'ssh_modules'):
                if doc.get(section) and doc[section].get('failures'):
                    keep = results / ('%s-%s.log' % (stamp, section))
                    shutil.copyfile(doc[section]['log'], keep)
                    doc[section]['log'] = str(keep)
    except BenchError as exc:
        print('bench: ERROR: %s' % exc, file=sys.stderr)
        return 2
    text = markdown(doc)
    (results / ('%s.json' % stamp)).write_text(json.dumps(doc, indent=1) + '\n')
    (results / ('%s.md' % stamp)).write_text(text + '\n')
    shutil.copyfile(results / ('%s.json' % stamp), results / 'latest.json')
    shutil.copyfile(results / ('%s.md' % stamp), results / 'latest.md')
    print(text)
    print('results: %s (%s.json, %s.md)' % (results, stamp, stamp))
    failed = bool((doc.get('pertask') or {}).get('failures') or (doc.get('fleet') or {}).get('failures')
                  or multihost.failures(doc))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
