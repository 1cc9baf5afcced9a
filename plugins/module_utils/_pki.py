# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small certificate authority for dockerd's TLS API, kept in files on the controller.

``service(params, check_mode, diff)`` keeps a CA (created once, never replaced silently) and,
optionally, one server or client certificate bundle (``ca.pem``, ``cert.pem``, ``key.pem``: the
layout ``DOCKER_CERT_PATH`` and ``dockerd --tlscacert/--tlscert/--tlskey`` expect). A bundle is
(re)issued only when something is wrong with it: missing, unreadable, key and certificate do not
match, not signed by the CA, names or usage differ from the request, other key type, or expiring
within ``renew_days``. Files are written atomically; keys are 0600. A task holds an exclusive
lock on the CA key's directory from reading the CA to writing its last file, so parallel tasks
(forks, several playbooks) create one CA and never see a half-written one.

This talks to no daemon: there is no EngineClient here, and the module is not in the ``engine``
action group (module_defaults for that group would inject connection options it does not have).

Uses the ``cryptography`` library that ansible-core itself requires (38.0 or later).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import ipaddress
import os
import re
import tempfile
import typing as t

from ._errors import ConfigurationError, EngineError

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = ''
except ImportError as _exc:  # pragma: no cover - ansible-core depends on cryptography
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = str(_exc)

KEY_MODE = 0o600
CERT_MODE = 0o644
DIR_MODE = 0o700
# Certificates start one day in the past: a fresh VM's clock may lag the controller's.
BACKDATE = datetime.timedelta(days=1)
RSA_KEY_SIZE = 2048
_DNS_RE = re.compile(r'^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$')


class PKIError(EngineError):
    """A file of the PKI cannot be used as it is (unreadable, mismatched, expired CA...)."""


# --------------------------------------------------------------------------- small helpers

def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def not_after(cert: t.Any) -> datetime.datetime:
    value = getattr(cert, 'not_valid_after_utc', None)  # cryptography >= 42
    if value is None:
        value = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return value


def not_before(cert: t.Any) -> datetime.datetime:
    value = getattr(cert, 'not_valid_before_utc', None)
    if value is None:
        value = cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)
    return value


def _iso(when: datetime.datetime) -> str:
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


def _read(path: str) -> bytes | None:
    try:
        with open(path, 'rb') as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PKIError('Cannot read %s: %s. Fix its permissions or remove it.' % (path, exc))


def _mode(path: str) -> int | None:
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return None


def write_atomic(path: str, data: bytes, mode: int) -> None:
    """Write through a temporary file in the same directory, then rename over the target.

    The temporary file gets its final mode before any byte is written, so a key is never
    readable by others, not even for a moment.
    """
    directory = os.path.dirname(path) or '.'
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def ensure_dir(path: str, check_mode: bool) -> bool:
    """Create a private directory (and parents) if missing. Existing ones are left as they are."""
    if os.path.isdir(path):
        return False
    if os.path.exists(path):
        raise ConfigurationError('%s exists and is not a directory. Remove it or choose another path.' % path)
    if not check_mode:
        os.makedirs(path, mode=DIR_MODE, exist_ok=True)
        os.chmod(path, DIR_MODE)
    return True


