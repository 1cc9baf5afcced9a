"""Helpers for the container and prune tests (no tests here).

``run`` runs one module ad hoc and returns its result dict. It reads the ``oneline``
callback's output, which ansible-core ships, so it needs no other collection.
"""

from __future__ import annotations

import json
import subprocess

from conftest import BIN, ansible_env


def run(module: str, args: dict, env: dict | None = None, check: bool = False, diff: bool = False) -> dict:
    cmd = [str(BIN / 'ansible'), 'localhost', '-m', 'dockerapi.engine.' + module, '-a', json.dumps(args)]
    if check:
        cmd.append('--check')
    if diff:
        cmd.append('--diff')
    extra = {'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1', 'ANSIBLE_STDOUT_CALLBACK': 'oneline',
             'ANSIBLE_DEPRECATION_WARNINGS': 'false'}
    extra.update(env or {})
    proc = subprocess.run(cmd, env=ansible_env(extra), capture_output=True, text=True, timeout=600)
    for line in proc.stdout.splitlines():
        if line.startswith('localhost | ') and ' => ' in line:
            status, payload = line[len('localhost | '):].split(' => ', 1)
            result = json.loads(payload)
            result['failed'] = status.startswith('FAILED')
            return result
    raise AssertionError('no result from ansible (rc %d):\n%s\n%s' % (proc.returncode, proc.stdout, proc.stderr))
