# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Networks: /networks, /networks/create, /networks/{id}, connect and disconnect.

Traps handled here:

* ``GET /networks/{x}`` resolves a name, a full ID or an ID *prefix*, and the list's ``name``
  filter is a substring match; a network is looked up by listing with the filter and keeping
  exact name matches, so ``web`` never finds ``web-old`` or a network whose ID starts with "web".
* 20.10 to 24 daemons create a second network of the same name unless ``CheckDuplicate`` is
  sent; 25+ refuse duplicates and deprecated the flag. We look first, and send the flag where
  it still means something.
* Nothing about a network can be changed in place (no update endpoint), so a difference
  means remove and create again, which needs its containers disconnected first.
* The network's own ``Containers`` map only lists running containers; stopped containers
  attached to it are found through the container list's ``network`` filter.
"""

from __future__ import annotations

import ipaddress
import typing as t
import uuid

from ._client import EngineClient, quote_path
from ._errors import APIError, Conflict, ConfigurationError, EngineError, NotFound
from ._compare import map_differences, string_map, value_difference


# ---- reading ----------------------------------------------------------------------------


def find_network(client: EngineClient, name: str) -> dict[str, t.Any] | None:
    """The network named exactly ``name`` (inspected, with its Containers), or None."""
    listed = client.get_json('/networks', {'filters': {'name': [name]}}) or []
    exact = [n for n in listed if n.get('Name') == name]
    if len(exact) > 1:
        raise ConfigurationError(
            '%d networks are named %s (IDs %s): an old daemon created duplicates. Remove the extra ones by ID '
            '(docker network rm <id>) so the name is unique again.'
            % (len(exact), name, ', '.join(n.get('Id', '?')[:12] for n in exact)))
    if not exact:
        return None
    try:
        return client.get_json('/networks/%s' % quote_path(exact[0]['Id']))
    except NotFound:  # removed between the two calls
        return None


def _attached(container: t.Mapping[str, t.Any], network: t.Mapping[str, t.Any]) -> bool:
    networks = (container.get('NetworkSettings') or {}).get('Networks') or {}
    if network.get('Name') in networks:
        return True
    return any((ep or {}).get('NetworkID') == network.get('Id') for ep in networks.values())


def network_members(client: EngineClient, network: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
    """Every container attached to the network, running or not.

    A container that was connected but never started has no endpoint yet (empty NetworkID), so
    the list's ``network`` filter finds it only by name; the name filter may be loose, so each hit
    is checked against the container's own network map.
    """
    found = client.get_json('/containers/json', {
        'all': True, 'filters': {'network': [network['Name'], network['Id']]}}) or []
    return [{'id': c['Id'], 'name': (c.get('Names') or ['/' + c['Id'][:12]])[0].lstrip('/'),
             'state': c.get('State', '')} for c in found if _attached(c, network)]


def resolve_container(client: EngineClient, ref: str) -> dict[str, t.Any]:
    try:
        found = client.get_json('/containers/%s/json' % quote_path(ref))
    except NotFound:
        raise ConfigurationError(
            'connected lists %r, but no such container exists on %s. Create it first, or leave it out of connected.'
            % (ref, client.settings.display))
    return {'id': found['Id'], 'name': str(found.get('Name', '')).lstrip('/'),
            'state': (found.get('State') or {}).get('Status', '')}


# ---- desired state ----------------------------------------------------------------------

_IPAM_KEYS = {'subnet': 'Subnet', 'iprange': 'IPRange', 'gateway': 'Gateway', 'aux_addresses': 'AuxiliaryAddresses'}


def _network(value: str, where: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError as exc:
        raise ConfigurationError('%s %r is not an address range in CIDR form such as 10.10.0.0/24 (%s).'
                                 % (where, value, exc))


def _address(value: str, where: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError as exc:
        raise ConfigurationError('%s %r is not an IP address (%s).' % (where, value, exc))


def normalize_ipam_config(entries: t.Any) -> list[dict[str, t.Any]] | None:
    """Validate ipam_config and put addresses in one canonical spelling (for comparing)."""
    if entries is None:
        return None
    result = []
    for index, entry in enumerate(entries):
        where = 'ipam_config[%d]' % index
        subnet = entry.get('subnet')
        if not subnet:
            raise ConfigurationError('%s needs a subnet (for example 10.10.0.0/24); iprange, gateway and '
                                     'aux_addresses only make sense inside one.' % where)
        net = ipaddress.ip_network(_network(subnet, where + '.subnet'))
        item: dict[str, t.Any] = {'subnet': str(net)}
        if entry.get('iprange'):
            rng = ipaddress.ip_network(_network(entry['iprange'], where + '.iprange'))
            if rng.version != net.version or not rng.subnet_of(net):  # type: ignore[arg-type]
                raise ConfigurationError('%s.iprange %s is not inside subnet %s.' % (where, rng, net))
            item['iprange'] = str(rng)
        if entry.get('gateway'):
            gateway = _address(entry['gateway'], where + '.gateway')
            if ipaddress.ip_address(gateway) not in net:
                raise ConfigurationError('%s.gateway %s is not inside subnet %s.' % (where, gateway, net))
            item['gateway'] = gateway
        aux = string_map(entry.get('aux_addresses'), where + '.aux_addresses')
        if aux:
            item['aux_addresses'] = {k: _address(v, '%s.aux_addresses.%s' % (where, k)) for k, v in aux.items()}
        result.append(item)
    subnets = [i['subnet'] for i in result]
    if len(set(subnets)) != len(subnets):
        raise ConfigurationError('ipam_config lists the same subnet twice (%s).' % ', '.join(subnets))
    return result


def _actual_ipam_config(network: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
    out = []
    for entry in ((network.get('IPAM') or {}).get('Config') or []):
        item: dict[str, t.Any] = {}
        for key, api_key in _IPAM_KEYS.items():
            value = entry.get(api_key)
            if not value:
                continue
            try:
                if key in ('subnet', 'iprange'):
                    value = str(ipaddress.ip_network(value, strict=False))
                elif key == 'gateway':
                    value = str(ipaddress.ip_address(value.split('/')[0]))
            except ValueError:
                pass  # keep the daemon's spelling
            item[key] = value
        out.append(item)
    return out


class NetworkSpec(t.NamedTuple):
    name: str
    driver: str | None
    driver_options: dict[str, str] | None
    ipam_driver: str | None
    ipam_driver_options: dict[str, str] | None
    ipam_config: list[dict[str, t.Any]] | None
    internal: bool | None
    attachable: bool | None
    enable_ipv6: bool | None
    labels: dict[str, str] | None
    enable_ipv4: bool | None = None  # API 1.47
    scope: str | None = None  # local, global, swarm (swarm needs a swarm manager)
    ingress: bool | None = None  # swarm's routing-mesh network
    config_only: bool | None = None
    config_from: str | None = None  # the config-only network whose configuration this one takes

    def body(self, check_duplicate: bool) -> dict[str, t.Any]:
        body: dict[str, t.Any] = {'Name': self.name}
        if check_duplicate:
            body['CheckDuplicate'] = True
        if self.driver:
            body['Driver'] = self.driver
        if self.driver_options:
            body['Options'] = self.driver_options
        if self.ipam_driver or self.ipam_driver_options or self.ipam_config:
            body['IPAM'] = {
                'Driver': self.ipam_driver or 'default',
                'Options': self.ipam_driver_options or {},
                'Config': [{_IPAM_KEYS[k]: v for k, v in entry.items()} for entry in self.ipam_config or []],
            }
        for key, value in (('Internal', self.internal), ('Attachable', self.attachable),
                           ('EnableIPv6', self.enable_ipv6), ('EnableIPv4', self.enable_ipv4),
                           ('Ingress', self.ingress), ('ConfigOnly', self.config_only)):
            if value is not None:
                body[key] = value
        if self.scope:
            body['Scope'] = self.scope
        if self.config_from:
            body['ConfigFrom'] = {'Network': self.config_from}
        if self.labels:
            body['Labels'] = self.labels
        return body


def network_spec(params: t.Mapping[str, t.Any]) -> NetworkSpec:
    return NetworkSpec(
        name=params['name'],
        driver=params.get('driver') or None,
        driver_options=string_map(params.get('driver_options'), 'driver_options'),
        ipam_driver=params.get('ipam_driver') or None,
        ipam_driver_options=string_map(params.get('ipam_driver_options'), 'ipam_driver_options'),
        ipam_config=normalize_ipam_config(params.get('ipam_config')),
        internal=params.get('internal'),
        attachable=params.get('attachable'),
        enable_ipv6=params.get('enable_ipv6'),
        labels=string_map(params.get('labels'), 'labels'),
        enable_ipv4=params.get('enable_ipv4'),
        scope=params.get('scope') or None,
        ingress=params.get('ingress'),
        config_only=params.get('config_only'),
        config_from=params.get('config_from') or None,
    )


def check_network_options(client: EngineClient, spec: NetworkSpec) -> None:
    """Before any change: options the daemon cannot honour fail with a message that says why."""
    if spec.enable_ipv4 is not None:
        client.require_api('1.47', 'enable_ipv4')
    swarm_only = [text for wanted, text in ((spec.scope == 'swarm', 'scope: swarm'), (bool(spec.ingress), 'ingress: true'))
                  if wanted]
    if not swarm_only:
        return
    swarm = (client.get_json('/info') or {}).get('Swarm') or {}
    if swarm.get('LocalNodeState') != 'active' or not swarm.get('ControlAvailable'):
        raise ConfigurationError(
            '%s needs a daemon that is a swarm manager, but %s is %s. Run the task against a swarm manager '
            '(or docker swarm init first), or leave %s out. Nothing was changed.'
            % (' and '.join(swarm_only), client.settings.display,
               'not in a swarm' if swarm.get('LocalNodeState') in (None, '', 'inactive')
               else 'a swarm %s (%s)' % ('worker' if swarm.get('LocalNodeState') == 'active' else 'node',
                                         swarm.get('LocalNodeState')),
               ' and '.join(swarm_only)))


def ipam_differences(wanted: list[dict[str, t.Any]] | None, network: t.Mapping[str, t.Any]) -> list[str]:
    """Compare the address families the task gives; a family it leaves out is the daemon's choice.

    (28.x daemons add an IPv6 range of their own to enable_ipv6 networks when none is given.)
    """
    return [text for _path, text in _ipam_differences(wanted, network)]


def _ipam_differences(wanted: list[dict[str, t.Any]] | None, network: t.Mapping[str, t.Any]) -> list[tuple[str, str]]:
    """(option path as docker_network names it, sentence) for each difference of ipam_config."""
    if not wanted:
        return []
    families = {ipaddress.ip_network(w['subnet']).version for w in wanted}
    actual = [a for a in _actual_ipam_config(network)
              if 'subnet' in a and ipaddress.ip_network(a['subnet']).version in families]
    by_subnet = {a['subnet']: a for a in actual}
    out: list[tuple[str, str]] = []
    for index, entry in enumerate(wanted):
        path = 'ipam_config[%d]' % index
        have = by_subnet.get(entry['subnet'])
        if have is None:
            out.append((path + '.subnet', 'ipam_config: subnet %s missing (has %s)'
                        % (entry['subnet'], ', '.join(sorted(by_subnet)) or 'none')))
            continue
        for key in ('iprange', 'gateway'):
            if key in entry and have.get(key) != entry[key]:
                out.append(('%s.%s' % (path, key),
                            'ipam_config %s %s: %r, wanted %r' % (entry['subnet'], key, have.get(key), entry[key])))
        out.extend((path + '.aux_addresses', text) for text in map_differences(
            'ipam_config %s aux_addresses' % entry['subnet'], entry.get('aux_addresses'), have.get('aux_addresses')))
    extra = sorted(set(by_subnet) - {w['subnet'] for w in wanted})
    if extra:
        out.append(('ipam_config', 'ipam_config: subnet%s %s not wanted' % ('s' if len(extra) > 1 else '', ', '.join(extra))))
    return out


def network_differences(spec: NetworkSpec, network: t.Mapping[str, t.Any]) -> list[str]:
    """Why ``network`` differs from ``spec``, as sentences."""
    return [text for _path, text in difference_items(spec, network)]


def difference_paths(spec: NetworkSpec, network: t.Mapping[str, t.Any]) -> list[str]:
    """The options that differ, as docker_network's ``diff.differences`` names them (``ipam_config[0].subnet``)."""
    paths: list[str] = []
    for path, _text in difference_items(spec, network):
        if path not in paths:
            paths.append(path)
    if any(path.startswith('ipam_config[') for path in paths) and 'ipam_config' in paths:
        paths.remove('ipam_config')  # a replaced subnet: its entry's path says it
    return paths


