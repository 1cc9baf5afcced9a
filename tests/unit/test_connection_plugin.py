"""Pure logic of the engine_api connection plugin and its helpers (_container_io), with fake clients."""

from __future__ import annotations

import base64
import io
import json
import os
import tarfile

import pytest
import yaml

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound

from ansible_collections.dockerapi.engine.plugins.connection import engine_api
from ansible_collections.dockerapi.engine.plugins.module_utils import _container_io as cio
from ansible_collections.dockerapi.engine.plugins.module_utils._connection import ConnectionSettings
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import (
    APIError,
    ConfigurationError,
    Conflict,
    ConnectionProblem,
    EngineError,
    NotFound,
)
from ansible_collections.dockerapi.engine.plugins.module_utils._exec import OutputCollector

SETTINGS = ConnectionSettings(scheme='unix', address='/run/x.sock', port=0, tls=False, validate_certs=True, ca_path=None,
                              client_cert=None, client_key=None, tls_hostname=None, api_version=None, timeout=60.0,
                              docker_host='unix:///run/x.sock')


def frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, 'big') + data


# ---- documentation ------------------------------------------------------------------------------

def doc() -> dict:
    return yaml.safe_load(engine_api.DOCUMENTATION)


def test_doc_has_every_settings_option_and_community_docker_var_names():
    options = doc()['options']
    for name in engine_api.SETTINGS_OPTIONS:
        assert name in options, name
    var_names = {name: [v['name'] for v in opt.get('vars', [])] for name, opt in options.items()}
    # community.docker docker_api's variable names (its docs), so an inventory moves over unchanged
    expected = {
        'remote_addr': ['inventory_hostname', 'ansible_host', 'ansible_docker_host'],
        'remote_user': ['ansible_user', 'ansible_docker_user'],
        'docker_host': ['ansible_docker_docker_host'],
        'tls': ['ansible_docker_tls'],
        'validate_certs': ['ansible_docker_validate_certs'],
        'ca_path': ['ansible_docker_ca_cert', 'ansible_docker_ca_path'],
        'client_cert': ['ansible_docker_client_cert'],
        'client_key': ['ansible_docker_client_key'],
        'tls_hostname': ['ansible_docker_tls_hostname'],
        'api_version': ['ansible_docker_api_version'],
        'timeout': ['ansible_docker_timeout'],
        'extra_env': ['ansible_docker_extra_env'],
        'working_dir': ['ansible_docker_working_dir'],
        'privileged': ['ansible_docker_privileged'],
    }
    for name, names in expected.items():
        assert var_names[name] == names, name
    assert doc()['version_added'] == '1.0.0'
    yaml.safe_load(engine_api.EXAMPLES)


# ---- small helpers -------------------------------------------------------------------------------

@pytest.mark.parametrize('given, want', [('/tmp/x', '/tmp/x'), ('tmp/x', '/tmp/x'), ('//a//b/../c', '/a/c'), ('/', '/'),
                                         ('', '/')])
def test_login_path(given, want):
    assert engine_api.login_path(given) == want


def test_extra_env_checked():
    assert engine_api.env_list_checked(None) == {}
    assert engine_api.env_list_checked({'A': 'b'}) == {'A': 'b'}
    with pytest.raises(AnsibleError, match='non-string value True'):
        engine_api.env_list_checked({'A': True})
    with pytest.raises(AnsibleError, match='non-string key 1'):
        engine_api.env_list_checked({1: 'x'})
    with pytest.raises(AnsibleError, match='invalid variable name'):
        engine_api.env_list_checked({'A=B': 'x'})
    with pytest.raises(AnsibleError, match='must be a dict'):
        engine_api.env_list_checked(['A=B'])


