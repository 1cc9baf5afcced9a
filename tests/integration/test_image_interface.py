"""image with docker_image's interface (source build/load/pull/local, archive_path, force_tag, push) and container's
registry_auth, on 20.10 and 28.5; the docker CLI and the harness registries' API are the witnesses."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from conftest import daemon_connection, docker_cli, harness, run_module

DAEMONS = ['d20', 'd28']


def _image_id(daemon: dict, name: str) -> str | None:
    proc = docker_cli(daemon, 'image', 'inspect', '-f', '{{.Id}}', name, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


@pytest.fixture
def cleanup():
    made: list[tuple[dict, list[str], str]] = []
    yield made
    for daemon, args, _what in reversed(made):
        docker_cli(daemon, *args, check=False)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_build_archive_load_tag_pull_push(daemon_name: str, cleanup, tmp_path) -> None:
    info = harness()
    daemon = info['daemons'][daemon_name]
    conn = daemon_connection(daemon)
    uid = uuid.uuid4().hex[:8]
    name = 'it-e1-%s/app' % uid
    context = tmp_path / 'context'
    context.mkdir()
    (context / 'Dockerfile').write_text('FROM %s\nLABEL it.e1=%s\nARG WHO\nRUN echo "$WHO" > /who\n' % (info['test_image'], uid))
    archive = str(tmp_path / 'app.tar')
    cleanup.append((daemon, ['rmi', '-f', name + ':v1'], 'image'))

    # source=build (the image_build service), idempotent while the image exists
    build = dict(conn, name=name, tag='v1', source='build',
                 build={'path': str(context), 'args': {'WHO': uid}, 'container_limits': {'memory': '256M'}})
    planned = run_module('image', build, check=True)
    assert planned['changed'] is True and _image_id(daemon, name + ':v1') is None, planned
    built = run_module('image', build)
    assert built['changed'] is True, built
    built_id = _image_id(daemon, name + ':v1')
    assert built_id and built['image']['Id'] == built_id
    assert docker_cli(daemon, 'image', 'inspect', '-f', '{{index .Config.Labels "it.e1"}}', built_id).stdout.strip() == uid
    assert run_module('image', build, fast_path=True)['changed'] is False

    # archive_path: written, then skipped while it holds the same image; docker load reads it
    local = dict(conn, name=name + ':v1', source='local', archive_path=archive)
    archived = run_module('image', local, fast_path=True)
    assert archived['changed'] is True, archived
    assert run_module('image', local, fast_path=True)['changed'] is False
    docker_cli(daemon, 'rmi', name + ':v1')
    docker_cli(daemon, 'load', '-i', archive)
    assert _image_id(daemon, name + ':v1') == built_id

    # source=load from our archive after the image is gone; a present image is not loaded again
    docker_cli(daemon, 'rmi', name + ':v1')
    load = dict(conn, name=name, tag='v1', source='load', load_path=archive)
    loaded = run_module('image', load, fast_path=True)
    assert loaded['changed'] is True and _image_id(daemon, name + ':v1') == built_id, loaded
    assert run_module('image', load, fast_path=True)['changed'] is False

    # repository + force_tag: the other tag is moved onto the image
    other = 'it-e1-%s/other:v2' % uid
    cleanup.append((daemon, ['rmi', other], 'image'))
    docker_cli(daemon, 'tag', info['test_image'], other)
    tagged = run_module('image', dict(conn, name=name + ':v1', source='local', repository=other, force_tag=True),
                        fast_path=True)
    assert tagged['changed'] is True and _image_id(daemon, other) == built_id, tagged

    # push to the plain registry; its API is the witness
    registry = info['registry']['plain']
    remote = '%s/it-e1-%s/app' % (registry, uid)
    cleanup.append((daemon, ['rmi', remote + ':v1'], 'image'))
    pushed = run_module('image', dict(conn, name=name + ':v1', source='local', repository=remote, push=True),
                        fast_path=True)
    assert pushed['changed'] is True and pushed['push']['digest'], pushed
    with urllib.request.urlopen('http://%s/v2/it-e1-%s/app/tags/list' % (registry, uid), timeout=10) as answer:
        assert json.load(answer)['tags'] == ['v1']

    # source=pull with docker_image's pull dictionary (platform)
    docker_cli(daemon, 'rmi', remote + ':v1')
    platform = docker_cli(daemon, 'version', '-f', '{{.Server.Os}}/{{.Server.Arch}}').stdout.strip()
    pulled = run_module('image', dict(conn, name=remote, tag='v1', source='pull', pull={'platform': platform}),
                        fast_path=True)
    assert pulled['changed'] is True and _image_id(daemon, remote + ':v1') == built_id, pulled


def test_options_are_checked_before_anything_changes() -> None:
    daemon = harness()['daemons']['d28']
    conn = daemon_connection(daemon)
    missing = run_module('image', dict(conn, name='it-e1-none/app:v1', source='build'), fast_path=True)
    assert missing['failed'] and 'source=build needs build' in missing['msg'], missing
    bad = run_module('image', dict(conn, name='it-e1-none/app:v1', pull={'platfrom': 'linux/amd64'}), fast_path=True)
    assert bad['failed'] and 'platform' in bad['msg'], bad
    local = run_module('image', dict(conn, name='it-e1-none-%s/app:v1' % uuid.uuid4().hex[:8], source='local'),
                       fast_path=True)
    assert local['failed'] and 'not on the daemon' in local['msg'], local


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_container_registry_auth_pulls_private_image(daemon_name: str, cleanup, tmp_path) -> None:
    info = harness()
    daemon = info['daemons'][daemon_name]
    conn = daemon_connection(daemon)
    registry = info['registry']
    auth = {'username': registry['username'], 'password': registry['password']}
    uid = uuid.uuid4().hex[:8]
    private = '%s/it-e1-%s/busybox:v1' % (registry['auth'], uid)
    container = 'it-e1-%s' % uid
    env = {'DOCKER_CONFIG': str(tmp_path)}  # no docker CLI credentials: only the task's registry_auth
    cleanup.append((daemon, ['rmi', private], 'image'))
    cleanup.append((daemon, ['rm', '-f', container], 'container'))

    pushed = run_module('image', dict(conn, name=info['test_image'], repository=private, push=True,
                                      registry_auth=auth), env=env, fast_path=True)
    assert pushed['changed'] is True, pushed
    docker_cli(daemon, 'rmi', private)

    args = dict(conn, name=container, image=private, state='present', command=['sleep', '30'])
    anonymous = run_module('container', args, env=env, fast_path=True)
    assert anonymous['failed'] is True, anonymous
    result = run_module('container', dict(args, registry_auth=auth), env=env, diff=True)
    assert result['failed'] is False and result['changed'] is True, result
    assert registry['password'] not in json.dumps(result) + json.dumps(anonymous)
    image = docker_cli(daemon, 'container', 'inspect', '-f', '{{.Image}}', container).stdout.strip()
    assert image and image == _image_id(daemon, private)
