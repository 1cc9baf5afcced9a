"""The container option engine (_container_options): argument spec parity, comparisons, round trips, refusals.

The facts about community.docker 5.x docker_container's options (type, default, choices, aliases) are copied
below as literal data from its documentation.
"""

from __future__ import annotations

import copy
import os
import tempfile

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _container_options as E
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError, EngineError

# option (or option.suboption) -> (type, default, choices, aliases) in docker_container 5.x
FACTS = {
    'auto_remove': ('bool', None, None, []),
    'cap_drop': ('list', None, None, []),
    'capabilities': ('list', None, None, []),
    'cgroupns_mode': ('str', None, ['host', 'private'], []),
    'command': ('raw', None, None, []),
    'command_handling': ('str', 'correct', ['compatibility', 'correct'], []),
    'comparisons': ('dict', None, None, []),
    'container_default_behavior': ('str', 'no_defaults', ['compatibility', 'no_defaults'], []),
    'cpu_period': ('int', None, None, []),
    'cpu_quota': ('int', None, None, []),
    'cpu_shares': ('int', None, None, []),
    'cpus': ('float', None, None, []),
    'cpuset_cpus': ('str', None, None, []),
    'default_host_ip': ('str', None, None, []),
    'device_cgroup_rules': ('list', None, None, []),
    'devices': ('list', None, None, []),
    'entrypoint': ('list', None, None, []),
    'env': ('dict', None, None, []),
    'env_file': ('path', None, None, []),
    'exposed_ports': ('list', None, None, ['exposed', 'expose']),
    'healthcheck': ('dict', None, None, []),
    'healthcheck.interval': ('str', None, None, []),
    'healthcheck.retries': ('int', None, None, []),
    'healthcheck.start_interval': ('str', None, None, []),
    'healthcheck.start_period': ('str', None, None, []),
    'healthcheck.test': ('raw', None, None, []),
    'healthcheck.test_cli_compatible': ('bool', False, None, []),
    'healthcheck.timeout': ('str', None, None, []),
    'hostname': ('str', None, None, []),
    'init': ('bool', None, None, []),
    'kernel_memory': ('str', None, None, []),
    'labels': ('dict', None, None, []),
    'memory': ('str', None, None, []),
    'memory_reservation': ('str', None, None, []),
    'memory_swap': ('str', None, None, []),
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
    'pids_limit': ('int', None, None, []),
    'platform': ('str', None, None, []),
    'privileged': ('bool', None, None, []),
    'publish_all_ports': ('bool', None, None, []),
    'published_ports': ('list', None, None, ['ports']),
    'restart_policy': ('str', None, ['no', 'on-failure', 'always', 'unless-stopped'], []),
    'restart_retries': ('int', None, None, []),
    'security_opts': ('list', None, None, []),
    'stop_signal': ('str', None, None, []),
    'stop_timeout': ('int', None, None, []),
    'tmpfs': ('list', None, None, []),
    'user': ('str', None, None, []),
    'volumes': ('list', None, None, []),
    'working_dir': ('str', None, None, []),
}

# Ours differs on purpose: keep our old name as an alias.
EXTRA_ALIASES = {'capabilities': ['cap_add']}


class FakeClient:
    def __init__(self, api: str = '1.41') -> None:
        self.api_version = api

    def api_at_least(self, version: str) -> bool:
        return tuple(int(p) for p in self.api_version.split('.')) >= tuple(int(p) for p in version.split('.'))

    def require_api(self, version: str, feature: str) -> None:
        if not self.api_at_least(version):
            raise EngineError('%s needs Docker API %s; the daemon speaks %s.' % (feature, version, self.api_version))


IMAGE = {'Id': 'sha256:img', 'Os': 'linux', 'Architecture': 'amd64',
         'Config': {'Cmd': ['sh'], 'Env': ['PATH=/bin'], 'Labels': {'from.image': 'z'}, 'Volumes': {'/img': {}},
                    'ExposedPorts': {'9000/tcp': {}}}}


