"""The ssh:// transport: URL parsing, the ssh command line, connection sharing, error messages, and the
transport itself against a stand-in ``ssh`` (a script on PATH) — the real thing is tests/integration/test_ssh_transport.py."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import sys
import tempfile
import textwrap

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _ssh
from ansible_collections.dockerapi.engine.plugins.module_utils._client import EngineClient
from ansible_collections.dockerapi.engine.plugins.module_utils._connection import resolve_settings
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError, ConnectionProblem


def settings(env=None, **params):
    return resolve_settings(params, env or {})


@pytest.fixture
def short_dir():
    """A directory short enough for control sockets (pytest's tmp_path is too long: 49 characters at most)."""
    path = tempfile.mkdtemp(prefix='dkapi-ut-', dir='/tmp')
    yield path
    shutil.rmtree(path, ignore_errors=True)


# ---- URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(('url', 'expected'), [
    ('ssh://host', (None, 'host', 0)),
    ('ssh://alias.example.com', (None, 'alias.example.com', 0)),
    ('ssh://deploy@docker1.example.com', ('deploy', 'docker1.example.com', 0)),
    ('ssh://deploy@10.0.0.5:2222', ('deploy', '10.0.0.5', 2222)),
    ('ssh://[::1]', (None, '::1', 0)),
    ('ssh://me@[2001:db8::1]:22', ('me', '2001:db8::1', 22)),
    ('ssh://me@[fe80::1%eth0]:22', ('me', 'fe80::1%eth0', 22)),
    ('ssh://host/', (None, 'host', 0)),
    ('SSH://User.Name-1@host', ('User.Name-1', 'host', 0)),
    ('  ssh://host:65535  ', (None, 'host', 65535)),
])
def test_ssh_urls(url, expected):
    assert _ssh.parse_ssh_url(url) == expected


@pytest.mark.parametrize(('url', 'needle'), [
    ('ssh://', 'names no host'),
    ('ssh://user@', 'names no host'),
    ('ssh://@host', 'invalid user'),
    ('ssh://host:', 'empty port'),
    ('ssh://host:0', 'port'),
    ('ssh://host:65536', 'port'),
    ('ssh://host:22x', 'port'),
    ('ssh://::1', 'brackets'),
    ('ssh://[::1', 'IPv6'),
    ('ssh://[::1]x', 'IPv6'),
    ('ssh://[]:22', 'IPv6'),
    ('ssh://[host]:22', 'not an IPv6'),
    ('ssh://-oProxyCommand=x', 'not a valid host'),
    ('ssh://host name', 'not a valid host'),
    ('ssh://host/var/run/docker.sock', 'has a path'),
    ('ssh://host?x=1', 'query'),
    ('ssh://us;er@host', 'invalid user'),
])
def test_bad_ssh_urls(url, needle):
    with pytest.raises(ConfigurationError) as exc:
        settings(docker_host=url)
    assert needle in exc.value.msg
    assert 'ssh://[user@]host[:port]' in exc.value.msg


def test_a_password_in_the_url_is_refused_and_not_shown():
    with pytest.raises(ConfigurationError) as exc:
        settings(docker_host='ssh://me:s3cret@host')
    assert 's3cret' not in exc.value.msg
    assert 'holds a password' in exc.value.msg and 'ssh-agent' in exc.value.msg


def test_settings_and_display():
    s = settings(docker_host='ssh://deploy@[2001:db8::1]:2222')
    assert (s.scheme, s.address, s.port, s.ssh_user, s.tls) == ('ssh', '2001:db8::1', 2222, 'deploy', False)
    assert s.display == 'ssh://deploy@[2001:db8::1]:2222'
    assert settings(docker_host='ssh://alias').display == 'ssh://alias'
    assert settings(env={'DOCKER_HOST': 'ssh://u@h:22'}).display == 'ssh://u@h:22'


def test_ssh_is_not_refused_as_plain_tcp_and_ignores_tls_from_the_environment():
    s = settings({'DOCKER_TLS_VERIFY': '1', 'DOCKER_CERT_PATH': '/nonexistent'}, docker_host='ssh://192.0.2.10')
    assert s.scheme == 'ssh' and s.tls is False


