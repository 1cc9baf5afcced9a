"""The counterparts of community.docker's modules take every option those document (issue #11, item 5).

One playbook per daemon (20.10 and 28.5) runs every task through ansible-core (the in-process fast path), with the
docker CLI as the independent witness between the steps; the registered results are written to a file and checked
here. New options: ``debug`` and ``use_ssh_client`` (every module), host_info ``verbose_output`` (and its
``host_info`` / ``can_talk_to_docker`` returns), prune ``builder_cache_keep_storage``, network ``config_only`` /
``config_from`` / ``enable_ipv4`` / ``scope`` / ``ingress`` (and ``diff.differences``), volume ``volume_name``
(and ``diff.differences``).
"""

from __future__ import annotations

import importlib
import json
import os
import random
import subprocess
import sys
import tempfile
import types
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ROOT, ansible_env, cli_environment, daemon_connection, docker_cli, harness

BRIEF_KEYS = {
    'containers': {'Id', 'Image', 'Command', 'Created', 'Status', 'Ports', 'Names'},
    'images': {'Id', 'RepoTags', 'Created', 'Size'},
    'volumes': {'Driver', 'Name'},
    'networks': {'Id', 'Driver', 'Name', 'Scope'},
}


def _free_octets(count: int) -> list[int]:
    routes = subprocess.run(['ip', 'route'], capture_output=True, text=True, check=False).stdout
    free = [o for o in range(1, 255) if f'10.236.{o}.' not in routes]
    return random.sample(free, count)


def _play(daemon_name: str, tasks: list[dict]) -> dict:
    """Run ``tasks`` (each registers a result under its ``register`` name) and return the registered results."""
    info = harness()
    daemon = info['daemons'][daemon_name]
    names = [task['register'] for task in tasks if 'register' in task]
    with tempfile.TemporaryDirectory(prefix='dockerapi-counterparts-') as tmp:
        out = Path(tmp) / 'results.json'
        collect = '{{ {%s} | to_json }}' % ', '.join("'%s': %s | default(None)" % (n, n) for n in names)
        play = [{
            'name': 'counterparts on %s' % daemon_name,
            'hosts': 'localhost',
            'connection': 'local',
            'gather_facts': False,
            'module_defaults': {'group/dockerapi.engine.engine': daemon_connection(daemon)},
            'environment': cli_environment(daemon),
            'tasks': [dict(task, ignore_errors=True) for task in tasks]
            + [{'ansible.builtin.copy': {'content': collect, 'dest': str(out)}}],
        }]
        (Path(tmp) / 'play.yml').write_text(json.dumps(play))
        proc = subprocess.run([str(BIN / 'ansible-playbook'), str(Path(tmp) / 'play.yml')], env=ansible_env(),
                              capture_output=True, text=True, timeout=600, check=False)
        if not out.exists():
            raise AssertionError('the play wrote no results (rc %d):\n%s\n%s'
                                 % (proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:]))
        return json.loads(out.read_text())


def _cli(register: str, *argv: str) -> dict:
    """A docker CLI witness; Go templates are kept from Jinja."""
    argv_ = ['{%% raw %%}%s{%% endraw %%}' % a if '{{' in a else a for a in argv]
    return {'ansible.builtin.command': {'argv': ['docker'] + argv_}, 'register': register, 'changed_when': False}


