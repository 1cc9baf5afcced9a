"""Docker CLI contexts: storage layout, current-context precedence, connection options, resolve_settings hook."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _dockercontext as dctx
from ansible_collections.dockerapi.engine.plugins.module_utils._connection import resolve_settings
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError


def make_context(config_dir, name, host, description=None, skip=False, tls_files=()):
    """Write a context the way `docker context create` stores it."""
    cid = hashlib.sha256(name.encode()).hexdigest()
    meta_dir = os.path.join(config_dir, 'contexts', 'meta', cid)
    os.makedirs(meta_dir)
    meta = {'Name': name, 'Metadata': {'Description': description} if description else {},
            'Endpoints': {'docker': {'Host': host, 'SkipTLSVerify': skip}}}
    with open(os.path.join(meta_dir, 'meta.json'), 'w') as handle:
        json.dump(meta, handle)
    tls_dir = os.path.join(config_dir, 'contexts', 'tls', cid, 'docker')
    if tls_files:
        os.makedirs(tls_dir)
    for filename in tls_files:
        with open(os.path.join(tls_dir, filename), 'w') as handle:
            handle.write('pem')
    return tls_dir


@pytest.fixture()
def cfg(tmp_path):
    config_dir = str(tmp_path / 'dockercfg')
    os.makedirs(config_dir)
    tls = make_context(config_dir, 'prod', 'tcp://127.0.0.1:2376', description='production',
                       tls_files=('ca.pem', 'cert.pem', 'key.pem'))
    make_context(config_dir, 'local', 'unix:///run/other.sock')
    make_context(config_dir, 'insecure', 'https://127.0.0.1:2376', skip=True)
    make_context(config_dir, 'remote', 'ssh://deploy@203.0.113.5:2222')
    return config_dir, tls


def use(config_dir, name):
    with open(os.path.join(config_dir, 'config.json'), 'w') as handle:
        json.dump({'currentContext': name}, handle)


def test_context_id_is_sha256_of_name():
    assert dctx.context_id('default') == hashlib.sha256(b'default').hexdigest()


@pytest.mark.parametrize('environ,config,expected', [
    ({}, None, ('default', 'no context selected')),
    ({'DOCKER_CONTEXT': 'prod'}, 'local', ('prod', 'DOCKER_CONTEXT')),
    ({'DOCKER_HOST': 'unix:///x.sock', 'DOCKER_CONTEXT': 'prod'}, 'local', ('default', 'DOCKER_HOST is set')),
    ({}, 'local', ('local', 'currentContext')),
])
def test_current_context_precedence(cfg, environ, config, expected):
    config_dir = cfg[0]
    if config:
        use(config_dir, config)
    name, source = dctx.current_context_name(dict(environ, DOCKER_CONFIG=config_dir))
    assert name == expected[0]
    assert source.startswith(expected[1])


def test_connection_params(cfg):
    config_dir, tls = cfg
    env = {'DOCKER_CONFIG': config_dir}
    assert dctx.context_connection_params('prod', env) == {
        'docker_host': 'tcp://127.0.0.1:2376', 'tls': True, 'validate_certs': True,
        'ca_path': os.path.join(tls, 'ca.pem'), 'client_cert': os.path.join(tls, 'cert.pem'),
        'client_key': os.path.join(tls, 'key.pem')}
    assert dctx.context_connection_params('local', env) == {'docker_host': 'unix:///run/other.sock', 'tls': False}
    assert dctx.context_connection_params('insecure', env) == {
        'docker_host': 'tcp://127.0.0.1:2376', 'tls': True, 'validate_certs': False}
    assert dctx.context_connection_params('remote', env) == {'docker_host': 'ssh://deploy@203.0.113.5:2222', 'tls': False}
    assert dctx.context_connection_params('default', env) == {}
    # None: the current one
    assert dctx.context_connection_params(None, dict(env, DOCKER_CONTEXT='local'))['docker_host'] == 'unix:///run/other.sock'


def test_missing_context_is_clear(cfg):
    config_dir = cfg[0]
    with pytest.raises(ConfigurationError) as info:
        dctx.context_connection_params(None, {'DOCKER_CONFIG': config_dir, 'DOCKER_CONTEXT': 'nope'})
    msg = info.value.msg
    assert "'nope' (from DOCKER_CONTEXT) does not exist" in msg
    assert os.path.join(config_dir, 'contexts', 'meta', dctx.context_id('nope'), 'meta.json') in msg
    assert 'docker context ls' in msg and 'prod' in msg


def test_broken_meta_is_clear(cfg):
    config_dir = cfg[0]
    meta = os.path.join(config_dir, 'contexts', 'meta', dctx.context_id('prod'), 'meta.json')
    with open(meta, 'w') as handle:
        handle.write('{not json')
    with pytest.raises(ConfigurationError, match='cannot be read'):
        dctx.context_connection_params('prod', {'DOCKER_CONFIG': config_dir})


def test_resolve_settings_uses_current_context(cfg):
    config_dir, tls = cfg
    settings = resolve_settings({}, {'DOCKER_CONFIG': config_dir, 'DOCKER_CONTEXT': 'prod'})
    assert (settings.scheme, settings.address, settings.port, settings.tls, settings.validate_certs) == \
        ('tcp', '127.0.0.1', 2376, True, True)
    assert settings.ca_path == os.path.join(tls, 'ca.pem') and settings.client_key == os.path.join(tls, 'key.pem')
    assert settings.context == 'docker context prod (from DOCKER_CONTEXT)'
    use(config_dir, 'local')
    settings = resolve_settings({}, {'DOCKER_CONFIG': config_dir})
    assert (settings.scheme, settings.address) == ('unix', '/run/other.sock')
    assert settings.context.startswith('docker context local (from currentContext in ')


def test_resolve_settings_precedence(cfg, tmp_path):
    config_dir = cfg[0]
    env = {'DOCKER_CONFIG': config_dir, 'DOCKER_CONTEXT': 'prod'}
    # docker_host wins, and so does DOCKER_HOST (the CLI's --host / DOCKER_HOST mean the default context)
    settings = resolve_settings({'docker_host': 'unix:///a.sock'}, env)
    assert (settings.address, settings.context) == ('/a.sock', None)
    settings = resolve_settings({}, dict(env, DOCKER_HOST='unix:///b.sock'))
    assert (settings.address, settings.context) == ('/b.sock', None)
    # explicit options win over the context's
    settings = resolve_settings({'ca_path': '/my/ca.pem', 'validate_certs': False}, env)
    assert settings.ca_path == '/my/ca.pem' and settings.validate_certs is False and settings.tls is True
    # a context's TLS is not mixed with DOCKER_CERT_PATH
    cert_dir = tmp_path / 'certs'
    cert_dir.mkdir()
    (cert_dir / 'ca.pem').write_text('x')
    settings = resolve_settings({}, {'DOCKER_CONFIG': config_dir, 'DOCKER_CONTEXT': 'insecure', 'DOCKER_CERT_PATH': str(cert_dir)})
    assert settings.ca_path is None and settings.validate_certs is False and settings.tls is True
    # default context: as before
    settings = resolve_settings({}, {'DOCKER_CONFIG': config_dir, 'DOCKER_CONTEXT': 'default'})
    assert settings.docker_host == 'unix:///var/run/docker.sock' and settings.context is None


def test_resolve_settings_missing_context_fails(cfg):
    use(cfg[0], 'gone')
    with pytest.raises(ConfigurationError, match=r"'gone' \(from currentContext in .*docker context use default"):
        resolve_settings({}, {'DOCKER_CONFIG': cfg[0]})
    # but an explicit docker_host does not even look
    assert resolve_settings({'docker_host': 'unix:///a.sock'}, {'DOCKER_CONFIG': cfg[0]}).address == '/a.sock'


def test_ssh_context_goes_through_ssh(cfg):
    settings = resolve_settings({}, {'DOCKER_CONFIG': cfg[0], 'DOCKER_CONTEXT': 'remote'})
    assert (settings.scheme, settings.address, settings.port, settings.ssh_user, settings.tls) == \
        ('ssh', '203.0.113.5', 2222, 'deploy', False)


def test_context_info_service(cfg):
    config_dir, tls = cfg
    env = {'DOCKER_CONFIG': config_dir, 'DOCKER_CONTEXT': 'local'}
    result = dctx.context_info({}, environ=env)
    assert [c['name'] for c in result['contexts']] == ['default', 'insecure', 'local', 'prod', 'remote']
    assert [c['name'] for c in result['contexts'] if c['current']] == ['local']
    assert result['current_context_name'] == 'local' and result['current_context_source'] == 'DOCKER_CONTEXT'
    default = result['contexts'][0]
    assert default['meta_path'] is None and default['tls_path'] is None
    assert default['config'] == {'docker_host': 'unix:///var/run/docker.sock', 'tls': False}
    prod = result['contexts'][3]
    assert set(prod) == {'current', 'name', 'description', 'meta_path', 'tls_path', 'config'}
    assert prod['description'] == 'production'
    assert prod['meta_path'] == os.path.join(config_dir, 'contexts', 'meta', dctx.context_id('prod'))
    assert prod['tls_path'] == os.path.dirname(tls)
    only = dctx.context_info({'only_current': True}, environ=env)
    assert [c['name'] for c in only['contexts']] == ['local']
    override = dctx.context_info({'only_current': True, 'cli_context': 'prod'}, environ=env)
    assert [(c['name'], c['current']) for c in override['contexts']] == [('prod', True)]
    assert override['current_context_name'] == 'prod'
    named = dctx.context_info({'name': 'insecure'}, environ=env)
    assert [(c['name'], c['current']) for c in named['contexts']] == [('insecure', False)]
    with pytest.raises(ConfigurationError, match="'missing' .* does not exist"):
        dctx.context_info({'name': 'missing'}, environ=env)


def test_default_context_from_environment(tmp_path):
    cert_dir = tmp_path / 'certs'
    cert_dir.mkdir()
    for name in ('ca.pem', 'cert.pem', 'key.pem'):
        (cert_dir / name).write_text('x')
    env = {'DOCKER_CONFIG': str(tmp_path / 'none'), 'DOCKER_HOST': 'tcp://127.0.0.1:2376', 'DOCKER_TLS_VERIFY': '1',
           'DOCKER_CERT_PATH': str(cert_dir)}
    result = dctx.context_info({}, environ=env)
    assert result['current_context_name'] == 'default'
    assert result['contexts'] == [{
        'current': True, 'name': 'default', 'description': 'Current DOCKER_HOST based configuration', 'meta_path': None,
        'tls_path': None, 'config': {'docker_host': 'tcp://127.0.0.1:2376', 'tls': True, 'validate_certs': True,
                                     'ca_path': str(cert_dir / 'ca.pem'), 'client_cert': str(cert_dir / 'cert.pem'),
                                     'client_key': str(cert_dir / 'key.pem')}}]


def test_unreadable_config_selects_no_context(tmp_path):
    (tmp_path / 'config.json').write_text('{broken')
    assert dctx.current_context_name({'DOCKER_CONFIG': str(tmp_path)}) == ('default', 'no context selected')
    assert resolve_settings({}, {'DOCKER_CONFIG': str(tmp_path)}).docker_host == 'unix:///var/run/docker.sock'
