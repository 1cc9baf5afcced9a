# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Containers: the ``container`` and ``container_info`` services.

How ``container`` stays cheap and honest:

* It finds the container with one ``GET /containers/{name}/json`` (never a list of every
  container) and the image with one ``GET /images/{ref}/json``. An unchanged run makes those
  two reads after the version check, and no write.
* It compares only the options the task sets. Each option knows how to read its value from the
  inspect result and how to normalise both sides (units, port and env formats, the daemon's
  defaults), so a spelling never counts as a change.
* It plans every action first (``plan``), then carries the plan out (``apply``) unless in check
  mode: check mode reports exactly the actions a real run takes, because both use one plan.
* A recreate never removes the old container before its replacement exists: the replacement is
  created under a temporary name, the old one stopped and renamed aside, the replacement renamed
  into place and started, and only then the old one removed (``_replace``); a failure on the way
  puts the old container back and the message says what exists (``_undo``).
"""

from __future__ import annotations

import re
import time
import typing as t
import uuid

from ._client import EngineClient, quote_path
from ._compare import (
    HIDDEN,
    as_argv,
    bind_from_inspect,
    check_int64,
    device_key,
    echo_arguments,
    env_dict,
    env_list,
    healthcheck_test,
    normalize_capability,
    normalize_network_mode,
    normalize_restart_policy,
    normalize_signal,
    parse_cpus,
    parse_device,
    parse_duration,
    parse_ports,
    parse_size,
    parse_tmpfs,
    parse_volume,
    port_bindings_body,
    port_bindings_from_inspect,
    string_map,
)
from ._errors import APIError, ConfigurationError, Conflict, ConnectionProblem, EngineError, NotFound, NotModified, StreamError
from ._images import Reference, image_id, inspect_image, is_image_id, parse_reference, pull_image, registry_digest, repo_digests
from ._system import list_containers

# Options the update endpoint changes in place: option -> HostConfig key.
UPDATABLE = {
    'memory': 'Memory',
    'memory_reservation': 'MemoryReservation',
    'memory_swap': 'MemorySwap',
    'cpus': 'NanoCpus',
    'cpu_shares': 'CpuShares',
    'cpu_period': 'CpuPeriod',
    'cpu_quota': 'CpuQuota',
    'cpuset_cpus': 'CpusetCpus',
    'pids_limit': 'PidsLimit',
    'restart_policy': 'RestartPolicy',
    'restart_retries': 'RestartPolicy',
}

HEALTHCHECK_DURATIONS = {'interval': 'Interval', 'timeout': 'Timeout', 'start_period': 'StartPeriod',
                         'start_interval': 'StartInterval'}


# ---- names -----------------------------------------------------------------------------

# The daemon's rule for container names; the length limit is ours: a longer name cannot serve as a
# DNS name on user networks, and beyond some kilobytes it no longer fits in a request line.
_NAME_RE = re.compile(r'[a-zA-Z0-9][a-zA-Z0-9_.-]+')  # used with fullmatch: no trailing newline slips through
MAX_NAME_LENGTH = 255


def check_name(name: str) -> None:
    if len(name) > MAX_NAME_LENGTH:
        raise ConfigurationError('Container name %s... is %d characters long; use at most %d (a container name is also '
                                 'its DNS name on user networks).' % (name[:40], len(name), MAX_NAME_LENGTH))
    if not _NAME_RE.fullmatch(name):
        raise ConfigurationError('Container name %r is not valid: use at least two characters, starting with a letter or '
                                 'digit, then letters, digits, "_", "." or "-".' % name)


def _temp_name(name: str, role: str) -> str:
    """A free name for the replacement (or the old container) while a recreate swaps them."""
    return '%s-dkapi-%s-%s' % (name, role, uuid.uuid4().hex[:8])


# ---- images ----------------------------------------------------------------------------

def image_reference(params: t.Mapping[str, t.Any]) -> tuple[str, Reference | None]:
    """(name to look the image up by, parsed reference; None when ``image`` is an image ID)."""
    text = str(params['image']).strip()
    if is_image_id(text):
        return text, None
    ref = parse_reference(text, option='image')
    return str(ref), ref


def _pull(client: EngineClient, ref: Reference) -> None:
    try:
        pull_image(client, ref, None, None)
    except (APIError, StreamError) as exc:
        exc.msg = '%s. Check the image name and tag, that the registry is reachable from the daemon, or set pull: never ' \
                  'and provide the image another way.' % exc.msg.rstrip('. ')
        raise


# ---- finding the container --------------------------------------------------------------

def get_container(client: EngineClient, name: str, exact: bool = True) -> dict[str, t.Any] | None:
    """Inspect by name; None when missing.

    The daemon also resolves ID prefixes, so with ``exact`` a container whose ID merely starts
    with ``name`` does not count as the container called ``name``.
    """
    try:
        found = client.get_json('/containers/%s/json' % quote_path(name))
    except NotFound:
        return None
    if exact and found and found.get('Name') != '/' + name and found.get('Id') != name:
        return None
    return found


# ---- what the task asks for -------------------------------------------------------------

class Wanted(t.NamedTuple):
    """One compared option: the normalised value the task wants, and how to compare it."""

    value: t.Any
    mode: str  # 'equal' or 'subset'


def _sorted_unique(values: t.Iterable[t.Any]) -> list[t.Any]:
    return sorted(set(values))


def validate(params: dict[str, t.Any], client: EngineClient) -> None:
    """Options that cannot work, before any call that changes something."""
    if params.get('restart_retries') is not None and params.get('restart_policy') not in (None, 'on-failure'):
        raise ConfigurationError('restart_retries only applies to restart_policy: on-failure (got restart_policy: %s). '
                                 'Drop restart_retries or use on-failure.' % params.get('restart_policy'))
    if params.get('auto_remove') and params.get('restart_policy') not in (None, 'no'):
        raise ConfigurationError('auto_remove cannot be combined with restart_policy %s: the daemon refuses it. Drop '
                                 'one of them.' % params['restart_policy'])
    health = params.get('healthcheck') or {}
    if health.get('start_interval') is not None:
        client.require_api('1.44', 'healthcheck.start_interval')
    for network in params.get('networks') or []:
        if not network.get('name'):
            raise ConfigurationError('Every entry of networks needs a name, got %r.' % (network,))
    for option in ('cpu_shares', 'cpu_period', 'cpu_quota', 'pids_limit', 'restart_retries'):
        if params.get(option) is not None:
            check_int64(params[option], option)
    if params.get('stop_timeout') is not None and not -1 <= check_int64(params['stop_timeout'], 'stop_timeout') < 2 ** 31:
        raise ConfigurationError('stop_timeout %r is out of range: give seconds from 0 to %d (or -1 to wait forever).'
                                 % (params['stop_timeout'], 2 ** 31 - 1))
    if health.get('retries') and not 0 <= int(health['retries']) < 2 ** 31:
        raise ConfigurationError('healthcheck.retries %r is out of range (0 to %d).' % (health['retries'], 2 ** 31 - 1))
    # Parse everything once so a bad value fails before any write.
    desired(params, None)


def desired(params: dict[str, t.Any], image: dict[str, t.Any] | None) -> dict[str, Wanted]:
    """The normalised values of every option the task sets (image defaults filled in)."""
    p = params
    image_config = (image or {}).get('Config') or {}
    want: dict[str, Wanted] = {}
    if p.get('image') is not None:
        want['image'] = Wanted(image['Id'] if image else '(to be pulled) ' + p['image'], 'equal')
    command = as_argv(p.get('command'), 'command')
    entrypoint = as_argv(p.get('entrypoint'), 'entrypoint')
    if command is not None:
        # command: [] means "the image's default", which the daemon fills in when no entrypoint is given.
        if not command and entrypoint is None:
            command = list(image_config.get('Cmd') or [])
        want['command'] = Wanted(command, 'equal')
    if entrypoint is not None:
        want['entrypoint'] = Wanted([e for e in entrypoint if e] and entrypoint, 'equal')
    if p.get('env') is not None:
        want['env'] = Wanted(env_dict(env_list(p['env'])), 'subset')
    if p.get('labels') is not None:
        want['labels'] = Wanted(string_map(p['labels'], 'labels'), 'subset')
    if p.get('published_ports') is not None:
        want['published_ports'] = Wanted(_sorted_unique(b.render() for b in parse_ports(p['published_ports'])), 'equal')
    if p.get('volumes') is not None:
        binds, anonymous = [], []
        for spec in p['volumes']:
            kind, source, target, mode = parse_volume(spec)
            if kind == 'bind':
                binds.append(':'.join([source, target, mode]).rstrip(':'))
            else:
                anonymous.append(target)
        want['volumes'] = Wanted({'binds': _sorted_unique(binds), 'anonymous': _sorted_unique(anonymous)}, 'volumes')
    if p.get('mounts') is not None:
        want['mounts'] = Wanted(sorted((_mount_key(_mount_body(m)) for m in p['mounts'])), 'equal')
    if p.get('tmpfs') is not None:
        want['tmpfs'] = Wanted(parse_tmpfs(p['tmpfs']), 'equal')
    if p.get('network_mode') is not None:
        want['network_mode'] = Wanted(normalize_network_mode(p['network_mode']), 'equal')
    if p.get('networks') is not None:
        want['networks'] = Wanted({n['name']: _network_wish(n) for n in p['networks']}, 'networks')
    for option, key in (('hostname', 'Hostname'), ('user', 'User'), ('working_dir', 'WorkingDir')):
        if p.get(option) is not None:
            want[option] = Wanted(str(p[option]), 'equal')
    if p.get('restart_policy') is not None:
        want['restart_policy'] = Wanted(normalize_restart_policy(p['restart_policy']), 'equal')
    if p.get('restart_retries') is not None:
        want['restart_retries'] = Wanted(int(p['restart_retries']), 'equal')
    if p.get('healthcheck') is not None:
        want['healthcheck'] = Wanted(_healthcheck_body(p['healthcheck']), 'subset')
    for option in ('memory', 'memory_reservation'):
        if p.get(option) is not None:
            want[option] = Wanted(parse_size(p[option], option), 'equal')
    if p.get('memory_swap') is not None:
        want['memory_swap'] = Wanted(parse_size(p['memory_swap'], 'memory_swap', allow_unlimited=True), 'equal')
    if p.get('cpus') is not None:
        want['cpus'] = Wanted(parse_cpus(p['cpus']), 'equal')
    for option in ('cpu_shares', 'cpu_period', 'cpu_quota'):
        if p.get(option) is not None:
            want[option] = Wanted(int(p[option]), 'equal')
    if p.get('cpuset_cpus') is not None:
        want['cpuset_cpus'] = Wanted(str(p['cpuset_cpus']), 'equal')
    if p.get('pids_limit') is not None:
        want['pids_limit'] = Wanted(max(int(p['pids_limit']), 0), 'equal')
    for option in ('cap_add', 'cap_drop'):
        if p.get(option) is not None:
            want[option] = Wanted(_sorted_unique(normalize_capability(c) for c in p[option]), 'equal')
    if p.get('security_opts') is not None:
        want['security_opts'] = Wanted(_sorted_unique(p['security_opts']), 'subset')
    if p.get('devices') is not None:
        want['devices'] = Wanted(_sorted_unique(device_key(parse_device(d)) for d in p['devices']), 'equal')
    if p.get('device_cgroup_rules') is not None:
        want['device_cgroup_rules'] = Wanted(_sorted_unique(p['device_cgroup_rules']), 'equal')
    for option in ('privileged', 'init', 'auto_remove'):
        if p.get(option) is not None:
            want[option] = Wanted(bool(p[option]), 'equal')
    if p.get('cgroupns_mode') is not None:
        want['cgroupns_mode'] = Wanted(p['cgroupns_mode'], 'equal')
    if p.get('stop_signal') is not None:
        want['stop_signal'] = Wanted(normalize_signal(p['stop_signal']), 'equal')
    if p.get('stop_timeout') is not None:
        want['stop_timeout'] = Wanted(int(p['stop_timeout']), 'equal')
    return want


def _network_wish(network: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    wish: dict[str, t.Any] = {}
    if network.get('aliases'):
        wish['aliases'] = _sorted_unique(str(a) for a in network['aliases'])
    if network.get('ipv4_address'):
        wish['ipv4_address'] = str(network['ipv4_address'])
    return wish


def _mount_body(mount: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    kind = mount.get('type') or 'volume'
    target = mount.get('target')
    if not target or not str(target).startswith('/'):
        raise ConfigurationError('Every mount needs an absolute target path, got %r.' % (dict(mount),))
    source = mount.get('source')
    if kind == 'bind' and not source:
        raise ConfigurationError('A bind mount needs a source (a host path): %r.' % (dict(mount),))
    if kind == 'tmpfs' and source:
        raise ConfigurationError('A tmpfs mount takes no source: %r.' % (dict(mount),))
    body: dict[str, t.Any] = {'Type': kind, 'Target': str(target), 'ReadOnly': bool(mount.get('read_only'))}
    if source:
        body['Source'] = str(source)
    if kind == 'tmpfs' and mount.get('tmpfs_size') is not None:
        body['TmpfsOptions'] = {'SizeBytes': parse_size(mount['tmpfs_size'], 'mounts.tmpfs_size')}
    return body


def _mount_key(mount: t.Mapping[str, t.Any]) -> str:
    size = ((mount.get('TmpfsOptions') or {}).get('SizeBytes')) or ''
    return '%s:%s:%s:%s%s' % (mount.get('Type') or 'volume', mount.get('Source') or '', mount.get('Target') or '',
                              'ro' if mount.get('ReadOnly') else 'rw', ':size=%s' % size if size else '')


def _healthcheck_body(health: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    body: dict[str, t.Any] = {}
    if health.get('test') is not None:
        body['Test'] = healthcheck_test(health['test'])
    for option, key in HEALTHCHECK_DURATIONS.items():
        if health.get(option) is not None:
            body[key] = parse_duration(health[option], 'healthcheck.%s' % option)
    if health.get('retries') is not None:
        body['Retries'] = int(health['retries'])
    return body


# ---- what the daemon has ----------------------------------------------------------------

def actual(option: str, container: dict[str, t.Any]) -> t.Any:
    """The normalised value of ``option`` in an inspect result, comparable with ``desired``."""
    config = container.get('Config') or {}
    host = container.get('HostConfig') or {}
    if option == 'image':
        return container.get('Image')
    if option == 'command':
        return list(config.get('Cmd') or [])
    if option == 'entrypoint':
        return [e for e in (config.get('Entrypoint') or []) if e] and list(config.get('Entrypoint'))
    if option == 'env':
        return env_dict(config.get('Env'))
    if option == 'labels':
        return dict(config.get('Labels') or {})
    if option == 'published_ports':
        return _sorted_unique(b.render() for b in port_bindings_from_inspect(host.get('PortBindings')))
    if option == 'volumes':
        binds = [':'.join(bind_from_inspect(b)).rstrip(':') for b in host.get('Binds') or []]
        return {'binds': _sorted_unique(binds), 'anonymous': sorted(config.get('Volumes') or {})}
    if option == 'mounts':
        return sorted(_mount_key(m) for m in host.get('Mounts') or [])
    if option == 'tmpfs':
        return dict(host.get('Tmpfs') or {})
    if option == 'network_mode':
        return normalize_network_mode(host.get('NetworkMode'))
    if option == 'networks':
        attached = ((container.get('NetworkSettings') or {}).get('Networks')) or {}
        return {name: {'aliases': _sorted_unique(ep.get('Aliases') or []),
                       'ipv4_address': ((ep.get('IPAMConfig') or {}).get('IPv4Address')) or ''}
                for name, ep in attached.items()}
    simple = {'hostname': ('Hostname', ''), 'user': ('User', ''), 'working_dir': ('WorkingDir', '')}
    if option in simple:
        return config.get(simple[option][0]) or simple[option][1]
    policy = host.get('RestartPolicy') or {}
    if option == 'restart_policy':
        return normalize_restart_policy(policy.get('Name'))
    if option == 'restart_retries':
        return int(policy.get('MaximumRetryCount') or 0)
    if option == 'healthcheck':
        return dict(config.get('Healthcheck') or {})
    if option == 'pids_limit':
        return max(int(host.get('PidsLimit') or 0), 0)
    if option == 'cpuset_cpus':
        return host.get('CpusetCpus') or ''
    if option in UPDATABLE:
        return host.get(UPDATABLE[option]) or 0
    if option in ('cap_add', 'cap_drop'):
        return _sorted_unique(normalize_capability(c) for c in host.get('CapAdd' if option == 'cap_add' else 'CapDrop') or [])
    if option == 'security_opts':
        return _sorted_unique(host.get('SecurityOpt') or [])
    if option == 'devices':
        return _sorted_unique(device_key(d) for d in host.get('Devices') or [])
    if option == 'device_cgroup_rules':
        return _sorted_unique(host.get('DeviceCgroupRules') or [])
    if option == 'privileged':
        return bool(host.get('Privileged'))
    if option == 'init':
        return bool(host.get('Init'))
    if option == 'auto_remove':
        return bool(host.get('AutoRemove'))
    if option == 'cgroupns_mode':
        return host.get('CgroupnsMode') or ''
    if option == 'stop_signal':
        return normalize_signal(config.get('StopSignal') or 'SIGTERM')
    if option == 'stop_timeout':
        return config.get('StopTimeout') if config.get('StopTimeout') is not None else 10
    raise KeyError(option)  # pragma: no cover - every option of desired() is handled above


def matches(wanted: Wanted, have: t.Any) -> bool:
    if wanted.mode == 'equal':
        return wanted.value == have
    if wanted.mode == 'subset':
        if isinstance(wanted.value, dict):
            return all(have.get(k) == v for k, v in wanted.value.items())
        return set(wanted.value) <= set(have)
    if wanted.mode == 'volumes':
        return wanted.value['binds'] == have['binds'] and set(wanted.value['anonymous']) <= set(have['anonymous'])
    raise ValueError(wanted.mode)  # pragma: no cover


def shown(wanted: Wanted, have: t.Any) -> t.Any:
    """What the diff shows as 'before': for subset options only the keys the task names."""
    if wanted.mode == 'subset' and isinstance(wanted.value, dict):
        return {k: have.get(k) for k in wanted.value}
    if wanted.mode == 'networks':
        return {k: have.get(k) for k in wanted.value}
    return have


class Difference(t.NamedTuple):
    option: str
    before: t.Any
    after: t.Any


def differences(want: dict[str, Wanted], container: dict[str, t.Any]) -> list[Difference]:
    diffs = []
    for option, wanted in want.items():
        if option == 'networks':
            continue  # handled by network_actions: missing networks are connected in place
        have = actual(option, container)
        if not matches(wanted, have):
            diffs.append(Difference(option, shown(wanted, have), wanted.value))
    return diffs


def network_actions(want: dict[str, Wanted], container: dict[str, t.Any] | None) -> list[tuple[str, str]]:
    """[('connect'|'reconnect', network)] to bring the requested networks in line."""
    if 'networks' not in want:
        return []
    have = actual('networks', container) if container else {}
    todo = []
    for name, wish in want['networks'].value.items():
        if name not in have:
            todo.append(('connect', name))
            continue
        current = have[name]
        if not set(wish.get('aliases') or []) <= set(current['aliases']) or \
                (wish.get('ipv4_address') and wish['ipv4_address'] != current['ipv4_address']):
            todo.append(('reconnect', name))
    return todo


# ---- the create body --------------------------------------------------------------------

def create_body(params: dict[str, t.Any], client: EngineClient) -> tuple[dict[str, t.Any], list[str]]:
    """The body of POST /containers/create, and the networks to connect after creating."""
    p = params
    body: dict[str, t.Any] = {'Image': p['image']}
    host: dict[str, t.Any] = {}
    if p.get('command') is not None:
        command = as_argv(p['command'], 'command')
        if command:
            body['Cmd'] = command
    if p.get('entrypoint') is not None:
        body['Entrypoint'] = as_argv(p['entrypoint'], 'entrypoint') or ['']
    if p.get('env') is not None:
        body['Env'] = env_list(p['env'])
    if p.get('labels') is not None:
        body['Labels'] = string_map(p['labels'], 'labels')
    for option, key in (('hostname', 'Hostname'), ('user', 'User'), ('working_dir', 'WorkingDir')):
        if p.get(option) is not None:
            body[key] = str(p[option])
    if p.get('healthcheck') is not None:
        body['Healthcheck'] = _healthcheck_body(p['healthcheck'])
    if p.get('stop_signal') is not None:
        body['StopSignal'] = normalize_signal(p['stop_signal'])
    if p.get('stop_timeout') is not None:
        body['StopTimeout'] = int(p['stop_timeout'])
    if p.get('published_ports') is not None:
        body['ExposedPorts'], host['PortBindings'] = port_bindings_body(parse_ports(p['published_ports']))
    if p.get('volumes') is not None:
        binds, anonymous = [], {}
        for spec in p['volumes']:
            kind, source, target, mode = parse_volume(spec)
            if kind == 'bind':
                binds.append(':'.join([source, target, mode]).rstrip(':'))
            else:
                anonymous[target] = {}
        if binds:
            host['Binds'] = binds
        if anonymous:
            body['Volumes'] = anonymous
    if p.get('mounts') is not None:
        host['Mounts'] = [_mount_body(m) for m in p['mounts']]
    if p.get('tmpfs') is not None:
        host['Tmpfs'] = parse_tmpfs(p['tmpfs'])
    if p.get('restart_policy') is not None or p.get('restart_retries') is not None:
        host['RestartPolicy'] = {'Name': p.get('restart_policy') or 'on-failure',
                                 'MaximumRetryCount': int(p.get('restart_retries') or 0)}
    host.update(_limits(p))
    if p.get('cap_add') is not None:
        host['CapAdd'] = list(p['cap_add'])
    if p.get('cap_drop') is not None:
        host['CapDrop'] = list(p['cap_drop'])
    if p.get('security_opts') is not None:
        host['SecurityOpt'] = list(p['security_opts'])
    if p.get('devices') is not None:
        host['Devices'] = [parse_device(d) for d in p['devices']]
    if p.get('device_cgroup_rules') is not None:
        host['DeviceCgroupRules'] = list(p['device_cgroup_rules'])
    for option, key in (('privileged', 'Privileged'), ('init', 'Init'), ('auto_remove', 'AutoRemove')):
        if p.get(option) is not None:
            host[key] = bool(p[option])
    if p.get('cgroupns_mode') is not None:
        host['CgroupnsMode'] = p['cgroupns_mode']

    later: list[str] = []
    networks = p.get('networks') or []
    if p.get('network_mode') is not None:
        host['NetworkMode'] = p['network_mode']
    elif networks:
        host['NetworkMode'] = networks[0]['name']
    if networks:
        endpoints = {}
        # Before API 1.44 the daemon accepts one endpoint at create; the rest are connected after.
        many = client.api_at_least('1.44')
        for network in networks:
            if many or network['name'] == host.get('NetworkMode'):
                endpoints[network['name']] = _endpoint_config(network)
            else:
                later.append(network['name'])
        body['NetworkingConfig'] = {'EndpointsConfig': endpoints}
    body['HostConfig'] = host
    return body, later


def _endpoint_config(network: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    endpoint: dict[str, t.Any] = {}
    if network.get('aliases'):
        endpoint['Aliases'] = [str(a) for a in network['aliases']]
    if network.get('ipv4_address'):
        endpoint['IPAMConfig'] = {'IPv4Address': str(network['ipv4_address'])}
    return endpoint


def _limits(p: dict[str, t.Any]) -> dict[str, t.Any]:
    limits: dict[str, t.Any] = {}
    for option in ('memory', 'memory_reservation'):
        if p.get(option) is not None:
            limits[UPDATABLE[option]] = parse_size(p[option], option)
    if p.get('memory_swap') is not None:
        limits['MemorySwap'] = parse_size(p['memory_swap'], 'memory_swap', allow_unlimited=True)
    if p.get('cpus') is not None:
        limits['NanoCpus'] = parse_cpus(p['cpus'])
    for option in ('cpu_shares', 'cpu_period', 'cpu_quota', 'pids_limit'):
        if p.get(option) is not None:
            limits[UPDATABLE[option]] = int(p[option])
    if p.get('cpuset_cpus') is not None:
        limits['CpusetCpus'] = str(p['cpuset_cpus'])
    return limits


def update_body(params: dict[str, t.Any], diffs: list[Difference], container: dict[str, t.Any]) -> dict[str, t.Any]:
    """The body of POST /containers/{id}/update for the differing updatable options."""
    changed = {d.option for d in diffs}
    limits = {k: v for k, v in _limits(params).items()
              if any(UPDATABLE[o] == k for o in changed if o in UPDATABLE)}
    host = container.get('HostConfig') or {}
    if 'Memory' in limits and params.get('memory_swap') is None:
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
        name = params.get('restart_policy') or normalize_restart_policy(policy.get('Name'))
        retries = params.get('restart_retries')
        if retries is None:
            retries = policy.get('MaximumRetryCount') or 0 if name == 'on-failure' else 0
        limits['RestartPolicy'] = {'Name': name, 'MaximumRetryCount': int(retries)}
    return limits


# ---- plan and apply ---------------------------------------------------------------------

class Plan(t.NamedTuple):
    actions: list[str]
    diffs: list[Difference]
    update: dict[str, t.Any]
    connects: list[tuple[str, str]]
    pull: bool


def _is_running(container: dict[str, t.Any] | None) -> bool:
    state = (container or {}).get('State') or {}
    return bool(state.get('Running') or state.get('Restarting'))


def _resolve_image(client: EngineClient, params: dict[str, t.Any], check_mode: bool,
                   result: dict[str, t.Any]) -> tuple[dict[str, t.Any] | None, bool]:
    """(local image inspect or None, whether a pull is part of the plan); pulls unless check mode."""
    lookup, ref = image_reference(params)
    policy = params.get('pull') or 'missing'
    local = inspect_image(client, lookup)
    if ref is None:
        if local is None:
            raise ConfigurationError('No image with ID %s exists on the daemon, and an ID cannot be pulled. Give the image '
                                     'by name, or load it first.' % lookup)
        return local, False
    if policy == 'always':
        if check_mode:
            if local is None:
                return None, True
            # Ask the registry (through the daemon, without pulling) whether the tag points elsewhere.
            digest, why = registry_digest(client, ref, None)
            if digest is None:
                result.setdefault('warnings', []).append(
                    'Check mode could not ask the registry about %s (%s); it assumes pull: always would bring a new '
                    'image.' % (ref, why))
            elif digest in repo_digests(local, ref.repository):
                return local, False
            return None, True
        before = image_id(local)
        _pull(client, ref)
        local = inspect_image(client, lookup)
        if local is None:
            raise EngineError('Image %s was pulled but the daemon does not show it; check the reference.' % ref)
        return local, image_id(local) != before
    if local is not None:
        return local, False
    if policy == 'never':
        raise ConfigurationError(
            'Image %s is not present on the daemon and pull is never. Build, load or pull %s first, or set pull: '
            'missing to pull it.' % (ref, ref))
    if check_mode:
        return None, True
    _pull(client, ref)
    local = inspect_image(client, lookup)
    if local is None:
        raise EngineError('Image %s was pulled but the daemon does not show it; check the reference.' % ref)
    return local, True


def plan(client: EngineClient, params: dict[str, t.Any], container: dict[str, t.Any] | None,
         image: dict[str, t.Any] | None, pulled: bool) -> Plan:
    """The actions of a run, in order; check mode reports them, a real run carries them out.

    A recreate is ``create`` (the replacement, under a temporary name), the connects of the
    replacement, ``stop`` (the old one), ``rename`` (old one aside, replacement into its name),
    ``start`` (the replacement) and ``remove`` (the old one): nothing is removed before its
    replacement exists, and a start that fails puts the old container back.
    """
    state = params['state']
    actions: list[str] = []
    if pulled:
        actions.append('pull')
    want = desired(params, image) if state != 'absent' else {}
    diffs: list[Difference] = []
    update: dict[str, t.Any] = {}
    connects: list[tuple[str, str]] = []
    running = _is_running(container)

    if state == 'absent':
        if container is not None:
            if running:
                actions.append('stop')
            actions.append('remove')
        return Plan(actions, diffs, update, connects, pulled)

    recreate = False
    if container is None:
        if not params.get('image'):
            raise ConfigurationError('Container %s does not exist, and creating it needs image.' % params['name'])
        actions.append('create')
    else:
        diffs = differences(want, container)
        fixed = [d for d in diffs if d.option not in UPDATABLE]
        recreate = bool(params.get('recreate') or fixed)
        if recreate:
            actions.append('create')
        elif diffs:
            update = update_body(params, diffs, container)
            actions.append('update')
    if container is None or recreate:
        # Networks given in the create body need no connect; before API 1.44 the rest are connected after.
        dummy, later = create_body(params if params.get('image') else dict(params, image='-'), client)
        connects = [('connect', n) for n in later]
    else:
        connects = network_actions(want, container)
    actions.extend('%s:%s' % c for c in connects)
    if recreate:
        if running:
            actions.append('stop')
        actions.append('rename')

    fresh = container is None or recreate
    if state == 'started':
        if fresh or not running:
            actions.append('start')
        elif params.get('restart'):
            actions.append('restart')
    elif state == 'stopped':
        if running and not fresh:
            actions.append('stop')
    elif state == 'present':
        # present never changes whether an existing container runs: a recreated running one is started again
        if recreate and running:
            actions.append('start')
    if recreate:
        actions.append('remove')
    return Plan(actions, diffs, update, connects, pulled)


def _stop(client: EngineClient, cid: str, timeout: int | None) -> None:
    params = {'t': timeout} if timeout is not None else None
    wait = (timeout if timeout is not None and timeout >= 0 else 10) + client.settings.timeout
    try:
        client.request('POST', '/containers/%s/stop' % quote_path(cid), params, timeout=wait)
    except NotModified:
        pass


def _remove(client: EngineClient, cid: str, keep_volumes: bool) -> None:
    try:
        client.delete('/containers/%s' % quote_path(cid), {'force': True, 'v': not keep_volumes})
    except NotFound:
        return  # auto_remove got there first
    except Conflict as exc:
        if 'in progress' not in exc.message:
            raise
    # A removal already in progress (auto_remove after stop): wait until the name is free.
    try:
        client.request('POST', '/containers/%s/wait' % quote_path(cid), {'condition': 'removed'},
                       timeout=client.settings.timeout * 2)
    except (NotFound, Conflict):
        pass


def _rename(client: EngineClient, cid: str, name: str) -> None:
    client.request('POST', '/containers/%s/rename' % quote_path(cid), {'name': name})


class NameTaken(EngineError):
    """A fresh create found the name taken: someone else created that container meanwhile."""


def _lookup_quietly(client: EngineClient, name: str) -> dict[str, t.Any] | None | EngineError:
    try:
        return get_container(client, name)
    except EngineError as exc:
        return exc


def _create(client: EngineClient, body: dict[str, t.Any], name: str, result: dict[str, t.Any]) -> str:
    """POST /containers/create under ``name``; never sent twice (see _lost_create)."""
    # A connection of its own: the client resends a request once when a kept-alive connection turns out
    # closed, and a create whose answer was lost must not be resent blindly.
    client.close()
    answer = client.post_json('/containers/create', {'name': name}, body) or {}
    if not answer.get('Id'):
        raise EngineError('The daemon answered the create of container %s without an ID: %r' % (name, answer))
    warnings = [w for w in answer.get('Warnings') or [] if w]
    if warnings:
        result.setdefault('warnings', []).extend(warnings)
    return str(answer['Id'])


def _state_word(container: t.Mapping[str, t.Any]) -> str:
    return str((container.get('State') or {}).get('Status') or 'unknown state')


def _create_fresh(client: EngineClient, params: dict[str, t.Any], result: dict[str, t.Any]) -> str:
    name = params['name']
    body, dummy = create_body(params, client)
    try:
        return _create(client, body, name, result)
    except Conflict as exc:
        # Only a container made by someone else since our lookup can hold the name now.
        raise NameTaken('Cannot create container %s: the name was taken meanwhile (%s). Another process created a '
                        'container of that name while this task ran; run the task again to manage it, or choose '
                        'another name.' % (name, exc.message), status=exc.status)
    except APIError as exc:
        raise EngineError('The daemon refused to create container %s (HTTP %d): %s. Nothing was changed.'
                          % (name, exc.status, exc.message), status=exc.status)
    except ConnectionProblem as exc:
        found = _lookup_quietly(client, name)
        if isinstance(found, EngineError):
            now = ('Whether it was created could not be checked (%s): look with docker ps -a --filter name=^/%s$ before '
                   'running the task again.' % (found.msg, name))
        elif found is None:
            now = 'No container of that name exists, so the create did not happen; nothing was changed. Run the task again.'
        else:
            now = ('A container of that name exists now (ID %s, %s): most likely this request created it. It was left '
                   'as it is and nothing else was done; run the task again to bring it to the requested state.'
                   % (found['Id'][:12], _state_word(found)))
        raise EngineError('No usable answer came to the create of container %s (%s). The request was not sent again. '
                          '%s' % (name, exc.msg, now))


def _current_image(client: EngineClient, container: dict[str, t.Any]) -> str:
    """The image a recreate without ``image`` uses: the container's own (by name if that name still means it)."""
    image = str(container.get('Image') or '')
    named = str((container.get('Config') or {}).get('Image') or '')
    if named and named != image and image_id(inspect_image(client, named)) == image:
        return named
    return image


