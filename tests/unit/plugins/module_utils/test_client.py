"""Pure parts of the client: stream decoding, frame demultiplexing, negotiation, error mapping."""

from __future__ import annotations

import datetime
import http.client
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
    ConfigurationError,
    Conflict,
    NotFound,
    ProtocolError,
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


# ---- hardening: odd answers and broken connections become EngineErrors with a message -------------


class FakeRaw:
    """Just enough of http.client.HTTPResponse for Response."""

    def __init__(self, chunks, length=None, status=200):
        self._chunks = list(chunks)
        self.length = length
        self.status = status
        self.headers = {}

    def read1(self, size):
        return self._chunks.pop(0) if self._chunks else b''


@pytest.mark.parametrize('body', [b'<html>502 Bad Gateway</html>', b'{"Id": "abc', b'\xff\xfe', b'{"a": 1} trailing'])
def test_a_body_that_is_not_json_is_a_protocol_error(body):
    response = _client.Response(FakeRaw([]), 'POST', '/containers/create', None, body, where='unix:///x.sock')
    with pytest.raises(ProtocolError) as exc:
        response.json()
    msg = exc.value.msg
    assert 'POST /containers/create' in msg and 'not valid JSON' in msg and 'unix:///x.sock' in msg
    assert 'may have carried out the POST' in msg  # a write whose answer broke may have happened


def test_a_read_whose_answer_is_not_json_does_not_claim_a_change():
    response = _client.Response(FakeRaw([]), 'GET', '/info', None, b'nope')
    with pytest.raises(ProtocolError) as exc:
        response.json()
    assert 'carried out' not in exc.value.msg


def test_a_stream_cut_before_its_content_length_is_an_incomplete_read():
    raw = FakeRaw([b'{"a": 1}'], length=40)
    raw.read1 = lambda size, chunks=[b'{"a": 1}']: chunks.pop(0) if chunks else b''  # length is not decremented
    response = _client.Response(raw, 'GET', '/events', None)
    chunks = response.iter_chunks()
    assert next(chunks) == b'{"a": 1}'
    with pytest.raises(http.client.IncompleteRead):
        next(chunks)


def test_a_stream_that_ends_at_its_length_or_without_one_ends_normally():
    assert list(_client.Response(FakeRaw([b'ab', b'c'], length=0), 'GET', '/x', None).iter_chunks()) == [b'ab', b'c']
    assert list(_client.Response(FakeRaw([b'ab'], length=None), 'GET', '/x', None).iter_chunks()) == [b'ab']


@pytest.mark.parametrize('version', [{'ApiVersion': 'latest', 'MinAPIVersion': '1.12'},
                                     {'ApiVersion': '1.51', 'MinAPIVersion': 'x'},
                                     {'ApiVersion': '1.5a'}])
def test_negotiation_refuses_non_numeric_versions(version):
    with pytest.raises(APIVersionError) as exc:
        FakeClient(version).negotiate()
    assert 'not a version number' in exc.value.msg


@pytest.mark.parametrize('answer', [[1], 'text', 42])
def test_negotiation_refuses_a_version_answer_that_is_not_an_object(answer):
    with pytest.raises(ProtocolError) as exc:
        FakeClient(answer).negotiate()
    assert 'GET /version' in exc.value.msg


@pytest.mark.parametrize(('status', 'payload', 'needle'), [
    (500, b'', 'Internal Server Error (the daemon sent no error text)'),
    (500, b'[1, 2]', '[1, 2]'),
    (500, b'{"message": 42}', '{"message": 42}'),
    (503, b'   ', 'Service Unavailable'),
])
def test_error_statuses_with_odd_bodies(status, payload, needle):
    err = FakeClient({})._api_error(status, payload, 'GET', '/x')
    assert err.status == status and needle in err.msg and isinstance(err.message, str)


def test_incomplete_read_is_described_with_the_bytes_counted():
    client = FakeClient({})
    problem = client._describe_failure(http.client.IncompleteRead(b'12345', 10), 'DELETE', '/volumes/v', 5)
    assert isinstance(problem, ProtocolError)
    assert '5 bytes received, 10 more expected' in problem.msg and 'may have carried out the DELETE' in problem.msg


def test_timeouts_are_shown_rounded():
    assert _client._fmt_seconds(1.9999762340000302) == '2' and _client._fmt_seconds(0.25) == '0.25'
    assert _client._fmt_seconds(60) == '60'


# ---- client certificates and keys --------------------------------------------------------------------


def _cert(tmp_path, not_before, not_after, usages):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'client')])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(1).not_valid_before(not_before).not_valid_after(not_after))
    if usages is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    path = tmp_path / 'cert.pem'
    path.write_bytes(builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    return str(path), key


def test_client_certificate_problems_are_named(tmp_path):
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)
    client_auth = [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert 'expired on' in _client._client_cert_problem(_cert(tmp_path, now - 9 * day, now - day, client_auth)[0])
    assert 'not yet valid' in _client._client_cert_problem(_cert(tmp_path, now + day, now + 9 * day, client_auth)[0])
    assert 'does not include clientAuth' in _client._client_cert_problem(
        _cert(tmp_path, now - day, now + day, [ExtendedKeyUsageOID.SERVER_AUTH])[0])
    assert _client._client_cert_problem(_cert(tmp_path, now - day, now + day, client_auth)[0]) is None
    assert _client._client_cert_problem(_cert(tmp_path, now - day, now + day, None)[0]) is None  # no EKU: any use
    (tmp_path / 'junk.pem').write_text('not a certificate')
    assert _client._client_cert_problem(str(tmp_path / 'junk.pem')) is None


def test_encrypted_keys_are_detected_and_refused_without_a_passphrase(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = datetime.datetime.now(datetime.timezone.utc)
    cert, key = _cert(tmp_path, now - datetime.timedelta(days=1), now + datetime.timedelta(days=1),
                      [ExtendedKeyUsageOID.CLIENT_AUTH])
    for fmt in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        path = tmp_path / 'key.pem'
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, fmt, serialization.BestAvailableEncryption(b'pw')))
        assert _client._key_is_encrypted(str(path))
        settings = resolve_settings({'docker_host': 'tcp://127.0.0.1:2376', 'client_cert': cert, 'client_key': str(path),
                                     'validate_certs': False}, {})
        with pytest.raises(ConfigurationError) as exc:
            EngineClient(settings)._tls_context()
        assert 'is encrypted' in exc.value.msg and 'client_key_passphrase' in exc.value.msg
        right = resolve_settings({'docker_host': 'tcp://127.0.0.1:2376', 'client_cert': cert, 'client_key': str(path),
                                  'validate_certs': False, 'client_key_passphrase': 'pw'}, {})
        assert EngineClient(right)._tls_context() is not None
        wrong = right._replace(client_key_passphrase='nope')
        with pytest.raises(ConfigurationError) as exc:
            EngineClient(wrong)._tls_context()
        assert 'could not be decrypted' in exc.value.msg
    plain = tmp_path / 'plain.pem'
    plain.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    assert not _client._key_is_encrypted(str(plain))