def _task(module: str, register: str, args: dict, **keywords: object) -> dict:
    task = {'dockerapi.engine.' + module: args, 'register': register}
    task.update(keywords)
    return task


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_counterparts_take_every_option(daemon_name: str) -> None:
    daemon = harness()['daemons'][daemon_name]
    image = harness()['test_image']
    p = 'cp-%s-%s' % (daemon_name, uuid.uuid4().hex[:8])
    label = 'dockerapi.test=%s' % p
    o1, o2, o3 = _free_octets(3)
    ipv6 = 'fd00:236:%x::/64' % random.randrange(1, 0xffff)
    inspect = '{{.Id}} {{.Driver}} {{.Scope}} {{.ConfigOnly}} {{json .ConfigFrom}} {{json .IPAM.Config}} {{json .Labels}}'
    tasks = [
        _cli('c0', 'run', '-d', '--name', p + '-c', '--label', label, image, 'sleep', '300'),
        _cli('v0', 'volume', 'create', '--label', label, p + '-v0'),
        # host_info: host_info == info, brief lists by default, everything with verbose_output, debug traces.
        _task('host_info', 'hi', {'debug': True, 'use_ssh_client': True, 'containers': True, 'containers_all': True,
                                  'containers_filters': {'label': label}, 'images': True, 'networks': True,
                                  'volumes': True, 'disk_usage': True}),
        _task('host_info', 'hiv', {'verbose_output': True, 'containers': True, 'containers_filters': {'label': label},
                                   'images': True, 'networks': True, 'volumes': True, 'disk_usage': True}),
        _task('host_info', 'hi_down', {'docker_host': 'unix:///nonexistent/%s.sock' % p}),
        _task('host_info', 'hi_bad', {'containers': True, 'containers_filters': {'no_such_filter': 'x'}}),
        # The info modules and exec: debug and use_ssh_client accepted, community.docker's return keys.
        _task('container_info', 'ci', {'name': p + '-c', 'debug': True, 'use_ssh_client': False}),
        _task('container_exec', 'ce', {'container': p + '-c', 'argv': ['sh', '-c', 'echo out; echo err >&2'],
                                       'debug': True}),
        _task('image_info', 'ii', {'name': [image], 'debug': True}),
        # volume: volume_name (name is its alias), diff.differences, float labels refused.
        _task('volume', 'v1', {'volume_name': p + '-v', 'labels': {'a': '1'}, 'debug': True}),
        _cli('v1w', 'volume', 'inspect', '--format', '{{.Driver}} {{json .Labels}}', p + '-v'),
        _task('volume', 'v2', {'name': p + '-v', 'labels': {'a': '1'}}),
        _task('volume', 'v3', {'volume_name': p + '-v', 'labels': {'a': '2'}, 'recreate': 'options-changed'},
              check_mode=True, diff=True),
        _task('volume', 'v_float', {'volume_name': p + '-vf', 'labels': {'version': 1.10}}),
        _cli('v_float_w', 'volume', 'ls', '-q', '--filter', 'name=' + p + '-vf'),
        _task('volume_info', 'vi', {'name': p + '-v', 'debug': True}),
        # network: config_only / config_from, scope, swarm-only values, diff.differences.
        _task('network', 'n1', {'name': p + '-co', 'config_only': True, 'ipam_config': [{'subnet': '10.236.%d.0/24' % o1}],
                                'debug': True}),
        _cli('n1w', 'network', 'inspect', '--format', inspect, p + '-co'),
        _task('network', 'n2', {'name': p + '-co', 'config_only': True, 'ipam_config': [{'subnet': '10.236.%d.0/24' % o1}]}),
        _task('network', 'n3', {'name': p + '-cf', 'config_from': p + '-co'}),
        _cli('n3w', 'network', 'inspect', '--format', inspect, p + '-cf'),
        _task('network', 'n4', {'name': p + '-cf', 'config_from': p + '-co'}),
        _task('network', 'n5', {'name': p + '-cf', 'config_from': p + '-co', 'labels': {'x': 'y'}}, check_mode=True,
              diff=True),
        _task('network', 'n6', {'name': p + '-n', 'scope': 'local', 'ipam_config': [{'subnet': '10.236.%d.0/24' % o2}],
                                'labels': {'dockerapi.test': p}}),
        _cli('n6w', 'network', 'inspect', '--format', inspect, p + '-n'),
        _task('network', 'n7', {'name': p + '-n', 'scope': 'local', 'ipam_config': [{'subnet': '10.236.%d.0/24' % o2}]}),
        _task('network', 'n8', {'name': p + '-n', 'ipam_config': [{'subnet': '10.236.%d.0/24' % o3}],
                                'labels': {'dockerapi.test': 'other'}}, check_mode=True),
        _task('network', 'n_swarm', {'name': p + '-n', 'scope': 'swarm', 'force': True}),
        _task('network', 'n_ingress', {'name': p + '-ing', 'driver': 'overlay', 'ingress': True}),
        _task('network', 'n_float', {'name': p + '-nf', 'labels': {'version': 1.10}}),
        _cli('n_after', 'network', 'ls', '--format', '{{.ID}} {{.Name}}', '--filter', 'name=' + p),
        _cli('n6w_after', 'network', 'inspect', '--format', inspect, p + '-n'),
        _task('network_info', 'ni', {'name': p + '-n', 'debug': True}),
        _task('network', 'n_v4', {'name': p + '-v6', 'enable_ipv4': False, 'enable_ipv6': True,
                                  'ipam_config': [{'subnet': ipv6}]}),
        _cli('n_v4w', 'network', 'ls', '-q', '--filter', 'name=' + p + '-v6'),
        _task('network', 'n_v4_again', {'name': p + '-v6', 'enable_ipv4': False, 'enable_ipv6': True,
                                        'ipam_config': [{'subnet': ipv6}]}),
        # prune: builder_cache_keep_storage (an id filter that matches nothing keeps other users' cache safe).
        _task('prune', 'pr', {'builder_cache': True, 'builder_cache_keep_storage': '1G', 'debug': True,
                              'builder_cache_filters': {'id': '^%s$' % p}}),
        _task('prune', 'pr_bad', {'builder_cache': True, 'builder_cache_keep_storage': 'lots'}),
    ]
    if daemon_name == 'd28':
        tasks.insert(tasks.index(next(t for t in tasks if t.get('register') == 'n_v4w')) + 1,
                     _cli('n_v4i', 'network', 'inspect', '--format', '{{.EnableIPv4}} {{.EnableIPv6}}', p + '-v6'))
    try:
        r = _play(daemon_name, tasks)
    finally:
        docker_cli(daemon, 'rm', '-f', p + '-c', check=False)
        for net in ('-cf', '-co', '-n', '-ing', '-nf', '-v6'):
            docker_cli(daemon, 'network', 'rm', p + net, check=False)
        docker_cli(daemon, 'volume', 'rm', p + '-v', p + '-vf', p + '-v0', check=False)

    assert r['c0']['rc'] == 0, r['c0']
    # host_info
    hi = r['hi']
    assert not hi.get('failed'), hi
    assert hi['host_info'] == hi['info'] and hi['can_talk_to_docker'] is True
    assert 'GET /info' in hi['api_calls'] and 'GET /containers/json' in hi['api_calls']
    assert [c['Names'] for c in hi['containers']] == [['/' + p + '-c']]
    for kind, keys in BRIEF_KEYS.items():
        assert hi[kind], kind
        assert all(set(entry) <= keys for entry in hi[kind]), (kind, hi[kind][0])
    assert set(hi['disk_usage']) == {'LayersSize'}
    hiv = r['hiv']
    assert hiv['containers'][0]['Labels'] == {'dockerapi.test': p} and hiv['containers'][0]['State'] == 'running'
    assert 'Mountpoint' in hiv['volumes'][0] and 'IPAM' in hiv['networks'][0] and 'Labels' in hiv['images'][0]
    assert {'LayersSize', 'Images', 'Containers', 'Volumes'} <= set(hiv['disk_usage'])
    assert 'api_calls' not in hiv  # no debug, no trace
    assert r['hi_down']['failed'] and r['hi_down']['can_talk_to_docker'] is False, r['hi_down']
    assert r['hi_bad']['failed'] and r['hi_bad']['can_talk_to_docker'] is True, r['hi_bad']
    # info modules and exec
    assert r['ci']['exists'] is True and r['ci']['container']['Name'] == '/' + p + '-c' and r['ci']['api_calls']
    ce = r['ce']
    assert (ce['rc'], ce['stdout'], ce['stderr']) == (0, 'out', 'err') and ce['exec_id'], ce
    assert any(call.startswith('POST /exec/') for call in ce['api_calls']), ce['api_calls']
    assert len(r['ii']['images']) == 1 and r['ii']['api_calls']
    # volume
    assert r['v1']['changed'] and r['v1']['api_calls'] and r['v1']['diff'] == {'differences': []}, r['v1']
    assert r['v1w']['stdout'] == 'local {"a":"1"}'
    assert r['v2']['changed'] is False and 'diff' not in r['v2'], r['v2']
    assert r['v3']['changed'] and r['v3']['diff']['differences'] == ['labels.a'], r['v3']
    assert r['v3']['diff']['before']['labels'] == {'a': '1'} and r['v3']['diff']['after']['labels'] == {'a': '2'}
    assert r['v_float']['failed'] and 'quote' in r['v_float']['msg'].lower(), r['v_float']
    assert r['v_float_w']['stdout'] == ''
    assert r['vi']['exists'] is True and r['vi']['volume']['Name'] == p + '-v' and r['vi']['api_calls']
    # network: config_only / config_from
    assert r['n1']['changed'] and r['n1']['diff'] == {'differences': []} and r['n1']['api_calls'], r['n1']
    n1w = r['n1w']['stdout'].split(' ', 5)
    assert n1w[1:4] == ['null', 'local', 'true'] and '10.236.%d.0/24' % o1 in n1w[5], n1w
    assert r['n2']['changed'] is False, r['n2']
    n3w = r['n3w']['stdout']
    assert '{"Network":"%s-co"}' % p in n3w and '10.236.%d.0/24' % o1 in n3w, n3w
    assert r['n3']['changed'] and r['n4']['changed'] is False, (r['n3'], r['n4'])
    assert r['n5']['changed'] and r['n5']['diff']['differences'] == ['labels.x'], r['n5']
    assert r['n5']['diff']['before']['config_from'] == p + '-co'
    # scope, ipam paths
    assert r['n6']['changed'] and r['n6w']['stdout'].split()[2] == 'local'
    assert r['n7']['changed'] is False and 'diff' not in r['n7'], r['n7']
    assert r['n8']['changed'] and r['n8']['diff']['differences'] == ['ipam_config[0].subnet', 'labels.dockerapi.test'], r['n8']
    # swarm-only values: refused before any change, naming the option
    for key, option in (('n_swarm', 'scope: swarm'), ('n_ingress', 'ingress: true')):
        assert r[key]['failed'] and option in r[key]['msg'] and 'swarm manager' in r[key]['msg'], r[key]
        assert 'Nothing was changed' in r[key]['msg']
    assert r['n6w_after']['stdout'] == r['n6w']['stdout']  # the same network (same ID), untouched
    listed = r['n_after']['stdout']
    assert p + '-ing' not in listed and p + '-nf' not in listed, listed
    assert r['n_float']['failed'] and 'quote' in r['n_float']['msg'].lower(), r['n_float']
    assert r['ni']['exists'] is True and r['ni']['network']['Name'] == p + '-n' and r['ni']['api_calls']
    # enable_ipv4: API 1.47 (Docker 28); older daemons refuse before anything is created
    if daemon_name == 'd28':
        assert r['n_v4']['changed'], r['n_v4']
        assert r['n_v4i']['stdout'] == 'false true'
        assert r['n_v4_again']['changed'] is False, r['n_v4_again']
    else:
        assert r['n_v4']['failed'] and 'enable_ipv4 needs Docker API 1.47' in r['n_v4']['msg'], r['n_v4']
        assert r['n_v4w']['stdout'] == ''
    # prune
    pr = r['pr']
    assert not pr.get('failed') and pr['builder_cache_caches_deleted'] == [], pr
    assert isinstance(pr['builder_cache_space_reclaimed'], int) and 'POST /build/prune' in pr['api_calls']
    assert r['pr_bad']['failed'] and "builder_cache_keep_storage 'lots' is not a size" in r['pr_bad']['msg'], r['pr_bad']


