"""Registry credentials: X-Registry-Auth and X-Registry-Config encoding (pure logic)."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._auth import (
    DOCKER_HUB_ADDRESS,
    REGISTRY_AUTH_ARGSPEC,
    auth_config,
    auth_headers,
    build_auth_headers,
    normalize_auth,
    registry_auth_secrets,
    registry_of,
)
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError


def _decode(value: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(value.encode('ascii')))


@pytest.mark.parametrize(('repository', 'registry'), [
    ('busybox', 'docker.io'), ('team/app', 'docker.io'), ('127.0.0.1:5000/app', '127.0.0.1:5000'),
    ('localhost/app', 'localhost'), ('registry.example.org/a/b', 'registry.example.org'), ('Upper/app', 'Upper'),
])
def test_registry_of(repository: str, registry: str) -> None:
    assert registry_of(repository) == registry


def test_anonymous_is_an_empty_object_always_sent() -> None:
    assert _decode(auth_headers(None, 'app')['X-Registry-Auth']) == {}
    assert _decode(auth_headers({'username': None, 'password': None}, 'app')['X-Registry-Auth']) == {}


def test_credentials_default_to_the_registry_of_the_image() -> None:
    header = auth_headers({'username': 'u', 'password': 'p/+?='}, '127.0.0.1:5000/app')['X-Registry-Auth']
    assert '+' not in header and '/' not in header  # URL-safe alphabet
    assert _decode(header) == {'username': 'u', 'password': 'p/+?=', 'serveraddress': '127.0.0.1:5000'}
    assert auth_config({'username': 'u', 'password': 'p'}, 'busybox')['serveraddress'] == DOCKER_HUB_ADDRESS
    assert auth_config({'username': 'u', 'password': 'p', 'serveraddress': 'x'}, 'busybox')['serveraddress'] == 'x'
    assert auth_config({'identitytoken': 't'}, 'app') == {'identitytoken': 't'}


def test_incomplete_credentials_are_refused() -> None:
    with pytest.raises(ConfigurationError, match='needs both username and password \\(password is missing\\)'):
        auth_config({'username': 'u'}, 'app')
    with pytest.raises(ConfigurationError, match='either identitytoken or username'):
        auth_config({'identitytoken': 't', 'username': 'u', 'password': 'p'}, 'app')


def test_build_config_is_keyed_by_registry() -> None:
    assert build_auth_headers(None) == {}
    config = _decode(build_auth_headers({'username': 'u', 'password': 'p', 'serveraddress': 'r:5000'})
                     ['X-Registry-Config'])
    assert config == {'r:5000': {'username': 'u', 'password': 'p', 'serveraddress': 'r:5000'}}
    with pytest.raises(ConfigurationError, match='needs serveraddress'):
        build_auth_headers({'username': 'u', 'password': 'p'})


def test_only_the_secrets_are_hidden() -> None:
    # Not no_log as a whole (that would mask user names inside image names): the runner hides what this returns.
    assert REGISTRY_AUTH_ARGSPEC == {'type': 'raw'}
    given = {'username': 'team', 'password': 'pw-SECRET', 'serveraddress': '127.0.0.1:5000'}
    assert registry_auth_secrets(given) == {'pw-SECRET'}
    as_json = json.dumps(given)
    assert registry_auth_secrets(as_json) == {as_json, 'pw-SECRET'}
    as_b64 = base64.urlsafe_b64encode(as_json.encode()).decode().rstrip('=')
    assert registry_auth_secrets(as_b64) == {as_b64, 'pw-SECRET'}
    basic = {'auth': base64.b64encode(b'team:pw-SECRET').decode()}
    assert registry_auth_secrets(basic) == {basic['auth'], 'pw-SECRET'}
    assert registry_auth_secrets({'identitytoken': 'tok-SECRET'}) == {'tok-SECRET'}
    assert registry_auth_secrets('not base64 nor json!') == {'not base64 nor json!'}
    assert registry_auth_secrets(None) == set()


GOOD = {'username': 'u', 'password': 'pw-SECRET', 'serveraddress': '127.0.0.1:5000'}


@pytest.mark.parametrize('given', [
    GOOD,
    json.dumps(GOOD),
    '  ' + json.dumps(GOOD) + '\n',
    base64.urlsafe_b64encode(json.dumps(GOOD).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps(GOOD).encode()).decode().rstrip('='),
    base64.b64encode(json.dumps(GOOD).encode()).decode(),
    {'auth': base64.b64encode(b'u:pw-SECRET').decode(), 'serveraddress': '127.0.0.1:5000', 'email': ''},
])
def test_dict_json_and_base64_forms_agree(given) -> None:
    assert normalize_auth(given) == GOOD
    assert _decode(auth_headers(given, '127.0.0.1:5000/app')['X-Registry-Auth']) == GOOD


@pytest.mark.parametrize('given', [None, '', {}, {'username': None, 'password': None}, 'e30='])
def test_empty_forms_mean_anonymous(given) -> None:
    assert normalize_auth(given) is None


@pytest.mark.parametrize(('given', 'words'), [
    ('not json pw-SECRET', 'neither a JSON object nor base64'),
    ('[1, "pw-SECRET"]', 'neither a JSON object'),
    (['pw-SECRET'], 'must be a dictionary'),
    ({'username': 'u', 'passwd': 'pw-SECRET'}, 'unknown key passwd'),
    ({'username': 'u', 'password': 12345}, 'registry_auth.password must be a string'),
    ({'auth': 'pw-SECRET'}, 'registry_auth.auth is not base64'),
])
def test_bad_forms_are_refused_without_showing_the_value(given, words) -> None:
    with pytest.raises(ConfigurationError) as err:
        normalize_auth(given)
    assert words in err.value.msg
    assert 'SECRET' not in err.value.msg and '12345' not in err.value.msg