def _spec(name: str) -> dict:
    head, dummy, sub = name.partition('.')
    spec = E.OPTION_ARGSPEC[head]
    return spec['options'][sub] if sub else spec


@pytest.mark.parametrize('name', sorted(FACTS))
def test_argspec_matches_docker_container(name: str) -> None:
    kind, default, choices, aliases = FACTS[name]
    spec = _spec(name)
    assert spec.get('type', 'str') == kind
    assert spec.get('default') == default
    assert spec.get('choices') == choices
    assert sorted(spec.get('aliases') or []) == sorted(aliases + EXTRA_ALIASES.get(name, []))


def test_every_engine_option_has_its_facts() -> None:
    mine = {row.name for row in E.ROWS} | set(E.ENGINE_ARGSPEC)
    assert mine <= set(FACTS)
    for head in ('mounts', 'healthcheck'):
        assert {'%s.%s' % (head, sub) for sub in E.OPTION_ARGSPEC[head]['options']} == \
            {k for k in FACTS if k.startswith(head + '.')}


def test_table_has_no_duplicates_and_updatable_rows() -> None:
    names = [row.name for row in E.all_rows()]
    assert len(names) == len(set(names))
    assert {'memory', 'cpus', 'restart_policy', 'pids_limit'} <= set(E.UPDATABLE)
    assert 'env' not in E.UPDATABLE


# ---- comparisons ----------------------------------------------------------------------------

def test_default_comparisons_are_docker_containers() -> None:
    resolved = E.resolved_comparisons({})
    for name in ('command', 'entrypoint', 'hostname', 'memory', 'privileged', 'platform', 'user'):
        assert resolved[name] == 'strict', name
    for name in ('published_ports', 'exposed_ports', 'volumes', 'mounts', 'tmpfs', 'devices', 'device_cgroup_rules',
                 'capabilities', 'cap_drop', 'security_opts', 'env', 'env_file', 'labels', 'healthcheck'):
        assert resolved[name] == 'allow_more_present', name
    assert resolved['stop_timeout'] == 'ignore'
    assert resolved['image'] == 'strict'
    assert resolved['networks'] == 'allow_more_present'


def test_wildcard_and_aliases() -> None:
    resolved = E.resolved_comparisons({'comparisons': {'*': 'ignore', 'env': 'strict', 'cap_add': 'strict'}})
    assert resolved['env'] == 'strict'
    assert resolved['capabilities'] == 'strict'
    assert resolved['labels'] == 'ignore'
    assert resolved['image'] == 'ignore'
    assert E.comparison_for('stop_timeout', {'comparisons': {'*': 'strict'}}) == 'strict'
    assert E.comparison_for('env_file', {'comparisons': {'env': 'strict'}}) == 'strict'


@pytest.mark.parametrize('comparisons, words', [
    ({'state': 'strict'}, 'state is not an option'),
    ({'labels': 'loose'}, "'loose' is not one of"),
    ({'*': 'allow_more_present'}, 'is not one of strict, ignore'),
    ({'image': 'allow_more_present'}, 'is not one of strict, ignore'),
    ({'memory': 'allow_more_present'}, 'memory is a single value'),
])
def test_bad_comparisons_fail(comparisons: dict, words: str) -> None:
    with pytest.raises(ConfigurationError, match=words):
        E.validate({'name': 'x', 'image': 'busybox', 'comparisons': comparisons}, FakeClient())


