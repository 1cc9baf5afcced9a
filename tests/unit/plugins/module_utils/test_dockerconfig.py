"""The docker CLI's config and credential helpers: lookup order, key normalisation, login/logout writes."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _dockerconfig as dc
from ansible_collections.dockerapi.engine.plugins.module_utils._auth import auth_headers, build_auth_headers
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import APIError, ConfigurationError

HELPER_DIR = Path(__file__).resolve().parents[3] / 'integration' / 'credhelper'


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def decode_header(value: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(value.encode('ascii')))


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    """Write a config into DOCKER_CONFIG; the helper of the tests on PATH with its own store."""
    directory = tmp_path / 'dockercfg'
    directory.mkdir()
    monkeypatch.setenv('DOCKER_CONFIG', str(directory))
    # the helper's "#!/usr/bin/env python" finds this interpreter
    monkeypatch.setenv('PATH', '%s:%s:%s' % (HELPER_DIR, os.path.dirname(sys.executable), os.environ.get('PATH', '')))
    monkeypatch.setenv('DKAPI_CREDHELPER_STORE', str(tmp_path / 'store.json'))
    dc.configure()

    def write(config: dict) -> Path:
        (directory / 'config.json').write_text(json.dumps(config))
        dc.configure()  # a new task: lookups are cached per task
        return directory / 'config.json'
    return write


def helper_store(tmp_path: Path, creds: dict) -> None:
    (tmp_path / 'store.json').write_text(json.dumps({k: {'Username': u, 'Secret': s} for k, (u, s) in creds.items()}))


@pytest.mark.parametrize(('given', 'key'), [
    (None, dc.DOCKER_HUB_KEY), ('docker.io', dc.DOCKER_HUB_KEY), ('index.docker.io', dc.DOCKER_HUB_KEY),
    ('registry-1.docker.io', dc.DOCKER_HUB_KEY), ('https://index.docker.io/v1/', dc.DOCKER_HUB_KEY),
    ('registry.example.org:5000', 'registry.example.org:5000'), ('https://registry.example.org/v2/', 'registry.example.org'),
    ('http://127.0.0.1:5000', '127.0.0.1:5000'), ('localhost:5000/some/path', 'localhost:5000'),
])
def test_registry_key(given, key):
    assert dc.registry_key(given) == key


def test_no_config_is_anonymous(cfg):
    assert dc.credentials_for('registry.example.org') is None
    assert decode_header(auth_headers(None, 'registry.example.org/app')['X-Registry-Auth']) == {}


def test_auths_entry_with_scheme_and_path_matches_the_host(cfg):
    cfg({'auths': {'https://registry.example.org/v1/': {'auth': b64('u:p@ss:word')}}})
    expected = {'username': 'u', 'password': 'p@ss:word', 'serveraddress': 'registry.example.org'}
    assert dc.credentials_for('registry.example.org') == expected
    assert 'p@ss:word' in dc.found_secrets() and b64('u:p@ss:word') in dc.found_secrets()
    header = decode_header(auth_headers(None, 'registry.example.org/team/app')['X-Registry-Auth'])
    assert header == {'username': 'u', 'password': 'p@ss:word', 'serveraddress': 'registry.example.org'}


def test_docker_hub_key(cfg):
    cfg({'auths': {dc.DOCKER_HUB_KEY: {'auth': b64('hub:pw')}}})
    for repository in ('busybox', 'library/busybox', 'docker.io/team/app', 'index.docker.io/team/app'):
        header = decode_header(auth_headers(None, repository)['X-Registry-Auth'])
        assert header == {'username': 'hub', 'password': 'pw', 'serveraddress': dc.DOCKER_HUB_KEY}, repository
    assert decode_header(auth_headers(None, 'other.example.org/app')['X-Registry-Auth']) == {}


def test_identity_token(cfg):
    cfg({'auths': {'r.example.org': {'auth': b64('u:'), 'identitytoken': 'tok'}}})
    assert dc.credentials_for('r.example.org') == {'username': 'u', 'identitytoken': 'tok', 'serveraddress': 'r.example.org'}
    assert 'tok' in dc.found_secrets()


def test_task_registry_auth_wins(cfg):
    cfg({'auths': {'r.example.org': {'auth': b64('file:pw')}}})
    header = decode_header(auth_headers({'username': 'task', 'password': 'x'}, 'r.example.org/app')['X-Registry-Auth'])
    assert header['username'] == 'task'


def test_cred_helpers_before_creds_store_before_auths(cfg, tmp_path):
    helper_store(tmp_path, {'r.example.org': ('helper-user', 'helper-pw'), 'other.example.org': ('store-user', 'store-pw')})
    cfg({'auths': {'r.example.org': {'auth': b64('file:pw')}, 'third.example.org': {'auth': b64('third:pw')}},
         'credHelpers': {'r.example.org': 'dkapitest'}})
    assert dc.credentials_for('r.example.org')['username'] == 'helper-user'
    assert 'helper-pw' in dc.found_secrets()
    # credHelpers names no helper for the others: auths
    assert dc.credentials_for('third.example.org')['username'] == 'third'
    cfg({'auths': {'third.example.org': {'auth': b64('third:pw')}}, 'credsStore': 'dkapitest'})
    assert dc.credentials_for('other.example.org')['username'] == 'store-user'
    # the store has none for it ("credentials not found in native keychain"): the file's auths entry
    assert dc.credentials_for('third.example.org')['username'] == 'third'
    assert dc.credentials_for('nowhere.example.org') is None


def test_one_helper_call_per_registry_and_task(cfg, tmp_path):
    helper_store(tmp_path, {'r.example.org': ('u', 'p')})
    cfg({'credsStore': 'dkapitest'})
    for repository in ('r.example.org/app', 'r.example.org/other', 'r.example.org/app'):
        assert decode_header(auth_headers(None, repository)['X-Registry-Auth'])['password'] == 'p'
    assert (tmp_path / 'store.json.log').read_text().splitlines() == ['get r.example.org']


def test_helper_token_username(cfg, tmp_path):
    helper_store(tmp_path, {'r.example.org': ('<token>', 'the-token')})
    cfg({'credsStore': 'dkapitest'})
    assert dc.credentials_for('r.example.org') == {'identitytoken': 'the-token', 'serveraddress': 'r.example.org'}


def test_missing_helper(cfg):
    cfg({'credsStore': 'nosuchhelper'})
    assert dc.credentials_for('r.example.org') is None  # no entry for it: anonymous, as for public images
    cfg({'credsStore': 'nosuchhelper', 'auths': {'r.example.org': {}}})
    with pytest.raises(ConfigurationError, match='docker-credential-nosuchhelper is not on PATH'):
        dc.credentials_for('r.example.org')


def test_failing_helper_and_bad_files(cfg, tmp_path, monkeypatch):
    cfg({'credsStore': 'dkapitest'})
    monkeypatch.delenv('DKAPI_CREDHELPER_STORE')
    with pytest.raises(ConfigurationError, match='failed to get the credentials of r.example.org: DKAPI_CREDHELPER_STORE'):
        dc.credentials_for('r.example.org')
    path = cfg({})
    path.write_text('{"auths": {"r": {"auth": "c2VjcmV0"')
    with pytest.raises(ConfigurationError, match='not valid JSON') as failure:
        dc.credentials_for('r')
    assert 'c2VjcmV0' not in str(failure.value)
    cfg({'auths': {'r.example.org': {'auth': b64('no-colon')}}})
    with pytest.raises(ConfigurationError, match='not base64 of') as failure:
        dc.credentials_for('r.example.org')
    assert 'no-colon' not in str(failure.value)


def test_config_path_wins_over_docker_config(cfg, tmp_path):
    cfg({'auths': {'r.example.org': {'auth': b64('env:pw')}}})
    other = tmp_path / 'other.json'
    other.write_text(json.dumps({'auths': {'r.example.org': {'auth': b64('option:pw')}}}))
    assert dc.credentials_for('r.example.org')['username'] == 'env'
    assert dc.credentials_for('r.example.org', str(other))['username'] == 'option'
    dc.configure(config_path=str(other))
    assert dc.credentials_for('r.example.org')['username'] == 'option'
    dc.configure(environ={'DOCKER_CONFIG': str(tmp_path / 'empty')})
    assert dc.credentials_for('r.example.org') is None


def test_build_gets_every_registry(cfg, tmp_path):
    helper_store(tmp_path, {'h.example.org': ('hu', 'hp')})
    cfg({'auths': {'a.example.org': {'auth': b64('au:ap')}, dc.DOCKER_HUB_KEY: {'auth': b64('hub:pw')}},
         'credHelpers': {'h.example.org': 'dkapitest'}})
    config = decode_header(build_auth_headers(None)['X-Registry-Config'])
    assert config == {'a.example.org': {'username': 'au', 'password': 'ap', 'serveraddress': 'a.example.org'},
                      dc.DOCKER_HUB_KEY: {'username': 'hub', 'password': 'pw', 'serveraddress': dc.DOCKER_HUB_KEY},
                      'h.example.org': {'username': 'hu', 'password': 'hp', 'serveraddress': 'h.example.org'}}


# ---- login / logout ---------------------------------------------------------------------------


class FakeClient:
    def __init__(self, fail: bool = False, token: str = '') -> None:
        self.fail = fail
        self.token = token
        self.bodies: list[dict] = []

    def post_json(self, path: str, body: dict) -> dict:
        assert path == '/auth'
        self.bodies.append(body)
        if self.fail:
            raise APIError(401, 'login attempt to https://r.example.org/v2/ failed with status: 401 Unauthorized', 'POST', '/auth')
        return {'Status': 'Login Succeeded', 'IdentityToken': self.token}


def login_params(path: Path, **extra) -> dict:
    params = {'registry_url': 'https://r.example.org/', 'username': 'u', 'password': 'pw', 'reauthorize': False,
              'config_path': str(path), 'state': 'present'}
    params.update(extra)
    return params


def test_login_writes_auths_keeps_other_keys_and_is_idempotent(tmp_path):
    path = tmp_path / 'sub' / 'config.json'
    client = FakeClient()
    result = dc.login(client, login_params(path), False, True)
    assert result['changed']
    assert result['login_result'] == {'serveraddress': 'r.example.org', 'username': 'u', 'status': 'Login Succeeded'}
    assert result['diff'] == {'before': {'registry': 'r.example.org', 'logged_in': False, 'username': None},
                              'after': {'registry': 'r.example.org', 'logged_in': True, 'username': 'u'}}
    assert client.bodies == [{'username': 'u', 'password': 'pw', 'serveraddress': 'r.example.org'}]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {'auths': {'r.example.org': {'auth': b64('u:pw')}}}
    config = json.loads(path.read_text())
    config.update({'psFormat': 'table {{.ID}}', 'proxies': {'default': {'httpProxy': 'http://p:3128'}}})
    config['auths']['other.example.org'] = {'auth': b64('o:p')}
    path.write_text(json.dumps(config))
    again = dc.login(client, login_params(path), False, False)
    assert not again['changed'] and len(client.bodies) == 1  # same credential: the registry is not asked again
    assert dc.login(client, login_params(path, reauthorize=True), False, False)['changed'] is False
    assert len(client.bodies) == 2
    changed = dc.login(client, login_params(path, password='new'), False, False)
    assert changed['changed']
    config['auths']['r.example.org'] = {'auth': b64('u:new')}
    assert json.loads(path.read_text()) == config
    assert [p.name for p in path.parent.iterdir()] == ['config.json']  # no temporary file left


def test_login_check_mode_and_wrong_password(tmp_path):
    path = tmp_path / 'config.json'
    client = FakeClient()
    assert dc.login(client, login_params(path), True, False)['changed']
    assert client.bodies and not path.exists()
    with pytest.raises(ConfigurationError, match='Logging in to r.example.org as u failed: login attempt') as failure:
        dc.login(FakeClient(fail=True), login_params(path, password='wrong-secret'), False, False)
    assert 'wrong-secret' not in str(failure.value) and not path.exists()


def test_login_identity_token(tmp_path):
    path = tmp_path / 'config.json'
    dc.login(FakeClient(token='idtok'), login_params(path), False, False)
    assert json.loads(path.read_text())['auths']['r.example.org'] == {'auth': b64('u:'), 'identitytoken': 'idtok'}


def test_login_and_logout_through_helper(cfg, tmp_path):
    path = cfg({'credsStore': 'dkapitest', 'auths': {'https://r.example.org/v1/': {'auth': b64('old:pw')}}})
    client = FakeClient()
    assert dc.login(client, login_params(path), False, False)['changed']
    assert json.loads(path.read_text()) == {'credsStore': 'dkapitest', 'auths': {'r.example.org': {}}}
    store = json.loads((tmp_path / 'store.json').read_text())
    assert store == {'r.example.org': {'Username': 'u', 'Secret': 'pw'}}
    assert not dc.login(client, login_params(path), False, False)['changed']  # compared through the helper's get
    assert dc.credentials_for('r.example.org')['password'] == 'pw'
    out = dc.login(client, login_params(path, state='absent'), False, True)
    assert out['changed'] and 'login_result' not in out
    assert json.loads((tmp_path / 'store.json').read_text()) == {}
    assert json.loads(path.read_text()) == {'credsStore': 'dkapitest', 'auths': {}}
    assert not dc.login(client, login_params(path, state='absent'), False, False)['changed']
    assert len(client.bodies) == 1


def test_logout_check_mode_and_variants(tmp_path):
    path = tmp_path / 'config.json'
    path.write_text(json.dumps({'auths': {'https://r.example.org/v2/': {'auth': b64('u:pw')}, 'x.example.org': {}}}))
    assert dc.login(FakeClient(), login_params(path, state='absent'), True, False)['changed']
    assert 'https://r.example.org/v2/' in json.loads(path.read_text())['auths']
    assert dc.login(FakeClient(), login_params(path, state='absent'), False, False)['changed']
    assert json.loads(path.read_text()) == {'auths': {'x.example.org': {}}}


def test_found_secrets_reach_the_runners_secret_values(cfg):
    from ansible_collections.dockerapi.engine.plugins.module_utils._runner import secret_values
    cfg({'auths': {'r.example.org': {'auth': b64('u:from-the-file')}}})
    assert 'from-the-file' not in secret_values({})
    dc.credentials_for('r.example.org')
    assert {'from-the-file', b64('u:from-the-file')} <= secret_values({})
    dc.configure()  # the next task starts clean
    assert not secret_values({})