def _values(option: str, wanted: t.Any, actual: t.Any) -> list[tuple[str, str]]:
    return [(option, text) for text in value_difference(option, wanted, actual)]


def _keys(option: str, wanted: dict[str, str] | None, actual: t.Any) -> list[tuple[str, str]]:
    """One path per key (``labels.app``), as docker_network names them."""
    return [('%s.%s' % (option, key), text) for key in sorted(wanted or {})
            for text in map_differences(option, {key: (wanted or {})[key]}, actual)]


def difference_items(spec: NetworkSpec, network: t.Mapping[str, t.Any]) -> list[tuple[str, str]]:
    """(option path, sentence) for every difference; options the task leaves out are not compared."""
    ipam = network.get('IPAM') or {}
    driver = spec.driver
    if spec.config_only and network.get('Driver') == 'null':
        driver = None  # the daemon stores a config-only network's driver as "null"
    return (_values('driver', driver, network.get('Driver'))
            + _keys('driver_options', spec.driver_options, network.get('Options'))
            + _values('ipam_driver', spec.ipam_driver, ipam.get('Driver'))
            + [('ipam_driver_options', text) for text in map_differences(
                'ipam_driver_options', spec.ipam_driver_options, ipam.get('Options'))]
            + _ipam_differences(spec.ipam_config, network)
            + _values('internal', spec.internal, bool(network.get('Internal')))
            + _values('attachable', spec.attachable, bool(network.get('Attachable')))
            + _values('enable_ipv6', spec.enable_ipv6, bool(network.get('EnableIPv6')))
            + _keys('labels', spec.labels, network.get('Labels'))
            + _values('enable_ipv4', spec.enable_ipv4, bool(network.get('EnableIPv4', True)))
            + _values('scope', spec.scope, network.get('Scope'))
            + _values('ingress', spec.ingress, bool(network.get('Ingress')))
            + _values('config_from', spec.config_from, (network.get('ConfigFrom') or {}).get('Network') or None)
            + _values('config_only', spec.config_only, bool(network.get('ConfigOnly'))))