CONTAINER = {
    'Id': 'c0ffee', 'Image': 'sha256:img',
    'Config': {'Cmd': ['sleep', '300'], 'Entrypoint': None, 'Env': ['A=1', 'B=2', 'PATH=/bin'],
               'Labels': {'x': 'y', 'from.image': 'z'}, 'Volumes': {'/anon': {}, '/img': {}},
               'ExposedPorts': {'80/tcp': {}, '81/tcp': {}, '9000/tcp': {}},
               'Healthcheck': {'Test': ['CMD-SHELL', 'true'], 'Interval': 5000000000}},
    'HostConfig': {'PortBindings': {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '8080'}],
                                    '81/tcp': [{'HostIp': '', 'HostPort': ''}]},
                   'Binds': ['/srv:/data:rw', '/etc:/etc2:ro'], 'CapAdd': ['CAP_NET_ADMIN', 'SYS_TIME'],
                   'Mounts': [{'Type': 'tmpfs', 'Target': '/t', 'TmpfsOptions': {'SizeBytes': 1048576}},
                              {'Type': 'volume', 'Source': 'v', 'Target': '/v', 'ReadOnly': True,
                               'VolumeOptions': {'NoCopy': True}}],
                   'Devices': [{'PathOnHost': '/dev/null', 'PathInContainer': '/dev/null', 'CgroupPermissions': 'rwm'}],
                   'Tmpfs': {'/run': '', '/tmp': 'size=64m'}, 'Memory': 67108864, 'StopTimeout': None},
}


def _diffs(**params: object) -> list:
    params.setdefault('image', 'busybox')
    want = E.desired(params, IMAGE)
    return [d.option for d in E.differences(want, CONTAINER, params, IMAGE) if d.option != 'image']


@pytest.mark.parametrize('params', [
    {'published_ports': ['81', '127.0.0.1:8080:80']},  # another order, a subset
    {'published_ports': ['127.0.0.1:8080:80']},
    {'exposed_ports': ['81']},
    {'volumes': ['/etc:/etc2:ro', '/srv:/data']},
    {'volumes': ['/anon']},
    {'capabilities': ['sys_time']},
    {'cap_add': ['NET_ADMIN', 'CAP_SYS_TIME']},
    {'mounts': [{'type': 'volume', 'source': 'v', 'target': '/v', 'read_only': True, 'no_copy': True}]},
    {'mounts': [{'type': 'tmpfs', 'target': '/t', 'tmpfs_size': '1m'}]},
    {'devices': ['/dev/null']},
    {'tmpfs': ['/tmp:size=64m']},
    {'env': {'A': '1'}},
    {'labels': {'x': 'y'}},
    {'healthcheck': {'test': 'true'}},
    {'healthcheck': {'interval': '1h'}},  # no test: ignored, as docker_container does
    {'stop_timeout': 99},  # ignored by default
    {'memory': '64m'},
    {'command': 'sleep 300'},
])
def test_no_difference_where_docker_container_sees_none(params: dict) -> None:
    assert _diffs(**params) == []


@pytest.mark.parametrize('params, option', [
    ({'published_ports': ['127.0.0.1:8081:80']}, 'published_ports'),
    ({'published_ports': ['127.0.0.1:8080:80', '127.0.0.1:8081:80']}, 'published_ports'),  # per port: all bindings
    ({'volumes': ['/srv:/data:ro']}, 'volumes'),
    ({'capabilities': ['SYS_ADMIN']}, 'capabilities'),
    ({'mounts': [{'type': 'volume', 'source': 'v', 'target': '/v'}]}, 'mounts'),  # read_only differs
    ({'env': {'A': '2'}}, 'env'),
    ({'labels': {'x': 'z'}}, 'labels'),
    ({'healthcheck': {'test': 'false'}}, 'healthcheck'),
    ({'healthcheck': {'interval': '1h', 'test_cli_compatible': True}}, 'healthcheck'),
    ({'command': ['300', 'sleep']}, 'command'),
    ({'memory': '65m'}, 'memory'),
    ({'stop_timeout': 99, 'comparisons': {'stop_timeout': 'strict'}}, 'stop_timeout'),
    ({'published_ports': ['127.0.0.1:8080:80'], 'comparisons': {'published_ports': 'strict'}}, 'published_ports'),
    ({'capabilities': ['NET_ADMIN'], 'comparisons': {'*': 'strict'}}, 'capabilities'),
    ({'env': {'A': '1'}, 'comparisons': {'env': 'strict'}}, 'env'),  # B=2 is extra
])
def test_differences(params: dict, option: str) -> None:
    assert _diffs(**params) == [option]


