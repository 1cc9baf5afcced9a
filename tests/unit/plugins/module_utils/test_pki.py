"""The controller-side PKI: CA kept once, bundles issued only when needed, real TLS handshakes with them."""

from __future__ import annotations

import datetime
import os
import socket
import ssl
import stat
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.dockerapi.engine.plugins.module_utils import _pki
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError, EngineError


def params(tmp_path, **overrides):
    base = {
        'ca_cert': str(tmp_path / 'pki' / 'ca' / 'ca.pem'),
        'ca_key': str(tmp_path / 'pki' / 'ca' / 'ca-key.pem'),
        'ca_passphrase': None,
        'ca_create': True,
        'ca_common_name': 'unit CA',
        'ca_days': 3650,
        'kind': 'ca',
        'dest': None,
        'common_name': None,
        'subject_alt_names': None,
        'days': 365,
        'renew_days': 30,
        'key_type': 'ecdsa',
        'force': False,
    }
    base.update(overrides)
    return base


def server(tmp_path, name='docker1', **overrides):
    values = {'kind': 'server', 'dest': str(tmp_path / 'pki' / 'servers' / name),
              'subject_alt_names': [name, '%s.example.org' % name, '127.0.0.1']}
    values.update(overrides)
    return params(tmp_path, **values)


def client(tmp_path, name='admin', **overrides):
    values = {'kind': 'client', 'dest': str(tmp_path / 'pki' / 'clients' / name)}
    values.update(overrides)
    return params(tmp_path, **values)


def load(path):
    with open(path, 'rb') as f:
        return x509.load_pem_x509_certificate(f.read())


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def snapshot(root):
    """Every file under root with its bytes and mode: proves that nothing was written."""
    found = {}
    for dirpath, dummy, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, 'rb') as f:
                found[path] = (f.read(), mode(path))
    return found


# --------------------------------------------------------------------------- the CA

def test_ca_is_created_once_with_private_key(tmp_path):
    first = _pki.service(params(tmp_path), False, False)
    assert first['changed'] and first['ca']['created']
    assert mode(first['ca']['key_path']) == 0o600
    assert mode(os.path.dirname(first['ca']['key_path'])) == 0o700
    ca = load(first['ca']['cert_path'])
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert first['ca']['common_name'] == 'unit CA'
    before = snapshot(tmp_path)

    second = _pki.service(params(tmp_path), False, False)
    assert not second['changed'] and not second['ca']['created']
    assert second['ca']['serial'] == first['ca']['serial']
    assert snapshot(tmp_path) == before


def test_incomplete_ca_is_never_replaced(tmp_path):
    _pki.service(params(tmp_path), False, False)
    os.unlink(str(tmp_path / 'pki' / 'ca' / 'ca-key.pem'))
    before = snapshot(tmp_path)
    with pytest.raises(EngineError) as exc:
        _pki.service(server(tmp_path), False, False)
    assert 'Refusing to create a new CA' in exc.value.msg
    assert 'ca-key.pem' in exc.value.msg
    assert snapshot(tmp_path) == before


def test_a_task_waits_for_another_writing_the_ca(tmp_path):
    """While another task holds the PKI lock with only the CA key written, a task waits, then uses that CA.

    Without the lock it would read the half-written CA and fail with "The CA is incomplete".
    """
    ca_dir = tmp_path / 'pki' / 'ca'
    ca_dir.mkdir(parents=True)
    outcome = {}

    def other_task():
        try:
            outcome['result'] = _pki.service(client(tmp_path), False, False)
        except Exception as exc:  # pylint: disable=broad-except
            outcome['error'] = exc

    key = _pki.generate_key('ecdsa')
    cert = _pki.build_ca(key, 'written by the first task', 10)
    with _pki.locked(str(ca_dir)):
        _pki.write_atomic(str(ca_dir / 'ca-key.pem'), _pki.key_pem(key), 0o600)
        waiting = threading.Thread(target=other_task)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive(), outcome  # blocked on the lock, not failed on the half-written CA
        _pki.write_atomic(str(ca_dir / 'ca.pem'), _pki.cert_pem(cert), 0o644)
    waiting.join(10)
    assert 'error' not in outcome, outcome['error']
    result = outcome['result']
    assert not result['ca']['created'] and result['ca']['common_name'] == 'written by the first task'
    assert load(result['certificate']['cert_path']).issuer == cert.subject