def apply(client: EngineClient, params: dict[str, t.Any], container: dict[str, t.Any] | None,
          the_plan: Plan, result: dict[str, t.Any]) -> str | None:
    """Carry the plan out; returns the ID of the container afterwards (None when removed)."""
    if container is not None and 'create' in the_plan.actions:
        return _replace(client, params, container, the_plan, result)
    cid = container['Id'] if container else None
    stop_timeout = params.get('stop_timeout')
    for action in the_plan.actions:
        if action == 'pull':
            continue  # already done while resolving the image
        if action == 'stop':
            _stop(client, cid, stop_timeout)
        elif action == 'remove':
            _remove(client, cid, params.get('keep_volumes', True))
            cid = None
        elif action == 'create':
            cid = _create_fresh(client, params, result)
        elif action == 'update':
            answer = client.post_json('/containers/%s/update' % quote_path(cid), None, the_plan.update) or {}
            warnings = [w for w in answer.get('Warnings') or [] if w]
            if warnings:
                result.setdefault('warnings', []).extend(warnings)
        elif action.startswith('connect:') or action.startswith('reconnect:'):
            verb, network = action.split(':', 1)
            _connect(client, cid, params, network, verb == 'reconnect')
        elif action == 'start':
            try:
                _start(client, cid, params['name'])
            except EngineError as exc:
                if 'create' in the_plan.actions:
                    # Do not leave behind a container this task made and that cannot run.
                    _remove(client, cid, keep_volumes=False)
                    exc.msg += ' The container was removed again; fix the cause and rerun the task.'
                raise
        elif action == 'restart':
            wait = (stop_timeout if stop_timeout is not None and stop_timeout >= 0 else 10) + client.settings.timeout
            client.request('POST', '/containers/%s/restart' % quote_path(cid),
                           {'t': stop_timeout} if stop_timeout is not None else None, timeout=wait)
    return cid