def describe(name: str, network: t.Mapping[str, t.Any] | None, members: list[str]) -> dict[str, t.Any]:
    """The part of a network the module manages, for diff mode."""
    if network is None:
        return {'name': name, 'state': 'absent'}
    ipam = network.get('IPAM') or {}
    return {
        'name': name, 'state': 'present', 'driver': network.get('Driver'),
        'driver_options': dict(network.get('Options') or {}),
        'ipam_driver': ipam.get('Driver'), 'ipam_driver_options': dict(ipam.get('Options') or {}),
        'ipam_config': _actual_ipam_config(network),
        'internal': bool(network.get('Internal')), 'attachable': bool(network.get('Attachable')),
        'enable_ipv6': bool(network.get('EnableIPv6')), 'labels': dict(network.get('Labels') or {}),
        'connected': sorted(members), 'scope': network.get('Scope'), 'ingress': bool(network.get('Ingress')),
        'config_only': bool(network.get('ConfigOnly')),
        'config_from': (network.get('ConfigFrom') or {}).get('Network') or None,
        'enable_ipv4': bool(network.get('EnableIPv4', True)),
    }


def predicted(spec: NetworkSpec, members: list[str]) -> dict[str, t.Any]:
    """What a create from ``spec`` should give, as far as we can know before the daemon fills in defaults."""
    return {
        'name': spec.name, 'state': 'present', 'driver': spec.driver or 'bridge',
        'driver_options': dict(spec.driver_options or {}),
        'ipam_driver': spec.ipam_driver or 'default', 'ipam_driver_options': dict(spec.ipam_driver_options or {}),
        'ipam_config': list(spec.ipam_config or []),
        'internal': bool(spec.internal), 'attachable': bool(spec.attachable), 'enable_ipv6': bool(spec.enable_ipv6),
        'labels': dict(spec.labels or {}), 'connected': sorted(members), 'scope': spec.scope or 'local',
        'ingress': bool(spec.ingress), 'config_only': bool(spec.config_only), 'config_from': spec.config_from,
        'enable_ipv4': spec.enable_ipv4 is not False,
    }


