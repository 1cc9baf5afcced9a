"""container_copy_into's pure parts: mode parsing, the path stat header, the streamed one-entry tar."""

from __future__ import annotations

import base64
import io
import json
import os
import tarfile

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _copy
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError


@pytest.mark.parametrize(('value', 'how', 'expected'), [
    (None, 'legacy', None),
    (420, 'legacy', 0o644),
    ('420', 'legacy', 0o644),
    ('644', 'legacy', 644),
    ('0644', 'modern', 0o644),
    (0o600, 'modern', 0o600),
    ('4755', 'octal_string_only', 0o4755),
])
def test_parse_mode(value: object, how: str, expected: int | None) -> None:
    assert _copy.parse_mode(value, how) == expected


@pytest.mark.parametrize(('value', 'how'), [
    (420, 'octal_string_only'), ('0x1a', 'modern'), ('999', 'modern'), (True, 'legacy'), (0o17777, 'modern'),
    ('-1', 'legacy'), ([1], 'legacy'),
])
def test_parse_mode_refuses(value: object, how: str) -> None:
    with pytest.raises(ConfigurationError):
        _copy.parse_mode(value, how)


def test_go_mode_to_unix() -> None:
    assert _copy.go_mode_to_unix(0o644) == 0o644
    assert _copy.go_mode_to_unix(_copy.GO_SETUID | _copy.GO_STICKY | 0o755) == 0o5755
    assert _copy.go_mode_to_unix(_copy.GO_DIR | _copy.GO_SETGID | 0o700) == 0o2700


def test_decode_path_stat() -> None:
    value = {'name': 'x', 'size': 3, 'mode': 420, 'mtime': '2024-01-01T00:00:00Z', 'linkTarget': ''}
    assert _copy.decode_path_stat(base64.b64encode(json.dumps(value).encode()).decode()) == value
    assert _copy.decode_path_stat(None) is None
    assert _copy.decode_path_stat('!!not base64!!') is None
    assert _copy.decode_path_stat(base64.b64encode(b'[1]').decode()) is None


def _params(**kwargs: object) -> dict:
    params = {'path': None, 'content': None, 'content_is_b64': False, 'local_follow': True}
    params.update(kwargs)
    return params


def test_source_content_and_b64() -> None:
    source = _copy.Source(_params(content='héllo'))
    assert (source.size, source.mode, b''.join(source.chunks())) == (6, 0o644, 'héllo'.encode())
    binary = _copy.Source(_params(content=base64.b64encode(b'\x00\x01\xff').decode(), content_is_b64=True))
    assert b''.join(binary.chunks()) == b'\x00\x01\xff'
    assert binary.small_text() is None
    with pytest.raises(ConfigurationError, match='base64'):
        _copy.Source(_params(content='not base64!', content_is_b64=True))


def test_source_files(tmp_path: object) -> None:
    base = str(tmp_path)
    path = os.path.join(base, 'f')
    with open(path, 'wb') as handle:
        handle.write(b'abc')
    os.chmod(path, 0o640)
    os.symlink('f', os.path.join(base, 'l'))
    source = _copy.Source(_params(path=os.path.join(base, 'l')))
    assert (source.size, source.mode, source.link_target) == (3, 0o640, None)
    link = _copy.Source(_params(path=os.path.join(base, 'l'), local_follow=False))
    assert (link.size, link.link_target) == (0, 'f')
    with pytest.raises(ConfigurationError, match='does not exist'):
        _copy.Source(_params(path=os.path.join(base, 'missing')))
    with pytest.raises(ConfigurationError, match='not a regular file'):
        _copy.Source(_params(path=base))


@pytest.mark.parametrize('size', [0, 1, 511, 512, 513, 3 * _copy.CHUNK + 7])
def test_tar_stream_is_one_valid_entry(tmp_path: object, size: int) -> None:
    path = os.path.join(str(tmp_path), 'data')
    data = os.urandom(size)
    with open(path, 'wb') as handle:
        handle.write(data)
    source = _copy.Source(_params(path=path))
    length, chunks = _copy.tar_stream('name.bin', source, 1000, 50, 0o4750)
    pieces = list(chunks)
    body = b''.join(pieces)
    assert len(body) == length and length % 512 == 0
    assert max(len(piece) for piece in pieces) <= _copy.CHUNK + 2 * _copy.BLOCK  # read in chunks, never whole
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        members = archive.getmembers()
        assert [(m.name, m.size, m.uid, m.gid, m.mode, m.isreg()) for m in members] == [('name.bin', size, 1000, 50, 0o4750, True)]
        handle = archive.extractfile(members[0])
        assert handle is not None and handle.read() == data


def test_tar_stream_symlink() -> None:
    source = _copy.Source.__new__(_copy.Source)
    source.data, source.path, source.link_target, source.size, source.mode, source.mtime = None, None, 'target', 0, 0o777, 0
    length, chunks = _copy.tar_stream('ln', source, 0, 0, 0o777)
    body = b''.join(chunks)
    assert len(body) == length
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        member = archive.getmembers()[0]
        assert member.issym() and member.linkname == 'target'


def test_diff_never_shows_content_option() -> None:
    source = _copy.Source(_params(content='secret'))
    diff = _copy._diff('/etc/x', {'mode': 0o644, 'size': 3}, b'old secret', source, True)  # pylint: disable=protected-access
    assert diff['before'] == diff['after'] == _copy.HIDDEN
