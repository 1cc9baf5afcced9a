"""resolve_settings: options, DOCKER_* variables and defaults, with the docker CLI's rules."""

from __future__ import annotations

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._connection import (
    inline_pem_values,
    parse_docker_host,
    resolve_settings,
)
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError


def settings(env=None, **params):
    return resolve_settings(params, env or {})


def test_default_is_the_local_socket():
    s = settings()
    assert (s.scheme, s.address, s.port, s.tls) == ('unix', '/var/run/docker.sock', 0, False)
    assert s.api_version is None and s.timeout == 60


@pytest.mark.parametrize(('url', 'expected'), [
    ('unix:///run/docker.sock', ('unix', '/run/docker.sock', None, False)),
    ('unix://run/docker.sock', ('unix', '/run/docker.sock', None, False)),
    ('/run/docker.sock', ('unix', '/run/docker.sock', None, False)),
    ('tcp://10.0.0.5:2376', ('tcp', '10.0.0.5', 2376, False)),
    ('tcp://host.example', ('tcp', 'host.example', None, False)),
    ('https://host.example:9999', ('tcp', 'host.example', 9999, True)),
    ('tcp://[::1]:2375', ('tcp', '::1', 2375, False)),
    ('ssh://user@host', ('ssh', 'host', 0, False)),
    ('SSH://[::1]:2222', ('ssh', '::1', 2222, False)),
])
def test_parse_docker_host(url, expected):
    assert parse_docker_host(url, 'docker_host') == expected


@pytest.mark.parametrize(('url', 'needle'), [
    ('ssh://user@host:0', 'port'),
    ('ssh://user@host/var/run/docker.sock', 'has a path'),
    ('npipe:////./pipe/docker_engine', "scheme 'npipe'"),
    ('host:2375', 'is not a URL'),
    ('tcp://', 'names no host'),
    ('tcp://host:notaport', 'not a valid URL'),
    ('tcp://host:2375/v1.41', 'has a path'),
    ('unix://', 'names no socket path'),
])
def test_bad_docker_host(url, needle):
    with pytest.raises(ConfigurationError) as exc:
        settings(docker_host=url)
    assert needle in exc.value.msg


def test_port_defaults_follow_the_docker_cli():
    assert settings(docker_host='tcp://127.0.0.1').port == 2375
    assert settings(docker_host='tcp://127.0.0.1', tls=True).port == 2376


def test_plain_tcp_to_remote_address_is_refused_unless_allowed():
    with pytest.raises(ConfigurationError) as exc:
        settings(docker_host='tcp://192.0.2.10:2375')
    assert 'allow_insecure_tcp' in exc.value.msg and 'TLS' in exc.value.msg
    assert settings(docker_host='tcp://192.0.2.10:2375', allow_insecure_tcp=True).tls is False
    for loopback in ('127.0.0.1', '127.5.6.7', 'localhost', '[::1]'):
        assert settings(docker_host='tcp://%s:2375' % loopback).tls is False


def test_tls_verification_is_on_by_default():
    s = settings(docker_host='tcp://docker1.example:2376', tls=True)
    assert s.tls and s.validate_certs
    s = settings(docker_host='tcp://docker1.example:2376', tls=True, validate_certs=False)
    assert s.tls and not s.validate_certs


