"""image_pull, image_push, image_tag and image_remove against 20.10 and 28.5 with the harness's plain registry.

Witnesses: the registry's own API (``/v2/<name>/tags/list``) and the docker CLI (``image inspect``). The round trip
is one playbook per daemon (one Ansible start-up instead of one per step) on the fast path; the credentials test
also runs the module the classic way.
"""

from __future__ import annotations

import base64
import json
import subprocess
import uuid

import pytest

from conftest import BIN, ansible_env, cli_environment, daemon_connection, docker_cli, harness, run_module


def _image_id(daemon: dict, name: str) -> str | None:
    proc = docker_cli(daemon, 'image', 'inspect', '-f', '{{.Id}}', name, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def _must(*that: str) -> dict:
    return {'ansible.builtin.assert': {'that': list(that), 'quiet': True}}


def _witness(name: str, register: str) -> dict:
    """The docker CLI's inspect of ``name`` (rc 0 and the inspect list, or rc 1 when absent)."""
    return {'ansible.builtin.command': 'docker image inspect %s' % name, 'register': register, 'failed_when': False,
            'changed_when': False}


def _round_trip(repo: str, tags_url: str) -> list[dict]:
    c = 'dockerapi.engine.'
    tag = {'name': '{{ test_image }}', 'repository': [repo + ':v1', repo]}
    push = {'name': repo, 'tag': 'v1'}
    remove = {'name': repo + ':v1'}
    pull = {'name': repo, 'tag': 'v1', 'pull': 'not_present'}
    tags = {'url': tags_url, 'status_code': [200, 404], 'return_content': True}
    v1_id = '(%s.stdout | from_json)[0].Id'
    return [
        # image_tag: check mode, tag, idempotent
        {c + 'image_tag': tag, 'check_mode': True, 'register': 'tag0'},
        _witness(repo + ':v1', 'w0'),
        _must('tag0 is changed', "tag0.tagged_images == ['%s:v1', '%s:latest']" % (repo, repo), 'w0.rc != 0'),
        {c + 'image_tag': tag, 'register': 'tag1'},
        _witness(repo + ':v1', 'w1'),
        _must('tag1 is changed', 'tag1.image.Id == source_id', 'w1.rc == 0', v1_id % 'w1' + ' == source_id'),
        {c + 'image_tag': tag, 'register': 'tag2'},
        _must('tag2 is not changed', 'tag2.tagged_images == []'),
        # image_push: check mode, push (the registry's API as witness), idempotent
        {c + 'image_push': push, 'check_mode': True, 'register': 'push0'},
        {'ansible.builtin.uri': tags, 'register': 'r0'},
        _must('push0 is changed', 'r0.status == 404'),
        {c + 'image_push': push, 'register': 'push1'},
        {'ansible.builtin.uri': tags, 'register': 'r1'},
        _must('push1 is changed', 'push1.image.Id == source_id', "'v1' in r1.json.tags"),
        {c + 'image_push': push, 'register': 'push2'},
        _must('push2 is not changed'),
        # image_remove: only the name goes (the image has others), idempotent
        {c + 'image_remove': remove, 'check_mode': True, 'register': 'rm0'},
        _witness(repo + ':v1', 'w2'),
        _must('rm0 is changed', "rm0.untagged == ['%s:v1']" % repo, 'w2.rc == 0'),
        {c + 'image_remove': remove, 'register': 'rm1'},
        _witness(repo + ':v1', 'w3'),
        _witness('{{ test_image }}', 'w4'),
        _must('rm1 is changed', "'%s:v1' in rm1.untagged" % repo, 'rm1.deleted == []', 'rm1.image.Id == source_id',
              'w3.rc != 0', v1_id % 'w4' + ' == source_id'),
        {c + 'image_remove': remove, 'register': 'rm2'},
        _must('rm2 is not changed', 'rm2.image == {}'),
        # image_pull: not_present pulls the missing image; then nothing changes (always asks the registry)
        {c + 'image_pull': pull, 'check_mode': True, 'register': 'pull0'},
        _witness(repo + ':v1', 'w5'),
        _must('pull0 is changed', 'w5.rc != 0'),
        {c + 'image_pull': pull, 'register': 'pull1'},
        _witness(repo + ':v1', 'w6'),
        _must('pull1 is changed', 'pull1.image.Id == source_id', v1_id % 'w6' + ' == source_id'),
        {c + 'image_pull': pull, 'register': 'pull2'},
        {c + 'image_pull': dict(pull, pull='always'), 'register': 'pull3'},
        {c + 'image_pull': dict(pull, pull='always'), 'check_mode': True, 'register': 'pull4'},
        _must('pull2 is not changed', 'pull3 is not changed', 'pull4 is not changed', 'pull3.image.Id == source_id'),
    ]


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_tag_push_remove_pull_round_trip(daemon_name: str, tmp_path) -> None:
    info = harness()
    registry = (info.get('registry') or {}).get('plain')
    if not registry:
        pytest.skip('the harness has no plain registry')
    daemon = info['daemons'][daemon_name]
    path = 'dkapi-e2-%s/busybox' % uuid.uuid4().hex[:10]
    repo = '%s/%s' % (registry, path)
    play = [{
        'name': 'image_tag/push/remove/pull on %s' % daemon['version'], 'hosts': 'localhost', 'connection': 'local',
        'gather_facts': False,
        'module_defaults': {'group/dockerapi.engine.engine': daemon_connection(daemon)},
        'environment': cli_environment(daemon),
        'vars': {'dockerapi_engine_fast_path': True, 'test_image': info['test_image'],
                 'source_id': _image_id(daemon, info['test_image'])},
        'tasks': [{'block': _round_trip(repo, 'http://%s/v2/%s/tags/list' % (registry, path)), 'always': [
            {'ansible.builtin.command': 'docker image rm %s:v1 %s:latest' % (repo, repo), 'failed_when': False,
             'changed_when': False},
        ]}],
    }]
    (tmp_path / 'play.yml').write_text(json.dumps(play))
    proc = subprocess.run([str(BIN / 'ansible-playbook'), str(tmp_path / 'play.yml')], env=ansible_env(), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-8000:]
    assert _image_id(daemon, repo + ':v1') is None


def test_pull_uses_the_docker_config_credentials(tmp_path) -> None:
    """No credential option in the task: image_pull reads the registry's entry of DOCKER_CONFIG (``auths``)."""
    info = harness()
    registry = info.get('registry') or {}
    if not registry.get('auth') or not registry.get('images', {}).get('auth'):
        pytest.skip('the harness has no auth registry')
    daemon = info['daemons']['d28']
    name = '%s/%s' % (registry['auth'], registry['images']['auth'][0])
    encoded = base64.b64encode(('%s:%s' % (registry['username'], registry['password'])).encode()).decode()
    logged_in = tmp_path / 'in'
    logged_in.mkdir()
    (logged_in / 'config.json').write_text(json.dumps({'auths': {registry['auth']: {'auth': encoded}}}))
    anonymous = tmp_path / 'out'
    anonymous.mkdir()
    (anonymous / 'config.json').write_text('{}')
    args = dict(daemon_connection(daemon), name=name, pull='not_present')
    docker_cli(daemon, 'rmi', name, check=False)
    try:
        refused = run_module('image_pull', args, env={'DOCKER_CONFIG': str(anonymous)}, fast_path=True)
        assert refused['failed'] and 'Pulling %s failed' % name in refused['msg'], refused
        pulled = run_module('image_pull', args, env={'DOCKER_CONFIG': str(logged_in)})
        assert pulled['changed'] is True and pulled['image']['Id'], pulled
        assert _image_id(daemon, name) == pulled['image']['Id']
        for output in (json.dumps(refused), json.dumps(pulled)):
            assert registry['password'] not in output and encoded not in output
    finally:
        docker_cli(daemon, 'rmi', name, check=False)
