# Copyright: dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the remote_api role: parse listen addresses, dockerd's command line and PEM bundles,
and quote values for a systemd ExecStart line. Plain Python, no dependency; unit-tested in
tests/unit/roles/test_remote_api_filters.py."""

from __future__ import annotations

import ipaddress
import re
import shlex
import typing as t

DEFAULT_PORT = 2376
DEFAULT_UNIX_SOCKET = 'unix:///var/run/docker.sock'
_LABEL_RE = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$')
_PORT_RE = re.compile(r'^[0-9]{1,5}$')
_PEM_RE = re.compile(r'-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----')
# Characters that need no quoting in a systemd command line word (% and $ are always escaped).
_SYSTEMD_PLAIN_RE = re.compile(r'^[A-Za-z0-9@%$+=:,./_\[\]-]+$')


def _bad_char(value: str) -> str | None:
    """The first whitespace or control character of value, as U+XXXX, or None."""
    for char in value:
        if char.isspace() or ord(char) < 32 or 127 <= ord(char) < 160 or char in '\u2028\u2029\ufeff':
            return 'U+%04X' % ord(char)
    return None


def _is_loopback(host: str) -> bool:
    if host.lower() == 'localhost':
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: only "localhost" is known to be loopback
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def parse_listen(entry: t.Any) -> dict[str, t.Any]:
    """One remote_api_listen entry: {entry, ok, error, host, port, url, loopback, wildcard}."""
    result: dict[str, t.Any] = {'entry': entry, 'ok': False, 'error': '', 'host': '', 'port': 0, 'url': '',
                                'loopback': False, 'wildcard': False}
    if not isinstance(entry, str):
        result['error'] = 'is not a string'
        return result
    bad = _bad_char(entry)
    if bad:
        result['error'] = 'contains whitespace or a control character (%s)' % bad
        return result
    if not entry.startswith('tcp://'):
        result['error'] = 'does not start with tcp://'
        return result
    rest = entry[len('tcp://'):]
    if any(c in rest for c in '/?#@'):
        result['error'] = 'has a path, query or user part (only tcp://ADDRESS:PORT)'
        return result
    if rest.startswith('['):
        host, sep, port = rest[1:].partition(']:')
        if not sep:
            result['error'] = 'is not tcp://[IPV6]:PORT'
            return result
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            result['error'] = '%r is not an IPv6 address' % host
            return result
    else:
        host, sep, port = rest.rpartition(':')
        if not sep or not host:
            result['error'] = 'has no ADDRESS:PORT (for all addresses write 0.0.0.0)'
            return result
        if ':' in host:
            result['error'] = 'has an IPv6 address without brackets (write tcp://[ADDRESS]:PORT)'
            return result
        if re.match(r'^[0-9.]+$', host):
            try:
                ipaddress.IPv4Address(host)
            except ValueError:
                result['error'] = '%r is not an IPv4 address' % host
                return result
        elif len(host) > 253 or not all(_LABEL_RE.match(label) for label in host.split('.')):
            result['error'] = '%r is neither an IP address nor a host name' % host
            return result
    if not _PORT_RE.match(port) or not 1 <= int(port) <= 65535:
        result['error'] = 'port %r is not a number from 1 to 65535' % port
        return result
    result.update(ok=True, host=host, port=int(port), loopback=_is_loopback(host),
                  wildcard=host in ('0.0.0.0', '::'))
    result['url'] = 'tcp://%s:%d' % ('[%s]' % host if ':' in host else host, int(port))
    return result


def remote_api_listen(entries: t.Any) -> list[dict[str, t.Any]]:
    """Parse every entry of remote_api_listen (a non-list gives one failed entry)."""
    if not isinstance(entries, (list, tuple)):
        return [dict(parse_listen(None), entry=entries, error='remote_api_listen is not a list')]
    return [parse_listen(entry) for entry in entries]


def remote_api_listen_port(entries: t.Any) -> int:
    """The port of the first valid listen address (for the default client URL), else 2376."""
    for parsed in remote_api_listen(entries):
        if parsed['ok']:
            return parsed['port']
    return DEFAULT_PORT


def remote_api_systemd_arg(value: t.Any) -> str:
    """value as one word of a systemd ExecStart line: %% and $$ escaped, quoted and C-escaped when needed."""
    value = str(value)
    escaped = value.replace('%', '%%').replace('$', '$$')
    if escaped and _SYSTEMD_PLAIN_RE.match(escaped):
        return escaped
    out = []
    for char in escaped:
        if char in '\\"':
            out.append('\\' + char)
        elif char == '\n':
            out.append('\\n')
        elif char == '\t':
            out.append('\\t')
        elif ord(char) < 32 or ord(char) == 127:
            out.append('\\x%02x' % ord(char))
        elif char in '\u2028\u2029' or 128 <= ord(char) < 160:
            out.append('\\u%04x' % ord(char))
        else:
            out.append(char)
    return '"%s"' % ''.join(out)


def _flag_values(argv: list[str], long_name: str, short_name: str | None = None) -> list[str]:
    """Values of a dockerd (pflag) flag that takes a value: --name X, --name=X, -H X, -H=X, -HX."""
    values = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        names = ['--' + long_name] + (['-' + short_name] if short_name else [])
        for name in names:
            if arg == name and i + 1 < len(argv):
                values.append(argv[i + 1])
                i += 1
                break
            if arg.startswith(name + '='):
                values.append(arg[len(name) + 1:])
                break
            if short_name and name == '-' + short_name and arg.startswith(name) and len(arg) > len(name) \
                    and not arg.startswith('--'):
                values.append(arg[len(name):])
                break
        i += 1
    return values


def _bool_flag(argv: list[str], name: str) -> bool | None:
    value = None
    for arg in argv:
        if arg == '--' + name:
            value = True
        elif arg.startswith('--%s=' % name):
            value = arg.split('=', 1)[1].lower() in ('1', 't', 'true')
    return value


def remote_api_dockerd_tls(argv: t.Any, daemon_json: t.Any = None) -> dict[str, t.Any]:
    """What a running dockerd serves, from its command line (and daemon.json for what the flags leave out):
    {hosts, tcp, tls, tlsverify, tlscacert}. tlscacert is the file clients are checked against (None without
    --tlsverify)."""
    argv = [str(a) for a in (argv or [])]
    config = daemon_json if isinstance(daemon_json, dict) else {}
    hosts = _flag_values(argv, 'host', 'H') or [str(h) for h in config.get('hosts') or []]
    tlsverify = _bool_flag(argv, 'tlsverify')
    if tlsverify is None:
        tlsverify = bool(config.get('tlsverify', False))
    tls = _bool_flag(argv, 'tls')
    if tls is None:
        tls = bool(config.get('tls', False))
    cacert_values = _flag_values(argv, 'tlscacert')
    cacert = cacert_values[-1] if cacert_values else config.get('tlscacert') or '/root/.docker/ca.pem'
    return {'hosts': hosts, 'tcp': [h for h in hosts if h.startswith('tcp://')],
            'tls': bool(tls or tlsverify), 'tlsverify': bool(tlsverify),
            'tlscacert': str(cacert) if tlsverify else None}


def remote_api_pem_certs(text: t.Any) -> list[str]:
    """The certificates of a PEM bundle, each as its base64 body without whitespace (for comparing CAs)."""
    if not isinstance(text, str):
        return []
    return [re.sub(r'\s+', '', body) for body in _PEM_RE.findall(text)]


def remote_api_pem_bundle(bodies: t.Any) -> str:
    """PEM text of certificates given as base64 bodies (remote_api_pem_certs), each once, in order."""
    seen: list[str] = []
    for body in bodies or []:
        body = re.sub(r'\s+', '', str(body))
        if body and body not in seen:
            seen.append(body)
    return ''.join('-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n'
                   % '\n'.join(body[i:i + 64] for i in range(0, len(body), 64)) for body in seen)


def remote_api_unix_socket(vendor_execstart: t.Any, running_argv: t.Any = None) -> str:
    """Does dockerd keep a unix socket when -H tcp://... is added to this ExecStart?
    'keep' (the command line has -H/--host already), 'add' (no -H: dockerd's default socket, which an added
    -H tcp:// would replace, so the role adds unix:///var/run/docker.sock), 'unknown' (no -H, but variables
    expand into the line and the running daemon shows no unix socket or fd:// from them either)."""
    line = str(vendor_execstart or '')
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    if _flag_values(words, 'host', 'H'):
        return 'keep'
    if '$' not in line:
        return 'add'
    running = [h for h in _flag_values([str(a) for a in (running_argv or [])], 'host', 'H') if not h.startswith('tcp://')]
    return 'keep' if running else 'unknown'


class FilterModule:
    """Filters of the remote_api role."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            'remote_api_listen': remote_api_listen,
            'remote_api_listen_port': remote_api_listen_port,
            'remote_api_systemd_arg': remote_api_systemd_arg,
            'remote_api_dockerd_tls': remote_api_dockerd_tls,
            'remote_api_pem_certs': remote_api_pem_certs,
            'remote_api_pem_bundle': remote_api_pem_bundle,
            'remote_api_unix_socket': remote_api_unix_socket,
        }