def test_tls_true_with_ssh_is_refused_clearly():
    with pytest.raises(ConfigurationError) as exc:
        settings(docker_host='ssh://host', tls=True)
    assert 'ssh://' in exc.value.msg and 'tls: true does not apply' in exc.value.msg


# ---- the command line ----------------------------------------------------------------------------


def test_default_argv_shares_connections_in_a_private_short_directory():
    s = settings(docker_host='ssh://deploy@host:2222')
    argv = _ssh.build_argv(s.ssh_user, s.address, s.port, s.ssh_args)
    assert argv[:2] == ['ssh', '-T']
    assert argv[-5:] == ['--', 'host', 'docker', 'system', 'dial-stdio']
    assert argv[argv.index('-l') + 1] == 'deploy' and argv[argv.index('-p') + 1] == '2222'
    opts = [argv[i + 1] for i, a in enumerate(argv) if a == '-o']
    assert 'BatchMode=yes' in opts and 'ControlMaster=auto' in opts and 'ControlPersist=60' in opts
    path = [o for o in opts if o.startswith('ControlPath=')][0][len('ControlPath='):]
    assert path.endswith('/%C') and os.path.dirname(path) == s.ssh_control_dir
    assert os.path.basename(s.ssh_control_dir) == 'dockerapi-ssh-%d' % os.getuid()
    # %C is 40 characters; ssh binds at that path plus 17 more before moving it into place: under 108 bytes
    assert len(path) - 2 + 40 + 17 <= 107


def test_no_user_no_port_leaves_them_to_the_ssh_config():
    s = settings(docker_host='ssh://alias')
    argv = _ssh.build_argv(s.ssh_user, s.address, s.port, s.ssh_args)
    assert '-l' not in argv and '-p' not in argv
    assert argv[-5:] == ['--', 'alias', 'docker', 'system', 'dial-stdio']


@pytest.mark.parametrize('value', ['0', 'no', 'OFF', 'false'])
def test_reuse_off(value):
    s = settings({'DOCKERAPI_SSH_CONTROL_PERSIST': value}, docker_host='ssh://h')
    assert s.ssh_args == ('-o', 'BatchMode=yes', '-o', 'ControlMaster=no', '-o', 'ControlPath=none')
    assert s.ssh_control_dir is None


def test_reuse_left_to_the_ssh_config():
    s = settings({'DOCKERAPI_SSH_CONTROL_PERSIST': 'config'}, docker_host='ssh://h')
    assert s.ssh_args == ('-o', 'BatchMode=yes') and s.ssh_control_dir is None


@pytest.mark.parametrize('value', ['120', '10m', '1h30m', 'yes'])
def test_reuse_times(value, short_dir):
    s = settings({'DOCKERAPI_SSH_CONTROL_PERSIST': value, 'DOCKERAPI_SSH_CONTROL_DIR': short_dir}, docker_host='ssh://h')
    assert 'ControlPersist=%s' % value in s.ssh_args
    assert 'ControlPath=%s/%%C' % short_dir in s.ssh_args and s.ssh_control_dir == short_dir


@pytest.mark.parametrize('value', ['-1', 'soon', '10x', '1.5'])
def test_bad_reuse_values(value):
    with pytest.raises(ConfigurationError) as exc:
        settings({'DOCKERAPI_SSH_CONTROL_PERSIST': value}, docker_host='ssh://h')
    assert 'DOCKERAPI_SSH_CONTROL_PERSIST' in exc.value.msg and '0/no' in exc.value.msg


def test_control_dir_too_long_for_a_socket():
    with pytest.raises(ConfigurationError) as exc:
        settings({'DOCKERAPI_SSH_CONTROL_DIR': '/tmp/' + 'x' * 60}, docker_host='ssh://h')
    assert 'too long' in exc.value.msg and 'DOCKERAPI_SSH_CONTROL_DIR' in exc.value.msg


