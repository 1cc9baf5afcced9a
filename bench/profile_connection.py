# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one task costs a connection plugin, step by step, in a fresh process like a forked worker.

    <bench venv>/bin/python bench/profile_connection.py --container NAME --docker-host URL [--runs 5]

Run by ``bench/run connection`` (multihost.py) with the bench venv's Python and
ANSIBLE_COLLECTIONS_PATH pointing at our freshly built collection and the venv's community.docker.
For each plugin (ours ``dockerapi.engine.engine_api``, ``community.docker.docker_api``,
``community.docker.docker``), ``--runs`` fresh interpreters, rotated, each of which first imports
what a worker inherits from ansible-playbook's main process, then times: loading the plugin
(``connection_loader.get``: the import, compiled from source as in every task's worker),
``_connect()``, ``exec_command('/bin/sh -c true')`` twice, ``put_file`` of a 1 KiB file,
``fetch_file`` of it, and ``close()``. Prints one JSON document: medians in ms per plugin and step.
Standard library and ansible-core only.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

PLUGINS = ['dockerapi.engine.engine_api', 'community.docker.docker_api', 'community.docker.docker']
STEPS = ['load plugin (import)', '_connect()', 'exec_command (1st)', 'exec_command (2nd)', 'put_file 1 KiB', 'fetch_file 1 KiB',
         'close()']


def child(plugin: str, container: str, docker_host: str) -> dict[str, float]:
    # pylint: disable=import-outside-toplevel
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    _AnsibleCollectionFinder(paths=os.environ['ANSIBLE_COLLECTIONS_PATH'].split(':'), scan_sys_paths=False)._install()
    # What the worker inherits from the main process of ansible-playbook.
    for name in ('ansible.cli.playbook', 'ansible.executor.process.worker', 'ansible.executor.task_executor', 'ansible.plugins.action',
                 'ansible.plugins.connection', 'ansible.plugins.strategy.linear'):
        importlib.import_module(name)
    from ansible.playbook.play_context import PlayContext
    from ansible.plugins.loader import connection_loader

    steps: dict[str, float] = {}
    pc = PlayContext()
    pc.remote_addr = container
    with tempfile.TemporaryDirectory(prefix='dkapi-connprof-') as tmp:
        src = os.path.join(tmp, 'in')
        with open(src, 'wb') as handle:
            handle.write(b'x' * 1024)
        started = time.perf_counter()
        conn = connection_loader.get(plugin, pc, None)
        mark = time.perf_counter()
        steps[STEPS[0]] = mark - started
        options: dict[str, t.Any] = {'remote_addr': container}
        if plugin == 'community.docker.docker':
            options['docker_extra_args'] = '-H %s' % docker_host
        else:
            options['docker_host'] = docker_host
        conn.set_options(direct=options)

        def timed(label: str, func: t.Callable[[], t.Any]) -> t.Any:
            begin = time.perf_counter()
            value = func()
            steps[label] = time.perf_counter() - begin
            return value

        timed(STEPS[1], conn._connect)  # pylint: disable=protected-access
        for label in STEPS[2:4]:
            rc, _out, err = timed(label, lambda: conn.exec_command('/bin/sh -c true'))
            if rc != 0:
                raise RuntimeError('%s: exec_command rc %s: %r' % (plugin, rc, err))
        remote = '/tmp/dkapi13-connprof-%d' % os.getpid()
        timed(STEPS[4], lambda: conn.put_file(src, remote))
        timed(STEPS[5], lambda: conn.fetch_file(remote, os.path.join(tmp, 'out')))
        conn.exec_command('rm -f %s' % remote)
        timed(STEPS[6], conn.close)
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--container', required=True)
    parser.add_argument('--docker-host', required=True)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--child', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.container, args.docker_host)))
        return 0
    samples: dict[str, list[dict[str, float]]] = {p: [] for p in PLUGINS}
    errors: list[str] = []
    for rnd in range(args.runs):
        shift = rnd % len(PLUGINS)
        for plugin in PLUGINS[shift:] + PLUGINS[:shift]:
            proc = subprocess.run([sys.executable, __file__, '--child', plugin, '--container', args.container,
                                   '--docker-host', args.docker_host], capture_output=True, text=True, timeout=300, check=False)
            if proc.returncode != 0:
                errors.append('%s: rc %d: %s' % (plugin, proc.returncode, proc.stderr.strip()[-500:]))
                continue
            samples[plugin].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    medians = {p: {s: statistics.median([x[s] for x in v]) * 1000 for s in STEPS} for p, v in samples.items() if v}
    for plugin, values in medians.items():
        values['total'] = sum(values[s] for s in STEPS)
    print(json.dumps({'runs': args.runs, 'steps': STEPS, 'median_ms': medians, 'errors': errors,
                      'loadavg': [round(x, 2) for x in os.getloadavg()]}))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
