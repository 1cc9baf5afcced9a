"""Images: references, sizes, build requests and build logs (pure logic)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError
from ansible_collections.dockerapi.engine.plugins.module_utils._compare import string_map
from ansible_collections.dockerapi.engine.plugins.module_utils._images import (
    Reference,
    _BuildLog,
    _failure_message,
    _lookup_name,
    familiar_name,
    is_image_id,
    parse_reference,
    optional_size,
    prepare_build,
    repo_digests,
)

DIGEST = 'sha256:' + 'a' * 64


@pytest.mark.parametrize(('text', 'expected'), [
    ('busybox', Reference('busybox', 'latest', None)),
    ('busybox:1.36', Reference('busybox', '1.36', None)),
    ('127.0.0.1:5000/team/app', Reference('127.0.0.1:5000/team/app', 'latest', None)),
    ('127.0.0.1:5000/team/app:2', Reference('127.0.0.1:5000/team/app', '2', None)),
    ('localhost/app:x', Reference('localhost/app', 'x', None)),
    ('registry.example.org/a/b/c@' + DIGEST, Reference('registry.example.org/a/b/c', None, DIGEST)),
    ('app:1@' + DIGEST, Reference('app', '1', DIGEST)),
    ('my__app.v2-x:tag_1.0-rc', Reference('my__app.v2-x', 'tag_1.0-rc', None)),
    ('[::1]:5000/app', Reference('[::1]:5000/app', 'latest', None)),
])
def test_parse_reference(text: str, expected: Reference) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize(('text', 'message'), [
    ('App:1', 'must be lowercase'),
    ('team/App', 'must be lowercase'),
    ('app:-bad', 'invalid tag'),
    ('app@sha256:xyz', 'invalid digest'),
    ('', 'is empty'),
    ('app//x', 'not a valid repository path component'),
    ('a' * 256, 'longer than 255'),
])
def test_parse_reference_refuses(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_reference(text)


def test_digest_not_allowed_for_tags() -> None:
    with pytest.raises(ConfigurationError, match='cannot be given to an image you tag or build'):
        parse_reference('app@' + DIGEST, allow_digest=False)


def test_reference_text_and_pull_argument() -> None:
    assert str(parse_reference('app')) == 'app:latest'
    assert parse_reference('app@' + DIGEST).tag_or_digest == DIGEST
    assert parse_reference('app', default_tag='v2').tag_or_digest == 'v2'


def test_ids_and_names() -> None:
    assert is_image_id('sha256:' + 'f' * 64) and is_image_id('f' * 64)
    assert not is_image_id('f' * 12)
    assert _lookup_name('f' * 12) == 'f' * 12  # a short ID is left to the daemon
    assert _lookup_name('busybox') == 'busybox:latest'


def test_familiar_names_and_repo_digests() -> None:
    assert familiar_name('docker.io/library/busybox') == 'busybox'
    assert familiar_name('docker.io/team/app') == 'team/app'
    assert familiar_name('127.0.0.1:5000/app') == '127.0.0.1:5000/app'
    image = {'RepoDigests': ['busybox@sha256:1', '127.0.0.1:5000/app@sha256:2', '127.0.0.1:5000/app@sha256:3']}
    assert repo_digests(image, 'docker.io/library/busybox') == {'sha256:1'}
    assert repo_digests(image, '127.0.0.1:5000/app') == {'sha256:2', 'sha256:3'}
    assert repo_digests(None, 'x') == set()


@pytest.mark.parametrize(('value', 'expected'), [
    (None, None), (1024, 1024), ('64m', 64 * 1024 ** 2), ('1g', 1024 ** 3), ('1.5k', 1536), ('512', 512),
    ('2 MiB', 2 * 1024 ** 2), ('10MB', 10 * 1024 ** 2),
])
def test_optional_size(value: object, expected: int | None) -> None:
    assert optional_size(value, 'shm_size') == expected


def test_optional_size_refuses_junk() -> None:
    with pytest.raises(ConfigurationError, match='shm_size .* is not a size'):
        optional_size('lots', 'shm_size')


def test_build_string_maps() -> None:
    # build args keep a declared-without-value argument; labels take '' for it, as elsewhere
    assert string_map({'A': 1, 'B': 'x', 'C': None}, 'buildargs', allow_null=True) == {'A': '1', 'B': 'x', 'C': None}
    with pytest.raises(ConfigurationError, match=r'labels.flag is the boolean True.*"true"'):
        string_map({'flag': True}, 'labels')
    assert string_map({'x': None}, 'labels') == {'x': ''}


def test_build_log_lines_and_steps() -> None:
    log = _BuildLog()
    for obj in [{'stream': 'Step 1/2 : FROM x'}, {'stream': '\n'}, {'stream': ' ---> abc\nStep 2/2 : RUN false'},
                {'stream': '\n'}, {'status': 'Downloading', 'id': 'l1', 'progressDetail': {'current': 1, 'total': 9}},
                {'status': 'Pull complete', 'id': 'l1', 'progressDetail': {}}, {'aux': {'ID': 'sha256:f'}},
                {'stream': 'partial'}]:
        log.feed(obj)
    assert log.finish() == ['Step 1/2 : FROM x', ' ---> abc', 'Step 2/2 : RUN false', 'l1: Pull complete', 'partial']
    assert log.step == 'Step 2/2 : RUN false'
    assert log.image_id == 'sha256:f'


def _request(tmp_path, **params):
    root = tmp_path / 'ctx'
    root.mkdir(exist_ok=True)
    (root / 'Dockerfile').write_text('FROM x\n')
    base = {'name': 'app', 'tag': 'latest', 'path': str(root), 'rm': True}
    base.update(params)
    return prepare_build(base)


def test_prepare_build_query(tmp_path) -> None:
    request = _request(tmp_path, tags=['app:2', 'app:latest'], buildargs={'V': 1, 'U': None},
                       labels={'a': 'b'}, extra_hosts={'db': '10.0.0.5'}, shm_size='64m', cache_from=['app:1'],
                       pull=False, nocache=True, registry_auth={'username': 'u', 'password': 'p',
                                                                'serveraddress': 'r:5000'})
    query = request.query
    assert query['t'] == ['app:latest', 'app:2']
    assert query['dockerfile'] == 'Dockerfile'
    assert query['buildargs'] == {'V': '1', 'U': None}
    assert query['extrahosts'] == ['db:10.0.0.5']
    assert query['shmsize'] == 64 * 1024 ** 2
    assert query['pull'] is None and query['nocache'] is True and query['rm'] is True
    assert request.headers['Content-Type'] == 'application/x-tar'
    assert 'X-Registry-Config' in request.headers
    assert request.source == 'path'


def test_prepare_build_refuses_bad_input(tmp_path) -> None:
    with pytest.raises(ConfigurationError, match='exactly one of path'):
        _request(tmp_path, context_tar='/x.tar')
    with pytest.raises(ConfigurationError, match='is not a directory'):
        _request(tmp_path, path=str(tmp_path / 'nope'))
    with pytest.raises(ConfigurationError, match='must be lowercase'):
        _request(tmp_path, name='App')
    with pytest.raises(ConfigurationError, match='context_tar .* does not exist'):
        _request(tmp_path, path=None, context_tar=str(tmp_path / 'nope.tar'))
    tar = tmp_path / 'c.tar'
    tar.write_bytes(b'')
    with pytest.raises(ConfigurationError, match='must be a path inside the tar'):
        _request(tmp_path, path=None, context_tar=str(tar), dockerfile='/abs/Dockerfile')
    assert _request(tmp_path, path=None, context_tar=str(tar)).location == os.path.abspath(str(tar))


def test_failure_message_names_the_step(tmp_path) -> None:
    request = _request(tmp_path)
    assert _failure_message(request, 'Step 2/3 : RUN make', 'boom') == \
        'Building app:latest failed at Step 2/3 (RUN make): boom'
    assert _failure_message(request, None, 'boom') == 'Building app:latest failed: boom'


class _FakeClient:
    """Just enough of EngineClient to replay a progress stream."""

    def __init__(self, objects: list) -> None:
        self.objects = objects
        self.calls: list = []

    def stream_json(self, method, path, params=None, **kwargs):
        self.calls.append((method, path, params, kwargs))
        yield from self.objects


def test_an_error_inside_a_200_pull_stream_fails_with_the_log() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils._errors import StreamError
    from ansible_collections.dockerapi.engine.plugins.module_utils._images import pull_image
    client = _FakeClient([{'status': 'Pulling from team/app', 'id': '1'},
                          {'status': 'Downloading', 'id': 'abc', 'progressDetail': {'current': 5, 'total': 9}},
                          {'errorDetail': {'message': 'blob unknown: blob unknown to registry'},
                           'error': 'blob unknown: blob unknown to registry'},
                          {'status': 'never reached'}])
    with pytest.raises(StreamError) as caught:
        pull_image(client, parse_reference('r:5000/team/app:1'), {'username': 'u', 'password': 'p'}, None)
    assert caught.value.msg == 'Pulling r:5000/team/app:1 failed: blob unknown: blob unknown to registry'
    assert caught.value.log == ['1: Pulling from team/app']
    method, path, params, kwargs = client.calls[0]
    assert (method, path, params['fromImage'], params['tag']) == ('POST', '/images/create', 'r:5000/team/app', '1')
    assert kwargs['timeout'] is None and kwargs['raise_on_error'] is False  # no read timeout on a long pull
    assert 'X-Registry-Auth' in kwargs['headers']


def test_push_returns_the_digest_of_the_aux_object() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils._images import push_image
    client = _FakeClient([{'status': 'The push refers to repository [r:5000/app]'},
                          {'status': 'Layer already exists', 'id': 'abc', 'progressDetail': {}},
                          {'status': '1: digest: sha256:d size: 527'},
                          {'progressDetail': {}, 'aux': {'Tag': '1', 'Digest': 'sha256:d', 'Size': 527}}])
    digest, log = push_image(client, parse_reference('r:5000/app:1'), None)
    assert digest == 'sha256:d'
    assert 'abc: Layer already exists' in log
    assert client.calls[0][1] == '/images/r:5000/app/push' and client.calls[0][2] == {'tag': '1'}


# ---- the docker reference grammar, one parser for every module ---------------------------------

@pytest.mark.parametrize(('text', 'repository', 'tag', 'digest'), [
    ('localhost:5000/app', 'localhost:5000/app', 'latest', None),
    ('localhost:5000', 'localhost', '5000', None),  # no slash: a name with a tag, as the docker CLI reads it
    ('Registry.Example.ORG/app', 'Registry.Example.ORG/app', 'latest', None),  # domains may be uppercase
    ('a---b', 'a---b', 'latest', None),
    ('team/ab_c__d-e.x', 'team/ab_c__d-e.x', 'latest', None),
    # a first component with a dot is a registry host, where '_' is not allowed (docker: invalid reference format)
    ('host-1.example:443/a/b:T_1', 'host-1.example:443/a/b', 'T_1', None),
    ('app@sha512:' + 'b' * 128, 'app', None, 'sha512:' + 'b' * 128),
])
def test_reference_grammar_accepts(text, repository, tag, digest) -> None:
    assert parse_reference(text) == Reference(repository, tag, digest)


@pytest.mark.parametrize(('text', 'message'), [
    ('App', 'must be lowercase'),
    ('UPPER:1', 'must be lowercase'),
    ('a___b', 'not a valid repository path component'),
    ('a/-b', 'not a valid repository path component'),
    ('a/b_', 'not a valid repository path component'),
    ('a.b_c/f', 'invalid registry host'),
    ('app:', 'invalid tag'),
    ('app:' + 't' * 129, 'invalid tag'),
    ('app :1', 'not a valid repository path component'),
    ('-host.example/app', 'invalid registry host'),
    ('host.example:port/app', 'invalid registry host'),
    ('app@sha256:' + 'A' * 64, 'invalid digest'),
    ('app@sha256:' + 'a' * 63, 'invalid digest'),
    ('app@md5:' + 'a' * 32, 'unsupported algorithm'),
])
def test_reference_grammar_refuses(text, message) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_reference(text)


class _DistributionClient:
    def __init__(self, answer):
        self.answer = answer

    def get_json(self, path, params=None, **kwargs):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_one_is_newer_check() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils._errors import APIError
    from ansible_collections.dockerapi.engine.plugins.module_utils._images import registry_is_newer
    ref = parse_reference('r:5000/app:1')
    local = {'RepoDigests': ['r:5000/app@' + DIGEST]}
    same = _DistributionClient({'Descriptor': {'digest': DIGEST}})
    other = _DistributionClient({'Descriptor': {'digest': 'sha256:' + 'c' * 64}})
    assert registry_is_newer(same, ref, local) == (False, DIGEST, None)
    assert registry_is_newer(other, ref, local)[0] is True
    assert registry_is_newer(same, ref, None)[0] is True
    newer, digest, why = registry_is_newer(_DistributionClient(APIError(500, 'boom', 'GET', '/x')), ref, local)
    assert newer is None and digest is None and 'boom' in why
    assert registry_is_newer(_DistributionClient({'Descriptor': None}), ref, local)[0] is None


def test_odd_progress_objects_never_raise() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils._images import pull_image
    client = _FakeClient([{'status': 'Downloading', 'id': 'a', 'progressDetail': None},
                          {'status': 'Extracting', 'id': 'a', 'progressDetail': []},
                          'a bare string', ['a', 'list'], None, 42,
                          {'status': 'Done', 'progressDetail': {'current': None}}])
    log = pull_image(client, parse_reference('app:1'), None, None)
    assert log == ['a: Downloading', 'a: Extracting', 'Done']
    build_log = _BuildLog()
    for obj in ('x', None, {'progressDetail': None, 'status': 's'}, {'aux': None}):
        build_log.feed(obj)
    assert build_log.finish() == ['s']