def test_extra_options_come_first_and_the_url_wins_for_user_and_port():
    env = {'DOCKERAPI_SSH_OPTS': '-F "/tmp/my config" -o UserKnownHostsFile=/tmp/kh -p 2200 -l other',
           'DOCKERAPI_SSH_CONTROL_PERSIST': 'no'}
    s = settings(env, docker_host='ssh://me@host:2222')
    argv = _ssh.build_argv(s.ssh_user, s.address, s.port, s.ssh_args)
    assert argv[2:8] == ['-F', '/tmp/my config', '-o', 'UserKnownHostsFile=/tmp/kh', '-p', '2200']
    # ssh takes the first -o of a kind but the last -l/-p: the user's -o beat ours, the URL beats the user's -l/-p
    assert argv.index('UserKnownHostsFile=/tmp/kh') < argv.index('BatchMode=yes')
    assert argv[-9:-5] == ['-l', 'me', '-p', '2222']


@pytest.mark.parametrize(('value', 'needle'), [
    ('-F "unclosed', 'quotes'),
    ('-o X=1 -- evil', "'--'"),
    ('-N', "'-N'"),
])
def test_bad_extra_options(value, needle):
    with pytest.raises(ConfigurationError) as exc:
        settings({'DOCKERAPI_SSH_OPTS': value}, docker_host='ssh://h')
    assert 'DOCKERAPI_SSH_OPTS' in exc.value.msg and needle in exc.value.msg


def test_control_dir_is_made_private(tmp_path):
    target = tmp_path / 'cm'
    _ssh.prepare_control_dir(str(target))
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o700
    os.chmod(target, 0o755)
    _ssh.prepare_control_dir(str(target))
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o700
    link = tmp_path / 'link'
    link.symlink_to(target)
    with pytest.raises(ConfigurationError) as exc:
        _ssh.prepare_control_dir(str(link))
    assert 'not a directory owned by this user' in exc.value.msg


# ---- error messages from recorded ssh / dial-stdio output ----------------------------------------------


@pytest.mark.parametrize(('rc', 'stderr', 'needles'), [
    (255, 'ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n',
     ['nothing accepts SSH connections', 'Connection refused', 'sshd']),
    (255, 'ssh: Could not resolve hostname nosuchhost.invalid: Name or service not known\r\n',
     ['cannot be resolved', 'nosuchhost.invalid']),
    (255, 'ssh: connect to host 192.0.2.1 port 22: No route to host\r\n', ['unreachable']),
    (255, 'ssh: connect to host 192.0.2.1 port 22: Connection timed out\r\n', ['timed out']),
    (255, 'nobody@127.0.0.1: Permission denied (publickey).\r\n', ['SSH authentication failed', 'user me', 'ssh-add']),
    (255, 'Received disconnect from 127.0.0.1 port 22:2: Too many authentication failures\r\n', ['authentication failed']),
    (255, 'No ED25519 host key is known for [127.0.0.1]:32770 and you have requested strict checking.\r\n'
          'Host key verification failed.\r\n', ['is not known', 'known_hosts', 'Do not turn host key checking off']),
    (255, '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n'
          '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n'
          'Host key for [127.0.0.1]:32770 has changed and you have requested strict checking.\r\n'
          'Host key verification failed.\r\n', ['has CHANGED', 'ssh-keygen -R "[host]:2222"']),
    (127, 'bash: line 1: docker: command not found\n', ['has no docker command', 'exit status 127']),
    (127, 'sh: 1: docker: not found\n', ['has no docker command']),
    (1, 'failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: permission denied\n',
     ['may not use the Docker daemon', 'usermod -aG docker me']),
    (1, 'failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: connection refused\n',
     ['is not running', 'systemctl start docker']),
    (1, 'failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: no such file or directory\n',
     ['is not running']),
    (1, 'docker: \'system dial-stdio\' is not a docker command.\n', ['too old']),
    (255, 'Bad owner or permissions on /root/.ssh/config\r\n', ['configuration', 'DOCKERAPI_SSH_OPTS']),
    (255, 'kex_exchange_identification: Connection closed by remote host\r\n', ['closed the connection']),
    (255, 'Warning: Permanently added \'[h]:2222\' (ED25519) to the list of known hosts.\r\n',
     ['exit status 255', 'ssh said nothing', 'ssh -p 2222 me@host docker version']),
    (3, 'something odd\n', ['exit status 3', 'something odd']),
])
def test_failures_are_explained(rc, stderr, needles):
    message = _ssh.explain(rc, stderr, 'me', 'host', 2222)
    assert message is not None
    for needle in needles:
        assert needle in message, message
    assert 'ssh://me@host:2222' in message