# ---- what the daemon is sent, without a daemon ----------------------------------------------


def _module_utils(name: str) -> types.ModuleType:
    """Import a module_utils file of the collection the integration tests run (build/collections by default)."""
    root = (os.environ.get('ANSIBLE_COLLECTIONS_PATH') or str(ROOT / 'build' / 'collections')).split(':')[0]
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module('ansible_collections.dockerapi.engine.plugins.module_utils.' + name)


def test_keep_storage_is_sent_and_estimated() -> None:
    P = _module_utils('_prune')  # pylint: disable=invalid-name

    class Client:
        api_version = '1.51'

        def __init__(self) -> None:
            self.posts: list = []

        def api_at_least(self, version: str) -> bool:
            return True

        def post_json(self, path: str, params: dict | None = None, **kwargs: object) -> dict:
            self.posts.append((path, params))
            return {'CachesDeleted': ['a'], 'SpaceReclaimed': 10}

        def get_json(self, path: str, params: dict | None = None) -> dict:
            return {'BuildCache': [
                {'ID': 'old', 'Type': 'regular', 'Size': 30, 'LastUsedAt': '2023-11-10T00:00:00Z'},
                {'ID': 'mid', 'Type': 'regular', 'Size': 30, 'LastUsedAt': '2023-11-12T00:00:00Z'},
                {'ID': 'new', 'Type': 'regular', 'Size': 30, 'LastUsedAt': '2023-11-14T00:00:00Z'},
            ]}

    client = Client()
    P.prune_service(client, {'builder_cache': True, 'builder_cache_keep_storage': '1k'}, False, False)
    assert client.posts == [('/build/prune', {'keep-storage': 1024})]
    predicted = P.prune_service(client, {'builder_cache': True, 'builder_cache_keep_storage': '40'}, True, False)
    assert predicted['builder_cache_caches_deleted'] == ['old', 'mid']  # the least recently used, until 30 <= 40
    assert predicted['builder_cache_space_reclaimed'] == 60


