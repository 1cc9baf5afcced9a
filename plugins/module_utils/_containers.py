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
"""

from __future__ import annotations

import typing as t

from ._client import EngineClient, quote_path
from ._compare import (
    as_argv,
    bind_from_inspect,
    device_key,
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
from ._errors import APIError, ConfigurationError, Conflict, EngineError, NotFound, NotModified, StreamError
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


# ---- images ----------------------------------------------------------------------------

def split_reference(ref: str) -> tuple[str, str]:
    """``repo[:tag][@digest]`` -> (repo, tag or digest); no tag means ``latest``."""
    if '@' in ref:
        repo, digest = ref.split('@', 1)
        return repo, digest
    slash = ref.rfind('/')
    colon = ref.rfind(':')
    if colon > slash:
        return ref[:colon], ref[colon + 1:]
    return ref, 'latest'


def full_reference(ref: str) -> str:
    repo, tag = split_reference(ref)
    return '%s%s%s' % (repo, '@' if tag.startswith('sha256:') else ':', tag)


def inspect_image(client: EngineClient, ref: str) -> dict[str, t.Any] | None:
    try:
        return client.get_json('/images/%s/json' % quote_path(ref))
    except NotFound:
        return None


def pull_image(client: EngineClient, ref: str) -> None:
    repo, tag = split_reference(ref)
    try:
        # X-Registry-Auth e30= is base64url of {} (anonymous)
        for dummy in client.stream_json('POST', '/images/create', {'fromImage': repo, 'tag': tag},
                                        headers={'X-Registry-Auth': 'e30='}):
            pass
    except StreamError as exc:
        raise EngineError('Pulling image %s failed: %s. Check the image name and tag, that the registry is reachable '
                          'from the daemon, or set pull: never and provide the image another way.' % (ref, exc.msg))
    except APIError as exc:
        raise EngineError('Pulling image %s failed (HTTP %d): %s. Check the image name and tag, that the registry is '
                          'reachable from the daemon, or set pull: never and provide the image another way.'
                          % (ref, exc.status, exc.message), status=exc.status)


def registry_is_newer(client: EngineClient, ref: str, local: dict[str, t.Any] | None) -> bool | None:
    """Ask the registry (through the daemon) whether ``ref`` points elsewhere than the local image.

    Returns None when the registry cannot be asked. Used so check mode with ``pull: always``
    predicts a pull only when it would bring a different image.
    """
    try:
        answer = client.get_json('/distribution/%s/json' % quote_path(full_reference(ref)))
    except APIError:
        return None
    digest = ((answer or {}).get('Descriptor') or {}).get('digest')
    if not digest or local is None:
        return True
    repo = split_reference(ref)[0]
    for repo_digest in local.get('RepoDigests') or []:
        name, dummy, local_digest = repo_digest.partition('@')
        if local_digest == digest and (name == repo or name.endswith('/' + repo) or repo.endswith('/' + name)):
            return False
    return True


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
    ref = params['image']
    policy = params.get('pull') or 'missing'
    local = inspect_image(client, ref)
    if policy == 'always':
        if check_mode:
            newer = registry_is_newer(client, ref, local)
            if newer is None:
                result.setdefault('warnings', []).append(
                    'Check mode could not ask the registry about %s; it assumes pull: always would bring a new image.'
                    % ref)
            if newer is False and local is not None:
                return local, False
            return None, True
        before = (local or {}).get('Id')
        pull_image(client, ref)
        local = inspect_image(client, ref)
        return local, bool(local) and local.get('Id') != before
    if local is not None:
        return local, False
    if policy == 'never':
        raise ConfigurationError(
            'Image %s is not present on the daemon and pull is never. Build, load or pull %s first, or set pull: '
            'missing to pull it.' % (ref, ref))
    if check_mode:
        return None, True
    pull_image(client, ref)
    local = inspect_image(client, ref)
    if local is None:
        raise EngineError('Image %s was pulled but the daemon does not show it; check the reference.' % ref)
    return local, True


def plan(client: EngineClient, params: dict[str, t.Any], container: dict[str, t.Any] | None,
         image: dict[str, t.Any] | None, pulled: bool) -> Plan:
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
            if running:
                actions.append('stop')
            actions.extend(['remove', 'create'])
        elif diffs:
            update = update_body(params, diffs, container)
            actions.append('update')
    if container is None or recreate:
        # Networks given in the create body need no connect; before API 1.44 the rest are connected after.
        dummy, later = create_body(params, client)
        connects = [('connect', n) for n in later]
    else:
        connects = network_actions(want, container)
    actions.extend('%s:%s' % c for c in connects)

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


def apply(client: EngineClient, params: dict[str, t.Any], container: dict[str, t.Any] | None,
          the_plan: Plan, result: dict[str, t.Any]) -> str | None:
    """Carry the plan out; returns the ID of the container afterwards (None when removed)."""
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
            body, dummy = create_body(params, client)
            try:
                answer = client.post_json('/containers/create', {'name': params['name']}, body)
            except Conflict as exc:
                # Only a container made by someone else since our lookup can hold the name now.
                raise EngineError('Cannot create container %s: the name was taken meanwhile (%s). Another process '
                                  'created a container of that name while this task ran; run the task again to manage '
                                  'it, or choose another name.' % (params['name'], exc.message), status=exc.status)
            except NotFound as exc:
                raise EngineError('Cannot create container %s: %s' % (params['name'], exc.message), status=exc.status)
            except APIError as exc:
                raise EngineError('The daemon refused to create container %s (HTTP %d): %s'
                                  % (params['name'], exc.status, exc.message), status=exc.status)
            cid = answer['Id']
            warnings = [w for w in answer.get('Warnings') or [] if w]
            if warnings:
                result.setdefault('warnings', []).extend(warnings)
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


def _diff_view(want: dict[str, Wanted], container: dict[str, t.Any] | None, params: dict[str, t.Any],
               the_plan: Plan) -> dict[str, t.Any]:
    before: dict[str, t.Any] = {'exists': container is not None}
    after: dict[str, t.Any] = {'exists': params['state'] != 'absent'}
    if container is not None:
        before['running'] = _is_running(container)
        for option, wanted in want.items():
            before[option] = shown(wanted, actual(option, container))
    if params['state'] != 'absent':
        after['running'] = ('start' in the_plan.actions or 'restart' in the_plan.actions
                            or (_is_running(container) and 'stop' not in the_plan.actions))
        for option, wanted in want.items():
            after[option] = wanted.value
    return {'before': before, 'after': after}


def container_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Bring one container to the requested state, changing only what differs."""
    result: dict[str, t.Any] = {'changed': False}
    params = dict(params, name=str(params['name']).lstrip('/'))  # the daemon stores names with one leading /
    name = params['name']
    if params['state'] != 'absent':
        validate(params, client)
    container = get_container(client, name)
    image: dict[str, t.Any] | None = None
    pulled = False
    if params['state'] != 'absent' and params.get('image'):
        image, pulled = _resolve_image(client, params, check_mode, result)
    the_plan = plan(client, params, container, image, pulled)
    actions = the_plan.actions
    result['actions'] = actions
    result['changed'] = bool(actions)
    if diff:
        want = desired(params, image) if params['state'] != 'absent' else {}
        result['diff'] = _diff_view(want, container, params, the_plan)
    if check_mode or not [a for a in actions if a != 'pull']:
        result['container'] = container
        return result
    cid = apply(client, params, container, the_plan, result)
    result['container'] = client.get_json('/containers/%s/json' % quote_path(cid)) if cid else None
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