class _Swap:
    """Where a recreate stands, so that a failure can put things back and say exactly what exists."""

    def __init__(self, name: str, old: dict[str, t.Any]) -> None:
        self.name = name
        self.old_id = str(old['Id'])
        self.was_running = _is_running(old)
        self.auto_remove = bool((old.get('HostConfig') or {}).get('AutoRemove'))
        self.new_id: str | None = None
        self.new_name = ''
        self.stopped = False
        self.old_aside: str | None = None
        self.old_gone = False
        self.new_named = False
        self.started = False

    def unchanged(self) -> str:
        return ' Nothing was changed: container %s (ID %s) is as it was (%s).' % (
            self.name, self.old_id[:12], 'running' if self.was_running else 'not running')


def _replace(client: EngineClient, params: dict[str, t.Any], old: dict[str, t.Any], the_plan: Plan,
             result: dict[str, t.Any]) -> str | None:
    """A recreate: the replacement is created first; the old container goes only once the new one is in place."""
    swap = _Swap(params['name'], old)
    create_params = params if params.get('image') else dict(params, image=_current_image(client, old))
    body, dummy = create_body(create_params, client)
    swap.new_name = _temp_name(swap.name, 'new')
    try:
        swap.new_id = _create(client, body, swap.new_name, result)
    except APIError as exc:
        raise EngineError('The daemon refused to create the replacement for container %s (HTTP %d): %s.%s'
                          % (swap.name, exc.status, exc.message.rstrip('.'), swap.unchanged()), status=exc.status)
    except ConnectionProblem as exc:
        found = _lookup_quietly(client, swap.new_name)
        if isinstance(found, EngineError):
            now = (' Whether the replacement was created could not be checked (%s): if a container %s exists, remove it. '
                   'Container %s (ID %s) was not touched.' % (found.msg, swap.new_name, swap.name, swap.old_id[:12]))
        elif found is None:
            now = ' No replacement was created.' + swap.unchanged()
        else:
            try:
                _remove(client, found['Id'], keep_volumes=False)
                now = ' The replacement had been created (%s) and was removed again.%s' % (swap.new_name, swap.unchanged())
            except EngineError as err:
                now = (' The replacement had been created as %s and could not be removed (%s); remove it. Container %s '
                       '(ID %s) was not touched.' % (swap.new_name, err.msg, swap.name, swap.old_id[:12]))
        raise EngineError('No usable answer came to the create of the replacement for container %s (%s). The request '
                          'was not sent again.%s' % (swap.name, exc.msg, now))
    stop_timeout = params.get('stop_timeout')
    step = ''
    try:
        for action in the_plan.actions:
            step = action
            if action in ('pull', 'create'):
                continue
            if action.startswith('connect:'):
                _connect(client, swap.new_id, params, action.split(':', 1)[1], False)
            elif action == 'stop':
                _stop(client, swap.old_id, stop_timeout)
                swap.stopped = True
            elif action == 'rename':
                if swap.auto_remove:
                    # The daemon removes an auto_remove container once it stops: wait until its name is free.
                    _remove(client, swap.old_id, params.get('keep_volumes', True))
                    swap.old_gone = True
                else:
                    aside = _temp_name(swap.name, 'old')
                    _rename(client, swap.old_id, aside)
                    swap.old_aside = aside
                _rename(client, swap.new_id, swap.name)
                swap.new_named = True
            elif action == 'start':
                _start(client, swap.new_id, swap.name)
                swap.started = True
            elif action == 'remove':
                if not swap.old_gone:
                    _remove(client, swap.old_id, params.get('keep_volumes', True))
                    swap.old_gone = True
    except EngineError as exc:
        exc.msg = 'Recreating container %s failed at step %s: %s %s' % (swap.name, step, exc.msg.rstrip(),
                                                                        _undo(client, swap, params))
        raise
    return swap.new_id


