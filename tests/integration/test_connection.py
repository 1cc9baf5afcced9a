"""The shared connection layer through real module runs: TLS, environment variables, bad input.

Every failure case asserts the message names the problem (and no traceback came back).
"""

from __future__ import annotations

import datetime
import os
import select
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
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


class NameOnlyServer:
    """A TLS front for the d28 daemon whose certificate carries only ``DNS:only-name.test``.

    The harness daemon's own certificate also carries ``IP:127.0.0.1``, so dialling 127.0.0.1 there
    proves nothing about ``tls_hostname``. This server, on 127.0.0.1:<free port>, presents a
    certificate from the harness CA without the dialled address, demands a client certificate from
    the same CA (as ``--tlsverify`` does), and passes the bytes through to d28's unix socket.
    """

    NAME = 'only-name.test'

    def __init__(self, workdir: Path, upstream: str) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        d = tls_daemon()
        ca_cert = x509.load_pem_x509_certificate(Path(d['ca_cert']).read_bytes())
        ca_key = serialization.load_pem_private_key(Path(d['ca_key']).read_bytes(), password=None)
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.NAME)]))
                .issuer_name(ca_cert.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(hours=2))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(self.NAME)]), critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(ca_key, hashes.SHA256()))
        cert_file, key_file = workdir / 'only-name-cert.pem', workdir / 'only-name-key.pem'
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        key_file.chmod(0o600)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(str(cert_file), str(key_file))
        self.context.verify_mode = ssl.CERT_REQUIRED
        self.context.load_verify_locations(cafile=d['ca_cert'])
        self.upstream = upstream
        self.handshakes = 0
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                raw, dummy = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        raw.settimeout(60)
        try:
            conn = self.context.wrap_socket(raw, server_side=True)
        except OSError:  # ssl.SSLError too: a client that gave up (or probed the names) after the handshake
            raw.close()
            return
        self.handshakes += 1
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            up.connect(self.upstream)
            while True:
                ready = [conn] if conn.pending() else select.select([conn, up], [], [], 60)[0]
                if not ready:
                    return
                for source in ready:
                    data = source.recv(65536)
                    if not data:
                        return
                    (up if source is conn else conn).sendall(data)
        except OSError:
            pass
        finally:
            up.close()
            conn.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope='module')
def name_only_server(tmp_path_factory):
    d28 = harness()['daemons']['d28']
    server = NameOnlyServer(tmp_path_factory.mktemp('only-name'), d28['docker_host'][len('unix://'):])
    try:
        yield server
    finally:
        server.close()


def test_certificate_without_the_dialled_address_fails_without_tls_hostname(name_only_server):
    d = tls_daemon()
    result = run_module('host_info', dict(docker_host='tcp://127.0.0.1:%d' % name_only_server.port, **bundle(d['cert_dir'])))
    assert_clean_failure(result, "not valid for the name '127.0.0.1'", 'tls_hostname', 'DNS:only-name.test')
    assert result['certificate_names'] == ['CN=only-name.test', 'DNS:only-name.test']


@pytest.mark.parametrize('how', ['option', 'environment'])
def test_tls_hostname_checks_another_name_than_the_address(name_only_server, how):
    d = tls_daemon()
    args = dict(docker_host='tcp://127.0.0.1:%d' % name_only_server.port, **bundle(d['cert_dir']))
    env = {}
    if how == 'option':
        args['tls_hostname'] = NameOnlyServer.NAME
    else:
        env['DOCKER_TLS_HOSTNAME'] = NameOnlyServer.NAME
    before = name_only_server.handshakes
    result = run_module('host_info', args, env=env)
    assert not result.get('failed'), result
    assert name_only_server.handshakes > before  # it went through the name-only front, not elsewhere
    # the answer is d28's own: the CLI on d28's socket sees the same daemon ID
    assert result['info']['ID'] == docker_cli(harness()['daemons']['d28'], 'info', '--format', '{{.ID}}').stdout.strip()


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
    result = run_module('host_info', {'docker_host': 'npipe:////./pipe/docker_engine'})
    assert_clean_failure(result, "scheme 'npipe'", 'unix://')


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