def test_certificate_options_imply_tls(tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('x')
    s = settings(docker_host='tcp://docker1.example', ca_path=str(ca))
    assert s.tls and s.validate_certs and s.port == 2376 and s.ca_path == str(ca)


def test_client_cert_needs_key():
    with pytest.raises(ConfigurationError) as exc:
        settings(docker_host='tcp://docker1.example:2376', client_cert='/x/cert.pem')
    assert 'client_key' in exc.value.msg


def test_environment_like_the_docker_cli(tmp_path):
    for name in ('ca.pem', 'cert.pem', 'key.pem'):
        (tmp_path / name).write_text('x')
    env = {'DOCKER_HOST': 'tcp://docker1.example:2376', 'DOCKER_TLS_VERIFY': '0', 'DOCKER_CERT_PATH': str(tmp_path),
           'DOCKER_API_VERSION': '1.43', 'DOCKER_TIMEOUT': '12'}
    s = settings(env)
    # DOCKER_TLS_VERIFY=0 still means verify: any non-empty value does, as in the CLI.
    assert s.tls and s.validate_certs
    assert s.ca_path == str(tmp_path / 'ca.pem')
    assert s.client_cert == str(tmp_path / 'cert.pem') and s.client_key == str(tmp_path / 'key.pem')
    assert s.api_version == '1.43' and s.timeout == 12


def test_cert_path_alone_does_not_turn_tls_on(tmp_path):
    (tmp_path / 'ca.pem').write_text('x')
    s = settings({'DOCKER_HOST': 'tcp://127.0.0.1:2375', 'DOCKER_CERT_PATH': str(tmp_path)})
    assert not s.tls and s.ca_path is None


def test_options_win_over_environment():
    s = settings({'DOCKER_HOST': 'unix:///env.sock', 'DOCKER_API_VERSION': '1.41'},
                 docker_host='unix:///opt.sock', api_version='1.44')
    assert s.address == '/opt.sock' and s.api_version == '1.44'


def test_docker_tls_without_verify():
    s = settings({'DOCKER_HOST': 'tcp://127.0.0.1:2376', 'DOCKER_TLS': '1'}, validate_certs=False)
    assert s.tls and not s.validate_certs


@pytest.mark.parametrize('value', ['1.5.1', 'latest', '2', 'v'])
def test_bad_api_version(value):
    with pytest.raises(ConfigurationError) as exc:
        settings(api_version=value)
    assert 'not an API version' in exc.value.msg


@pytest.mark.parametrize('value', ['auto', None, ''])
def test_auto_api_version(value):
    assert settings(api_version=value).api_version is None


def test_api_version_with_v_prefix():
    assert settings(api_version='v1.44').api_version == '1.44'


@pytest.mark.parametrize('value', [0, -5, 'abc', 'nan', 'inf'])
def test_bad_timeout(value):
    with pytest.raises(ConfigurationError) as exc:
        settings(timeout=value)
    assert 'positive number of seconds' in exc.value.msg


def test_bad_timeout_from_environment_names_the_variable():
    with pytest.raises(ConfigurationError) as exc:
        settings({'DOCKER_TIMEOUT': 'soon'})
    assert exc.value.msg.startswith('DOCKER_TIMEOUT')


def test_https_with_tls_false_is_contradictory():
    with pytest.raises(ConfigurationError):
        settings(docker_host='https://docker1.example', tls=False)


@pytest.mark.parametrize('value', [1e10, 10 ** 12, '1e10', 7 * 24 * 3600 + 1])
def test_timeout_too_large_is_refused(value):
    with pytest.raises(ConfigurationError) as exc:
        settings(timeout=value)
    assert 'too large' in exc.value.msg and '604800' in exc.value.msg


def test_timeout_up_to_a_week_is_accepted():
    assert settings(timeout=7 * 24 * 3600).timeout == 604800
    assert settings({'DOCKER_TIMEOUT': '0.5'}).timeout == 0.5


@pytest.mark.parametrize('value', ['1e10', 'nan', '-inf', '-1', '1e400'])
def test_bad_timeout_from_environment_is_refused(value):
    with pytest.raises(ConfigurationError) as exc:
        settings({'DOCKER_TIMEOUT': value})
    assert exc.value.msg.startswith('DOCKER_TIMEOUT')


def test_client_key_passphrase_is_carried_and_no_log():
    from ansible_collections.dockerapi.engine.plugins.module_utils._connection import CONNECTION_ARGSPEC

    assert CONNECTION_ARGSPEC['client_key_passphrase'] == {'type': 'str', 'no_log': True}
    assert settings(client_key_passphrase='pw').client_key_passphrase == 'pw'
    assert settings().client_key_passphrase is None


@pytest.mark.parametrize('option', ['client_key', 'client_cert', 'ca_path'])
def test_pem_text_instead_of_a_path_is_refused_without_echoing_it(option):
    pem = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXZhbHVl\n-----END PRIVATE KEY-----\n'
    params = {'docker_host': 'tcp://127.0.0.1:2376', option: pem}
    if option != 'ca_path':
        params['client_key' if option == 'client_cert' else 'client_cert'] = '/some/file.pem'
    assert inline_pem_values(params) == {option: pem}
    with pytest.raises(ConfigurationError) as caught:
        settings(**params)
    assert option in caught.value.msg and 'path' in caught.value.msg
    assert 'c2VjcmV0LXZhbHVl' not in caught.value.msg


def test_paths_are_not_taken_for_pem_text():
    assert inline_pem_values({'client_key': '~/.docker/key.pem', 'client_cert': None}) == {}
