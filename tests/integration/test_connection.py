"""The shared connection layer through real module runs: TLS, environment variables, bad input.

Every failure case asserts the message names the problem (and no traceback came back).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT, docker_cli, harness, run_module


def tls_daemon() -> dict:
    return harness()['daemons']['tls']


def bundle(directory: str) -> dict:
    return {'ca_path': os.path.join(directory, 'ca.pem'), 'client_cert': os.path.join(directory, 'cert.pem'),
            'client_key': os.path.join(directory, 'key.pem')}


def assert_clean_failure(result: dict, *needles: str) -> None:
    assert result.get('failed') is True, result
    assert 'Traceback' not in result.get('exception', ''), result.get('exception')
    assert 'Traceback' not in result['msg']
    for needle in needles:
        assert needle in result['msg'], result['msg']


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# ---- mutual TLS ------------------------------------------------------------------------


def test_mutual_tls_succeeds_with_the_client_bundle():
    d = tls_daemon()
    result = run_module('host_info', dict(docker_host=d['docker_host'], **bundle(d['cert_dir'])))
    assert not result.get('failed'), result
    assert result['version']['ApiVersion'] == d['api_version']
    # the CLI over its unix socket sees the same daemon
    assert result['info']['ID'] == docker_cli(d, 'info', '--format', '{{.ID}}').stdout.strip()


def test_tls_hostname_checks_another_name_than_the_address():
    d = tls_daemon()
    result = run_module('host_info', dict(docker_host=d['docker_host'], tls_hostname=d['tls_hostname'],
                                          **bundle(d['cert_dir'])))
    assert not result.get('failed'), result


def test_wrong_tls_hostname_names_the_certificate_names():
    d = tls_daemon()
    result = run_module('host_info', dict(docker_host=d['docker_host'], tls_hostname='not-this-host.test',
                                          **bundle(d['cert_dir'])))
    assert_clean_failure(result, "not valid for the name 'not-this-host.test'", 'tls_hostname', d['tls_hostname'])
    assert 'DNS:%s' % d['tls_hostname'] in result['certificate_names']


def test_without_client_certificate_the_daemon_refuses():
    d = tls_daemon()
    result = run_module('host_info', dict(docker_host=d['docker_host'], ca_path=bundle(d['cert_dir'])['ca_path']))
    assert_clean_failure(result, 'demanded a client certificate', 'client_cert')


def test_wrong_ca_is_reported_as_such():
    d = tls_daemon()
    files = bundle(d['cert_dir'])
    files['ca_path'] = os.path.join(d['wrong_ca_dir'], 'ca.pem')
    result = run_module('host_info', dict(docker_host=d['docker_host'], **files))
    assert_clean_failure(result, 'could not be verified', 'is not the CA that signed it')


def test_client_certificate_from_another_ca_is_rejected():
    d = tls_daemon()
    files = bundle(d['wrong_ca_dir'])
    files['ca_path'] = bundle(d['cert_dir'])['ca_path']
    result = run_module('host_info', dict(docker_host=d['docker_host'], **files))
    assert_clean_failure(result, 'rejected the client certificate')


def test_environment_variables_only():
    d = tls_daemon()
    result = run_module('host_info', {}, env={'DOCKER_HOST': d['docker_host'], 'DOCKER_TLS_VERIFY': '1',
                                              'DOCKER_CERT_PATH': d['cert_dir']})
    assert not result.get('failed'), result
    assert result['version']['ApiVersion'] == d['api_version']


def test_environment_tls_verify_zero_still_verifies():
    # DOCKER_TLS_VERIFY=0 means "verify" for the docker CLI too; the wrong CA must then fail.
    d = tls_daemon()
    result = run_module('host_info', {}, env={'DOCKER_HOST': d['docker_host'], 'DOCKER_TLS_VERIFY': '0',
                                              'DOCKER_CERT_PATH': d['wrong_ca_dir']})
    assert_clean_failure(result, 'could not be verified')


def test_validate_certs_false_only_encrypts():
    d = tls_daemon()
    files = bundle(d['cert_dir'])
    files['ca_path'] = os.path.join(d['wrong_ca_dir'], 'ca.pem')
    result = run_module('host_info', dict(docker_host=d['docker_host'], validate_certs=False, **files))
    assert not result.get('failed'), result


def test_plain_http_to_the_tls_port_says_use_tls():
    d = tls_daemon()
    result = run_module('host_info', {'docker_host': d['docker_host']})
    assert_clean_failure(result, 'serves the API over TLS', 'tls: true')


def test_unreadable_key_file(tmp_path):
    d = tls_daemon()
    files = bundle(d['cert_dir'])
    files['client_key'] = str(tmp_path)  # a directory, not a key
    result = run_module('host_info', dict(docker_host=d['docker_host'], **files))
    assert_clean_failure(result, 'client_key', 'is a directory')
    files['client_key'] = str(tmp_path / 'missing-key.pem')
    result = run_module('host_info', dict(docker_host=d['docker_host'], **files))
    assert_clean_failure(result, 'client_key', 'does not exist')


def run_as_nobody(code: str) -> subprocess.CompletedProcess:
    """Run client code as an unprivileged user (root reads any file and socket).

    The system Python is used: the client needs only the standard library, and the venv's
    interpreter may live under root's home.
    """
    workdir = Path(tempfile.mkdtemp(prefix='dockerapi-nobody-'))
    try:
        workdir.chmod(0o755)
        script = workdir / 'probe.py'
        script.write_text(code)
        script.chmod(0o644)
        collections = os.environ.get('ANSIBLE_COLLECTIONS_PATH', str(ROOT / 'build' / 'collections')).split(':')[0]
        env = {'PYTHONPATH': collections, 'PATH': '/usr/bin:/bin', 'HOME': '/tmp'}
        runuser = shutil.which('runuser', path='/usr/sbin:/sbin:/usr/bin:/bin') or 'runuser'
        return subprocess.run([runuser, '-u', 'nobody', '--', '/usr/bin/python3', str(script)], env=env,
                              capture_output=True, text=True, timeout=60, check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


PROBE = '''
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import execute
from ansible_collections.dockerapi.engine.plugins.module_utils._system import host_info
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import EngineError
try:
    execute(host_info, %r, False, False, {})
except EngineError as exc:
    print(type(exc).__name__, exc.msg)
else:
    print('no error')
'''


def test_key_unreadable_for_the_user():
    d = tls_daemon()
    workdir = Path(tempfile.mkdtemp(prefix='dockerapi-keys-'))
    try:
        workdir.chmod(0o755)
        params = {'docker_host': d['docker_host']}
        for option, path in bundle(d['cert_dir']).items():
            copy = workdir / os.path.basename(path)
            shutil.copy(path, copy)
            copy.chmod(0o600 if option == 'client_key' else 0o644)  # the key stays root's own
            params[option] = str(copy)
        proc = run_as_nobody(PROBE % params)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('ConfigurationError client_key'), proc.stdout
    assert 'cannot be read by this user (permission denied)' in proc.stdout


def test_socket_permission_denied():
    d = harness()['daemons']['d20']
    proc = run_as_nobody(PROBE % {'docker_host': d['docker_host']})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('ConnectionProblem Permission denied on the Docker socket'), proc.stdout
    assert 'become: true' in proc.stdout


# ---- bad input on any daemon -------------------------------------------------------------


def test_missing_socket():
    result = run_module('host_info', {'docker_host': 'unix:///nonexistent/docker.sock'})
    assert_clean_failure(result, '/nonexistent/docker.sock does not exist', 'docker_host')


def test_unknown_scheme():
    result = run_module('host_info', {'docker_host': 'ssh://root@127.0.0.1'})
    assert_clean_failure(result, "scheme 'ssh'", 'unix://')


def test_connection_refused():
    port = free_port()
    result = run_module('host_info', {'docker_host': 'tcp://127.0.0.1:%d' % port})
    assert_clean_failure(result, 'Connection refused by tcp://127.0.0.1:%d' % port)


def test_plain_tcp_to_non_loopback_is_refused_before_connecting():
    # 192.0.2.0/24 is TEST-NET-1: the check happens before any connection attempt.
    result = run_module('host_info', {'docker_host': 'tcp://192.0.2.1:2375'})
    assert_clean_failure(result, 'Refusing plain TCP', 'allow_insecure_tcp')


def test_api_version_above_the_daemon():
    d = harness()['daemons']['d20']
    result = run_module('host_info', {'docker_host': d['docker_host'], 'api_version': '1.45'})
    assert_clean_failure(result, 'api_version 1.45 is newer than the daemon supports', '1.41')
    assert result['daemon_api_version'] == '1.41'


def test_api_version_pinned_from_environment():
    d = harness()['daemons']['d28']
    result = run_module('host_info', {'docker_host': d['docker_host']}, env={'DOCKER_API_VERSION': '1.43'})
    assert result['api_version'] == '1.43'


@pytest.mark.parametrize(('args', 'env', 'needle'), [
    ({'timeout': 'soon'}, {}, "argument 'timeout'"),
    ({'timeout': 0}, {}, 'timeout must be a positive number of seconds'),
    ({}, {'DOCKER_TIMEOUT': 'soon'}, 'DOCKER_TIMEOUT must be a positive number of seconds'),
    ({'api_version': 'latest'}, {}, 'is not an API version'),
])
def test_nonsense_settings(args, env, needle):
    d = harness()['daemons']['d20']
    result = run_module('host_info', dict(docker_host=d['docker_host'], **args), env=env)
    assert_clean_failure(result, needle)
