"""The remaining docker_container options as rows: round trips on recorded inspect data, bodies, bad input."""

from __future__ import annotations

import typing as t

import pytest
import yaml

from ansible_collections.dockerapi.engine.plugins.doc_fragments.container_more import ModuleDocFragment
from ansible_collections.dockerapi.engine.plugins.module_utils import _container_rows_more as more
from ansible_collections.dockerapi.engine.plugins.module_utils._container_table import Ctx, matches
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError, NotFound

ROWS = {row.name: row for row in more.ROWS}

# What POST /containers/create stored, read back with GET /containers/{id}/json on dockerd 20.10.24 (API 1.41) and
# 28.5.2 (API 1.51): "plain" was created with an empty HostConfig, "full" with every option of this table set (the
# values of task() below; DeviceRequests from a separate container with the same request).
# Only the fields these rows read are kept.
RECORDED: dict[str, dict[str, t.Any]] = {'plain_d20': {'Name': '/plain-d20',
                                                       'HostConfig': {'BlkioWeight': 0,
                                                                      'CgroupParent': '',
                                                                      'CpusetMems': '',
                                                                      'BlkioDeviceReadBps': None,
                                                                      'BlkioDeviceReadIOps': None,
                                                                      'BlkioDeviceWriteBps': None,
                                                                      'BlkioDeviceWriteIOps': None,
                                                                      'DeviceRequests': None,
                                                                      'DnsOptions': None,
                                                                      'DnsSearch': None,
                                                                      'Dns': None,
                                                                      'ExtraHosts': None,
                                                                      'GroupAdd': None,
                                                                      'IpcMode': 'private',
                                                                      'Links': None,
                                                                      'LogConfig': {'Type': 'json-file', 'Config': {}},
                                                                      'MemorySwappiness': None,
                                                                      'OomKillDisable': False,
                                                                      'OomScoreAdj': 0,
                                                                      'PidMode': '',
                                                                      'ReadonlyRootfs': False,
                                                                      'Runtime': 'runc',
                                                                      'ShmSize': 67108864,
                                                                      'Ulimits': None,
                                                                      'UsernsMode': '',
                                                                      'UTSMode': '',
                                                                      'VolumeDriver': '',
                                                                      'VolumesFrom': None,
                                                                      'NetworkMode': 'default'},
                                                       'Config': {'Domainname': '', 'OpenStdin': False, 'Tty': False},
                                                       'NetworkSettings': {'Networks': {'bridge': {'MacAddress': ''}}}},
                                         'plain_d28': {'Name': '/plain-d28',
                                                       'HostConfig': {'BlkioWeight': 0,
                                                                      'CgroupParent': '',
                                                                      'CpusetMems': '',
                                                                      'BlkioDeviceReadBps': None,
                                                                      'BlkioDeviceReadIOps': None,
                                                                      'BlkioDeviceWriteBps': None,
                                                                      'BlkioDeviceWriteIOps': None,
                                                                      'DeviceRequests': None,
                                                                      'DnsOptions': None,
                                                                      'DnsSearch': None,
                                                                      'Dns': None,
                                                                      'ExtraHosts': None,
                                                                      'GroupAdd': None,
                                                                      'IpcMode': 'private',
                                                                      'Links': None,
                                                                      'LogConfig': {'Type': 'json-file', 'Config': {}},
                                                                      'MemorySwappiness': None,
                                                                      'OomKillDisable': False,
                                                                      'OomScoreAdj': 0,
                                                                      'PidMode': '',
                                                                      'ReadonlyRootfs': False,
                                                                      'Runtime': 'runc',
                                                                      'ShmSize': 67108864,
                                                                      'Ulimits': None,
                                                                      'UsernsMode': '',
                                                                      'UTSMode': '',
                                                                      'VolumeDriver': '',
                                                                      'VolumesFrom': None,
                                                                      'NetworkMode': 'bridge'},
                                                       'Config': {'Domainname': '', 'OpenStdin': False, 'Tty': False},
                                                       'NetworkSettings': {'Networks': {'bridge': {'MacAddress': ''}}}},
                                         'full_d20': {'Name': '/full-d20',
                                                      'HostConfig': {'BlkioWeight': 0,
                                                                     'CgroupParent': 'a2rec',
                                                                     'CpusetMems': '0',
                                                                     'BlkioDeviceReadBps': [{'Path': '/dev/loop0', 'Rate': 1048576}],
                                                                     'BlkioDeviceReadIOps': None,
                                                                     'BlkioDeviceWriteBps': None,
                                                                     'BlkioDeviceWriteIOps': [{'Path': '/dev/loop0', 'Rate': 100}],
                                                                     'DeviceRequests': [{'Driver': 'nvidia',
                                                                                         'Count': -1,
                                                                                         'DeviceIDs': [],
                                                                                         'Capabilities': [['gpu']],
                                                                                         'Options': {}}],
                                                                     'DnsOptions': ['ndots:2'],
                                                                     'DnsSearch': ['example.org'],
                                                                     'Dns': ['10.9.9.9'],
                                                                     'ExtraHosts': ['foo:10.1.1.1', 'bar:10.1.1.2'],
                                                                     'GroupAdd': ['audio', '1234'],
                                                                     'IpcMode': 'container:44063de57b88daff75ed86ef5280a634635894c86b79657e7f00842ca283bcac',
                                                                     'Links': ['/target-d20:/full-d20/tgt'],
                                                                     'LogConfig': {'Type': 'json-file', 'Config': {'max-size': '10m'}},
                                                                     'MemorySwappiness': 10,
                                                                     'OomKillDisable': True,
                                                                     'OomScoreAdj': 100,
                                                                     'PidMode': 'container:44063de57b88daff75ed86ef5280a634635894c86b79657e7f00842ca283bcac',
                                                                     'ReadonlyRootfs': True,
                                                                     'Runtime': 'runc',
                                                                     'ShmSize': 134217728,
                                                                     'Sysctls': {'net.ipv4.ip_forward': '1'},
                                                                     'Ulimits': [{'Name': 'nofile', 'Hard': 2048, 'Soft': 1024}],
                                                                     'UsernsMode': '',
                                                                     'UTSMode': '',
                                                                     'VolumeDriver': '',
                                                                     'VolumesFrom': ['target-d20:ro'],
                                                                     'NetworkMode': 'default'},
                                                      'Config': {'Domainname': 'example.org',
                                                                 'OpenStdin': True,
                                                                 'MacAddress': '02:42:ac:11:00:99',
                                                                 'Tty': True},
                                                      'NetworkSettings': {'Networks': {'bridge': {'MacAddress': ''}}}},
                                         'full_d28': {'Name': '/full-d28',
                                                      'HostConfig': {'BlkioWeight': 0,
                                                                     'CgroupParent': 'a2rec',
                                                                     'CpusetMems': '0',
                                                                     'BlkioDeviceReadBps': [{'Path': '/dev/loop0', 'Rate': 1048576}],
                                                                     'BlkioDeviceReadIOps': None,
                                                                     'BlkioDeviceWriteBps': None,
                                                                     'BlkioDeviceWriteIOps': [{'Path': '/dev/loop0', 'Rate': 100}],
                                                                     'DeviceRequests': [{'Driver': 'nvidia',
                                                                                         'Count': -1,
                                                                                         'DeviceIDs': [],
                                                                                         'Capabilities': [['gpu']],
                                                                                         'Options': {}}],
                                                                     'DnsOptions': ['ndots:2'],
                                                                     'DnsSearch': ['example.org'],
                                                                     'Dns': ['10.9.9.9'],
                                                                     'ExtraHosts': ['foo:10.1.1.1', 'bar:10.1.1.2'],
                                                                     'GroupAdd': ['audio', '1234'],
                                                                     'IpcMode': 'container:52970e95a99519cfe0763a151d9bfb920a3b59b5ecdcb900b5d1f4084bf5b154',
                                                                     'Links': ['/target-d28:/full-d28/tgt'],
                                                                     'LogConfig': {'Type': 'json-file', 'Config': {'max-size': '10m'}},
                                                                     'MemorySwappiness': 10,
                                                                     'OomKillDisable': True,
                                                                     'OomScoreAdj': 100,
                                                                     'PidMode': 'container:52970e95a99519cfe0763a151d9bfb920a3b59b5ecdcb900b5d1f4084bf5b154',
                                                                     'ReadonlyRootfs': True,
                                                                     'Runtime': 'runc',
                                                                     'ShmSize': 134217728,
                                                                     'Sysctls': {'net.ipv4.ip_forward': '1'},
                                                                     'Ulimits': [{'Name': 'nofile', 'Hard': 2048, 'Soft': 1024}],
                                                                     'UsernsMode': '',
                                                                     'UTSMode': '',
                                                                     'VolumeDriver': '',
                                                                     'VolumesFrom': ['target-d28:ro'],
                                                                     'NetworkMode': 'bridge'},
                                                      'Config': {'Domainname': 'example.org',
                                                                 'OpenStdin': True,
                                                                 'MacAddress': '02:42:ac:11:00:99',
                                                                 'Tty': True},
                                                      'NetworkSettings': {'Networks': {'bridge': {'MacAddress': '02:42:ac:11:00:99'}}}}}