# ---- writing ----------------------------------------------------------------------------


def create_network(client: EngineClient, spec: NetworkSpec) -> str:
    # 25+ daemons (API 1.44) always refuse duplicates and deprecated the flag; older ones need it.
    body = spec.body(check_duplicate=not client.api_at_least('1.44'))
    try:
        answer = client.post_json('/networks/create', None, body) or {}
    except Conflict as exc:
        raise Conflict(exc.status, exc.message, exc.method, exc.path, msg=(
            'Cannot create network %s: the daemon says %s. Another network of that name appeared meanwhile; '
            'run the task again.' % (spec.name, exc.message)))
    except APIError as exc:
        raise APIError(exc.status, exc.message, exc.method, exc.path, msg=(
            'The daemon refused to create network %s (HTTP %d): %s. Check driver, ipam_config and driver_options '
            '(a subnet may overlap one in use).' % (spec.name, exc.status, exc.message)))
    return str(answer.get('Id', ''))


def remove_network(client: EngineClient, network: t.Mapping[str, t.Any]) -> None:
    try:
        client.delete('/networks/%s' % quote_path(network['Id']))
    except APIError as exc:
        if exc.status != 403:
            raise
        raise APIError(exc.status, exc.message, exc.method, exc.path, msg=(
            'Cannot remove network %s: the daemon refused (HTTP 403: %s). Containers are still attached (or it is '
            'a predefined network). Disconnect them, or set force: true.' % (network.get('Name'), exc.message)))


