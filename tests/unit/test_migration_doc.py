"""The migration guide cannot rot: its option tables are checked against the modules' argument specs.

``docs/migrating-from-community-docker.md`` holds one table per module (between
``<!-- option-table: NAME -->`` and ``<!-- end option-table -->``) with a row per option of the
community.docker counterpart and a row per option only we have. Each row says ``same``, ``alias``,
``different``, ``not yet`` or ``ours only``; this test checks every claim against our
``ARGUMENT_SPEC`` and against community.docker 5.x's documented facts, kept below as literal data
(name: type, default, choices, aliases; suboptions as ``parent.sub``).
"""

from __future__ import annotations

import importlib
import os
import re
import typing as t

import pytest
import yaml

from ansible_collections.dockerapi.engine.plugins.module_utils._connection import CONNECTION_ARGSPEC

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUIDE = os.path.join(ROOT, 'docs', 'migrating-from-community-docker.md')
STATUSES = ('same', 'alias', 'different', 'not yet', 'ours only')
# Connection options whose default we resolve at run time (environment variable, then this value),
# exactly as community.docker documents its default.
RUNTIME_DEFAULTS = {'docker_host': 'unix:///var/run/docker.sock', 'timeout': 60, 'api_version': 'auto'}

Fact = t.Tuple[str, t.Any, t.Optional[t.List[t.Any]], t.List[str]]

