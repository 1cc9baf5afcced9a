"""Pure parts of the client: stream decoding, frame demultiplexing, negotiation, error mapping."""

from __future__ import annotations

import io
import json
import random
import struct

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _client
from ansible_collections.dockerapi.engine.plugins.module_utils._client import (
    EngineClient,
    JSONStreamDecoder,
    _encode_params,
    demux,
    iter_frames,
    quote_path,
)
from ansible_collections.dockerapi.engine.plugins.module_utils._connection import resolve_settings
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import (
    APIVersionError,
    Conflict,
    NotFound,
    StreamError,
    UnsupportedFeature,
)


def split_randomly(data: bytes, seed: int):
    rnd = random.Random(seed)
    pos = 0
    while pos < len(data):
        step = rnd.randint(1, 7)
        yield data[pos:pos + step]
        pos += step


@pytest.mark.parametrize('seed', range(20))
def test_json_stream_survives_any_chunking(seed):
    objects = [{'stream': 'Step %d/3 : RUN echo é\n' % i} for i in range(3)] + [{'aux': {'ID': 'sha256:abc'}}]
    data = b''.join(json.dumps(o, ensure_ascii=False).encode('utf-8') + b'\r\n' for o in objects)
    data += b'{"status":"a"}{"status":"b"}'  # objects not separated by newlines
    decoder = JSONStreamDecoder()
    got = [obj for chunk in split_randomly(data, seed) for obj in decoder.feed(chunk)]
    decoder.finish()
    assert got == objects + [{'status': 'a'}, {'status': 'b'}]


def test_truncated_stream_is_an_error():
    decoder = JSONStreamDecoder()
    list(decoder.feed(b'{"status": "ok"}\n{"status": "half'))
    with pytest.raises(StreamError):
        decoder.finish()


def test_in_band_error_detection():
    assert _client.stream_error_message({'error': 'boom', 'errorDetail': {'message': 'boom'}}) == 'boom'
    assert _client.stream_error_message({'errorDetail': {'message': 'only detail'}}) == 'only detail'
    assert _client.stream_error_message({'status': 'Pulling'}) is None


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack('>BxxxL', stream, len(payload)) + payload


def reader(data: bytes):
    buf = io.BytesIO(data)
    return buf.read


def test_demux_keeps_streams_apart():
    data = frame(1, b'out1 ') + frame(2, b'err1 ') + frame(1, b'out2') + frame(2, b'') + frame(2, b'err2')
    assert demux(reader(data)) == (b'out1 out2', b'err1 err2')
    assert list(iter_frames(reader(frame(1, b'x')))) == [(1, b'x')]


def test_demux_system_error_frame_and_truncation():
    with pytest.raises(StreamError) as exc:
        demux(reader(frame(3, b'Error grabbing logs')))
    assert 'Error grabbing logs' in exc.value.msg
    with pytest.raises(StreamError):
        demux(reader(frame(1, b'abc')[:-1]))
    with pytest.raises(StreamError):
        demux(reader(b'\x01\x00\x00'))


def test_param_encoding():
    query = _encode_params({'all': True, 'limit': 10, 'size': None, 'filters': {'label': {'a': 'b'}},
                            't': ['x:1', 'y:2'], 'buildargs': {'A': '1'}})
    assert 'all=1' in query and 'limit=10' in query and 'size' not in query
    assert 't=x%3A1&t=y%3A2' in query and 'buildargs=%7B%22A%22%3A+%221%22%7D' in query
    assert 'filters=%7B%22label%22%3A+%5B%22a%3Db%22%5D%7D' in query
    assert _encode_params({'filters': {}}) == ''
    assert quote_path('registry:5000/ns/img:tag') == 'registry:5000/ns/img:tag'
    assert quote_path('a b?') == 'a%20b%3F'


class FakeClient(EngineClient):
    """Negotiation without a daemon: /version answers come from a dict."""

    def __init__(self, version: dict, pinned: str | None = None):
        super().__init__(resolve_settings({'api_version': pinned}, {}))
        self._version = version

    def get_json(self, path, params=None, **kwargs):
        assert path == '/version' and kwargs.get('versioned') is False
        return self._version


@pytest.mark.parametrize(('daemon_max', 'daemon_min', 'expected'), [
    ('1.41', '1.12', '1.41'),   # 20.10
    ('1.45', '1.24', '1.45'),   # 26.1
    ('1.51', '1.24', '1.51'),   # 28.5
    ('1.52', '1.44', '1.51'),   # 29.0: we speak our newest tested version
])
def test_negotiation_speaks_min_of_both(daemon_max, daemon_min, expected):
    client = FakeClient({'ApiVersion': daemon_max, 'MinAPIVersion': daemon_min, 'Version': 'x'})
    client.negotiate()
    assert client.api_version == expected
    assert client.url('/info') == '/v%s/info' % expected


def test_negotiation_refuses_old_daemon_and_names_both_numbers():
    with pytest.raises(APIVersionError) as exc:
        FakeClient({'ApiVersion': '1.40', 'MinAPIVersion': '1.12', 'Version': '19.03.15'}).negotiate()
    assert '1.40' in exc.value.msg and '1.41' in exc.value.msg


def test_negotiation_refuses_daemon_whose_minimum_is_above_ours():
    with pytest.raises(APIVersionError) as exc:
        FakeClient({'ApiVersion': '1.60', 'MinAPIVersion': '1.55', 'Version': '35.0'}).negotiate()
    assert '1.55' in exc.value.msg and '1.51' in exc.value.msg


def test_pinned_version_checks():
    ok = FakeClient({'ApiVersion': '1.51', 'MinAPIVersion': '1.24'}, pinned='1.43')
    ok.negotiate()
    assert ok.api_version == '1.43'
    with pytest.raises(APIVersionError) as exc:
        FakeClient({'ApiVersion': '1.41', 'MinAPIVersion': '1.12', 'Version': '20.10.24'}, pinned='1.45').negotiate()
    assert '1.45' in exc.value.msg and '1.41' in exc.value.msg
    with pytest.raises(APIVersionError):
        FakeClient({'ApiVersion': '1.51', 'MinAPIVersion': '1.24'}, pinned='1.30').negotiate()
    with pytest.raises(APIVersionError):
        FakeClient({'ApiVersion': '1.52', 'MinAPIVersion': '1.44'}, pinned='1.43').negotiate()


def test_require_api():
    client = FakeClient({'ApiVersion': '1.41', 'MinAPIVersion': '1.12', 'Version': '20.10.24'})
    client.negotiate()
    assert client.api_at_least('1.41') and not client.api_at_least('1.44')
    with pytest.raises(UnsupportedFeature) as exc:
        client.require_api('1.44', 'healthcheck.start_interval')
    assert 'healthcheck.start_interval' in exc.value.msg and '1.44' in exc.value.msg and '1.41' in exc.value.msg


def test_status_mapping():
    client = FakeClient({})
    err = client._api_error(404, b'{"message": "No such container: x"}', 'GET', '/containers/x/json')
    assert isinstance(err, NotFound) and err.message == 'No such container: x' and err.status == 404
    assert isinstance(client._api_error(409, b'{"message": "in use"}', 'POST', '/x'), Conflict)
    plain = client._api_error(500, b'plain text', 'GET', '/x')
    assert plain.message == 'plain text' and 'HTTP 500' in plain.msg