def _undo(client: EngineClient, swap: _Swap, params: dict[str, t.Any]) -> str:
    """Put the old container back where possible; returns what exists now, in words."""
    if swap.started and swap.new_named:
        # Only the removal of the old one failed: the replacement runs.
        return ('The replacement runs as %s (ID %s); the old container could not be removed and is kept as %s (ID %s): '
                'remove it yourself.' % (swap.name, swap.new_id[:12] if swap.new_id else '?', swap.old_aside or swap.name,
                                         swap.old_id[:12]))
    if swap.old_gone:
        # auto_remove: the old container went away when it stopped; keep the replacement rather than nothing.
        where = swap.name if swap.new_named else swap.new_name
        return ('The old container (ID %s) was removed by the daemon when it stopped (auto_remove), so it cannot be put '
                'back. The replacement exists as %s (ID %s), not running; fix the cause and rerun the task.'
                % (swap.old_id[:12], where, (swap.new_id or '?')[:12]))
    notes = []
    problems = []
    try:
        if swap.new_id:
            _remove(client, swap.new_id, keep_volumes=False)
            notes.append('the replacement was removed')
    except EngineError as err:
        problems.append('the replacement %s (ID %s) could not be removed (%s)' % (
            swap.name if swap.new_named else swap.new_name, (swap.new_id or '?')[:12], err.msg))
    if swap.old_aside:
        try:
            _rename(client, swap.old_id, swap.name)
            notes.append('the old container got its name back')
        except EngineError as err:
            problems.append('the old container (ID %s) could not be renamed back from %s (%s)'
                            % (swap.old_id[:12], swap.old_aside, err.msg))
    if swap.was_running and swap.stopped:
        try:
            _start(client, swap.old_id, swap.name)
            notes.append('the old container was started again')
        except EngineError as err:
            problems.append('the old container (ID %s) could not be started again (%s)' % (swap.old_id[:12], err.msg))
    if problems:
        return 'Undoing it: %s. Now: %s; fix this by hand.' % ('; '.join(notes) or 'nothing could be undone',
                                                               '; '.join(problems))
    return 'The old container is back as it was: %s (ID %s), %s (%s).' % (
        swap.name, swap.old_id[:12], 'running' if swap.was_running else 'not running', ', '.join(notes) or 'untouched')


