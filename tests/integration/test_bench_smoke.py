"""bench/run works end to end with tiny counts: complete tables, every task ok. No timing assertions.

The first run on a machine creates the benchmark venv (pip install ansible requests: about a
minute); later runs reuse it. The fleet part starts the harness fleet (harness up fleet, ~5 s).
The multi-host parts run with the smallest counts: the connection plugins on two task kinds without
pipelining, one python container on each of two fleet daemons, one ssh test host (bench/ssh_handshake.py,
which starts its own host, is left out here: it has its own standalone run).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

PERTASK_KEYS = {'ours_host_info', 'ours_host_info_module', 'cd_host_info', 'ours_container_info',
                'ours_container_info_module', 'cd_container_info', 'uri', 'ping', 'debug'}


def test_bench_runner_tiny(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(ROOT / 'bench' / 'run'), 'all', '--tasks', '2', '--warmup', '0', '--profile-loops', '3',
         '--fleet-tasks', '1', '--fleet-repeat', '1', '--skip-build', '--results', str(tmp_path),
         '--conn-rounds', '1', '--conn-warmup', '0', '--conn-tasks', 'command,fetch', '--conn-pipelining', 'off', '--conn-profile-runs', '1',
         '--fleet-containers', '1', '--fleet-container-engines', '2', '--fleet-container-tasks', 'command',
         '--ssh-hosts', '1', '--ssh-warmup', '0', '--ssh-tasks', '1', '--ssh-repeat', '1', '--handshake-runs', '0'],
        capture_output=True, text=True, timeout=1500, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads((tmp_path / 'latest.json').read_text())

    # Both collections come from where the brief says, under one ansible-core.
    versions = doc['versions']
    assert '/collections/ansible_collections/dockerapi/engine' in versions['dockerapi.engine']['path']
    assert 'site-packages/ansible_collections/community/docker' in versions['community.docker']['path']

    pertask = doc['pertask']
    assert pertask['failures'] == []
    rows = {row['key']: row for row in pertask['rows']}
    assert set(rows) == PERTASK_KEYS
    for key, row in rows.items():
        assert row['stats']['n'] == 2, key
        assert row['stats']['mean'] > 0, key
        assert row['ratio_to_ping'] > 0, key
    for key in ('ours_host_info', 'ours_host_info_module', 'ours_container_info', 'ours_container_info_module'):
        assert rows[key]['ratio_to_community_docker'] > 0, key
    # The probe ran our action plugin in the worker (it timed the fast path's own steps), and the
    # main process held the action plugin before forking.
    for probe in ('probe_host_info', 'probe_container_info'):
        steps = pertask['breakdown'][probe]
        assert steps['step: negotiation (connect + GET /version)'] > 0, probe
        assert steps['step: service (API calls after negotiation)'] > 0, probe
    assert pertask['controller_imported']['ansible_collections.dockerapi.engine.plugins.action.host_info'] is True

    profile = doc['profile']
    assert profile['imports_seconds']['modules.host_info + its service (worker, every task)'] > 0
    assert profile['steps_seconds']['GET /info (open connection)'] > 0

    fleet = doc['fleet']
    assert fleet['failures'] == []
    assert len(fleet['hosts']) == 10
    assert {row['key'] for row in fleet['rows']} == {'ours', 'community.docker', 'ours_module'}
    for row in fleet['rows']:
        assert len(row['walls']) == 1 and row['walls'][0] > 0

    # Tasks inside a container through each connection plugin, one row per task kind (+ "all").
    connection = doc['connection']
    assert connection['failures'] == []
    assert [s['pipelining'] for s in connection['sections']] == [False]
    rows = {row['task']: row for row in connection['sections'][0]['rows']}
    assert set(rows) == {'command', 'fetch', 'all'}
    for task, row in rows.items():
        for plugin in ('ours', 'cd_api', 'cd_cli'):
            assert row[plugin]['n'] == 1 and row[plugin]['mean'] > 0, (task, plugin)
        assert row['ours_over_cd_api'] > 0 and row['ours_over_cd_cli'] > 0, task
    # The step profile ran every plugin in a fresh process (load, connect, exec, put, fetch, close).
    profile = connection['profile']
    assert profile['errors'] == []
    for plugin in ('dockerapi.engine.engine_api', 'community.docker.docker_api', 'community.docker.docker'):
        assert profile['median_ms'][plugin]['load plugin (import)'] > 0, plugin
        assert profile['median_ms'][plugin]['put_file 1 KiB'] > 0, plugin

    # One python container on each of two fleet daemons, through ours and community.docker.docker_api.
    containers = doc['fleet_containers']
    assert containers['failures'] == []
    assert containers['containers'] == 2 and len(containers['engines']) == 2
    assert [row['key'] for row in containers['rows']] == ['ours', 'cd_api']
    for row in containers['rows']:
        assert len(row['walls']) == 1 and row['tasks']['command'] > 0, row

    # Modules over ssh:// against a systemd test host, ours and community.docker's use_ssh_client.
    ssh = doc['ssh_modules']
    assert ssh['failures'] == []
    assert {row['key'] for row in ssh['rows']} == {'ours', 'ours_noreuse', 'ours_module', 'cd'}
    for row in ssh['rows']:
        assert row['host_info']['n'] == 1 and row['container_info']['n'] == 1, row
    assert 'handshake' not in doc

    table = (tmp_path / 'latest.md').read_text()
    assert proc.stdout.startswith(table.rstrip('\n'))  # the table printed is the table written
    for label in ('| dockerapi.engine.host_info (fast path) | 2 |',
                  '| community.docker.docker_host_info | 2 |',
                  '| community.docker.docker_container_info | 2 |',
                  '| ansible.builtin.ping (a shipped module doing nothing) | 2 |',
                  '## Fleet', '## Connection plugins', '### Pipelining off', '### One task\'s connection work', '| command |',
                  '## Fleet: tasks inside 2 containers',
                  '## Modules over ssh://'):
        assert label in table, label
    assert 'Skipped: --skip-build' in table