def test_strict_counts_what_the_image_brings() -> None:
    # env strict: the image's PATH counts as asked for; B=2 is still extra
    assert _diffs(env={'A': '1', 'B': '2'}, comparisons={'env': 'strict'}) == []
    assert _diffs(labels={'x': 'y'}, comparisons={'labels': 'strict'}) == []
    assert _diffs(volumes=['/anon', '/srv:/data', '/etc:/etc2:ro'], comparisons={'volumes': 'strict'}) == []
    assert _diffs(exposed_ports=['80', '81'], comparisons={'exposed_ports': 'strict'}) == []
    # ports of published_ports are exposed too
    assert _diffs(exposed_ports=['81'], published_ports=['127.0.0.1:8080:80'], comparisons={'exposed_ports': 'strict'}) == []


def test_ignore_and_wildcard_ignore_never_differ() -> None:
    assert _diffs(memory='1g', comparisons={'memory': 'ignore'}) == []
    assert _diffs(memory='1g', env={'A': '3'}, comparisons={'*': 'ignore'}) == []


def test_difference_carries_comparison_and_updatable() -> None:
    params = {'image': 'busybox', 'memory': '1g', 'hostname': 'h'}
    diffs = {d.option: d for d in E.differences(E.desired(params, IMAGE), CONTAINER, params, IMAGE)}
    assert diffs['memory'].updatable and diffs['memory'].comparison == 'strict'
    assert not diffs['hostname'].updatable
    assert diffs['memory'].before == 67108864 and diffs['memory'].after == 1024 ** 3
    labels = E.differences(E.desired({'labels': {'x': 'q'}}, IMAGE), CONTAINER, {'labels': {'x': 'q'}})[0]
    assert labels.before == {'x': 'y'}  # only the keys the task names


# ---- round trips: what create_body sends reads back as no difference --------------------------

ROUND_TRIP = [
    {'command': ['sh', '-c', 'echo "a b"']}, {'command': 'sleep 5'}, {'entrypoint': ['/bin/sh', '-c']},
    {'entrypoint': []}, {'env': {'A': '1', 'N': 5, 'E': None}}, {'labels': {'a': 'b', 'n': 1}},
    {'published_ports': ['8080:80', '127.0.0.1::81/udp', '[::1]:8443:443', '9000-9001:9000-9001']},
    {'published_ports': ['80'], 'default_host_ip': '127.0.0.1'},
    {'exposed_ports': ['53/udp', '8000-8002']}, {'publish_all_ports': True},
    {'volumes': ['/srv:/data:ro', 'named:/named', '/anon']},
    {'mounts': [{'type': 'bind', 'source': '/srv', 'target': '/b', 'read_only': True, 'propagation': 'rslave',
                 'non_recursive': True, 'create_mountpoint': True, 'read_only_non_recursive': True},
                {'type': 'volume', 'source': 'v', 'target': '/v', 'no_copy': True, 'labels': {'a': 'b'},
                 'volume_driver': 'local', 'volume_options': {'o': 'p'}, 'subpath': 'sub', 'consistency': 'cached'},
                {'type': 'tmpfs', 'target': '/t', 'tmpfs_size': '1m', 'tmpfs_mode': '1777',
                 'tmpfs_options': [{'exec': ''}, {'nr_inodes': '100'}]}]},
    {'tmpfs': ['/run', '/tmp:size=64m,mode=1777']}, {'hostname': 'h'}, {'user': '1000:1000'}, {'working_dir': '/w'},
    {'restart_policy': 'on-failure', 'restart_retries': 3}, {'restart_policy': 'always'},
    {'healthcheck': {'test': ['CMD', 'true'], 'interval': '1m30s', 'timeout': '5s', 'retries': 3,
                     'start_period': '10s', 'start_interval': '1s'}},
    {'healthcheck': {'test': 'NONE'}}, {'healthcheck': {'test': 'true', 'retries': 0, 'interval': '0s'}},
    {'memory': '64m', 'memory_reservation': '32m', 'memory_swap': '-1', 'cpus': 0.5, 'cpu_shares': 512,
     'cpu_period': 100000, 'cpu_quota': 50000, 'cpuset_cpus': '0', 'pids_limit': 50},
    {'capabilities': ['NET_ADMIN', 'CAP_SYS_TIME'], 'cap_drop': ['MKNOD']}, {'privileged': True},
    {'security_opts': ['no-new-privileges']}, {'devices': ['/dev/fuse', '/dev/null:/dev/n:r']},
    {'device_cgroup_rules': ['c 1:3 rwm']}, {'cgroupns_mode': 'private'}, {'init': True}, {'auto_remove': False},
    {'stop_signal': 'SIGUSR1'}, {'stop_timeout': 5}, {'platform': 'linux/amd64'},
]