@contextlib.contextmanager
def locked(directory: str) -> t.Iterator[None]:
    """Hold an exclusive flock on ``directory`` itself (the CA key's directory).

    Parallel tasks (forks issuing for several hosts at once, or several playbooks) run one at a
    time from reading the CA to writing the last file, so none sees a half-written CA or a key
    without its certificate. The lock is on the directory, not on a lock file in it: a CA
    directory the task may read but not write (a CA you bring, ca_create: false) can still be
    locked, and no stray file is left behind. The kernel drops the lock if the process dies.
    """
    fd = os.open(directory, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextlib.contextmanager
def pki_lock(params: dict[str, t.Any], check_mode: bool) -> t.Iterator[None]:
    """The lock around one task's whole work on a PKI (see ``locked``).

    The CA key's directory is created first when the CA is to be created (both CA files absent
    and ca_create true), so that the very first tasks already serialise on it.
    """
    cert_path, key_path = params['ca_cert'], params['ca_key']
    directory = os.path.dirname(key_path) or '.'
    to_create = not check_mode and params.get('ca_create', True) and not os.path.lexists(cert_path)
    if to_create and not os.path.isdir(directory):
        ensure_dir(directory, False)
    if not os.path.isdir(directory):
        # Check mode, or no CA to be found there: nothing is read or written under this directory.
        yield
        return
    with locked(directory):
        yield


# --------------------------------------------------------------------------- keys and names

def generate_key(key_type: str) -> t.Any:
    if key_type == 'rsa':
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: t.Any, passphrase: str | None = None) -> bytes:
    encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def cert_pem(cert: t.Any) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_type_of(public_key: t.Any) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return 'rsa'
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return 'ecdsa'
    return type(public_key).__name__


def _spki(public_key: t.Any) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_cert(path: str, data: bytes) -> t.Any:
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise PKIError('%s is not a PEM certificate (%s).' % (path, exc))


def load_key(path: str, data: bytes, passphrase: str | None = None) -> t.Any:
    try:
        return serialization.load_pem_private_key(data, password=passphrase.encode() if passphrase else None)
    except (ValueError, TypeError) as exc:
        hint = ' Give its passphrase in ca_passphrase.' if b'ENCRYPTED' in data and not passphrase else ''
        raise PKIError('%s is not a usable PEM private key (%s).%s' % (path, exc, hint))


def parse_names(names: t.Iterable[str], source: str) -> list[tuple[str, str]]:
    """Normalise subject alternative names to sorted unique ('DNS'|'IP', value) pairs.

    Accepts bare names and addresses, or the OpenSSL spellings ``DNS:name`` and ``IP:address``.
    """
    found: set[tuple[str, str]] = set()
    for raw in names:
        text = str(raw).strip()
        kind = None
        if text[:4].upper() == 'DNS:':
            kind, text = 'DNS', text[4:].strip()
        elif text[:3].upper() == 'IP:':
            kind, text = 'IP', text[3:].strip()
        if not text:
            raise ConfigurationError('%s contains an empty name. Remove it.' % source)
        try:
            address = ipaddress.ip_address(text.strip('[]'))
        except ValueError:
            address = None
        if kind == 'IP' and address is None:
            raise ConfigurationError('%s entry %r is not an IP address.' % (source, raw))
        if address is not None:
            if address.is_unspecified:
                raise ConfigurationError(
                    '%s entry %r is the "any" address, which no client dials. List the addresses clients use '
                    '(the listen address 0.0.0.0 is not a name for the certificate).' % (source, raw))
            found.add(('IP', str(address)))
            continue
        if not _DNS_RE.match(text) or len(text) > 253:
            raise ConfigurationError(
                '%s entry %r is neither a DNS name nor an IP address. Use names such as docker1.example.org '
                'or addresses such as 192.0.2.10 (no scheme, no port).' % (source, raw))
        found.add(('DNS', text.rstrip('.').lower()))
    return sorted(found)


def names_of(cert: t.Any) -> list[tuple[str, str]]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    pairs = [('DNS', n.lower()) for n in san.get_values_for_type(x509.DNSName)]
    pairs += [('IP', str(a)) for a in san.get_values_for_type(x509.IPAddress)]
    return sorted(set(pairs))


def names_text(pairs: t.Iterable[tuple[str, str]]) -> list[str]:
    return ['%s:%s' % pair for pair in pairs]


def usages_of(cert: t.Any) -> list[str]:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return []
    labels = {ExtendedKeyUsageOID.SERVER_AUTH: 'serverAuth', ExtendedKeyUsageOID.CLIENT_AUTH: 'clientAuth'}
    return sorted(labels.get(oid, oid.dotted_string) for oid in eku)


def common_name_of(cert: t.Any) -> str:
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ''


