# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: containers
short_description: Containers of one or many Docker engines as inventory hosts
version_added: 1.0.0
author:
  - dockerapi.engine team (@dockerapi)
description:
  - Lists the containers of one Docker engine, or of many engines at once (O(engines)), as inventory hosts, talking to
    the Docker Engine API directly (unix socket, TCP with mutual TLS, C(ssh://), or a docker CLI context).
  - The engines are asked in parallel (one thread per engine, at most 16 at a time), so ten engines take about as long
    as the slowest of them.
  - Each host gets variables that let a play reach the container through the P(dockerapi.engine.engine_api#connection)
    connection plugin (the default), through the docker CLI, or through SSH (O(connection_type)).
  - Options keep the names of community.docker's C(docker_containers) inventory plugin where they mean the same, so an
    inventory file moves over by changing its C(plugin:) line to V(dockerapi.engine.containers).
  - 'B(Host names): with one engine, the container name (as community.docker). With several engines, the engine name, a
    dash and the container name (V(web1) on engine V(eu1) is the host V(eu1-web1)), so that containers of the same name
    on different engines stay different hosts. O(engine_prefix) changes that rule. Two containers that would get the
    same host name make the inventory fail with both named.'
  - Uses a YAML configuration file whose name ends with V(docker.yml), V(docker.yaml), V(containers.yml) or
    V(containers.yaml).
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
notes:
  - The variables available to O(compose), O(groups), O(keyed_groups) and O(filters) are the host variables described
    below (C(docker_name), C(docker_engine), C(docker_labels), ...), the connection variables, and the container's
    whole inspection (C(docker_config), C(docker_hostconfig), C(docker_networksettings), and so on, one for each
    top-level key of C(GET /containers/{id}/json), lower-cased with a C(docker_) prefix), whether or not O(verbose_output) is set.
  - 'Host variables: C(docker_name) (the container name, without C(/)), C(docker_id), C(docker_short_id) (the first 13
    characters of the ID), C(docker_image) (the image ID), C(docker_image_name) (the image as the container was
    created from it), C(docker_state) (the inspection''s C(State) dictionary), C(docker_status) (V(running),
    V(exited), ...), C(docker_running), C(docker_labels), C(docker_networks) (network name to C(IPAddress),
    C(GlobalIPv6Address), C(MacAddress), C(Gateway)), C(docker_ip) (the first IPv4 address), C(docker_engine) (the
    engine name), and C(docker_stack) / C(docker_service) when the container has those labels.'
  - Differences from community.docker's plugin. C(docker_name) never starts with C(/), also in O(compose) and
    O(keyed_groups). The connection variables are set with every O(connection_type) that needs them, including TLS
    (community.docker's C(docker_api) connection has no TLS). O(running_only), O(containers_filters), O(engines),
    O(context), O(engine_prefix), O(unreachable_engines) and the cache are additions.
  - Passphrases (O(client_key_passphrase)) are used to list the containers but never put into host variables; a play
    that reaches containers through an encrypted client key needs C(ansible_docker_client_key_passphrase) from a vault.
  - With O(cache=true) the containers' data is kept by the cache plugin; a cached answer is used only while the
    engines, their addresses and the filters stay as they were when it was stored, and never when an engine failed.
    C(ansible_host) is the container ID, so a container recreated since the answer was cached is reached only after
    C(ansible-inventory --flush-cache) (or C(meta refresh_inventory) with the cache off).
  - The cache holds the containers' inspection data, their environment variables included, so keep the cache's location
    (O(cache_connection)) private to the user that runs Ansible (mode 0700), as it may hold secrets.
seealso:
  - name: community.docker docker_containers inventory
    description: The inventory plugin whose options this one takes.
    link: https://docs.ansible.com/ansible/latest/collections/community/docker/docker_containers_inventory.html
options:
  plugin:
    description:
      - The name of this plugin; always V(dockerapi.engine.containers).
    type: str
    required: true
    choices: [dockerapi.engine.containers]
  engines:
    description:
      - The engines to list containers from, each with its own connection settings.
      - Connection settings an entry does not set are taken from the top-level options of the same name (except
        O(docker_host) and O(context), which are refused at the top level together with O(engines)), then from the
        E(DOCKER_*) environment variables, as the modules do.
      - Without this option, the top-level connection options describe one engine named V(default).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The engine's name, unique in the list; letters, digits, C(_), C(.) and C(-). Used in host names
            (O(engine_prefix)), in the C(docker_engine) host variable, and in messages.
        type: str
        required: true
      docker_host:
        description:
          - As the top-level O(docker_host). Mutually exclusive with O(engines[].context).
        type: str
        aliases: [docker_url]
      context:
        description:
          - A docker CLI context (C(docker context ls)) whose endpoint and TLS material this engine uses.
          - Options of this entry (such as O(engines[].tls_hostname)) win over the context's.
        type: str
      tls:
        description: As the top-level O(tls).
        type: bool
      validate_certs:
        description: As the top-level O(validate_certs).
        type: bool
        aliases: [tls_verify]
      ca_path:
        description: As the top-level O(ca_path).
        type: path
        aliases: [ca_cert, tls_ca_cert, cacert_path]
      client_cert:
        description: As the top-level O(client_cert).
        type: path
        aliases: [tls_client_cert, cert_path]
      client_key:
        description: As the top-level O(client_key).
        type: path
        aliases: [tls_client_key, key_path]
      client_key_passphrase:
        description: As the top-level O(client_key_passphrase).
        type: str
      tls_hostname:
        description: As the top-level O(tls_hostname).
        type: str
      api_version:
        description: As the top-level O(api_version).
        type: str
        aliases: [docker_api_version]
      timeout:
        description: As the top-level O(timeout).
        type: int
      allow_insecure_tcp:
        description: As the top-level O(allow_insecure_tcp).
        type: bool
      use_ssh_client:
        description: As the top-level O(use_ssh_client).
        type: bool
      default_ip:
        description: As the top-level O(default_ip), for this engine's containers.
        type: str
  docker_host:
    description:
      - The daemon to list containers from (single-engine form), as C(unix:///path/to/docker.sock),
        C(tcp://host:port), C(https://host:port) or C(ssh://[user@]host[:port]).
      - Without this option the E(DOCKER_HOST) environment variable is used, then the current docker CLI context, then
        C(unix:///var/run/docker.sock).
    type: str
    aliases: [docker_url]
  context:
    description:
      - A docker CLI context whose endpoint and TLS material to use (single-engine form). Mutually exclusive with
        O(docker_host).
    type: str
  tls:
    description:
      - Talk TLS to a C(tcp://) daemon. Turned on by itself by O(validate_certs), O(ca_path), O(client_cert),
        O(client_key), an C(https://) O(docker_host), E(DOCKER_TLS_VERIFY) or E(DOCKER_TLS).
    type: bool
  validate_certs:
    description:
      - Verify the daemon's certificate and name. Defaults to V(true) whenever TLS is in use (community.docker's
        default is V(false)).
    type: bool
    aliases: [tls_verify]
  ca_path:
    description:
      - The CA certificate (PEM) that signed the daemon's certificate. Default C(ca.pem) in E(DOCKER_CERT_PATH).
    type: path
    aliases: [ca_cert, tls_ca_cert, cacert_path]
  client_cert:
    description:
      - The client certificate (PEM). Default C(cert.pem) in E(DOCKER_CERT_PATH). Needs O(client_key).
    type: path
    aliases: [tls_client_cert, cert_path]
  client_key:
    description:
      - The private key (PEM) of O(client_cert). Default C(key.pem) in E(DOCKER_CERT_PATH).
    type: path
    aliases: [tls_client_key, key_path]
  client_key_passphrase:
    description:
      - The passphrase of an encrypted O(client_key). Used to list the containers, never put into host variables.
    type: str
  tls_hostname:
    description:
      - The name the daemon's certificate must carry, when it differs from the host in O(docker_host). Default
        E(DOCKER_TLS_HOSTNAME).
    type: str
  api_version:
    description:
      - The Engine API version to speak, such as V(1.43), or V(auto) (negotiated). Default E(DOCKER_API_VERSION).
    type: str
    aliases: [docker_api_version]
  timeout:
    description:
      - Seconds to wait for each answer of the daemon. Default E(DOCKER_TIMEOUT), else V(60).
      - Also given to the connection plugin when set here.
    type: int
  allow_insecure_tcp:
    description:
      - Allow plain (unencrypted, unauthenticated) TCP to a daemon that is not on a loopback address.
    type: bool
  use_ssh_client:
    description:
      - Accepted for compatibility with community.docker; C(ssh://) hosts always use the system C(ssh) client.
    type: bool
  debug:
    description:
      - Accepted for compatibility with community.docker; no effect.
    type: bool
    default: false
  connection_type:
    description:
      - How plays reach the containers.
      - V(docker-api) (default) sets C(ansible_connection) to V(dockerapi.engine.engine_api), C(ansible_host) to the
        container ID and, with O(configure_docker_daemon), the engine's connection settings as the variables that
        connection plugin reads (C(ansible_docker_docker_host), C(ansible_docker_tls), C(ansible_docker_validate_certs),
        C(ansible_docker_ca_path), C(ansible_docker_client_cert), C(ansible_docker_client_key),
        C(ansible_docker_tls_hostname), C(ansible_docker_api_version), C(ansible_docker_timeout),
        C(ansible_docker_allow_insecure_tcp)).
      - V(docker-cli) sets C(ansible_connection) to V(community.docker.docker), C(ansible_host) to the container name and,
        with O(configure_docker_daemon), C(ansible_docker_extra_args) to the docker CLI's C(-H) and C(--tls*) flags.
      - V(ssh) sets C(ansible_ssh_host) and C(ansible_ssh_port) from the host port that publishes the container's
        O(private_ssh_port) (an SSH daemon must run in the container).
    type: str
    default: docker-api
    choices: [docker-api, docker-cli, ssh]
  configure_docker_daemon:
    description:
      - Whether to pass the engine's connection settings to the connection plugin (O(connection_type=docker-api) or
        V(docker-cli)).
    type: bool
    default: true
  verbose_output:
    description:
      - Also make the container's whole inspection host variables (C(docker_config), C(docker_hostconfig), ...).
      - Without it they are still available to O(compose), O(groups), O(keyed_groups) and O(filters).
    type: bool
    default: false
  default_ip:
    description:
      - The address for C(ansible_ssh_host) when the container's SSH port is published on all interfaces
        (C(0.0.0.0)). Only used with O(connection_type=ssh); O(engines[].default_ip) sets it per engine.
    type: str
    default: 127.0.0.1
  private_ssh_port:
    description:
      - The port the containers' SSH daemon listens on. Only used with O(connection_type=ssh).
    type: int
    default: 22
  add_legacy_groups:
    description:
      - 'Add the groups of the old C(docker) inventory script, as community.docker does: the container ID, the container
        name, the short ID, C(image_<image>), C(stack_<stack>), C(service_<service>), the engine''s docker_host,
        C(running) and C(stopped).'
    type: bool
    default: false
  running_only:
    description:
      - List only running containers (C(docker ps)); V(false) lists all of them (C(docker ps -a)), as community.docker
        does.
    type: bool
    default: false
  containers_filters:
    description:
      - Filters the engines apply to the container list, with the Engine API's own names (as C(docker ps --filter)).
      - 'For example C({"label": ["app=web"], "name": ["web"]}), C({"label": {"app": "web"}}) or C({"status": "paused"}).'
    type: dict
  filters:
    description:
      - Include and exclude conditions on each container, as community.docker's plugin has them. A list of
        dictionaries, each with one key, V(include) or V(exclude), whose value is a Jinja2 condition (or a boolean)
        over the host's variables and C(inventory_hostname).
      - The conditions are tried in order; the first one that is true includes (V(include)) or excludes (V(exclude))
        the container. A container no condition matches is included.
    type: list
    elements: dict
    default: []
  engine_prefix:
    description:
      - When host names start with the engine name and a dash.
      - V(auto) when O(engines) lists more than one engine; V(always); V(never) (the container name alone; a name used on
        two engines fails the inventory).
    type: str
    default: auto
    choices: [auto, always, never]
  unreachable_engines:
    description:
      - What an engine that cannot be listed (unreachable, TLS refused, ...) does.
      - V(warn) shows a warning naming the engine and the reason and lists the other engines' containers.
      - V(fail) fails the inventory with that message.
    type: str
    default: warn
    choices: [warn, fail]
"""

EXAMPLES = r"""
---
# containers.yml: the local daemon's running containers
plugin: dockerapi.engine.containers
running_only: true

---
# Three engines: a unix socket, TLS, and ssh://; hosts are <engine>-<container>
plugin: dockerapi.engine.containers
ca_path: /etc/pki/docker/ca.pem
client_cert: /etc/pki/docker/client/cert.pem
client_key: /etc/pki/docker/client/key.pem
engines:
  - name: local
    docker_host: unix:///var/run/docker.sock
  - name: eu1
    docker_host: tcp://eu1.example.com:2376
  - name: us1
    docker_host: ssh://deploy@us1.example.com
  - name: lab
    context: lab
containers_filters:
  label: [app]
running_only: true
keyed_groups:
  - key: docker_engine
    prefix: engine
  - key: docker_labels.app | default('none')
    prefix: app
  - key: docker_image_name
    prefix: image
groups:
  web: "'web' in docker_name"
compose:
  ansible_user: docker_labels['ansible.user'] | default('root')

---
# Only containers with a label 'foo', or whose host name starts with 'a' (community.docker's filters)
plugin: dockerapi.engine.containers
filters:
  - include: >-
      "foo" in docker_labels
  - include: >-
      inventory_hostname.startswith("a")
  - exclude: true

---
# Reach the containers over SSH (an SSH daemon in each container, port 22 published)
plugin: dockerapi.engine.containers
connection_type: ssh
engines:
  - name: eu1
    docker_host: tcp://eu1.example.com:2376
    default_ip: eu1.example.com
compose:
  ansible_ssh_port: ansible_ssh_port | default(22, true)

---
# Cache the engines' answers for an hour
plugin: dockerapi.engine.containers
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 3600
"""

import hashlib
import json
import os
import re
import typing as t
from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible import template as _template

from ansible_collections.dockerapi.engine.plugins.module_utils._client import EngineClient, quote_path
from ansible_collections.dockerapi.engine.plugins.module_utils._connection import DEFAULT_DOCKER_HOST, ConnectionSettings, resolve_settings
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import EngineError, NotFound

if hasattr(_template, 'trust_as_template'):
    # ansible-core 2.19+: data that is not marked trusted (like the daemons' answers) is never templated.
    def _untrusted(value: t.Any) -> t.Any:
        return value
else:
    from ansible.utils.unsafe_proxy import wrap_var as _untrusted  # pylint: disable=ungrouped-imports

CONNECTION_PLUGIN = 'dockerapi.engine.engine_api'
CLI_CONNECTION_PLUGIN = 'community.docker.docker'
DEFAULT_ENGINE = 'default'
MAX_PARALLEL = 16
CACHE_FORMAT = 1

ENGINE_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')

# Connection settings of one engine: option name -> (type, aliases). Top-level options of the same names are the
# defaults of every engines[] entry.
CONNECTION_OPTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    'docker_host': ('str', ('docker_url',)),
    'context': ('str', ()),
    'tls': ('bool', ()),
    'validate_certs': ('bool', ('tls_verify',)),
    'ca_path': ('path', ('ca_cert', 'tls_ca_cert', 'cacert_path')),
    'client_cert': ('path', ('tls_client_cert', 'cert_path')),
    'client_key': ('path', ('tls_client_key', 'key_path')),
    'client_key_passphrase': ('str', ()),
    'tls_hostname': ('str', ()),
    'api_version': ('str', ('docker_api_version',)),
    'timeout': ('int', ()),
    'allow_insecure_tcp': ('bool', ()),
    'use_ssh_client': ('bool', ()),
}
ENGINE_ONLY_OPTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    'name': ('str', ()),
    'default_ip': ('str', ()),
}
# Top-level options that only name one engine: refused together with engines (they cannot be inherited).
SINGLE_ENGINE_ONLY = ('docker_host', 'context')


class EngineConfig(t.NamedTuple):
    """One engine as configured: its name, its connection option values (None = not set) and its default_ip."""

    name: str
    options: dict[str, t.Any]  # the entry's own values, then the top-level defaults
    default_ip: str | None
    explicit: frozenset = frozenset()  # the options the entry itself sets (they win over a context's)


# ---- pure logic (unit-tested) ---------------------------------------------------------------------------------


def _convert(value: t.Any, kind: str, where: str) -> t.Any:
    if value is None:
        return None
    if kind == 'bool':
        try:
            return boolean(value, strict=True)
        except TypeError:
            raise AnsibleParserError('%s must be a boolean (true or false), got %r.' % (where, value))
    if kind == 'int':
        if isinstance(value, bool):
            raise AnsibleParserError('%s must be a whole number of seconds, got %r.' % (where, value))
        try:
            return int(str(value).strip())
        except ValueError:
            raise AnsibleParserError('%s must be a whole number of seconds, got %r.' % (where, value))
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise AnsibleParserError('%s must be a string, got %s.' % (where, type(value).__name__))
    text = str(value)
    return os.path.expanduser(text) if kind == 'path' else text


def parse_engine_entry(entry: t.Any, index: int, defaults: t.Mapping[str, t.Any]) -> EngineConfig:
    """One engines[] entry -> EngineConfig; unset connection options come from ``defaults`` (the top level)."""
    where = 'engines[%d]' % index
    if not isinstance(entry, dict):
        raise AnsibleParserError('%s must be a dictionary with at least a name, got %r.' % (where, entry))
    known = dict(CONNECTION_OPTIONS)
    known.update(ENGINE_ONLY_OPTIONS)
    canonical: dict[str, str] = {}
    for option, (dummy, aliases) in known.items():
        canonical[option] = option
        for alias in aliases:
            canonical[alias] = option
    values: dict[str, t.Any] = {}
    for key, value in entry.items():
        option = canonical.get(str(key))
        if option is None:
            raise AnsibleParserError('%s has an unknown key %r. Known keys: %s.' % (where, key, ', '.join(sorted(known))))
        if option in values and value is not None:
            raise AnsibleParserError('%s sets %s twice (through an alias); keep one.' % (where, option))
        values[option] = _convert(value, known[option][0], '%s.%s' % (where, key))
    name = values.get('name')
    if not name:
        raise AnsibleParserError('%s has no name. Give every engine a unique name such as "eu1".' % where)
    if not ENGINE_NAME_RE.match(name):
        raise AnsibleParserError(
            '%s.name %r may hold only letters, digits, "_", "." and "-" (and start with a letter or digit): it is used '
            'in host names.' % (where, name))
    if values.get('docker_host') and values.get('context'):
        raise AnsibleParserError(
            'engine %r sets both docker_host and context; keep one (the context holds its own endpoint).' % name)
    options = {}
    for option in CONNECTION_OPTIONS:
        value = values.get(option)
        if value is None and option not in SINGLE_ENGINE_ONLY:
            value = defaults.get(option)
        options[option] = value
    explicit = frozenset(option for option in CONNECTION_OPTIONS if values.get(option) is not None)
    return EngineConfig(name=name, options=options, default_ip=values.get('default_ip'), explicit=explicit)


def parse_engines(entries: t.Any, top: t.Mapping[str, t.Any]) -> list[EngineConfig]:
    """The engines option (or None: the single-engine form from the top-level options) -> EngineConfigs."""
    if entries is None:
        options = {option: top.get(option) for option in CONNECTION_OPTIONS}
        if options.get('docker_host') and options.get('context'):
            raise AnsibleParserError('docker_host and context are mutually exclusive; keep one.')
        explicit = frozenset(option for option, value in options.items() if value is not None)
        return [EngineConfig(name=DEFAULT_ENGINE, options=options, default_ip=None, explicit=explicit)]
    if not isinstance(entries, list) or not entries:
        raise AnsibleParserError('engines must be a non-empty list of dictionaries, each with a name and the connection '
                                 'settings of one engine; got %r.' % (entries,))
    clashing = [option for option in SINGLE_ENGINE_ONLY if top.get(option)]
    if clashing:
        raise AnsibleParserError(
            'The top-level %s names one engine and cannot be used together with engines: move it into the engines '
            'entries.' % ' and '.join(clashing))
    result = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        engine = parse_engine_entry(entry, index, top)
        if engine.name in seen:
            raise AnsibleParserError('engine name %r is used twice in engines; names must be unique.' % engine.name)
        seen.add(engine.name)
        result.append(engine)
    return result


def engine_params(engine: EngineConfig, environ: t.Mapping[str, str]) -> dict[str, t.Any]:
    """The options for resolve_settings. With a context: the entry's own options, then the context's endpoint and TLS
    material, then the top-level defaults."""
    params = {k: v for k, v in engine.options.items() if k != 'context'}
    context = engine.options.get('context')
    if not context:
        return params
    try:
        from ansible_collections.dockerapi.engine.plugins.module_utils._dockercontext import (  # pylint: disable=import-outside-toplevel
            context_connection_params,
        )
    except ImportError as exc:
        raise AnsibleParserError('engine %r: docker contexts are not available in this installation (%s).' % (engine.name, exc))
    merged = {k: v for k, v in params.items() if k in engine.explicit}
    for key, value in (context_connection_params(context, environ) or {}).items():
        if merged.get(key) is None and value is not None:
            merged[key] = value
    for key, value in params.items():
        if merged.get(key) is None:
            merged[key] = value
    if not merged.get('docker_host'):
        # The "default" context names no endpoint: DOCKER_HOST or the default socket, as the docker CLI does (never
        # the current context, which is another one).
        merged['docker_host'] = environ.get('DOCKER_HOST') or DEFAULT_DOCKER_HOST
    return merged


def uses_prefix(mode: str, engine_count: int) -> bool:
    return mode == 'always' or (mode == 'auto' and engine_count > 1)


def container_name(inspect: t.Mapping[str, t.Any]) -> str:
    name = str(inspect.get('Name') or '').lstrip('/')
    return name or str(inspect.get('Id') or '')[:13]


def host_name(engine: str, name: str, prefix: bool) -> str:
    return '%s-%s' % (engine, name) if prefix else name


def assign_host_names(items: t.Iterable[tuple[str, t.Mapping[str, t.Any]]], prefix: bool) -> list[tuple[str, str, t.Mapping[str, t.Any]]]:
    """(engine, inspect) pairs -> (host name, engine, inspect); two containers with one host name are an error."""
    owners: dict[str, tuple[str, str]] = {}
    result = []
    for engine, inspect in items:
        name = container_name(inspect)
        host = host_name(engine, name, prefix)
        if host in owners:
            other_engine, other_name = owners[host]
            fix = ('set engine_prefix: auto or always' if not prefix else
                   'rename one of the engines so that no engine name followed by "-" starts the other\'s container names')
            raise AnsibleParserError(
                'Two containers would both be the host %r: %r on engine %r and %r on engine %r. Host names must be unique: '
                '%s.' % (host, other_name, other_engine, name, engine, fix))
        owners[host] = (engine, name)
        result.append((host, engine, inspect))
    return result


def slugify(key: str) -> str:
    """An inspection key as community.docker names its variables: HostConfig -> docker_hostconfig."""
    return 'docker_%s' % re.sub(r'[^\w-]', '_', key).lower().lstrip('_')


def container_facts(engine: str, inspect: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The docker_* host variables of one container."""
    state = inspect.get('State') or {}
    config = inspect.get('Config') or {}
    labels = config.get('Labels') or {}
    container_id = str(inspect.get('Id') or '')
    networks = {}
    for net_name, net in sorted(((inspect.get('NetworkSettings') or {}).get('Networks') or {}).items()):
        net = net or {}
        networks[net_name] = {key: net.get(key) or '' for key in ('IPAddress', 'GlobalIPv6Address', 'MacAddress', 'Gateway')}
    first_ip = next((net['IPAddress'] for net in networks.values() if net['IPAddress']), '')
    facts = {
        'docker_name': container_name(inspect),
        'docker_id': container_id,
        'docker_short_id': container_id[:13],
        'docker_image': inspect.get('Image') or '',
        'docker_image_name': config.get('Image') or '',
        'docker_state': state,
        'docker_status': state.get('Status') or '',
        'docker_running': bool(state.get('Running')),
        'docker_labels': labels,
        'docker_networks': networks,
        'docker_ip': first_ip,
        'docker_engine': engine,
    }
    if labels.get('com.docker.stack.namespace'):
        facts['docker_stack'] = labels['com.docker.stack.namespace']
    if labels.get('com.docker.swarm.service.name'):
        facts['docker_service'] = labels['com.docker.swarm.service.name']
    return facts


def inspect_facts(inspect: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    return {slugify(str(key)): value for key, value in inspect.items()}


def api_connection_vars(settings: ConnectionSettings, options: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The engine's resolved settings as the variables dockerapi.engine.engine_api reads (never a passphrase)."""
    result: dict[str, t.Any] = {'ansible_docker_docker_host': settings.docker_host}
    if settings.scheme == 'tcp':
        result['ansible_docker_tls'] = settings.tls
        if settings.tls:
            result['ansible_docker_validate_certs'] = settings.validate_certs
        for var, value in (('ansible_docker_ca_path', settings.ca_path), ('ansible_docker_client_cert', settings.client_cert),
                           ('ansible_docker_client_key', settings.client_key),
                           ('ansible_docker_tls_hostname', settings.tls_hostname)):
            if value:
                result[var] = value
        if options.get('allow_insecure_tcp'):
            result['ansible_docker_allow_insecure_tcp'] = True
    if settings.api_version:
        result['ansible_docker_api_version'] = settings.api_version
    if options.get('timeout') is not None:
        result['ansible_docker_timeout'] = int(options['timeout'])
    return result


def cli_extra_args(settings: ConnectionSettings, engine: str) -> str:
    """The docker CLI flags that reach the engine (community.docker.docker splits them at spaces)."""
    args = ['-H', settings.docker_host]
    if settings.scheme == 'tcp' and settings.tls:
        args.append('--tlsverify' if settings.validate_certs else '--tls')
        for flag, value in (('--tlscacert', settings.ca_path), ('--tlscert', settings.client_cert),
                            ('--tlskey', settings.client_key)):
            if value:
                args += [flag, value]
    for value in args:
        if not value or ' ' in value:
            raise AnsibleParserError(
                'engine %r: the docker CLI connection (connection_type: docker-cli) passes %r in '
                'ansible_docker_extra_args, which it splits at spaces. Use paths without spaces, or connection_type: '
                'docker-api.' % (engine, value))
    return ' '.join(args)


def ssh_vars(inspect: t.Mapping[str, t.Any], private_port: int, default_ip: str) -> dict[str, t.Any]:
    """ansible_ssh_host/port from the host port that publishes the container's SSH port (empty and 0 when none)."""
    ports = (inspect.get('NetworkSettings') or {}).get('Ports') or {}
    bindings = ports.get('%d/tcp' % private_port) or []
    binding = bindings[0] if bindings else {}
    host_ip = binding.get('HostIp', '')
    if host_ip in ('0.0.0.0', '::'):
        host_ip = default_ip
    port = binding.get('HostPort') or 0
    try:
        port = int(port)
    except (TypeError, ValueError):
        port = 0
    return {'ansible_ssh_host': host_ip, 'ansible_ssh_port': port}


def legacy_groups(host_facts: t.Mapping[str, t.Any], docker_host: str) -> list[str]:
    groups = [host_facts['docker_id'], host_facts['docker_name'], host_facts['docker_short_id']]
    if host_facts.get('docker_image_name'):
        groups.append('image_%s' % host_facts['docker_image_name'])
    if host_facts.get('docker_stack'):
        groups.append('stack_%s' % host_facts['docker_stack'])
    if host_facts.get('docker_service'):
        groups.append('service_%s' % host_facts['docker_service'])
    groups.append(docker_host)
    groups.append('running' if host_facts.get('docker_running') else 'stopped')
    return groups


def evaluate_filters(filters: t.Sequence[t.Mapping[str, t.Any]], evaluate: t.Callable[[t.Any], bool]) -> bool:
    """community.docker's include/exclude rules: the first true condition decides; none true means include."""
    for rule in filters:
        for action in ('include', 'exclude'):
            if action in rule and evaluate(rule[action]):
                return action == 'include'
    return True


def check_filters(filters: t.Any) -> list[dict[str, t.Any]]:
    if filters is None:
        return []
    if not isinstance(filters, list):
        raise AnsibleParserError('filters must be a list of {include: condition} or {exclude: condition}, got %r.' % (filters,))
    for index, rule in enumerate(filters):
        where = 'filters[%d]' % index
        if not isinstance(rule, dict) or len(rule) != 1:
            raise AnsibleParserError('%s must be a dictionary with exactly one key, include or exclude; got %r.' % (where, rule))
        key, value = next(iter(rule.items()))
        if key not in ('include', 'exclude'):
            raise AnsibleParserError('%s has the key %r; use include or exclude.' % (where, key))
        if not isinstance(value, (str, bool)):
            raise AnsibleParserError('%s.%s must be a Jinja2 condition (a string) or a boolean, got %r.' % (where, key, value))
    return filters


def fingerprint(engines: t.Sequence[EngineConfig], running_only: bool, containers_filters: t.Any) -> str:
    """What the cached answer depends on (never the passphrases)."""
    data = {
        'engines': [[e.name, {k: v for k, v in e.options.items() if k != 'client_key_passphrase'}] for e in engines],
        'running_only': running_only,
        'filters': containers_filters,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode('utf-8')).hexdigest()


def list_containers(settings: ConnectionSettings, running_only: bool, containers_filters: t.Any) -> list[dict[str, t.Any]]:
    """One engine's containers, each as its inspection; one connection for all requests."""
    client = EngineClient(settings)
    try:
        client.negotiate()
        params: dict[str, t.Any] = {'all': not running_only}
        if containers_filters:
            params['filters'] = containers_filters
        listed = client.get_json('/containers/json', params) or []
        result = []
        for item in listed:
            try:
                result.append(client.get_json('/containers/%s/json' % quote_path(item['Id'])))
            except NotFound:
                continue  # removed while we listed
        return result
    finally:
        client.close()


def _fetch_one(engine: str, settings: ConnectionSettings, running_only: bool,
               containers_filters: t.Any) -> tuple[str, list[dict[str, t.Any]] | None, str | None]:
    try:
        return engine, list_containers(settings, running_only, containers_filters), None
    except EngineError as exc:
        return engine, None, exc.msg
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # Anything else (a bug, an unexpected answer) is still this engine's failure, reported with its name.
        return engine, None, '%s: %s' % (type(exc).__name__, to_native(exc))


def fetch_engines(targets: t.Sequence[tuple[str, ConnectionSettings]], running_only: bool,
                  containers_filters: t.Any) -> dict[str, dict[str, t.Any]]:
    """Ask every engine at once: name -> {'containers': [...]} or {'error': message}."""
    results: dict[str, dict[str, t.Any]] = {}
    if not targets:
        return results
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(targets))) as pool:
        futures = [pool.submit(_fetch_one, name, settings, running_only, containers_filters) for name, settings in targets]
        for future in futures:
            name, containers, error = future.result()
            results[name] = {'error': error} if error is not None else {'containers': containers}
    return results


# ---- the plugin ---------------------------------------------------------------------------------------------


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Containers of one or many Docker engines, through the Engine API."""

    NAME = 'dockerapi.engine.containers'

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith(('docker.yml', 'docker.yaml', 'containers.yml', 'containers.yaml'))

    def _check_unknown_keys(self, config: t.Mapping[str, t.Any]) -> None:
        from ansible import constants as C  # pylint: disable=import-outside-toplevel
        try:
            definitions = C.config.get_configuration_definitions('inventory', getattr(self, '_load_name', None) or self.NAME) or {}
        except Exception:  # pylint: disable=broad-exception-caught
            return  # unknown to the config manager: nothing to compare with
        known = set(definitions)
        for definition in definitions.values():
            known.update(definition.get('aliases') or ())
        unknown = sorted(str(key) for key in config if key not in known)
        if definitions and unknown:
            raise AnsibleParserError('Unknown option%s %s in the inventory file. Known options: %s.'
                                     % ('s' if len(unknown) > 1 else '', ', '.join(unknown), ', '.join(sorted(definitions))))

    def _resolve(self, engine: EngineConfig) -> ConnectionSettings:
        try:
            return resolve_settings(engine_params(engine, os.environ), os.environ)
        except EngineError as exc:
            raise AnsibleParserError('engine %r: %s' % (engine.name, exc.msg))

    def parse(self, inventory: t.Any, loader: t.Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        self._check_unknown_keys(config)

        top = {option: self.get_option(option) for option in CONNECTION_OPTIONS}
        engines = parse_engines(self.get_option('engines'), top)
        filters = check_filters(self.get_option('filters'))
        running_only = bool(self.get_option('running_only'))
        containers_filters = self.get_option('containers_filters')
        try:
            from ansible_collections.dockerapi.engine.plugins.module_utils._filters import normalize_filters  # pylint: disable=import-outside-toplevel
            normalize_filters(containers_filters)
        except EngineError as exc:
            raise AnsibleParserError('containers_filters: %s' % exc.msg)

        # Settings are resolved before any engine is asked: a setting that cannot work fails the inventory.
        settings = {engine.name: self._resolve(engine) for engine in engines}

        cache_key = self.get_cache_key(path)
        use_cache = bool(self.get_option('cache'))
        stamp = fingerprint(engines, running_only, containers_filters)
        data = None
        if use_cache and cache:
            try:
                cached = self._cache[cache_key]
            except KeyError:
                cached = None
            if isinstance(cached, dict) and cached.get('format') == CACHE_FORMAT and cached.get('fingerprint') == stamp:
                data = cached.get('engines')
                self.display.vvv('dockerapi.engine.containers: using the cached answer of %s' % ', '.join(sorted(data or {})))
        if data is None:
            data = fetch_engines([(e.name, settings[e.name]) for e in engines], running_only, containers_filters)
            if use_cache and not any('error' in entry for entry in data.values()):
                self._cache[cache_key] = {'format': CACHE_FORMAT, 'fingerprint': stamp, 'engines': data}

        for engine in engines:
            entry = data.get(engine.name)
            if isinstance(entry, dict) and 'error' not in entry:
                continue
            reason = str(entry.get('error') if isinstance(entry, dict) else 'no answer').rstrip('. ')
            text = 'engine %r could not be listed: %s.' % (engine.name, reason)
            if self.get_option('unreachable_engines') == 'fail':
                raise AnsibleError('%s The inventory fails because unreachable_engines is fail (warn lists the other engines '
                                   'anyway).' % text)
            self.display.warning('%s Its containers are missing from the inventory.' % text)

        self._populate(engines, settings, data, filters)

    def _connection_vars(self, engine: EngineConfig, settings: ConnectionSettings | None,
                         inspect: t.Mapping[str, t.Any], facts: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        connection_type = self.get_option('connection_type')
        configure = self.get_option('configure_docker_daemon')
        if connection_type == 'ssh':
            default_ip = engine.default_ip or self.get_option('default_ip')
            return ssh_vars(inspect, int(self.get_option('private_ssh_port')), default_ip)
        if connection_type == 'docker-cli':
            result: dict[str, t.Any] = {'ansible_connection': CLI_CONNECTION_PLUGIN, 'ansible_host': facts['docker_name']}
            if configure and settings is not None:
                result['ansible_docker_extra_args'] = cli_extra_args(settings, engine.name)
            return result
        result = {'ansible_connection': CONNECTION_PLUGIN, 'ansible_host': facts['docker_id']}
        if configure and settings is not None:
            result.update(api_connection_vars(settings, engine.options))
        return result

    def _filter_evaluator(self, host: str, variables: t.Mapping[str, t.Any]) -> t.Callable[[t.Any], bool]:
        def evaluate(condition: t.Any) -> bool:
            if isinstance(condition, bool):
                return condition
            scope = dict(variables)
            scope['inventory_hostname'] = host
            try:
                return boolean(self._compose(condition, scope), strict=False)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                raise AnsibleParserError('Could not evaluate the filter condition %r for host %s: %s' % (condition, host, to_native(exc)))
        return evaluate

    def _populate(self, engines: t.Sequence[EngineConfig], settings: t.Mapping[str, ConnectionSettings],
                  data: t.Mapping[str, t.Any], filters: t.Sequence[t.Mapping[str, t.Any]]) -> None:
        strict = self.get_option('strict')
        verbose = self.get_option('verbose_output')
        add_legacy = self.get_option('add_legacy_groups')
        prefix = uses_prefix(self.get_option('engine_prefix'), len(engines))
        by_name = {engine.name: engine for engine in engines}

        items = []
        for engine in engines:
            for inspect in (data.get(engine.name) or {}).get('containers') or []:
                if isinstance(inspect, dict) and inspect.get('Id'):
                    items.append((engine.name, inspect))
        if add_legacy:
            self.inventory.add_group('running')
            self.inventory.add_group('stopped')

        for host, engine_name, inspect in assign_host_names(items, prefix):
            engine = by_name[engine_name]
            engine_settings = settings.get(engine_name)
            facts = container_facts(engine_name, inspect)
            facts.update(self._connection_vars(engine, engine_settings, inspect, facts))
            full = inspect_facts(inspect)
            full.update(facts)
            # Container data comes from the daemons: never template it (a label holding "{{ ... }}" stays text).
            facts = _untrusted(facts)
            full = _untrusted(full)
            if filters and not evaluate_filters(filters, self._filter_evaluator(host, full)):
                continue
            host_vars = full if verbose else facts
            self.inventory.add_host(host)
            for key, value in host_vars.items():
                self.inventory.set_variable(host, key, value)
            self._set_composite_vars(self.get_option('compose'), full, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), full, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), full, host, strict=strict)
            if add_legacy:
                # Last, as community.docker does: a group named like the host must not take the host's variables.
                docker_host = engine_settings.docker_host if engine_settings is not None else engine_name
                for group in legacy_groups(facts, docker_host):
                    self.inventory.add_group(group)
                    self.inventory.add_host(host, group=group)
