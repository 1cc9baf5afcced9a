"""image_load / image_export: archive reading, load output parsing, streamed and atomic export (fake daemon)."""

from __future__ import annotations

import io
import json
import os
import tarfile

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _archive
from ansible_collections.dockerapi.engine.plugins.module_utils._archive import (
    ArchiveError, export_names, image_export, image_load, parse_load_output, read_archive)
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import (
    ConfigurationError, NotFound, StreamError, UnsupportedFeature)

ID_A = 'sha256:' + 'a' * 64
ID_B = 'sha256:' + 'b' * 64


def _tar(path, files: dict[str, bytes]) -> str:
    with tarfile.open(path, 'w') as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return str(path)


def _classic(path, image_id=ID_A, tags=('app:1',)) -> str:
    """The format of docker save up to Docker 24."""
    hexid = image_id.split(':')[1]
    manifest = [{'Config': hexid + '.json', 'RepoTags': list(tags), 'Layers': ['l1/layer.tar']}]
    return _tar(path, {hexid + '.json': b'{}', 'l1/layer.tar': b'\0' * 2048, 'manifest.json': json.dumps(manifest).encode()})


def _oci_only(path, image_id=ID_B) -> str:
    """An OCI layout without manifest.json (the index names a manifest whose config is the image)."""
    manifest_digest = 'sha256:' + 'c' * 64
    manifest = {'schemaVersion': 2, 'config': {'digest': image_id}, 'layers': []}
    index = {'schemaVersion': 2, 'manifests': [{'digest': manifest_digest, 'annotations': {
        'io.containerd.image.name': 'docker.io/library/busybox:1.36', 'org.opencontainers.image.ref.name': '1.36'}}]}
    return _tar(path, {'blobs/sha256/' + 'c' * 64: json.dumps(manifest).encode(), 'index.json': json.dumps(index).encode()})


def test_read_archive_both_formats(tmp_path) -> None:
    assert read_archive(_classic(tmp_path / 'a.tar')) == [{'id': ID_A, 'names': ['app:1']}]
    assert read_archive(_oci_only(tmp_path / 'b.tar')) == [{'id': ID_B, 'names': ['busybox:1.36']}]
    # Docker 25+ writes both; manifest.json wins and its Config is a blob path
    both = _tar(tmp_path / 'c.tar', {'manifest.json': json.dumps([{'Config': 'blobs/sha256/' + 'a' * 64, 'RepoTags': None}]).encode(),
                                     'index.json': b'{"manifests": []}'})
    assert read_archive(both) == [{'id': ID_A, 'names': []}]


def test_read_archive_refuses_what_is_not_an_image_archive(tmp_path) -> None:
    junk = tmp_path / 'junk.tar'
    junk.write_bytes(b'not a tar\n' * 200)
    with pytest.raises(ArchiveError, match='is not a tar archive of images'):
        read_archive(str(junk))
    with pytest.raises(ArchiveError, match='neither manifest.json nor index.json'):
        read_archive(_tar(tmp_path / 'plain.tar', {'hello.txt': b'hi'}))
    with pytest.raises(ArchiveError, match='not valid JSON'):
        read_archive(_tar(tmp_path / 'bad.tar', {'manifest.json': b'{nope'}))


def test_parse_load_output() -> None:
    lines = ['Loaded image: app:1', 'Loaded image ID: ' + ID_A, 'something else', 'Loaded image: app:1']
    assert parse_load_output(lines) == ['app:1', ID_A]


def test_export_names_take_the_tag_option() -> None:
    assert export_names({'names': ['app', 'app:2', ID_A, 'r:5000/x'], 'tag': '7'}) == ['app:7', 'app:2', ID_A, 'r:5000/x:7']
    with pytest.raises(ConfigurationError):
        export_names({'names': ['Bad Name'], 'tag': 'latest'})


class _Response:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def iter_chunks(self):
        yield from self.chunks

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class _Daemon:
    """Just enough of EngineClient: inspect, /images/get, /images/load."""

    def __init__(self, images: dict[str, dict], archive: bytes = b'', load_output: list[dict] | None = None,
                 api: str = '1.51') -> None:
        self.images = images
        self.archive = archive
        self.load_output = load_output or []
        self.api = api
        self.requests: list = []
        self.uploaded = 0
        self.largest_chunk = 0

    def get_json(self, path: str, params=None, **kwargs):
        name = path[len('/images/'):-len('/json')]
        if name not in self.images:
            raise NotFound(404, 'No such image: ' + name)
        return self.images[name]

    def require_api(self, version: str, feature: str) -> None:
        if tuple(map(int, self.api.split('.'))) < tuple(map(int, version.split('.'))):
            raise UnsupportedFeature('%s needs Docker API %s' % (feature, version))

    def request(self, method, path, params=None, *, data=None, headers=None, stream=False, timeout=None, **kwargs):
        self.requests.append((method, path, params, headers))
        if path == '/images/get':
            return _Response([self.archive[i:i + 100] for i in range(0, len(self.archive), 100)])
        for chunk in data:
            self.uploaded += len(chunk)
            self.largest_chunk = max(self.largest_chunk, len(chunk))
        return _Response([json.dumps(obj).encode() + b'\r\n' for obj in self.load_output])


