# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Multi-host benchmarks of bench/run (issue #13): connection plugins, containers over the fleet, ssh://.

* connection: tasks run INSIDE one python-image container through our ``dockerapi.engine.engine_api``,
  ``community.docker.docker_api`` and ``community.docker.docker`` (the docker CLI), rotated, with and
  without pipelining (one playbook each).
* fleet_containers: 3 python-image containers on each of the 10 fleet daemons, one play of a few tasks
  on all of them through ours and through community.docker.docker_api.
* ssh_modules: host_info + container_info on systemd test hosts over ``ssh://``: ours (fast path,
  with and without SSH reuse) against community.docker with ``use_ssh_client: true``.
* handshake: bench/ssh_handshake.py's table (part of the ssh section).

Standard library only; called from bench.py, which passes its Context and helpers.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
import typing as t
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON_IMAGE_SCRIPT = ROOT / 'tests' / 'harness' / 'python-image'
HANDSHAKE_SCRIPT = HERE / 'ssh_handshake.py'
PROFILE_SCRIPT = HERE / 'profile_connection.py'
CONTAINER_PYTHON = '/usr/bin/python3'

PLUGINS = [
    # key, label, ansible_connection
    ('ours', 'dockerapi.engine.engine_api', 'dockerapi.engine.engine_api'),
    ('cd_api', 'community.docker.docker_api', 'community.docker.docker_api'),
    ('cd_cli', 'community.docker.docker (CLI)', 'community.docker.docker'),
]
CONNECTION_TASKS = ['command', 'copy', 'setup', 'fetch', 'template']
FLEET_TASKS = ['command', 'copy', 'setup']
# A failed or unreachable host stays in the later plays (it is reported, and the other plays still measure).
KEEP_GOING = {'ignore_errors': True, 'ignore_unreachable': True}


def _bench() -> t.Any:
    return sys.modules['__main__'] if hasattr(sys.modules['__main__'], 'run_playbook') else __import__('bench')


