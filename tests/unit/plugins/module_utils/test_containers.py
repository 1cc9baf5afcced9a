"""Comparison and planning of the container service, against recorded inspect shapes."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _containers as C
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import (
    ConfigurationError, Conflict, ConnectionProblem, EngineError, NotFound)

IMAGE = {'Id': 'sha256:img', 'Config': {'Cmd': ['sh'], 'Env': ['PATH=/bin'], 'Labels': None}}

# What a 20.10 daemon answers for: run -d --name web -p 127.0.0.1:8080:80 -e A=1 --label x=y
# --memory 64m --restart on-failure:2 --cap-add NET_ADMIN busybox sleep 300
INSPECT = {
    'Id': 'c0ffee', 'Name': '/web', 'Image': 'sha256:img',
    'State': {'Status': 'running', 'Running': True},
    'Config': {'Cmd': ['sleep', '300'], 'Entrypoint': None, 'Env': ['A=1', 'PATH=/bin'],
               'Labels': {'x': 'y', 'from.image': 'z'}, 'Hostname': 'c0ffee', 'User': '', 'WorkingDir': '',
               'Volumes': {'/anon': {}}},
    'HostConfig': {'PortBindings': {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '8080'}]},
                   'Memory': 67108864, 'MemorySwap': 134217728, 'NanoCpus': 0, 'PidsLimit': None,
                   'RestartPolicy': {'Name': 'on-failure', 'MaximumRetryCount': 2},
                   'CapAdd': ['CAP_NET_ADMIN'], 'CapDrop': None, 'NetworkMode': 'default',
                   'Binds': ['/srv:/data:rw'], 'Tmpfs': None, 'SecurityOpt': None, 'Init': None,
                   'Devices': [], 'DeviceCgroupRules': None, 'CgroupnsMode': 'host', 'AutoRemove': False},
    'NetworkSettings': {'Networks': {'bridge': {'Aliases': None, 'IPAMConfig': None}}},
}

BASE = {'name': 'web', 'state': 'started', 'image': 'busybox', 'pull': 'missing', 'restart': False,
        'recreate': False, 'keep_volumes': True}


class FakeClient:
    """Just enough of EngineClient for planning (no I/O)."""

    def __init__(self, api='1.41'):
        self.api_version = api
        self.calls = []

    def close(self):
        self.calls.append(('CLOSE', ''))

    def api_at_least(self, version):
        return tuple(int(p) for p in self.api_version.split('.')) >= tuple(int(p) for p in version.split('.'))

    def require_api(self, version, feature):
        if not self.api_at_least(version):
            raise EngineError('%s needs %s' % (feature, version))


def params(**kw):
    p = dict(BASE)
    p.update(kw)
    return p


DEFAULT = object()


def plan(container=DEFAULT, image=DEFAULT, client=None, **kw):
    return C.plan(client or FakeClient(), params(**kw), INSPECT if container is DEFAULT else container,
                  IMAGE if image is DEFAULT else image, False)


def test_unchanged_when_every_requested_option_matches():
    the_plan = plan(command='sleep 300', env={'A': '1'}, labels={'x': 'y'}, published_ports=['127.0.0.1:8080:80'],
                    memory='64m', restart_policy='on-failure', restart_retries=2, cap_add=['net_admin'],
                    network_mode='bridge', volumes=['/srv:/data', '/anon'], cgroupns_mode='host', init=False,
                    stop_signal='TERM', stop_timeout=10, pids_limit=-1)
    assert the_plan.actions == []
    assert the_plan.diffs == []


def test_unrequested_options_never_count():
    # The container has a label, env vars, caps and ports the task does not mention.
    assert plan().actions == []


def test_limit_change_is_an_update_in_place():
    the_plan = plan(memory='128m', restart_policy='always')
    assert the_plan.actions == ['update']
    assert the_plan.update['Memory'] == 128 * 1024 ** 2
    # the default swap (twice the memory) moves along, or the daemon refuses the new memory
    assert the_plan.update['MemorySwap'] == 256 * 1024 ** 2
    assert the_plan.update['RestartPolicy'] == {'Name': 'always', 'MaximumRetryCount': 0}


def test_memory_above_custom_swap_needs_memory_swap():
    container = copy.deepcopy(INSPECT)
    container['HostConfig']['MemorySwap'] = 100 * 1024 ** 2
    with pytest.raises(ConfigurationError) as err:
        plan(container=container, memory='200m')
    assert 'memory_swap' in err.value.msg


@pytest.mark.parametrize('change', [
    {'env': {'A': '2'}}, {'command': ['sleep', '301']}, {'published_ports': ['8080:80']},
    {'cap_add': ['SYS_ADMIN']}, {'volumes': ['/srv:/data:ro']}, {'labels': {'x': 'z'}}, {'hostname': 'other'},
    {'init': True}, {'stop_signal': 'SIGKILL'},
])
def test_other_changes_recreate(change):
    assert plan(**change).actions == ['create', 'stop', 'rename', 'start', 'remove']


def test_image_id_change_recreates():
    assert plan(image={'Id': 'sha256:new', 'Config': {}}).actions == ['create', 'stop', 'rename', 'start', 'remove']


def test_states():
    stopped = copy.deepcopy(INSPECT)
    stopped['State'] = {'Status': 'exited', 'Running': False}
    assert plan(container=None).actions == ['create', 'start']
    assert plan(container=None, state='present').actions == ['create']
    assert plan(container=None, state='stopped').actions == ['create']
    assert plan(container=stopped, state='started').actions == ['start']
    assert plan(state='stopped').actions == ['stop']
    assert plan(container=stopped, state='stopped').actions == []
    assert plan(state='present').actions == []
    assert plan(restart=True).actions == ['restart']
    assert plan(recreate=True).actions == ['create', 'stop', 'rename', 'start', 'remove']
    # without image the recreate keeps the container's image
    assert plan(recreate=True, image=None).actions == ['create', 'stop', 'rename', 'start', 'remove']
    # present leaves a recreated container created, not started (docker_container)
    assert plan(state='present', env={'A': '9'}).actions == ['create', 'stop', 'rename', 'remove']
    assert plan(state='stopped', env={'A': '9'}).actions == ['create', 'stop', 'rename', 'remove']
    assert plan(container=stopped, state='present', env={'A': '9'}).actions == ['create', 'rename', 'remove']
    assert plan(state='absent').actions == ['stop', 'remove']
    assert plan(container=None, state='absent').actions == []


def test_create_needs_image():
    with pytest.raises(ConfigurationError) as err:
        C.plan(FakeClient(), params(image=None), None, None, False)
    assert 'needs image' in err.value.msg


def test_empty_command_means_image_default():
    container = copy.deepcopy(INSPECT)
    container['Config']['Cmd'] = ['sh']
    assert plan(container=container, command=[]).actions == []


def test_networks_connect_in_place_and_at_create():
    nets = [{'name': 'front', 'aliases': ['web']}, {'name': 'back', 'aliases': None, 'ipv4_address': None}]
    # network_mode given: networks are connected in place (without it, network_mode is the first network, as
    # docker_container with networks_cli_compatible, and a container on bridge is recreated)
    the_plan = plan(networks=nets, network_mode='bridge')
    assert the_plan.actions == ['connect:front', 'connect:back']
    body, later = C.create_body(params(networks=nets), FakeClient('1.41'))
    assert body['HostConfig']['NetworkMode'] == 'front'
    assert list(body['NetworkingConfig']['EndpointsConfig']) == ['front']
    assert later == ['back']
    body, later = C.create_body(params(networks=nets), FakeClient('1.44'))
    assert sorted(body['NetworkingConfig']['EndpointsConfig']) == ['back', 'front'] and later == []
    assert plan(container=None, networks=nets).actions == ['create', 'connect:back', 'start']
    container = copy.deepcopy(INSPECT)
    container['NetworkSettings']['Networks'] = {'front': {'Aliases': ['web', 'c0ffee']}, 'back': {}}
    container['HostConfig']['NetworkMode'] = 'front'
    assert plan(container=container, networks=nets).actions == []
    assert plan(container=container, networks=[{'name': 'front', 'aliases': ['www']}]).actions == ['reconnect:front']


def test_create_body_shapes():
    body, dummy = C.create_body(params(
        command='sleep 300', entrypoint=[], env={'A': 1}, published_ports=['127.0.0.1::80/udp'],
        volumes=['/srv:/data:ro', '/anon'], tmpfs=['/run'], memory='64m', memory_swap='-1', cpus=0.5,
        restart_policy='on-failure', restart_retries=3, cap_add=['ALL'], cap_drop=['SYS_RESOURCE'],
        security_opts=['seccomp=unconfined'], device_cgroup_rules=['a *:* rwm'], cgroupns_mode='host',
        devices=['/dev/fuse'], healthcheck={'test': 'true', 'interval': '5s', 'retries': 3},
        mounts=[{'type': 'tmpfs', 'target': '/scratch', 'tmpfs_size': '1m', 'read_only': False}],
        stop_signal='RTMIN+3', init=True, auto_remove=False), FakeClient())
    host = body['HostConfig']
    assert body['Cmd'] == ['sleep', '300'] and body['Entrypoint'] == ['']
    assert body['Env'] == ['A=1'] and body['Volumes'] == {'/anon': {}}
    assert body['ExposedPorts'] == {'80/udp': {}}
    assert host['PortBindings'] == {'80/udp': [{'HostIp': '127.0.0.1', 'HostPort': ''}]}
    assert host['Binds'] == ['/srv:/data:ro'] and host['Tmpfs'] == {'/run': ''}
    assert host['Memory'] == 64 * 1024 ** 2 and host['MemorySwap'] == -1 and host['NanoCpus'] == 500000000
    assert host['RestartPolicy'] == {'Name': 'on-failure', 'MaximumRetryCount': 3}
    assert host['Devices'][0]['PathInContainer'] == '/dev/fuse'
    assert host['Mounts'] == [{'Type': 'tmpfs', 'Target': '/scratch', 'ReadOnly': False,
                               'TmpfsOptions': {'SizeBytes': 1048576}}]
    assert body['Healthcheck'] == {'Test': ['CMD-SHELL', 'true'], 'Interval': 5 * 10 ** 9, 'Retries': 3}
    assert body['StopSignal'] == 'SIGRTMIN+3' and host['Init'] is True


def test_validation_before_any_write():
    with pytest.raises(ConfigurationError):
        C.validate(params(restart_policy='always', restart_retries=2), FakeClient())
    with pytest.raises(ConfigurationError):
        C.validate(params(auto_remove=True, restart_policy='always'), FakeClient())
    with pytest.raises(EngineError) as err:
        C.validate(params(healthcheck={'test': 'true', 'start_interval': '1s'}), FakeClient('1.41'))
    assert '1.44' in err.value.msg
    with pytest.raises(ConfigurationError) as err:
        C.validate(params(published_ports=['80:80:80:80']), FakeClient())
    assert 'Invalid port spec' in err.value.msg


def test_image_references_are_validated_by_the_image_parser():
    assert C.image_reference({'image': 'busybox'}) == ('busybox:latest', C.parse_reference('busybox'))
    assert C.image_reference({'image': '127.0.0.1:5000/a/b:1.2'})[0] == '127.0.0.1:5000/a/b:1.2'
    assert C.image_reference({'image': 'sha256:' + 'a' * 64}) == ('sha256:' + 'a' * 64, None)
    for bad in ('App:1', 'foo::bar', 'a b'):
        with pytest.raises(ConfigurationError) as err:
            C.image_reference({'image': bad})
        assert 'image' in err.value.msg and bad in err.value.msg


@pytest.mark.parametrize(('option', 'value', 'words'), [
    ('cpus', float('nan'), 'finite'), ('cpus', float('inf'), 'finite'), ('cpus', 1e30, 'far more'),
    ('memory', '1e30', 'not a size'), ('memory', '99999999999g', 'out of range'), ('cpu_shares', 2 ** 70, 'out of range'),
    ('stop_timeout', 10 ** 12, 'out of range'), ('pids_limit', 2 ** 63, 'out of range'),
])
def test_absurd_numbers_fail_clearly_before_any_call(option, value, words):
    with pytest.raises(ConfigurationError) as err:
        C.validate(params(**{option: value}), FakeClient())
    assert option in err.value.msg and words in err.value.msg


def test_names_are_checked():
    C.check_name('web-1.a_b')
    for bad in ('x' * 256, 'a', '-web', 'we b', 'web/1', 'web\n'):
        with pytest.raises(ConfigurationError) as err:
            C.check_name(bad)
        assert 'name' in err.value.msg


def test_env_values_are_hidden():
    container = copy.deepcopy(INSPECT)
    the_plan = plan(container=container, env={'A': 'secret-2'})
    want = C.desired(params(env={'A': 'secret-2'}), IMAGE)
    view = C._diff_view(want, container, params(env={'A': 'secret-2'}), the_plan)
    assert view['before']['env'] == {'A': C.HIDDEN} and view['after']['env'] == {'A': C.HIDDEN_CHANGED}
    assert 'secret' not in repr(view) and "'1'" not in repr(view['before'])
    shown = C.hide_env_in_inspect(container, ['A'])
    assert shown['Config']['Env'] == ['A=<hidden>', 'PATH=/bin'] and container['Config']['Env'][0] == 'A=1'


class ConflictClient(FakeClient):
    """Inspect says missing, create says 409: a container made by someone else meanwhile."""

    class settings:  # noqa: N801 - mimics the attribute
        timeout = 60

    def get_json(self, path, params=None, **kw):
        raise NotFound(404, 'No such container', 'GET', path)

    def post_json(self, path, params=None, body=None, **kw):
        raise Conflict(409, 'Conflict. The container name "/web" is already in use by container "abc".', 'POST', path)


def test_name_taken_meanwhile_fails_clearly():
    client = ConflictClient()
    the_plan = C.Plan(['create', 'start'], [], {}, [], False)
    with pytest.raises(EngineError) as err:
        C.apply(client, params(), None, the_plan, {})
    assert 'taken meanwhile' in err.value.msg and 'already in use' in err.value.msg


def test_info_shapes_are_not_ours_when_only_the_id_prefix_matches():
    class Client(FakeClient):
        def get_json(self, path, params=None, **kw):
            return {'Id': 'abcdef', 'Name': '/other'}
    assert C.get_container(Client(), 'abc') is None
    assert C.get_container(Client(), 'abc', exact=False)['Name'] == '/other'


class LostAnswerClient(FakeClient):
    """The create request went out and the connection died before the answer; the lookup afterwards finds ``after``."""

    class settings:  # noqa: N801 - mimics the attribute
        timeout = 60

    def __init__(self, after):
        super().__init__()
        self.after = after
        self.posts = 0

    def get_json(self, path, params=None, **kw):
        if self.after is None:
            raise NotFound(404, 'No such container', 'GET', path)
        return self.after

    def post_json(self, path, params=None, body=None, **kw):
        self.posts += 1
        raise ConnectionProblem('The connection to the daemon was closed by the other side during POST %s.' % path)


@pytest.mark.parametrize('after', [None, {'Id': 'f00d' * 16, 'Name': '/web', 'State': {'Status': 'created'}}])
def test_a_lost_create_answer_is_looked_up_not_resent(after):
    client = LostAnswerClient(after)
    with pytest.raises(EngineError) as err:
        C.apply(client, params(), None, C.Plan(['create', 'start'], [], {}, [], False), {})
    assert client.posts == 1 and ('CLOSE', '') in client.calls  # a fresh connection, so no automatic resend
    assert 'not sent again' in err.value.msg
    if after is None:
        assert 'did not happen; nothing was changed' in err.value.msg
    else:
        assert 'exists now (ID f00df00df00d, created)' in err.value.msg