def connect(client: EngineClient, network_id: str, container_id: str,
            endpoint: dict[str, t.Any] | None = None) -> None:
    body: dict[str, t.Any] = {'Container': container_id}
    if endpoint:
        body['EndpointConfig'] = endpoint
    client.post_json('/networks/%s/connect' % quote_path(network_id), None, body)


# ---- recreating without losing the network ----------------------------------------------
#
# The API cannot change a network, and cannot create the new one beside the old one under the
# same name. So before the old one is removed, everything the daemon can check is checked: the
# driver exists, the new subnets overlap no other network, and (when it cannot conflict with the
# old network itself) a test network with the new settings is created and removed again. If the
# create still fails after the removal, the old network is created again with its old settings
# and its containers are reconnected with their old endpoint settings.

_BUILTIN_DRIVERS = ('bridge', 'host', 'ipvlan', 'macvlan', 'null', 'overlay')
_BRIDGE_NAME = 'com.docker.network.bridge.name'


def old_endpoints(client: EngineClient, network: t.Mapping[str, t.Any],
                  members: list[dict[str, t.Any]]) -> dict[str, dict[str, t.Any]]:
    """container ID -> the endpoint settings it has on ``network`` (aliases, static addresses...)."""
    out: dict[str, dict[str, t.Any]] = {}
    for member in members:
        try:
            found = client.get_json('/containers/%s/json' % quote_path(member['id']))
        except NotFound:
            continue
        networks = (found.get('NetworkSettings') or {}).get('Networks') or {}
        endpoint = networks.get(network.get('Name')) or next(
            (ep for ep in networks.values() if (ep or {}).get('NetworkID') == network.get('Id')), None) or {}
        settings: dict[str, t.Any] = {}
        short_id = member['id'][:12]
        aliases = [a for a in endpoint.get('Aliases') or [] if a != short_id]
        if aliases:
            settings['Aliases'] = aliases
        ipam = {k: v for k, v in (endpoint.get('IPAMConfig') or {}).items() if v}
        if ipam:
            settings['IPAMConfig'] = ipam
        for key in ('Links', 'DriverOpts'):
            if endpoint.get(key):
                settings[key] = endpoint[key]
        out[member['id']] = settings
    return out


def _fits(endpoint: dict[str, t.Any], spec: NetworkSpec) -> dict[str, t.Any]:
    """The endpoint settings to keep on the new network: static addresses only where they fit its subnets."""
    kept = dict(endpoint)
    ipam = kept.pop('IPAMConfig', None) or {}
    subnets = [ipaddress.ip_network(c['subnet']) for c in spec.ipam_config or []]
    fitting = {}
    for key, value in ipam.items():
        try:
            address = ipaddress.ip_address(str(value))
        except ValueError:
            continue
        if any(address.version == n.version and address in n for n in subnets):
            fitting[key] = value
    if fitting:
        kept['IPAMConfig'] = fitting
    return kept