TARGET_ID = {
    'd20': '44063de57b88daff75ed86ef5280a634635894c86b79657e7f00842ca283bcac',
    'd28': '52970e95a99519cfe0763a151d9bfb920a3b59b5ecdcb900b5d1f4084bf5b154',
}


def task(daemon: str) -> dict[str, t.Any]:
    """The task values that produced the "full" records, in the module's syntax."""
    target = 'target-%s' % daemon
    return {
        'blkio_weight': 300,  # discarded by that kernel (no block IO weight): the record holds 0
        'cgroup_parent': 'a2rec',
        'cpuset_mems': '0',
        'device_read_bps': [{'path': '/dev/loop0', 'rate': '1M'}],
        'device_write_iops': [{'path': '/dev/loop0', 'rate': 100}],
        'device_requests': [{'driver': 'nvidia', 'count': -1, 'capabilities': [['gpu']]}],
        'dns_opts': ['ndots:2'],
        'dns_search_domains': ['example.org'],
        'dns_servers': ['10.9.9.9'],
        'domainname': 'example.org',
        'etc_hosts': {'foo': '10.1.1.1', 'bar': '10.1.1.2'},
        'groups': ['audio', '1234'],
        'interactive': True,
        'ipc_mode': 'container:%s' % target,
        'links': ['%s:tgt' % target],
        'log_driver': 'json-file',
        'log_options': {'max-size': '10m'},
        'mac_address': '02:42:AC:11:00:99',
        'memory_swappiness': 10,
        'oom_killer': True,
        'oom_score_adj': 100,
        'pid_mode': 'container:%s' % target,
        'read_only': True,
        'runtime': 'runc',
        'shm_size': '128m',
        'sysctls': {'net.ipv4.ip_forward': 1},
        'tty': True,
        'ulimits': ['nofile:1024:2048'],
        'volumes_from': ['%s:ro' % target],
    }