def test_export_writes_atomically_and_is_idempotent(tmp_path) -> None:
    archive = open(_classic(tmp_path / 'src.tar'), 'rb').read()
    daemon = _Daemon({'app:1': {'Id': ID_A}}, archive)
    target = str(tmp_path / 'out' / 'app.tar')
    os.mkdir(tmp_path / 'out')
    params = {'names': ['app'], 'tag': '1', 'path': target, 'force': False, 'platform': None}

    planned = image_export(daemon, params, True, True)
    assert planned['changed'] is True and not os.path.exists(target)
    assert planned['diff']['after'] == {'path': target, 'image_ids': [ID_A]}

    done = image_export(daemon, params, False, False)
    assert done == {'changed': True, 'images': [{'Id': ID_A}]}
    assert open(target, 'rb').read() == archive
    assert os.listdir(tmp_path / 'out') == ['app.tar']
    assert daemon.requests[-1][:3] == ('GET', '/images/get', {'names': ['app:1']})

    assert image_export(daemon, params, False, False)['changed'] is False
    assert len([r for r in daemon.requests if r[1] == '/images/get']) == 1
    assert image_export(daemon, dict(params, force=True), False, False)['changed'] is True

    # the same image under a name the archive does not hold: rewritten
    daemon.images['app:2'] = {'Id': ID_A}
    assert image_export(daemon, dict(params, names=['app:2']), True, False)['changed'] is True
    daemon.images['docker.io/library/app:1'] = {'Id': ID_A}
    assert image_export(daemon, dict(params, names=['docker.io/library/app:1']), True, False)['changed'] is False

    # another image ID in the file: rewritten
    daemon.images['app:1'] = {'Id': ID_B}
    assert image_export(daemon, params, False, False)['changed'] is True


def test_export_failures(tmp_path) -> None:
    daemon = _Daemon({'app:latest': {'Id': ID_A}}, api='1.41')
    params = {'names': ['app', 'gone'], 'tag': 'latest', 'path': str(tmp_path / 'x.tar'), 'force': False, 'platform': None}
    with pytest.raises(ConfigurationError, match='Cannot export gone:latest: no such image'):
        image_export(daemon, params, False, False)
    with pytest.raises(UnsupportedFeature, match='platform needs Docker API 1.48'):
        image_export(daemon, dict(params, names=['app'], platform='linux/arm64'), False, False)
    with pytest.raises(ConfigurationError, match='does not exist'):
        image_export(daemon, dict(params, names=['app'], path=str(tmp_path / 'no' / 'x.tar')), False, False)

    class _Broken(_Daemon):
        def request(self, *args, **kwargs):
            raise OSError('boom')

    broken = _Broken({'app:latest': {'Id': ID_A}})
    with pytest.raises(OSError):
        image_export(broken, dict(params, names=['app']), False, False)
    assert os.listdir(tmp_path) == []  # no temporary file left


def test_platform_is_sent_as_oci_json(tmp_path) -> None:
    daemon = _Daemon({'app:latest': {'Id': ID_A}}, b'x' * 10)
    image_export(daemon, {'names': ['app'], 'tag': 'latest', 'path': str(tmp_path / 'p.tar'), 'force': True,
                          'platform': 'linux/arm64/v8'}, False, False)
    assert json.loads(daemon.requests[-1][2]['platform']) == {'os': 'linux', 'architecture': 'arm64', 'variant': 'v8'}


def test_load_streams_the_file_and_reports_the_images(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(_archive, 'CHUNK_SIZE', 1024)
    path = _classic(tmp_path / 'a.tar')
    daemon = _Daemon({'app:1': {'Id': ID_A}}, load_output=[{'stream': 'Loaded image: app:1\n'}])
    result = image_load(daemon, {'path': path}, False, False)
    assert result == {'changed': True, 'image_names': ['app:1'], 'images': [{'Id': ID_A}]}
    assert daemon.uploaded == os.path.getsize(path) and daemon.largest_chunk == 1024
    method, where, _params, headers = daemon.requests[0]
    assert (method, where, headers['Content-Length']) == ('POST', '/images/load', str(os.path.getsize(path)))

    planned = image_load(_Daemon({}), {'path': path}, True, False)
    assert planned == {'changed': True, 'image_names': ['app:1'], 'images': []}


def test_load_failures(tmp_path) -> None:
    junk = tmp_path / 'junk.tar'
    junk.write_bytes(b'x' * 5000)
    daemon = _Daemon({})
    with pytest.raises(ArchiveError, match='is not a tar archive of images'):
        image_load(daemon, {'path': str(junk)}, False, False)
    with pytest.raises(ConfigurationError, match='does not exist'):
        image_load(daemon, {'path': str(tmp_path / 'missing.tar')}, False, False)
    assert daemon.requests == []  # nothing was sent
    failing = _Daemon({}, load_output=[{'errorDetail': {'message': 'unexpected EOF'}, 'error': 'unexpected EOF'}])
    with pytest.raises(StreamError, match='Loading .* failed: unexpected EOF'):
        image_load(failing, {'path': _classic(tmp_path / 'a.tar')}, False, False)