def _start(client: EngineClient, cid: str, name: str) -> None:
    try:
        client.request('POST', '/containers/%s/start' % quote_path(cid))
    except NotModified:
        pass
    except APIError as exc:
        raise EngineError('Container %s was created but does not start (HTTP %d): %s' % (name, exc.status, exc.message),
                          status=exc.status)


def _connect(client: EngineClient, cid: str, params: dict[str, t.Any], network: str, reconnect: bool) -> None:
    wish = next(n for n in params.get('networks') or [] if n['name'] == network)
    path = '/networks/%s' % quote_path(network)
    try:
        if reconnect:
            client.post_json(path + '/disconnect', None, {'Container': cid, 'Force': True})
        client.post_json(path + '/connect', None, {'Container': cid, 'EndpointConfig': _endpoint_config(wish)})
    except NotFound as exc:
        raise EngineError('Cannot connect container %s to network %s: %s. Create the network first.'
                          % (params['name'], network, exc.message), status=exc.status)


HIDDEN_CHANGED = '<hidden, changed>'


def _hide_env(value: t.Any, keys: t.Iterable[str], changed: t.Collection[str] = ()) -> t.Any:
    """Env values never reach diff or results: keys stay, values become markers."""
    if not isinstance(value, dict):
        return value
    return {k: (None if v is None else (HIDDEN_CHANGED if k in changed else HIDDEN)) for k, v in value.items()
            if k in keys}


