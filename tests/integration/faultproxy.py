"""A small fault-injecting HTTP proxy in front of a real Docker daemon's unix socket (tests only).

It listens on a unix socket of its own and forwards each request to the daemon, except that a
request whose method and target match a rule gets that rule's fault:

* ``hang``: the daemon never answers (the request is read and dropped; the connection stays open
  until the client gives up or the proxy's bound passes);
* ``500``: HTTP 500 with an empty body, without forwarding (so nothing is changed on the daemon);
* ``garble``: the daemon's status and headers, but a body that is not JSON;
* ``truncate``: a well-framed answer whose body is cut in the middle (half of it);
* ``close``: the head announces the whole body, half of it is sent, then the connection is closed;
* ``reset``: the daemon's head and half of the body that came with it are passed on (upgraded exec
  connections too), then the connection is closed abortively, in the middle of the stream (on a
  unix socket the client sees ECONNRESET if data was still in flight, else an early end of stream);
* ``version``: the daemon's /version answer with ``ApiVersion`` replaced by a non-numeric value;
* ``list``: HTTP 200 with the JSON body ``[1]``, without forwarding (valid JSON of a shape no endpoint
  that answers an object promises: provokes an exception that no service expects).

Every forwarded request gets ``Connection: close`` so that each connection carries exactly one
request and every request is seen here (upgraded exec connections are passed through as they are).
Everything is bounded: the proxy stops by itself after ``lifetime`` seconds, every connection
after ``HOLD`` seconds.
"""

from __future__ import annotations

import json
import os
import re
import socket
import struct
import threading
import time
import typing as t

HOLD = 20.0  # the longest any one connection is kept open (FaultProxy(hold=...) changes it)
IDLE = 0.5  # a response that stays silent this long is taken as complete (streams)
GARBLED = b'<html><body>502 Bad Gateway (garbled by the fault proxy)</body></html>\n'
ACTIONS = ('hang', '500', 'garble', 'truncate', 'close', 'reset', 'version', 'list', 'pass')


class Rule(t.NamedTuple):
    action: str
    pattern: str = r'^/v1\.\d+/'  # every versioned request; /version and /_ping stay untouched
    method: str | None = None