def _as_inspect(body: dict) -> dict:
    config = {k: v for k, v in body.items() if k not in ('HostConfig', 'NetworkingConfig', '_query')}
    return {'Id': 'x', 'Image': IMAGE['Id'], 'Config': copy.deepcopy(config), 'HostConfig': copy.deepcopy(body['HostConfig'])}


@pytest.mark.parametrize('params', ROUND_TRIP)
@pytest.mark.parametrize('mode', ['default', 'strict'])
def test_round_trip(params: dict, mode: str) -> None:
    task = dict(params, name='c', image='busybox')
    if mode == 'strict':
        task['comparisons'] = {'*': 'strict'}
    body, later = E.create_body(task, FakeClient('1.48'), IMAGE)
    assert later == []
    inspect = _as_inspect(body)
    if mode == 'strict':
        # what the image brings is in the container too
        inspect['Config']['Env'] = list(IMAGE['Config']['Env']) + list(inspect['Config'].get('Env') or [])
        inspect['Config']['Labels'] = dict(IMAGE['Config']['Labels'], **(inspect['Config'].get('Labels') or {}))
        inspect['Config']['Volumes'] = dict(IMAGE['Config']['Volumes'], **(inspect['Config'].get('Volumes') or {}))
        inspect['Config']['ExposedPorts'] = dict(IMAGE['Config']['ExposedPorts'],
                                                 **(inspect['Config'].get('ExposedPorts') or {}))
    want = E.desired(task, IMAGE, FakeClient('1.48'))
    assert E.differences(want, inspect, task, IMAGE) == []


def test_create_body_shapes() -> None:
    body, dummy = E.create_body({'name': 'c', 'image': 'busybox', 'cap_add': ['ALL'], 'published_ports': ['all'],
                                 'platform': 'linux/arm64', 'entrypoint': [], 'command': []}, FakeClient())
    assert body['HostConfig']['CapAdd'] == ['ALL']
    assert body['HostConfig']['PublishAllPorts'] is True
    assert body['Entrypoint'] == ['']
    assert 'Cmd' not in body
    sent, query = E.split_create_query(body)
    assert query == {'platform': 'linux/arm64'} and '_query' not in sent
    tmpfs = {'type': 'tmpfs', 'target': '/t', 'tmpfs_mode': '0700', 'tmpfs_options': [{'exec': None}, {'size': '1m'}]}
    mount = E.mount_to_api(E.mount_norm(tmpfs))
    assert mount['TmpfsOptions'] == {'Mode': 0o700, 'Options': [['exec'], ['size', '1m']]}


# ---- special options ------------------------------------------------------------------------

def test_env_file_merges_and_env_wins() -> None:
    with tempfile.NamedTemporaryFile('w', suffix='.env', delete=False) as handle:
        handle.write('# comment\n\nA=from-file\nB=b=c\nFROM_ENVIRON\n')
    os.environ['FROM_ENVIRON'] = 'yes'
    try:
        task = {'name': 'c', 'image': 'busybox', 'env_file': handle.name, 'env': {'A': 'from-env'}}
        body, dummy = E.create_body(task, FakeClient())
        assert sorted(body['Env']) == ['A=from-env', 'B=b=c', 'FROM_ENVIRON=yes']
        want = E.desired(task, IMAGE)
        assert want['env_file'].value == {'B': 'b=c', 'FROM_ENVIRON': 'yes'}
        assert sorted(E.hidden_options()) == ['env', 'env_file']
        assert E.differences(want, _as_inspect(body), task, IMAGE) == []
    finally:
        os.unlink(handle.name)
        del os.environ['FROM_ENVIRON']
    with pytest.raises(ConfigurationError, match='env_file .* cannot be read'):
        E.validate(task, FakeClient())