# community.docker 5.x (5.3.0-dev, commit ac6ecb05): docker_container's connection options, and each
# counterpart's own options (connection options left out), as (type, default, choices, aliases).
THEIRS: dict[str, dict[str, Fact]] = {
    'connection': {
        'api_version': ('str', 'auto', None, ['docker_api_version']),
        'ca_path': ('path', None, None, ['ca_cert', 'tls_ca_cert', 'cacert_path']),
        'client_cert': ('path', None, None, ['tls_client_cert', 'cert_path']),
        'client_key': ('path', None, None, ['tls_client_key', 'key_path']),
        'debug': ('bool', False, None, []),
        'docker_host': ('str', 'unix:///var/run/docker.sock', None, ['docker_url']),
        'timeout': ('int', 60, None, []),
        'tls': ('bool', False, None, []),
        'tls_hostname': ('str', None, None, []),
        'use_ssh_client': ('bool', False, None, []),
        'validate_certs': ('bool', False, None, ['tls_verify']),
    },
    'container': {
        'auto_remove': ('bool', None, None, []),
        'blkio_weight': ('int', None, None, []),
        'cap_drop': ('list', None, None, []),
        'capabilities': ('list', None, None, []),
        'cgroup_parent': ('str', None, None, []),
        'cgroupns_mode': ('str', None, ['host', 'private'], []),
        'cleanup': ('bool', False, None, []),
        'command': ('raw', None, None, []),
        'command_handling': ('str', 'correct', ['compatibility', 'correct'], []),
        'comparisons': ('dict', None, None, []),
        'container_default_behavior': ('str', 'no_defaults', ['compatibility', 'no_defaults'], []),
        'cpu_period': ('int', None, None, []),
        'cpu_quota': ('int', None, None, []),
        'cpu_shares': ('int', None, None, []),
        'cpus': ('float', None, None, []),
        'cpuset_cpus': ('str', None, None, []),
        'cpuset_mems': ('str', None, None, []),
        'default_host_ip': ('str', None, None, []),
        'detach': ('bool', None, None, []),
        'device_cgroup_rules': ('list', None, None, []),
        'device_read_bps': ('list', None, None, []),
        'device_read_bps.path': ('str', None, None, []),
        'device_read_bps.rate': ('str', None, None, []),
        'device_read_iops': ('list', None, None, []),
        'device_read_iops.path': ('str', None, None, []),
        'device_read_iops.rate': ('int', None, None, []),
        'device_requests': ('list', None, None, []),
        'device_requests.capabilities': ('list', None, None, []),
        'device_requests.count': ('int', None, None, []),
        'device_requests.device_ids': ('list', None, None, []),
        'device_requests.driver': ('str', None, None, []),
        'device_requests.options': ('dict', None, None, []),
        'device_write_bps': ('list', None, None, []),
        'device_write_bps.path': ('str', None, None, []),
        'device_write_bps.rate': ('str', None, None, []),
        'device_write_iops': ('list', None, None, []),
        'device_write_iops.path': ('str', None, None, []),
        'device_write_iops.rate': ('int', None, None, []),
        'devices': ('list', None, None, []),
        'dns_opts': ('list', None, None, []),
        'dns_search_domains': ('list', None, None, []),
        'dns_servers': ('list', None, None, []),
        'domainname': ('str', None, None, []),
        'entrypoint': ('list', None, None, []),
        'env': ('dict', None, None, []),
        'env_file': ('path', None, None, []),
        'etc_hosts': ('dict', None, None, []),
        'exposed_ports': ('list', None, None, ['exposed', 'expose']),
        'force_kill': ('bool', False, None, ['forcekill']),
        'groups': ('list', None, None, []),
        'healthcheck': ('dict', None, None, []),
        'healthcheck.interval': ('str', None, None, []),
        'healthcheck.retries': ('int', None, None, []),
        'healthcheck.start_interval': ('str', None, None, []),
        'healthcheck.start_period': ('str', None, None, []),
        'healthcheck.test': ('raw', None, None, []),
        'healthcheck.test_cli_compatible': ('bool', False, None, []),
        'healthcheck.timeout': ('str', None, None, []),
        'healthy_wait_timeout': ('float', 300, None, []),
        'hostname': ('str', None, None, []),
        'image': ('str', None, None, []),
        'image_comparison': ('str', 'desired-image', ['desired-image', 'current-image'], []),
        'image_label_mismatch': ('str', 'ignore', ['ignore', 'fail'], []),
        'image_name_mismatch': ('str', 'recreate', ['recreate', 'ignore'], []),
        'init': ('bool', None, None, []),
        'interactive': ('bool', None, None, []),
        'ipc_mode': ('str', None, None, []),
        'keep_volumes': ('bool', True, None, []),
        'kernel_memory': ('str', None, None, []),
        'kill_signal': ('str', None, None, []),
        'labels': ('dict', None, None, []),
        'links': ('list', None, None, []),
        'log_driver': ('str', None, None, []),
        'log_options': ('dict', None, None, ['log_opt']),
        'mac_address': ('str', None, None, []),
        'memory': ('str', None, None, []),
        'memory_reservation': ('str', None, None, []),
        'memory_swap': ('str', None, None, []),
        'memory_swappiness': ('int', None, None, []),
        'mounts': ('list', None, None, []),
        'mounts.consistency': ('str', None, ['cached', 'consistent', 'default', 'delegated'], []),
        'mounts.create_mountpoint': ('bool', None, None, []),
        'mounts.labels': ('dict', None, None, []),
        'mounts.no_copy': ('bool', None, None, []),
        'mounts.non_recursive': ('bool', None, None, []),
        'mounts.propagation': ('str', None, ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'], []),
        'mounts.read_only': ('bool', None, None, []),
        'mounts.read_only_force_recursive': ('bool', None, None, []),
        'mounts.read_only_non_recursive': ('bool', None, None, []),
        'mounts.source': ('str', None, None, []),
        'mounts.subpath': ('str', None, None, []),
        'mounts.target': ('str', None, None, []),
        'mounts.tmpfs_mode': ('str', None, None, []),
        'mounts.tmpfs_options': ('list', None, None, []),
        'mounts.tmpfs_size': ('str', None, None, []),
        'mounts.type': ('str', 'volume', ['bind', 'npipe', 'tmpfs', 'volume', 'cluster', 'image'], []),
        'mounts.volume_driver': ('str', None, None, []),
        'mounts.volume_options': ('dict', None, None, []),
        'name': ('str', None, None, []),
        'network_mode': ('str', None, None, []),
        'networks': ('list', None, None, []),
        'networks.aliases': ('list', None, None, []),
        'networks.driver_opts': ('dict', None, None, []),
        'networks.gw_priority': ('int', None, None, []),
        'networks.ipv4_address': ('str', None, None, []),
        'networks.ipv6_address': ('str', None, None, []),
        'networks.links': ('list', None, None, []),
        'networks.mac_address': ('str', None, None, []),
        'networks.name': ('str', None, None, []),
        'networks_cli_compatible': ('bool', True, None, []),
        'oom_killer': ('bool', None, None, []),
        'oom_score_adj': ('int', None, None, []),
        'output_logs': ('bool', False, None, []),
        'paused': ('bool', None, None, []),
        'pid_mode': ('str', None, None, []),
        'pids_limit': ('int', None, None, []),
        'platform': ('str', None, None, []),
        'privileged': ('bool', None, None, []),
        'publish_all_ports': ('bool', None, None, []),
        'published_ports': ('list', None, None, ['ports']),
        'pull': ('raw', 'missing', ['never', 'missing', 'always', True, False], []),
        'pull_check_mode_behavior': ('str', 'image_not_present', ['image_not_present', 'always'], []),
        'read_only': ('bool', None, None, []),
        'recreate': ('bool', False, None, []),
        'removal_wait_timeout': ('float', None, None, []),
        'restart': ('bool', False, None, []),
        'restart_policy': ('str', None, ['no', 'on-failure', 'always', 'unless-stopped'], []),
        'restart_retries': ('int', None, None, []),
        'runtime': ('str', None, None, []),
        'security_opts': ('list', None, None, []),
        'shm_size': ('str', None, None, []),
        'state': ('str', 'started', ['absent', 'present', 'healthy', 'stopped', 'started'], []),
        'stop_signal': ('str', None, None, []),
        'stop_timeout': ('int', None, None, []),
        'storage_opts': ('dict', None, None, []),
        'sysctls': ('dict', None, None, []),
        'tmpfs': ('list', None, None, []),
        'tty': ('bool', None, None, []),
        'ulimits': ('list', None, None, []),
        'user': ('str', None, None, []),
        'userns_mode': ('str', None, None, []),
        'uts': ('str', None, None, []),
        'volume_driver': ('str', None, None, []),
        'volumes': ('list', None, None, []),
        'volumes_from': ('list', None, None, []),
        'working_dir': ('str', None, None, []),
    },
    'container_copy_into': {
        'container': ('str', None, None, []),
        'container_path': ('str', None, None, []),
        'content': ('str', None, None, []),
        'content_is_b64': ('bool', False, None, []),
        'follow': ('bool', False, None, []),
        'force': ('bool', None, None, []),
        'group_id': ('int', None, None, []),
        'local_follow': ('bool', True, None, []),
        'mode': ('raw', None, None, []),
        'mode_parse': ('str', 'legacy', ['legacy', 'modern', 'octal_string_only'], []),
        'owner_id': ('int', None, None, []),
        'path': ('path', None, None, []),
    },
    'container_exec': {
        'argv': ('list', None, None, []),
        'chdir': ('str', None, None, []),
        'command': ('str', None, None, []),
        'container': ('str', None, None, []),
        'detach': ('bool', False, None, []),
        'env': ('dict', None, None, []),
        'stdin': ('str', None, None, []),
        'stdin_add_newline': ('bool', True, None, []),
        'strip_empty_ends': ('bool', True, None, []),
        'tty': ('bool', False, None, []),
        'user': ('str', None, None, []),
    },
    'container_info': {
        'name': ('str', None, None, []),
    },
    'host_info': {
        'containers': ('bool', False, None, []),
        'containers_all': ('bool', False, None, []),
        'containers_filters': ('dict', None, None, []),
        'disk_usage': ('bool', False, None, []),
        'images': ('bool', False, None, []),
        'images_filters': ('dict', None, None, []),
        'networks': ('bool', False, None, []),
        'networks_filters': ('dict', None, None, []),
        'verbose_output': ('bool', False, None, []),
        'volumes': ('bool', False, None, []),
        'volumes_filters': ('dict', None, None, []),
    },
    'image': {
        'archive_path': ('path', None, None, []),
        'build': ('dict', None, None, []),
        'build.args': ('dict', None, None, []),
        'build.cache_from': ('list', None, None, []),
        'build.container_limits': ('dict', None, None, []),
        'build.container_limits.cpusetcpus': ('str', None, None, []),
        'build.container_limits.cpushares': ('int', None, None, []),
        'build.container_limits.memory': ('str', None, None, []),
        'build.container_limits.memswap': ('str', None, None, []),
        'build.dockerfile': ('str', None, None, []),
        'build.etc_hosts': ('dict', None, None, []),
        'build.http_timeout': ('int', None, None, []),
        'build.labels': ('dict', None, None, []),
        'build.network': ('str', None, None, []),
        'build.nocache': ('bool', False, None, []),
        'build.path': ('path', None, None, []),
        'build.platform': ('str', None, None, []),
        'build.pull': ('bool', False, None, []),
        'build.rm': ('bool', True, None, []),
        'build.shm_size': ('str', None, None, []),
        'build.target': ('str', None, None, []),
        'build.use_config_proxy': ('bool', None, None, []),
        'force_absent': ('bool', False, None, []),
        'force_source': ('bool', False, None, []),
        'force_tag': ('bool', False, None, []),
        'load_path': ('path', None, None, []),
        'name': ('str', None, None, []),
        'pull': ('dict', None, None, []),
        'pull.platform': ('str', None, None, []),
        'push': ('bool', False, None, []),
        'repository': ('str', None, None, []),
        'source': ('str', None, ['build', 'load', 'pull', 'local'], []),
        'state': ('str', 'present', ['absent', 'present'], []),
        'tag': ('str', 'latest', None, []),
    },
    'image_build': {
        'args': ('dict', None, None, []),
        'cache_from': ('list', None, None, []),
        'cli_context': ('str', None, None, []),
        'docker_cli': ('path', None, None, []),
        'dockerfile': ('str', None, None, []),
        'etc_hosts': ('dict', None, None, []),
        'labels': ('dict', None, None, []),
        'name': ('str', None, None, []),
        'network': ('str', None, None, []),
        'nocache': ('bool', False, None, []),
        'outputs': ('list', None, None, []),
        'outputs.context': ('str', None, None, []),
        'outputs.dest': ('path', None, None, []),
        'outputs.name': ('list', None, None, []),
        'outputs.push': ('bool', False, None, []),
        'outputs.type': ('str', None, ['docker', 'image', 'local', 'oci', 'tar'], []),
        'path': ('path', None, None, []),
        'platform': ('list', None, None, []),
        'pull': ('bool', False, None, []),
        'rebuild': ('str', 'never', ['never', 'always'], []),
        'secrets': ('list', None, None, []),
        'secrets.env': ('str', None, None, []),
        'secrets.id': ('str', None, None, []),
        'secrets.src': ('path', None, None, []),
        'secrets.type': ('str', None, ['env', 'file', 'value'], []),
        'secrets.value': ('str', None, None, []),
        'shm_size': ('str', None, None, []),
        'tag': ('str', 'latest', None, []),
        'target': ('str', None, None, []),
    },
    'image_export': {
        'force': ('bool', False, None, []),
        'names': ('list', None, None, ['name']),
        'path': ('path', None, None, []),
        'platform': ('str', None, None, []),
        'tag': ('str', 'latest', None, []),
    },
    'image_info': {
        'name': ('list', None, None, []),
    },
    'image_load': {
        'path': ('path', None, None, []),
    },
    'image_pull': {
        'name': ('str', None, None, []),
        'platform': ('str', None, None, []),
        'pull': ('str', 'always', ['always', 'not_present'], []),
        'tag': ('str', 'latest', None, []),
    },
    'image_push': {
        'name': ('str', None, None, []),
        'tag': ('str', 'latest', None, []),
    },
    'image_remove': {
        'force': ('bool', False, None, []),
        'name': ('str', None, None, []),
        'prune': ('bool', True, None, []),
        'tag': ('str', 'latest', None, []),
    },
    'image_tag': {
        'existing_images': ('str', 'overwrite', ['keep', 'overwrite'], []),
        'name': ('str', None, None, []),
        'repository': ('list', None, None, []),
        'tag': ('str', 'latest', None, []),
    },
    'login': {
        'config_path': ('path', '~/.docker/config.json', None, ['dockercfg_path']),
        'password': ('str', None, None, []),
        'reauthorize': ('bool', False, None, ['reauth']),
        'registry_url': ('str', 'https://index.docker.io/v1/', None, ['registry', 'url']),
        'state': ('str', 'present', ['present', 'absent'], []),
        'username': ('str', None, None, []),
    },
    'network': {
        'appends': ('bool', False, None, ['incremental']),
        'attachable': ('bool', None, None, []),
        'config_from': ('str', None, None, []),
        'config_only': ('bool', None, None, []),
        'connected': ('list', [], None, ['containers']),
        'driver': ('str', 'bridge', None, []),
        'driver_options': ('dict', {}, None, []),
        'enable_ipv4': ('bool', None, None, []),
        'enable_ipv6': ('bool', None, None, []),
        'force': ('bool', False, None, []),
        'ingress': ('bool', None, None, []),
        'internal': ('bool', None, None, []),
        'ipam_config': ('list', None, None, []),
        'ipam_config.aux_addresses': ('dict', None, None, []),
        'ipam_config.gateway': ('str', None, None, []),
        'ipam_config.iprange': ('str', None, None, []),
        'ipam_config.subnet': ('str', None, None, []),
        'ipam_driver': ('str', None, None, []),
        'ipam_driver_options': ('dict', None, None, []),
        'labels': ('dict', {}, None, []),
        'name': ('str', None, None, ['network_name']),
        'scope': ('str', None, ['local', 'global', 'swarm'], []),
        'state': ('str', 'present', ['absent', 'present'], []),
    },
    'network_info': {
        'name': ('str', None, None, []),
    },
    'prune': {
        'builder_cache': ('bool', False, None, []),
        'builder_cache_all': ('bool', False, None, []),
        'builder_cache_filters': ('dict', None, None, []),
        'builder_cache_keep_storage': ('str', None, None, []),
        'containers': ('bool', False, None, []),
        'containers_filters': ('dict', None, None, []),
        'images': ('bool', False, None, []),
        'images_filters': ('dict', None, None, []),
        'networks': ('bool', False, None, []),
        'networks_filters': ('dict', None, None, []),
        'volumes': ('bool', False, None, []),
        'volumes_filters': ('dict', None, None, []),
    },
    'volume': {
        'driver': ('str', 'local', None, []),
        'driver_options': ('dict', {}, None, []),
        'labels': ('dict', None, None, []),
        'recreate': ('str', 'never', ['always', 'never', 'options-changed'], []),
        'state': ('str', 'present', ['absent', 'present'], []),
        'volume_name': ('str', None, None, ['name']),
    },
    'volume_info': {
        'name': ('str', None, None, ['volume_name']),
    },
}

# The return keys each counterpart documents.
THEIR_RETURNS: dict[str, list[str]] = {
    'container': ['container', 'status'],
    'container_copy_into': ['container_path'],
    'container_exec': ['exec_id', 'rc', 'stderr', 'stdout'],
    'container_info': ['container', 'exists'],
    'host_info': ['can_talk_to_docker', 'containers', 'disk_usage', 'host_info', 'images', 'networks', 'volumes'],
    'image': ['image', 'stdout'],
    'image_build': ['command', 'image'],
    'image_export': ['images'],
    'image_info': ['images'],
    'image_load': ['image_names', 'images'],
    'image_pull': ['image'],
    'image_push': ['image'],
    'image_remove': ['deleted', 'image', 'untagged'],
    'image_tag': ['image', 'tagged_images'],
    'login': ['login_result'],
    'network': ['network'],
    'network_info': ['exists', 'network'],
    'prune': ['builder_cache_caches_deleted', 'builder_cache_space_reclaimed', 'containers', 'containers_space_reclaimed', 'images',
              'images_space_reclaimed', 'networks', 'volumes', 'volumes_space_reclaimed'],
    'volume': ['volume'],
    'volume_info': ['exists', 'volume'],
}

# Return keys of a counterpart that we do not return; the return table says so, with the reason, next to the key.
NOT_RETURNED: dict[str, list[str]] = {
    'image_build': ['command'],  # the buildx command line docker_image_build ran: no docker CLI is run here
}


class Row(t.NamedTuple):
    option: str
    status: str
    ours: str | None
    notes: str


def _guide() -> str:
    with open(GUIDE, encoding='utf-8') as handle:
        return handle.read()


def _code(cell: str) -> str | None:
    cell = cell.strip()
    if cell in ('—', '-', ''):
        return None
    match = re.fullmatch(r'`([^`]+)`', cell)
    if not match:
        raise AssertionError('expected an option name in backticks, got %r' % cell)
    return match.group(1)


def tables() -> dict[str, list[Row]]:
    found: dict[str, list[Row]] = {}
    for name, body in re.findall(r'<!-- option-table: (\w+) -->\n(.*?)\n<!-- end option-table -->', _guide(), re.S):
        lines = [line for line in body.splitlines() if line.strip()]
        assert lines[0].replace(' ', '') == '|Option|Status|Ours|Notes|', 'table %s: unexpected header %r' % (name, lines[0])
        rows = []
        for line in lines[2:]:
            cells = [c.strip() for c in line.strip().strip('|').split(' | ')]
            assert len(cells) == 4, 'table %s: a row needs 4 cells: %r' % (name, line)
            option = _code(cells[0])
            assert option, 'table %s: row without option: %r' % (name, line)
            rows.append(Row(option, cells[1], _code(cells[2]), cells[3]))
        assert name not in found, 'two tables for %s' % name
        found[name] = rows
    return found


def flatten(spec: t.Mapping[str, t.Any], prefix: str = '') -> dict[str, dict[str, t.Any]]:
    out: dict[str, dict[str, t.Any]] = {}
    for name, option in spec.items():
        out[prefix + name] = option
        if option.get('options'):
            out.update(flatten(option['options'], prefix + name + '.'))
    return out


def module_of(module: str) -> t.Any:
    return importlib.import_module('ansible_collections.dockerapi.engine.plugins.modules.' + module)


def ours_of(module: str) -> dict[str, dict[str, t.Any]]:
    if module == 'connection':
        return flatten(CONNECTION_ARGSPEC)
    return flatten(module_of(module).ARGUMENT_SPEC)


def lookup(ours: t.Mapping[str, dict[str, t.Any]], name: str) -> str | None:
    """Our option that answers to ``name`` (its own name or an alias, at the same nesting level)."""
    if name in ours:
        return name
    parent, leaf = name.rpartition('.')[::2]
    for key, option in ours.items():
        if key.rpartition('.')[0] == parent and leaf in (option.get('aliases') or []):
            return key
    return None


def _empty(value: t.Any) -> t.Any:
    return None if value in ([], {}) else value


def problems_of(module: str, name: str, fact: Fact, spec: t.Mapping[str, t.Any]) -> list[str]:
    kind, default, choices, aliases = fact
    problems = []
    if spec.get('type', 'str') != kind:
        problems.append('type %s, theirs %s' % (spec.get('type', 'str'), kind))
    if sorted(map(str, spec.get('choices') or [])) != sorted(map(str, choices or [])):
        problems.append('choices %s, theirs %s' % (spec.get('choices'), choices))
    mine = spec.get('default')
    if mine is None and module == 'connection':
        mine = RUNTIME_DEFAULTS.get(name)
    if _empty(mine) != _empty(default):
        problems.append('default %r, theirs %r' % (spec.get('default'), default))
    missing = sorted(set(aliases) - set(spec.get('aliases') or []))
    if missing:
        problems.append('aliases %s missing' % missing)
    return problems


MODULES = sorted(THEIRS)


def test_one_table_per_module() -> None:
    assert sorted(tables()) == MODULES


@pytest.mark.parametrize('module', MODULES)
def test_every_option_of_theirs_has_one_row(module: str) -> None:
    rows = tables()[module]
    names = [r.option for r in rows if r.status != 'ours only']
    assert sorted(names) == sorted(THEIRS[module]), 'rows of %s differ from community.docker\'s options: missing %s, unknown %s' % (
        module, sorted(set(THEIRS[module]) - set(names)), sorted(set(names) - set(THEIRS[module])))
    assert len(names) == len(set(names)), 'an option of %s has two rows' % module
    assert all(r.status in STATUSES for r in rows), [r for r in rows if r.status not in STATUSES]


@pytest.mark.parametrize('module', MODULES)
def test_every_option_of_ours_is_in_the_table(module: str) -> None:
    rows = tables()[module]
    named = {r.option for r in rows} | {r.ours for r in rows if r.ours}
    missing = sorted(set(ours_of(module)) - named)
    assert not missing, '%s options missing from the guide\'s table: %s' % (module, missing)


@pytest.mark.parametrize('module', MODULES)
def test_every_row_is_true(module: str) -> None:
    ours = ours_of(module)
    wrong = []
    for row in tables()[module]:
        found = lookup(ours, row.option)
        fact = THEIRS[module].get(row.option)
        if row.status == 'ours only':
            if fact is not None or row.ours != row.option or row.option not in ours or not row.notes:
                wrong.append('%s: "ours only" needs an option of ours that community.docker lacks, and a note' % row.option)
            continue
        if fact is None:
            continue  # reported by test_every_option_of_theirs_has_one_row
        if row.status == 'not yet':
            if found is not None or row.ours is not None:
                wrong.append('%s is marked "not yet" but %s accepts it (as %s): update the row' % (row.option, module, found))
            continue
        if found is None or found != row.ours:
            wrong.append('%s is marked %r as %s, but our option for that name is %s' % (row.option, row.status, row.ours, found))
            continue
        spec = ours[found]
        problems = problems_of(module, row.option, fact, spec)
        extra = sorted(set(spec.get('aliases') or []) - set(fact[3]) - {row.option})
        unnamed = [a for a in extra if '`%s`' % a not in row.notes]
        if row.status == 'same':
            if found != row.option or problems:
                wrong.append('%s is marked "same" but: %s' % (row.option, problems or ['our name is %s' % found]))
            if unnamed:
                wrong.append('%s: our extra aliases %s are not named in its notes' % (row.option, unnamed))
        elif row.status == 'alias':
            if found == row.option or spec.get('type', 'str') != fact[0]:
                wrong.append('%s is marked "alias" but is %s' % (row.option, 'our own name' if found == row.option else 'of another type'))
        elif not row.notes:  # different
            wrong.append('%s is marked "different" without a note saying how and why' % row.option)
    assert not wrong, '\n'.join(wrong)


def _module_map() -> list[tuple[str, str]]:
    match = re.search(r'<!-- module-map -->\n(.*?)\n<!-- end module-map -->', _guide(), re.S)
    assert match, 'the guide has no module map'
    pairs = []
    for line in match.group(1).splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip('|').split(' | ')]
        pairs.append((cells[0], cells[1]))
    return pairs