class FakeClient:
    """Resolves container names like the daemon; counts the reads."""

    def __init__(self, daemon: str) -> None:
        self.ids = {'target-%s' % daemon: TARGET_ID[daemon]}
        self.reads: list[str] = []

    def get_json(self, path: str) -> dict[str, t.Any]:
        self.reads.append(path)
        name = path.split('/')[2]
        if name not in self.ids:
            raise NotFound(404, 'No such container: %s' % name)
        return {'Id': self.ids[name], 'Name': '/' + name}


def ctx(client: t.Any = None, **params: t.Any) -> Ctx:
    return Ctx(params, None, client)


def agrees(name: str, value: t.Any, container: dict[str, t.Any], context: Ctx, comparison: str | None = None) -> bool:
    row = ROWS[name]
    return matches(row.kind, comparison or row.comparison, row.wanted(value, context), row.actual(container, context))


# ---- the table's shape --------------------------------------------------------------------

# docker_container's facts (community.docker 5.x): type, elements, aliases; no option here has a default or choices.
DOCKER_CONTAINER = {
    'blkio_weight': ('int', None, []), 'cgroup_parent': ('str', None, []), 'cpuset_mems': ('str', None, []),
    'device_read_bps': ('list', 'dict', []), 'device_read_iops': ('list', 'dict', []),
    'device_write_bps': ('list', 'dict', []), 'device_write_iops': ('list', 'dict', []),
    'device_requests': ('list', 'dict', []), 'dns_opts': ('list', 'str', []), 'dns_search_domains': ('list', 'str', []),
    'dns_servers': ('list', 'str', []), 'domainname': ('str', None, []), 'etc_hosts': ('dict', None, []),
    'groups': ('list', 'str', []), 'interactive': ('bool', None, []), 'ipc_mode': ('str', None, []),
    'links': ('list', 'str', []), 'log_driver': ('str', None, []), 'log_options': ('dict', None, ['log_opt']),
    'mac_address': ('str', None, []), 'memory_swappiness': ('int', None, []), 'oom_killer': ('bool', None, []),
    'oom_score_adj': ('int', None, []), 'pid_mode': ('str', None, []), 'read_only': ('bool', None, []),
    'runtime': ('str', None, []), 'shm_size': ('str', None, []), 'storage_opts': ('dict', None, []),
    'sysctls': ('dict', None, []), 'tty': ('bool', None, []), 'ulimits': ('list', 'str', []),
    'userns_mode': ('str', None, []), 'uts': ('str', None, []), 'volume_driver': ('str', None, []),
    'volumes_from': ('list', 'str', []),
}

