# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-versus-actual helpers: parse what a task says, normalise what the daemon says.

Everything here is pure (no client, no I/O) so it can be unit-tested on its own. Parsers
turn the docker CLI's string syntaxes (``127.0.0.1:8080:80/tcp``, ``512m``, ``1m30s``,
``/src:/dst:ro``) into the API's shapes and raise ConfigurationError naming the bad value
and the syntax that works. Normalisers map the several spellings the daemon may store or
return for one value (``CAP_NET_ADMIN`` / ``NET_ADMIN``, ``""`` / ``no`` restart policy)
onto one, so a comparison never reports a difference that is only a spelling.
"""

from __future__ import annotations

import math
import re
import shlex
import typing as t

from ._errors import ConfigurationError
from ._timeparse import duration_ns

# ---- sizes and durations -------------------------------------------------------------

INT64_LIMIT = 2 ** 63
_SIZE_UNITS = {'': 1, 'b': 1, 'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3, 't': 1024 ** 4, 'p': 1024 ** 5}
_SIZE_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([bkmgtp]?)(?:i?b)?\s*$', re.IGNORECASE)


def parse_size(value: t.Any, option: str, allow_unlimited: bool = False) -> int:
    """``512m``, ``1.5g``, ``1024`` or an int -> bytes (binary units, as the docker CLI).

    ``-1`` means unlimited where the API allows it (memory_swap).
    """
    if isinstance(value, bool):
        raise ConfigurationError('%s must be a size such as 512m or 1g, got %r.' % (option, value))
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if allow_unlimited and text == '-1':
            return -1
        match = _SIZE_RE.match(text)
        if not match:
            raise ConfigurationError(
                '%s %r is not a size. Use a number of bytes or a number with a unit: b, k, m, g, t '
                '(for example 512m or 1.5g).' % (option, value))
        scaled = float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]
        if not math.isfinite(scaled) or scaled >= INT64_LIMIT:
            raise ConfigurationError('%s %r is out of range: the daemon stores sizes as 64-bit integers (at most 8e, '
                                     'about 9.2e18 bytes).' % (option, value))
        number = int(scaled)
    if number == -1 and allow_unlimited:
        return -1
    if number < 0:
        raise ConfigurationError('%s must not be negative, got %r.' % (option, value))
    if number >= INT64_LIMIT:
        raise ConfigurationError('%s %r is out of range: the daemon stores sizes as 64-bit integers (at most 8e, '
                                 'about 9.2e18 bytes).' % (option, value))
    return number


def parse_duration(value: t.Any, option: str) -> int:
    """Go duration (``1m30s``, ``500ms``, ``.5s``) or a number of seconds -> nanoseconds, never negative.

    One parser for the whole collection: this delegates to ``_timeparse.duration_ns`` (Go's
    ``time.ParseDuration`` grammar); the messages name ``option``.
    """
    return duration_ns(value, option)


def parse_cpus(value: t.Any) -> int:
    """``cpus: 1.5`` -> NanoCpus (1.5e9), as ``docker run --cpus``."""
    try:
        cpus = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigurationError('cpus must be a number of CPUs such as 0.5 or 2, got %r.' % (value,))
    if not math.isfinite(cpus):
        raise ConfigurationError('cpus must be a finite number of CPUs such as 0.5 or 2, got %r.' % (value,))
    if cpus < 0:
        raise ConfigurationError('cpus must not be negative, got %r.' % (value,))
    if cpus * 10 ** 9 >= INT64_LIMIT:
        raise ConfigurationError('cpus %r is far more than any host has; give the number of CPUs, such as 0.5 or 2.'
                                 % (value,))
    return int(round(cpus * 10 ** 9))


def check_int64(value: t.Any, option: str) -> int:
    """An integer option as the daemon stores it (int64); a larger value would be refused with a parse error."""
    if isinstance(value, bool):
        raise ConfigurationError('%s must be a whole number, got %r.' % (option, value))
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigurationError('%s must be a whole number, got %r.' % (option, value))
    if not -INT64_LIMIT <= number < INT64_LIMIT:
        raise ConfigurationError('%s %r is out of range: the daemon stores it as a 64-bit integer (at most %d).'
                                 % (option, value, INT64_LIMIT - 1))
    return number


# ---- commands ---------------------------------------------------------------------------

def as_argv(value: t.Any, option: str) -> list[str] | None:
    """A command given as a list stays as is; a string is split like a shell would."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ConfigurationError('%s %r cannot be split into arguments (%s). Check its quotes, or give a list.'
                                     % (option, value, exc))
    raise ConfigurationError('%s must be a string or a list of strings, got %r.' % (option, value))


# ---- ports ------------------------------------------------------------------------------

