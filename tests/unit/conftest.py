"""Make ``ansible_collections.dockerapi.engine`` importable from the source tree."""

from __future__ import annotations

import os
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_root() -> str:
    """A directory holding ansible_collections/dockerapi/engine -> this source tree."""
    base = os.path.join(tempfile.gettempdir(), 'dockerapi-engine-unit-%d' % os.getuid())
    link = os.path.join(base, 'ansible_collections', 'dockerapi', 'engine')
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.realpath(link) != ROOT:
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(ROOT, link)
    return base


sys.path.insert(0, _collections_root())


@pytest.fixture(autouse=True)
def _no_docker_config(monkeypatch, tmp_path):
    """Credential lookups read the docker CLI's config: never the user's own in unit tests."""
    monkeypatch.setenv('DOCKER_CONFIG', str(tmp_path / 'docker-config-of-the-test'))