# docker_container's comparison type of each option (its default mode follows: value/list strict, the rest
# allow_more_present), and the options it changes in place.
KINDS = {
    'device_read_bps': 'set(dict)', 'device_read_iops': 'set(dict)', 'device_write_bps': 'set(dict)',
    'device_write_iops': 'set(dict)', 'device_requests': 'set(dict)', 'ulimits': 'set(dict)',
    'dns_opts': 'set', 'etc_hosts': 'set', 'groups': 'set', 'links': 'set', 'volumes_from': 'set',
    'dns_search_domains': 'list', 'dns_servers': 'list',
    'log_options': 'dict', 'storage_opts': 'dict', 'sysctls': 'dict',
}
UPDATABLE = {'blkio_weight', 'cpuset_mems'}
SUBOPTIONS = {
    'device_read_bps': {'path': 'str', 'rate': 'str'}, 'device_write_bps': {'path': 'str', 'rate': 'str'},
    'device_read_iops': {'path': 'str', 'rate': 'int'}, 'device_write_iops': {'path': 'str', 'rate': 'int'},
    'device_requests': {'capabilities': 'list', 'count': 'int', 'device_ids': 'list', 'driver': 'str', 'options': 'dict'},
}


def test_rows_are_docker_containers_options() -> None:
    assert sorted(ROWS) == sorted(DOCKER_CONTAINER)
    assert len(ROWS) == len(more.ROWS)
    for name, (kind, elements, aliases) in DOCKER_CONTAINER.items():
        spec = ROWS[name].spec
        assert spec['type'] == kind, name
        assert spec.get('elements') == elements, name
        assert spec.get('aliases', []) == aliases, name
        assert 'default' not in spec and 'choices' not in spec, name
        assert ROWS[name].kind == KINDS.get(name, 'value'), name
        expected = 'strict' if ROWS[name].kind in ('value', 'list') else 'allow_more_present'
        assert ROWS[name].comparison == expected, name
        assert (ROWS[name].update is not None) == (name in UPDATABLE), name
    for name, options in SUBOPTIONS.items():
        assert {k: v['type'] for k, v in ROWS[name].spec['options'].items()} == options
    assert ROWS['device_requests'].spec['options']['capabilities']['elements'] == 'list'
    assert ROWS['device_requests'].min_api == '1.40'
    assert [r.name for r in more.ROWS if r.min_api] == ['device_requests']