_PROTOCOLS = ('tcp', 'udp', 'sctp')
_PORT_SYNTAX = ('Use [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], for example 8080:80, 127.0.0.1:8080:80/tcp, '
                '127.0.0.1::80, [::1]:8080:80 or 8000-8001:80-81/udp.')


class PortBinding(t.NamedTuple):
    """One published port: container side ``80/tcp``, host IP (``''`` = all), host port (``''`` = random)."""

    container: str
    host_ip: str
    host_port: str

    def render(self) -> str:
        ip = '[%s]' % self.host_ip if ':' in self.host_ip else self.host_ip
        return '%s:%s:%s' % (ip, self.host_port, self.container)


def _port_range(text: str, spec: t.Any, allow_empty: bool = False) -> list[int]:
    if text == '' and allow_empty:
        return []
    match = re.match(r'^(\d+)(?:-(\d+))?$', text)
    if not match:
        raise ConfigurationError('Invalid port spec %r: %r is not a port or port range. %s' % (spec, text, _PORT_SYNTAX))
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if not (1 <= start <= 65535 and 1 <= end <= 65535) or end < start:
        raise ConfigurationError('Invalid port spec %r: ports must be between 1 and 65535, with the range ascending. %s'
                                 % (spec, _PORT_SYNTAX))
    return list(range(start, end + 1))


def parse_port_spec(spec: t.Any) -> list[PortBinding]:
    """One ``published_ports`` entry -> its bindings (a range gives one binding per port)."""
    text = str(spec).strip()
    if not text:
        raise ConfigurationError('Invalid port spec %r: it is empty. %s' % (spec, _PORT_SYNTAX))
    protocol = 'tcp'
    if '/' in text:
        text, protocol = text.rsplit('/', 1)
        protocol = protocol.lower()
        if protocol not in _PROTOCOLS:
            raise ConfigurationError('Invalid port spec %r: protocol %r is not one of tcp, udp, sctp. %s'
                                     % (spec, protocol, _PORT_SYNTAX))
    host_ip = ''
    if text.startswith('['):
        end = text.find(']')
        if end < 0 or text[end + 1:end + 2] != ':':
            raise ConfigurationError('Invalid port spec %r: an IPv6 address must be written [ADDRESS]:HOST_PORT:CONTAINER_PORT. %s'
                                     % (spec, _PORT_SYNTAX))
        host_ip = text[1:end]
        parts = text[end + 2:].split(':')
        if len(parts) != 2:
            raise ConfigurationError('Invalid port spec %r. %s' % (spec, _PORT_SYNTAX))
        host_part, container_part = parts
    else:
        parts = text.split(':')
        if len(parts) == 1:
            host_part, container_part = '', parts[0]
        elif len(parts) == 2:
            host_part, container_part = parts
        elif len(parts) == 3:
            host_ip, host_part, container_part = parts
        else:
            raise ConfigurationError('Invalid port spec %r: too many colons (write an IPv6 address in brackets). %s'
                                     % (spec, _PORT_SYNTAX))
    if host_ip:
        _check_ip(host_ip, spec)
    container_ports = _port_range(container_part, spec)
    host_ports = _port_range(host_part, spec, allow_empty=True)
    if host_ports and len(host_ports) != len(container_ports):
        if len(container_ports) == 1:
            # 8000-8010:80 lets the daemon pick one free port of the range.
            return [PortBinding('%d/%s' % (container_ports[0], protocol), host_ip, host_part)]
        raise ConfigurationError('Invalid port spec %r: the host range and the container range differ in length. %s'
                                 % (spec, _PORT_SYNTAX))
    bindings = []
    for index, port in enumerate(container_ports):
        host_port = str(host_ports[index]) if host_ports else ''
        bindings.append(PortBinding('%d/%s' % (port, protocol), host_ip, host_port))
    return bindings


def _check_ip(address: str, spec: t.Any) -> None:
    import ipaddress
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise ConfigurationError('Invalid port spec %r: %r is not an IP address. %s' % (spec, address, _PORT_SYNTAX))


def parse_ports(specs: t.Iterable[t.Any]) -> list[PortBinding]:
    result: list[PortBinding] = []
    for spec in specs:
        for binding in parse_port_spec(spec):
            if binding not in result:
                result.append(binding)
    return result


def port_bindings_body(bindings: t.Iterable[PortBinding]) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
    """(ExposedPorts, PortBindings) for the create body."""
    exposed: dict[str, t.Any] = {}
    published: dict[str, list[dict[str, str]]] = {}
    for b in bindings:
        exposed[b.container] = {}
        published.setdefault(b.container, []).append({'HostIp': b.host_ip, 'HostPort': b.host_port})
    return exposed, published


