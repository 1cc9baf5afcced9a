# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The option engine of ``container``: every option that describes the container is a row.

The rows (``_container_table.Option``) of this file, of ``_container_rows_more`` and of
``_container_networks`` make one table. Everything else is a loop over it:

* ``OPTION_ARGSPEC``: the argument spec of every row, plus the engine's own switches
  ``comparisons``, ``container_default_behavior`` and ``command_handling``;
* ``validate(params, client)``: every value parsed, API versions checked, before any write;
* ``desired(params, image, client)``: {option: Wanted(value, comparison, kind)} for the options
  the task sets;
* ``differences(want, container, params, image, client)``: the rows whose container value does
  not satisfy the task under the option's comparison;
* ``create_body(params, client, image)`` and ``update_body(params, diffs, container)``;
* ``comparison_for(option, params)``: the resolved comparison (default, task's ``comparisons``,
  ``'*'``), also for the non-row keys ``image`` and ``networks``.

Default comparisons are community.docker's: scalars and ordered lists (command, entrypoint)
``strict``; unordered lists (ports, binds, mounts, devices, capabilities, ...) and dicts
``allow_more_present``; ``stop_timeout`` ``ignore``.
"""

from __future__ import annotations

import os
import typing as t

from ._compare import (
    as_argv,
    bind_from_inspect,
    check_int64,
    device_key,
    env_dict,
    env_list,
    healthcheck_test,
    normalize_capability,
    normalize_restart_policy,
    normalize_signal,
    parse_cpus,
    parse_device,
    parse_duration,
    parse_port_spec,
    parse_size,
    parse_tmpfs,
    parse_volume,
    PortBinding,
    string_map,
)
from ._container_table import COMPARISONS, Ctx, Option, matches, parse_comparisons
from ._errors import ConfigurationError

from . import _container_networks as _NETWORKS
from ._container_rows_more import ROWS as _MORE_ROWS


class _Skip:
    """A row's ``wanted`` returns SKIP when the value asks for nothing (docker_container ignores it too)."""

    def __repr__(self) -> str:
        return 'SKIP'


SKIP = _Skip()


class Wanted(t.NamedTuple):
    """One compared option: the normalised value the task wants, how to compare it, and the row's kind."""

    value: t.Any
    comparison: str = 'strict'
    kind: str = 'value'


class Difference(t.NamedTuple):
    option: str
    before: t.Any
    after: t.Any
    comparison: str = 'strict'
    updatable: bool = False


def _ctx_params(ctx: Ctx) -> t.Mapping[str, t.Any]:
    return ctx.params or {}


