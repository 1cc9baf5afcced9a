# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EngineClient: transport and protocol for the Docker Engine API.

Why the standard library's http.client rather than requests: the unix-socket transport
that requests needs is a custom adapter overriding private hooks, which requests 2.32
changed (and broke docker-py and community.docker); http.client has a stable public
``connect()`` to override, streams request and response bodies without buffering,
needs nothing installed on a managed host, and imports in a fraction of the time.
Whatever requests/urllib3 versions are installed do not matter to this client.
"""

from __future__ import annotations

import codecs
import datetime
import http.client
import json
import os
import re
import socket
import ssl
import struct
import typing as t
from urllib.parse import quote, urlencode

from ._connection import ConnectionSettings
from ._errors import (
    APIError,
    APIVersionError,
    ConfigurationError,
    Conflict,
    ConnectionProblem,
    NotFound,
    NotModified,
    ProtocolError,
    StreamError,
    TLSProblem,
    UnsupportedFeature,
)
from ._filters import encode_filters
from ._ssh import SSHSocket, explain as explain_ssh_failure, open_socket as open_ssh_socket

# The newest API version our tests run against, and the oldest we support.
OUR_MAX_API = '1.51'
API_FLOOR = '1.41'
USER_AGENT = 'dockerapi.engine'
_DEFAULT = object()
_READ_SIZE = 64 * 1024
_VERSION_RE = re.compile(r'^\d{1,4}(\.\d{1,4}){1,2}$')


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in str(version).split('.'))


def quote_path(segment: str) -> str:
    """Quote one path argument; image references keep '/', ':' and '@' literal."""
    return quote(str(segment), safe='/:@')


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float | None) -> None:
        # Go's HTTP server wants a Host header; the daemon ignores its value.
        super().__init__('localhost', timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class _SSHConnection(http.client.HTTPConnection):
    """HTTP over ``ssh host docker system dial-stdio`` (see _ssh.py); the socket's close reaps ssh."""

    def __init__(self, settings: ConnectionSettings, timeout: float | None,
                 on_connect: t.Callable[[SSHSocket], None] | None = None) -> None:
        super().__init__('localhost', timeout=timeout)
        self.settings = settings
        self.on_connect = on_connect

    def connect(self) -> None:
        s = self.settings
        sock = open_ssh_socket(s.ssh_user, s.address, s.port, s.ssh_args, s.ssh_control_dir, self.timeout, s.ssh_env)
        if self.on_connect is not None:
            self.on_connect(sock)
        self.sock = sock


class _TLSConnection(http.client.HTTPConnection):
    """HTTPS whose certificate name check may use another name than the address dialled."""

    default_port = 2376

    def __init__(self, host: str, port: int, timeout: float | None, context: ssl.SSLContext,
                 server_hostname: str) -> None:
        super().__init__(host, port, timeout=timeout)
        self.context = context
        self.server_hostname = server_hostname

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        try:
            self.sock = self.context.wrap_socket(sock, server_hostname=self.server_hostname)
        except BaseException:
            sock.close()
            raise


class Response:
    """An HTTP response: buffered (``body``) or open for streaming (``iter_chunks``)."""

    def __init__(self, raw: http.client.HTTPResponse, method: str, path: str,
                 connection: http.client.HTTPConnection | None, body: bytes | None = None, where: str = 'the daemon',
                 sock: socket.socket | None = None) -> None:
        self.where = where
        self._sock = sock if sock is not None else getattr(connection, 'sock', None)
        self.raw = raw
        self.status = raw.status
        self.headers = raw.headers
        self.method = method
        self.path = path
        self._connection = connection  # set for streams: closed with the response
        self.body = body

    def json(self) -> t.Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode('utf-8'))
        except ValueError as exc:  # UnicodeDecodeError is a ValueError too
            raise ProtocolError(
                '%s answered %s %s with HTTP %d but a body that is not valid JSON (%s; it starts with %r). '
                'docker_host may point at something that is not a Docker daemon (another service, a proxy), or the '
                'answer was cut short: check docker_host and run the task again.%s'
                % (self.where, self.method, self.path, self.status, exc, self.body[:80], _maybe_done(self.method)),
                status=self.status) from None

    def iter_chunks(self) -> t.Iterator[bytes]:
        """Yield bytes as soon as they arrive (read1 does not wait for a full buffer)."""
        while True:
            chunk = self.raw.read1(_READ_SIZE)
            if not chunk:
                # read1 reports a connection closed before Content-Length was reached as a normal end
                left = self.raw.length
                if left:
                    raise http.client.IncompleteRead(b'', left)
                return
            yield chunk

    def read_exactly(self, size: int) -> bytes:
        data = b''
        while len(data) < size:
            chunk = self.raw.read(size - len(data))
            if not chunk:
                break
            data += chunk
        return data

    def set_read_timeout(self, seconds: float | None) -> None:
        """Bound the next reads of a stream (None: wait as long as it takes)."""
        sock = self._sock if self._sock is not None else getattr(self._connection, 'sock', None)
        if sock is not None:
            try:
                sock.settimeout(seconds)
            except OSError:  # already closed: the next read reports it
                pass

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: t.Any) -> None:
        self.close()