def port_bindings_from_inspect(port_bindings: t.Mapping[str, t.Any] | None) -> list[PortBinding]:
    """HostConfig.PortBindings (what was asked at create) -> bindings."""
    result = []
    for container, hosts in (port_bindings or {}).items():
        for host in hosts or [{}]:
            host = host or {}
            result.append(PortBinding(container, host.get('HostIp') or '', host.get('HostPort') or ''))
    return result


# ---- volumes, mounts, tmpfs, devices ----------------------------------------------------

def _mode_set(mode: str) -> str:
    """``ro,z`` and ``z,ro`` are the same mode; ``rw`` is the default and says nothing."""
    items = sorted({m for m in mode.split(',') if m and m != 'rw'})
    return ','.join(items)


def parse_volume(spec: t.Any) -> tuple[str, str, str, str]:
    """``/src:/dst[:mode]``, ``name:/dst[:mode]`` or ``/dst`` -> (kind, source, target, mode).

    kind is ``bind`` (host path or named volume, goes to HostConfig.Binds) or
    ``anonymous`` (goes to Config.Volumes).
    """
    text = str(spec).strip()
    parts = text.split(':')
    if len(parts) == 1 and text.startswith('/'):
        return 'anonymous', '', text, ''
    if len(parts) in (2, 3) and parts[0] and parts[1].startswith('/'):
        return 'bind', parts[0], parts[1], _mode_set(parts[2] if len(parts) == 3 else '')
    raise ConfigurationError(
        'Invalid volume %r. Use /host/path:/container/path[:ro], volume_name:/container/path[:ro], or '
        '/container/path for an anonymous volume.' % (spec,))


def bind_from_inspect(bind: str) -> tuple[str, str, str]:
    parts = bind.split(':')
    if len(parts) < 2:
        return bind, '', ''
    return parts[0], parts[1], _mode_set(parts[2] if len(parts) > 2 else '')


def parse_tmpfs(specs: t.Iterable[t.Any]) -> dict[str, str]:
    """``/run`` or ``/run:size=64m,mode=1777`` -> {"/run": "size=64m,mode=1777"}."""
    result: dict[str, str] = {}
    for spec in specs:
        text = str(spec).strip()
        path, dummy, options = text.partition(':')
        if not path.startswith('/'):
            raise ConfigurationError('Invalid tmpfs %r: the mount point must be an absolute path, as in /run or '
                                     '/run:size=64m.' % (spec,))
        result[path] = options
    return result


def parse_device(spec: t.Any) -> dict[str, str]:
    """``/dev/fuse``, ``/dev/sda:/dev/xvda`` or ``/dev/sda:/dev/xvda:r`` -> API device mapping."""
    parts = str(spec).strip().split(':')
    if not parts[0].startswith('/') or len(parts) > 3:
        raise ConfigurationError('Invalid device %r. Use /dev/host[:/dev/container[:permissions]], for example '
                                 '/dev/fuse or /dev/sda:/dev/xvda:rwm.' % (spec,))
    host = parts[0]
    container = host
    perms = 'rwm'
    if len(parts) == 2:
        if parts[1].startswith('/'):
            container = parts[1]
        else:
            perms = parts[1]
    elif len(parts) == 3:
        container, perms = parts[1] or host, parts[2]
    if not perms or set(perms) - set('rwm'):
        raise ConfigurationError('Invalid device %r: permissions %r must be made of r, w and m.' % (spec, perms))
    return {'PathOnHost': host, 'PathInContainer': container, 'CgroupPermissions': perms}


def device_key(device: t.Mapping[str, t.Any]) -> str:
    return '%s:%s:%s' % (device.get('PathOnHost') or '', device.get('PathInContainer') or device.get('PathOnHost') or '',
                         ''.join(sorted(device.get('CgroupPermissions') or 'rwm')))


# ---- small normalisers ------------------------------------------------------------------

def normalize_capability(cap: str) -> str:
    cap = str(cap).strip().upper()
    return cap[4:] if cap.startswith('CAP_') else cap


def normalize_signal(sig: t.Any) -> str:
    text = str(sig).strip().upper()
    if not text or text.isdigit():
        return text
    return text if text.startswith('SIG') else 'SIG' + text


def normalize_network_mode(mode: str | None) -> str:
    # "default" is how older daemons store "bridge" (Docker 26.1 started reporting bridge).
    if mode in (None, '', 'default'):
        return 'bridge'
    return mode


def normalize_restart_policy(name: str | None) -> str:
    return name or 'no'


