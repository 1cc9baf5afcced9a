"""The inventory plugin dockerapi.engine.containers against real daemons: d20, d28 and tls (mutual TLS).

Containers are made with the docker CLI (the witness), each labelled with this run's tag, and listed with
``ansible-inventory`` as a user would; one playbook runs ``setup`` and ``copy`` in python-image containers of two
engines at once through the inventory and the dockerapi.engine.engine_api connection plugin.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ROOT, ansible_env, docker_cli, harness

BUSYBOX = 'dockerapi-test/busybox:latest'
PYTHON = 'dockerapi-test/python:latest'
ENGINES = ('d20', 'd28', 'tls')


def _unsafe(value):
    """ansible-inventory (2.19+) writes strings from the daemons as {"__ansible_unsafe": "..."}: unwrap them."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return {k: _unsafe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsafe(v) for v in value]
    return value


def _engine_entry(name: str, daemon: dict) -> dict:
    entry = {'name': name, 'docker_host': daemon['docker_host']}
    if daemon.get('cert_dir'):
        entry.update(ca_path=os.path.join(daemon['cert_dir'], 'ca.pem'), client_cert=os.path.join(daemon['cert_dir'], 'cert.pem'),
                     client_key=os.path.join(daemon['cert_dir'], 'key.pem'))
    return entry


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    """Labelled containers on three engines; a name ("web") used on two of them; one container created, not started."""
    info = harness()
    daemons = {name: info['daemons'][name] for name in ENGINES}
    tag = uuid.uuid4().hex[:8]
    label = 'dkapi13-D=%s' % tag
    prefix = 'dkapi13-D-%s' % tag
    plan = [  # engine, name suffix, role, image, started
        ('d20', 'web', 'web', BUSYBOX, True),
        ('d20', 'idle', 'idle', BUSYBOX, False),
        ('d28', 'web', 'web', BUSYBOX, True),
        ('d28', 'py', 'py', PYTHON, True),
        ('tls', 'db', 'db', BUSYBOX, True),
        ('tls', 'py', 'py', PYTHON, True),
    ]
    subprocess.run([str(ROOT / 'tests' / 'harness' / 'python-image'), 'd28', 'tls'], check=True, capture_output=True,
                   text=True, timeout=600)
    try:
        for engine, suffix, role, image, started in plan:
            args = ['run', '-d'] if started else ['create']
            args += ['--pull=never', '--name', '%s-%s' % (prefix, suffix), '--label', label, '--label', 'role=%s' % role,
                     '--label', 'template={{ 6 * 7 }}', image]
            if image == BUSYBOX:
                args += ['sleep', '3600']
            docker_cli(daemons[engine], *args)
        yield {'tag': tag, 'label': label, 'prefix': prefix, 'daemons': daemons,
               'tmp': tmp_path_factory.mktemp('dkapi13-D'), 'plan': plan}
    finally:
        for daemon in daemons.values():
            ids = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=' + label, check=False).stdout.split()
            if ids:
                docker_cli(daemon, 'rm', '-f', *ids, check=False)


def _write(fleet: dict, name: str, config: dict) -> Path:
    path = fleet['tmp'] / name
    path.write_text(json.dumps(dict({'plugin': 'dockerapi.engine.containers'}, **config), indent=1))
    return path


def _engines(fleet: dict, names=ENGINES) -> list[dict]:
    return [_engine_entry(name, fleet['daemons'][name]) for name in names]


