"""image_load and image_export against 20.10 and 28.5, with the docker CLI as witness (docker save / docker load)."""

from __future__ import annotations

import os
import uuid

import pytest

from conftest import daemon_connection, docker_cli, harness, run_module

OTHER = {'d20': 'd28', 'd28': 'd20'}


@pytest.fixture
def tagged(request: pytest.FixtureRequest):
    """A unique tag of the test image on a daemon (removed afterwards from both daemons)."""
    info = harness()
    made: list[tuple[dict, str]] = []

    def make(daemon_name: str) -> str:
        daemon = info['daemons'][daemon_name]
        name = 'it-archive-%s:v1' % uuid.uuid4().hex[:8]
        docker_cli(daemon, 'tag', info['test_image'], name)
        made.append((daemon, name))
        made.append((info['daemons'][OTHER[daemon_name]], name))
        return name

    yield make
    for daemon, name in made:
        docker_cli(daemon, 'rmi', name, check=False)


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_export_is_loaded_by_docker_load_and_idempotent(daemon_name: str, tagged, tmp_path) -> None:
    info = harness()
    daemon = info['daemons'][daemon_name]
    other = info['daemons'][OTHER[daemon_name]]
    name = tagged(daemon_name)
    path = str(tmp_path / 'export.tar')
    args = dict(daemon_connection(daemon), names=[name.split(':')[0]], tag='v1', path=path)

    planned = run_module('image_export', args, check=True)
    assert planned['changed'] is True and not os.path.exists(path), planned

    first = run_module('image_export', args)
    assert first['changed'] is True, first
    image_id = docker_cli(daemon, 'image', 'inspect', '-f', '{{.Id}}', name).stdout.strip()
    assert [image['Id'] for image in first['images']] == [image_id]
    assert os.path.getsize(path) > 0
    assert not [f for f in os.listdir(tmp_path) if f != 'export.tar'], 'a temporary file was left behind'

    again = run_module('image_export', args, fast_path=True)
    assert again['changed'] is False, again
    forced = run_module('image_export', dict(args, force=True), fast_path=True)
    assert forced['changed'] is True, forced

    # the other daemon (20.10 <-> 28.5) loads our archive with the docker CLI
    docker_cli(other, 'load', '-i', path)
    assert docker_cli(other, 'image', 'inspect', '-f', '{{.Id}}', name).stdout.strip()


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_docker_save_archive_is_loaded(daemon_name: str, tagged, tmp_path) -> None:
    info = harness()
    daemon = info['daemons'][daemon_name]
    other = info['daemons'][OTHER[daemon_name]]
    name = tagged(OTHER[daemon_name])
    path = str(tmp_path / 'saved.tar')
    docker_cli(other, 'save', '-o', path, name)
    assert docker_cli(daemon, 'image', 'inspect', name, check=False).returncode != 0

    planned = run_module('image_load', dict(daemon_connection(daemon), path=path), check=True)
    assert planned['changed'] is True and name in planned['image_names'], planned
    assert docker_cli(daemon, 'image', 'inspect', name, check=False).returncode != 0

    result = run_module('image_load', dict(daemon_connection(daemon), path=path), fast_path=True)
    assert result['changed'] is True, result
    assert name in result['image_names'], result
    image_id = docker_cli(daemon, 'image', 'inspect', '-f', '{{.Id}}', name).stdout.strip()
    assert image_id in [image['Id'] for image in result['images']]


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_load_of_a_non_tar_fails_clearly(daemon_name: str, tmp_path) -> None:
    daemon = harness()['daemons'][daemon_name]
    path = tmp_path / 'not-an-archive.tar'
    path.write_bytes(b'this is not a tar archive\n' * 100)
    result = run_module('image_load', dict(daemon_connection(daemon), path=str(path), debug=True), fast_path=True)
    assert result['failed'] is True
    assert 'is not a tar archive of images' in result['msg'], result
    # nothing was sent: the request trace holds only the version negotiation
    assert not [call for call in result['api_calls'] if 'POST' in call], result['api_calls']
    missing = run_module('image_load', dict(daemon_connection(daemon), path=str(tmp_path / 'nope.tar')), fast_path=True)
    assert missing['failed'] is True and 'does not exist' in missing['msg'], missing
