"""The client speaks HTTP with the standard library, so requests/urllib3 versions cannot break it.

requests 2.32 changed the adapter hooks that unix-socket adapters override (docker-py #3256,
community.docker's hotfixes). We prove both halves: the modules work with requests 2.31 +
urllib3 1.26 and with requests 2.32+ + urllib3 2.x installed, and they never import either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, harness, run_module

PAIRS = {
    'requests-2.31-urllib3-1.26': ['requests==2.31.0', 'urllib3==1.26.20'],
    'requests-2.32-urllib3-2': ['requests>=2.32.3', 'urllib3>=2.2'],
}


@pytest.fixture(scope='module', params=sorted(PAIRS))
def site_dir(request) -> str:
    target = ROOT / 'build' / 'pydeps' / request.param
    if not (target / '.done').exists():
        subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--target', str(target)]
                       + PAIRS[request.param] + ['idna', 'charset-normalizer', 'certifi'], check=True, timeout=300)
        (target / '.done').write_text('ok')
    return str(target)


def test_host_info_with_each_requests_generation(site_dir):
    d = harness()['daemons']['d28']
    probe = subprocess.run([sys.executable, '-c', 'import requests, urllib3; print(requests.__version__, urllib3.__version__)'],
                           env=dict(os.environ, PYTHONPATH=site_dir), capture_output=True, text=True, check=True)
    requests_version, urllib3_version = probe.stdout.split()
    expected = PAIRS[os.path.basename(site_dir)]
    assert requests_version.startswith('2.31') == ('requests==2.31.0' in expected)
    assert urllib3_version.startswith('1.26') == ('urllib3==1.26.20' in expected)
    result = run_module('host_info', {'docker_host': d['docker_host'], 'containers': True},
                        env={'PYTHONPATH': site_dir})
    assert not result.get('failed'), result
    assert result['api_version'] == '1.51'


def test_client_imports_neither_requests_nor_urllib3():
    d = harness()['daemons']['d20']
    code = '''
import json, sys
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import execute
from ansible_collections.dockerapi.engine.plugins.module_utils._system import host_info
result = execute(host_info, {'docker_host': %r, 'images': True}, False, False, {})
print(json.dumps({'api': result['api_version'],
                  'loaded': sorted(m for m in sys.modules if m.split('.')[0] in ('requests', 'urllib3'))}))
''' % d['docker_host']
    collections = os.environ.get('ANSIBLE_COLLECTIONS_PATH', str(ROOT / 'build' / 'collections')).split(':')[0]
    proc = subprocess.run([sys.executable, '-c', code], env=dict(os.environ, PYTHONPATH=collections),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer == {'api': '1.41', 'loaded': []}