class JSONStreamDecoder:
    """Peel complete JSON objects off a byte stream, whatever the chunk boundaries are.

    Memory holds at most one incomplete object.
    """

    def __init__(self) -> None:
        self._text = ''
        self._utf8 = codecs.getincrementaldecoder('utf-8')('replace')
        self._json = json.JSONDecoder()

    def feed(self, data: bytes) -> t.Iterator[t.Any]:
        self._text += self._utf8.decode(data)
        text = self._text
        pos = 0
        while True:
            while pos < len(text) and text[pos] in ' \t\r\n':
                pos += 1
            if pos >= len(text):
                break
            try:
                obj, end = self._json.raw_decode(text, pos)
            except ValueError:
                break  # incomplete object: wait for more data
            pos = end
            yield obj
        self._text = text[pos:]

    def finish(self) -> None:
        rest = (self._text + self._utf8.decode(b'', final=True)).strip()
        if rest:
            raise StreamError('The daemon sent a truncated or malformed JSON stream: %r' % rest[:200])


def stream_error_message(obj: t.Mapping[str, t.Any]) -> str | None:
    """The in-band error text of a progress-stream object (pull, push, build), if any."""
    if not isinstance(obj, dict):
        return None
    detail = obj.get('errorDetail')
    if obj.get('error'):
        return str(obj['error'])
    if isinstance(detail, dict) and detail.get('message'):
        return str(detail['message'])
    return None


def iter_json_stream(response: Response, raise_on_error: bool = True) -> t.Iterator[t.Any]:
    """JSON objects of a JSON-lines stream; an in-band error object raises StreamError."""
    decoder = JSONStreamDecoder()
    for chunk in response.iter_chunks():
        for obj in decoder.feed(chunk):
            message = stream_error_message(obj) if raise_on_error else None
            if message is not None:
                raise StreamError(message, error_detail=obj.get('errorDetail'))
            yield obj
    decoder.finish()


STDIN, STDOUT, STDERR, SYSTEMERR = 0, 1, 2, 3


def iter_frames(read_exactly: t.Callable[[int], bytes]) -> t.Iterator[tuple[int, bytes]]:
    """Demultiplex the 8-byte-header frames of a non-TTY attach/exec/logs stream."""
    while True:
        header = read_exactly(8)
        if not header:
            return
        if len(header) < 8:
            raise StreamError('The daemon closed the stream inside a frame header.')
        stream, length = struct.unpack('>BxxxL', header)
        payload = read_exactly(length) if length else b''
        if len(payload) < length:
            raise StreamError('The daemon closed the stream inside a frame (%d of %d bytes).' % (len(payload), length))
        yield stream, payload


def demux(read_exactly: t.Callable[[int], bytes]) -> tuple[bytes, bytes]:
    """Collect a framed stream into (stdout, stderr); a system-error frame raises."""
    out: list[bytes] = []
    err: list[bytes] = []
    for stream, payload in iter_frames(read_exactly):
        if stream == SYSTEMERR:
            raise StreamError('The daemon reported an error inside the stream: %s' % payload.decode('utf-8', 'replace'))
        (err if stream == STDERR else out).append(payload)
    return b''.join(out), b''.join(err)


