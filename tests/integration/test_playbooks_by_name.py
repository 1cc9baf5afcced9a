"""The collection's playbooks run by name (``ansible-playbook dockerapi.engine.<name>``).

ansible-core looks a playbook FQCN up as ``playbooks/<name>`` first and only then as
``playbooks/<name>.yml``: a directory beside the playbook with the playbook's own name made
``ansible-playbook dockerapi.engine.walkthrough`` fail with "Is a directory". These tests run
the playbooks from the installed collection (``make integration`` installs the built tarball;
by hand, ``ANSIBLE_COLLECTIONS_PATH`` may point at ``build/dev``).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import BIN, ansible_env

PLAYBOOKS = ('walkthrough', 'rollout_remote_api')


def installed_collection() -> Path:
    for base in ansible_env()['ANSIBLE_COLLECTIONS_PATH'].split(os.pathsep):
        path = Path(base) / 'ansible_collections' / 'dockerapi' / 'engine'
        if path.is_dir():
            return path
    pytest.fail('dockerapi.engine is not installed under ANSIBLE_COLLECTIONS_PATH (run make collection, or make dev-collections '
                'and set ANSIBLE_COLLECTIONS_PATH=build/dev)')
    raise AssertionError('unreachable')


def playbook(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as tmp:
        inventory = Path(tmp) / 'hosts.ini'
        inventory.write_text('[docker_hosts]\n', encoding='utf-8')
        return subprocess.run([str(BIN / 'ansible-playbook'), '-i', str(inventory), *args], env=ansible_env(), cwd=tmp,
                              capture_output=True, text=True, timeout=300, check=False)


def test_no_directory_shadows_a_playbook() -> None:
    playbooks = installed_collection() / 'playbooks'
    names = sorted(p.stem for p in playbooks.glob('*.yml'))
    assert set(PLAYBOOKS) <= set(names), names
    shadowed = [name for name in names if (playbooks / name).exists()]
    assert not shadowed, 'playbooks/%s exists beside playbooks/%s.yml: ansible-playbook dockerapi.engine.%s opens it instead' % (
        shadowed[0], shadowed[0], shadowed[0])


@pytest.mark.parametrize('name', PLAYBOOKS)
def test_playbook_by_name_syntax_check(name: str) -> None:
    result = playbook('--syntax-check', 'dockerapi.engine.' + name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith('/playbooks/%s.yml' % name), result.stdout


def test_walkthrough_by_name_lists_its_steps() -> None:
    result = playbook('--list-tasks', 'dockerapi.engine.walkthrough')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'play #1 (localhost): Docker Engine API walkthrough' in result.stdout, result.stdout
    assert 'Getting system information (GET /version, GET /info)' in result.stdout, result.stdout


def test_rollout_by_name_runs_with_an_empty_group() -> None:
    # A real run of the playbook by name: no host in docker_hosts, so the play is skipped, but the
    # playbook and the role it names (dockerapi.engine.remote_api) are loaded from the collection.
    result = playbook('dockerapi.engine.rollout_remote_api')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Turn on the Docker remote API with mutual TLS, batch by batch' in result.stdout, result.stdout