@pytest.mark.parametrize('task, words', [
    ({'labels': {'version': 1.10}}, r'labels.version is the number 1.1.*Quote the value'),
    ({'env': {'V': 1.5}}, r'env.V is the number 1.5.*Quote'),
    ({'env': {'V': True}}, 'boolean'),
    ({'labels': {'on': False}}, 'boolean'),
    ({'mounts': [{'type': 'volume', 'target': '/v', 'labels': {'a': 2.0}}]}, 'mounts.labels.a is the number'),
])
def test_values_that_do_not_round_trip_are_refused(task: dict, words: str) -> None:
    with pytest.raises(ConfigurationError, match=words):
        E.validate(dict(task, name='c', image='busybox'), FakeClient())


def test_integers_pass() -> None:
    body, dummy = E.create_body({'name': 'c', 'image': 'busybox', 'labels': {'n': 3}, 'env': {'N': 4}}, FakeClient())
    assert body['Labels'] == {'n': '3'} and body['Env'] == ['N=4']


def test_command_handling_compatibility() -> None:
    task = {'name': 'c', 'image': 'busybox', 'command_handling': 'compatibility', 'command': ['echo', '"a b"'],
            'entrypoint': []}
    body, dummy = E.create_body(task, FakeClient())
    assert body['Cmd'] == ['echo', 'a b'] and 'Entrypoint' not in body
    want = E.desired(task, IMAGE)
    assert want['command'].value == ['echo', 'a b'] and 'entrypoint' not in want
    correct = E.desired(dict(task, command_handling='correct'), IMAGE)
    assert correct['command'].value == ['echo', '"a b"'] and correct['entrypoint'].value == []


def test_container_default_behavior_compatibility() -> None:
    params = E.prepare({'container_default_behavior': 'compatibility', 'init': True})
    assert params['init'] is True and params['privileged'] is False and params['memory'] == '0'
    assert params['auto_remove'] is False and params['detach'] is True and params['paused'] is False
    assert E.prepare({'container_default_behavior': 'no_defaults'}).get('privileged') is None
    want = E.desired({'container_default_behavior': 'compatibility'}, IMAGE)
    assert want['privileged'].value is False and want['memory'].value == 0


def test_healthcheck_test_cli_compatible() -> None:
    assert 'healthcheck' not in E.desired({'healthcheck': {'interval': '1s'}}, IMAGE)
    body, dummy = E.create_body({'name': 'c', 'image': 'i', 'healthcheck': {'interval': '1s'}}, FakeClient())
    assert 'Healthcheck' not in body
    body, dummy = E.create_body({'name': 'c', 'image': 'i', 'healthcheck': {'interval': '1s', 'test_cli_compatible': True}},
                                FakeClient())
    assert body['Healthcheck'] == {'Interval': 10 ** 9}


def test_platform_normalisation_and_comparison() -> None:
    assert E.normalize_platform('Linux/x86_64') == 'linux/amd64'
    assert E.normalize_platform('linux/aarch64/v8') == 'linux/arm64'
    with pytest.raises(ConfigurationError, match=r'os\[/arch'):
        E.normalize_platform('linux//v7')
    assert _diffs(platform='linux') == []
    assert _diffs(platform='linux/x86_64') == []
    assert _diffs(platform='linux/arm64') == ['platform']


