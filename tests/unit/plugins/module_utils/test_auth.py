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


def test_only_the_secrets_are_no_log() -> None:
    # The whole dict as no_log would mask the registry address inside every image name of the output.
    options = REGISTRY_AUTH_ARGSPEC['options']
    assert [name for name, spec in options.items() if spec.get('no_log')] == ['password', 'identitytoken']
    assert not REGISTRY_AUTH_ARGSPEC.get('no_log')