def test_a_ca_changed_while_it_is_written_is_reported(tmp_path, monkeypatch):
    """The new CA is read back: a certificate that is not the one just made (or not the key's) fails clearly."""
    real_write = _pki.write_atomic

    def tampered(path, data, file_mode):
        if path.endswith('ca.pem'):
            data = _pki.cert_pem(_pki.build_ca(_pki.generate_key('ecdsa'), 'someone else', 10))
        real_write(path, data, file_mode)
    monkeypatch.setattr(_pki, 'write_atomic', tampered)
    with pytest.raises(EngineError) as exc:
        _pki.service(params(tmp_path), False, False)
    assert 'was changed by something else while it was written' in exc.value.msg


def test_read_only_ca_directory_can_be_locked_and_used(tmp_path):
    _pki.service(params(tmp_path), False, False)
    ca_dir = tmp_path / 'pki' / 'ca'
    os.chmod(str(ca_dir), 0o500)
    try:
        result = _pki.service(client(tmp_path, ca_create=False), False, False)
    finally:
        os.chmod(str(ca_dir), 0o700)
    assert result['certificate']['issued'] and sorted(os.listdir(str(ca_dir))) == ['ca-key.pem', 'ca.pem']


def test_bring_your_own_ca_without_files_fails_instead_of_creating(tmp_path):
    with pytest.raises(ConfigurationError) as exc:
        _pki.service(params(tmp_path, ca_create=False), False, False)
    assert 'ca_create is false' in exc.value.msg
    assert not (tmp_path / 'pki').exists()


def test_bring_your_own_encrypted_ca(tmp_path):
    own = params(tmp_path, ca_passphrase='s3cret')
    _pki.service(own, False, False)  # stands in for the user's PKI: an encrypted CA key
    with open(own['ca_key'], 'rb') as f:
        assert b'ENCRYPTED' in f.read()
    with pytest.raises(EngineError) as exc:
        _pki.service(client(tmp_path, ca_create=False), False, False)
    assert 'ca_passphrase' in exc.value.msg
    result = _pki.service(client(tmp_path, ca_create=False, ca_passphrase='s3cret'), False, False)
    assert result['certificate']['issued'] and not result['ca']['created']


def test_key_that_does_not_match_the_ca_certificate(tmp_path):
    _pki.service(params(tmp_path), False, False)
    other = tmp_path / 'other'
    _pki.service(params(other), False, False)
    os.replace(str(other / 'pki' / 'ca' / 'ca-key.pem'), str(tmp_path / 'pki' / 'ca' / 'ca-key.pem'))
    with pytest.raises(EngineError) as exc:
        _pki.service(params(tmp_path), False, False)
    assert 'does not belong to the CA certificate' in exc.value.msg


def test_expired_ca_fails_and_expiring_ca_warns(tmp_path, monkeypatch):
    _pki.service(params(tmp_path, ca_days=40), False, False)
    warned = _pki.service(params(tmp_path, renew_days=60), False, False)
    assert not warned['changed']
    assert any('never renewed automatically' in w for w in warned['warnings'])

    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=41)
    monkeypatch.setattr(_pki, '_now', lambda: later)
    with pytest.raises(EngineError) as exc:
        _pki.service(params(tmp_path), False, False)
    assert 'expired' in exc.value.msg and 'never replaced automatically' in exc.value.msg


# --------------------------------------------------------------------------- server and client bundles

def test_server_bundle_names_usage_and_modes(tmp_path):
    result = _pki.service(server(tmp_path, subject_alt_names=['docker1', 'IP:192.0.2.10', 'DNS:Docker1.Example.org.',
                                                              '::1']), False, False)
    cert_info = result['certificate']
    assert result['changed'] and cert_info['issued'] and cert_info['reasons'] == ['no certificate or key yet']
    cert = load(cert_info['cert_path'])
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(san.get_values_for_type(x509.DNSName)) == ['docker1', 'docker1.example.org']
    assert sorted(str(a) for a in san.get_values_for_type(x509.IPAddress)) == ['192.0.2.10', '::1']
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert_info['common_name'] == 'docker1'
    assert mode(cert_info['key_path']) == 0o600
    assert mode(cert_info['path']) == 0o700
    with open(cert_info['ca_path'], 'rb') as f, open(result['ca']['cert_path'], 'rb') as g:
        assert f.read() == g.read()
    assert 364 <= cert_info['expires_in_days'] <= 365


def test_client_bundle_has_client_auth_and_directory_name(tmp_path):
    result = _pki.service(client(tmp_path, name='ci-runner'), False, False)
    cert = load(result['certificate']['cert_path'])
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH]
    assert result['certificate']['common_name'] == 'ci-runner'