@pytest.mark.parametrize('task, api', [
    ({'mounts': [{'type': 'volume', 'target': '/v', 'subpath': 'x'}]}, '1.45'),
    ({'mounts': [{'type': 'tmpfs', 'target': '/v', 'tmpfs_options': [{'exec': ''}]}]}, '1.46'),
    ({'mounts': [{'type': 'bind', 'source': '/s', 'target': '/v', 'create_mountpoint': True}]}, '1.42'),
    ({'mounts': [{'type': 'bind', 'source': '/s', 'target': '/v', 'read_only_force_recursive': True}]}, '1.44'),
    ({'mounts': [{'type': 'image', 'source': 'busybox', 'target': '/v'}]}, '1.47'),
    ({'healthcheck': {'test': 'true', 'start_interval': '1s'}}, '1.44'),
    ({'cgroupns_mode': 'host'}, '1.41'),
    ({'platform': 'linux'}, '1.41'),
])
def test_newer_api_options_fail_before_any_change(task: dict, api: str) -> None:
    task = dict(task, name='c', image='busybox')
    with pytest.raises(EngineError, match='needs Docker API %s' % api):
        E.validate(task, FakeClient('1.40' if api == '1.41' else '1.41'))
    E.validate(task, FakeClient(api))


@pytest.mark.parametrize('mount, words', [
    ({'type': 'bind', 'target': '/x'}, 'needs a source'),
    ({'type': 'tmpfs', 'source': 's', 'target': '/x'}, 'takes no source'),
    ({'type': 'volume', 'target': 'x'}, 'absolute target'),
    ({'type': 'volume', 'target': '/x', 'propagation': 'shared'}, 'propagation only applies to mounts of type bind'),
    ({'type': 'bind', 'source': '/s', 'target': '/x', 'tmpfs_size': '1m'}, 'tmpfs_size only applies'),
    ({'type': 'tmpfs', 'target': '/x', 'tmpfs_mode': 'rwx'}, 'octal'),
])
def test_bad_mounts(mount: dict, words: str) -> None:
    with pytest.raises(ConfigurationError, match=words):
        E.validate({'name': 'c', 'image': 'busybox', 'mounts': [mount]}, FakeClient('1.48'))


def test_warnings_for_accepted_but_ignored_options() -> None:
    warnings = E.option_warnings({'kernel_memory': '64m', 'published_ports': ['all']}, FakeClient())
    assert 'kernel_memory is accepted for compatibility' in warnings[0]
    assert 'publish_all_ports' in warnings[1]
    assert 'kernel_memory' not in E.desired({'kernel_memory': '64m'}, IMAGE)
    with pytest.raises(ConfigurationError, match='kernel_memory'):
        E.validate({'name': 'c', 'image': 'i', 'kernel_memory': 'lots'}, FakeClient())


def test_bad_values_name_the_option() -> None:
    for task, words in (({'exposed_ports': ['80/icmp']}, 'exposed_ports'), ({'default_host_ip': 'localhost'}, 'default_host_ip'),
                        ({'stop_timeout': 2 ** 40}, 'stop_timeout'), ({'healthcheck': {'test': 'x', 'retries': -1}}, 'retries'),
                        ({'restart_retries': 2, 'restart_policy': 'always'}, 'restart_retries')):
        with pytest.raises(ConfigurationError, match=words):
            E.validate(dict(task, name='c', image='busybox'), FakeClient())


def test_update_body() -> None:
    params = {'memory': '128m', 'restart_policy': 'always', 'cpus': 1}
    diffs = E.differences(E.desired(params, IMAGE), CONTAINER, params)
    body = E.update_body(params, diffs, CONTAINER)
    assert body['Memory'] == 128 * 1024 ** 2 and body['NanoCpus'] == 10 ** 9
    assert body['RestartPolicy'] == {'Name': 'always', 'MaximumRetryCount': 0}