def _encode_params(params: t.Mapping[str, t.Any] | None) -> str:
    if not params:
        return ''
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if key == 'filters':
            if not value:
                continue
            value = encode_filters(value)
        if isinstance(value, bool):
            pairs.append((key, '1' if value else '0'))
        elif isinstance(value, dict):
            pairs.append((key, json.dumps(value)))
        elif isinstance(value, (list, tuple)):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return urlencode(pairs)


def _cert_names(host: str, port: int, server_hostname: str, timeout: float) -> list[str]:
    """The names a server certificate carries, fetched without verification (for messages only)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout) as sock:
            with ctx.wrap_socket(sock, server_hostname=server_hostname) as tls:
                der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError):
        return []
    if not der:
        return []
    try:
        from cryptography import x509  # ships with ansible-core; optional on managed hosts
        from cryptography.x509.oid import NameOID
    except ImportError:
        return []
    try:
        cert = x509.load_der_x509_certificate(der)
        names = ['CN=%s' % a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names.extend('DNS:%s' % n for n in san.get_values_for_type(x509.DNSName))
            names.extend('IP:%s' % n for n in san.get_values_for_type(x509.IPAddress))
        except x509.ExtensionNotFound:
            pass
        return names
    except Exception:  # a certificate we cannot parse only loses the hint
        return []


def _key_is_encrypted(path: str) -> bool:
    """Whether a PEM private key is passphrase-protected (PKCS#8 or the traditional Proc-Type header)."""
    try:
        with open(path, 'rb') as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False
    return b'ENCRYPTED PRIVATE KEY' in head or b'Proc-Type: 4,ENCRYPTED' in head


def _client_cert_problem(path: str, now: datetime.datetime | None = None) -> str | None:
    """Why a client certificate cannot work (expired, not yet valid, no clientAuth usage), or None."""
    try:
        from cryptography import x509  # ships with ansible-core; optional on managed hosts
        from cryptography.x509.oid import ExtendedKeyUsageOID
    except ImportError:
        return None
    try:
        with open(path, 'rb') as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
    except Exception:  # pylint: disable=broad-except  # an unreadable file is reported elsewhere
        return None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    after = getattr(cert, 'not_valid_after_utc', None) or cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    before = getattr(cert, 'not_valid_before_utc', None) or cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)
    if after < now:
        return ('it expired on %s. Issue a new client certificate (e.g. with dockerapi.engine.tls_certificates) and '
                'point client_cert and client_key at it.' % after.strftime('%Y-%m-%d %H:%M:%S UTC'))
    if before > now:
        return ('it is not valid before %s (not yet valid): check the clock of this host, or wait, or issue a '
                'certificate whose validity has begun.' % before.strftime('%Y-%m-%d %H:%M:%S UTC'))
    try:
        usages = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        usages = None
    if usages is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
        names = ', '.join(getattr(u, '_name', None) or u.dotted_string for u in usages) or 'none'
        return ('its extended key usage (%s) does not include clientAuth, which a daemon with --tlsverify '
                'requires. Issue a client certificate with extendedKeyUsage clientAuth.' % names)
    return None