def test_doc_fragment_documents_exactly_the_rows() -> None:
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    assert sorted(options) == sorted(ROWS)
    for name, doc in options.items():
        spec = ROWS[name].spec
        assert doc['type'] == spec['type'], name
        assert doc.get('elements') == spec.get('elements'), name
        assert doc.get('aliases', []) == spec.get('aliases', []), name
        assert doc['version_added'] == '1.0.0', name
        assert doc['description'] and all(isinstance(line, str) for line in doc['description']), name
        for sub, sub_spec in (spec.get('options') or {}).items():
            sub_doc = doc['suboptions'][sub]
            assert sub_doc['type'] == sub_spec['type'], (name, sub)
            assert sub_doc.get('elements') == sub_spec.get('elements'), (name, sub)
            assert bool(sub_doc.get('required')) == bool(sub_spec.get('required')), (name, sub)
            assert all(isinstance(line, str) for line in sub_doc['description']), (name, sub)
        assert sorted(doc.get('suboptions') or {}) == sorted(spec.get('options') or {}), name


# ---- round trips on the recorded daemons ----------------------------------------------------

# What each row reads from a container created without the option, on both daemons: the daemon's defaults.
UNSET = {
    'blkio_weight': 0, 'cgroup_parent': '', 'cpuset_mems': '', 'device_read_bps': [], 'device_read_iops': [],
    'device_write_bps': [], 'device_write_iops': [], 'device_requests': [], 'dns_opts': [], 'dns_search_domains': [],
    'dns_servers': [], 'domainname': '', 'etc_hosts': [], 'groups': [], 'interactive': False, 'ipc_mode': 'private',
    'links': [], 'log_driver': 'json-file', 'log_options': {}, 'mac_address': '', 'memory_swappiness': None,
    'oom_killer': False, 'oom_score_adj': 0, 'pid_mode': '', 'read_only': False, 'runtime': 'runc',
    'shm_size': 64 * 1024 * 1024, 'storage_opts': {}, 'sysctls': {}, 'tty': False, 'ulimits': [], 'userns_mode': '',
    'uts': '', 'volume_driver': '', 'volumes_from': [],
}


@pytest.mark.parametrize('daemon', ['d20', 'd28'])
def test_unset_options_read_as_the_daemons_defaults(daemon: str) -> None:
    container = RECORDED['plain_%s' % daemon]
    for name, row in ROWS.items():
        assert row.actual(container, ctx()) == UNSET[name], name


@pytest.mark.parametrize('daemon', ['d20', 'd28'])
@pytest.mark.parametrize('name', sorted(DOCKER_CONTAINER))
def test_the_default_value_matches_a_plain_container(daemon: str, name: str) -> None:
    """A task that spells out the daemon's default does not recreate a container created without the option."""
    defaults: dict[str, t.Any] = {
        'cgroup_parent': '', 'cpuset_mems': '', 'device_read_bps': [], 'device_read_iops': [], 'device_write_bps': [],
        'device_write_iops': [], 'device_requests': [], 'dns_opts': [], 'dns_search_domains': [], 'dns_servers': [],
        'domainname': '', 'etc_hosts': {}, 'groups': [], 'interactive': False, 'ipc_mode': 'private', 'links': [],
        'log_driver': 'json-file', 'log_options': {}, 'oom_killer': False, 'oom_score_adj': 0, 'pid_mode': '',
        'read_only': False, 'runtime': 'runc', 'shm_size': '64m', 'storage_opts': {}, 'sysctls': {}, 'tty': False,
        'ulimits': [], 'userns_mode': '', 'uts': '', 'volume_driver': '', 'volumes_from': [],
    }
    if name not in defaults:  # blkio_weight, mac_address, memory_swappiness have no settable "unset" value
        pytest.skip('no value means the default')
    assert agrees(name, defaults[name], RECORDED['plain_%s' % daemon], ctx(FakeClient(daemon)), 'strict')


@pytest.mark.parametrize('daemon', ['d20', 'd28'])
def test_task_values_match_what_the_daemon_stored(daemon: str) -> None:
    container = RECORDED['full_%s' % daemon]
    plain = RECORDED['plain_%s' % daemon]
    client = FakeClient(daemon)
    for name, value in task(daemon).items():
        if name == 'blkio_weight':
            continue  # the kernel discarded it (see the record); tested on synthetic data below
        assert agrees(name, value, container, ctx(client)), name
        assert agrees(name, value, container, ctx(client), 'strict'), name
        if name not in ('log_driver', 'runtime'):  # json-file and runc are those daemons' defaults
            assert not agrees(name, value, plain, ctx(client)), name
    # pid_mode and ipc_mode name the same container: one read resolves it for both
    assert client.reads == ['/containers/target-%s/json' % daemon]