def test_nothing_to_explain():
    assert _ssh.explain(0, '', None, 'h', 0) is None
    assert _ssh.explain(None, '', None, 'h', 0) is None
    assert _ssh.explain(-15, '', None, 'h', 0) is None
    assert _ssh.explain(3, 'odd', None, 'h', 0, generic=False) is None


# ---- the transport, with a stand-in ssh --------------------------------------------------------------

_FAKE_SSH = '''#!%(python)s
"""Stand-in for ssh: records its argv, then plays a scenario on stdin/stdout."""
import json, os, sys
with open(os.environ['FAKE_SSH_LOG'], 'a') as log:
    log.write(json.dumps(sys.argv[1:]) + '\\n')
mode = os.environ.get('FAKE_SSH_MODE', 'http')
if mode == 'fail':
    sys.stderr.write(os.environ['FAKE_SSH_STDERR'])
    sys.exit(int(os.environ.get('FAKE_SSH_RC', '255')))
if mode == 'hang':  # a host that never answers
    import time
    time.sleep(30)
    sys.exit(0)
if mode == 'echo':  # copy stdin to stdout until EOF (the half-close reaches us), then exit 0
    while True:
        data = os.read(0, 65536)
        if not data:
            break
        os.write(1, data.upper())
    sys.exit(0)
# http: answer requests like a daemon would, until EOF
stdin = os.fdopen(0, 'rb', buffering=0)
buf = b''
while True:
    while b'\\r\\n\\r\\n' not in buf:
        data = stdin.read(65536)
        if not data:
            sys.exit(0)
        buf += data
    head, buf = buf.split(b'\\r\\n\\r\\n', 1)
    path = head.split(b' ')[1].decode()
    if path.endswith('/version'):
        body = json.dumps({'ApiVersion': '1.45', 'MinAPIVersion': '1.24', 'Version': '26.1.0'}).encode()
    else:
        body = json.dumps({'Name': 'fake', 'path': path}).encode()
    os.write(1, b'HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: %%d\\r\\n\\r\\n' %% len(body) + body)
'''


@pytest.fixture
def fake_ssh(tmp_path, monkeypatch):
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    script = bindir / 'ssh'
    script.write_text(_FAKE_SSH % {'python': sys.executable})
    script.chmod(0o755)
    log = tmp_path / 'argv.log'
    monkeypatch.setenv('PATH', '%s%s%s' % (bindir, os.pathsep, os.environ.get('PATH', '')))
    monkeypatch.setenv('FAKE_SSH_LOG', str(log))

    def argvs():
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return argvs


def _client(directory, url='ssh://me@host:2222', **env):
    base = {'DOCKERAPI_SSH_CONTROL_DIR': os.path.join(str(directory), 'cm')}
    base.update(env)
    return EngineClient(resolve_settings({'docker_host': url, 'timeout': 5}, base))


def test_http_over_the_ssh_pipe_and_the_process_is_reaped(fake_ssh, short_dir):
    client = _client(short_dir)
    client.negotiate()
    assert client.api_version == '1.45'
    assert client.get_json('/info')['path'] == '/v1.45/info'
    sock = client._conn.sock
    process = sock.process
    assert len(fake_ssh()) == 1  # one ssh for both requests (kept alive)
    client.close()
    assert process.returncode == 0  # reaped: no zombie left
    argv = fake_ssh()[0]
    assert argv[0] == '-T' and argv[-5:] == ['--', 'host', 'docker', 'system', 'dial-stdio']
    assert 'ControlPath=%s/cm/%%C' % short_dir in argv
    assert stat.S_IMODE(os.stat(os.path.join(short_dir, 'cm')).st_mode) == 0o700


def test_half_close_reaches_the_remote_as_end_of_input(fake_ssh, tmp_path, monkeypatch):
    monkeypatch.setenv('FAKE_SSH_MODE', 'echo')
    sock = _ssh.open_socket(None, 'host', 0, (), None, 5)
    try:
        sock.sendall(b'hello ' * 50000)
        sock.shutdown(socket.SHUT_WR)
        data = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    assert data == b'HELLO ' * 50000
    assert sock.returncode == 0 and sock.process is None