def hide_env_in_inspect(container: dict[str, t.Any] | None, keys: t.Collection[str]) -> dict[str, t.Any] | None:
    """The inspect result with the values of the task's env variables replaced by a marker."""
    if not container or not keys:
        return container
    config = container.get('Config') or {}
    if not config.get('Env'):
        return container
    env = []
    for entry in config['Env']:
        key, sep, dummy = str(entry).partition('=')
        env.append('%s=%s' % (key, HIDDEN) if sep and key in keys else entry)
    return dict(container, Config=dict(config, Env=env))


def _diff_view(want: dict[str, Wanted], container: dict[str, t.Any] | None, params: dict[str, t.Any],
               the_plan: Plan) -> dict[str, t.Any]:
    before: dict[str, t.Any] = {'exists': container is not None}
    after: dict[str, t.Any] = {'exists': params['state'] != 'absent'}
    env_keys = list(want['env'].value) if 'env' in want else []
    have_env = actual('env', container) if container is not None and env_keys else {}
    changed_env = [k for k in env_keys if have_env.get(k) != want['env'].value[k]] if 'env' in want else []
    if container is not None:
        before['running'] = _is_running(container)
        for option, wanted in want.items():
            before[option] = shown(wanted, actual(option, container))
        if 'env' in before:
            before['env'] = _hide_env(before['env'], env_keys)
    if params['state'] != 'absent':
        after['running'] = ('start' in the_plan.actions or 'restart' in the_plan.actions
                            or (_is_running(container) and 'stop' not in the_plan.actions))
        for option, wanted in want.items():
            after[option] = wanted.value
        if 'env' in after:
            after['env'] = _hide_env(after['env'], env_keys, changed_env)
    return {'before': before, 'after': after}