def _config(container: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    return container.get('Config') or {}


def _host(container: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    return container.get('HostConfig') or {}


def _sorted_unique(values: t.Iterable[t.Any]) -> list[t.Any]:
    return sorted(set(values))


# ---- small row builders -------------------------------------------------------------------

_Triple = t.Tuple[t.Callable[..., t.Any], t.Callable[..., t.Any], t.Callable[..., None]]


def _config_str(key: str) -> _Triple:
    def wanted(value: t.Any, ctx: Ctx) -> str:
        return str(value)

    def actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> str:
        return str(_config(container).get(key) or '')

    def put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
        body[key] = str(value)
    return wanted, actual, put


def _host_bool(key: str) -> _Triple:
    def wanted(value: t.Any, ctx: Ctx) -> bool:
        return bool(value)

    def actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> bool:
        return bool(_host(container).get(key))

    def put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
        body['HostConfig'][key] = bool(value)
    return wanted, actual, put


def _host_list(key: str, normalize: t.Callable[[t.Any], t.Any] = str, to_api: t.Callable[[t.Any], t.Any] = str) -> _Triple:
    def wanted(value: t.Any, ctx: Ctx) -> list[t.Any]:
        return _sorted_unique(normalize(v) for v in value)

    def actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[t.Any]:
        return _sorted_unique(normalize(v) for v in _host(container).get(key) or [])

    def put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
        body['HostConfig'][key] = [to_api(v) for v in value]
    return wanted, actual, put


def _resource(key: str, parse: t.Callable[[t.Any], t.Any], read: t.Callable[[t.Any], t.Any] | None = None
              ) -> dict[str, t.Any]:
    """A limit /containers/{id}/update changes in place."""
    def wanted(value: t.Any, ctx: Ctx) -> t.Any:
        return parse(value)

    def actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> t.Any:
        have = _host(container).get(key)
        return read(have) if read else (have or 0)

    def put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
        body['HostConfig'][key] = parse(value)

    def update(value: t.Any, ctx: Ctx) -> dict[str, t.Any]:
        return {key: parse(value)}
    return {'wanted': wanted, 'actual': actual, 'put': put, 'update': update}


def _triple(funcs: _Triple) -> dict[str, t.Any]:
    return {'wanted': funcs[0], 'actual': funcs[1], 'put': funcs[2]}


# ---- command and entrypoint ----------------------------------------------------------------

def _argv(value: t.Any, option: str, ctx: Ctx) -> list[str] | _Skip:
    """command/entrypoint as argv under ``command_handling``."""
    if _ctx_params(ctx).get('command_handling') == 'compatibility':
        # docker_container's old handling: a list is joined with spaces and split again like a shell would;
        # an empty value means "not specified".
        if isinstance(value, (list, tuple)):
            value = ' '.join(str(v) for v in value)
        argv = as_argv(value, option) or []
        return argv if argv else SKIP
    if option == 'entrypoint' and isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return as_argv(value, option) or []


def _command_wanted(value: t.Any, ctx: Ctx) -> t.Any:
    argv = _argv(value, 'command', ctx)
    if isinstance(argv, _Skip):
        return argv
    entrypoint = _ctx_params(ctx).get('entrypoint')
    if not argv and entrypoint is None:
        # command: [] means "the image's default", which the daemon fills in when no entrypoint is given.
        return list(((ctx.image or {}).get('Config') or {}).get('Cmd') or [])
    return argv


def _command_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[str]:
    return list(_config(container).get('Cmd') or [])


def _command_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    argv = _argv(value, 'command', ctx)
    if isinstance(argv, list) and argv:
        body['Cmd'] = argv


def _entrypoint_wanted(value: t.Any, ctx: Ctx) -> t.Any:
    argv = _argv(value, 'entrypoint', ctx)
    if isinstance(argv, _Skip):
        return argv
    return argv if [e for e in argv if e] else []


def _entrypoint_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[str]:
    entrypoint = list(_config(container).get('Entrypoint') or [])
    return entrypoint if [e for e in entrypoint if e] else []


def _entrypoint_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    argv = _argv(value, 'entrypoint', ctx)
    if isinstance(argv, list):
        body['Entrypoint'] = argv or ['']  # [''] resets the image's entrypoint


# ---- env, env_file, labels -------------------------------------------------------------------

def read_env_file(path: t.Any) -> dict[str, str]:
    """The docker CLI's env-file syntax: ``KEY=VALUE`` lines, ``#`` comments; a bare ``KEY`` takes the variable of
    the environment the module runs in (and is left out when that has none)."""
    result: dict[str, str] = {}
    try:
        with open(str(path), 'r', encoding='utf-8') as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError('env_file %s cannot be read: %s. Give the path of a file of KEY=VALUE lines on the '
                                 'host the module runs on.' % (path, exc))
    for number, line in enumerate(lines, 1):
        text = line.lstrip()
        if not text or text.startswith('#'):
            continue
        key, sep, value = text.partition('=')
        key = key.strip()
        if not key or ' ' in key:
            raise ConfigurationError('env_file %s line %d is not KEY=VALUE: %r.' % (path, number, line))
        if sep:
            result[key] = value
        elif key in os.environ:
            result[key] = os.environ[key]
    return result


def _env_wanted(value: t.Any, ctx: Ctx) -> dict[str, str]:
    return env_dict(env_list(value))


def _env_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> dict[str, str]:
    return env_dict(_config(container).get('Env'))


def _env_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    merged = env_dict(body.get('Env'))
    merged.update(env_dict(env_list(value)))
    body['Env'] = ['%s=%s' % item for item in merged.items()]


def _env_file_wanted(value: t.Any, ctx: Ctx) -> dict[str, str]:
    """The file's variables that ``env`` does not override (env wins, as in docker_container)."""
    given = _ctx_params(ctx).get('env') or {}
    return {k: v for k, v in read_env_file(value).items() if k not in given}


def _env_file_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    merged = read_env_file(value)
    merged.update(env_dict(body.get('Env')))
    body['Env'] = ['%s=%s' % item for item in merged.items()]


def _labels_wanted(value: t.Any, ctx: Ctx) -> dict[str, str]:
    return string_map(value, 'labels') or {}


def _labels_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> dict[str, str]:
    return dict(_config(container).get('Labels') or {})


def _labels_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['Labels'] = string_map(value, 'labels')


# ---- ports -------------------------------------------------------------------------------

def _bindings(value: t.Any, ctx: Ctx) -> list[PortBinding]:
    default_ip = _ctx_params(ctx).get('default_host_ip')
    result: list[PortBinding] = []
    for spec in value:
        if str(spec).strip() == 'all':
            continue  # docker_container's old spelling of publish_all_ports: true
        for binding in parse_port_spec(spec):
            if not binding.host_ip and default_ip:
                binding = binding._replace(host_ip=str(default_ip).strip('[]'))
            if binding not in result:
                result.append(binding)
    return result


def _port_map(bindings: t.Iterable[PortBinding]) -> dict[str, list[str]]:
    """{container port: sorted host bindings}: compared as docker_container does (a dict; per port the bindings)."""
    result: dict[str, list[str]] = {}
    for b in bindings:
        host = PortBinding('', b.host_ip, b.host_port).render()[:-1]  # "[ip]:port" without the container part
        result.setdefault(b.container, []).append(host)
    return {port: sorted(set(hosts)) for port, hosts in result.items()}


def _ports_wanted(value: t.Any, ctx: Ctx) -> dict[str, list[str]]:
    return _port_map(_bindings(value, ctx))


def _ports_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> dict[str, list[str]]:
    bindings = []
    for port, hosts in (_host(container).get('PortBindings') or {}).items():
        for host in hosts or [{}]:
            host = host or {}
            bindings.append(PortBinding(port, host.get('HostIp') or '', host.get('HostPort') or ''))
    return _port_map(bindings)


def _ports_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    published: dict[str, list[dict[str, str]]] = {}
    for b in _bindings(value, ctx):
        body.setdefault('ExposedPorts', {})[b.container] = {}
        published.setdefault(b.container, []).append({'HostIp': b.host_ip, 'HostPort': b.host_port})
    body['HostConfig']['PortBindings'] = published
    if any(str(p).strip() == 'all' for p in value):
        body['HostConfig']['PublishAllPorts'] = True


def _exposed(value: t.Any) -> list[str]:
    result = []
    for item in value:
        text = str(item).strip().lower()
        port, sep, protocol = text.partition('/')
        protocol = protocol or 'tcp'
        if protocol not in ('tcp', 'udp', 'sctp'):
            raise ConfigurationError('exposed_ports: %r has protocol %r; use tcp, udp or sctp, as in 53/udp.'
                                     % (item, protocol))
        start, dash, end = port.partition('-')
        if not start.isdigit() or (dash and not end.isdigit()):
            raise ConfigurationError('exposed_ports: %r is not a port or port range such as 80, 53/udp or 8000-8010.'
                                     % (item,))
        first, last = int(start), int(end or start)
        if not 1 <= first <= last <= 65535:
            raise ConfigurationError('exposed_ports: %r is out of range (ports 1 to 65535, ranges ascending).' % (item,))
        result.extend('%d/%s' % (p, protocol) for p in range(first, last + 1))
    return _sorted_unique(result)


def _exposed_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[str]:
    return sorted(_config(container).get('ExposedPorts') or {})


def _exposed_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    for port in _exposed(value):
        body.setdefault('ExposedPorts', {})[port] = {}


def _default_host_ip_wanted(value: t.Any, ctx: Ctx) -> t.Any:
    import ipaddress
    text = str(value).strip().strip('[]')
    if text:
        try:
            ipaddress.ip_address(text)
        except ValueError:
            raise ConfigurationError('default_host_ip %r is not an IP address: use "" or an IPv4 or IPv6 address.'
                                     % (value,))
    return SKIP  # not compared on its own: it shapes the published_ports without an address


def _nothing(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    return None


def _none_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> None:
    return None


# ---- volumes, mounts, tmpfs --------------------------------------------------------------

def _volume_entries(value: t.Any) -> list[str]:
    result = []
    for spec in value:
        kind, source, target, mode = parse_volume(spec)
        result.append(':'.join([source, target, mode]).rstrip(':') if kind == 'bind' else target)
    return _sorted_unique(result)


def _volumes_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[str]:
    binds = [':'.join(bind_from_inspect(b)).rstrip(':') for b in _host(container).get('Binds') or []]
    return _sorted_unique(binds + sorted(_config(container).get('Volumes') or {}))


def _volumes_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    binds, anonymous = [], {}
    for spec in value:
        kind, source, target, mode = parse_volume(spec)
        if kind == 'bind':
            binds.append(':'.join([source, target, mode]).rstrip(':'))
        else:
            anonymous[target] = {}
    if binds:
        body['HostConfig']['Binds'] = binds
    if anonymous:
        body['Volumes'] = anonymous


# API versions of mount suboptions (moby's API changelog).
MOUNT_MIN_API = {
    'non_recursive': '1.40',
    'create_mountpoint': '1.42',
    'read_only_non_recursive': '1.44',
    'read_only_force_recursive': '1.44',
    'subpath': '1.45',
    'tmpfs_options': '1.46',
}
MOUNT_TYPE_MIN_API = {'cluster': '1.42', 'image': '1.47'}
_BIND_ONLY = ('propagation', 'non_recursive', 'create_mountpoint', 'read_only_non_recursive', 'read_only_force_recursive')
_VOLUME_ONLY = ('no_copy', 'labels', 'volume_driver', 'volume_options')
_TMPFS_ONLY = ('tmpfs_size', 'tmpfs_mode', 'tmpfs_options')


def _tmpfs_options(value: t.Any) -> list[list[str]]:
    result = []
    for item in value or []:
        if isinstance(item, dict):
            for key, val in item.items():
                result.append([str(key)] if val is None or val == '' else [str(key), str(val)])
        else:
            result.append([str(item)])
    return result


def mount_norm(mount: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """A task's mount -> the normalised dict both sides are compared in (unset and default values left out)."""
    kind = mount.get('type') or 'volume'
    target = mount.get('target')
    if not target or not str(target).startswith('/'):
        raise ConfigurationError('Every mount needs an absolute target path, got %r.' % (dict(mount),))
    source = mount.get('source')
    if kind == 'bind' and not source:
        raise ConfigurationError('A bind mount needs a source (a host path): %r.' % (dict(mount),))
    if kind == 'tmpfs' and source:
        raise ConfigurationError('A tmpfs mount takes no source: %r.' % (dict(mount),))
    for group, allowed in ((_BIND_ONLY, 'bind'), (_VOLUME_ONLY, 'volume'), (_TMPFS_ONLY, 'tmpfs')):
        for key in group:
            if mount.get(key) not in (None, False, '', [], {}) and kind != allowed:
                raise ConfigurationError('mounts: %s only applies to mounts of type %s (mount on %s has type %s).'
                                         % (key, allowed, target, kind))
    norm: dict[str, t.Any] = {'type': kind, 'target': str(target), 'read_only': bool(mount.get('read_only'))}
    if source:
        norm['source'] = str(source)
    if mount.get('consistency') not in (None, '', 'default'):
        norm['consistency'] = str(mount['consistency'])
    for key in ('propagation', 'volume_driver', 'subpath'):
        if mount.get(key):
            norm[key] = str(mount[key])
    for key in ('non_recursive', 'create_mountpoint', 'read_only_non_recursive', 'read_only_force_recursive', 'no_copy'):
        if mount.get(key):
            norm[key] = True
    for key in ('labels', 'volume_options'):
        if mount.get(key):
            norm[key] = string_map(mount[key], 'mounts.%s' % key)
    if mount.get('tmpfs_size') is not None:
        norm['tmpfs_size'] = parse_size(mount['tmpfs_size'], 'mounts.tmpfs_size')
    if mount.get('tmpfs_mode') is not None:
        try:
            norm['tmpfs_mode'] = int(str(mount['tmpfs_mode']), 8)
        except ValueError:
            raise ConfigurationError('mounts.tmpfs_mode %r is not an octal file mode such as 1777 or 0700.'
                                     % (mount['tmpfs_mode'],))
    if mount.get('tmpfs_options'):
        norm['tmpfs_options'] = _tmpfs_options(mount['tmpfs_options'])
    return norm


def mount_to_api(norm: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    body: dict[str, t.Any] = {'Type': norm['type'], 'Target': norm['target'], 'ReadOnly': norm['read_only']}
    if norm.get('source'):
        body['Source'] = norm['source']
    if norm.get('consistency'):
        body['Consistency'] = norm['consistency']
    bind = {api: norm[key] for key, api in (('propagation', 'Propagation'), ('non_recursive', 'NonRecursive'),
                                            ('create_mountpoint', 'CreateMountpoint'),
                                            ('read_only_non_recursive', 'ReadOnlyNonRecursive'),
                                            ('read_only_force_recursive', 'ReadOnlyForceRecursive')) if key in norm}
    if bind:
        body['BindOptions'] = bind
    volume: dict[str, t.Any] = {}
    if norm.get('no_copy'):
        volume['NoCopy'] = True
    if norm.get('labels'):
        volume['Labels'] = dict(norm['labels'])
    if norm.get('volume_driver') or norm.get('volume_options'):
        volume['DriverConfig'] = {'Name': norm.get('volume_driver') or '', 'Options': dict(norm.get('volume_options') or {})}
    if norm.get('subpath'):
        if norm['type'] == 'image':
            body['ImageOptions'] = {'Subpath': norm['subpath']}
        else:
            volume['Subpath'] = norm['subpath']
    if volume:
        body['VolumeOptions'] = volume
    tmpfs = {api: norm[key] for key, api in (('tmpfs_size', 'SizeBytes'), ('tmpfs_mode', 'Mode'),
                                             ('tmpfs_options', 'Options')) if key in norm}
    if tmpfs:
        body['TmpfsOptions'] = tmpfs
    return body


def mount_from_api(mount: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """HostConfig.Mounts entry -> the normalised dict of ``mount_norm``."""
    norm: dict[str, t.Any] = {'type': mount.get('Type') or 'volume', 'target': mount.get('Target') or '',
                              'read_only': bool(mount.get('ReadOnly'))}
    if mount.get('Source'):
        norm['source'] = mount['Source']
    if mount.get('Consistency') not in (None, '', 'default'):
        norm['consistency'] = mount['Consistency']
    bind = mount.get('BindOptions') or {}
    if bind.get('Propagation'):
        norm['propagation'] = bind['Propagation']
    for key, api in (('non_recursive', 'NonRecursive'), ('create_mountpoint', 'CreateMountpoint'),
                     ('read_only_non_recursive', 'ReadOnlyNonRecursive'),
                     ('read_only_force_recursive', 'ReadOnlyForceRecursive')):
        if bind.get(api):
            norm[key] = True
    volume = mount.get('VolumeOptions') or {}
    if volume.get('NoCopy'):
        norm['no_copy'] = True
    if volume.get('Labels'):
        norm['labels'] = dict(volume['Labels'])
    driver = volume.get('DriverConfig') or {}
    if driver.get('Name'):
        norm['volume_driver'] = driver['Name']
    if driver.get('Options'):
        norm['volume_options'] = dict(driver['Options'])
    subpath = volume.get('Subpath') or (mount.get('ImageOptions') or {}).get('Subpath')
    if subpath:
        norm['subpath'] = subpath
    tmpfs = mount.get('TmpfsOptions') or {}
    if tmpfs.get('SizeBytes'):
        norm['tmpfs_size'] = int(tmpfs['SizeBytes'])
    if tmpfs.get('Mode'):
        norm['tmpfs_mode'] = int(tmpfs['Mode'])
    if tmpfs.get('Options'):
        norm['tmpfs_options'] = [list(o) for o in tmpfs['Options']]
    return norm


def _mounts_wanted(value: t.Any, ctx: Ctx) -> list[dict[str, t.Any]]:
    return sorted((mount_norm(m) for m in value), key=lambda m: (m['target'], m['type']))


def _mounts_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[dict[str, t.Any]]:
    return sorted((mount_from_api(m) for m in _host(container).get('Mounts') or []), key=lambda m: (m['target'], m['type']))


def _mounts_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['HostConfig']['Mounts'] = [mount_to_api(mount_norm(m)) for m in value]


def _mounts_check(value: t.Any, ctx: Ctx) -> None:
    if ctx.client is None:
        return
    for mount in value:
        kind = mount.get('type') or 'volume'
        if kind in MOUNT_TYPE_MIN_API:
            ctx.client.require_api(MOUNT_TYPE_MIN_API[kind], 'mounts type %s' % kind)
        for key, version in MOUNT_MIN_API.items():
            if mount.get(key) not in (None, False, '', [], {}):
                if key == 'subpath' and kind == 'image':
                    version = '1.48'
                ctx.client.require_api(version, 'mounts.%s' % key)


def _tmpfs_entries(value: t.Any) -> list[str]:
    return _sorted_unique(('%s:%s' % (path, options)).rstrip(':') for path, options in parse_tmpfs(value).items())


def _tmpfs_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[str]:
    return _sorted_unique(('%s:%s' % (path, options or '')).rstrip(':')
                          for path, options in (_host(container).get('Tmpfs') or {}).items())


def _tmpfs_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['HostConfig']['Tmpfs'] = parse_tmpfs(value)


# ---- restart policy, healthcheck ---------------------------------------------------------------

def _restart_body(ctx: Ctx) -> dict[str, t.Any]:
    p = _ctx_params(ctx)
    return {'Name': p.get('restart_policy') or 'on-failure', 'MaximumRetryCount': int(p.get('restart_retries') or 0)}


def _restart_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['HostConfig']['RestartPolicy'] = _restart_body(ctx)


def _restart_update(value: t.Any, ctx: Ctx) -> dict[str, t.Any]:
    return {'RestartPolicy': _restart_body(ctx)}


HEALTHCHECK_DURATIONS = {'interval': 'Interval', 'timeout': 'Timeout', 'start_period': 'StartPeriod',
                         'start_interval': 'StartInterval'}


def healthcheck_body(health: t.Mapping[str, t.Any]) -> dict[str, t.Any] | _Skip:
    """The API's Healthcheck; SKIP for a healthcheck without ``test`` unless ``test_cli_compatible`` (as docker_container:
    without it such a healthcheck is ignored; with it the image's test stays and the other keys apply)."""
    test = health.get('test')
    if test in (None, '', []) and not health.get('test_cli_compatible'):
        return SKIP
    body: dict[str, t.Any] = {}
    if test not in (None, '', []):
        body['Test'] = healthcheck_test(test)
    for option, key in HEALTHCHECK_DURATIONS.items():
        if health.get(option) is not None:
            body[key] = parse_duration(health[option], 'healthcheck.%s' % option)
    if health.get('retries') is not None:
        retries = check_int64(health['retries'], 'healthcheck.retries')
        if not 0 <= retries < 2 ** 31:
            raise ConfigurationError('healthcheck.retries %r is out of range (0 to %d).' % (health['retries'], 2 ** 31 - 1))
        body['Retries'] = retries
    if body.get('Test') == ['NONE']:
        return {'Test': ['NONE']}
    return body


def _set_keys(health: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """Zero and empty values mean "the default": the daemon leaves them out, so both sides do."""
    return {k: v for k, v in health.items() if v not in (None, 0, [])}


def _healthcheck_wanted(value: t.Any, ctx: Ctx) -> t.Any:
    body = healthcheck_body(value)
    return body if isinstance(body, _Skip) else _set_keys(body)


def _healthcheck_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> dict[str, t.Any]:
    return _set_keys(_config(container).get('Healthcheck') or {})


def _healthcheck_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    health = healthcheck_body(value)
    if isinstance(health, dict):
        body['Healthcheck'] = health


def _healthcheck_check(value: t.Any, ctx: Ctx) -> None:
    if value.get('start_interval') is not None and ctx.client is not None:
        ctx.client.require_api('1.44', 'healthcheck.start_interval')


# ---- signals, timeouts, platform, kernel_memory ---------------------------------------------

def _stop_signal_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> str:
    return normalize_signal(_config(container).get('StopSignal') or 'SIGTERM')


def _stop_signal_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['StopSignal'] = normalize_signal(value)


def _stop_timeout_wanted(value: t.Any, ctx: Ctx) -> int:
    number = check_int64(value, 'stop_timeout')
    if not -1 <= number < 2 ** 31:
        raise ConfigurationError('stop_timeout %r is out of range: give seconds from 0 to %d (or -1 to wait forever).'
                                 % (value, 2 ** 31 - 1))
    return number


def _stop_timeout_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> int:
    timeout = _config(container).get('StopTimeout')
    return timeout if timeout is not None else 10


def _stop_timeout_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['StopTimeout'] = int(value)


_ARCH_ALIASES = {'x86_64': 'amd64', 'x86-64': 'amd64', 'aarch64': 'arm64', 'armhf': 'arm', 'armel': 'arm',
                 'i386': '386', 'i686': '386'}


def normalize_platform(value: t.Any) -> str:
    """``linux/x86_64`` -> ``linux/amd64``; ``linux/arm64/v8`` -> ``linux/arm64`` (v8 is arm64's only variant)."""
    parts = [p.strip().lower() for p in str(value).split('/')]
    if not parts[0] or len(parts) > 3 or not all(parts):
        raise ConfigurationError('platform %r is not os[/arch[/variant]], for example linux/amd64 or linux/arm64.'
                                 % (value,))
    if len(parts) > 1:
        parts[1] = _ARCH_ALIASES.get(parts[1], parts[1])
    if len(parts) == 3 and parts[1] == 'arm64' and parts[2] == 'v8':
        parts = parts[:2]
    return '/'.join(parts)


def _platform_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> str | None:
    image = ctx.image or {}
    if not image.get('Os'):
        return None
    have = [str(image.get('Os') or ''), str(image.get('Architecture') or ''), str(image.get('Variant') or '')]
    have = normalize_platform('/'.join(p for p in have if p)).split('/')
    wanted = _ctx_params(ctx).get('platform')
    depth = len(normalize_platform(wanted).split('/')) if wanted else 3
    return '/'.join(have[:depth])


def _platform_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body.setdefault('_query', {})['platform'] = str(value)


def _skip_wanted(value: t.Any, ctx: Ctx) -> _Skip:
    return SKIP


def _kernel_memory_check(value: t.Any, ctx: Ctx) -> None:
    parse_size(value, 'kernel_memory')  # a bad size still fails, as in docker_container


def _pids(value: t.Any) -> int:
    return max(check_int64(value, 'pids_limit'), 0)


def _int64(option: str) -> t.Callable[[t.Any], int]:
    return lambda value: check_int64(value, option)


# ---- the rows ------------------------------------------------------------------------------

def _list(aliases: list[str] | None = None) -> dict[str, t.Any]:
    spec: dict[str, t.Any] = {'type': 'list', 'elements': 'str'}
    if aliases:
        spec['aliases'] = aliases
    return spec


_MOUNT_OPTIONS: dict[str, t.Any] = {
    'target': {'type': 'str', 'required': True},
    'source': {'type': 'str'},
    'type': {'type': 'str', 'default': 'volume', 'choices': ['bind', 'npipe', 'tmpfs', 'volume', 'cluster', 'image']},
    'read_only': {'type': 'bool'},
    'consistency': {'type': 'str', 'choices': ['cached', 'consistent', 'default', 'delegated']},
    'propagation': {'type': 'str', 'choices': ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']},
    'no_copy': {'type': 'bool'},
    'labels': {'type': 'dict'},
    'volume_driver': {'type': 'str'},
    'volume_options': {'type': 'dict'},
    'tmpfs_size': {'type': 'str'},
    'tmpfs_mode': {'type': 'str'},
    'tmpfs_options': {'type': 'list', 'elements': 'dict'},
    'non_recursive': {'type': 'bool'},
    'create_mountpoint': {'type': 'bool'},
    'read_only_non_recursive': {'type': 'bool'},
    'read_only_force_recursive': {'type': 'bool'},
    'subpath': {'type': 'str'},
}

_HEALTHCHECK_OPTIONS: dict[str, t.Any] = {
    'test': {'type': 'raw'},
    'test_cli_compatible': {'type': 'bool', 'default': False},
    'interval': {'type': 'str'},
    'timeout': {'type': 'str'},
    'retries': {'type': 'int'},
    'start_period': {'type': 'str'},
    'start_interval': {'type': 'str'},
}

ROWS: list[Option] = [
    Option('command', {'type': 'raw'}, kind='list', wanted=_command_wanted, actual=_command_actual, put=_command_put),
    Option('entrypoint', _list(), kind='list', wanted=_entrypoint_wanted, actual=_entrypoint_actual,
           put=_entrypoint_put),
    Option('env_file', {'type': 'path'}, kind='dict', wanted=_env_file_wanted, actual=_env_actual, put=_env_file_put,
           hide_values=True),
    Option('env', {'type': 'dict'}, kind='dict', wanted=_env_wanted, actual=_env_actual, put=_env_put, hide_values=True),
    Option('labels', {'type': 'dict'}, kind='dict', wanted=_labels_wanted, actual=_labels_actual, put=_labels_put),
    Option('default_host_ip', {'type': 'str'}, wanted=_default_host_ip_wanted, actual=_none_actual, put=_nothing),
    Option('published_ports', _list(['ports']), kind='dict', wanted=_ports_wanted, actual=_ports_actual,
           put=_ports_put),
    Option('exposed_ports', _list(['exposed', 'expose']), kind='set', wanted=lambda v, c: _exposed(v),
           actual=_exposed_actual, put=_exposed_put),
    Option('publish_all_ports', {'type': 'bool'}, **_triple(_host_bool('PublishAllPorts'))),
    Option('volumes', _list(), kind='set', wanted=lambda v, c: _volume_entries(v), actual=_volumes_actual,
           put=_volumes_put),
    Option('mounts', {'type': 'list', 'elements': 'dict', 'options': _MOUNT_OPTIONS}, kind='set(dict)',
           wanted=_mounts_wanted, actual=_mounts_actual, put=_mounts_put, check=_mounts_check),
    Option('tmpfs', _list(), kind='set', wanted=lambda v, c: _tmpfs_entries(v), actual=_tmpfs_actual, put=_tmpfs_put),
    Option('hostname', {'type': 'str'}, **_triple(_config_str('Hostname'))),
    Option('user', {'type': 'str'}, **_triple(_config_str('User'))),
    Option('working_dir', {'type': 'str'}, **_triple(_config_str('WorkingDir'))),
    Option('restart_policy', {'type': 'str', 'choices': ['no', 'on-failure', 'always', 'unless-stopped']},
           wanted=lambda v, c: normalize_restart_policy(v),
           actual=lambda c, x: normalize_restart_policy((_host(c).get('RestartPolicy') or {}).get('Name')),
           put=_restart_put, update=_restart_update),
    Option('restart_retries', {'type': 'int'}, wanted=lambda v, c: check_int64(v, 'restart_retries'),
           actual=lambda c, x: int((_host(c).get('RestartPolicy') or {}).get('MaximumRetryCount') or 0),
           put=_restart_put, update=_restart_update),
    Option('healthcheck', {'type': 'dict', 'options': _HEALTHCHECK_OPTIONS}, kind='dict', wanted=_healthcheck_wanted,
           actual=_healthcheck_actual, put=_healthcheck_put, check=_healthcheck_check),
    Option('memory', {'type': 'str'}, **_resource('Memory', lambda v: parse_size(v, 'memory'))),
    Option('memory_reservation', {'type': 'str'},
           **_resource('MemoryReservation', lambda v: parse_size(v, 'memory_reservation'))),
    Option('memory_swap', {'type': 'str'},
           **_resource('MemorySwap', lambda v: parse_size(v, 'memory_swap', allow_unlimited=True))),
    Option('cpus', {'type': 'float'}, **_resource('NanoCpus', parse_cpus)),
    Option('cpu_shares', {'type': 'int'}, **_resource('CpuShares', _int64('cpu_shares'))),
    Option('cpu_period', {'type': 'int'}, **_resource('CpuPeriod', _int64('cpu_period'))),
    Option('cpu_quota', {'type': 'int'}, **_resource('CpuQuota', _int64('cpu_quota'))),
    Option('cpuset_cpus', {'type': 'str'}, **_resource('CpusetCpus', str, lambda have: str(have or ''))),
    Option('pids_limit', {'type': 'int'}, **_resource('PidsLimit', _pids, lambda have: max(int(have or 0), 0))),
    Option('capabilities', _list(['cap_add']), kind='set', **_triple(_host_list('CapAdd', normalize_capability))),
    Option('cap_drop', _list(), kind='set', **_triple(_host_list('CapDrop', normalize_capability))),
    Option('privileged', {'type': 'bool'}, **_triple(_host_bool('Privileged'))),
    Option('security_opts', _list(), kind='set', **_triple(_host_list('SecurityOpt'))),
    Option('devices', _list(), kind='set',
           wanted=lambda v, c: _sorted_unique(device_key(parse_device(d)) for d in v),
           actual=lambda c, x: _sorted_unique(device_key(d) for d in _host(c).get('Devices') or []),
           put=lambda v, b, c: b['HostConfig'].__setitem__('Devices', [parse_device(d) for d in v])),
    Option('device_cgroup_rules', _list(), kind='set', **_triple(_host_list('DeviceCgroupRules'))),
    Option('cgroupns_mode', {'type': 'str', 'choices': ['host', 'private']}, min_api='1.41',
           wanted=lambda v, c: str(v), actual=lambda c, x: str(_host(c).get('CgroupnsMode') or ''),
           put=lambda v, b, c: b['HostConfig'].__setitem__('CgroupnsMode', str(v))),
    Option('init', {'type': 'bool'}, **_triple(_host_bool('Init'))),
    Option('auto_remove', {'type': 'bool'}, **_triple(_host_bool('AutoRemove'))),
    Option('stop_signal', {'type': 'str'}, wanted=lambda v, c: normalize_signal(v), actual=_stop_signal_actual,
           put=_stop_signal_put),
    Option('stop_timeout', {'type': 'int'}, comparison='ignore', wanted=_stop_timeout_wanted,
           actual=_stop_timeout_actual, put=_stop_timeout_put),
    Option('platform', {'type': 'str'}, min_api='1.41', wanted=lambda v, c: normalize_platform(v),
           actual=_platform_actual, put=_platform_put),
    Option('kernel_memory', {'type': 'str'}, wanted=_skip_wanted, actual=_none_actual, put=_nothing,
           check=_kernel_memory_check),
]


# ---- networks: helper N's part (``_container_networks``) --------------------------------------

def networking_body(params: t.Mapping[str, t.Any], client: t.Any
                    ) -> tuple[dict[str, t.Any], dict[str, t.Any] | None, list[str]]:
    """(HostConfig fields, NetworkingConfig or None, networks to connect after the create)."""
    return _NETWORKS.networking_body(params, client)


def all_rows() -> list[Option]:
    """Every row of the table: ours, helper A2's and the network rows."""
    rows = list(ROWS) + list(_MORE_ROWS) + list(_NETWORKS.NETWORK_ROWS)
    seen: set[str] = set()
    for row in rows:
        if row.name in seen:
            raise ValueError('container option %s has two rows' % row.name)  # pragma: no cover - a programming error
        seen.add(row.name)
    return rows


TABLE: dict[str, Option] = {row.name: row for row in all_rows()}
UPDATABLE: dict[str, Option] = {name: row for name, row in TABLE.items() if row.update is not None}

# Values docker_container's container_default_behavior=compatibility fills in when the task leaves them out.
COMPATIBILITY_DEFAULTS = {'auto_remove': False, 'detach': True, 'init': False, 'interactive': False, 'memory': '0',
                          'paused': False, 'privileged': False, 'read_only': False, 'tty': False}

ENGINE_ARGSPEC: dict[str, t.Any] = {
    'comparisons': {'type': 'dict'},
    'container_default_behavior': {'type': 'str', 'default': 'no_defaults', 'choices': ['compatibility', 'no_defaults']},
    'command_handling': {'type': 'str', 'default': 'correct', 'choices': ['compatibility', 'correct']},
}

OPTION_ARGSPEC: dict[str, t.Any] = dict({row.name: row.spec for row in TABLE.values()}, **_NETWORKS.NETWORK_ARGSPEC)
OPTION_ARGSPEC.update(ENGINE_ARGSPEC)

# Non-row keys of ``comparisons``, with the modes they allow and their defaults.
EXTRA_COMPARISONS = {'image': ('strict', 'ignore'), 'networks': COMPARISONS}
EXTRA_DEFAULTS = {'image': 'strict', 'networks': 'allow_more_present'}


# ---- the engine ----------------------------------------------------------------------------

def prepare(params: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The task's parameters with aliases resolved and docker_container's compatibility defaults filled in.

    Idempotent; every engine entry point calls it, and the lifecycle may too (``detach``, ``paused``).
    """
    p = dict(params)
    for row in TABLE.values():
        if p.get(row.name) is None:
            for alias in row.spec.get('aliases') or ():
                if p.get(alias) is not None:
                    p[row.name] = p[alias]
                    break
    if p.get('container_default_behavior') == 'compatibility':
        for option, value in COMPATIBILITY_DEFAULTS.items():
            if p.get(option) is None and (option in TABLE or option in ('detach', 'paused')):
                p[option] = value
    return _NETWORKS.with_network_defaults(p)


def _aliases() -> dict[str, str]:
    result = {}
    for row in TABLE.values():
        for alias in row.spec.get('aliases') or ():
            result[alias] = row.name
    return result


def resolved_comparisons(params: t.Mapping[str, t.Any]) -> dict[str, str]:
    """{option: comparison} for every row and for ``image`` and ``networks``."""
    given = dict(params.get('comparisons') or {})
    aliases = _aliases()
    given = {aliases.get(str(k), str(k)): v for k, v in given.items()}
    parsed = parse_comparisons(given, TABLE, EXTRA_COMPARISONS)
    wildcard = parsed.pop('*', None)
    result: dict[str, str] = {}
    for name, row in TABLE.items():
        default = row.comparison
        if name == 'env_file' and 'env' in parsed:
            default = parsed['env']  # docker_container compares env_file's variables as part of env
        result[name] = parsed.get(name, wildcard or default)
    for name, default in EXTRA_DEFAULTS.items():
        result[name] = parsed.get(name, wildcard or default)
    for name, mode in result.items():
        row = TABLE.get(name)
        if mode == 'allow_more_present' and row is not None and row.kind == 'value' and name in parsed:
            raise ConfigurationError('comparisons: %s is a single value; allow_more_present only applies to lists, sets '
                                     'and dicts. Use strict or ignore.' % name)
    return result


def comparison_for(option: str, params: t.Mapping[str, t.Any]) -> str:
    """The comparison of ``option`` (a row, ``image`` or ``networks``) for this task."""
    return resolved_comparisons(params)[option]


def _with_image_defaults(option: str, value: t.Any, params: t.Mapping[str, t.Any],
                         image: t.Mapping[str, t.Any] | None) -> t.Any:
    """Under ``strict``, what the image contributes is part of what the container should have (as docker_container)."""
    config = (image or {}).get('Config') or {}
    if option == 'env':
        merged = env_dict(config.get('Env'))
        if params.get('env_file'):
            merged.update(read_env_file(params['env_file']))
        merged.update(value)
        return merged
    if option == 'labels':
        return dict(config.get('Labels') or {}, **value)
    if option == 'volumes':
        return _sorted_unique(list(value) + sorted(config.get('Volumes') or {}))
    if option == 'exposed_ports':
        published = _ports_wanted(params.get('published_ports') or [], Ctx(params, image, None))
        return _sorted_unique(list(value) + sorted(config.get('ExposedPorts') or {}) + sorted(published))
    return value


def desired(params: t.Mapping[str, t.Any], image: dict[str, t.Any] | None, client: t.Any = None) -> dict[str, Wanted]:
    """The normalised values of every option the task sets, with their comparisons (``ignore`` left out)."""
    p = prepare(params)
    ctx = Ctx(p, image, client)
    comparisons = resolved_comparisons(p)
    want: dict[str, Wanted] = {}
    if p.get('image') is not None:
        want['image'] = Wanted(image['Id'] if image else '(to be pulled) ' + str(p['image']), comparisons['image'])
    for name, row in TABLE.items():
        value = p.get(name)
        if value is None:
            continue
        wanted = row.wanted(value, ctx)
        if isinstance(wanted, _Skip):
            continue
        mode = comparisons[name]
        if mode == 'strict' and image is not None:
            wanted = _with_image_defaults(name, wanted, p, image)
        want[name] = Wanted(wanted, mode, row.kind)
    return want


def actual(option: str, container: t.Mapping[str, t.Any], params: t.Mapping[str, t.Any] | None = None,
           image: dict[str, t.Any] | None = None, client: t.Any = None) -> t.Any:
    """The normalised value of ``option`` in an inspect result, comparable with ``desired``."""
    if option == 'image':
        return container.get('Image')
    return TABLE[option].actual(container, Ctx(prepare(params or {}), image, client))


def shown(wanted: Wanted, have: t.Any) -> t.Any:
    """What the diff shows as 'before': for dicts compared allow_more_present only the keys the task names."""
    if isinstance(wanted.value, dict) and wanted.comparison != 'strict' and isinstance(have, t.Mapping):
        return {k: have.get(k) for k in wanted.value}
    return have


def differences(want: dict[str, Wanted], container: t.Mapping[str, t.Any], params: t.Mapping[str, t.Any] | None = None,
                image: dict[str, t.Any] | None = None, client: t.Any = None) -> list[Difference]:
    """The options whose container value does not satisfy the task (``networks`` are the network code's)."""
    ctx = Ctx(prepare(params or {}), image, client)
    diffs = []
    for option, wanted in want.items():
        if option == 'networks' or wanted.comparison == 'ignore':
            continue
        if option == 'image':
            have = container.get('Image')
            if have != wanted.value:
                diffs.append(Difference('image', have, wanted.value, wanted.comparison, False))
            continue
        row = TABLE[option]
        have = row.actual(container, ctx)
        if not matches(row.kind, wanted.comparison, wanted.value, have):
            diffs.append(Difference(option, shown(wanted, have), wanted.value, wanted.comparison, row.update is not None))
    return diffs


def validate(params: t.Mapping[str, t.Any], client: t.Any) -> None:
    """Options that cannot work, before any call that changes something."""
    p = prepare(params)
    if p.get('restart_retries') is not None and p.get('restart_policy') not in (None, 'on-failure'):
        raise ConfigurationError('restart_retries only applies to restart_policy: on-failure (got restart_policy: %s). '
                                 'Drop restart_retries or use on-failure.' % p.get('restart_policy'))
    if p.get('auto_remove') and p.get('restart_policy') not in (None, 'no'):
        raise ConfigurationError('auto_remove cannot be combined with restart_policy %s: the daemon refuses it. Drop '
                                 'one of them.' % p['restart_policy'])
    for network in p.get('networks') or []:
        if not network.get('name'):
            raise ConfigurationError('Every entry of networks needs a name, got %r.' % (network,))
    _NETWORKS.validate_networks(p, client)
    resolved_comparisons(p)
    ctx = Ctx(p, None, client)
    for name, row in TABLE.items():
        value = p.get(name)
        if value is None:
            continue
        if row.min_api and client is not None:
            client.require_api(row.min_api, name)
        if row.check is not None:
            row.check(value, ctx)
    # Parse everything once so a bad value fails before any write.
    desired(p, None, client)
    create_body(dict(p, image=p.get('image') or '-'), client)


def option_warnings(params: t.Mapping[str, t.Any], client: t.Any) -> list[str]:
    """Accepted options that have no effect, said out loud (never a silent difference)."""
    p = prepare(params)
    warnings = []
    if p.get('kernel_memory') is not None:
        warnings.append('kernel_memory is accepted for compatibility with community.docker and ignored: kernel memory '
                        'limits are deprecated by the kernel and Docker (the daemon ignores them since API 1.42, and '
                        'never supported them on cgroup v2). Remove the option.')
    if any(str(port).strip() == 'all' for port in p.get('published_ports') or []):
        warnings.append('published_ports: all is the old spelling of publish_all_ports: true; use that instead.')
    return warnings


def create_body(params: t.Mapping[str, t.Any], client: t.Any, image: dict[str, t.Any] | None = None
                ) -> tuple[dict[str, t.Any], list[str]]:
    """The body of POST /containers/create, and the networks to connect after creating.

    A query parameter of the create (``platform``) travels in ``body['_query']``: take it out with
    ``split_create_query`` before sending.
    """
    p = prepare(params)
    ctx = Ctx(p, image, client)
    body: dict[str, t.Any] = {'Image': p['image'], 'HostConfig': {}}
    for name, row in TABLE.items():
        value = p.get(name)
        if value is not None:
            row.put(value, body, ctx)
    host_fields, networking, later = networking_body(p, client)
    body['HostConfig'].update(host_fields)
    if networking is not None:
        body['NetworkingConfig'] = networking
    return body, later


def split_create_query(body: t.Mapping[str, t.Any]) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
    """(the body to send, the query parameters of POST /containers/create besides ``name``)."""
    body = dict(body)
    query = dict(body.pop('_query', None) or {})
    return body, query


def update_body(params: t.Mapping[str, t.Any], diffs: t.Iterable[Difference], container: t.Mapping[str, t.Any],
                client: t.Any = None) -> dict[str, t.Any]:
    """The body of POST /containers/{id}/update for the differing updatable options."""
    p = prepare(params)
    ctx = Ctx(p, None, client)
    limits: dict[str, t.Any] = {}
    changed = {d.option for d in diffs}
    for option in changed:
        row = UPDATABLE.get(option)
        if row is not None and p.get(option) is not None and row.update is not None:
            limits.update(row.update(p[option], ctx))
    host = _host(container)
    if 'Memory' in limits and p.get('memory_swap') is None:
        # The daemon refuses a memory limit above the current swap limit. When the swap limit is
        # the default one (twice the memory, set at create), move it along as create would.
        old_memory, old_swap = host.get('Memory') or 0, host.get('MemorySwap') or 0
        if old_swap > 0 and old_memory and old_swap == 2 * old_memory:
            limits['MemorySwap'] = 2 * limits['Memory']
        elif old_swap > 0 and limits['Memory'] > old_swap:
            raise ConfigurationError(
                'memory %d is above the container\'s swap limit %d (memory + swap): set memory_swap too (for example '
                'twice the memory, or -1 for unlimited swap).' % (limits['Memory'], old_swap))
    if 'restart_policy' in changed or 'restart_retries' in changed:
        policy = host.get('RestartPolicy') or {}
        name = p.get('restart_policy') or normalize_restart_policy(policy.get('Name'))
        retries = p.get('restart_retries')
        if retries is None:
            retries = policy.get('MaximumRetryCount') or 0 if name == 'on-failure' else 0
        limits['RestartPolicy'] = {'Name': name, 'MaximumRetryCount': int(retries)}
    return limits


def hidden_options() -> tuple[str, ...]:
    """The options whose values ``changes``, ``--diff`` and results show as keys only (env, env_file)."""
    return tuple(name for name, row in TABLE.items() if row.hide_values)


__all__ = ['COMPATIBILITY_DEFAULTS', 'Difference', 'OPTION_ARGSPEC', 'ROWS', 'SKIP', 'TABLE', 'UPDATABLE', 'Wanted',
           'actual', 'all_rows', 'comparison_for', 'create_body', 'desired', 'differences',
           'healthcheck_body', 'hidden_options', 'mount_from_api', 'mount_norm', 'mount_to_api', 'networking_body',
           'normalize_platform', 'option_warnings', 'prepare', 'read_env_file', 'resolved_comparisons', 'shown',
           'split_create_query', 'update_body', 'validate']