def test_module_map_names_every_module() -> None:
    ours = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if name.endswith('.py')
                  and not name.startswith('_'))
    named = set()
    for _theirs, cell in _module_map():
        named.update(re.findall(r'`dockerapi\.engine\.(\w+)`', cell))
    assert sorted(named - set(ours)) == [], 'the module map names modules that do not exist: %s' % sorted(named - set(ours))
    assert sorted(set(ours) - named) == [], 'the module map does not name: %s' % sorted(set(ours) - named)


def test_action_group_is_ours() -> None:
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        groups = yaml.safe_load(handle)['action_groups']
    named = set(re.findall(r'group/dockerapi\.engine\.(\w+)', _guide()))
    assert named, 'the guide names no action group of ours'
    assert named <= set(groups), 'the guide names action groups that meta/runtime.yml does not have: %s' % sorted(named - set(groups))
    for group in named:
        for _theirs, cell in _module_map():
            for name in re.findall(r'`dockerapi\.engine\.(\w+)`', cell):
                if name != 'tls_certificates':
                    assert name in groups[group], '%s is in the module map but not in the action group %s' % (name, group)


def test_return_table() -> None:
    match = re.search(r'<!-- return-table -->\n(.*?)\n<!-- end return-table -->', _guide(), re.S)
    assert match, 'the guide has no return table'
    seen = []
    for line in match.group(1).splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip('|').split(' | ')]
        module = _code(cells[0])
        assert module in THEIR_RETURNS, 'return table: unknown module %s' % module
        seen.append(module)
        theirs = re.findall(r'`(\w+)`', cells[1])
        extra = re.findall(r'`(\w+)`', cells[2])
        ours = sorted((yaml.safe_load(module_of(module).RETURN) or {}).keys())
        assert theirs == THEIR_RETURNS[module], 'return table, %s: community.docker returns %s' % (module, THEIR_RETURNS[module])
        for key in NOT_RETURNED.get(module, []):
            assert key not in ours, 'return table, %s: %s is returned now, drop it from NOT_RETURNED' % (module, key)
            assert re.search(r'`%s` \(not returned: [^)]+\)' % key, cells[1]), 'return table, %s: say why %s is not returned' % (module, key)
        missing = sorted(set(theirs) - set(ours) - set(NOT_RETURNED.get(module, [])))
        assert not missing, '%s does not document the return keys %s that its counterpart returns' % (module, missing)
        assert extra == [k for k in ours if k not in theirs], 'return table, %s: ours also returns %s' % (
            module, [k for k in ours if k not in theirs])
    assert sorted(seen) == sorted(THEIR_RETURNS)
