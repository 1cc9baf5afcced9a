"""Docker CLI contexts, created with the real `docker context create`: the modules follow the current context
(DOCKER_CONTEXT, then currentContext) when neither docker_host nor DOCKER_HOST is set, and context_info reports the
contexts as `docker context ls` / `docker context inspect` do.

One playbook runs every case (one ansible-playbook process: cheap); the tests check its registered results.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest

from conftest import BIN, ansible_env, harness, run_module

PREFIX = 'dkapi13-B-%s' % uuid.uuid4().hex[:6]
UNIX_CTX = PREFIX + '-d28'
TLS_CTX = PREFIX + '-tls'
GONE = PREFIX + '-gone'


def cli(config_dir: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith('DOCKER_')}
    env['DOCKER_CONFIG'] = config_dir
    return subprocess.run(['docker'] + list(args), env=env, capture_output=True, text=True, timeout=60, check=True).stdout


def task(name: str, module: str, args: dict | None = None, env: dict | None = None, ship: bool = False, **extra) -> dict:
    entry = {'name': name, 'dockerapi.engine.' + module: args or {}, 'register': name, 'ignore_errors': True,
             'environment': env or {}}
    if ship:
        entry['vars'] = {'dockerapi_engine_fast_path': False}
    entry.update(extra)
    return entry


@pytest.fixture(scope='module')
def ctx():
    """A docker config directory with a context on d28's unix socket and one on the tls daemon (made current with
    `docker context use`); then one playbook with every case."""
    info = harness()['daemons']
    d28, tls = info['d28'], info['tls']
    certs = tls['cert_dir']
    config_dir = tempfile.mkdtemp(prefix='dkapi13-B-ctx-')
    try:
        cli(config_dir, 'context', 'create', UNIX_CTX, '--description', 'd28 over its unix socket',
            '--docker', 'host=%s' % d28['docker_host'])
        cli(config_dir, 'context', 'create', TLS_CTX, '--docker', 'host=%s,ca=%s,cert=%s,key=%s' % (
            tls['docker_host'], os.path.join(certs, 'ca.pem'), os.path.join(certs, 'cert.pem'), os.path.join(certs, 'key.pem')))
        cli(config_dir, 'context', 'use', TLS_CTX)
        listed = [json.loads(line) for line in cli(config_dir, 'context', 'ls', '--format', 'json').splitlines() if line.strip()]
        inspected = {c['Name']: c for c in json.loads(cli(config_dir, 'context', 'inspect', *[c['Name'] for c in listed]))}

        cfg = {'DOCKER_CONFIG': config_dir}
        names = ['env_context', 'current_context', 'docker_host_wins', 'ca_path_wins', 'missing_context',
                 'info_shipped', 'info_fast', 'info_only_current', 'info_missing', 'config_reaches']
        tasks = [
            task('env_context', 'host_info', env=dict(cfg, DOCKER_CONTEXT=UNIX_CTX), ship=True),
            task('current_context', 'host_info', env=cfg),
            task('docker_host_wins', 'host_info', {'docker_host': d28['docker_host']}, env=cfg),
            task('ca_path_wins', 'host_info', {'ca_path': tls['wrong_ca_cert']}, env=cfg),
            task('missing_context', 'host_info', env=dict(cfg, DOCKER_CONTEXT=GONE)),
            task('info_shipped', 'context_info', env=cfg, ship=True),
            task('info_fast', 'context_info', env=cfg),
            task('info_only_current', 'context_info', {'only_current': True}, env=cfg, ship=True),
            task('info_missing', 'context_info', {'name': GONE}, env=cfg),
            # the documented pattern: a context's config as module_defaults (beats DOCKER_CONTEXT)
            task('config_reaches', 'host_info', env=dict(cfg, DOCKER_CONTEXT=UNIX_CTX),
                 module_defaults={'group/dockerapi.engine.engine':
                                  "{{ (info_fast.contexts | selectattr('name', 'equalto', '%s') | first).config }}" % TLS_CTX}),
        ]
        out = os.path.join(config_dir, 'results.json')
        tasks.append({'name': 'save', 'ansible.builtin.copy': {
            'content': '{{ {%s} | to_json }}' % ', '.join("'%s': %s" % (n, n) for n in names), 'dest': out}})
        play = [{'hosts': 'localhost', 'connection': 'local', 'gather_facts': False, 'tasks': tasks}]
        with open(os.path.join(config_dir, 'play.yml'), 'w') as handle:
            json.dump(play, handle)
        proc = subprocess.run([str(BIN / 'ansible-playbook'), os.path.join(config_dir, 'play.yml')], env=ansible_env(),
                              capture_output=True, text=True, timeout=300, check=False)
        if not os.path.exists(out):
            raise AssertionError('playbook wrote no results (rc %d):\n%s\n%s' % (proc.returncode, proc.stdout, proc.stderr))
        with open(out) as handle:
            results = json.load(handle)
        yield {'dir': config_dir, 'd28': d28, 'tls': tls, 'r': results, 'listed': listed, 'inspected': inspected}
    finally:
        shutil.rmtree(config_dir, ignore_errors=True)


def root_dir(result: dict) -> str:
    assert result.get('failed') is not True, result
    return result['host_info']['DockerRootDir']


def assert_clean_failure(result: dict, *needles: str) -> None:
    assert result.get('failed') is True, result
    assert 'Traceback' not in result['msg'] and 'Traceback' not in result.get('exception', ''), result.get('exception')
    for needle in needles:
        assert needle in result['msg'], result['msg']


def test_docker_context_variable_wins_over_current_context(ctx):
    assert root_dir(ctx['r']['env_context']) == ctx['d28']['data_root']


def test_current_context_with_its_tls_material(ctx):
    assert root_dir(ctx['r']['current_context']) == ctx['tls']['data_root']


def test_docker_host_wins(ctx):
    assert root_dir(ctx['r']['docker_host_wins']) == ctx['d28']['data_root']


def test_explicit_ca_path_wins(ctx):
    # The context's endpoint and client certificate are used, but the task's CA (the wrong one) decides verification.
    assert_clean_failure(ctx['r']['ca_path_wins'], 'docker context %s (from currentContext in ' % TLS_CTX, 'certificate')


def test_missing_context_fails_clearly(ctx):
    assert_clean_failure(ctx['r']['missing_context'], "Docker context '%s' (from DOCKER_CONTEXT) does not exist" % GONE,
                         os.path.join(ctx['dir'], 'contexts', 'meta'), 'docker context ls', UNIX_CTX)
    assert_clean_failure(ctx['r']['info_missing'], "Docker context '%s' (from name option) does not exist" % GONE)


@pytest.mark.parametrize('run', ['info_shipped', 'info_fast'])
def test_context_info_matches_the_cli(ctx, run):
    result, listed, inspected = ctx['r'][run], ctx['listed'], ctx['inspected']
    assert result.get('failed') is not True, result
    assert result['changed'] is False
    assert [c['name'] for c in result['contexts']] == sorted(c['Name'] for c in listed)
    assert result['current_context_name'] == TLS_CTX == [c['Name'] for c in listed if c['Current']][0]
    for entry, theirs in zip(result['contexts'], sorted(listed, key=lambda c: c['Name'])):
        assert set(entry) == {'current', 'name', 'description', 'meta_path', 'tls_path', 'config'}
        assert entry['current'] == theirs['Current']
        assert (entry['description'] or '') == theirs['Description']
        assert entry['config']['docker_host'] == theirs['DockerEndpoint']
        if entry['name'] == 'default':
            assert entry['meta_path'] is None and entry['tls_path'] is None
        else:
            assert entry['meta_path'] == inspected[entry['name']]['Storage']['MetadataPath']
            assert entry['tls_path'] == inspected[entry['name']]['Storage']['TLSPath']
    tls_entry = [c for c in result['contexts'] if c['name'] == TLS_CTX][0]
    tls_dir = os.path.join(inspected[TLS_CTX]['Storage']['TLSPath'], 'docker')
    assert sorted(inspected[TLS_CTX]['TLSMaterial']['docker']) == ['ca.pem', 'cert.pem', 'key.pem']
    assert tls_entry['config'] == {
        'docker_host': ctx['tls']['docker_host'], 'tls': True, 'validate_certs': True,
        'ca_path': os.path.join(tls_dir, 'ca.pem'), 'client_cert': os.path.join(tls_dir, 'cert.pem'),
        'client_key': os.path.join(tls_dir, 'key.pem')}
    assert [c['config'] for c in result['contexts'] if c['name'] == UNIX_CTX] == [
        {'docker_host': ctx['d28']['docker_host'], 'tls': False}]


def test_context_info_only_current_and_config_as_module_defaults(ctx):
    only = ctx['r']['info_only_current']
    assert [(c['name'], c['current']) for c in only['contexts']] == [(TLS_CTX, True)]
    assert only['current_context_source'].startswith('currentContext in ')
    assert root_dir(ctx['r']['config_reaches']) == ctx['tls']['data_root']


def test_ssh_context_goes_through_the_ssh_transport(ssh_host):
    """A context whose endpoint is ssh:// (as `docker context create --docker host=ssh://...` makes it) reaches the
    host's own daemon over part A's ssh transport."""
    config_dir = tempfile.mkdtemp(prefix='dkapi13-B-ssh-')
    try:
        name = PREFIX + '-ssh'
        cli(config_dir, 'context', 'create', name, '--docker', 'host=%s' % ssh_host.url('root'))
        env = dict(ssh_host.env(), DOCKER_CONFIG=config_dir, DOCKER_CONTEXT=name)
        result = run_module('host_info', env=env, fast_path=True)
        assert result.get('failed') is not True, result
        witness = ssh_host.docker('info', '--format', '{{.ID}}').stdout.strip()
        assert result['host_info']['ID'] == witness
    finally:
        shutil.rmtree(config_dir, ignore_errors=True)
