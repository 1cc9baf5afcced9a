# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remaining docker_container options as rows of the container option table.

Each row follows ``_container_table``'s conventions: ``wanted`` normalises the task's value,
``actual`` reads the same shape back from ``GET /containers/{id}/json`` with the daemon's
defaults mapped onto "unset", ``put`` writes the create body. Names, aliases, types and default
comparisons are docker_container's; only ``blkio_weight`` and ``cpuset_mems`` change in place
(as docker_container does: the daemon's update endpoint takes the device rate limits in its
body but does not apply them, so those recreate).

What the daemon stores differently from what a task says, checked on dockerd 20.10 and 28.5:

* ``pid_mode`` / ``ipc_mode`` ``container:NAME`` are stored as ``container:<full ID>``; the
  name is resolved (one read, only for such a value) before comparing.
* ``links`` ``NAME:ALIAS`` are stored as ``/NAME:/THIS_CONTAINER/ALIAS``.
* unset ``ShmSize`` is 64 MiB, ``Runtime`` the daemon's default (``runc``), ``IpcMode``
  ``private`` (or ``shareable``), ``LogConfig`` the daemon's default driver; unset list fields
  are ``null`` or ``[]``; ``MemorySwappiness`` is ``null``.
"""

from __future__ import annotations

import re
import typing as t
import weakref

from ._client import quote_path
from ._compare import check_int64, parse_size, string_map
from ._container_table import Ctx, Option
from ._errors import ConfigurationError, NotFound

# ---- small helpers -------------------------------------------------------------------------


def _config(body_or_container: t.Mapping[str, t.Any]) -> t.Mapping[str, t.Any]:
    """Config of an inspect result (the create body keeps these fields at the top level)."""
    return body_or_container.get('Config') or {}


def _host(container: t.Mapping[str, t.Any]) -> t.Mapping[str, t.Any]:
    return container.get('HostConfig') or {}


def _strings(value: t.Any, option: str) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise ConfigurationError('%s must be a list of strings, got %r.' % (option, value))
    result = []
    for item in value:
        if isinstance(item, bool) or item is None or isinstance(item, (dict, list)):
            raise ConfigurationError('%s: %r is not a string; quote it.' % (option, item))
        result.append(str(item))
    return result


def _unique_sorted(values: t.Iterable[t.Any]) -> list[t.Any]:
    return sorted(set(values))


def _int_in(value: t.Any, option: str, low: int, high: int, hint: str = '') -> int:
    number = check_int64(value, option)
    if not low <= number <= high:
        raise ConfigurationError('%s %r is out of range: give a whole number from %d to %d%s.'
                                 % (option, value, low, high, hint))
    return number


# ---- generic rows --------------------------------------------------------------------------


def _str_row(name: str, key: str, *, host: bool = True, default: str = '', update: bool = False) -> Option:
    """A string field of HostConfig (or Config); ``default`` is what the daemon stores when unset."""

    def wanted(value: t.Any, ctx: Ctx) -> str:
        return str(value)

    def actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> str:
        section = _host(container) if host else _config(container)
        return section.get(key) or default

    def put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
        (body['HostConfig'] if host else body)[key] = str(value)

    def update_fields(value: t.Any, ctx: Ctx) -> dict[str, t.Any]:
        return {key: str(value)}

    return Option(name, {'type': 'str'}, wanted=wanted, actual=actual, put=put,
                  update=update_fields if update else None)


def _bool_row(name: str, key: str, *, host: bool = True) -> Option:
    def wanted(value: t.Any, ctx: Ctx) -> bool:
        return bool(value)

    def actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> bool:
        section = _host(container) if host else _config(container)
        return bool(section.get(key))

    def put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
        (body['HostConfig'] if host else body)[key] = bool(value)

    return Option(name, {'type': 'bool'}, wanted=wanted, actual=actual, put=put)


def _string_list_row(name: str, key: str, kind: str) -> Option:
    """A list of strings in HostConfig; ``kind`` ``list`` keeps the order (DNS servers), ``set`` does not."""

    def wanted(value: t.Any, ctx: Ctx) -> list[str]:
        items = _strings(value, name)
        return items if kind == 'list' else _unique_sorted(items)

    def actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[str]:
        items = [str(i) for i in _host(container).get(key) or []]
        return items if kind == 'list' else _unique_sorted(items)

    def put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
        body['HostConfig'][key] = _strings(value, name)

    return Option(name, {'type': 'list', 'elements': 'str'}, wanted=wanted, actual=actual, put=put, kind=kind)


def _string_map_row(name: str, key: str, aliases: list[str] | None = None) -> Option:
    """A string map in HostConfig (sysctls, storage_opts): numbers become strings, booleans are refused."""

    def wanted(value: t.Any, ctx: Ctx) -> dict[str, t.Any]:
        return string_map(value, name) or {}

    def actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> dict[str, t.Any]:
        return {str(k): str(v) for k, v in (_host(container).get(key) or {}).items()}

    def put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
        body['HostConfig'][key] = string_map(value, name) or {}

    spec: dict[str, t.Any] = {'type': 'dict'}
    if aliases:
        spec['aliases'] = aliases
    return Option(name, spec, wanted=wanted, actual=actual, put=put, kind='dict')


# ---- references to other containers -------------------------------------------------------

_FULL_ID = re.compile(r'^[0-9a-f]{64}$')
# Resolved names per client (a client lives for one task), so a value is looked up at most once.
_RESOLVED: weakref.WeakKeyDictionary[t.Any, dict[str, str]] = weakref.WeakKeyDictionary()


def container_id(client: t.Any, ref: str, option: str) -> str:
    """The full ID of the container ``ref`` (name, short or full ID); one read, remembered per client."""
    if _FULL_ID.match(ref) or client is None:
        return ref
    try:
        cache = _RESOLVED.setdefault(client, {})
    except TypeError:  # a client that cannot be weakly referenced (a test double): no cache
        cache = {}
    if ref not in cache:
        try:
            found = client.get_json('/containers/%s/json' % quote_path(ref))
        except NotFound:
            raise ConfigurationError('%s: container:%s names no container on this daemon. Create %s first (or fix the '
                                     'name).' % (option, ref, ref))
        cache[ref] = str(found.get('Id') or ref)
    return cache[ref]


def _namespace_row(name: str, key: str, default: str = '') -> Option:
    """``pid_mode`` / ``ipc_mode``: the daemon stores ``container:NAME`` as ``container:<ID>``; compare IDs."""

    def wanted(value: t.Any, ctx: Ctx) -> str:
        text = str(value)
        if text.startswith('container:'):
            ref = text[len('container:'):]
            if not ref:
                raise ConfigurationError('%s: container: needs a container name or ID, as in container:web.' % name)
            return 'container:' + container_id(ctx.client, ref, name)
        return text

    def actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> str:
        return _host(container).get(key) or default

    def put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
        body['HostConfig'][key] = str(value)  # the daemon resolves the name itself

    return Option(name, {'type': 'str'}, wanted=wanted, actual=actual, put=put)


# ---- blkio ---------------------------------------------------------------------------------


def _blkio_weight_wanted(value: t.Any, ctx: Ctx) -> int:
    return _int_in(value, 'blkio_weight', 10, 1000)


def _blkio_weight_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['HostConfig']['BlkioWeight'] = _blkio_weight_wanted(value, ctx)


BLKIO_WEIGHT = Option(
    'blkio_weight', {'type': 'int'},
    wanted=_blkio_weight_wanted,
    actual=lambda c, ctx: int(_host(c).get('BlkioWeight') or 0),
    put=_blkio_weight_put,
    update=lambda v, ctx: {'BlkioWeight': _blkio_weight_wanted(v, ctx)})


_RATE_KEYS = {
    'device_read_bps': 'BlkioDeviceReadBps',
    'device_write_bps': 'BlkioDeviceWriteBps',
    'device_read_iops': 'BlkioDeviceReadIOps',
    'device_write_iops': 'BlkioDeviceWriteIOps',
}


def _rate_row(name: str) -> Option:
    """device_{read,write}_{bps,iops}: [{path, rate}]; bps rates are sizes (``10M``), iops rates counts."""
    key = _RATE_KEYS[name]
    bps = name.endswith('_bps')

    def entries(value: t.Any) -> list[dict[str, t.Any]]:
        result = []
        for item in value or []:
            path = str(item.get('path') or '')
            if not path.startswith('/'):
                raise ConfigurationError('%s: path must be a device path such as /dev/sda, got %r.' % (name, item.get('path')))
            raw = item.get('rate')
            if bps:
                rate = parse_size(raw, '%s rate of %s' % (name, path))
            else:
                rate = check_int64(raw, '%s rate of %s' % (name, path))
                if rate < 0:
                    raise ConfigurationError('%s rate of %s must be a positive whole number of operations per '
                                             'second, got %r.' % (name, path, raw))
            result.append({'path': path, 'rate': rate})
        return result

    def wanted(value: t.Any, ctx: Ctx) -> list[dict[str, t.Any]]:
        return sorted(entries(value), key=lambda e: (e['path'], e['rate']))

    def actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[dict[str, t.Any]]:
        have = [{'path': str(e.get('Path') or ''), 'rate': int(e.get('Rate') or 0)} for e in _host(container).get(key) or []]
        return sorted(have, key=lambda e: (e['path'], e['rate']))

    def put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
        body['HostConfig'][key] = [{'Path': e['path'], 'Rate': e['rate']} for e in entries(value)]

    spec = {'type': 'list', 'elements': 'dict', 'options': {
        'path': {'type': 'str', 'required': True},
        'rate': {'type': 'str' if bps else 'int', 'required': True},
    }}
    return Option(name, spec, wanted=wanted, actual=actual, put=put, kind='set(dict)')


# ---- device requests (GPUs) ----------------------------------------------------------------


def _device_request(item: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """One device request in the shape the daemon stores (every field present), keys in snake case."""
    caps = item.get('capabilities')
    if caps is not None and (not isinstance(caps, list) or not all(isinstance(c, list) for c in caps)):
        raise ConfigurationError('device_requests.capabilities must be a list of lists of strings, such as [[gpu]] or '
                                 '[[gpu, utility], [compute]], got %r.' % (caps,))
    count = item.get('count')
    if count is not None:
        count = check_int64(count, 'device_requests.count')
        if count < -1:
            raise ConfigurationError('device_requests.count must be a number of devices, or -1 for all of them, got %r.'
                                     % (count,))
    return {
        'driver': str(item.get('driver') or ''),
        'count': count or 0,
        'device_ids': [str(d) for d in item.get('device_ids') or []],
        'capabilities': [[str(c) for c in group] for group in caps or []],
        'options': string_map(item.get('options'), 'device_requests.options') or {},
    }


def _device_requests_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[dict[str, t.Any]]:
    result = []
    for entry in _host(container).get('DeviceRequests') or []:
        result.append({
            'driver': str(entry.get('Driver') or ''),
            'count': int(entry.get('Count') or 0),
            'device_ids': [str(d) for d in entry.get('DeviceIDs') or []],
            'capabilities': [[str(c) for c in group or []] for group in entry.get('Capabilities') or []],
            'options': {str(k): str(v) for k, v in (entry.get('Options') or {}).items()},
        })
    return result


def _device_requests_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    requests = []
    for item in value or []:
        request = _device_request(item)
        requests.append({'Driver': request['driver'], 'Count': request['count'], 'DeviceIDs': request['device_ids'],
                         'Capabilities': request['capabilities'], 'Options': request['options']})
    body['HostConfig']['DeviceRequests'] = requests


DEVICE_REQUESTS = Option(
    'device_requests',
    {'type': 'list', 'elements': 'dict', 'options': {
        'capabilities': {'type': 'list', 'elements': 'list'},
        'count': {'type': 'int'},
        'device_ids': {'type': 'list', 'elements': 'str'},
        'driver': {'type': 'str'},
        'options': {'type': 'dict'},
    }},
    wanted=lambda v, ctx: [_device_request(i) for i in v or []],
    actual=_device_requests_actual,
    put=_device_requests_put,
    kind='set(dict)',
    min_api='1.40')


# ---- /etc/hosts, links ---------------------------------------------------------------------


def _host_entry(entry: str) -> str:
    """``host:ip`` or ``host=ip`` (newer CLIs) -> ``host:ip``; a host name holds neither ``:`` nor ``=``."""
    cut = [i for i in (entry.find(':'), entry.find('=')) if i >= 0]
    if not cut:
        return entry
    i = min(cut)
    return '%s:%s' % (entry[:i], entry[i + 1:])


def _etc_hosts(value: t.Any) -> list[str]:
    mapping = string_map(value, 'etc_hosts') or {}
    for host, address in mapping.items():
        if not host or ':' in host or '=' in host or not address:
            raise ConfigurationError('etc_hosts: %r: %r is not a host name and address; write it as a mapping such as '
                                     '{db.local: 10.0.0.5}.' % (host, address))
    return ['%s:%s' % (host, address) for host, address in mapping.items()]


def _etc_hosts_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['HostConfig']['ExtraHosts'] = _etc_hosts(value)


ETC_HOSTS = Option(
    'etc_hosts', {'type': 'dict'},
    wanted=lambda v, ctx: _unique_sorted(_etc_hosts(v)),
    actual=lambda c, ctx: _unique_sorted(_host_entry(str(e)) for e in _host(c).get('ExtraHosts') or []),
    put=_etc_hosts_put,
    kind='set')


def _link(entry: str) -> str:
    """``name`` or ``name:alias`` -> ``name:alias`` (the alias defaults to the name, as the daemon does)."""
    name, dummy, alias = entry.partition(':')
    name = name.lstrip('/')
    if not name:
        raise ConfigurationError('links: %r needs a container name, as in db or db:database.' % (entry,))
    return '%s:%s' % (name, alias or name)


def _link_from_inspect(entry: str) -> str:
    """``/db:/web/database`` (what the daemon stores) -> ``db:database``."""
    name, dummy, alias = entry.partition(':')
    return '%s:%s' % (name.lstrip('/'), alias.rsplit('/', 1)[-1] if alias else name.lstrip('/'))


def _links_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['HostConfig']['Links'] = [_link(e) for e in _strings(value, 'links')]


LINKS = Option(
    'links', {'type': 'list', 'elements': 'str'},
    wanted=lambda v, ctx: _unique_sorted(_link(e) for e in _strings(v, 'links')),
    actual=lambda c, ctx: _unique_sorted(_link_from_inspect(str(e)) for e in _host(c).get('Links') or []),
    put=_links_put,
    kind='set')


# ---- logging -------------------------------------------------------------------------------


def _log_config(body: dict[str, t.Any]) -> dict[str, t.Any]:
    return body['HostConfig'].setdefault('LogConfig', {'Type': '', 'Config': {}})


def _log_driver_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    _log_config(body)['Type'] = str(value)


def _log_options_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    # Without log_driver the options go to the daemon's default driver (Type ''), which validates them.
    _log_config(body)['Config'] = string_map(value, 'log_options') or {}


LOG_DRIVER = Option(
    'log_driver', {'type': 'str'},
    wanted=lambda v, ctx: str(v),
    actual=lambda c, ctx: str((_host(c).get('LogConfig') or {}).get('Type') or ''),
    put=_log_driver_put)

LOG_OPTIONS = Option(
    'log_options', {'type': 'dict', 'aliases': ['log_opt']},
    wanted=lambda v, ctx: string_map(v, 'log_options') or {},
    actual=lambda c, ctx: {str(k): str(v) for k, v in ((_host(c).get('LogConfig') or {}).get('Config') or {}).items()},
    put=_log_options_put,
    kind='dict')


# ---- single values -------------------------------------------------------------------------

_MAC = re.compile(r'^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$')


def _mac_wanted(value: t.Any, ctx: Ctx) -> str:
    text = str(value).strip().lower()
    if not _MAC.match(text):
        raise ConfigurationError('mac_address %r is not a MAC address; write six hex pairs, as in 02:42:ac:11:00:02.'
                                 % (value,))
    return text.replace('-', ':')


def _mac_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> str:
    mac = _config(container).get('MacAddress')
    if not mac:
        # Newer daemons keep it on the endpoint of the container's main network only.
        mode = _host(container).get('NetworkMode') or ''
        networks = ((container.get('NetworkSettings') or {}).get('Networks')) or {}
        endpoint = networks.get(mode) or (networks.get('bridge') if mode in ('', 'default') else None) or {}
        mac = endpoint.get('MacAddress') or ''
    return str(mac).lower()


def _mac_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['MacAddress'] = _mac_wanted(value, ctx)


MAC_ADDRESS = Option('mac_address', {'type': 'str'}, wanted=_mac_wanted, actual=_mac_actual, put=_mac_put)


def _swappiness(value: t.Any, ctx: Ctx) -> int:
    return _int_in(value, 'memory_swappiness', 0, 100)


def _swappiness_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['HostConfig']['MemorySwappiness'] = _swappiness(value, ctx)


MEMORY_SWAPPINESS = Option(
    'memory_swappiness', {'type': 'int'},
    wanted=_swappiness,
    # null (unset: the host's value) and -1 both mean "not set"; neither equals a wanted 0..100
    actual=lambda c, ctx: _host(c).get('MemorySwappiness'),
    put=_swappiness_put)


def _oom_score_adj(value: t.Any, ctx: Ctx) -> int:
    return _int_in(value, 'oom_score_adj', -1000, 1000)


def _oom_score_adj_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['HostConfig']['OomScoreAdj'] = _oom_score_adj(value, ctx)


OOM_SCORE_ADJ = Option(
    'oom_score_adj', {'type': 'int'},
    wanted=_oom_score_adj,
    actual=lambda c, ctx: int(_host(c).get('OomScoreAdj') or 0),
    put=_oom_score_adj_put)

# The daemon's built-in /dev/shm size when ShmSize is 0 or unset (dockerd --default-shm-size changes it).
DEFAULT_SHM_SIZE = 64 * 1024 * 1024


def _shm_size(value: t.Any, ctx: Ctx) -> int:
    return parse_size(value, 'shm_size') or DEFAULT_SHM_SIZE


def _shm_size_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    size = parse_size(value, 'shm_size')
    if size:
        body['HostConfig']['ShmSize'] = size


SHM_SIZE = Option(
    'shm_size', {'type': 'str'},
    wanted=_shm_size,
    actual=lambda c, ctx: int(_host(c).get('ShmSize') or DEFAULT_SHM_SIZE),
    put=_shm_size_put)

_ULIMIT_NAMES = ('core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss',
                 'rtprio', 'rttime', 'sigpending', 'stack')


def parse_ulimit(spec: t.Any) -> dict[str, t.Any]:
    """``nofile:1024[:2048]`` -> {name, soft, hard}; the hard limit defaults to the soft one (as the docker CLI)."""
    parts = str(spec).strip().split(':')
    if len(parts) not in (2, 3) or parts[0] not in _ULIMIT_NAMES:
        raise ConfigurationError('ulimits: %r is not NAME:SOFT[:HARD] with NAME one of %s (for example nofile:1024:2048).'
                                 % (spec, ', '.join(_ULIMIT_NAMES)))
    try:
        soft = int(parts[1])
        hard = int(parts[2]) if len(parts) == 3 else soft
    except ValueError:
        raise ConfigurationError('ulimits: %r: the limits must be whole numbers (-1 for unlimited), as in nofile:1024:2048.'
                                 % (spec,))
    if soft < -1 or hard < -1 or (hard != -1 and (soft == -1 or soft > hard)):
        raise ConfigurationError('ulimits: %r: the soft limit must not be above the hard limit.' % (spec,))
    return {'name': parts[0], 'soft': soft, 'hard': hard}


def _ulimits_wanted(value: t.Any, ctx: Ctx) -> list[dict[str, t.Any]]:
    return sorted((parse_ulimit(s) for s in _strings(value, 'ulimits')), key=lambda u: (u['name'], u['soft'], u['hard']))


def _ulimits_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> list[dict[str, t.Any]]:
    have = [{'name': str(u.get('Name') or ''), 'soft': int(u.get('Soft') or 0), 'hard': int(u.get('Hard') or 0)}
            for u in _host(container).get('Ulimits') or []]
    return sorted(have, key=lambda u: (u['name'], u['soft'], u['hard']))


def _ulimits_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['HostConfig']['Ulimits'] = [{'Name': u['name'], 'Soft': u['soft'], 'Hard': u['hard']}
                                     for u in (parse_ulimit(s) for s in _strings(value, 'ulimits'))]


ULIMITS = Option('ulimits', {'type': 'list', 'elements': 'str'}, wanted=_ulimits_wanted, actual=_ulimits_actual,
                 put=_ulimits_put, kind='set(dict)')


def _only_host(name: str, key: str) -> Option:
    """userns_mode / uts: the daemon knows ``host`` and ``''`` only."""
    row = _str_row(name, key)
    plain = row.wanted

    def wanted(value: t.Any, ctx: Ctx) -> str:
        text = plain(value, ctx)
        if text not in ('', 'host'):
            raise ConfigurationError('%s %r is not supported: the only values are host and "" (the default).' % (name, value))
        return text

    row.wanted = wanted
    return row


# ---- the table -----------------------------------------------------------------------------

ROWS: list[Option] = [
    BLKIO_WEIGHT,
    _str_row('cgroup_parent', 'CgroupParent'),
    _str_row('cpuset_mems', 'CpusetMems', update=True),
    _rate_row('device_read_bps'),
    _rate_row('device_read_iops'),
    _rate_row('device_write_bps'),
    _rate_row('device_write_iops'),
    DEVICE_REQUESTS,
    _string_list_row('dns_opts', 'DnsOptions', 'set'),
    _string_list_row('dns_search_domains', 'DnsSearch', 'list'),
    _string_list_row('dns_servers', 'Dns', 'list'),
    _str_row('domainname', 'Domainname', host=False),
    ETC_HOSTS,
    _string_list_row('groups', 'GroupAdd', 'set'),
    _bool_row('interactive', 'OpenStdin', host=False),
    _namespace_row('ipc_mode', 'IpcMode'),
    LINKS,
    LOG_DRIVER,
    LOG_OPTIONS,
    MAC_ADDRESS,
    MEMORY_SWAPPINESS,
    _bool_row('oom_killer', 'OomKillDisable'),
    OOM_SCORE_ADJ,
    _namespace_row('pid_mode', 'PidMode'),
    _bool_row('read_only', 'ReadonlyRootfs'),
    _str_row('runtime', 'Runtime'),
    SHM_SIZE,
    _string_map_row('storage_opts', 'StorageOpt'),
    _string_map_row('sysctls', 'Sysctls'),
    _bool_row('tty', 'Tty', host=False),
    ULIMITS,
    _only_host('userns_mode', 'UsernsMode'),
    _only_host('uts', 'UTSMode'),
    _str_row('volume_driver', 'VolumeDriver'),
    _string_list_row('volumes_from', 'VolumesFrom', 'set'),
]
