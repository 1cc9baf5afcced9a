# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where does a fast-path task's time go, outside ansible-core's task machinery?

Run by bench/run with the benchmark venv's Python; prints one JSON document.

    python bench/profile_fastpath.py --collections DIR --docker-host URL [--loops N] [--fresh N]

* imports: fresh interpreters that first import what ansible-playbook's main process already
  holds when it forks a worker, then time (a) our action plugin and everything it imports
  (paid once per playbook, in the main process: the linear strategy loads the action class
  there before forking) and (b) the module file the fast path imports in the worker (paid on
  every task). Also the imports every shipped module pays (``ansible.module_utils.basic``),
  and ``-X importtime`` self times of our modules.
* steps: the fast path's own steps timed in a loop in one process (argument validation,
  connection settings, connect + GET /version, GET /info, no_log filtering, pickling the
  result as the worker does to hand it to the main process).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
import typing as t

OURS = 'ansible_collections.dockerapi.engine'
# What the main process of ansible-playbook has imported before it forks a worker.
CONTROLLER_PRELOAD = [
    'ansible.plugins.action',
    'ansible.executor.task_executor',
    'ansible.module_utils.common.arg_spec',
    'ansible.module_utils.common.parameters',
    'ansible.module_utils.parsing.convert_bool',
    'ansible.utils.display',
]

_IMPORT_PROBE = r'''
import importlib, json, sys, time
for name in %(preload)r:
    importlib.import_module(name)
sys.stderr.write('BENCH-PRELOAD-DONE\n')
sys.stderr.flush()
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
_AnsibleCollectionFinder(paths=%(paths)r, scan_sys_paths=False)._install()
out = {}
for label, name in %(targets)r:
    start = time.perf_counter()
    try:
        importlib.import_module(name)
    except ImportError as exc:
        out[label] = None
        continue
    out[label] = time.perf_counter() - start
print(json.dumps(out))
'''


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def import_costs(collections: str, fresh: int) -> dict[str, t.Any]:
    targets = [
        ('action plugin + fast path + client (main process, once per playbook)', OURS + '.plugins.action.host_info'),
        ('modules.host_info + its service (worker, every task)', OURS + '.plugins.modules.host_info'),
        ('modules.container_info + its service (worker, every task)', OURS + '.plugins.modules.container_info'),
    ]
    code = _IMPORT_PROBE % {'preload': CONTROLLER_PRELOAD, 'paths': [collections], 'targets': targets}
    samples: dict[str, list[float]] = {label: [] for label, _name in targets}
    for _round in range(fresh):
        proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
        for label, value in json.loads(proc.stdout).items():
            if value is not None:
                samples[label].append(value)
    result: dict[str, t.Any] = {label: _median(values) for label, values in samples.items()}

    # What every shipped module pays before main() runs: a fresh interpreter and AnsibleModule.
    base: dict[str, list[float]] = {'python -c pass (interpreter start)': [],
                                    'import ansible.module_utils.basic (every shipped module)': []}
    for _round in range(fresh):
        start = time.perf_counter()
        subprocess.run([sys.executable, '-c', 'pass'], check=True)
        base['python -c pass (interpreter start)'].append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([sys.executable, '-c', 'import ansible.module_utils.basic'], check=True)
        base['import ansible.module_utils.basic (every shipped module)'].append(time.perf_counter() - start)
    result.update({label: _median(values) for label, values in base.items()})
    return result


def importtime_top(collections: str) -> list[dict[str, t.Any]]:
    """``-X importtime`` lines of the action plugin's import, our own modules and their heaviest imports."""
    code = _IMPORT_PROBE % {'preload': CONTROLLER_PRELOAD, 'paths': [collections],
                            'targets': [('a', OURS + '.plugins.action.host_info'), ('m', OURS + '.plugins.modules.host_info')]}
    proc = subprocess.run([sys.executable, '-X', 'importtime', '-c', code], capture_output=True, text=True, check=True)
    rows = []
    preloaded = True
    for line in proc.stderr.splitlines():
        if line.strip() == 'BENCH-PRELOAD-DONE':
            preloaded = False
            continue
        if preloaded or not line.startswith('import time:') or 'self [us]' in line:
            continue  # before the marker: what the main process already holds
        parts = line[len('import time:'):].split('|')
        if len(parts) != 3:
            continue
        name = parts[2].rstrip()
        rows.append({'module': name.strip(), 'depth': (len(name) - len(name.lstrip())) // 2,
                     'self_us': int(parts[0]), 'cumulative_us': int(parts[1])})
    rows = [r for r in rows if r['module'].startswith(OURS) or r['cumulative_us'] >= 500]
    return rows


def step_costs(collections: str, docker_host: str, loops: int) -> dict[str, t.Any]:
    sys.path.insert(0, collections)
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    _AnsibleCollectionFinder(paths=[collections], scan_sys_paths=False)._install()
    import importlib

    from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
    from ansible.module_utils.common.parameters import remove_values

    client_mod = importlib.import_module(OURS + '.plugins.module_utils._client')
    runner = importlib.import_module(OURS + '.plugins.module_utils._runner')
    connection = importlib.import_module(OURS + '.plugins.module_utils._connection')
    host_info_module = importlib.import_module(OURS + '.plugins.modules.host_info')

    args = {'docker_host': docker_host}
    times: dict[str, list[float]] = {}

    def timed(label: str, func: t.Callable[[], t.Any]) -> t.Any:
        start = time.perf_counter()
        value = func()
        times.setdefault(label, []).append(time.perf_counter() - start)
        return value

    result: dict[str, t.Any] = {}
    for _loop in range(loops):
        spec = timed('argument spec copy (deepcopy of spec)', lambda: runner.build_argument_spec(host_info_module.ARGUMENT_SPEC))
        validation = timed('argument validation', lambda: ModuleArgumentSpecValidator(spec).validate(dict(args)))
        params = validation.validated_parameters
        settings = timed('connection settings', lambda: connection.resolve_settings(params, os.environ))
        client = client_mod.EngineClient(settings)
        conn = client._new_connection(settings.timeout)
        timed('connect (unix socket)', conn.connect)
        conn.close()
        timed('negotiation (connect + GET /version)', client.negotiate)
        info = timed('GET /info (open connection)', lambda: client.get_json('/info'))
        timed('close', client.close)
        result = {'changed': False, 'can_talk_to_docker': True, 'api_version': client.api_version,
                  'version': client.version_info, 'info': info, 'invocation': {'module_args': params}}
        timed('no_log filtering of the result', lambda: remove_values(result, validation._no_log_values))
        timed('pickle the result (worker -> main process)', lambda: pickle.dumps(result))
    out: dict[str, t.Any] = {label: _median(values) for label, values in times.items()}
    out['result size (JSON bytes)'] = len(json.dumps(result))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--collections', required=True, help='directory holding ansible_collections/dockerapi/engine')
    parser.add_argument('--docker-host', required=True)
    parser.add_argument('--loops', type=int, default=100)
    parser.add_argument('--fresh', type=int, default=5, help='fresh interpreters per import measurement')
    args = parser.parse_args()
    document = {
        'imports_seconds': import_costs(args.collections, args.fresh),
        'importtime': importtime_top(args.collections),
        'steps_seconds': step_costs(args.collections, args.docker_host, args.loops),
        'loops': args.loops,
        'fresh_interpreters': args.fresh,
    }
    json.dump(document, sys.stdout, indent=1)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