def python_image(targets: list[str]) -> str:
    """tests/harness/python-image on the named harness daemons (or --fleet); returns the image name."""
    proc = subprocess.run([str(PYTHON_IMAGE_SCRIPT)] + targets, capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        raise _bench().BenchError('tests/harness/python-image %s failed (rc %d): %s'
                                  % (' '.join(targets), proc.returncode, proc.stderr.strip()[-2000:]))
    return proc.stdout.strip().splitlines()[-1]


def host_vars(plugin: str, container: str, docker_host: str) -> dict[str, t.Any]:
    """What an inventory host needs to reach ``container`` on ``docker_host`` through ``plugin``."""
    hv: dict[str, t.Any] = {'ansible_connection': dict((k, c) for k, _l, c in PLUGINS)[plugin], 'ansible_host': container,
                            'ansible_python_interpreter': CONTAINER_PYTHON}
    if plugin == 'cd_cli':
        hv['ansible_docker_extra_args'] = '-H %s' % docker_host
    else:
        hv['ansible_docker_docker_host'] = docker_host
    return hv


def inventory_ini(groups: dict[str, dict[str, dict[str, t.Any]]]) -> str:
    """An INI inventory (bench.run_playbook names the file ``*.inventory``): {group: {host: vars}}."""
    lines = []
    for group, hosts in groups.items():
        lines.append('[%s]' % group)
        for host, hv in hosts.items():
            lines.append(' '.join([host] + ['%s=%s' % (k, json.dumps(v) if isinstance(v, str) else v) for k, v in hv.items()]))
        lines.append('')
    return '\n'.join(lines)


def task_list(kinds: list[str], tag: str, workdir: Path, rnd: int | str) -> list[dict[str, t.Any]]:
    tasks = []
    for kind in kinds:
        name = '%s|%s|%s' % (tag, kind, rnd)
        if kind == 'command':
            task: dict[str, t.Any] = {'ansible.builtin.command': {'argv': ['id', '-u']}}
        elif kind == 'copy':
            # new content every round: the file is really transferred (put_file) every time
            task = {'ansible.builtin.copy': {'content': 'bench %s %s {{ inventory_hostname }}\n' % (tag, rnd),
                                             'dest': '/tmp/dkapi13-bench-copy.txt', 'mode': '0644'}}
        elif kind == 'setup':
            task = {'ansible.builtin.setup': {}}
        elif kind == 'fetch':
            # a fresh destination every time: fetch_file really runs (no local checksum match)
            task = {'ansible.builtin.fetch': {'src': '/etc/os-release', 'flat': True,
                                              'dest': '%s/fetched/{{ inventory_hostname }}-%s-%s' % (workdir, tag, rnd)}}
        elif kind == 'template':
            task = {'ansible.builtin.template': {'src': str(workdir / 'bench.j2'), 'dest': '/tmp/dkapi13-bench-template.txt',
                                                 'mode': '0644'},
                    'vars': {'bench_round': '%s-%s' % (tag, rnd)}}
        else:
            raise ValueError(kind)
        task['name'] = name
        task.update(KEEP_GOING)
        tasks.append(task)
    return tasks


def _prepare_workdir(workdir: Path) -> None:
    (workdir / 'fetched').mkdir(exist_ok=True)
    (workdir / 'bench.j2').write_text('round {{ bench_round }} on {{ inventory_hostname }} ({{ ansible_connection }})\n')


def _docker_rm_label(docker_host: str, label: str) -> None:
    b = _bench()
    proc = b.docker_cli(docker_host, 'ps', '-aq', '--filter', 'label=%s' % label)
    ids = proc.stdout.split()
    if ids:
        b.docker_cli(docker_host, 'rm', '-f', '-v', *ids)


# --------------------------------------------------------------------------- connection plugins

def bench_connection(ctx: t.Any, args: t.Any, workdir: Path) -> dict[str, t.Any]:
    b = _bench()
    info = b.harness_info(need_daemon=args.daemon)
    daemon = info['daemons'][args.daemon]
    docker_host = daemon['docker_host']
    kinds = [k for k in args.conn_tasks.split(',') if k]
    bad = sorted(set(kinds) - set(CONNECTION_TASKS))
    if bad:
        raise b.BenchError('--conn-tasks: unknown task kind(s) %s; known: %s' % (', '.join(bad), ','.join(CONNECTION_TASKS)))
    b.log('connection: python image on %s' % args.daemon)
    image = python_image([args.daemon])
    tag = 'dkapi13-E-%s' % uuid.uuid4().hex[:8]
    container = tag + '-conn'
    label = 'dockerapi.test=%s' % tag
    b.docker_cli(docker_host, 'run', '-d', '--name', container, '--label', label, image)
    _prepare_workdir(workdir)
    modes = [False, True] if args.conn_pipelining == 'both' else [args.conn_pipelining == 'on']
    if args.conn_rounds <= 0:
        modes = []  # --conn-rounds 0: only the step profile
    sections = []
    failures: list[str] = []
    try:
        inventory = inventory_ini({'bench': {key: host_vars(key, container, docker_host) for key, _l, _c in PLUGINS}})
        for pipelining in modes:
            plays = []
            for rnd in range(-args.conn_warmup, args.conn_rounds):
                shift = rnd % len(PLUGINS)
                tshift = rnd % len(kinds)
                for key, _label, _conn in PLUGINS[shift:] + PLUGINS[:shift]:
                    order = kinds[tshift:] + kinds[:tshift]
                    plays.append({'name': 'conn|%s|%d' % (key, rnd), 'hosts': key, 'gather_facts': False,
                                  'tasks': task_list(order, 'warmup' if rnd < 0 else 'bench', workdir, '%s-%d' % (key, rnd))})
            name = 'connection-%s' % ('pipelining' if pipelining else 'nopipelining')
            b.log('connection: %d rounds (+%d warm-up) x %d plugins x %d tasks, pipelining %s, in %s (%s)'
                  % (args.conn_rounds, args.conn_warmup, len(PLUGINS), len(kinds), 'on' if pipelining else 'off', container,
                     args.daemon))
            load_before = b.loadavg()
            started = time.monotonic()
            timings, rc, logfile = b.run_playbook(ctx, workdir, name, plays, inventory,
                                                  {'ANSIBLE_PIPELINING': 'true' if pipelining else 'false'})
            elapsed = time.monotonic() - started
            section = _connection_table(timings, kinds, args.conn_rounds, failures, logfile, rc)
            section.update({'pipelining': pipelining, 'loadavg_before': load_before, 'loadavg_after': b.loadavg(),
                            'playbook_seconds': elapsed, 'log': str(logfile)})
            sections.append(section)
        steps = _profile_connection(ctx, args, container, docker_host) if args.conn_profile_runs > 0 else None
    finally:
        _docker_rm_label(docker_host, label)
    if steps and steps.get('errors'):
        failures += ['profile_connection.py: %s' % e for e in steps['errors']]
    return {'profile': steps, 'daemon': {'name': args.daemon, 'docker_host': docker_host, 'version': daemon.get('version')},
            'image': image, 'rounds': args.conn_rounds, 'warmup_rounds': args.conn_warmup, 'tasks': kinds,
            'sections': sections, 'failures': failures, 'log': sections[-1]['log'] if sections else ''}


def _profile_connection(ctx: t.Any, args: t.Any, container: str, docker_host: str) -> dict[str, t.Any]:
    b = _bench()
    b.log('connection: bench/profile_connection.py --runs %d' % args.conn_profile_runs)
    proc = subprocess.run([str(ctx.python), str(PROFILE_SCRIPT), '--container', container, '--docker-host', docker_host,
                           '--runs', str(args.conn_profile_runs)], env=ctx.env(), capture_output=True, text=True, timeout=1800,
                          check=False)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {'errors': ['rc %d: %s' % (proc.returncode, proc.stderr.strip()[-1000:])]}


def _connection_table(timings: dict[str, t.Any], kinds: list[str], rounds: int, failures: list[str], logfile: Path,
                      rc: int) -> dict[str, t.Any]:
    b = _bench()
    durations: dict[tuple[str, str], list[float]] = {(p, k): [] for p, _l, _c in PLUGINS for k in kinds}
    per_round: dict[str, dict[str, float]] = {p: {} for p, _l, _c in PLUGINS}
    seen = 0
    for task in timings['tasks']:
        phase, kind, rnd = (task['name'].split('|') + ['', '', ''])[:3]
        for host, result in task['results'].items():
            if result['status'] != 'ok':
                failures.append('%s on %s: %s %s' % (task['name'], host, result['status'], result.get('msg', '')))
                continue
            if phase != 'bench' or (host, kind) not in durations:
                continue
            seen += 1
            value = result['end'] - task['start']
            durations[(host, kind)].append(value)
            per_round[host][rnd] = per_round[host].get(rnd, 0.0) + value
    expected = rounds * len(kinds) * len(PLUGINS)
    if seen != expected and not failures:
        failures.append('%d of %d timed tasks reported a result (rc %d); see %s' % (seen, expected, rc, logfile))
    rows = []
    for kind in kinds + ['all']:
        row: dict[str, t.Any] = {'task': kind}
        for plugin, _l, _c in PLUGINS:
            values = list(per_round[plugin].values()) if kind == 'all' else durations[(plugin, kind)]
            row[plugin] = b.stats(values)
        for other in ('cd_api', 'cd_cli'):
            ours, theirs = row['ours'], row[other]
            row['ours_over_' + other] = ours['mean'] / theirs['mean'] if ours.get('n') and theirs.get('n') else None
        rows.append(row)
    return {'rows': rows}


# --------------------------------------------------------------------------- containers over the fleet

FLEET_PLUGINS = [('ours', 'dockerapi.engine.engine_api'), ('cd_api', 'community.docker.docker_api')]


def bench_fleet_containers(ctx: t.Any, args: t.Any, workdir: Path) -> dict[str, t.Any]:
    b = _bench()
    info = b.harness_info(need_fleet=True)
    fleet = info.get('fleet') or {}
    names = sorted(fleet)[:args.fleet_container_engines]
    if len(names) < args.fleet_container_engines:
        raise b.BenchError('the harness fleet has %d daemons, %d wanted' % (len(names), args.fleet_container_engines))
    b.log('fleet containers: python image on %s' % ' '.join(names))
    image = python_image(names)
    tag = 'dkapi13-E-%s' % uuid.uuid4().hex[:8]
    label = 'dockerapi.test=%s' % tag
    containers: list[tuple[str, str, str]] = []  # (short name, container, docker_host)
    errors: list[str] = []

    def start(engine: str) -> None:
        try:
            for i in range(1, args.fleet_containers + 1):
                cname = '%s-%s-%d' % (tag, engine, i)
                b.docker_cli(fleet[engine]['docker_host'], 'run', '-d', '--name', cname, '--label', label, image)
        except Exception as exc:  # pylint: disable=broad-except  # reported below
            errors.append('%s: %s' % (engine, exc))

    for engine in names:
        for i in range(1, args.fleet_containers + 1):
            containers.append(('%s-%d' % (engine, i), '%s-%s-%d' % (tag, engine, i), fleet[engine]['docker_host']))
    _prepare_workdir(workdir)
    kinds = [k for k in args.fleet_container_tasks.split(',') if k]
    bad = sorted(set(kinds) - set(CONNECTION_TASKS))
    if bad:
        raise b.BenchError('--fleet-container-tasks: unknown task kind(s) %s; known: %s' % (', '.join(bad), ','.join(CONNECTION_TASKS)))
    try:
        started = time.monotonic()
        threads = [threading.Thread(target=start, args=(engine,)) for engine in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        start_seconds = time.monotonic() - started
        if errors:
            raise b.BenchError('starting the fleet containers failed: %s' % '; '.join(errors))
        groups = {key: {'%s-%s' % (key, short): host_vars(key, cname, dh) for short, cname, dh in containers}
                  for key, _conn in FLEET_PLUGINS}
        plays = []
        for key, _conn in FLEET_PLUGINS:
            plays.append({'name': 'fc|%s|warmup' % key, 'hosts': key, 'gather_facts': False,
                          'tasks': task_list(['command'], 'warmup', workdir, 'w')})
        for rep in range(args.fleet_repeat):
            order = FLEET_PLUGINS[rep % 2:] + FLEET_PLUGINS[:rep % 2]
            for key, _conn in order:
                plays.append({'name': 'fc|%s|%d' % (key, rep), 'hosts': key, 'gather_facts': False,
                              'tasks': task_list(kinds, 'bench', workdir, '%s-%d' % (key, rep))})
        b.log('fleet containers: %d containers on %d engines, forks %d, tasks %s, %d repetitions'
              % (len(containers), len(names), args.forks, ','.join(kinds), args.fleet_repeat))
        load_before = b.loadavg()
        timings, rc, logfile = b.run_playbook(ctx, workdir, 'fleet-containers', plays, inventory_ini(groups),
                                              {'ANSIBLE_FORKS': str(args.forks)})
        load_after = b.loadavg()
    finally:
        for engine in names:
            _docker_rm_label(fleet[engine]['docker_host'], label)
    tasks = {task['uuid']: task for task in timings['tasks']}
    walls: dict[str, list[float]] = {k: [] for k, _c in FLEET_PLUGINS}
    task_walls: dict[tuple[str, str], list[float]] = {(k, kind): [] for k, _c in FLEET_PLUGINS for kind in kinds}
    failures: list[str] = []
    for play in timings['plays']:
        _prefix, key, label_ = (play['name'].split('|') + ['', '', ''])[:3]
        group = groups.get(key, {})
        ends, starts = [], []
        for uid in play['tasks']:
            task = tasks[uid]
            starts.append(task['start'])
            task_ends = []
            for host, result in task['results'].items():
                task_ends.append(result['end'])
                if result['status'] != 'ok':
                    failures.append('%s on %s: %s %s' % (task['name'], host, result['status'], result.get('msg', '')))
            ends += task_ends
            missing = set(group) - set(task['results'])
            if missing:
                failures.append('%s: no result from %s' % (task['name'], ' '.join(sorted(missing))))
            kind = task['name'].split('|')[1] if '|' in task['name'] else ''
            if label_ != 'warmup' and task_ends and (key, kind) in task_walls:
                task_walls[(key, kind)].append(max(task_ends) - task['start'])
        if label_ != 'warmup' and key in walls and ends:
            walls[key].append(max(ends) - min(starts))
    if rc != 0 and not failures:
        failures.append('ansible-playbook exited %d; see %s' % (rc, logfile))
    rows = []
    for key, conn in FLEET_PLUGINS:
        row: dict[str, t.Any] = {'key': key, 'label': conn, 'walls': walls[key],
                                 'median_wall': statistics.median(walls[key]) if walls[key] else None,
                                 'tasks': {kind: statistics.median(v) if v else None
                                           for kind, v in ((kind, task_walls[(key, kind)]) for kind in kinds)}}
        rows.append(row)
    theirs = rows[1]['median_wall']
    for row in rows:
        row['ratio_to_community_docker'] = row['median_wall'] / theirs if row['median_wall'] and theirs else None
    return {'engines': names, 'containers': len(containers), 'per_engine': args.fleet_containers, 'forks': args.forks,
            'tasks': kinds, 'repeat': args.fleet_repeat, 'rows': rows, 'failures': failures,
            'container_start_seconds': start_seconds, 'loadavg_before': load_before, 'loadavg_after': load_after,
            'log': str(logfile)}


# --------------------------------------------------------------------------- modules over ssh://

SSH_VARIANTS = [
    # key, label, action prefix, reuse (ours), extra args
    ('ours', 'dockerapi.engine (fast path), SSH reuse (default)', 'dockerapi.engine.', True, {}),
    ('ours_noreuse', 'dockerapi.engine (fast path), no reuse (DOCKERAPI_SSH_CONTROL_PERSIST=0)', 'dockerapi.engine.', False, {}),
    ('ours_module', 'dockerapi.engine (shipped module), SSH reuse', 'dockerapi.engine.', True, {}),
    ('cd', 'community.docker (use_ssh_client: true)', 'community.docker.docker_', None, {'use_ssh_client': True}),
]


def bench_ssh_modules(ctx: t.Any, args: t.Any, workdir: Path) -> dict[str, t.Any]:
    b = _bench()
    sys.path.insert(0, str(ROOT / 'tests' / 'integration'))
    import sshhosts  # pylint: disable=import-outside-toplevel,import-error

    b.log('ssh: starting %d systemd test host(s) on %s' % (args.ssh_hosts, sshhosts.testhost_daemon()))
    started = time.monotonic()
    try:
        hosts = sshhosts.start_hosts(args.ssh_hosts)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        raise b.BenchError('starting the ssh test hosts failed: %s' % exc) from exc
    start_seconds = time.monotonic() - started
    try:
        cname = 'dkapi13-E-ssh-c'
        for host in hosts:
            image = host.ensure_image()
            host.docker('create', '--name', cname, image, 'true')
        # One `ssh` for both collections: a wrapper first on PATH that adds the private ssh config
        # (community.docker's use_ssh_client runs plain `ssh`, and ssh reads the config of the
        # user's passwd home, not $HOME). Our transport finds ssh on PATH the same way.
        wrapper_dir = workdir / 'sshbin'
        wrapper_dir.mkdir(exist_ok=True)
        wrapper = wrapper_dir / 'ssh'
        wrapper.write_text('#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' % hosts[0].config)
        wrapper.chmod(0o755)
        # ssh://root@127.0.0.1:PORT, not ssh://<alias>: community.docker's ssh client passes `-p 22` when
        # the URL has no port, which overrides the alias's Port of the config.
        inventory = '[sshhosts]\n' + ''.join('%s docker_host=%s\n' % (h.alias, h.url('root')) for h in hosts)
        inventory += '[sshhosts:vars]\nansible_connection=local\nansible_python_interpreter=%s\n' % ctx.python
        control = hosts[0].control_dir

        def play_for(variant: tuple, label: str, count: int) -> dict[str, t.Any]:
            key, _title, prefix, reuse, extra = variant
            tasks = []
            for i in range(count):
                for module, margs in (('host_info', {}), ('container_info', {'name': cname})):
                    task: dict[str, t.Any] = {'name': 'ssh|%s|%s|%d' % (key, module, i),
                                              prefix + module: dict({'docker_host': '{{ docker_host }}'}, **margs, **extra)}
                    if reuse is not None:
                        task['environment'] = {'DOCKERAPI_SSH_CONTROL_PERSIST': '60' if reuse else '0',
                                               'DOCKERAPI_SSH_CONTROL_DIR': str(control)}
                    task.update(KEEP_GOING)
                    if key == 'ours_module':
                        task['vars'] = {'dockerapi_engine_fast_path': False}
                    tasks.append(task)
            return {'name': 'ssh|%s|%s' % (key, label), 'hosts': 'sshhosts', 'gather_facts': False, 'tasks': tasks}

        plays = [play_for(v, 'warmup', 1) for v in SSH_VARIANTS for dummy in range(args.ssh_warmup)]
        for rep in range(args.ssh_repeat):
            shift = rep % len(SSH_VARIANTS)
            plays += [play_for(v, str(rep), args.ssh_tasks) for v in SSH_VARIANTS[shift:] + SSH_VARIANTS[:shift]]
        env_path = '%s:%s' % (wrapper_dir, ctx.env()['PATH'])
        b.log('ssh: %d hosts, %d rounds of host_info + container_info per play, %d repetitions of %d variants'
              % (len(hosts), args.ssh_tasks, args.ssh_repeat, len(SSH_VARIANTS)))
        load_before = b.loadavg()
        timings, rc, logfile = b.run_playbook(ctx, workdir, 'ssh-modules', plays, inventory,
                                              {'PATH': env_path, 'ANSIBLE_FORKS': str(max(args.forks, len(hosts)))})
        load_after = b.loadavg()
        logins = {h.alias: h.accepted_logins('root') for h in hosts}
    finally:
        sshhosts.remove_hosts(hosts)
    tasks = {task['uuid']: task for task in timings['tasks']}
    walls: dict[str, list[float]] = {v[0]: [] for v in SSH_VARIANTS}
    per_task: dict[tuple[str, str], list[float]] = {}
    failures: list[str] = []
    for play in timings['plays']:
        _prefix, key, label = (play['name'].split('|') + ['', '', ''])[:3]
        ends, starts = [], []
        for uid in play['tasks']:
            task = tasks[uid]
            starts.append(task['start'])
            module = task['name'].split('|')[2]
            for host, result in task['results'].items():
                ends.append(result['end'])
                if result['status'] != 'ok':
                    failures.append('%s on %s: %s %s' % (task['name'], host, result['status'], result.get('msg', '')))
                elif label != 'warmup':
                    per_task.setdefault((key, module), []).append(result['end'] - task['start'])
            if len(task['results']) != len(hosts):
                failures.append('%s: %d of %d hosts reported' % (task['name'], len(task['results']), len(hosts)))
        if label != 'warmup' and key in walls and ends:
            walls[key].append(max(ends) - min(starts))
    if rc != 0 and not failures:
        failures.append('ansible-playbook exited %d; see %s' % (rc, logfile))
    rows = []
    for key, title, _p, _r, _e in SSH_VARIANTS:
        rows.append({'key': key, 'label': title, 'walls': walls[key],
                     'median_wall': statistics.median(walls[key]) if walls[key] else None,
                     'host_info': b.stats(per_task.get((key, 'host_info'), [])),
                     'container_info': b.stats(per_task.get((key, 'container_info'), []))})
    theirs = rows[-1]['median_wall']
    for row in rows:
        row['ratio_to_community_docker'] = row['median_wall'] / theirs if row['median_wall'] and theirs else None
    return {'hosts': [h.alias for h in hosts], 'daemon': hosts[0].daemon, 'tasks_per_play': args.ssh_tasks,
            'repeat': args.ssh_repeat, 'rows': rows, 'failures': failures, 'host_start_seconds': start_seconds,
            'sshd_logins_root': logins, 'loadavg_before': load_before, 'loadavg_after': load_after, 'log': str(logfile)}


def bench_handshake(ctx: t.Any, args: t.Any, workdir: Path) -> dict[str, t.Any]:
    b = _bench()
    if not HANDSHAKE_SCRIPT.exists():
        return {'skipped': 'bench/ssh_handshake.py does not exist (yet).'}
    out = workdir / 'handshake.json'
    b.log('ssh: bench/ssh_handshake.py --runs %d' % args.handshake_runs)
    env = ctx.env()
    for key in ('ANSIBLE_CALLBACK_PLUGINS', 'ANSIBLE_CALLBACKS_ENABLED', 'ANSIBLE_ACTION_PLUGINS'):
        env.pop(key, None)  # the script sets up its own
    proc = subprocess.run([str(ctx.python), str(HANDSHAKE_SCRIPT), '--runs', str(args.handshake_runs),
                           '--ansible-bin', str(ctx.venv / 'bin'), '--collections', env['ANSIBLE_COLLECTIONS_PATH'],
                           '--json', str(out)], cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=1800,
                          check=False)
    doc: dict[str, t.Any] = {'rc': proc.returncode, 'stderr_tail': proc.stderr.strip()[-2000:]}
    try:
        doc['result'] = json.loads(out.read_text())
    except (OSError, ValueError):
        doc['result'] = None
    text = proc.stdout
    brace = text.find('\n{')
    doc['markdown'] = (text[:brace] if brace >= 0 else text).strip()
    return doc


# --------------------------------------------------------------------------- report

def _ms(st: dict[str, t.Any], key: str = 'mean') -> str:
    return '-' if not st.get('n') else '%.0f' % (st[key] * 1000)


def _ratio(value: float | None) -> str:
    return '-' if value is None else '%.2f' % value


def markdown(doc: dict[str, t.Any]) -> list[str]:
    out: list[str] = []
    cn = doc.get('connection')
    if cn:
        out += ['## Connection plugins (tasks inside one container)', '',
                'One `%s` container on %s (Engine %s); %d rounds (+%d warm-up) of the tasks %s through each plugin, plugin '
                'order and task order rotated every round; one playbook without and one with pipelining. '
                'Milliseconds from the task\'s start to its result (mean / median); "all" is one round of every task.'
                % (cn['image'], cn['daemon']['name'], cn['daemon'].get('version'), cn['rounds'], cn['warmup_rounds'],
                   ', '.join(cn['tasks'])), '']
        for section in cn['sections']:
            out += ['### Pipelining %s' % ('on' if section['pipelining'] else 'off'), '',
                    '| task | ours (engine_api) | community.docker.docker_api | community.docker.docker (CLI) '
                    '| ours / docker_api | ours / docker |', '|---|---:|---:|---:|---:|---:|']
            for row in section['rows']:
                out.append('| %s | %s / %s | %s / %s | %s / %s | %s | %s |' % (
                    row['task'], _ms(row['ours']), _ms(row['ours'], 'median'), _ms(row['cd_api']),
                    _ms(row['cd_api'], 'median'), _ms(row['cd_cli']), _ms(row['cd_cli'], 'median'),
                    _ratio(row['ours_over_cd_api']), _ratio(row['ours_over_cd_cli'])))
            out += ['', 'Load average before/after: %s / %s; playbook %.1f s.'
                    % (section['loadavg_before'], section['loadavg_after'], section['playbook_seconds']), '']
        prof = cn.get('profile') or {}
        if prof.get('median_ms'):
            plugins = [p for p in ('dockerapi.engine.engine_api', 'community.docker.docker_api', 'community.docker.docker')
                       if p in prof['median_ms']]
            out += ['### One task\'s connection work, step by step (bench/profile_connection.py, medians, ms)', '',
                    '%d fresh interpreters per plugin (like a forked worker: what ansible-playbook\'s main process holds is '
                    'imported first), the same container; load average at the end %s.' % (prof['runs'], prof.get('loadavg')), '',
                    '| step | %s |' % ' | '.join(plugins), '|---|%s' % ('---:|' * len(plugins))]
            for step in prof['steps'] + ['total']:
                out.append('| %s | %s |' % (step, ' | '.join('%.1f' % prof['median_ms'][p][step] for p in plugins)))
            out.append('')
    fc = doc.get('fleet_containers')
    if fc:
        out += ['## Fleet: tasks inside %d containers on %d engines' % (fc['containers'], len(fc['engines'])), '',
                '%d `dockerapi-test/python` containers per engine (harness fleet, Engine 20.10), one inventory host each, '
                'forks %d, no pipelining; one play of %s per connection plugin, median of %d plays, interleaved. Wall '
                'time from the play\'s first task start to its last result; per task: start to the last host\'s result.'
                % (fc['per_engine'], fc['forks'], ', '.join(fc['tasks']), fc['repeat']), '',
                '| connection | play wall s | %s | / community.docker | plays (s) |' % ' | '.join('%s s' % k for k in fc['tasks']),
                '|---|---:|%s---:|---|' % ('---:|' * len(fc['tasks']))]
        for row in fc['rows']:
            out.append('| %s | %s | %s | %s | %s |' % (
                row['label'], '-' if row['median_wall'] is None else '%.2f' % row['median_wall'],
                ' | '.join('-' if row['tasks'][k] is None else '%.2f' % row['tasks'][k] for k in fc['tasks']),
                _ratio(row['ratio_to_community_docker']), ', '.join('%.2f' % w for w in row['walls'])))
        out += ['', 'Starting the containers took %.1f s (not counted). Load average before/after: %s / %s.'
                % (fc['container_start_seconds'], fc['loadavg_before'], fc['loadavg_after']), '']
    sm = doc.get('ssh_modules')
    if sm:
        out += ['## Modules over ssh:// (%d systemd test hosts)' % len(sm['hosts']), '',
                'Test hosts (Debian 12, sshd, Engine 20.10) on the harness daemon %s; one inventory host each, connection '
                'local; plays of %d rounds of `host_info` + `container_info` per host, median of %d plays, interleaved. '
                'community.docker reaches ssh:// through the ssh client only with `use_ssh_client: true` (without it, '
                'through paramiko, which the bench venv does not have); both use the same `ssh` (a wrapper adding the '
                'private ssh config). Per task: mean / median ms from task start to each host\'s result.'
                % (sm['daemon'], sm['tasks_per_play'], sm['repeat']), '',
                '| variant | play wall s | host_info ms | container_info ms | / community.docker |',
                '|---|---:|---:|---:|---:|']
        for row in sm['rows']:
            out.append('| %s | %s | %s / %s | %s / %s | %s |' % (
                row['label'], '-' if row['median_wall'] is None else '%.2f' % row['median_wall'],
                _ms(row['host_info']), _ms(row['host_info'], 'median'), _ms(row['container_info']),
                _ms(row['container_info'], 'median'), _ratio(row['ratio_to_community_docker'])))
        out += ['', 'SSH logins sshd accepted per host over the whole run: %s. Load average before/after: %s / %s.'
                % (', '.join('%s' % v for v in sm['sshd_logins_root'].values()), sm['loadavg_before'], sm['loadavg_after']), '']
    hs = doc.get('handshake')
    if hs:
        out += ['## SSH handshake (bench/ssh_handshake.py)', '']
        if 'skipped' in hs:
            out.append('Skipped: ' + hs['skipped'])
        else:
            out.append(hs['markdown'] or '(no output)')
            if hs['rc'] != 0:
                out += ['', 'bench/ssh_handshake.py exited %d:' % hs['rc'], '', '```', hs['stderr_tail'], '```']
        out.append('')
    return out


def failures(doc: dict[str, t.Any]) -> list[str]:
    found: list[str] = []
    for key in ('connection', 'fleet_containers', 'ssh_modules'):
        found += (doc.get(key) or {}).get('failures', [])
    hs = doc.get('handshake') or {}
    if hs.get('rc'):
        found.append('bench/ssh_handshake.py exited %d' % hs['rc'])
    return found