@pytest.mark.parametrize('daemon', ['d20', 'd28'])
def test_bodies_read_back_as_wanted(daemon: str) -> None:
    """put() then the inspect shape: what the daemon stores for these fields is what was sent (checked live)."""
    for name, value in task(daemon).items():
        if name in ('links', 'pid_mode', 'ipc_mode'):
            continue  # the daemon rewrites those (covered by the recorded data above)
        row = ROWS[name]
        body: dict[str, t.Any] = {'HostConfig': {}}
        row.put(value, body, ctx())
        host = body.pop('HostConfig')
        container = {'Config': body, 'HostConfig': host}
        assert matches(row.kind, 'strict', row.wanted(value, ctx()), row.actual(container, ctx())), name


def test_create_bodies() -> None:
    def body(name: str, value: t.Any) -> dict[str, t.Any]:
        result: dict[str, t.Any] = {'HostConfig': {}}
        ROWS[name].put(value, result, ctx())
        return result

    requests = body('device_requests', [{'driver': 'nvidia', 'count': -1, 'capabilities': [['gpu', 'utility']]},
                                        {'device_ids': ['0', 'GPU-1'], 'options': {'a': 1}}])
    assert requests == {'HostConfig': {'DeviceRequests': [
        {'Driver': 'nvidia', 'Count': -1, 'DeviceIDs': [], 'Capabilities': [['gpu', 'utility']], 'Options': {}},
        {'Driver': '', 'Count': 0, 'DeviceIDs': ['0', 'GPU-1'], 'Capabilities': [], 'Options': {'a': '1'}}]}}
    assert body('device_read_bps', [{'path': '/dev/sda', 'rate': '10M'}]) == {
        'HostConfig': {'BlkioDeviceReadBps': [{'Path': '/dev/sda', 'Rate': 10 * 1024 * 1024}]}}
    assert body('device_write_iops', [{'path': '/dev/sda', 'rate': 200}]) == {
        'HostConfig': {'BlkioDeviceWriteIOps': [{'Path': '/dev/sda', 'Rate': 200}]}}
    assert body('etc_hosts', {'db': '10.0.0.5', 'v6': '::1'}) == {'HostConfig': {'ExtraHosts': ['db:10.0.0.5', 'v6:::1']}}
    assert body('ulimits', ['nofile:1024', 'core:-1:-1']) == {'HostConfig': {'Ulimits': [
        {'Name': 'nofile', 'Soft': 1024, 'Hard': 1024}, {'Name': 'core', 'Soft': -1, 'Hard': -1}]}}
    assert body('links', ['db', 'cache:c']) == {'HostConfig': {'Links': ['db:db', 'cache:c']}}
    assert body('shm_size', '1g') == {'HostConfig': {'ShmSize': 1024 ** 3}}
    assert body('shm_size', '0') == {'HostConfig': {}}  # the daemon's default
    assert body('pid_mode', 'container:web') == {'HostConfig': {'PidMode': 'container:web'}}  # the daemon resolves it
    assert body('interactive', True) == {'HostConfig': {}, 'OpenStdin': True}
    assert body('tty', False) == {'HostConfig': {}, 'Tty': False}
    assert body('domainname', 'example.org') == {'HostConfig': {}, 'Domainname': 'example.org'}
    assert body('mac_address', '02-42-AC-11-00-02') == {'HostConfig': {}, 'MacAddress': '02:42:ac:11:00:02'}
    assert body('oom_killer', True) == {'HostConfig': {'OomKillDisable': True}}
    assert body('sysctls', {'net.core.somaxconn': 1024}) == {'HostConfig': {'Sysctls': {'net.core.somaxconn': '1024'}}}
    # log_options without log_driver go to the daemon's default driver (Type '')
    both: dict[str, t.Any] = {'HostConfig': {}}
    ROWS['log_options'].put({'max-size': '10m'}, both, ctx())
    assert both == {'HostConfig': {'LogConfig': {'Type': '', 'Config': {'max-size': '10m'}}}}
    ROWS['log_driver'].put('local', both, ctx())
    assert both == {'HostConfig': {'LogConfig': {'Type': 'local', 'Config': {'max-size': '10m'}}}}