def is_ca(cert: t.Any) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def signed_by(cert: t.Any, ca_cert: t.Any) -> bool:
    """True if ``cert`` names ``ca_cert`` as issuer and carries its valid signature."""
    if cert.issuer != ca_cert.subject:
        return False
    verify = getattr(cert, 'verify_directly_issued_by', None)  # cryptography >= 40
    try:
        if verify is not None:
            verify(ca_cert)
            return True
        public = ca_cert.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                          cert.signature_hash_algorithm)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        else:
            return False
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def fingerprint(cert: t.Any) -> str:
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2)).upper()


def describe(cert: t.Any) -> dict[str, t.Any]:
    """What the module returns about a certificate (and shows in diff mode)."""
    remaining = not_after(cert) - _now()
    return {
        'subject': cert.subject.rfc4514_string(),
        'issuer': cert.issuer.rfc4514_string(),
        'common_name': common_name_of(cert),
        'serial': '%x' % cert.serial_number,
        'not_before': _iso(not_before(cert)),
        'not_after': _iso(not_after(cert)),
        'expires_in_days': remaining.days,
        'subject_alt_names': names_text(names_of(cert)),
        'extended_key_usage': usages_of(cert),
        'key_type': key_type_of(cert.public_key()),
        'fingerprint_sha256': fingerprint(cert),
    }


# --------------------------------------------------------------------------- building certificates

def build_ca(key: t.Any, common_name: str, days: int) -> t.Any:
    now = _now()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - BACKDATE)
               .not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(ski, critical=False))
    return builder.sign(key, hashes.SHA256())


