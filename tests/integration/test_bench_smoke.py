"""bench/run works end to end with tiny counts: complete tables, every task ok. No timing assertions.

The first run on a machine creates the benchmark venv (pip install ansible requests: about a
minute); later runs reuse it. The fleet part starts the harness fleet (harness up fleet, ~5 s).
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
         '--fleet-tasks', '1', '--fleet-repeat', '1', '--skip-build', '--results', str(tmp_path)],
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

    table = (tmp_path / 'latest.md').read_text()
    assert proc.stdout.startswith(table.rstrip('\n'))  # the table printed is the table written
    for label in ('| dockerapi.engine.host_info (fast path) | 2 |',
                  '| community.docker.docker_host_info | 2 |',
                  '| community.docker.docker_container_info | 2 |',
                  '| ansible.builtin.ping (a shipped module doing nothing) | 2 |',
                  '## Fleet'):
        assert label in table, label
    assert 'Skipped: --skip-build' in table