class FakeClient:
    """Answers requests from a script; records what was sent."""

    def __init__(self, answers=None):
        self.settings = SETTINGS
        self.answers = list(answers or [])
        self.sent = []
        self.calls = []

    def _next(self, method, path, **kwargs):
        self.sent.append((method, path, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def post_json(self, path, params=None, body=None):
        return self._next('POST', path, body=body)

    def get_json(self, path, params=None):
        return self._next('GET', path)

    def request(self, method, path, params=None, **kwargs):
        if kwargs.get('data') is not None and not isinstance(kwargs['data'], bytes):
            kwargs['data'] = b''.join(kwargs['data'])
        kwargs['params'] = params
        return self._next(method, path, **kwargs)

    def close(self):
        self.sent.append(('close', None, {}))

    def _describe_failure(self, exc, method, path, timeout):
        return ConnectionProblem('broken: %s' % exc)


class FakeResponse:
    """The parts of _client.Response the exec readers use."""

    def __init__(self, data: bytes):
        self.raw = io.BufferedReader(io.BytesIO(data))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def set_read_timeout(self, seconds):
        pass

    def close(self):
        pass


def test_container_errors_are_clear():
    client = FakeClient()
    missing = cio._container_error(client, 'web', NotFound(404, 'No such container: web', 'POST', '/x'))
    assert isinstance(missing, cio.ContainerUnavailable)
    assert 'Container web does not exist on the Docker daemon at unix:///run/x.sock' in str(missing)
    stopped = cio._container_error(client, 'web', Conflict(409, 'container abc is not running', 'POST', '/x'))
    assert isinstance(stopped, cio.ContainerUnavailable) and 'is not running' in str(stopped)
    paused = cio._container_error(client, 'web', Conflict(409, 'Container web is paused, unpause the container', 'POST', '/x'))
    assert 'web on the Docker daemon at unix:///run/x.sock is paused' in str(paused)
    other = cio._container_error(client, 'web', APIError(500, 'boom', 'POST', '/x'))
    assert type(other) is EngineError and 'HTTP 500' in str(other)  # pylint: disable=unidiomatic-typecheck


def test_run_without_stdin_demuxes_and_takes_exit_code():
    client = FakeClient([{'Id': 'e1'}, FakeResponse(frame(1, b'out') + frame(2, b'err') + frame(1, b'2')), {'ExitCode': 3}])
    rc, out, err = cio.run(client, 'web', ['/bin/sh', '-c', 'x'], user='app', env={'A': 'b'}, workdir='/w', privileged=True)
    assert (rc, out, err) == (3, b'out2', b'err')
    body = client.sent[0][2]['body']
    assert body == {'Cmd': ['/bin/sh', '-c', 'x'], 'AttachStdin': False, 'AttachStdout': True, 'AttachStderr': True,
                    'Tty': False, 'User': 'app', 'Privileged': True, 'Env': ['A=b'], 'WorkingDir': '/w'}
    assert client.sent[0][1] == '/containers/web/exec' and client.sent[2][1] == '/exec/e1/json'


def test_run_missing_container_and_missing_exit_code():
    client = FakeClient([NotFound(404, 'No such container: web', 'POST', '/containers/web/exec')])
    with pytest.raises(cio.ContainerUnavailable, match='does not exist'):
        cio.run(client, 'web', ['true'])
    client = FakeClient([{'Id': 'e1'}, FakeResponse(b''), {'ExitCode': None, 'Running': True}])
    with pytest.raises(EngineError, match='reports no exit code'):
        cio.run(client, 'web', ['true'])


def test_wait_for_prompt():
    out = OutputCollector(False, 1 << 30)
    chunks = [frame(2, b'Pass'), frame(2, b'word: ')]

    def check(data):
        if b'BECOME-OK' in data:
            return cio.BECOME_SUCCESS
        return cio.BECOME_PROMPT if data.endswith(b'Password: ') else cio.BECOME_WAIT

    assert cio._wait_for_prompt(lambda: chunks.pop(0), out, check) == cio.BECOME_PROMPT
    cio._strip_prompt(out)
    assert bytes(out.kept[2]) == b''
    out = OutputCollector(False, 1 << 30)
    chunks = [frame(1, b'BECOME-OK\n')]
    assert cio._wait_for_prompt(lambda: chunks.pop(0), out, check) == cio.BECOME_SUCCESS
    chunks = [b'']
    with pytest.raises(EngineError, match='while waiting for the privilege escalation password prompt'):
        cio._wait_for_prompt(lambda: chunks.pop(0), OutputCollector(False, 100), check)


def test_user_ids():
    assert cio.user_ids(FakeClient([{'Config': {'User': ''}}]), 'web', None) == (0, 0)
    assert cio.user_ids(FakeClient([{'Config': {'User': '33:44'}}]), 'web', None) == (33, 44)
    assert cio.user_ids(FakeClient(), 'web', '5:6') == (5, 6)
    client = FakeClient([{'Id': 'e'}, FakeResponse(frame(1, b'1000\n1001\n')), {'ExitCode': 0}])
    assert cio.user_ids(client, 'web', 'app') == (1000, 1001)
    assert client.sent[0][2]['body']['User'] == 'app'
    client = FakeClient([{'Id': 'e'}, FakeResponse(frame(2, b'id: no such user')), {'ExitCode': 1}])
    with pytest.raises(EngineError, match="user 'ghost'.*no such user"):
        cio.user_ids(client, 'web', 'ghost')
    with pytest.raises(cio.ContainerUnavailable):
        cio.user_ids(FakeClient([NotFound(404, 'No such container: web', 'GET', '/x')]), 'web', None)


def test_put_file_streams_a_tar_with_owner_and_mode(tmp_path):
    local = tmp_path / 'f.txt'
    local.write_bytes(b'hello' * 1000)
    os.chmod(local, 0o754)
    client = FakeClient([None])
    cio.put_file(client, 'web', str(local), '/srv/dir/f.txt', 1000, 1001)
    method, path, kwargs = client.sent[0]
    assert (method, path, kwargs['params']) == ('PUT', '/containers/web/archive', {'path': '/srv/dir'})
    assert int(kwargs['headers']['Content-Length']) == len(kwargs['data'])
    with tarfile.open(fileobj=io.BytesIO(kwargs['data'])) as archive:
        member = archive.next()
        assert (member.name, member.uid, member.gid, member.mode, member.size) == ('f.txt', 1000, 1001, 0o754, 5000)
        assert archive.extractfile(member).read() == b'hello' * 1000


def test_put_file_errors(tmp_path):
    local = tmp_path / 'f.txt'
    local.write_bytes(b'x')
    with pytest.raises(cio.RemoteFileMissing, match='directory /nope does not exist'):
        cio.put_file(FakeClient([NotFound(404, 'Could not find the file /nope in container web', 'PUT', '/x')]),
                     'web', str(local), '/nope/f', 0, 0)
    with pytest.raises(cio.ContainerUnavailable, match='does not exist on the Docker daemon'):
        cio.put_file(FakeClient([NotFound(404, 'No such container: web', 'PUT', '/x')]), 'web', str(local), '/f', 0, 0)
    with pytest.raises(cio.RemoteFileMissing, match='does not exist'):
        cio.put_file(FakeClient(), 'web', str(tmp_path / 'missing'), '/f', 0, 0)
    with pytest.raises(EngineError, match='read-only'):
        cio.put_file(FakeClient([APIError(403, 'container rootfs is marked read-only', 'PUT', '/x')]),
                     'web', str(local), '/f', 0, 0)


class Head:
    def __init__(self, headers):
        self.headers = headers


def test_put_file_send_broken_by_an_early_refusal(tmp_path):
    """A large body to a missing directory: the daemon answers 404 and closes before reading it all."""
    local = tmp_path / 'f.txt'
    local.write_bytes(b'x' * 100)
    broken = ConnectionProblem('closed by the other side (Broken pipe)')
    client = FakeClient([broken, NotFound(404, 'Could not find the file /nope', 'HEAD', '/'), {'Id': 'c'}])
    with pytest.raises(cio.RemoteFileMissing, match='the directory /nope does not exist there'):
        cio.put_file(client, 'web', str(local), '/nope/f', 0, 0)
    assert [s[0] for s in client.sent] == ['PUT', 'HEAD', 'GET']
    client = FakeClient([broken, NotFound(404, 'No such container: web', 'HEAD', '/'),
                         NotFound(404, 'No such container: web', 'GET', '/')])
    with pytest.raises(cio.ContainerUnavailable, match='does not exist on the Docker daemon'):
        cio.put_file(client, 'web', str(local), '/nope/f', 0, 0)
    stat = base64.b64encode(json.dumps({'name': 'd', 'mode': 2147484141}).encode()).decode()
    client = FakeClient([broken, Head({'X-Docker-Container-Path-Stat': stat})])
    with pytest.raises(ConnectionProblem, match='Broken pipe'):
        cio.put_file(client, 'web', str(local), '/d/f', 0, 0)


class Negotiating(FakeClient):
    def __init__(self, answers=None, pinned=None):
        super().__init__(answers)
        self.settings = SETTINGS._replace(api_version=pinned)
        self.api_version = '1.51'
        self.negotiated = False

    def negotiate(self):
        self.negotiated = True
        self.api_version = self.settings.api_version or '1.44'


@pytest.mark.parametrize('header, want, full', [('1.41', '1.41', False), ('1.99', '1.51', False), ('1.40', '1.44', True),
                                                ('', '1.44', True), ('garbage', '1.44', True)])
def test_negotiate_quick_uses_ping(header, want, full):
    client = Negotiating([Head({'Api-Version': header} if header else {})])
    cio.negotiate_quick(client)
    assert (client.api_version, client.negotiated) == (want, full)
    assert client.sent[0][:2] == ('GET', '/_ping') and client.sent[0][2]['versioned'] is False


def test_negotiate_quick_pinned_checks_with_the_daemon():
    client = Negotiating(pinned='1.43')
    cio.negotiate_quick(client)
    assert (client.api_version, client.negotiated, client.sent) == ('1.43', True, [])


def tar_of(*members) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def member(name, kind=tarfile.REGTYPE, data=b'', link=''):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.linkname = link
    return info, (data if kind == tarfile.REGTYPE else None)


def test_fetch_file_writes_chunks_and_follows_links(tmp_path):
    data = os.urandom(300000)
    client = FakeClient([FakeResponse(tar_of(member('link', tarfile.SYMTYPE, link='../real/f'))),
                         FakeResponse(tar_of(member('f', data=data)))])
    out = tmp_path / 'out'
    assert cio.fetch_file(client, 'web', '/a/link', str(out)) == len(data)
    assert out.read_bytes() == data
    assert [s[2]['params'] for s in client.sent] == [{'path': '/a/link'}, {'path': '/real/f'}]


def test_fetch_file_errors(tmp_path):
    out = str(tmp_path / 'o')
    with pytest.raises(EngineError, match='is a directory'):
        cio.fetch_file(FakeClient([FakeResponse(tar_of(member('d', tarfile.DIRTYPE)))]), 'web', '/d', out)
    with pytest.raises(cio.RemoteFileMissing, match='/x does not exist in container web'):
        cio.fetch_file(FakeClient([NotFound(404, 'Could not find the file /x in container web', 'GET', '/')]), 'web', '/x', out)
    with pytest.raises(cio.ContainerUnavailable):
        cio.fetch_file(FakeClient([NotFound(404, 'No such container: web', 'GET', '/')]), 'web', '/x', out)
    loop = [FakeResponse(tar_of(member('l', tarfile.SYMTYPE, link='/l'))) for _hop in range(cio.MAX_LINK_HOPS)]
    with pytest.raises(EngineError, match='too many levels of symbolic links'):
        cio.fetch_file(FakeClient(loop), 'web', '/l', out)


def test_local_path_problem(tmp_path):
    assert cio.local_path_problem(str(tmp_path / 'x')) is None
    assert 'does not exist' in cio.local_path_problem(str(tmp_path / 'no' / 'x'))


# ---- the plugin class, its options faked --------------------------------------------------------

class Opts:
    def __init__(self, **values):
        self.values = {'remote_addr': 'web', 'remote_user': None, 'extra_env': None, 'working_dir': None,
                       'privileged': False, 'container_timeout': 10}
        self.values.update(values)

    def __call__(self, name):
        return self.values[name]


def make_connection(monkeypatch, **options):
    conn = engine_api.Connection.__new__(engine_api.Connection)
    conn._client = FakeClient()
    conn._ids = {}
    conn._connected = True
    conn.become = None
    monkeypatch.setattr(conn, 'get_option', Opts(**options), raising=False)
    return conn


def test_fail_maps_errors_to_ansible(monkeypatch):
    conn = make_connection(monkeypatch)
    assert isinstance(conn._fail(cio.ContainerUnavailable('gone'), 'x'), AnsibleConnectionFailure)
    assert isinstance(conn._fail(ConnectionProblem('down'), 'x'), AnsibleConnectionFailure)
    assert isinstance(conn._fail(cio.RemoteFileMissing('nope'), 'x'), AnsibleFileNotFound)
    error = conn._fail(ConfigurationError('bad'), 'x')
    assert type(error) is AnsibleError and str(error) == 'x: bad'  # pylint: disable=unidiomatic-typecheck


def test_owner_is_looked_up_once_per_user(monkeypatch):
    conn = make_connection(monkeypatch, remote_user='app')
    calls = []
    monkeypatch.setattr(engine_api, 'user_ids', lambda client, container, user: calls.append(user) or (7, 8))
    assert conn._owner() == (7, 8) and conn._owner() == (7, 8)
    assert calls == ['app']
    conn.reset()
    assert conn._ids == {} and conn._client is None and conn._connected is False


def test_settings_params_are_the_modules_options(monkeypatch):
    conn = make_connection(monkeypatch)
    conn.get_option.values.update({name: None for name in engine_api.SETTINGS_OPTIONS})
    conn.get_option.values['docker_host'] = 'tcp://127.0.0.1:2375'
    params = conn._settings_params()
    assert set(params) == set(engine_api.SETTINGS_OPTIONS) and params['docker_host'] == 'tcp://127.0.0.1:2375'
    json.dumps(params)