def test_updates_in_place() -> None:
    assert ROWS['blkio_weight'].update(500, ctx()) == {'BlkioWeight': 500}
    assert ROWS['cpuset_mems'].update('0-1', ctx()) == {'CpusetMems': '0-1'}
    # the kernel of the recording discarded the weight: a container with one reads it back
    assert agrees('blkio_weight', 300, {'HostConfig': {'BlkioWeight': 300}}, ctx())
    assert not agrees('blkio_weight', 300, RECORDED['plain_d28'], ctx())


# ---- comparisons ----------------------------------------------------------------------------

def test_set_and_list_comparisons() -> None:
    container = {'HostConfig': {'Dns': ['10.0.0.1', '10.0.0.2'], 'DnsOptions': ['ndots:2', 'rotate'],
                                'ExtraHosts': ['a:10.0.0.1', 'b=10.0.0.2'], 'GroupAdd': ['audio', 'video'],
                                'Ulimits': [{'Name': 'nofile', 'Soft': 10, 'Hard': 20}, {'Name': 'nproc', 'Soft': 5, 'Hard': 5}],
                                'Sysctls': {'a.b': '1', 'c.d': '2'}}}
    c = ctx()
    assert agrees('dns_servers', ['10.0.0.1', '10.0.0.2'], container, c)
    assert not agrees('dns_servers', ['10.0.0.2', '10.0.0.1'], container, c)  # resolver order counts
    assert not agrees('dns_servers', ['10.0.0.1'], container, c)
    assert agrees('dns_opts', ['rotate'], container, c)  # a set: more present is fine by default
    assert not agrees('dns_opts', ['rotate'], container, c, 'strict')
    assert agrees('etc_hosts', {'b': '10.0.0.2', 'a': '10.0.0.1'}, container, c, 'strict')  # host=ip spelling read back
    assert not agrees('etc_hosts', {'b': '10.0.0.3'}, container, c)
    assert agrees('groups', ['video'], container, c)
    assert agrees('ulimits', ['nofile:10:20'], container, c)
    assert not agrees('ulimits', ['nofile:10:20'], container, c, 'strict')
    assert not agrees('ulimits', ['nofile:10'], container, c)
    assert agrees('sysctls', {'a.b': 1}, container, c)
    assert not agrees('sysctls', {'a.b': 1}, container, c, 'strict')
    assert agrees('sysctls', {'a.b': 2}, container, c, 'ignore')


def test_container_references_resolve_once_per_client() -> None:
    client = FakeClient('d20')
    c = ctx(client)
    assert ROWS['pid_mode'].wanted('container:target-d20', c) == 'container:' + TARGET_ID['d20']
    assert ROWS['ipc_mode'].wanted('container:target-d20', c) == 'container:' + TARGET_ID['d20']
    assert ROWS['pid_mode'].wanted('container:' + TARGET_ID['d28'], c) == 'container:' + TARGET_ID['d28']
    assert ROWS['pid_mode'].wanted('host', c) == 'host'
    assert client.reads == ['/containers/target-d20/json']
    with pytest.raises(ConfigurationError, match='pid_mode: container:gone names no container'):
        ROWS['pid_mode'].wanted('container:gone', c)
    # without a daemon (validation) the name stays
    assert ROWS['ipc_mode'].wanted('container:web', ctx()) == 'container:web'


def test_mac_address_on_newer_daemons_comes_from_the_endpoint() -> None:
    container = {'Config': {}, 'HostConfig': {'NetworkMode': 'mynet'},
                 'NetworkSettings': {'Networks': {'mynet': {'MacAddress': '02:42:AC:11:00:99'}}}}
    assert agrees('mac_address', '02:42:ac:11:00:99', container, ctx())