def test_second_run_changes_nothing(tmp_path):
    _pki.service(server(tmp_path), False, False)
    _pki.service(client(tmp_path), False, False)
    before = snapshot(tmp_path)
    names = ['127.0.0.1', 'docker1.example.org', 'docker1']
    for p in (server(tmp_path), client(tmp_path), server(tmp_path, subject_alt_names=names)):
        again = _pki.service(p, False, True)
        assert not again['changed'] and not again['certificate']['issued'] and 'diff' not in again
    assert snapshot(tmp_path) == before


def test_renewal_within_renew_days_keeps_the_ca(tmp_path):
    first = _pki.service(server(tmp_path, days=20, renew_days=10), False, False)
    kept = _pki.service(server(tmp_path, days=20, renew_days=10), False, False)
    assert not kept['changed']
    renewed = _pki.service(server(tmp_path, days=365, renew_days=30), False, True)
    assert renewed['changed'] and renewed['certificate']['issued']
    assert 'within renew_days (30)' in renewed['certificate']['reasons'][0]
    assert renewed['certificate']['serial'] != first['certificate']['serial']
    assert renewed['ca']['serial'] == first['ca']['serial'] and not renewed['ca']['created']
    assert renewed['certificate']['expires_in_days'] >= 364
    assert renewed['diff']['before']['certificate']['serial'] == first['certificate']['serial']
    assert renewed['diff']['after']['certificate']['serial'] == renewed['certificate']['serial']


def test_new_key_on_every_issue(tmp_path):
    first = _pki.service(server(tmp_path), False, False)
    with open(first['certificate']['key_path'], 'rb') as f:
        key1 = f.read()
    _pki.service(server(tmp_path, force=True), False, False)
    with open(first['certificate']['key_path'], 'rb') as f:
        assert f.read() != key1


@pytest.mark.parametrize(('change', 'needle'), [
    ({'subject_alt_names': ['docker1', 'docker1.example.org', '127.0.0.1', '192.0.2.99']}, 'names differ'),
    ({'common_name': 'docker1.example.org'}, 'common name is'),
    ({'key_type': 'rsa'}, 'key type is ecdsa, wanted rsa'),
    ({'force': True}, 'force is true'),
])
def test_reissue_reasons(tmp_path, change, needle):
    _pki.service(server(tmp_path), False, False)
    result = _pki.service(server(tmp_path, **change), False, False)
    assert result['changed'] and any(needle in r for r in result['certificate']['reasons'])
    if not change.get('force'):
        assert not _pki.service(server(tmp_path, **change), False, False)['changed']


def test_certificate_of_another_ca_is_reissued(tmp_path):
    _pki.service(server(tmp_path), False, False)
    foreign = tmp_path / 'foreign'
    other = _pki.service(server(foreign), False, False)
    dest = tmp_path / 'pki' / 'servers' / 'docker1'
    for name in ('cert.pem', 'key.pem', 'ca.pem'):
        os.replace(os.path.join(other['certificate']['path'], name), str(dest / name))
    result = _pki.service(server(tmp_path), False, False)
    assert any(r.startswith('not signed by the CA') for r in result['certificate']['reasons'])
    assert result['certificate']['ca_updated']
    assert _pki.signed_by(load(str(dest / 'cert.pem')), load(result['ca']['cert_path']))


def test_mismatched_or_garbage_files_are_reissued(tmp_path):
    first = _pki.service(server(tmp_path), False, False)
    other = _pki.service(server(tmp_path, name='docker2'), False, False)
    os.replace(other['certificate']['key_path'], first['certificate']['key_path'])
    result = _pki.service(server(tmp_path), False, False)
    assert 'the key does not belong to the certificate' in result['certificate']['reasons']
    with open(first['certificate']['cert_path'], 'w') as f:
        f.write('not a certificate\n')
    result = _pki.service(server(tmp_path), False, False)
    assert result['certificate']['reasons'] == ['no certificate or key yet']


def test_readable_key_is_protected_without_reissue(tmp_path):
    first = _pki.service(server(tmp_path), False, False)
    os.chmod(first['certificate']['key_path'], 0o644)
    os.chmod(first['ca']['key_path'], 0o640)
    result = _pki.service(server(tmp_path), False, False)
    assert result['changed'] and not result['certificate']['issued']
    assert sorted(result['modes_fixed']) == sorted([first['certificate']['key_path'], first['ca']['key_path']])
    assert mode(first['certificate']['key_path']) == 0o600 and mode(first['ca']['key_path']) == 0o600
    os.chmod(first['certificate']['key_path'], 0o400)  # stricter than ours: left alone
    assert not _pki.service(server(tmp_path), False, False)['changed']


def test_leaf_is_cut_to_the_ca_validity(tmp_path):
    _pki.service(params(tmp_path, ca_days=100), False, False)
    result = _pki.service(server(tmp_path, days=365), False, False)
    assert result['certificate']['expires_in_days'] <= 100
    assert any("cut to the CA's end of validity" in w for w in result['warnings'])