def _await_container(client: EngineClient, name: str) -> dict[str, t.Any] | None:
    """The container another run is creating under ``name``.

    The daemon reserves a name before the container can be inspected, so a lookup right after a
    409 may still say 404: look again for a few seconds.
    """
    deadline = time.monotonic() + min(10.0, float(client.settings.timeout or 10))
    while True:
        found = get_container(client, name)
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(0.2)


def container_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Bring one container to the requested state, changing only what differs.

    The result carries its own ``invocation`` (Ansible keeps one a module provides) so that the
    echoed arguments do not show env values either.
    """
    try:
        result = _container_service(client, params, check_mode, diff)
    except EngineError as exc:
        exc.details['invocation'] = echo_arguments(params)
        raise
    result['invocation'] = echo_arguments(params)
    return result


def _container_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {'changed': False}
    params = dict(params, name=str(params['name']).lstrip('/'))  # the daemon stores names with one leading /
    name = params['name']
    check_name(name)
    if params['state'] != 'absent':
        validate(params, client)
    container = get_container(client, name)
    image: dict[str, t.Any] | None = None
    pulled = False
    if params['state'] != 'absent' and params.get('image'):
        image, pulled = _resolve_image(client, params, check_mode, result)
    elif container is not None and params['state'] != 'absent' and params.get('command') == [] \
            and params.get('entrypoint') is None:
        # command: [] means the image's default: without image, that of the container's own image.
        image = inspect_image(client, str(container.get('Image') or ''))
    the_plan = plan(client, params, container, image, pulled)
    if diff:
        want = desired(params, image) if params['state'] != 'absent' else {}
        result['diff'] = _diff_view(want, container, params, the_plan)
    env_keys = list((params.get('env') or {}).keys())
    if check_mode or not [a for a in the_plan.actions if a != 'pull']:
        result['actions'] = the_plan.actions
        result['changed'] = bool(the_plan.actions)
        result['container'] = hide_env_in_inspect(container, env_keys)
        return result
    try:
        cid = apply(client, params, container, the_plan, result)
    except NameTaken:
        # Another run (a parallel fork with the same task) created it since our lookup: manage that one.
        container = _await_container(client, name)
        if container is None:
            raise
        the_plan = plan(client, params, container, image, pulled)
        cid = apply(client, params, container, the_plan, result) if the_plan.actions else container['Id']
    result['actions'] = the_plan.actions
    result['changed'] = bool(the_plan.actions)
    found = client.get_json('/containers/%s/json' % quote_path(cid)) if cid else None
    result['container'] = hide_env_in_inspect(found, env_keys)
    return result


# ---- container_info ---------------------------------------------------------------------

def container_info_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool,
                           diff: bool) -> dict[str, t.Any]:
    """One container by name or ID (never failing when missing), or the filtered list."""
    if params.get('name'):
        found = get_container(client, params['name'], exact=False)
        return {'changed': False, 'exists': found is not None, 'container': found}
    containers = list_containers(client, all=params.get('all'), filters=params.get('filters'),
                                 limit=params.get('limit'), size=params.get('size'))
    return {'changed': False, 'containers': containers}
