# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The networking options of ``container``: ``network_mode``, ``networks``, ``networks_cli_compatible``.

What the engine (``_container_options``) and the lifecycle (``_containers`` plan/apply) call:

* ``NETWORK_ARGSPEC`` -- the argument spec of the three options (community.docker's names, types, defaults).
* ``NETWORK_ROWS`` -- the table rows: ``network_mode`` (compared like any option; a difference recreates).
  ``networks`` is not a row: a difference never recreates, it connects, reconnects or (strict) disconnects
  in place, so ``differences`` must skip it and the lifecycle calls ``network_changes`` instead.
* ``with_network_defaults(params)`` -- the task's parameters with the implied ``network_mode`` filled in
  (``networks_cli_compatible: true`` and ``networks`` given without ``network_mode``: the first network,
  as ``docker run --network``). Call it once before ``desired``/``differences``/``create_body``.
* ``validate_networks(params, client)`` -- before any write: API versions of suboptions, combinations.
* ``networking_body(params, client) -> (host_fields, networking_config | None, later_networks)`` -- the
  create body's part (``HostConfig.NetworkMode``, ``NetworkingConfig``) and the networks to connect after
  the create (before API 1.44 the daemon takes one endpoint at create).
* ``create_network_changes(params, client)`` -- the network steps after a create (fresh or recreate).
* ``network_changes(params, container, comparison, client)`` -- for an existing container that is kept:
  ``[NetworkChange(action, network, wanted, actual)]`` with action ``connect``/``reconnect``/``disconnect``.
* ``recreate_reasons(params, container, comparison, client)`` -- ``changes`` entries (action ``recreated``) for
  network settings only a create applies (an endpoint's ``mac_address``): the lifecycle recreates for them.
* ``apply_network_change(client, cid, params, change)`` -- carries one of those out.
* ``change_entries(changes, comparison)`` -- the ``changes`` return entries for them.
"""

from __future__ import annotations

import ipaddress
import re
import typing as t

from ._client import quote_path
from ._compare import string_map
from ._container_table import Ctx, Option
from ._errors import APIError, ConfigurationError, EngineError, NotFound

NETWORK_SUBOPTIONS: dict[str, dict[str, t.Any]] = {
    'name': {'type': 'str', 'required': True},
    'ipv4_address': {'type': 'str'},
    'ipv6_address': {'type': 'str'},
    'aliases': {'type': 'list', 'elements': 'str'},
    'links': {'type': 'list', 'elements': 'str'},
    'mac_address': {'type': 'str'},
    'driver_opts': {'type': 'dict'},
    'gw_priority': {'type': 'int'},
}

NETWORK_ARGSPEC: dict[str, dict[str, t.Any]] = {
    'network_mode': {'type': 'str'},
    'networks': {'type': 'list', 'elements': 'dict', 'options': NETWORK_SUBOPTIONS},
    'networks_cli_compatible': {'type': 'bool', 'default': True},
}

# suboption -> (API version, what it is) for the check before any write
SUBOPTION_API = {
    'driver_opts': '1.32',
    'mac_address': '1.44',
    'gw_priority': '1.48',
}

# network modes that are not a network one can connect to or disconnect from
SPECIAL_MODES = ('host', 'none')
COMPARISONS = ('allow_more_present', 'strict', 'ignore')


class NetworkChange(t.NamedTuple):
    action: str  # connect | reconnect | disconnect
    network: str  # as the task names it (disconnect: as the daemon names it)
    wanted: dict[str, t.Any] | None
    actual: dict[str, t.Any] | None


# ---- parameters -------------------------------------------------------------------------

def implied_network_mode(params: t.Mapping[str, t.Any]) -> str | None:
    """network_mode as given, else (networks_cli_compatible) the first network, as ``docker run --network``."""
    if params.get('network_mode') is not None:
        return str(params['network_mode'])
    networks = params.get('networks') or []
    if networks and params.get('networks_cli_compatible', True):
        return str(networks[0]['name'])
    return None


def with_network_defaults(params: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The parameters with the implied network_mode filled in (compared and created like a given one)."""
    result = dict(params)
    mode = implied_network_mode(params)
    if mode is not None:
        result['network_mode'] = mode
    return result


def _shared_namespace(mode: str | None) -> bool:
    return bool(mode) and (mode in SPECIAL_MODES or str(mode).startswith('container:'))


def validate_networks(params: t.Mapping[str, t.Any], client: t.Any) -> None:
    """Everything that cannot work, before any call that changes something."""
    mode = params.get('network_mode')
    if mode is not None:
        mode = str(mode)
        if not mode.strip():
            raise ConfigurationError('network_mode is empty. Use bridge, host, none, default, container:NAME or a '
                                     'network name, or leave network_mode out.')
        if mode.startswith('container:') and not mode.split(':', 1)[1]:
            raise ConfigurationError('network_mode container: needs the name or ID of a container, for example '
                                     'container:db.')
    networks = params.get('networks') or []
    if networks and _shared_namespace(mode):
        raise ConfigurationError(
            'networks cannot be combined with network_mode %s: the container %s. Drop networks, or use a network '
            'name as network_mode.' % (mode, 'shares the network stack of another container' if str(mode).startswith(
                'container:') else 'has no network endpoints of its own (%s)' % mode))
    seen: set[str] = set()
    for network in networks:
        name = network.get('name')
        if not name:
            raise ConfigurationError('Every entry of networks needs a name, got %r.' % (dict(network),))
        if name in seen:
            raise ConfigurationError('networks lists %s twice. Give each network once, with all its settings.' % name)
        seen.add(name)
        for key in ('ipv4_address', 'ipv6_address'):
            if network.get(key):
                _address(network[key], 'networks[%s].%s' % (name, key), 4 if key == 'ipv4_address' else 6)
        if network.get('mac_address') and not re.match(r'^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$',
                                                       str(network['mac_address'])):
            raise ConfigurationError('networks[%s].mac_address %r is not a MAC address; write it like '
                                     '92:d0:c6:0a:29:33.' % (name, network['mac_address']))
        if network.get('driver_opts') is not None:
            string_map(network['driver_opts'], 'networks[%s].driver_opts' % name)
        for key, version in SUBOPTION_API.items():
            if network.get(key) is not None and client is not None:
                client.require_api(version, 'networks.%s' % key)


def _address(value: t.Any, option: str, family: int) -> str:
    try:
        parsed = ipaddress.ip_address(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None or parsed.version != family:
        raise ConfigurationError('%s %r is not an IPv%d address (give the address only, without a prefix length).'
                                 % (option, value, family))
    return str(parsed)


def _link(value: str) -> str:
    """container[:alias] -> container:alias (the alias defaults to the container name, as docker_container)."""
    name, sep, alias = str(value).partition(':')
    return '%s:%s' % (name.lstrip('/'), alias if sep and alias else name.lstrip('/'))


# ---- network_mode row -------------------------------------------------------------------

def normalize_mode(mode: t.Any) -> str:
    """``default`` is how the daemon stores ``bridge`` before Docker 26.1 (and what the CLI sends)."""
    mode = '' if mode is None else str(mode)
    return 'bridge' if mode in ('', 'default') else mode


def _mode_wanted(value: t.Any, ctx: Ctx) -> str:
    return normalize_mode(value)


def _attached(container: t.Mapping[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    return dict(((container.get('NetworkSettings') or {}).get('Networks')) or {})


def _is_id_prefix(name: str, full_id: str) -> bool:
    return bool(full_id) and bool(re.match(r'^[0-9a-f]{12,64}$', name)) and full_id.startswith(name)


def _find_endpoint(name: str, attached: t.Mapping[str, t.Mapping[str, t.Any]]) -> tuple[str, t.Mapping[str, t.Any]] | None:
    """The endpoint for a network the task names by name, full ID or ID prefix."""
    if name in attached:
        return name, attached[name]
    for key, endpoint in attached.items():
        if _is_id_prefix(name, str(endpoint.get('NetworkID') or '')):
            return key, endpoint
    return None


def _mode_actual(container: t.Mapping[str, t.Any], ctx: Ctx) -> str:
    """HostConfig.NetworkMode in the task's spelling when it names the same thing.

    The daemon stores a network mode as it was given (name or ID prefix) and ``container:NAME`` as
    ``container:<ID>``: both are mapped back onto the task's spelling when they mean the same.
    """
    stored = normalize_mode((container.get('HostConfig') or {}).get('NetworkMode'))
    given = normalize_mode(ctx.params.get('network_mode')) if ctx.params.get('network_mode') is not None else None
    if given is None or given == stored:
        return stored
    if given.startswith('container:') and stored.startswith('container:'):
        ref, have_id = given.split(':', 1)[1], stored.split(':', 1)[1]
        if _is_id_prefix(ref, have_id):
            return given
        if ctx.client is not None:
            other = _container_by_name(ctx.client, ref)
            if other is not None and other.get('Id') == have_id:
                return given
        return stored
    if given.startswith('container:') or stored.startswith('container:') or given in SPECIAL_MODES or \
            stored in SPECIAL_MODES:
        return stored
    # A network given by name on one side and by ID (prefix) on the other: the same when both name one endpoint.
    attached = _attached(container)
    mine, theirs = _find_endpoint(given, attached), _find_endpoint(stored, attached)
    if mine and theirs and mine[1].get('NetworkID') and mine[1].get('NetworkID') == theirs[1].get('NetworkID'):
        return given
    return stored


def _container_by_name(client: t.Any, name: str) -> dict[str, t.Any] | None:
    try:
        return client.get_json('/containers/%s/json' % quote_path(name))
    except NotFound:
        return None


def _mode_put(value: t.Any, body: dict[str, t.Any], ctx: Ctx) -> None:
    body['HostConfig']['NetworkMode'] = str(value)


NETWORK_ROWS: list[Option] = [
    Option('network_mode', NETWORK_ARGSPEC['network_mode'], wanted=_mode_wanted, actual=_mode_actual, put=_mode_put),
]


# ---- networks: wanted and actual per endpoint -------------------------------------------

def network_wish(network: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The normalised settings the task gives for one network (only those it sets)."""
    wish: dict[str, t.Any] = {'name': str(network['name'])}
    if network.get('aliases'):
        wish['aliases'] = sorted({str(a) for a in network['aliases']})
    if network.get('ipv4_address'):
        wish['ipv4_address'] = _address(network['ipv4_address'], 'networks.ipv4_address', 4)
    if network.get('ipv6_address'):
        wish['ipv6_address'] = _address(network['ipv6_address'], 'networks.ipv6_address', 6)
    if network.get('links'):
        wish['links'] = sorted({_link(link) for link in network['links']})
    if network.get('mac_address'):
        wish['mac_address'] = str(network['mac_address']).lower().replace('-', ':')
    if network.get('driver_opts') is not None:
        wish['driver_opts'] = string_map(network['driver_opts'], 'networks.driver_opts') or {}
    if network.get('gw_priority') is not None:
        wish['gw_priority'] = int(network['gw_priority'])
    return wish


def endpoint_view(name: str, endpoint: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """An endpoint from the inspect result in the shape of ``network_wish``."""
    ipam = endpoint.get('IPAMConfig') or {}
    view: dict[str, t.Any] = {'name': name, 'aliases': sorted(set(endpoint.get('Aliases') or []))}
    for key, field, family in (('ipv4_address', 'IPv4Address', 4), ('ipv6_address', 'IPv6Address', 6)):
        try:
            view[key] = _address(ipam[field], key, family) if ipam.get(field) else ''
        except ConfigurationError:
            view[key] = str(ipam.get(field))
    view['links'] = sorted({_link(link) for link in endpoint.get('Links') or []})
    view['mac_address'] = str(endpoint.get('MacAddress') or '').lower()
    view['driver_opts'] = dict(endpoint.get('DriverOpts') or {})
    view['gw_priority'] = int(endpoint.get('GwPriority') or 0)
    return view


def endpoint_matches(wish: t.Mapping[str, t.Any], have: t.Mapping[str, t.Any]) -> bool:
    """docker_container's rule: aliases, links and driver_opts may have more; the rest as given."""
    for key in ('aliases', 'links'):
        if not set(wish.get(key) or []) <= set(have.get(key) or []):
            return False
    opts = have.get('driver_opts') or {}
    if any(opts.get(k) != v for k, v in (wish.get('driver_opts') or {}).items()):
        return False
    return all(wish[key] == have.get(key) for key in ('ipv4_address', 'ipv6_address', 'mac_address', 'gw_priority')
               if key in wish)


def _shown(wish: t.Mapping[str, t.Any], have: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The actual endpoint, limited to what the task sets (plus its name)."""
    return {k: have.get(k) for k in wish}


# ---- plan ---------------------------------------------------------------------------------

def network_changes(params: t.Mapping[str, t.Any], container: t.Mapping[str, t.Any], comparison: str | None = None,
                    client: t.Any = None) -> list[NetworkChange]:
    """What brings an existing (kept) container's networks in line with the task.

    ``connect`` a listed network it is not on, ``reconnect`` (disconnect + connect with the task's
    settings) one whose settings differ, and with ``comparison`` ``strict`` ``disconnect`` every
    network not listed (community.docker's replacement for ``purge_networks``; the default network
    too). ``ignore`` leaves networks alone, and so does a task without ``networks``. Networks are
    matched by name, full ID or ID prefix against the inspect result, so an unchanged run needs no
    network lookups.
    """
    comparison = comparison or networks_comparison(params)
    if comparison not in COMPARISONS:
        raise ConfigurationError('comparisons: networks: %r is not one of %s.' % (comparison, ', '.join(COMPARISONS)))
    networks = params.get('networks')
    if comparison == 'ignore' or networks is None:
        return []
    mode = normalize_mode((container.get('HostConfig') or {}).get('NetworkMode'))
    if _shared_namespace(mode) and not networks:
        return []  # host, none and container: modes have no endpoints to manage
    attached = _attached(container)
    todo: list[NetworkChange] = []
    kept: set[str] = set()
    for network in networks or []:
        wish = network_wish(network)
        found = _find_endpoint(wish['name'], attached)
        if found is None:
            todo.append(NetworkChange('connect', wish['name'], wish, None))
            continue
        key, endpoint = found
        kept.add(str(endpoint.get('NetworkID') or key))
        have = endpoint_view(wish['name'], endpoint)
        if not endpoint_matches(wish, have):
            todo.append(NetworkChange('reconnect', wish['name'], wish, _shown(wish, have)))
    if comparison == 'strict':
        for key, endpoint in sorted(attached.items()):
            network_id = str(endpoint.get('NetworkID') or key)
            if network_id in kept or key in SPECIAL_MODES:
                continue
            kept.add(network_id)  # the daemon may list one network under its name and an ID prefix
            todo.append(NetworkChange('disconnect', key, None, endpoint_view(key, endpoint)))
    return todo


def recreate_reasons(params: t.Mapping[str, t.Any], container: t.Mapping[str, t.Any], comparison: str | None = None,
                     client: t.Any = None) -> list[dict[str, t.Any]]:
    """``changes`` entries (action ``recreated``) for network settings that only a create applies.

    The daemon honours an endpoint's ``MacAddress`` only in the create request: ``POST
    /networks/{id}/connect`` accepts it and then gives the endpoint another address (Docker 25 to
    28). A connect or reconnect of a network with ``mac_address`` therefore recreates the container
    (the recreate puts every endpoint in the create request), instead of a reconnect that would lose
    the address and repeat on every run.
    """
    comparison = comparison or networks_comparison(params)
    reasons = []
    for change in network_changes(params, container, comparison, client):
        wish = change.wanted or {}
        if change.action in ('connect', 'reconnect') and wish.get('mac_address'):
            reasons.append({'option': 'networks', 'network': change.network, 'wanted': wish, 'actual': change.actual,
                            'comparison': comparison, 'action': 'recreated'})
    return reasons


def networks_comparison(params: t.Mapping[str, t.Any]) -> str:
    """The task's comparison for networks: ``comparisons.networks``, else the ``'*'`` wildcard, else allow_more_present."""
    comparisons = params.get('comparisons') or {}
    mode = comparisons.get('networks') or comparisons.get('*') or 'allow_more_present'
    if mode not in COMPARISONS:
        raise ConfigurationError('comparisons: networks: %r is not one of %s.' % (mode, ', '.join(COMPARISONS)))
    return str(mode)


def _mode_network(params: t.Mapping[str, t.Any]) -> str | None:
    """The network the network_mode names when it is not one of the listed networks (None otherwise)."""
    mode = implied_network_mode(params)
    if mode is None or _shared_namespace(mode):
        return None
    mode = normalize_mode(mode)
    if any(n['name'] == mode for n in params.get('networks') or []):
        return None
    return mode


def networking_body(params: t.Mapping[str, t.Any], client: t.Any) -> tuple[dict[str, t.Any], dict[str, t.Any] | None,
                                                                           list[str]]:
    """(HostConfig fields, NetworkingConfig or None, networks to connect after the create).

    With ``networks_cli_compatible`` (the default) the container is created on its network_mode
    network (the first listed one unless network_mode is given); before API 1.44 the daemon takes
    only that endpoint at create and the others are connected before the start. Without it (and
    without network_mode) the container is created on the default network and every listed network
    is connected after, as docker_container does. A network_mode network that is not listed is
    joined too (from API 1.44 the daemon joins only the networks of the request), except with
    ``networks: strict``.
    """
    host: dict[str, t.Any] = {}
    mode = implied_network_mode(params)
    if mode is not None:
        host['NetworkMode'] = mode
    networks = params.get('networks') or []
    if not networks:
        return host, None, []
    endpoints: dict[str, t.Any] = {}
    later: list[str] = []
    many = client is None or client.api_at_least('1.44')
    for network in networks:
        if mode is not None and (many or network['name'] == mode):
            endpoints[network['name']] = endpoint_config(network)
        else:
            later.append(network['name'])
    extra = _mode_network(params)
    if many and extra is not None and endpoints and networks_comparison(params) != 'strict':
        endpoints[extra] = {}
    return host, ({'EndpointsConfig': endpoints} if endpoints else None), later


def create_network_changes(params: t.Mapping[str, t.Any], client: t.Any,
                           comparison: str | None = None) -> list[NetworkChange]:
    """Network steps right after a create (fresh or recreate): the connects the create body could not
    carry, and with ``networks: strict`` leaving an unlisted network the container was created on (the
    default network with ``networks_cli_compatible: false``, or an unlisted network_mode network before
    API 1.44), so that the next run finds nothing to do."""
    comparison = comparison or networks_comparison(params)
    dummy, dummy2, later = networking_body(params, client)
    wishes = {n['name']: network_wish(n) for n in params.get('networks') or []}
    todo = [NetworkChange('connect', name, wishes[name], None) for name in later]
    if comparison == 'strict' and params.get('networks'):
        many = client is None or client.api_at_least('1.44')
        if implied_network_mode(params) is None:
            todo.append(NetworkChange('disconnect', 'bridge', None, None))
        elif _mode_network(params) is not None and not many:
            todo.append(NetworkChange('disconnect', str(_mode_network(params)), None, None))
    return todo


def endpoint_config(network: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """EndpointSettings of one task network, for the create body and for connect."""
    endpoint: dict[str, t.Any] = {}
    if network.get('aliases'):
        endpoint['Aliases'] = [str(a) for a in network['aliases']]
    ipam = {}
    if network.get('ipv4_address'):
        ipam['IPv4Address'] = str(network['ipv4_address']).strip()
    if network.get('ipv6_address'):
        ipam['IPv6Address'] = str(network['ipv6_address']).strip()
    if ipam:
        endpoint['IPAMConfig'] = ipam
    if network.get('links'):
        endpoint['Links'] = [_link(link) for link in network['links']]
    if network.get('mac_address'):
        endpoint['MacAddress'] = str(network['mac_address'])
    if network.get('driver_opts') is not None:
        endpoint['DriverOpts'] = string_map(network['driver_opts'], 'networks.driver_opts') or {}
    if network.get('gw_priority') is not None:
        endpoint['GwPriority'] = int(network['gw_priority'])
    return endpoint


# ---- apply --------------------------------------------------------------------------------

def apply_network_change(client: t.Any, cid: str, params: t.Mapping[str, t.Any], change: NetworkChange) -> None:
    """Carry out one NetworkChange on container ``cid``."""
    path = '/networks/%s' % quote_path(change.network)
    name = params.get('name') or cid[:12]
    try:
        if change.action in ('disconnect', 'reconnect'):
            client.post_json(path + '/disconnect', None, {'Container': cid, 'Force': True})
        if change.action in ('connect', 'reconnect'):
            wish = next((n for n in params.get('networks') or [] if n['name'] == change.network), {'name': change.network})
            client.post_json(path + '/connect', None, {'Container': cid, 'EndpointConfig': endpoint_config(wish)})
    except NotFound as exc:
        if change.action == 'disconnect':
            return  # gone meanwhile: nothing to leave
        raise EngineError('Cannot connect container %s to network %s: %s. Create the network first.'
                          % (name, change.network, exc.message), status=exc.status)
    except APIError as exc:
        if change.action == 'disconnect' and 'is not connected' in exc.message:
            return
        raise EngineError('Cannot %s container %s %s network %s: %s' % (
            change.action, name, 'from' if change.action == 'disconnect' else 'to', change.network, exc.message),
            status=exc.status)


ACTION_WORDS = {'connect': 'connected', 'reconnect': 'reconnected', 'disconnect': 'disconnected'}


def change_entries(changes: t.Iterable[NetworkChange], comparison: str = 'allow_more_present') -> list[dict[str, t.Any]]:
    """The ``changes`` return entries of network steps: option ``networks``, action connected/reconnected/disconnected."""
    return [{'option': 'networks', 'network': c.network, 'wanted': c.wanted, 'actual': c.actual,
             'comparison': comparison, 'action': ACTION_WORDS[c.action]} for c in changes]