# --------------------------------------------------------------------------- check mode and diff

def test_check_mode_writes_nothing(tmp_path):
    result = _pki.service(server(tmp_path), True, True)
    assert result['changed'] and result['ca']['created'] and result['certificate']['issued']
    assert result['certificate']['serial'] == '(new)'
    assert result['diff']['before'] == {'ca': None, 'certificate': None}
    assert not (tmp_path / 'pki').exists()

    _pki.service(server(tmp_path, days=20, renew_days=10), False, False)
    before = snapshot(tmp_path)
    result = _pki.service(server(tmp_path, renew_days=30), True, True)
    assert result['changed'] and result['certificate']['issued']
    assert result['diff']['after']['certificate']['serial'] == '(new)'
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(('overrides', 'needle'), [
    ({'kind': 'server', 'dest': '/x'}, 'needs subject_alt_names'),
    ({'kind': 'server'}, 'needs dest'),
    ({'kind': 'server', 'dest': '/x', 'subject_alt_names': ['0.0.0.0']}, 'the "any" address'),
    ({'kind': 'server', 'dest': '/x', 'subject_alt_names': ['tcp://docker1:2376']}, 'neither a DNS name nor an IP'),
    ({'kind': 'server', 'dest': '/x', 'subject_alt_names': ['IP:docker1']}, 'is not an IP address'),
    ({'kind': 'client', 'dest': '/x', 'subject_alt_names': ['a']}, 'subject_alt_names is for kind=server'),
    ({'kind': 'client', 'dest': '/x', 'days': 30, 'renew_days': 30}, 'must be greater than renew_days'),
    ({'ca_days': 0}, 'ca_days must be at least 1'),
])
def test_bad_input_fails_before_writing(tmp_path, overrides, needle):
    with pytest.raises(ConfigurationError) as exc:
        _pki.service(params(tmp_path, **overrides), False, False)
    assert needle in exc.value.msg
    assert not (tmp_path / 'pki').exists()


# --------------------------------------------------------------------------- a real TLS handshake

def _serve_once(context, listener, answers):
    conn, dummy = listener.accept()
    try:
        with context.wrap_socket(conn, server_side=True) as tls:
            peer = tls.getpeercert()
            tls.sendall(b'hello')
            answers.append(peer)
    except (ssl.SSLError, OSError) as exc:
        answers.append(exc)


def _handshake(server_bundle, client_bundle, hostname):
    srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.load_cert_chain(os.path.join(server_bundle, 'cert.pem'), os.path.join(server_bundle, 'key.pem'))
    srv.load_verify_locations(os.path.join(server_bundle, 'ca.pem'))
    srv.verify_mode = ssl.CERT_REQUIRED  # dockerd --tlsverify
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    answers = []
    thread = threading.Thread(target=_serve_once, args=(srv, listener, answers))
    thread.start()
    try:
        cli = ssl.create_default_context(cafile=os.path.join(client_bundle, 'ca.pem'))
        cli.load_cert_chain(os.path.join(client_bundle, 'cert.pem'), os.path.join(client_bundle, 'key.pem'))
        with socket.create_connection(listener.getsockname(), timeout=10) as raw:
            with cli.wrap_socket(raw, server_hostname=hostname) as tls:
                return tls.recv(5)
    finally:
        thread.join(10)
        listener.close()


@pytest.mark.parametrize('key_type', ['ecdsa', 'rsa'])
def test_bundles_work_for_mutual_tls(tmp_path, key_type):
    srv = _pki.service(server(tmp_path, key_type=key_type), False, False)['certificate']['path']
    cli = _pki.service(client(tmp_path, key_type=key_type), False, False)['certificate']['path']
    for name in ('docker1', 'docker1.example.org', '127.0.0.1'):
        assert _handshake(srv, cli, name) == b'hello'
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(srv, cli, 'docker2.example.org')  # not in the SAN list


def test_client_bundle_is_not_a_server_certificate(tmp_path):
    _pki.service(server(tmp_path), False, False)
    cli = _pki.service(client(tmp_path), False, False)['certificate']['path']
    # A client certificate presented as a server certificate fails the serverAuth check.
    with pytest.raises(ssl.SSLError):
        _handshake(cli, cli, 'admin')


def test_key_is_pkcs8_pem(tmp_path):
    result = _pki.service(server(tmp_path), False, False)
    with open(result['certificate']['key_path'], 'rb') as f:
        data = f.read()
    assert data.startswith(b'-----BEGIN PRIVATE KEY-----')
    serialization.load_pem_private_key(data, password=None)