def old_body(network: t.Mapping[str, t.Any], check_duplicate: bool) -> dict[str, t.Any]:
    """A create body that makes ``network`` again as it was."""
    ipam = network.get('IPAM') or {}
    body: dict[str, t.Any] = {
        'Name': network['Name'], 'Driver': network.get('Driver') or 'bridge', 'Options': network.get('Options') or {},
        'IPAM': {'Driver': ipam.get('Driver') or 'default', 'Options': ipam.get('Options') or {},
                 'Config': [{k: v for k, v in c.items() if v} for c in ipam.get('Config') or []]},
        'Internal': bool(network.get('Internal')), 'Attachable': bool(network.get('Attachable')),
        'EnableIPv6': bool(network.get('EnableIPv6')), 'Labels': network.get('Labels') or {},
    }
    if 'EnableIPv4' in network:
        body['EnableIPv4'] = bool(network['EnableIPv4'])
    if network.get('ConfigOnly'):
        body['ConfigOnly'] = True
        if body['Driver'] == 'null':
            body['Driver'] = 'bridge'  # stored as "null"; the daemon refuses it in a create
    if (network.get('ConfigFrom') or {}).get('Network'):
        body['ConfigFrom'] = {'Network': network['ConfigFrom']['Network']}
    if network.get('Scope') and network.get('Scope') != 'local':
        body['Scope'] = network['Scope']
    if network.get('Ingress'):
        body['Ingress'] = True
    if check_duplicate:
        body['CheckDuplicate'] = True
    return body


def _subnets(network: t.Mapping[str, t.Any]) -> list[t.Any]:
    out = []
    for entry in ((network.get('IPAM') or {}).get('Config') or []):
        try:
            out.append(ipaddress.ip_network(str(entry.get('Subnet')), strict=False))
        except ValueError:
            continue
    return out


def _overlaps(a: t.Any, b: t.Any) -> bool:
    return bool(a.version == b.version and a.overlaps(b))


def preflight_recreate(client: EngineClient, spec: NetworkSpec, current: t.Mapping[str, t.Any]) -> None:
    """The checks that need no write: the driver exists, no other network holds the new subnets."""
    unchanged = ' Nothing was changed: network %s is as it was.' % spec.name
    if spec.driver and spec.driver not in _BUILTIN_DRIVERS:
        info = client.get_json('/info') or {}
        known = list(((info.get('Plugins') or {}).get('Network')) or [])
        plugins = client.get_json('/plugins', {'filters': {'capability': ['networkdriver'], 'enabled': ['true']}}) or []
        known += [str(p.get('Name')) for p in plugins]
        if spec.driver not in known and spec.driver + ':latest' not in known:
            raise ConfigurationError('Network driver %s is not available on %s (it has: %s). Install or enable the plugin '
                                     'first, or fix driver.%s' % (spec.driver, client.settings.display,
                                                                  ', '.join(sorted(set(known))) or 'none', unchanged))
    wanted = [ipaddress.ip_network(c['subnet']) for c in spec.ipam_config or []]
    if not wanted:
        return
    others = client.get_json('/networks') or []
    for other in others:
        if other.get('Id') == current.get('Id'):
            continue
        for subnet in _subnets(other):
            for want in wanted:
                if _overlaps(want, subnet):
                    raise ConfigurationError(
                        'ipam_config subnet %s overlaps subnet %s of network %s, so the daemon would refuse the new '
                        'network. Choose another subnet, or remove %s first.%s'
                        % (want, subnet, other.get('Name'), other.get('Name'), unchanged))


