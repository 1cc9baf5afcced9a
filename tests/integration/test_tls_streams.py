"""Streams over mutual TLS: build upload, push and pull, events (window and wait), exec output.

Everything here talks to the harness ``tls`` daemon through ``tcp://127.0.0.1:<port>`` with the
client bundle (``--tlsverify``), in the shipped module and in the in-process fast path. The
docker CLI on the same daemon's unix socket is the independent witness; the registries are the
harness's ``plain`` and ``auth`` ones. Objects are named ``dkapi-e-<uuid>`` and removed again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ansible_env, daemon_connection, docker_cli, harness, run_module

FAST_PATHS = [pytest.param(False, id='module'), pytest.param(True, id='fastpath')]


def tls() -> dict:
    return harness()['daemons']['tls']


def unique(what: str) -> str:
    return 'dkapi-e-%s-%s' % (what, uuid.uuid4().hex[:8])


def run_tls(module: str, args: dict, fast_path: bool) -> dict:
    """One module run against the TLS daemon over TCP with the client bundle."""
    d = tls()
    assert d['docker_host'].startswith('tcp://'), d['docker_host']
    return run_module(module, dict(daemon_connection(d), **args), fast_path=fast_path)


def assert_ok(result: dict) -> None:
    assert not result.get('failed'), result
    assert 'Traceback' not in json.dumps(result)


def write_context(directory: Path, size: int) -> str:
    """A build context with ``size`` bytes of incompressible data; returns its sha256."""
    directory.mkdir()
    blob = os.urandom(size)
    (directory / 'blob').write_bytes(blob)
    (directory / 'Dockerfile').write_text('FROM %s\nCOPY blob /blob\nRUN sha256sum /blob > /blob.sha256\n'
                                          % harness()['test_image'])
    return hashlib.sha256(blob).hexdigest()


# ---- build upload ------------------------------------------------------------------------


@pytest.mark.parametrize('fast_path', FAST_PATHS)
def test_build_uploads_a_context_of_several_mib(tmp_path, fast_path):
    d = tls()
    size = 6 * 1024 * 1024 + 12345
    digest = write_context(tmp_path / 'ctx', size)
    name = unique('build')
    try:
        result = run_tls('image_build', {'name': name, 'tag': 'v1', 'path': str(tmp_path / 'ctx'),
                                         'labels': {'dockerapi.test': name}}, fast_path)
        assert_ok(result)
        assert result['changed'] is True
        assert result['context']['bytes_sent'] > size, result['context']
        # Witness: the image is on the daemon, and the file inside it is the one we uploaded, byte for byte.
        inside = docker_cli(d, 'run', '--rm', '--pull=never', '%s:v1' % name, 'cat', '/blob.sha256').stdout.split()[0]
        assert inside == digest
        assert docker_cli(d, 'image', 'inspect', '--format', '{{index .Config.Labels "dockerapi.test"}}',
                          '%s:v1' % name).stdout.strip() == name
    finally:
        docker_cli(d, 'image', 'rm', '-f', '%s:v1' % name, check=False)


# ---- push and pull -----------------------------------------------------------------------


def registry_tags(address: str, repository: str, auth: tuple[str, str] | None = None) -> list[str]:
    """Ask the registry itself (loopback) which tags it holds for a repository."""
    request = urllib.request.Request('http://%s/v2/%s/tags/list' % (address, repository))
    if auth:
        request.add_header('Authorization', 'Basic ' + base64.b64encode(('%s:%s' % auth).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 (loopback registry of the harness)
            return json.load(resp).get('tags') or []
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise


@pytest.mark.parametrize('kind', ['plain', 'auth'])
@pytest.mark.parametrize('fast_path', FAST_PATHS)
def test_push_then_pull_back(kind, fast_path):
    info = harness()
    d = tls()
    registry = info['registry']
    address = registry[kind]
    repository = '%s/busybox' % unique('push')
    ref = '%s/%s:latest' % (address, repository)
    auth = {'username': registry['username'], 'password': registry['password']} if kind == 'auth' else None
    creds = (registry['username'], registry['password']) if kind == 'auth' else None
    image_id = docker_cli(d, 'image', 'inspect', '--format', '{{.Id}}', info['test_image']).stdout.strip()
    try:
        args = {'name': info['test_image'], 'repository': ref, 'push': True}
        if auth:
            args['registry_auth'] = auth
        pushed = run_tls('image', args, fast_path)
        assert_ok(pushed)
        assert pushed['changed'] is True
        assert registry_tags(address, repository, creds) == ['latest']

        docker_cli(d, 'image', 'rm', ref)
        assert docker_cli(d, 'image', 'inspect', ref, check=False).returncode != 0

        args = {'name': ref}
        if auth:
            args['registry_auth'] = auth
        pulled = run_tls('image', args, fast_path)
        assert_ok(pulled)
        assert pulled['changed'] is True
        # Witness: the pulled tag is the very image we pushed.
        assert docker_cli(d, 'image', 'inspect', '--format', '{{.Id}}', ref).stdout.strip() == image_id
    finally:
        docker_cli(d, 'image', 'rm', ref, check=False)


def test_pull_of_a_missing_tag_fails_with_the_registrys_message():
    registry = harness()['registry']
    ref = '%s/%s/busybox:latest' % (registry['plain'], unique('missing'))
    result = run_tls('image', {'name': ref}, False)
    assert result.get('failed') is True, result
    assert 'Traceback' not in result['msg']
    assert ref.rsplit(':', 1)[0] in result['msg'] or 'not found' in result['msg'].lower(), result['msg']
    assert docker_cli(tls(), 'image', 'inspect', ref, check=False).returncode != 0


# ---- events ------------------------------------------------------------------------------


@pytest.mark.parametrize('fast_path', FAST_PATHS)
def test_events_window(fast_path):
    d = tls()
    name = unique('ev')
    t0 = time.time()
    docker_cli(d, 'run', '--name', name, '--label', 'dockerapi.test=%s' % name, '--pull=never',
               harness()['test_image'], 'true')
    docker_cli(d, 'rm', name)
    t1 = time.time() + 0.5
    result = run_tls('events', {'since': '%.6f' % t0, 'until': '%.6f' % t1,
                                'filters': {'label': ['dockerapi.test=%s' % name], 'type': ['container']}}, fast_path)
    assert_ok(result)
    actions = [e['Action'] for e in result['events'] if e['Action'] in ('create', 'start', 'die', 'destroy')]
    assert actions == ['create', 'start', 'die', 'destroy'], result['events']
    assert {e['Actor']['Attributes']['name'] for e in result['events']} == {name}


@pytest.mark.parametrize('fast_path', FAST_PATHS)
def test_events_wait_receives_a_live_event(tmp_path, fast_path):
    """Wait mode over TLS returns an event that happened while it waited (not a replay)."""
    d = tls()
    name = unique('wait')
    args = dict(daemon_connection(d), wait=True, wait_timeout=90, max_events=1,
                filters={'label': ['dockerapi.test=%s' % name], 'type': ['container'], 'event': ['create']})
    tree = tmp_path / 'tree'
    cmd = [str(BIN / 'ansible'), 'localhost', '-m', 'dockerapi.engine.events', '-a', json.dumps(args),
           '-e', 'dockerapi_engine_fast_path=%s' % fast_path]
    env = ansible_env({'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1', 'ANSIBLE_CALLBACKS_ENABLED': 'ansible.builtin.tree',
                       'ANSIBLE_CALLBACK_TREE_DIR': str(tree)})
    started = time.time()
    created: list[str] = []
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            # Keep causing matching events until the waiting task returns: whichever one it saw, it
            # was created after the task started, so the event came over the live TLS stream.
            deadline = time.time() + 80
            while proc.poll() is None and time.time() < deadline:
                cname = '%s-%d' % (name, len(created))
                docker_cli(d, 'create', '--name', cname, '--label', 'dockerapi.test=%s' % name, '--pull=never',
                           harness()['test_image'], 'true')
                created.append(cname)
                time.sleep(1)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
            for cname in created:
                docker_cli(d, 'rm', '-f', cname, check=False)
    assert proc.returncode == 0, out + err
    result = json.loads((tree / 'localhost').read_text())
    assert len(result['events']) == 1, result
    event = result['events'][0]
    assert event['Action'] == 'create'
    assert event['Actor']['Attributes']['name'] in created
    assert event['timeNano'] / 1e9 >= started - 1


# ---- exec --------------------------------------------------------------------------------


@pytest.fixture(scope='module')
def box():
    d = tls()
    name = unique('box')
    docker_cli(d, 'run', '-d', '--name', name, '--label', 'dockerapi.test=%s' % name, '--pull=never',
               harness()['test_image'], 'sleep', '600')
    try:
        yield name
    finally:
        docker_cli(d, 'rm', '-f', name, check=False)


LINES = 40000  # about 2.2 MB on stdout, interleaved with stderr: many frames across many TLS records


@pytest.mark.parametrize('fast_path', FAST_PATHS)
def test_exec_output_over_tls(box, fast_path):
    script = ('i=0; while [ $i -lt %d ]; do echo "line $i of the output, padded to be longer"; '
              'if [ $((i %% 5000)) -eq 0 ]; then echo "err $i" >&2; fi; i=$((i+1)); done; exit 7' % LINES)
    result = run_tls('container_exec', {'container': box, 'argv': ['sh', '-c', script]}, fast_path)
    # A non-zero exit fails the task, with the whole output kept in the result.
    assert result.get('failed') is True, result
    assert 'Traceback' not in result.get('exception', '')
    assert result['rc'] == 7
    assert 'exited with code 7' in result['msg']
    expected = '\n'.join('line %d of the output, padded to be longer' % i for i in range(LINES))
    assert len(result['stdout']) == len(expected)
    assert result['stdout'] == expected
    assert result['stderr'] == '\n'.join('err %d' % i for i in range(0, LINES, 5000))


@pytest.mark.parametrize('fast_path', FAST_PATHS)
def test_exec_stdin_over_tls_works_or_is_refused_clearly(box, fast_path):
    """stdin needs a half-close; over TLS it either arrives intact or is refused before anything runs."""
    d = tls()
    marker = '/%s' % unique('stdin')  # the test image (FROM scratch) has no /tmp
    result = run_tls('container_exec', {'container': box, 'argv': ['sh', '-c', 'touch %s; tr a-z A-Z' % marker],
                                        'stdin': 'some input'}, fast_path)
    ran = docker_cli(d, 'exec', box, 'test', '-e', marker, check=False).returncode == 0
    if result.get('failed'):
        assert 'Traceback' not in result['msg'] and 'Traceback' not in result.get('exception', '')
        assert 'stdin' in result['msg'] and 'TLS' in result['msg'], result['msg']
        assert not ran, 'the command ran although the task was refused'
    else:
        assert result['stdout'] == 'SOME INPUT', result
        assert ran
