"""The client names the real problem: client certificates, encrypted keys, timeouts (real TLS daemon).

Client certificates are issued here with the harness CA (the one the tls daemon trusts), so the
only thing wrong with each is the property under test; a control certificate made the same way
connects. Both the fast path and the shipped module are run.
"""

from __future__ import annotations

import datetime
import json
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import harness, run_module

PATHS = pytest.mark.parametrize('fast', [True, False], ids=['fast_path', 'shipped'])
NOW = datetime.datetime.now(datetime.timezone.utc)
PASSPHRASE = 'fault-Passphrase-7d1c'


def issue(directory: str, name: str, not_before: datetime.datetime, not_after: datetime.datetime,
          usages: list | None = None, key_encryption: tuple[str, bytes] | None = None) -> tuple[str, str]:
    """A client certificate and key signed by the harness CA; returns (cert path, key path)."""
    info = harness()['daemons']['tls']
    with open(info['ca_cert'], 'rb') as handle:
        ca = x509.load_pem_x509_certificate(handle.read())
    with open(info['ca_key'], 'rb') as handle:
        ca_key = serialization.load_pem_private_key(handle.read(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
               .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.ExtendedKeyUsage(usages or [ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
    cert = builder.sign(ca_key, hashes.SHA256())
    cert_path = os.path.join(directory, name + '-cert.pem')
    key_path = os.path.join(directory, name + '-key.pem')
    with open(cert_path, 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    fmt = serialization.PrivateFormat.PKCS8
    if key_encryption:
        fmt = {'pkcs8': serialization.PrivateFormat.PKCS8,
               'traditional': serialization.PrivateFormat.TraditionalOpenSSL}[key_encryption[0]]
        encryption = serialization.BestAvailableEncryption(key_encryption[1])
    with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, fmt, encryption))
    return cert_path, key_path


def tls_args(cert: str, key: str, **extra) -> dict:
    info = harness()['daemons']['tls']
    args = {'docker_host': info['docker_host'], 'tls_hostname': info['tls_hostname'], 'ca_path': info['ca_cert'],
            'client_cert': cert, 'client_key': key, 'timeout': 10}
    args.update(extra)
    return args


def clear_failure(result: dict, *needles: str) -> str:
    msg = result.get('msg', '')
    assert result['failed'] is True, result
    assert 'Traceback' not in json.dumps(result) and not msg.startswith('Unexpected'), result
    for needle in needles:
        assert needle in msg, msg
    return msg


@PATHS
def test_a_valid_client_certificate_made_here_connects(fast, tmp_path):
    cert, key = issue(str(tmp_path), 'good', NOW - datetime.timedelta(hours=1), NOW + datetime.timedelta(days=1))
    result = run_module('host_info', tls_args(cert, key), fast_path=fast)
    assert result.get('failed') is False and result['can_talk_to_docker'], result


@PATHS
def test_expired_client_certificate_is_named(fast, tmp_path):
    cert, key = issue(str(tmp_path), 'expired', NOW - datetime.timedelta(days=30), NOW - datetime.timedelta(days=1))
    msg = clear_failure(run_module('host_info', tls_args(cert, key), fast_path=fast), 'expired on', cert)
    assert 'not signed' not in msg


@PATHS
def test_not_yet_valid_client_certificate_is_named(fast, tmp_path):
    cert, key = issue(str(tmp_path), 'future', NOW + datetime.timedelta(days=1), NOW + datetime.timedelta(days=30))
    msg = clear_failure(run_module('host_info', tls_args(cert, key), fast_path=fast), 'not yet valid', 'clock')
    assert 'not signed' not in msg


@PATHS
def test_server_auth_only_client_certificate_is_named(fast, tmp_path):
    cert, key = issue(str(tmp_path), 'serveronly', NOW - datetime.timedelta(hours=1), NOW + datetime.timedelta(days=1),
                      usages=[ExtendedKeyUsageOID.SERVER_AUTH])
    msg = clear_failure(run_module('host_info', tls_args(cert, key), fast_path=fast), 'does not include clientAuth',
                        'serverAuth')
    assert 'not signed' not in msg


@PATHS
@pytest.mark.parametrize('fmt', ['pkcs8', 'traditional'])
def test_encrypted_client_key_without_passphrase_is_refused_clearly(fast, fmt, tmp_path):
    cert, key = issue(str(tmp_path), 'enc', NOW - datetime.timedelta(hours=1), NOW + datetime.timedelta(days=1),
                      key_encryption=(fmt, PASSPHRASE.encode()))
    clear_failure(run_module('host_info', tls_args(cert, key), fast_path=fast), 'is encrypted', 'client_key_passphrase')


@PATHS
def test_encrypted_client_key_with_its_passphrase_connects_and_stays_hidden(fast, tmp_path):
    cert, key = issue(str(tmp_path), 'enc', NOW - datetime.timedelta(hours=1), NOW + datetime.timedelta(days=1),
                      key_encryption=('pkcs8', PASSPHRASE.encode()))
    result = run_module('host_info', tls_args(cert, key, client_key_passphrase=PASSPHRASE), fast_path=fast)
    assert result.get('failed') is False and result['can_talk_to_docker'], result
    assert PASSPHRASE not in json.dumps(result)
    wrong = run_module('host_info', tls_args(cert, key, client_key_passphrase='not-' + PASSPHRASE), fast_path=fast)
    clear_failure(wrong, 'could not be decrypted', 'client_key_passphrase')
    assert PASSPHRASE not in json.dumps(wrong)


@PATHS
@pytest.mark.parametrize('source,value,needle', [
    ('timeout', 1e10, 'too large'),
    ('timeout', -5, 'positive number'),
    ('DOCKER_TIMEOUT', '1e10', 'too large'),
    ('DOCKER_TIMEOUT', 'nan', 'positive number'),
    ('DOCKER_TIMEOUT', 'inf', 'positive number'),
    ('DOCKER_TIMEOUT', '-1', 'positive number'),
    ('DOCKER_TIMEOUT', 'soon', 'positive number'),
])
def test_unusable_timeouts_fail_clearly(fast, source, value, needle):
    daemon = harness()['daemons']['d28']
    args = {'docker_host': daemon['docker_host']}
    env = None
    if source == 'timeout':
        args['timeout'] = value
    else:
        env = {'DOCKER_TIMEOUT': value}
    clear_failure(run_module('host_info', args, env=env, fast_path=fast), source, needle)