class EngineClient:
    """One connection target, one negotiated API version, many requests."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self.api_version: str = settings.api_version or OUR_MAX_API
        self.version_info: dict[str, t.Any] = {}
        self.calls: list[tuple[str, str]] = []  # (method, path) of every request, for tests and traces
        self._conn: http.client.HTTPConnection | None = None
        self._conn_used = False
        self._ssl_context: ssl.SSLContext | None = None
        self._ssh_socket: SSHSocket | None = None  # the newest ssh transport, for messages when it fails

    # ---- connection -----------------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        if self._ssl_context is not None:
            return self._ssl_context
        s = self.settings
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if s.validate_certs:
            ctx.check_hostname = True
            ctx.verify_mode = ssl.CERT_REQUIRED
            if s.ca_path:
                self._check_readable(s.ca_path, 'ca_path')
                try:
                    ctx.load_verify_locations(cafile=s.ca_path)
                except ssl.SSLError as exc:
                    raise ConfigurationError('ca_path %s holds no usable PEM certificate (%s). Point it at the CA '
                                             'that signed the daemon\'s certificate (ca.pem).' % (s.ca_path, exc))
            else:
                ctx.load_default_certs()
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if s.client_cert and s.client_key:
            self._check_readable(s.client_cert, 'client_cert')
            self._check_readable(s.client_key, 'client_key')
            encrypted = _key_is_encrypted(s.client_key)
            passphrase = s.client_key_passphrase
            if encrypted and not passphrase:
                raise ConfigurationError(
                    'client_key %s is encrypted (protected by a passphrase). Give its passphrase with '
                    'client_key_passphrase (use a vaulted variable), or use an unencrypted copy of the key '
                    '(openssl pkey -in <key> -out <new key>, mode 0600).' % s.client_key)
            try:
                # A callable password: OpenSSL never prompts on a terminal for a key we failed to detect as encrypted.
                ctx.load_cert_chain(s.client_cert, s.client_key, password=passphrase if passphrase else (lambda: b''))
            except ssl.SSLError as exc:
                if encrypted or 'BAD_DECRYPT' in str(exc).upper() or 'BAD PASSWORD' in str(exc).upper():
                    raise ConfigurationError(
                        'client_key %s could not be decrypted (%s): client_key_passphrase is not its passphrase%s. '
                        'Check client_key_passphrase.' % (s.client_key, exc, '' if passphrase else ' (none was given)'))
                raise ConfigurationError(
                    'client_cert %s and client_key %s cannot be used together (%s). Check that both are PEM files '
                    'and that the key belongs to the certificate.' % (s.client_cert, s.client_key, exc))
        self._ssl_context = ctx
        return ctx

    @staticmethod
    def _check_readable(path: str, option: str) -> None:
        try:
            with open(path, 'rb'):
                pass
        except FileNotFoundError:
            raise ConfigurationError('%s %s does not exist. Check the path (or DOCKER_CERT_PATH).' % (option, path))
        except PermissionError:
            raise ConfigurationError(
                '%s %s cannot be read by this user (permission denied). Make it readable by the user that runs '
                'the task (keys: mode 0600, owned by that user), or run with become.' % (option, path))
        except IsADirectoryError:
            raise ConfigurationError('%s %s is a directory; give the file (e.g. %s/ca.pem).' % (option, path, path))

    def _new_connection(self, timeout: float | None) -> http.client.HTTPConnection:
        s = self.settings
        if s.scheme == 'unix':
            return _UnixHTTPConnection(s.address, timeout)
        if s.scheme == 'ssh':
            return _SSHConnection(s, timeout, self._remember_ssh)
        if s.tls:
            return _TLSConnection(s.address, s.port, timeout, self._tls_context(), s.tls_hostname or s.address)
        return http.client.HTTPConnection(s.address, s.port, timeout=timeout)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _remember_ssh(self, sock: SSHSocket) -> None:
        self._ssh_socket = sock

    def _ssh_failure(self, exc: BaseException | None) -> ConnectionProblem | None:
        """What ssh or dial-stdio said, when the ssh transport failed (None when it gives no clue)."""
        sock = self._ssh_socket
        if sock is None:
            return None
        s = self.settings
        # the transport's end comes with ssh's exit; a time-out leaves it running
        timed_out = isinstance(exc, (socket.timeout, TimeoutError))
        returncode, stderr = sock.diagnosis(0.0 if timed_out else 3.0)
        message = explain_ssh_failure(returncode, stderr, s.ssh_user, s.address, s.port, generic=not timed_out)
        if message is None:
            return None
        return ConnectionProblem(message, ssh_exit_status=returncode)

    def _describe_failure(self, exc: BaseException, method: str, path: str, timeout: float | None) -> ConnectionProblem:
        """Turn a low-level exception into a message that says which failure and the fix."""
        s = self.settings
        where = '%s (%s)' % (s.display, s.context) if s.context else s.display
        if s.scheme == 'ssh':
            problem = self._ssh_failure(exc)
            if problem is not None:
                return problem
        if isinstance(exc, ssl.SSLCertVerificationError):
            code = getattr(exc, 'verify_code', None)
            # 62: X509_V_ERR_HOSTNAME_MISMATCH, 64: X509_V_ERR_IP_ADDRESS_MISMATCH (an address dialled)
            if code in (62, 64) or 'address mismatch' in str(exc).lower() or 'hostname mismatch' in str(exc).lower() \
                    or "doesn't match" in str(exc):
                wanted = s.tls_hostname or s.address
                names = _cert_names(s.address, s.port, wanted, s.timeout)
                return TLSProblem(
                    'TLS failed for %s: the daemon\'s certificate is not valid for the name %r%s. Set tls_hostname '
                    '(DOCKER_TLS_HOSTNAME) to one of the certificate\'s names, or connect by a name it carries, or '
                    're-issue the server certificate with that name in its SANs.'
                    % (where, wanted, ' (it carries %s)' % ', '.join(names) if names else ''),
                    certificate_names=names)
            return TLSProblem(
                'TLS failed for %s: the daemon\'s certificate could not be verified (%s). %s'
                % (where, getattr(exc, 'verify_message', None) or exc,
                   'ca_path %s is not the CA that signed it: use the CA of the daemon\'s certificate (ca.pem).'
                   % s.ca_path if s.ca_path else
                   'No ca_path is set, so the system CA store was used: set ca_path (or DOCKER_CERT_PATH) to the '
                   'daemon\'s CA.'))
        if isinstance(exc, ssl.SSLError) or (s.tls and s.client_cert and isinstance(
                exc, (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected))):
            # A daemon that refuses our certificate says only "bad certificate": find out why ourselves.
            problem = _client_cert_problem(s.client_cert) if s.tls and s.client_cert else None
            if problem:
                return TLSProblem('TLS failed for %s: the daemon refused the client certificate %s: %s'
                                  % (where, s.client_cert, problem))
        if isinstance(exc, ssl.SSLError):
            reason = (getattr(exc, 'reason', None) or '').upper()
            text = str(exc)
            if 'CERTIFICATE_REQUIRED' in reason or ('BAD_CERTIFICATE' in reason and not s.client_cert) \
                    or ('HANDSHAKE_FAILURE' in reason and not s.client_cert):
                return TLSProblem(
                    'TLS failed for %s: the daemon demanded a client certificate (it runs with --tlsverify) and none '
                    'was sent. Set client_cert and client_key (or DOCKER_CERT_PATH with cert.pem and key.pem).' % where)
            if 'UNKNOWN_CA' in reason or 'BAD_CERTIFICATE' in reason:
                return TLSProblem(
                    'TLS failed for %s: the daemon rejected the client certificate %s (%s): it is not signed by the CA '
                    'the daemon trusts (--tlscacert). Use a client certificate issued by that CA.'
                    % (where, s.client_cert, reason.lower() or text))
            if 'WRONG_VERSION_NUMBER' in reason or 'RECORD_LAYER_FAILURE' in reason:
                return TLSProblem(
                    'TLS failed for %s: the other side does not speak TLS (%s). If the daemon listens in plain HTTP '
                    'there, set tls: false (only on loopback, or with allow_insecure_tcp); otherwise use the '
                    'daemon\'s TLS port (2376).' % (where, text))
            return TLSProblem('TLS failed for %s: %s. Check ca_path, client_cert, client_key and the daemon\'s '
                              '--tlscacert/--tlscert/--tlskey.' % (where, text))
        if s.scheme == 'unix':
            if isinstance(exc, FileNotFoundError):
                return ConnectionProblem(
                    'The Docker socket %s does not exist. Is dockerd running on this host? Start it '
                    '(systemctl start docker) or point docker_host (DOCKER_HOST) at the right socket.' % s.address)
            if isinstance(exc, PermissionError):
                return ConnectionProblem(
                    'Permission denied on the Docker socket %s: user %s may not use the daemon. Run the task with '
                    'become: true, or add the user to the group that owns the socket (usually docker).'
                    % (s.address, _user_name()))
            if isinstance(exc, ConnectionRefusedError):
                return ConnectionProblem(
                    'Connection refused on the Docker socket %s: nothing listens there (a stale socket left by a '
                    'stopped daemon?). Start dockerd or point docker_host at the live socket.' % s.address)
        if isinstance(exc, socket.gaierror):
            return ConnectionProblem('Cannot resolve the host name %r of %s (%s). Check docker_host.' % (s.address, where, exc))
        if isinstance(exc, ConnectionRefusedError):
            return ConnectionProblem(
                'Connection refused by %s: no daemon listens on that address and port. Check docker_host and that '
                'dockerd runs with -H tcp://...:%d (and that no firewall rejects it).' % (where, s.port))
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return ConnectionProblem(
                'Timed out after %s s waiting for %s (%s %s). Raise timeout (DOCKER_TIMEOUT) if the daemon is busy, or '
                'check that %s is reachable.' % (_fmt_seconds(timeout), where, method, path, where))
        if isinstance(exc, http.client.IncompleteRead):
            return ProtocolError(
                'The connection to %s broke in the middle of the answer to %s %s (%d bytes received, %s more expected). '
                'The daemon (or something between) closed it: check that dockerd is healthy and run the task again.%s'
                % (where, method, path, len(exc.partial), exc.expected if exc.expected is not None else 'some',
                   _maybe_done(method)))
        if isinstance(exc, (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)):
            hint = ''
            if s.tls and not s.client_cert:
                hint = ' The daemon may demand a client certificate: set client_cert and client_key.'
            return ConnectionProblem('The connection to %s was closed by the other side during %s %s (%s).%s'
                                     % (where, method, path, exc, hint))
        return ConnectionProblem('Cannot talk to the Docker daemon at %s (%s %s): %s: %s'
                                 % (where, method, path, type(exc).__name__, exc))

    # ---- requests -----------------------------------------------------------------

    def url(self, path: str, params: t.Mapping[str, t.Any] | None = None, versioned: bool = True) -> str:
        query = _encode_params(params)
        prefix = '/v%s' % self.api_version if versioned else ''
        return prefix + path + ('?' + query if query else '')

    def request(self, method: str, path: str, params: t.Mapping[str, t.Any] | None = None, *,
                json_body: t.Any = _DEFAULT, data: t.Any = None, headers: t.Mapping[str, str] | None = None,
                stream: bool = False, timeout: t.Any = _DEFAULT, versioned: bool = True) -> Response:
        """Send one request. Error statuses raise; streams come back open (close them).

        ``timeout`` bounds each wait for the daemon (default: the task's timeout). For a stream it
        bounds the wait for the response head; the body is then read without a limit unless
        ``timeout`` was given (builds, pulls and events may stay silent for long).
        """
        stream_timeout = None if timeout is _DEFAULT else timeout
        if timeout is _DEFAULT:
            timeout = self.settings.timeout
        url = self.url(path, params, versioned)
        hdrs = {'User-Agent': USER_AGENT}
        body: t.Any = data
        if json_body is not _DEFAULT:
            body = json.dumps(json_body).encode('utf-8')
            hdrs['Content-Type'] = 'application/json'
        if headers:
            hdrs.update(headers)
        if body is None and method in ('POST', 'PUT'):
            hdrs.setdefault('Content-Length', '0')
        self.calls.append((method, path))

        # Streams get a connection of their own (closed with the stream); the rest reuse one.
        if stream:
            # the wait for the head of a stream is bounded by the task's timeout even when its body is not
            timeout = timeout if timeout is not None else self.settings.timeout
            conn = self._new_connection(timeout)
        else:
            if self._conn is None:
                self._conn = self._new_connection(timeout)
                self._conn_used = False
            conn = self._conn
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        sock: socket.socket | None = None
        for attempt in (1, 2):
            try:
                conn.request(method, url, body=body, headers=hdrs)
                # getresponse() hands a connection the daemon will close over to the response and
                # forgets its socket: keep it, so that a stream's read timeout can still be set.
                sock = conn.sock
                raw = conn.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                # A kept-alive connection the daemon closed meanwhile: retry once on a fresh one.
                conn.close()
                if attempt == 1 and not stream and self._conn_used and (body is None or isinstance(body, bytes)):
                    continue
                raise self._describe_failure(exc, method, path, timeout)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if not stream:
                    self._conn = None
                raise self._describe_failure(exc, method, path, timeout)
            except BaseException:
                # e.g. a request body generator that raised: never leave the connection half-used
                conn.close()
                if not stream:
                    self._conn = None
                raise
        if not stream:
            self._conn_used = True

        if raw.status >= 300 or not stream:
            try:
                payload = raw.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if not stream:
                    self._conn = None
                raise self._describe_failure(exc, method, path, timeout)
            if stream:
                conn.close()
            if raw.will_close and not stream:
                conn.close()
                self._conn = None
            if raw.status >= 300:
                raise self._api_error(raw.status, payload, method, path)
            return Response(raw, method, path, None, payload, where=self.settings.display)

        if sock is not None:
            sock.settimeout(stream_timeout)
        return Response(raw, method, path, conn, where=self.settings.display, sock=sock)

    def _api_error(self, status: int, payload: bytes, method: str, path: str) -> APIError:
        text = payload.decode('utf-8', 'replace').strip()
        message = text
        try:
            message = json.loads(text).get('message', text)
        except (ValueError, AttributeError):
            pass
        if status == 400 and 'HTTP request to an HTTPS server' in text:
            raise ConfigurationError(
                '%s serves the API over TLS, but this task spoke plain HTTP. Set tls: true with ca_path, client_cert '
                'and client_key (or DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH).' % self.settings.display)
        if not isinstance(message, str):
            message = text
        if not message:
            message = '%s (the daemon sent no error text)' % http.client.responses.get(status, 'error')
            if status >= 500:
                message += '; see the daemon\'s log (journalctl -u docker) for the cause'
        cls = {404: NotFound, 409: Conflict, 304: NotModified}.get(status, APIError)
        return cls(status, message, method, path)

    def get_json(self, path: str, params: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any) -> t.Any:
        return self.request('GET', path, params, **kwargs).json()

    def post_json(self, path: str, params: t.Mapping[str, t.Any] | None = None, body: t.Any = _DEFAULT,
                  **kwargs: t.Any) -> t.Any:
        return self.request('POST', path, params, json_body=body, **kwargs).json()

    def delete(self, path: str, params: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any) -> t.Any:
        return self.request('DELETE', path, params, **kwargs).json()

    def stream_json(self, method: str, path: str, params: t.Mapping[str, t.Any] | None = None, *,
                    raise_on_error: bool = True, **kwargs: t.Any) -> t.Iterator[t.Any]:
        """Yield the objects of a JSON-lines endpoint; the connection closes when the generator ends."""
        response = self.request(method, path, params, stream=True, **kwargs)
        with response:
            try:
                yield from iter_json_stream(response, raise_on_error=raise_on_error)
            except (OSError, http.client.HTTPException) as exc:
                raise self._describe_failure(exc, method, path, kwargs.get('timeout', self.settings.timeout)) from None

    def hijack(self, method: str, path: str, json_body: t.Any) -> tuple[socket.socket, bytes]:
        """Upgrade a request to a raw connection of its own (exec/attach with stdin).

        Returns the socket (write stdin, then ``shutdown(SHUT_WR)``, then read to EOF) and the
        bytes the daemon already sent after its response head. The head is parsed here, not by
        http.client, whose reader for a 101 answer is closed on return and may already hold
        stream bytes.
        """
        conn = self._new_connection(self.settings.timeout)
        try:
            conn.connect()
        except OSError as exc:
            raise self._describe_failure(exc, method, path, self.settings.timeout)
        sock = conn.sock
        payload = json.dumps(json_body).encode('utf-8')
        head = ('%s %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: %s\r\nContent-Type: application/json\r\n'
                'Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %d\r\n\r\n'
                % (method, self.url(path), USER_AGENT, len(payload))).encode('ascii')
        self.calls.append((method, path))
        data = b''
        try:
            sock.sendall(head + payload)
            while b'\r\n\r\n' not in data:
                chunk = sock.recv(_READ_SIZE)
                if not chunk:
                    sock.close()
                    raise self._ssh_failure(None) or ConnectionProblem(
                        'The daemon at %s closed the connection during %s %s.' % (self.settings.display, method, path))
                data += chunk
            header, rest = data.split(b'\r\n\r\n', 1)
            lines = header.decode('latin-1').split('\r\n')
            status = int(lines[0].split()[1])
            if status >= 300:
                length = 0
                for line in lines[1:]:
                    name, dummy, value = line.partition(':')
                    if name.strip().lower() == 'content-length':
                        length = int(value.strip())
                while len(rest) < length:
                    chunk = sock.recv(_READ_SIZE)
                    if not chunk:
                        break
                    rest += chunk
                raise self._api_error(status, rest, method, path)
        except (OSError, ValueError, IndexError) as exc:
            sock.close()
            if isinstance(exc, OSError):
                raise self._describe_failure(exc, method, path, self.settings.timeout)
            raise ConnectionProblem('The daemon at %s sent a malformed answer to %s %s: %r'
                                    % (self.settings.display, method, path, data[:200]))
        except BaseException:
            sock.close()
            raise
        sock.settimeout(None)
        return sock, rest

    # ---- versions -----------------------------------------------------------------

    def negotiate(self) -> None:
        """One unversioned GET /version; pick the API version both sides speak."""
        info = self.get_json('/version', versioned=False) or {}
        if not isinstance(info, dict):
            raise ProtocolError('The daemon at %s answered GET /version with %s instead of a JSON object. Check that '
                                'docker_host points at a Docker daemon.' % (self.settings.display, type(info).__name__))
        self.version_info = info
        daemon_max = str(info.get('ApiVersion') or '')
        daemon_min = str(info.get('MinAPIVersion') or '1.12')
        engine = info.get('Version', 'unknown')
        if not daemon_max:
            raise APIVersionError('The daemon at %s did not report its API version in /version.' % self.settings.display)
        for label, value in (('ApiVersion', daemon_max), ('MinAPIVersion', daemon_min)):
            if not _VERSION_RE.match(value):
                raise APIVersionError(
                    'The daemon at %s reported %s %r in /version, which is not a version number such as 1.43. Check that '
                    'docker_host points at a Docker daemon (not a proxy that rewrites answers), or pin api_version.'
                    % (self.settings.display, label, value[:100]))
        dmax, dmin = version_tuple(daemon_max), version_tuple(daemon_min)
        pinned = self.settings.api_version
        if pinned:
            want = version_tuple(pinned)
            if want > dmax:
                raise APIVersionError(
                    'api_version %s is newer than the daemon supports: Docker %s speaks API %s to %s. '
                    'Use api_version: auto, or a version between %s and %s.'
                    % (pinned, engine, daemon_min, daemon_max, max(daemon_min, API_FLOOR, key=version_tuple), daemon_max),
                    daemon_api_version=daemon_max, daemon_min_api_version=daemon_min)
            if want < dmin:
                raise APIVersionError(
                    'api_version %s is older than the daemon accepts: Docker %s speaks API %s to %s. Use '
                    'api_version: auto.' % (pinned, engine, daemon_min, daemon_max),
                    daemon_api_version=daemon_max, daemon_min_api_version=daemon_min)
            if want < version_tuple(API_FLOOR):
                raise APIVersionError(
                    'api_version %s is older than this collection supports (%s). Use api_version: auto or %s or newer.'
                    % (pinned, API_FLOOR, API_FLOOR))
            self.api_version = pinned
            return
        use = min(dmax, version_tuple(OUR_MAX_API))
        if use < version_tuple(API_FLOOR):
            raise APIVersionError(
                'Docker %s at %s speaks API %s at most; this collection needs %s or newer (Docker 20.10+). '
                'Upgrade Docker on that host.' % (engine, self.settings.display, daemon_max, API_FLOOR),
                daemon_api_version=daemon_max, daemon_min_api_version=daemon_min)
        if use < dmin:
            raise APIVersionError(
                'Docker %s at %s accepts API %s to %s, but this collection speaks %s at most. Pin a version the daemon '
                'accepts with api_version, or lower the daemon\'s minimum (min-api-version).'
                % (engine, self.settings.display, daemon_min, daemon_max, OUR_MAX_API),
                daemon_api_version=daemon_max, daemon_min_api_version=daemon_min)
        self.api_version = '.'.join(str(p) for p in use)

    def api_at_least(self, version: str) -> bool:
        return version_tuple(self.api_version) >= version_tuple(version)

    def require_api(self, version: str, feature: str) -> None:
        """Fail clearly when ``feature`` needs a newer API than the one negotiated."""
        if not self.api_at_least(version):
            raise UnsupportedFeature(
                '%s needs Docker API %s or newer, but the connection speaks %s (Docker %s). Upgrade Docker, or leave '
                '%s out.' % (feature, version, self.api_version, self.version_info.get('Version', 'unknown'), feature))


def _user_name() -> str:
    try:
        import pwd
        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())


def _fmt_seconds(value: t.Any) -> str:
    if isinstance(value, float):
        return ('%.2f' % value).rstrip('0').rstrip('.')
    return str(value)


def _maybe_done(method: str) -> str:
    """For a broken answer to a write: the daemon may have done it anyway."""
    if method in ('GET', 'HEAD'):
        return ''
    return (' The daemon may have carried out the %s before its answer broke: check the object\'s state '
            '(a new run of the task does) before doing it again by hand.' % method)