class FaultProxy:
    def __init__(self, upstream: str, path: str, rules: t.Sequence[Rule], lifetime: float = 600.0, hold: float = HOLD) -> None:
        for rule in rules:
            if rule.action not in ACTIONS:
                raise ValueError('unknown fault action %r' % rule.action)
        self.upstream = upstream
        self.path = path
        self.rules = [(re.compile(r.pattern), r.method, r.action) for r in rules]
        self.lifetime = lifetime
        self.hold = hold
        self.hits: list[tuple[str, str, str]] = []  # (method, target, action) of every request seen
        self._stop = threading.Event()
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def docker_host(self) -> str:
        return 'unix://' + self.path

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(self, *exc: t.Any) -> None:
        self.stop()

    def start(self) -> None:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(self.path)
        server.listen(64)
        server.settimeout(0.2)
        self._server = server
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._server is not None:
            self._server.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def _serve(self) -> None:
        ends = time.monotonic() + self.lifetime
        while not self._stop.is_set() and time.monotonic() < ends:
            try:
                conn, dummy = self._server.accept()  # type: ignore[union-attr]
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    # ---- one connection -------------------------------------------------------------

    def _action(self, method: str, target: str) -> str:
        path = target.split('?', 1)[0]  # rules match the path, without the query
        for pattern, wanted, action in self.rules:
            if (wanted is None or wanted == method) and pattern.search(path):
                return action
        return 'pass'

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(self.hold)
        upstream = None
        try:
            data = b''
            while b'\r\n\r\n' not in data:
                chunk = client.recv(65536)
                if not chunk:
                    return
                data += chunk
                if len(data) > 1024 * 1024:
                    return
            head, rest = data.split(b'\r\n\r\n', 1)
            lines = head.decode('latin-1').split('\r\n')
            method, target = lines[0].split()[:2]
            action = self._action(method, target)
            self.hits.append((method, target, action))
            upgrade = any(line.lower().startswith('upgrade:') for line in lines[1:])
            if action == 'hang':
                self._drain(client, self.hold)
                return
            if action in ('500', 'list'):
                drainer = threading.Thread(target=self._drain, args=(client, self.hold), daemon=True)
                drainer.start()
                client.sendall(b'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
                               if action == '500' else
                               b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n'
                               b'Connection: close\r\n\r\n[1]')
                drainer.join(self.hold)
                return
            if not upgrade:
                kept = [line for line in lines[1:] if line.split(':', 1)[0].strip().lower() not in ('connection', 'keep-alive')]
                lines = [lines[0]] + kept + ['Connection: close']
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.settimeout(self.hold)
            upstream.connect(self.upstream)
            upstream.sendall('\r\n'.join(lines).encode('latin-1') + b'\r\n\r\n' + rest)
            sender = threading.Thread(target=self._pipe, args=(client, upstream), daemon=True)
            sender.start()
            if action == 'pass':
                self._pipe(upstream, client)
                sender.join(self.hold)
                return
            if action == 'reset':
                self._reset_after_head(client, upstream)
                return
            self._fault_response(action, client, upstream)
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    try:
                        sock.close()
                    except OSError:
                        pass

    @staticmethod
    def _drain(sock: socket.socket, seconds: float) -> None:
        ends = time.monotonic() + seconds
        try:
            while time.monotonic() < ends:
                sock.settimeout(max(0.01, ends - time.monotonic()))
                if not sock.recv(65536):
                    return
        except OSError:
            return

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                sink.sendall(chunk)
        except OSError:
            pass
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    @staticmethod
    def _read_response(upstream: socket.socket) -> tuple[list[str], bytes]:
        """The daemon's status line and headers, and as much body as comes before EOF or a pause."""
        data = b''
        upstream.settimeout(HOLD)
        while b'\r\n\r\n' not in data:
            chunk = upstream.recv(65536)
            if not chunk:
                raise OSError('upstream closed before its answer')
            data += chunk
        head, body = data.split(b'\r\n\r\n', 1)
        upstream.settimeout(IDLE)
        try:
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                body += chunk
        except socket.timeout:
            pass
        lines = head.decode('latin-1').split('\r\n')
        headers = {line.split(':', 1)[0].strip().lower(): line.split(':', 1)[1].strip() for line in lines[1:] if ':' in line}
        if headers.get('transfer-encoding', '').lower() == 'chunked':
            body = _dechunk(body)
        elif 'content-length' in headers:
            body = body[:int(headers['content-length'])]
        return lines, body

    @staticmethod
    def _reset_after_head(client: socket.socket, upstream: socket.socket) -> None:
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = upstream.recv(65536)
            if not chunk:
                break
            data += chunk
        head, sep, body = data.partition(b'\r\n\r\n')
        client.sendall(head + sep + body[:len(body) // 2])  # the head and half the body that came with it
        time.sleep(0.3)
        # SO_LINGER with a zero timeout makes the close abortive; shutdown() first, because another thread
        # (the request pipe) is blocked reading this socket and would keep it open until it returns
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        client.shutdown(socket.SHUT_RDWR)
        client.close()

    def _fault_response(self, action: str, client: socket.socket, upstream: socket.socket) -> None:
        lines, body = self._read_response(upstream)
        status_line = lines[0]
        kept = [line for line in lines[1:] if line.split(':', 1)[0].strip().lower() not in
                ('content-length', 'transfer-encoding', 'connection')]
        announce = None
        if action == 'garble':
            body = GARBLED
        elif action == 'truncate':
            body = body[:len(body) // 2] if len(body) > 1 else b'{"Id'
        elif action == 'close':
            announce = max(len(body), 2) + 64
            body = body[:len(body) // 2]
        elif action == 'version':
            info = json.loads(body.decode('utf-8'))
            info['ApiVersion'] = 'latest'
            body = json.dumps(info).encode('utf-8')
        head = [status_line] + kept + ['Content-Length: %d' % (announce if announce is not None else len(body)),
                                       'Connection: close']
        client.sendall('\r\n'.join(head).encode('latin-1') + b'\r\n\r\n' + body)
        if announce is not None:
            time.sleep(0.1)  # let the head and half the body arrive, then break the connection
            client.shutdown(socket.SHUT_RDWR)


def _dechunk(data: bytes) -> bytes:
    """Best-effort decoding of a chunked body that may have been cut anywhere."""
    out = b''
    while data:
        size_line, sep, rest = data.partition(b'\r\n')
        if not sep:
            break
        try:
            size = int(size_line.split(b';')[0], 16)
        except ValueError:
            break
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return out