# ---- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize('name, value, message', [
    ('blkio_weight', 5, 'blkio_weight 5 is out of range: give a whole number from 10 to 1000'),
    ('blkio_weight', 1001, 'out of range'),
    ('memory_swappiness', 101, 'memory_swappiness 101 is out of range'),
    ('oom_score_adj', -1001, 'oom_score_adj -1001 is out of range'),
    ('shm_size', '64x', 'shm_size .64x. is not a size'),
    ('device_read_bps', [{'path': '/dev/sda', 'rate': 'fast'}], 'device_read_bps rate of /dev/sda .fast. is not a size'),
    ('device_write_iops', [{'path': '/dev/sda', 'rate': -1}], 'positive whole number'),
    ('device_read_iops', [{'path': 'sda', 'rate': 1}], 'path must be a device path'),
    ('device_requests', [{'capabilities': ['gpu']}], 'list of lists of strings'),
    ('device_requests', [{'count': -2}], 'or -1 for all'),
    ('device_requests', [{'options': {'x': True}}], 'device_requests.options.x is the boolean True'),
    ('ulimits', ['nofile'], 'is not NAME:SOFT.:HARD.'),
    ('ulimits', ['files:1:2'], 'NAME one of core'),
    ('ulimits', ['nofile:a:b'], 'whole numbers'),
    ('ulimits', ['nofile:20:10'], 'soft limit must not be above the hard limit'),
    ('etc_hosts', {'db': True}, 'etc_hosts.db is the boolean True'),
    ('etc_hosts', {'db': ''}, 'not a host name and address'),
    ('sysctls', {'net.ipv4.ip_forward': True}, 'Quote the value'),
    ('log_options', {'compress': False}, 'log_options.compress is the boolean False'),
    ('storage_opts', {'size': True}, 'storage_opts.size is the boolean'),
    ('mac_address', '02:42:ac:11:00', 'not a MAC address'),
    ('userns_mode', 'private', 'the only values are host'),
    ('uts', 'container:x', 'the only values are host'),
    ('pid_mode', 'container:', 'needs a container name or ID'),
    ('links', [':alias'], 'needs a container name'),
    ('groups', [None], 'is not a string'),
])
def test_bad_values_are_refused_with_a_way_out(name: str, value: t.Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ROWS[name].wanted(value, ctx())


# ---- wiring ---------------------------------------------------------------------------------

def test_the_engine_and_the_module_carry_these_rows() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils import _container_options as engine
    from ansible_collections.dockerapi.engine.plugins.modules import container

    for name, row in ROWS.items():
        assert engine.TABLE[name] is row, name
        assert engine.OPTION_ARGSPEC[name] == row.spec, name
        assert container.ARGUMENT_SPEC[name] == row.spec, name
    assert {'blkio_weight', 'cpuset_mems'} <= set(engine.UPDATABLE)
    assert 'dockerapi.engine.container_more' in yaml.safe_load(container.DOCUMENTATION)['extends_documentation_fragment']


def test_the_engine_builds_bodies_and_update_bodies_from_these_rows() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils import _container_options as engine

    params = dict(task('d20'), image='busybox', name='web')
    body, dummy = engine.create_body(params, None)
    host = body['HostConfig']
    assert host['PidMode'] == host['IpcMode'] == 'container:target-d20'
    assert host['Ulimits'] == [{'Name': 'nofile', 'Soft': 1024, 'Hard': 2048}]
    assert host['LogConfig'] == {'Type': 'json-file', 'Config': {'max-size': '10m'}}
    assert (body['Tty'], body['OpenStdin'], body['Domainname'], body['MacAddress']) == (True, True, 'example.org', '02:42:ac:11:00:99')
    container = RECORDED['full_d20']
    client = FakeClient('d20')
    want = engine.desired(params, None, client)
    diffs = [d for d in engine.differences(want, container, params, None, client) if d.option != 'image']
    assert [d.option for d in diffs] == ['blkio_weight']  # discarded by the recording's kernel; everything else equal
    assert engine.update_body(params, diffs, container, client) == {'BlkioWeight': 300}