@pytest.mark.parametrize(('rc', 'stderr', 'needle'), [
    ('255', 'ssh: connect to host host port 2222: Connection refused\r\n', 'nothing accepts SSH connections'),
    ('255', 'me@host: Permission denied (publickey).\r\n', 'SSH authentication failed'),
    ('1', 'failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: permission denied\n',
     'may not use the Docker daemon'),
])
def test_ssh_failures_reach_the_user_explained(fake_ssh, short_dir, monkeypatch, rc, stderr, needle):
    monkeypatch.setenv('FAKE_SSH_MODE', 'fail')
    monkeypatch.setenv('FAKE_SSH_RC', rc)
    monkeypatch.setenv('FAKE_SSH_STDERR', stderr)
    client = _client(short_dir)
    with pytest.raises(ConnectionProblem) as exc:
        client.negotiate()
    client.close()
    assert needle in exc.value.msg and 'ssh://me@host:2222' in exc.value.msg
    assert exc.value.details['ssh_exit_status'] == int(rc)


def test_hijack_failure_is_explained(fake_ssh, short_dir, monkeypatch):
    monkeypatch.setenv('FAKE_SSH_MODE', 'fail')
    monkeypatch.setenv('FAKE_SSH_RC', '127')
    monkeypatch.setenv('FAKE_SSH_STDERR', 'sh: 1: docker: not found\n')
    client = _client(short_dir)
    with pytest.raises(ConnectionProblem) as exc:
        client.hijack('POST', '/exec/x/start', {})
    assert 'has no docker command' in exc.value.msg


def test_missing_ssh_client(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    client = _client(tmp_path, DOCKERAPI_SSH_CONTROL_PERSIST='no')
    with pytest.raises(ConnectionProblem) as exc:
        client.negotiate()
    assert 'ssh client is not installed' in exc.value.msg and 'openssh' in exc.value.msg.lower()


def test_fake_ssh_script_is_valid_python():
    compile(textwrap.dedent(_FAKE_SSH % {'python': sys.executable}), 'fake-ssh', 'exec')


def test_the_task_environment_agent_socket_reaches_ssh(fake_ssh, short_dir, monkeypatch):
    monkeypatch.setenv('FAKE_SSH_MODE', 'fail')
    monkeypatch.setenv('FAKE_SSH_RC', '255')
    monkeypatch.setenv('FAKE_SSH_STDERR', 'agent=%s\n')
    monkeypatch.delenv('SSH_AUTH_SOCK', raising=False)
    script = os.path.join(os.environ['PATH'].split(os.pathsep)[0], 'ssh')
    with open(script) as handle:
        text = handle.read()
    with open(script, 'w') as handle:
        handle.write(text.replace("sys.stderr.write(os.environ['FAKE_SSH_STDERR'])",
                                  "sys.stderr.write(os.environ['FAKE_SSH_STDERR'] % os.environ.get('SSH_AUTH_SOCK'))"))
    env = {'DOCKERAPI_SSH_CONTROL_DIR': short_dir, 'SSH_AUTH_SOCK': '/run/agent.sock'}
    assert resolve_settings({'docker_host': 'ssh://h'}, env).ssh_env == (('SSH_AUTH_SOCK', '/run/agent.sock'),)
    client = EngineClient(resolve_settings({'docker_host': 'ssh://h'}, env))
    with pytest.raises(ConnectionProblem) as exc:
        client.negotiate()
    assert 'agent=/run/agent.sock' in exc.value.msg


def test_a_silent_host_times_out_and_ssh_is_stopped(fake_ssh, short_dir, monkeypatch):
    monkeypatch.setenv('FAKE_SSH_MODE', 'hang')
    client = EngineClient(resolve_settings({'docker_host': 'ssh://me@host', 'timeout': 1},
                                           {'DOCKERAPI_SSH_CONTROL_DIR': short_dir}))
    with pytest.raises(ConnectionProblem) as exc:
        client.negotiate()
    assert 'Timed out after 1 s waiting for ssh://me@host' in exc.value.msg
    sock = client._ssh_socket
    assert sock.process is None and sock.returncode is not None and sock.returncode < 0  # terminated, reaped