# What `docker create IMAGE sleep 1` (no options) reads back as, recorded from dockerd 20.10 and 28.5 (trimmed).
RECORDED = {
    "d20": {
        "Config": {
            "Cmd": [
                "sleep",
                "1"
            ],
            "Entrypoint": None,
            "Env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            ],
            "ExposedPorts": None,
            "Healthcheck": None,
            "Hostname": "0123456789ab",
            "Labels": {},
            "OpenStdin": False,
            "StopSignal": None,
            "StopTimeout": None,
            "Tty": False,
            "User": "",
            "Volumes": None,
            "WorkingDir": ""
        },
        "HostConfig": {
            "AutoRemove": False,
            "Binds": None,
            "CapAdd": None,
            "CapDrop": None,
            "CgroupnsMode": "host",
            "CpuPeriod": 0,
            "CpuQuota": 0,
            "CpuShares": 0,
            "CpusetCpus": "",
            "DeviceCgroupRules": None,
            "Devices": [],
            "Init": None,
            "Memory": 0,
            "MemoryReservation": 0,
            "MemorySwap": 0,
            "Mounts": None,
            "NanoCpus": 0,
            "NetworkMode": "default",
            "PidsLimit": None,
            "PortBindings": {},
            "Privileged": False,
            "PublishAllPorts": False,
            "ReadonlyRootfs": False,
            "RestartPolicy": {
                "MaximumRetryCount": 0,
                "Name": "no"
            },
            "SecurityOpt": None,
            "Tmpfs": None
        },
        "Image": "sha256:img"
    },
    "d28": {
        "Config": {
            "Cmd": [
                "sleep",
                "1"
            ],
            "Entrypoint": None,
            "Env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            ],
            "ExposedPorts": None,
            "Healthcheck": None,
            "Hostname": "0123456789ab",
            "Labels": {},
            "OpenStdin": False,
            "StopSignal": None,
            "StopTimeout": None,
            "Tty": False,
            "User": "",
            "Volumes": None,
            "WorkingDir": ""
        },
        "HostConfig": {
            "AutoRemove": False,
            "Binds": None,
            "CapAdd": None,
            "CapDrop": None,
            "CgroupnsMode": "host",
            "CpuPeriod": 0,
            "CpuQuota": 0,
            "CpuShares": 0,
            "CpusetCpus": "",
            "DeviceCgroupRules": None,
            "Devices": [],
            "Init": None,
            "Memory": 0,
            "MemoryReservation": 0,
            "MemorySwap": 0,
            "Mounts": None,
            "NanoCpus": 0,
            "NetworkMode": "bridge",
            "PidsLimit": None,
            "PortBindings": {},
            "Privileged": False,
            "PublishAllPorts": False,
            "ReadonlyRootfs": False,
            "RestartPolicy": {
                "MaximumRetryCount": 0,
                "Name": "no"
            },
            "SecurityOpt": None,
            "Tmpfs": None
        },
        "Image": "sha256:img"
    }
}


@pytest.mark.parametrize('daemon', sorted(RECORDED))
def test_defaults_of_a_plain_container_are_no_difference(daemon: str) -> None:
    """Options set to the daemon's defaults (or container_default_behavior: compatibility) change nothing."""
    container = RECORDED[daemon]
    image = {'Id': 'sha256:img', 'Config': {'Cmd': ['sh'], 'Env': container['Config']['Env'], 'Labels': None}}
    defaults = {'image': 'x', 'container_default_behavior': 'compatibility', 'command': ['sleep', '1'], 'entrypoint': [],
                'published_ports': [], 'exposed_ports': [], 'publish_all_ports': False, 'volumes': [], 'mounts': [],
                'tmpfs': [], 'capabilities': [], 'cap_drop': [], 'security_opts': [], 'devices': [], 'device_cgroup_rules': [],
                'user': '', 'working_dir': '', 'restart_policy': 'no', 'restart_retries': 0, 'memory_reservation': '0',
                'memory_swap': '0', 'cpus': 0, 'cpu_shares': 0, 'cpu_period': 0, 'cpu_quota': 0, 'cpuset_cpus': '',
                'pids_limit': -1, 'stop_signal': 'SIGTERM', 'stop_timeout': 10, 'env': {}, 'labels': {},
                'cgroupns_mode': 'host'}
    for mode in ({}, {'*': 'strict'}):
        params = dict(defaults, comparisons=mode)
        want = E.desired(params, image)
        assert [d for d in E.differences(want, container, params, image) if d.option != 'image'] == [], mode