def _inventory(path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    extra = {'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true'}
    extra.update(env or {})
    return subprocess.run([str(BIN / 'ansible-inventory'), '-i', str(path)] + list(args), env=ansible_env(extra),
                          capture_output=True, text=True, timeout=120, check=False)


def _list(path: Path, env: dict | None = None) -> dict:
    proc = _inventory(path, '--list', env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return _unsafe(json.loads(proc.stdout))


def _ps(fleet: dict, engine: str, running_only: bool = False) -> dict:
    """docker ps (the witness): container name -> (full id, state)."""
    args = ['ps', '--no-trunc', '--filter', 'label=' + fleet['label'], '--format', '{{.ID}} {{.Names}} {{.State}}']
    if not running_only:
        args.insert(1, '-a')
    rows = docker_cli(fleet['daemons'][engine], *args).stdout.split('\n')
    return {name: (cid, state) for cid, name, state in (row.split() for row in rows if row.strip())}


def test_list_three_engines_matches_docker_ps(fleet):
    """Every labelled container of d20, d28 and tls is a host named <engine>-<container>, with its facts and the
    connection variables of its engine; "web" exists on two engines and gives two hosts; running_only drops the
    created container."""
    config = {'engines': _engines(fleet), 'containers_filters': {'label': [fleet['label']]},
              'compose': {'label_text': 'docker_labels.template'}}
    listed = _list(_write(fleet, 'all.containers.yml', config))
    hostvars = listed['_meta']['hostvars']
    expected = {}
    for engine in ENGINES:
        for name, (cid, state) in _ps(fleet, engine).items():
            expected['%s-%s' % (engine, name)] = (engine, name, cid, state)
    assert sorted(hostvars) == sorted(expected)
    assert len(expected) == len(fleet['plan'])
    for host, (engine, name, cid, state) in expected.items():
        hv = hostvars[host]
        assert (hv['docker_engine'], hv['docker_name'], hv['docker_id'], hv['docker_status']) == (engine, name, cid, state)
        assert hv['docker_short_id'] == cid[:13]
        assert hv['docker_running'] is (state == 'running')
        assert hv['docker_labels']['dkapi13-D'] == fleet['tag']
        assert hv['ansible_connection'] == 'dockerapi.engine.engine_api'
        assert hv['ansible_host'] == cid
        assert hv['ansible_docker_docker_host'] == fleet['daemons'][engine]['docker_host']
        if engine == 'tls':
            cert_dir = fleet['daemons']['tls']['cert_dir']
            assert hv['ansible_docker_tls'] is True and hv['ansible_docker_validate_certs'] is True
            assert hv['ansible_docker_ca_path'] == os.path.join(cert_dir, 'ca.pem')
            assert hv['ansible_docker_client_key'] == os.path.join(cert_dir, 'key.pem')
        else:
            assert not any(k.startswith(('ansible_docker_tls', 'ansible_docker_ca', 'ansible_docker_client')) for k in hv)
        if state == 'running':
            assert hv['docker_ip'] and hv['docker_ip'] in [n['IPAddress'] for n in hv['docker_networks'].values()]
        assert 'docker_hostconfig' not in hv  # verbose_output is off
        assert not any('passphrase' in k for k in hv)
        # A label holding a template stays text: data from the daemons is never templated.
        assert hv['label_text'] == '{{ 6 * 7 }}'
    web = [h for h in hostvars if h.endswith('-%s-web' % fleet['prefix'])]
    assert sorted(web) == ['d20-%s-web' % fleet['prefix'], 'd28-%s-web' % fleet['prefix']]
    assert hostvars[web[0]]['docker_id'] != hostvars[web[1]]['docker_id']

    running = _list(_write(fleet, 'running.containers.yml', dict(config, running_only=True)))['_meta']['hostvars']
    expected_running = {'%s-%s' % (e, n) for e in ENGINES for n in _ps(fleet, e, running_only=True)}
    assert set(running) == expected_running == set(expected) - {'d20-%s-idle' % fleet['prefix']}


def test_graph_keyed_groups_on_labels_engine_image(fleet):
    config = {
        'engines': _engines(fleet),
        'containers_filters': {'label': {'dkapi13-D': fleet['tag']}},
        'keyed_groups': [{'key': 'docker_labels.role', 'prefix': 'role'}, {'key': 'docker_engine', 'prefix': 'engine'},
                         {'key': 'docker_image_name', 'prefix': 'image'}],
        'groups': {'stopped_ones': 'not docker_running'},
        'filters': [{'exclude': "docker_labels.role == 'db' and docker_engine == 'tls'"}],
    }
    path = _write(fleet, 'graph.containers.yml', config)
    proc = _inventory(path, '--graph')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    graph: dict[str, set] = {}
    group = None
    for line in proc.stdout.splitlines():
        text = line.strip(' |-')
        if text.startswith('@'):
            group = text[1:].rstrip(':')
            graph.setdefault(group, set())
        elif text and group:
            graph[group].add(text)
    p = fleet['prefix']
    assert graph['role_web'] == {'d20-%s-web' % p, 'd28-%s-web' % p}
    assert graph['role_py'] == {'d28-%s-py' % p, 'tls-%s-py' % p}
    assert 'role_db' not in graph  # excluded by the include/exclude filters
    assert graph['engine_d20'] == {'d20-%s-web' % p, 'd20-%s-idle' % p}
    assert graph['engine_tls'] == {'tls-%s-py' % p}
    assert graph['image_dockerapi_test_python_latest'] == {'d28-%s-py' % p, 'tls-%s-py' % p}
    assert graph['stopped_ones'] == {'d20-%s-idle' % p}


def test_single_engine_from_a_docker_context(fleet):
    """One engine given as a docker CLI context (made by the docker CLI, with the tls daemon's certificates): host
    names are the container names, as with community.docker; the context's endpoint and stored TLS material reach the
    hosts' variables (here for the docker CLI connection)."""
    p = fleet['prefix']
    tls = fleet['daemons']['tls']
    config_dir = fleet['tmp'] / 'docker-config'
    context = 'dkapi13-D-%s' % fleet['tag']
    certs = {k: os.path.join(tls['cert_dir'], '%s.pem' % k) for k in ('ca', 'cert', 'key')}
    subprocess.run(['docker', 'context', 'create', context, '--docker',
                    'host=%s,ca=%s,cert=%s,key=%s' % (tls['docker_host'], certs['ca'], certs['cert'], certs['key'])],
                   env=dict(os.environ, DOCKER_CONFIG=str(config_dir)), check=True, capture_output=True, timeout=60)
    single = {'context': context, 'containers_filters': {'label': [fleet['label']]}, 'connection_type': 'docker-cli'}
    hostvars = _list(_write(fleet, 'single.docker.yml', single), env={'DOCKER_CONFIG': str(config_dir)})['_meta']['hostvars']
    assert sorted(hostvars) == ['%s-db' % p, '%s-py' % p]
    hv = hostvars['%s-db' % p]
    assert hv['ansible_connection'] == 'community.docker.docker' and hv['ansible_host'] == '%s-db' % p
    args = hv['ansible_docker_extra_args'].split(' ')
    assert args[:3] == ['-H', tls['docker_host'], '--tlsverify']
    stored = args[args.index('--tlscacert') + 1]
    assert stored.startswith(str(config_dir / 'contexts' / 'tls')) and stored.endswith('ca.pem')
    assert Path(stored).read_bytes() == Path(certs['ca']).read_bytes()


def test_cache_answers_without_asking_the_engines(fleet):
    """With cache: true the second run answers from the jsonfile cache: a container made in between is not listed
    until the cache is flushed."""
    cache_dir = fleet['tmp'] / 'cache'
    config = {'engines': _engines(fleet, ('d20',)), 'engine_prefix': 'always', 'containers_filters': {'label': [fleet['label']]},
              'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_connection': str(cache_dir),
              'cache_timeout': 600}
    path = _write(fleet, 'cached.containers.yml', config)
    first = set(_list(path)['_meta']['hostvars'])
    assert first == {'d20-%s-web' % fleet['prefix'], 'd20-%s-idle' % fleet['prefix']}
    assert len(list(cache_dir.iterdir())) == 1
    late = '%s-late' % fleet['prefix']
    docker_cli(fleet['daemons']['d20'], 'create', '--pull=never', '--name', late, '--label', fleet['label'], BUSYBOX, 'true')
    try:
        assert set(_list(path)['_meta']['hostvars']) == first
        flushed = _inventory(path, '--list', '--flush-cache')
        assert flushed.returncode == 0, flushed.stderr
        assert set(_unsafe(json.loads(flushed.stdout))['_meta']['hostvars']) == first | {'d20-' + late}
    finally:
        docker_cli(fleet['daemons']['d20'], 'rm', '-f', late, check=False)


def test_unreachable_engine_warns_and_others_are_listed(fleet):
    engines = _engines(fleet, ('d28',)) + [{'name': 'gone', 'docker_host': 'unix://%s/no/docker.sock' % fleet['tmp']}]
    config = {'engines': engines, 'containers_filters': {'label': [fleet['label']]}}
    proc = _inventory(_write(fleet, 'warn.containers.yml', config), '--list')
    assert proc.returncode == 0, proc.stderr
    assert set(_unsafe(json.loads(proc.stdout))['_meta']['hostvars']) == {'d28-%s-web' % fleet['prefix'], 'd28-%s-py' % fleet['prefix']}
    warning = ' '.join(proc.stderr.split())
    assert "engine 'gone' could not be listed" in warning and 'does not exist' in warning
    # unreachable_engines: fail is unit-tested (test_parse_unreachable_engine_warns_or_fails)


def test_bad_configuration_fails_clearly(fleet):
    """One case through ansible-inventory; the other configuration errors are unit-tested in-process."""
    config = {'engines': [{'name': 'a', 'docker_hots': 'unix:///x.sock'}]}
    proc = _inventory(_write(fleet, 'bad.containers.yml', config), '--list')
    assert proc.returncode != 0
    text = ' '.join(proc.stderr.split())
    assert "engines[0] has an unknown key 'docker_hots'. Known keys:" in text
    assert 'Traceback' not in proc.stderr


def test_playbook_setup_and_copy_on_two_engines_at_once(fleet):
    """setup and copy in python-image containers on d28 (unix) and tls (mutual TLS) in one play, reached through
    the inventory's host variables and dockerapi.engine.engine_api; docker exec cat is the witness."""
    config = {'engines': _engines(fleet, ('d28', 'tls')), 'running_only': True,
              'containers_filters': {'label': [fleet['label'], 'role=py']},
              'compose': {'ansible_python_interpreter': "'/usr/bin/python3'"},
              'keyed_groups': [{'key': 'docker_engine', 'prefix': 'engine'}]}
    inventory = _write(fleet, 'play.containers.yml', config)
    play = [{
        'hosts': 'all', 'gather_facts': False,
        'tasks': [
            {'ansible.builtin.setup': {'gather_subset': ['min']}},
            {'ansible.builtin.assert': {'that': ["ansible_facts.distribution == 'Debian'", 'docker_engine in group_names[0]']}},
            {'ansible.builtin.copy': {'dest': '/tmp/dkapi13-D.txt',
                                      'content': '{{ inventory_hostname }} on {{ docker_engine }} {{ ansible_facts.hostname }}\n'}},
        ],
    }]
    playbook = fleet['tmp'] / 'play.yml'
    playbook.write_text(json.dumps(play))
    proc = subprocess.run([str(BIN / 'ansible-playbook'), '-i', str(inventory), str(playbook), '-f', '2'],
                          env=ansible_env({'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true'}), capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'ok=3' in proc.stdout and 'changed=1' in proc.stdout
    for engine in ('d28', 'tls'):
        name = '%s-py' % fleet['prefix']
        cid = _ps(fleet, engine)[name][0]
        content = docker_cli(fleet['daemons'][engine], 'exec', name, 'cat', '/tmp/dkapi13-D.txt').stdout
        assert content == '%s-%s on %s %s\n' % (engine, name, engine, cid[:12])
