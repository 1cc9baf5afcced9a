"""How image maps docker_image's interface (source, pull as string or dict, force_*) and build's container_limits."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _images
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError


def interface(**params: t.Any) -> dict[str, t.Any]:
    return _images._interface(dict({'state': 'present'}, **params))  # pylint: disable=protected-access


@pytest.mark.parametrize('params, mode', [
    ({}, 'missing'),
    ({'pull': 'not_present'}, 'missing'),
    ({'pull': 'always'}, 'always'),
    ({'pull': 'never'}, 'never'),
    ({'force_source': True}, 'always'),
    ({'source': 'pull', 'force_source': True}, 'always'),
    ({'source': 'pull', 'pull': {'platform': 'linux/arm64'}}, 'missing'),
    ({'source': 'local'}, 'never'),
    ({'source': 'local', 'force_source': True}, 'never'),
    ({'source': 'build', 'build': {'path': '.'}, 'force_source': True}, 'missing'),
])
def test_pull_mode(params: dict[str, t.Any], mode: str) -> None:
    assert interface(**params)['pull_mode'] == mode


def test_pull_dict_gives_platform() -> None:
    assert interface(pull={'platform': 'linux/arm64'})['platform'] == 'linux/arm64'
    assert interface(pull={'platform': None}, platform='linux/amd64')['platform'] == 'linux/amd64'


@pytest.mark.parametrize('params, message', [
    ({'pull': {'platfrom': 'x'}}, 'takes only platform'),
    ({'pull': {'platform': 'linux/arm64'}, 'platform': 'linux/amd64'}, 'differ'),
    ({'pull': 'sometimes'}, 'pull must be one of'),
    ({'source': 'build'}, 'source=build needs build'),
    ({'source': 'load'}, 'source=load needs load_path'),
    ({'load_path': 'x.tar'}, 'set source'),
    ({'source': 'load', 'load_path': 'x.tar', 'pull': 'always'}, 'force_source'),
    ({'state': 'absent', 'archive_path': 'x.tar'}, 'state=present only'),
])
def test_refused(params: dict[str, t.Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        interface(**params)


def test_force_absent_and_its_alias() -> None:
    assert interface(state='absent', force=True)['force_absent'] is True
    assert interface(state='absent', force_absent=True)['force_absent'] is True
    assert interface(state='absent')['force_absent'] is False


def test_container_limits_reach_the_build_query(tmp_path: t.Any) -> None:
    (tmp_path / 'Dockerfile').write_text('FROM scratch\n')
    limits = {'memory': '256M', 'memswap': '-1', 'cpushares': 512, 'cpusetcpus': '0'}
    request = _images.prepare_build({'name': 'app', 'path': str(tmp_path), 'container_limits': limits})
    assert request.query['memory'] == 256 * 1024 * 1024
    assert request.query['memswap'] == -1
    assert request.query['cpushares'] == 512 and request.query['cpusetcpus'] == '0'
    with pytest.raises(ConfigurationError, match='container_limits takes'):
        _images.prepare_build({'name': 'app', 'path': str(tmp_path), 'container_limits': {'cpus': 1}})