def env_list(env: t.Mapping[str, t.Any]) -> list[str]:
    """{"A": "1"} -> ["A=1"]; refuses booleans, which YAML makes from yes/no/true."""
    result = []
    for key, value in env.items():
        if isinstance(value, bool):
            raise ConfigurationError(
                'env value of %s is the boolean %r; quote it (for example "%s") so the container gets the text '
                'you mean.' % (key, value, 'true' if value else 'false'))
        if isinstance(value, float):
            raise ConfigurationError(_float_message('env', key, value))
        if value is not None and not isinstance(value, (str, int)):
            raise ConfigurationError('env value of %s must be a string, got %r.' % (key, value))
        result.append('%s=%s' % (key, '' if value is None else value))
    return result


def _float_message(option: str, key: t.Any, value: float) -> str:
    return ('%s.%s is the number %r, which YAML read from what you wrote (1.10 becomes 1.1, 1e3 becomes 1000.0); the '
            'daemon stores text. Quote the value (for example "%s") so it is stored as written.'
            % (option, key, value, value))


def env_dict(entries: t.Iterable[str] | None) -> dict[str, str]:
    result = {}
    for entry in entries or []:
        key, dummy, value = entry.partition('=')
        result[key] = value
    return result


def string_map(value: t.Any, option: str, allow_null: bool = False) -> dict[str, t.Any] | None:
    """Labels, options and build args are string maps on the daemon; convert integers, refuse the rest.

    Booleans are refused rather than turned into ``true``: YAML reads ``yes`` and ``on`` as
    booleans too, and the daemon would then store a value the author never wrote. Floats are
    refused for the same reason (``1.10`` would be stored as ``1.1``); integers round-trip. A ``None``
    value becomes ``''``, or stays ``None`` with ``allow_null`` (a build argument declared
    without a value).
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigurationError('%s must be a dictionary of strings, got %r.' % (option, value))
    result: dict[str, t.Any] = {}
    for key, item in value.items():
        if isinstance(item, bool):
            raise ConfigurationError(
                '%s.%s is the boolean %r; the daemon stores strings. Quote the value (for example "%s").'
                % (option, key, item, str(item).lower()))
        if item is None:
            result[str(key)] = None if allow_null else ''
            continue
        if isinstance(item, float):
            raise ConfigurationError(_float_message(option, key, item))
        if not isinstance(item, (str, int)):
            raise ConfigurationError('%s.%s must be a string, got %r.' % (option, key, item))
        result[str(key)] = str(item)
    return result


def map_differences(option: str, wanted: dict[str, str] | None, actual: t.Any) -> list[str]:
    """Keys the task sets that the object lacks or holds with another value.

    Keys the object has beyond those are not a difference: daemons and other tools add
    their own labels and options.
    """
    if not wanted:
        return []
    actual = actual or {}
    out = []
    for key in sorted(wanted):
        if key not in actual:
            out.append('%s.%s: missing, wanted %r' % (option, key, wanted[key]))
        elif str(actual[key]) != wanted[key]:
            out.append('%s.%s: %r, wanted %r' % (option, key, actual[key], wanted[key]))
    return out


def value_difference(option: str, wanted: t.Any, actual: t.Any) -> list[str]:
    if wanted is None or wanted == actual:
        return []
    return ['%s: %r, wanted %r' % (option, actual, wanted)]


def healthcheck_test(test: t.Any) -> list[str]:
    """``curl -f http://x`` -> CMD-SHELL form; a list without CMD/CMD-SHELL/NONE gets CMD."""
    if isinstance(test, str):
        if test.upper() == 'NONE':
            return ['NONE']
        return ['CMD-SHELL', test]
    if isinstance(test, (list, tuple)) and test:
        items = [str(v) for v in test]
        if items[0].upper() in ('CMD', 'CMD-SHELL', 'NONE'):
            return [items[0].upper()] + items[1:]
        return ['CMD'] + items
    raise ConfigurationError('healthcheck.test must be a command string or a list, got %r.' % (test,))


def subset_missing(wanted: t.Mapping[str, t.Any], actual: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
    """The items of ``wanted`` that ``actual`` lacks or holds with another value."""
    actual = actual or {}
    return {k: v for k, v in wanted.items() if actual.get(k) != v}


HIDDEN = '<hidden>'


def echo_arguments(params: t.Mapping[str, t.Any], secret_maps: t.Iterable[str] = ('env',)) -> dict[str, t.Any]:
    """The module arguments as Ansible echoes them (``invocation``), with the values of secret maps hidden (keys only).

    Ansible keeps an ``invocation`` a module returns; marking such options ``no_log`` instead would also mask every
    occurrence of a short value (``1``, ``true``) in unrelated output.
    """
    args = dict(params)
    for option in secret_maps:
        if isinstance(args.get(option), dict):
            args[option] = {str(k): HIDDEN for k in args[option]}
    return {'module_args': args}
