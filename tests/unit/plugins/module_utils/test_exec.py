"""container_exec's service: bounded output, time limits, and a daemon that hangs or breaks the stream.

The daemon cases use a scripted fake Engine on a loopback TCP port (real sockets, the real
EngineClient): what the fault-injection matrix checks for every module, here in detail for exec.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _exec
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import (
    ConfigurationError,
    ConnectionProblem,
    EngineError,
    StreamError,
)
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import execute

CID = 'c' * 64
EID = 'e' * 64


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack('>BxxxL', stream, len(payload)) + payload


def feed_split(collector, data: bytes, seed: int) -> None:
    rnd = random.Random(seed)
    pos = 0
    while pos < len(data):
        size = rnd.choice([1, 2, 3, 7, 8, 9, 100])
        collector.feed(data[pos:pos + size])
        pos += size


# ---------------------------------------------------------------------------------------------- output

@pytest.mark.parametrize('seed', range(20))
def test_frames_survive_any_chunking(seed):
    data = frame(1, b'out1 ') + frame(2, b'err1 ') + frame(1, b'') + frame(1, b'out2') + frame(2, b'err2')
    out = _exec.OutputCollector(False, 1000)
    feed_split(out, data, seed)
    out.finish()
    assert bytes(out.kept[1]) == b'out1 out2' and bytes(out.kept[2]) == b'err1 err2'
    assert not out.truncated(1) and not out.truncated(2)


def test_output_is_cut_per_stream_and_counted():
    out = _exec.OutputCollector(False, 10)
    for dummy in range(1000):
        out.feed(frame(1, b'0123456789abcdef'))
    out.feed(frame(2, b'short'))
    out.finish()
    assert bytes(out.kept[1]) == b'0123456789' and out.total[1] == 16000 and out.truncated(1)
    assert bytes(out.kept[2]) == b'short' and not out.truncated(2)


def test_tty_output_is_not_framed():
    out = _exec.OutputCollector(True, 4)
    out.feed(b'\x01\x00\x00\x00abc')
    out.finish()
    assert bytes(out.kept[1]) == b'\x01\x00\x00\x00' and out.total[1] == 7


@pytest.mark.parametrize('data, needle', [
    (frame(1, b'abc')[:-1], 'inside a frame (1 bytes missing)'),
    (frame(1, b'abc') + b'\x01\x00', 'inside a frame header'),
    (b'HTTP/1.1 200 OK\r\n', 'not framed as the Engine API says'),
    (frame(3, b'oci runtime error'), 'error inside the stream: oci runtime error'),
])
def test_broken_streams_are_named(data, needle):
    out = _exec.OutputCollector(False, 100)
    with pytest.raises(StreamError) as info:
        out.feed(data)
        out.finish()
    assert needle in info.value.msg


@pytest.mark.parametrize('params, needle', [
    ({'exec_timeout': float('nan')}, 'exec_timeout must be'),
    ({'exec_timeout': float('inf')}, 'exec_timeout must be'),
    ({'exec_timeout': 0.0}, 'exec_timeout must be'),
    ({'exec_timeout': -1.0}, 'exec_timeout must be'),
    ({'exec_timeout': 1e10}, 'at most'),
    ({'max_output_bytes': 0}, 'max_output_bytes must be at least 1'),
])
def test_limits_are_checked(params, needle):
    with pytest.raises(ConfigurationError) as info:
        _exec._check_limits(params)
    assert needle in info.value.msg


def test_default_limits():
    assert _exec._check_limits({}) == (None, 16 * 1024 * 1024)
    assert _exec._check_limits({'exec_timeout': 2.5, 'max_output_bytes': 5}) == (2.5, 5)


# ---------------------------------------------------------------------------------------------- fake daemon

class FakeEngine:
    """A loopback HTTP server that plays one scripted behaviour for each endpoint of an exec."""

    def __init__(self, **behaviour):
        self.behaviour = behaviour
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.seen: list[str] = []
        self.closing = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        self.closing.set()
        self.listener.close()

    def _serve(self):
        while not self.closing.is_set():
            try:
                conn, dummy = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_request(conn, buf):
        while b'\r\n\r\n' not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b''
            buf += chunk
        head, rest = buf.split(b'\r\n\r\n', 1)
        lines = head.decode('latin-1').split('\r\n')
        length = 0
        for line in lines[1:]:
            name, dummy, value = line.partition(':')
            if name.strip().lower() == 'content-length':
                length = int(value)
        while len(rest) < length:
            rest += conn.recv(65536)
        method, path = lines[0].split()[:2]
        return (method, path.split('?')[0], rest[:length]), rest[length:]

    @staticmethod
    def _json(conn, obj, status='200 OK'):
        body = json.dumps(obj).encode()
        conn.sendall(b'HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n'
                     % (status.encode(), len(body)) + body)

    def _handle(self, conn):
        buf = b''
        try:
            while True:
                request, buf = self._read_request(conn, buf)
                if request is None:
                    return
                method, path, body = request
                self.seen.append('%s %s' % (method, path))
                if path.endswith('/version'):
                    self._json(conn, {'ApiVersion': '1.45', 'MinAPIVersion': '1.24', 'Version': '26.1.0'})
                    continue
                if path.endswith('/containers/box/json'):
                    key = 'lookup'
                elif path.endswith('/containers/%s/exec' % CID):
                    key = 'create'
                elif path.endswith('/exec/%s/start' % EID):
                    key = 'start'
                elif path.endswith('/exec/%s/json' % EID):
                    key = 'inspect'
                else:
                    self._json(conn, {'message': 'no such thing'}, '404 Not Found')
                    continue
                action = self.behaviour.get(key, 'ok')
                if action == 'hang':
                    self.closing.wait(30)
                    return
                if key == 'lookup':
                    self._json(conn, {'Id': CID, 'State': {'Running': True, 'Status': 'running'}})
                elif key == 'create':
                    self._json(conn, {'Id': EID}, '201 Created')
                elif key == 'inspect':
                    self._json(conn, {'ID': EID, 'Running': action == 'running', 'ExitCode': None if action == 'running'
                                      else 0, 'Pid': 4242})
                else:
                    self._start(conn, action, body)
                    return
        except OSError:
            pass
        finally:
            conn.close()

    def _start(self, conn, action, body):
        upgrade = b'101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp' if json.loads(body or b'{}') and \
            self.behaviour.get('hijacked') else b'200 OK'
        conn.sendall(b'HTTP/1.1 ' + upgrade + b'\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n')
        if action == 'ok':
            conn.sendall(frame(1, b'hello\n') + frame(2, b'oops\n'))
            conn.shutdown(socket.SHUT_WR)
            conn.recv(1)
        elif action == 'reset':
            conn.sendall(frame(1, b'partial output\n') + frame(1, b'cut')[:-1])
            time.sleep(0.2)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))  # close with RST
        elif action == 'slow':
            while not self.closing.is_set():
                conn.sendall(frame(1, b'tick\n'))
                time.sleep(0.1)
        elif action == 'silent':
            self.closing.wait(30)


@pytest.fixture
def engine_factory():
    engines = []

    def make(**behaviour):
        engine = FakeEngine(**behaviour)
        engines.append(engine)
        return engine
    yield make
    for engine in engines:
        engine.close()


def run(engine, timeout=1, **params):
    values = {'docker_host': 'tcp://127.0.0.1:%d' % engine.port, 'timeout': timeout, 'container': 'box',
              'argv': ['true'], 'tty': False, 'detach': False, 'strip_empty_ends': True, 'stdin_add_newline': True}
    values.update(params)
    return execute(_exec.exec_service, values, False, False, {})


def test_fake_engine_happy_path(engine_factory):
    result = run(engine_factory())
    assert (result['stdout'], result['stderr'], result['rc']) == ('hello', 'oops', 0)
    assert result['stdout_truncated'] is False and result['stderr_truncated'] is False


@pytest.mark.parametrize('where', ['lookup', 'create', 'inspect', 'start'])
def test_a_daemon_that_never_answers_is_bounded_by_timeout(engine_factory, where):
    engine = engine_factory(**{where: 'hang'})
    began = time.monotonic()
    with pytest.raises(ConnectionProblem) as info:
        run(engine, timeout=1)
    assert time.monotonic() - began < 5
    assert 'Timed out after 1 s' in info.value.msg


@pytest.mark.parametrize('stdin', [None, 'some input'])
def test_a_reset_during_the_output_is_a_clear_failure(engine_factory, stdin):
    engine = engine_factory(start='reset', hijacked=stdin is not None)
    with pytest.raises(EngineError) as info:
        run(engine, stdin=stdin)
    assert 'The connection to the daemon broke while the command in container box ran' in info.value.msg
    assert 'ConnectionResetError' in info.value.msg
    assert info.value.details['stdout'].startswith('partial output')
    assert 'The command ended with exit code 0.' in info.value.msg and info.value.details['rc'] == 0


@pytest.mark.parametrize('stdin', [None, 'some input'])
def test_exec_timeout_fires_and_says_what_became_of_the_command(engine_factory, stdin):
    engine = engine_factory(start='slow', inspect='running', hijacked=stdin is not None)
    began = time.monotonic()
    with pytest.raises(EngineError) as info:
        run(engine, exec_timeout=0.5, stdin=stdin)
    assert 0.4 < time.monotonic() - began < 3
    details = info.value.details
    assert 'did not finish within exec_timeout (0.5 s)' in info.value.msg
    assert 'It is still running' in info.value.msg and 'kill 4242' in info.value.msg
    assert details['timed_out'] is True and details['exec_running'] is True and details['exec_pid'] == 4242
    assert details['stdout'].startswith('tick')


def test_exec_timeout_also_bounds_a_silent_command(engine_factory):
    engine = engine_factory(start='silent', inspect='running')
    with pytest.raises(EngineError) as info:
        run(engine, timeout=5, exec_timeout=0.3)
    assert info.value.details['timed_out'] is True and info.value.details['stdout'] == ''


def test_exec_timeout_with_detach_is_refused_before_anything_runs(engine_factory):
    engine = engine_factory()
    with pytest.raises(ConfigurationError) as info:
        run(engine, exec_timeout=1.0, detach=True)
    assert 'exec_timeout cannot bound a detached command' in info.value.msg
    assert not [call for call in engine.seen if '/exec' in call]


def test_empty_stdin_is_closed_at_once(engine_factory):
    engine = engine_factory(hijacked=True)
    began = time.monotonic()
    result = run(engine, stdin='', stdin_add_newline=False, exec_timeout=5.0)
    assert (result['stdout'], result['stderr'], result['rc']) == ('hello', 'oops', 0)
    assert time.monotonic() - began < 2


def test_output_that_ends_while_the_command_runs_says_so(engine_factory):
    engine = engine_factory(inspect='running')
    with pytest.raises(EngineError) as info:
        run(engine)
    assert 'ended while the command still runs (process ID 4242' in info.value.msg
    assert info.value.details['exec_running'] is True and info.value.details['stdout'] == 'hello'