def build_leaf(kind: str, key: t.Any, common_name: str, names: list[tuple[str, str]], expires: datetime.datetime,
               ca_cert: t.Any, ca_key: t.Any) -> t.Any:
    now = _now()
    usage = ExtendedKeyUsageOID.SERVER_AUTH if kind == 'server' else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
               .issuer_name(ca_cert.subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - BACKDATE)
               .not_valid_after(expires)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                            key_encipherment=isinstance(key, rsa.RSAPrivateKey),
                                            data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False))
    if names:
        general = [x509.IPAddress(ipaddress.ip_address(v)) if k == 'IP' else x509.DNSName(v) for k, v in names]
        builder = builder.add_extension(x509.SubjectAlternativeName(general), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


# --------------------------------------------------------------------------- the CA

class CA(t.NamedTuple):
    cert: t.Any
    key: t.Any
    cert_pem: bytes


def _check_params(params: dict[str, t.Any]) -> None:
    if not HAS_CRYPTOGRAPHY:
        raise ConfigurationError('The Python library cryptography is missing on the controller (%s). It ships with '
                                 'ansible-core: run this task with the Python that runs Ansible (delegate_to: localhost).'
                                 % CRYPTOGRAPHY_IMPORT_ERROR)
    for option in ('ca_days', 'days'):
        if params.get(option) is not None and params[option] < 1:
            raise ConfigurationError('%s must be at least 1 (days), got %d.' % (option, params[option]))
    if params.get('renew_days') is not None and params['renew_days'] < 0:
        raise ConfigurationError('renew_days must be 0 or more, got %d.' % params['renew_days'])
    kind = params.get('kind') or 'ca'
    if kind == 'ca':
        return
    if not params.get('dest'):
        raise ConfigurationError('kind=%s needs dest, the directory for ca.pem, cert.pem and key.pem.' % kind)
    if params['days'] <= params['renew_days']:
        raise ConfigurationError(
            'days (%d) must be greater than renew_days (%d), or every run would renew the certificate. '
            'Raise days or lower renew_days.' % (params['days'], params['renew_days']))
    if kind == 'server' and not params.get('subject_alt_names'):
        raise ConfigurationError(
            'kind=server needs subject_alt_names: every DNS name and IP address clients use to reach the daemon '
            '(clients check the name they dial against this list, never against the common name).')
    if kind == 'client' and params.get('subject_alt_names'):
        raise ConfigurationError('subject_alt_names is for kind=server; a client certificate is identified by '
                                 'its common_name. Remove subject_alt_names.')
    parse_names(params.get('subject_alt_names') or [], 'subject_alt_names')  # fail before anything is written


def ensure_ca(params: dict[str, t.Any], check_mode: bool, result: dict[str, t.Any]) -> CA | None:
    """Load the CA, or create it when both of its files are absent and ca_create allows it.

    Returns None only in check mode when the CA would be created (nothing to sign with yet).
    """
    cert_path, key_path = params['ca_cert'], params['ca_key']
    passphrase = params.get('ca_passphrase')
    cert_data, key_data = _read(cert_path), _read(key_path)
    if cert_data is None and key_data is None:
        if not params.get('ca_create', True):
            raise ConfigurationError(
                'No CA at %s and %s, and ca_create is false. Put your CA certificate and key there, or set '
                'ca_create: true to create a new CA.' % (cert_path, key_path))
        return _create_ca(params, check_mode, result)
    if cert_data is None or key_data is None:
        present, missing = (cert_path, key_path) if key_data is None else (key_path, cert_path)
        raise PKIError(
            'The CA is incomplete: %s exists but %s does not. Refusing to create a new CA over it (every '
            'certificate it signed would stop working). Restore the missing file from your backup, or remove '
            'both files on purpose to start a new CA.' % (present, missing))
    cert = load_cert(cert_path, cert_data)
    key = load_key(key_path, key_data, passphrase)
    if _spki(cert.public_key()) != _spki(key.public_key()):
        raise PKIError('The CA key %s does not belong to the CA certificate %s. Restore the matching pair.'
                       % (key_path, cert_path))
    if not is_ca(cert):
        raise PKIError('%s is not a CA certificate (basicConstraints CA:FALSE or missing).' % cert_path)
    expires = not_after(cert)
    if expires <= _now():
        raise PKIError(
            'The CA certificate %s expired on %s. Certificates it signs are rejected by every client. It is never '
            'replaced automatically: create a new CA (move the old files away), then roll out new certificates to '
            'every daemon and client.' % (cert_path, _iso(expires)))
    renew_days = params.get('renew_days') or 0
    if expires - _now() <= datetime.timedelta(days=renew_days):
        result['warnings'].append(
            'The CA certificate %s expires on %s, within renew_days (%d). It is never renewed automatically: plan a '
            'new CA and distribute it (dockerd and clients accept a ca.pem holding both the old and the new CA '
            'during the change).' % (cert_path, _iso(expires), renew_days))
    _protect_key(key_path, check_mode, result)
    result['ca'] = dict(describe(cert), cert_path=cert_path, key_path=key_path, created=False)
    return CA(cert, key, cert_pem(cert))


def _create_ca(params: dict[str, t.Any], check_mode: bool, result: dict[str, t.Any]) -> CA | None:
    cert_path, key_path = params['ca_cert'], params['ca_key']
    result['changed'] = True
    result['ca'] = {'cert_path': cert_path, 'key_path': key_path, 'created': True}
    if check_mode:
        _diff(result, 'ca', None, {'common_name': params['ca_common_name'], 'serial': '(new)'})
        return None
    for path in sorted({os.path.dirname(cert_path), os.path.dirname(key_path)}):
        ensure_dir(path or '.', False)
    # The caller holds pki_lock: no other task reads or writes this CA meanwhile.
    key = generate_key(params['key_type'])
    cert = build_ca(key, params['ca_common_name'], params['ca_days'])
    # Key first, then certificate, each atomically (never a partly written file).
    write_atomic(key_path, key_pem(key, params.get('ca_passphrase')), KEY_MODE)
    write_atomic(cert_path, cert_pem(cert), CERT_MODE)
    _verify_written_ca(params, cert)
    result['ca'] = dict(describe(cert), cert_path=cert_path, key_path=key_path, created=True)
    _diff(result, 'ca', None, _diff_view(cert))
    return CA(cert, key, cert_pem(cert))


def _verify_written_ca(params: dict[str, t.Any], cert: t.Any) -> None:
    """Read the new CA back: the files on disk must be the pair just made (nothing else wrote them)."""
    cert_path, key_path = params['ca_cert'], params['ca_key']
    cert_data, key_data = _read(cert_path), _read(key_path)
    if cert_data is None or key_data is None:
        raise PKIError('The new CA at %s and %s vanished right after it was written. Check what else manages '
                       'these files.' % (cert_path, key_path))
    on_disk = load_cert(cert_path, cert_data)
    key = load_key(key_path, key_data, params.get('ca_passphrase'))
    same_cert = on_disk.public_bytes(serialization.Encoding.DER) == cert.public_bytes(serialization.Encoding.DER)
    if not same_cert or _spki(on_disk.public_key()) != _spki(key.public_key()):
        raise PKIError('The new CA at %s and %s was changed by something else while it was written (the key does '
                       'not belong to the certificate, or the certificate is another one). Check what else manages '
                       'these files, remove both and run again.' % (cert_path, key_path))


def _protect_key(path: str, check_mode: bool, result: dict[str, t.Any]) -> None:
    """Take group and other permissions away from a key file (0644 -> 0600; 0400 stays 0400)."""
    current = _mode(path)
    if current is not None and current & 0o077:
        result['changed'] = True
        result.setdefault('modes_fixed', []).append(path)
        if not check_mode:
            os.chmod(path, current & 0o700)


def _diff(result: dict[str, t.Any], key: str, before: t.Any, after: t.Any) -> None:
    result['_diff_before'][key] = before
    result['_diff_after'][key] = after


def _diff_view(cert: t.Any) -> dict[str, t.Any]:
    view = describe(cert)
    return {k: view[k] for k in ('common_name', 'serial', 'not_after', 'subject_alt_names', 'extended_key_usage',
                                 'key_type')}


# --------------------------------------------------------------------------- leaf certificates

def reasons_to_issue(kind: str, params: dict[str, t.Any], ca: CA | None, common_name: str,
                     names: list[tuple[str, str]], cert: t.Any, key: t.Any) -> list[str]:
    """Why the existing bundle cannot stay as it is; empty when it is fine."""
    if params.get('force'):
        return ['force is true']
    if cert is None or key is None:
        return ['no certificate or key yet']
    reasons = []
    if _spki(cert.public_key()) != _spki(key.public_key()):
        reasons.append('the key does not belong to the certificate')
    if ca is None:
        reasons.append('the CA is new')
    elif not signed_by(cert, ca.cert):
        reasons.append('not signed by the CA %s' % ca.cert.subject.rfc4514_string())
    wanted_usage = 'serverAuth' if kind == 'server' else 'clientAuth'
    if usages_of(cert) != [wanted_usage]:
        reasons.append('extended key usage is %s, wanted %s' % (usages_of(cert) or 'missing', wanted_usage))
    if kind == 'server' and names_of(cert) != names:
        reasons.append('names differ: has %s, wanted %s' % (names_text(names_of(cert)), names_text(names)))
    if common_name_of(cert) != common_name:
        reasons.append('common name is %r, wanted %r' % (common_name_of(cert), common_name))
    if key_type_of(cert.public_key()) != params['key_type']:
        reasons.append('key type is %s, wanted %s' % (key_type_of(cert.public_key()), params['key_type']))
    remaining = not_after(cert) - _now()
    if remaining <= datetime.timedelta(days=params['renew_days']):
        reasons.append('expires on %s, within renew_days (%d)' % (_iso(not_after(cert)), params['renew_days']))
    if not_before(cert) > _now():
        reasons.append('not valid before %s' % _iso(not_before(cert)))
    return reasons


def _load_existing(cert_path: str, key_path: str) -> tuple[t.Any, t.Any]:
    """Existing certificate and key, or None for any that is missing or unreadable as PEM."""
    cert = key = None
    data = _read(cert_path)
    if data is not None:
        try:
            cert = x509.load_pem_x509_certificate(data)
        except ValueError:
            cert = None
    data = _read(key_path)
    if data is not None:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            key = None
    return cert, key


def ensure_leaf(params: dict[str, t.Any], ca: CA | None, check_mode: bool, result: dict[str, t.Any]) -> None:
    kind = params['kind']
    dest = params['dest']
    paths = {'ca': os.path.join(dest, 'ca.pem'), 'cert': os.path.join(dest, 'cert.pem'),
             'key': os.path.join(dest, 'key.pem')}
    names = parse_names(params.get('subject_alt_names') or [], 'subject_alt_names')
    common_name = params.get('common_name') or (
        names[0][1] if kind == 'server' else os.path.basename(os.path.normpath(dest)))
    if not common_name or len(common_name) > 64:
        raise ConfigurationError('common_name %r must be 1 to 64 characters. Set common_name.' % common_name)

    if ensure_dir(dest, check_mode):
        result['changed'] = True
    cert, key = _load_existing(paths['cert'], paths['key'])
    reasons = reasons_to_issue(kind, params, ca, common_name, names, cert, key)
    info: dict[str, t.Any] = {'kind': kind, 'path': dest, 'cert_path': paths['cert'], 'key_path': paths['key'],
                              'ca_path': paths['ca'], 'issued': bool(reasons), 'reasons': reasons}
    result['certificate'] = info

    if reasons:
        result['changed'] = True
        if check_mode or ca is None:
            info.update(common_name=common_name, subject_alt_names=names_text(names), serial='(new)')
            _diff(result, 'certificate', _diff_view(cert) if cert is not None else None,
                  {'common_name': common_name, 'subject_alt_names': names_text(names), 'serial': '(new)'})
            return
        expires = _now() + datetime.timedelta(days=params['days'])
        ca_expires = not_after(ca.cert)
        if expires > ca_expires:
            # A leaf cannot outlive its CA: clients reject the chain once the CA expires.
            result['warnings'].append('The %s certificate in %s is cut to the CA\'s end of validity (%s) instead of '
                                      '%d days.' % (kind, dest, _iso(ca_expires), params['days']))
            expires = ca_expires
        new_key = generate_key(params['key_type'])
        new_cert = build_leaf(kind, new_key, common_name, names, expires, ca.cert, ca.key)
        # Key first: a crash between the two leaves a mismatch that the next run repairs.
        write_atomic(paths['key'], key_pem(new_key), KEY_MODE)
        write_atomic(paths['cert'], cert_pem(new_cert), CERT_MODE)
        _diff(result, 'certificate', _diff_view(cert) if cert is not None else None, _diff_view(new_cert))
        cert = new_cert
    else:
        _protect_key(paths['key'], check_mode, result)
    info.update(describe(cert))

    if ca is not None and _read(paths['ca']) != ca.cert_pem:
        result['changed'] = True
        info['ca_updated'] = True
        if not check_mode:
            write_atomic(paths['ca'], ca.cert_pem, CERT_MODE)


# --------------------------------------------------------------------------- entry point

def service(params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Ensure the CA, then the requested bundle. Raises EngineError subclasses for the user's mistakes."""
    _check_params(params)
    result: dict[str, t.Any] = {'changed': False, 'warnings': [], '_diff_before': {}, '_diff_after': {}}
    try:
        with pki_lock(params, check_mode):
            ca = ensure_ca(params, check_mode, result)
            if (params.get('kind') or 'ca') != 'ca':
                ensure_leaf(params, ca, check_mode, result)
    except OSError as exc:
        raise PKIError('Cannot write the PKI files: %s. Check that the directory is writable by the user running '
                       'this task.' % exc)
    before, after = result.pop('_diff_before'), result.pop('_diff_after')
    if diff and result['changed']:
        result['diff'] = {'before': before, 'after': after}
    if not result['warnings']:
        del result['warnings']
    return result