def probe_recreate(client: EngineClient, spec: NetworkSpec, current: t.Mapping[str, t.Any]) -> str | None:
    """Create and remove a test network with the new settings while the old one still exists.

    Returns None when the daemon accepted it, else why no test was possible (the new settings
    would collide with the old network itself: the same subnet or the same bridge). Raises when
    the daemon refuses the settings.
    """
    old_subnets = _subnets(current)
    for entry in spec.ipam_config or []:
        want = ipaddress.ip_network(entry['subnet'])
        if any(_overlaps(want, old) for old in old_subnets):
            return 'the new subnet %s overlaps the old network\'s own' % want
    if spec.config_from:
        return 'the new network takes its configuration from config-only network %s' % spec.config_from
    bridge = (spec.driver_options or {}).get(_BRIDGE_NAME)
    if bridge and bridge == (current.get('Options') or {}).get(_BRIDGE_NAME):
        return 'the new network uses the old network\'s bridge %s' % bridge
    probe = spec._replace(name='%s-dkapi-probe-%s' % (spec.name[:200], uuid.uuid4().hex[:8]))
    try:
        answer = client.post_json('/networks/create', None, probe.body(check_duplicate=not client.api_at_least('1.44'))) or {}
    except APIError as exc:
        raise ConfigurationError(
            'The daemon refuses the new settings of network %s (HTTP %d): %s. (Tested with a temporary network while '
            'the old one still exists.) Fix driver, driver_options or ipam_config. Nothing was changed: network %s is '
            'as it was.' % (spec.name, exc.status, exc.message, spec.name), status=exc.status)
    try:
        client.delete('/networks/%s' % quote_path(str(answer.get('Id') or probe.name)))
    except APIError as exc:
        raise EngineError('The test network %s (made to check the new settings of network %s) could not be removed: %s. '
                          'Remove it; network %s was not changed.' % (probe.name, spec.name, exc.message, spec.name))
    return None


def restore_network(client: EngineClient, current: t.Mapping[str, t.Any], members: list[dict[str, t.Any]],
                    endpoints: dict[str, dict[str, t.Any]]) -> str:
    """After a failed create: make the old network again and reconnect its containers. Returns what exists now."""
    try:
        answer = client.post_json('/networks/create', None, old_body(current, not client.api_at_least('1.44'))) or {}
    except EngineError as exc:
        who = ', '.join(_names(members)) or 'no containers'
        return ('The old network could not be created again either (%s): network %s does not exist now, and %s '
                'are connected to no network of that name. Create it again by hand (its old settings are in '
                'old_network) and reconnect them.' % (exc.msg, current.get('Name'), who))
    network_id = str(answer.get('Id') or '')
    failed = []
    for member in members:
        try:
            connect(client, network_id, member['id'], endpoints.get(member['id']))
        except EngineError as exc:
            failed.append('%s (%s)' % (member['name'], exc.msg))
    text = 'The old network %s was created again with its old settings (new ID %s)' % (current.get('Name'), network_id[:12])
    if members:
        text += ' and %s reconnected' % (', '.join(m['name'] for m in members if not any(
            f.startswith(m['name'] + ' (') for f in failed)) or 'none of its containers')
    if failed:
        text += '; could not reconnect: %s' % '; '.join(failed)
    return text + '.'


def disconnect(client: EngineClient, network_id: str, container_id: str, force: bool) -> None:
    client.post_json('/networks/%s/disconnect' % quote_path(network_id), None,
                     {'Container': container_id, 'Force': force})


def _names(members: t.Iterable[t.Mapping[str, t.Any]]) -> list[str]:
    return sorted(m['name'] for m in members)


def _in_use_error(name: str, why: str, members: list[dict[str, t.Any]]) -> ConfigurationError:
    listed = ', '.join('%s (%s)' % (m['name'], m['state'] or '?') for m in members)
    return ConfigurationError(
        'Network %s %s, but containers are attached: %s. Disconnect them first, or set force: true to disconnect '
        'them%s.' % (name, why, listed, ' and reconnect them to the new network afterwards' if 'recreat' in why else ''),
        attached=_names(members))


# ---- services ---------------------------------------------------------------------------


