# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by every module, and how they are resolved.

Order of precedence: the task's option, then the DOCKER_* environment variable, then the
default. The environment is read here (not with ``env_fallback``) because the docker CLI's
rules are not Ansible's boolean rules: ``DOCKER_TLS_VERIFY=0`` still means "verify".

The option names match community.docker's so a playbook moves over by changing the FQCN.
Keep ``plugins/doc_fragments/connection.py`` in step with ``CONNECTION_ARGSPEC``
(ansible-test's validate-modules compares them for every module).
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import typing as t
from urllib.parse import urlsplit

from ._dockercontext import apply_current_context
from ._errors import ConfigurationError
from ._ssh import display as ssh_display, parse_ssh_url, ssh_arguments

DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'
DEFAULT_TIMEOUT = 60
# The longest wait a timeout may ask for: a week. Larger values overflow the platform's timers
# (timeout: 1e10 raised OverflowError); streams such as builds and events are not cut by timeout anyway.
MAX_TIMEOUT = 7 * 24 * 3600
PORT_PLAIN = 2375
PORT_TLS = 2376

CONNECTION_ARGSPEC: dict[str, dict[str, t.Any]] = {
    'docker_host': {'type': 'str', 'aliases': ['docker_url']},
    'tls': {'type': 'bool'},
    'validate_certs': {'type': 'bool', 'aliases': ['tls_verify']},
    'ca_path': {'type': 'path', 'aliases': ['ca_cert', 'tls_ca_cert', 'cacert_path']},
    'client_cert': {'type': 'path', 'aliases': ['tls_client_cert', 'cert_path']},
    'client_key': {'type': 'path', 'aliases': ['tls_client_key', 'key_path']},
    'client_key_passphrase': {'type': 'str', 'no_log': True},
    'tls_hostname': {'type': 'str'},
    'api_version': {'type': 'str', 'aliases': ['docker_api_version']},
    'timeout': {'type': 'int'},
    'allow_insecure_tcp': {'type': 'bool', 'default': False},
    # community.docker's: debug adds the request trace (api_calls) to the result; use_ssh_client is accepted
    # for compatibility and changes nothing: ssh:// hosts always go through the system's ssh client (see _ssh.py).
    'debug': {'type': 'bool', 'default': False},
    'use_ssh_client': {'type': 'bool', 'default': False},
}

CONNECTION_KEYS = frozenset(CONNECTION_ARGSPEC)

_API_VERSION_RE = re.compile(r'^1\.\d{1,3}$')


class ConnectionSettings(t.NamedTuple):
    """Everything the client needs to open a connection; resolved, validated, immutable."""

    scheme: str  # 'unix', 'tcp' or 'ssh'
    address: str  # socket path for unix, host name or address for tcp and ssh
    port: int  # 0 for unix; for ssh 0 means ssh's own default (port 22 or ~/.ssh/config)
    tls: bool
    validate_certs: bool
    ca_path: str | None
    client_cert: str | None
    client_key: str | None
    tls_hostname: str | None
    api_version: str | None  # None means negotiate
    timeout: float
    docker_host: str  # as given, for messages
    client_key_passphrase: str | None = None  # for an encrypted client_key
    ssh_user: str | None = None  # ssh: the URL's user (None: ssh's own default or ~/.ssh/config)
    ssh_args: t.Tuple[str, ...] = ()  # ssh: options from the environment (DOCKERAPI_SSH_OPTS, connection sharing)
    ssh_control_dir: str | None = None  # ssh: the private directory of the control sockets, made on first use
    ssh_env: t.Tuple[t.Tuple[str, str], ...] = ()  # ssh: the task's SSH_AUTH_SOCK (the fast path runs in the controller)
    context: str | None = None  # the docker CLI context used, e.g. 'docker context prod (from DOCKER_CONTEXT)'

    @property
    def display(self) -> str:
        if self.scheme == 'unix':
            return 'unix://%s' % self.address
        if self.scheme == 'ssh':
            return ssh_display(self.ssh_user, self.address, self.port)
        host = '[%s]' % self.address if ':' in self.address else self.address
        return '%s://%s:%d' % ('https' if self.tls else 'tcp', host, self.port)


def _env(environ: t.Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value if value not in (None, '') else None


def _is_loopback(host: str) -> bool:
    if host.lower() in ('localhost', 'localhost.localdomain', 'ip6-localhost'):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_timeout(value: t.Any, source: str) -> float:
    """Accept a positive number of seconds (at most MAX_TIMEOUT) given as int, float or numeric string."""
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigurationError(
            '%s must be a positive number of seconds, got %r. Set it to e.g. 60.' % (source, value))
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigurationError(
            '%s must be a positive number of seconds, got %r. Set it to e.g. 60.' % (source, value))
    if seconds > MAX_TIMEOUT:
        raise ConfigurationError(
            '%s %r is too large: at most %d seconds (a week) can be waited for one request. Set a smaller value '
            '(e.g. 600); streaming requests such as builds, pulls and events are not cut by timeout anyway.'
            % (source, value, MAX_TIMEOUT))
    return seconds


def parse_docker_host(value: str, source: str) -> tuple[str, str, int | None, bool]:
    """Split a docker_host URL into (scheme, address, port or None, https-forced)."""
    text = value.strip()
    if text.startswith('/'):
        return 'unix', text, None, False
    if '://' not in text:
        raise ConfigurationError(
            '%s %r is not a URL. Use unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port].'
            % (source, value))
    scheme = text.split('://', 1)[0].lower()
    if scheme == 'ssh':
        dummy, host, ssh_port = parse_ssh_url(text, source)
        return 'ssh', host, ssh_port, False
    if scheme == 'unix':
        path = text[len('unix://'):]
        if not path:
            raise ConfigurationError('%s %r names no socket path. Use e.g. %s.' % (source, value, DEFAULT_DOCKER_HOST))
        # unix://relative is docker-py's legacy spelling of an absolute path.
        return 'unix', path if path.startswith('/') else '/' + path, None, False
    if scheme not in ('tcp', 'http', 'https'):
        raise ConfigurationError(
            '%s %r uses the scheme %r, which this collection does not support. '
            'Use unix:///path/to/docker.sock, tcp://host:port (with TLS options for a remote daemon) or '
            'ssh://[user@]host[:port].'
            % (source, value, scheme))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError('%s %r is not a valid URL (%s). Use tcp://host:port.' % (source, value, exc))
    if not parts.hostname:
        raise ConfigurationError('%s %r names no host. Use tcp://host:port.' % (source, value))
    if parts.path not in ('', '/'):
        raise ConfigurationError(
            '%s %r has a path (%r); the Docker API is served at the root. Use tcp://host:port.'
            % (source, value, parts.path))
    return 'tcp', parts.hostname, port, scheme == 'https'


def inline_pem_values(params: t.Mapping[str, t.Any]) -> dict[str, str]:
    """File options that hold PEM text instead of a path (a key pasted by mistake): option -> value to hide."""
    found = {}
    for option in ('ca_path', 'client_cert', 'client_key'):
        value = params.get(option)
        if isinstance(value, str) and ('-----BEGIN' in value or '\n' in value):
            found[option] = value
    return found


def resolve_settings(params: t.Mapping[str, t.Any], environ: t.Mapping[str, str] | None = None) -> ConnectionSettings:
    """Turn the task's connection options plus the environment into ConnectionSettings.

    Raises ConfigurationError naming the option (or variable) and the fix.
    """
    if environ is None:
        environ = os.environ

    host_source = 'docker_host'
    docker_host = params.get('docker_host')
    if not docker_host:
        docker_host = _env(environ, 'DOCKER_HOST')
        host_source = 'DOCKER_HOST'
    context = None
    if not docker_host:  # the docker CLI's current context (DOCKER_CONTEXT, then currentContext); see _dockercontext.py
        params, context = apply_current_context(params, environ)
        docker_host, host_source = params.get('docker_host'), context or host_source
    if not docker_host:
        docker_host = DEFAULT_DOCKER_HOST
        host_source = 'the default docker_host'
    scheme, address, port, https = parse_docker_host(docker_host, host_source)

    cert_path = None if context else _env(environ, 'DOCKER_CERT_PATH')  # a context brings its own TLS material
    explicit_files = any(params.get(k) for k in ('ca_path', 'client_cert', 'client_key'))

    validate = params.get('validate_certs')
    if validate is None and _env(environ, 'DOCKER_TLS_VERIFY') is not None:
        # The docker CLI's rule: any non-empty value, even "0", turns verification on.
        validate = True
    tls = params.get('tls')
    if tls is None:
        tls = bool(https or validate or explicit_files or _env(environ, 'DOCKER_TLS') is not None)
    if validate is None:
        validate = True  # secure by default: TLS in use means the server is verified
    if https and tls is False:
        raise ConfigurationError('%s %r asks for https but tls is false. Drop one of them.' % (host_source, docker_host))

    def pick(option: str, filename: str) -> str | None:
        value = params.get(option)
        if value:
            return os.path.expanduser(value)
        if tls and cert_path:
            candidate = os.path.join(os.path.expanduser(cert_path), filename)
            # ca.pem is optional when verifying against the system store; cert and key go together.
            if os.path.exists(candidate):
                return candidate
        return None

    inline = sorted(inline_pem_values(params))
    if inline:
        raise ConfigurationError(
            '%s holds PEM text, not the path of a file (its value is hidden from the output). Save it to a file '
            '(mode 0600 for a key) and give that path.' % ' and '.join(inline))
    ca_path = pick('ca_path', 'ca.pem')
    client_cert = pick('client_cert', 'cert.pem')
    client_key = pick('client_key', 'key.pem')
    if bool(client_cert) != bool(client_key):
        raise ConfigurationError(
            'client_cert and client_key go together: %s is set but %s is not. '
            'Give both (or DOCKER_CERT_PATH with cert.pem and key.pem).'
            % (('client_cert', 'client_key') if client_cert else ('client_key', 'client_cert')))

    ssh_user: str | None = None
    ssh_args: tuple[str, ...] = ()
    ssh_control_dir: str | None = None
    ssh_env: tuple[tuple[str, str], ...] = ()
    if scheme == 'ssh':
        # SSH encrypts and authenticates: TLS options do not apply (like unix://), plain-TCP refusal neither.
        if params.get('tls') or https:
            raise ConfigurationError(
                '%s %r is an ssh:// host, which SSH encrypts and authenticates; tls: true does not apply to it. '
                'Drop tls (and the certificate options), or reach the daemon over tcp:// with TLS instead.'
                % (host_source, docker_host))
        ssh_user = parse_ssh_url(docker_host, host_source)[0]
        ssh_args, ssh_control_dir = ssh_arguments(environ)
        ssh_env = tuple((name, environ[name]) for name in ('SSH_AUTH_SOCK',) if environ.get(name))
        tls = False
        port = port or 0
    elif scheme == 'unix':
        tls = False
        port = 0
    else:
        if port is None:
            port = PORT_TLS if tls else PORT_PLAIN
        if not tls and not params.get('allow_insecure_tcp') and not _is_loopback(address):
            raise ConfigurationError(
                'Refusing plain TCP to %s:%d: anyone who can reach that port controls the daemon. '
                'Use TLS (tls: true with ca_path, client_cert and client_key, or DOCKER_TLS_VERIFY=1 with '
                'DOCKER_CERT_PATH), or set allow_insecure_tcp: true if this network is trusted.' % (address, port))

    api_source = 'api_version'
    api_version = params.get('api_version')
    if not api_version:
        api_version = _env(environ, 'DOCKER_API_VERSION')
        api_source = 'DOCKER_API_VERSION'
    if api_version in (None, '', 'auto'):
        api_version = None
    else:
        api_version = str(api_version).strip()
        if api_version.startswith('v'):
            api_version = api_version[1:]
        if not _API_VERSION_RE.match(api_version):
            raise ConfigurationError(
                '%s %r is not an API version. Use auto (the default) or a version such as "1.43".'
                % (api_source, params.get('api_version') or environ.get('DOCKER_API_VERSION')))

    timeout_value = params.get('timeout')
    timeout_source = 'timeout'
    if timeout_value in (None, ''):
        timeout_value = _env(environ, 'DOCKER_TIMEOUT')
        timeout_source = 'DOCKER_TIMEOUT'
    timeout = DEFAULT_TIMEOUT if timeout_value in (None, '') else parse_timeout(timeout_value, timeout_source)

    tls_hostname = params.get('tls_hostname') or _env(environ, 'DOCKER_TLS_HOSTNAME')

    return ConnectionSettings(
        scheme=scheme,
        address=address,
        port=port,
        tls=bool(tls),
        validate_certs=bool(validate),
        ca_path=ca_path,
        client_cert=client_cert,
        client_key=client_key,
        tls_hostname=tls_hostname,
        api_version=api_version,
        timeout=float(timeout),
        docker_host=docker_host,
        client_key_passphrase=params.get('client_key_passphrase') or None,
        ssh_user=ssh_user,
        ssh_args=ssh_args,
        ssh_control_dir=ssh_control_dir,
        ssh_env=ssh_env,
        context=context,
    )