def test_network_difference_paths_name_options_as_docker_network() -> None:
    networks = _module_utils('_networks')
    difference_paths, network_spec = networks.difference_paths, networks.network_spec
    spec = network_spec({'name': 'n', 'driver': 'bridge', 'driver_options': {'com.docker.network.driver.mtu': '1400'},
                         'ipam_config': [{'subnet': '10.1.0.0/24'}, {'subnet': '10.2.0.0/24', 'gateway': '10.2.0.9'}],
                         'labels': {'a': 'b'}, 'internal': True, 'scope': 'local', 'config_from': 'base',
                         'ingress': False, 'enable_ipv4': True})
    network = {'Name': 'n', 'Driver': 'macvlan', 'Options': {}, 'Internal': False, 'Scope': 'local',
               'IPAM': {'Config': [{'Subnet': '10.2.0.0/24', 'Gateway': '10.2.0.1'}, {'Subnet': '10.3.0.0/24'}]},
               'Labels': {}, 'EnableIPv4': True, 'ConfigFrom': {'Network': ''}}
    assert difference_paths(spec, network) == [
        'driver', 'driver_options.com.docker.network.driver.mtu', 'ipam_config[0].subnet', 'ipam_config[1].gateway',
        'internal', 'labels.a', 'config_from']
    only_extra = network_spec({'name': 'n', 'ipam_config': [{'subnet': '10.2.0.0/24'}]})
    assert difference_paths(only_extra, network) == ['ipam_config']  # 10.3.0.0/24 is not wanted
    body = spec.body(check_duplicate=False)
    assert body['ConfigFrom'] == {'Network': 'base'} and body['Scope'] == 'local' and body['EnableIPv4'] is True


def test_debug_and_use_ssh_client_are_connection_options() -> None:
    CONNECTION_ARGSPEC = _module_utils('_connection').CONNECTION_ARGSPEC  # pylint: disable=invalid-name
    assert CONNECTION_ARGSPEC['debug'] == {'type': 'bool', 'default': False}
    assert CONNECTION_ARGSPEC['use_ssh_client'] == {'type': 'bool', 'default': False}