def network(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Make a network present (created or recreated) with the listed containers attached, or absent."""
    name = params['name']
    state = params.get('state') or 'present'
    force = bool(params.get('force'))
    spec = network_spec(params) if state == 'present' else None  # validated before any request
    if spec is not None:
        check_network_options(client, spec)
    # docker_network's diff.differences: returned in check and diff mode and with debug.
    paths: list[str] | None = [] if (state == 'present' and (check_mode or diff or params.get('debug'))) else None

    current = find_network(client, name)
    members = network_members(client, current) if current else []
    before = describe(name, current, _names(members))
    actions: list[str] = []

    if state == 'absent':
        after = describe(name, None, [])
        if current is not None:
            if members and not force:
                raise _in_use_error(name, 'cannot be removed', members)
            actions.extend('disconnected %s' % m['name'] for m in members)
            actions.append('removed')
            if not check_mode:
                for member in members:
                    disconnect(client, current['Id'], member['id'], True)
                remove_network(client, current)
        return _result(client, name, actions, before, after, current, None, check_mode, diff)

    if spec is None:
        raise AssertionError('state present without a spec')
    wanted = [resolve_container(client, ref) for ref in params.get('connected') or []]
    wanted_ids = {w['id'] for w in wanted}
    member_ids = {m['id'] for m in members}
    appends = bool(params.get('appends'))
    differences = network_differences(spec, current) if current else []
    if paths is not None and current:
        paths = difference_paths(spec, current)

    # Who is attached at the end: the listed containers, plus (with appends) whoever already was.
    keep = [m for m in members if appends or m['id'] in wanted_ids]
    final = {c['id']: c for c in keep}
    final.update({w['id']: w for w in wanted})
    after = predicted(spec, _names(final.values())) if (current is None or differences) else \
        dict(before, connected=_names(final.values()))

    if current is None:
        actions.append('created')
        actions.extend('connected %s' % w['name'] for w in wanted)
        if not check_mode:
            network_id = create_network(client, spec)
            for container in wanted:
                connect(client, network_id, container['id'])
        return _result(client, name, actions, before, after, None, None, check_mode, diff, paths)

    if differences:
        if members and not force:
            raise _in_use_error(name, 'must be recreated to apply %s' % '; '.join(differences), members)
        actions.extend('disconnected %s' % m['name'] for m in members)
        actions.append('recreated')
        actions.extend('connected %s' % c['name'] for c in final.values())
        preflight_recreate(client, spec, current)  # reads only: check mode fails where the real run would
        if not check_mode:
            untested = probe_recreate(client, spec, current)
            endpoints = old_endpoints(client, current, members)
            for member in members:
                disconnect(client, current['Id'], member['id'], True)
            remove_network(client, current)
            try:
                network_id = create_network(client, spec)
            except EngineError as exc:
                exc.msg = ('%s The old network %s had been removed (after disconnecting %s)%s. %s' % (
                    exc.msg, name, ', '.join(_names(members)) or 'no containers',
                    ' because the new settings could not be tested beforehand (%s)' % untested if untested else '',
                    restore_network(client, current, members, endpoints)))
                exc.details['old_network'] = current
                raise
            for container in final.values():
                connect(client, network_id, container['id'], _fits(endpoints.get(container['id']) or {}, spec))
        return _result(client, name, actions, before, after, current, differences, check_mode, diff, paths)

    to_disconnect = [m for m in members if m['id'] not in final]
    to_connect = [w for w in wanted if w['id'] not in member_ids]
    actions.extend('disconnected %s' % m['name'] for m in to_disconnect)
    actions.extend('connected %s' % w['name'] for w in to_connect)
    if not check_mode:
        for member in to_disconnect:
            disconnect(client, current['Id'], member['id'], force)
        for container in to_connect:
            connect(client, current['Id'], container['id'])
    return _result(client, name, actions, before, after, current, None, check_mode, diff, paths)


def _result(client: EngineClient, name: str, actions: list[str], before: dict[str, t.Any],
            after: dict[str, t.Any], current: dict[str, t.Any] | None, differences: list[str] | None,
            check_mode: bool, diff: bool, paths: list[str] | None = None) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {'changed': bool(actions), 'actions': actions}
    if differences:
        result['differences'] = differences
    # After real changes, report what the daemon now holds; otherwise what was there.
    found = find_network(client, name) if actions and not check_mode else current
    result['network'] = found
    if paths is not None:
        result['diff'] = {'differences': paths}
    if diff:
        if actions and not check_mode:
            after = describe(name, found, _names(network_members(client, found)) if found else [])
        result.setdefault('diff', {}).update(before=before, after=after)
    return result


def network_info(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """One network by exact name (or ID), or the list with the API's filters. Never changes anything."""
    name = params.get('name')
    if name:
        found = find_network(client, name)
        if found is None and _looks_like_id(name):
            try:
                candidate = client.get_json('/networks/%s' % quote_path(name))
            except NotFound:
                candidate = None
            if candidate and str(candidate.get('Id', '')).startswith(name):
                found = candidate
        return {'changed': False, 'exists': found is not None, 'network': found}
    listed = client.get_json('/networks', {'filters': params.get('filters')}) or []
    return {'changed': False, 'networks': listed}


def _looks_like_id(text: str) -> bool:
    return 12 <= len(text) <= 64 and all(c in '0123456789abcdef' for c in text)
