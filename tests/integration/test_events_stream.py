"""events: how the stream ends.

A window reaching into the future ends when the daemon closes it at ``until``; a connection
that breaks off, or a stream that ends early, must fail the task instead of returning a short
list. The breaks are made by a small unix-socket proxy in front of a real daemon, so the
daemon side is real and only the cut is staged.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
import uuid

import pytest

from conftest import docker_cli, harness, run_module

CHUNKED_END = b'0\r\n\r\n'


class EventsProxy:
    """Forwards a unix socket to the daemon's; can cut or cleanly end the /events streams."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.dir = tempfile.mkdtemp(prefix='dockerapi-evproxy-')
        self.path = os.path.join(self.dir, 'proxy.sock')
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(8)
        self.streams: list[dict] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, dummy = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        up.connect(self.upstream)
        first = client.recv(65536)
        entry = {'client': client, 'up': up, 'down_bytes': 0, 'frozen': False, 'arrivals': [],
                 'events': b'/events' in first.split(b'\r\n', 1)[0], 'request_line': first.split(b'\r\n', 1)[0]}
        with self.lock:
            self.streams.append(entry)
        up.sendall(first)
        threading.Thread(target=self._pump, args=(client, up, None), daemon=True).start()
        self._pump(up, client, entry)

    def _pump(self, src: socket.socket, dst: socket.socket, entry: dict | None) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    if entry is not None:
                        if entry['frozen']:
                            return
                        entry['down_bytes'] += len(data)
                        entry['arrivals'].append((time.time(), data))
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            if entry is None or not entry['frozen']:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

    def wait_for_stream(self, timeout: float = 20) -> dict:
        """The /events connection, once the daemon's response headers went through."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for entry in self.streams:
                    if entry['events'] and entry['down_bytes'] > 0:
                        return entry
            time.sleep(0.05)
        raise AssertionError('the module never opened an /events stream through the proxy')

    def cut(self, entry: dict) -> None:
        """Close the client side without the chunked terminator: a dropped connection."""
        with self.lock:
            entry['frozen'] = True
            entry['client'].shutdown(socket.SHUT_RDWR)
            entry['client'].close()
            entry['up'].close()

    def end_cleanly(self, entry: dict) -> None:
        """Send the chunked terminator, as a daemon that stops serving the stream would."""
        with self.lock:
            entry['frozen'] = True
            entry['client'].sendall(CHUNKED_END)
            entry['client'].shutdown(socket.SHUT_RDWR)
            entry['client'].close()
            entry['up'].close()

    def close(self) -> None:
        self.server.close()
        try:
            os.unlink(self.path)
            os.rmdir(self.dir)
        except OSError:
            pass


def _daemon(name: str) -> dict:
    info = harness()
    return info['daemons'][name]


def _socket_path(daemon: dict) -> str:
    return (daemon.get('unix_host') or daemon['docker_host'])[len('unix://'):]


def _in_background(args: dict) -> tuple[threading.Thread, dict]:
    box: dict = {}

    def run() -> None:
        start = time.monotonic()
        box['result'] = run_module('events', args)
        box['ended'] = time.monotonic()
        box['elapsed'] = box['ended'] - start

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


@pytest.fixture
def proxy():
    p = EventsProxy(_socket_path(_daemon('d28')))
    yield p
    p.close()


def _never(prefix: str) -> dict:
    return {'label': 'dockerapi.test=%s-never' % prefix}


def _prefix() -> str:
    return 'it-evstream-%s' % uuid.uuid4().hex[:6]


@pytest.mark.parametrize(('mode', 'how', 'expected'), [
    ('wait', 'cut', 'broke off after 0 events: the connection failed: IncompleteRead'),
    ('query', 'cut', 'broke off after 0 events: the connection failed: IncompleteRead'),
    ('wait', 'end', 'the daemon closed it before 1 matching event arrived'),
    ('query', 'end', 's before until'),
])
def test_a_broken_stream_fails_the_task(proxy: EventsProxy, mode: str, how: str, expected: str) -> None:
    args = {'docker_host': 'unix://' + proxy.path, 'filters': _never(_prefix())}
    if mode == 'wait':
        args.update(wait=True, wait_timeout=60)
    else:
        args.update(since='0s', until='-60s')  # a live window ending a minute from now
    thread, box = _in_background(args)
    entry = proxy.wait_for_stream()
    time.sleep(0.3)
    cut_at = time.monotonic()
    (proxy.cut if how == 'cut' else proxy.end_cleanly)(entry)
    thread.join(60)
    result = box['result']
    assert result.get('failed'), result
    assert expected in result['msg'], result['msg']
    assert 'The list would be incomplete, so the task fails' in result['msg']
    assert result['events'] == []
    assert 'Traceback' not in result.get('exception', '')
    assert box['ended'] - cut_at < 10  # failed as soon as the stream broke, not at the deadline


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_a_window_into_the_future_ends_at_until_with_what_happened(daemon_name: str) -> None:
    daemon = _daemon(daemon_name)
    prefix = _prefix()
    # Absolute times taken before the task starts, so a slow start on a busy machine cannot move the window.
    since = time.time()
    until = since + 6
    args = {'docker_host': daemon['docker_host'], 'since': since, 'until': until,
            'filters': {'label': 'dockerapi.test=%s' % prefix, 'type': 'container'}}
    thread, box = _in_background(args)
    try:
        time.sleep(1.5)
        made = docker_cli(daemon, 'create', '--name', prefix + '-c', '--label', 'dockerapi.test=' + prefix,
                          harness()['test_image'], 'true').stdout.strip()
        created_at = time.time()
        thread.join(60)
        ended_at = time.time()
    finally:
        docker_cli(daemon, 'rm', '-f', prefix + '-c', check=False)
    assert created_at < until, 'the machine was too slow to make the event inside the window'
    result = box['result']
    assert not result.get('failed'), result
    assert [(e['Action'], e['Actor']['ID']) for e in result['events']] == [('create', made)]
    assert not result['truncated']
    assert ended_at >= until - 0.2  # the stream stayed open until `until` (the daemon's clock is this host's)


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_wait_was_listening_before_the_event(daemon_name: str) -> None:
    """Wait mode is subscribed before the event happens, and the event reaches it live.

    The proxy shows when the daemon answered the /events request (its response head went
    through: the daemon has the subscription); only then is the event caused. The event must
    then arrive on that same open stream after it was caused, and be the task's result.
    """
    daemon = _daemon(daemon_name)
    p = EventsProxy(_socket_path(daemon))
    prefix = _prefix()
    name = prefix + '-w'
    try:
        thread, box = _in_background({'docker_host': 'unix://' + p.path, 'wait': True, 'wait_timeout': 60,
                                      'filters': {'container': name, 'event': 'create'}})
        entry = p.wait_for_stream(timeout=60)
        with p.lock:
            listening_at = entry['arrivals'][0][0]
            head = entry['arrivals'][0][1]
        assert head.startswith(b'HTTP/1.1 200'), head[:200]
        assert b'"Action":"create"' not in b''.join(d for dummy, d in entry['arrivals'])  # nothing yet
        time.sleep(0.5)
        caused_at = time.time()
        made = docker_cli(daemon, 'create', '--name', name, '--label', 'dockerapi.test=' + prefix,
                          harness()['test_image'], 'true').stdout.strip()
        thread.join(60)
        result = box['result']
        assert not result.get('failed'), result
        assert [(e['Action'], e['Actor']['ID']) for e in result['events']] == [('create', made)]
        event_ns = result['events'][0]['timeNano']
        # The event happened after the daemon had answered the waiting request ...
        assert event_ns / 1e9 > listening_at, (event_ns, listening_at)
        # ... and came down the stream that was already open, not through a later request or a replay.
        with p.lock:
            carried = [(at, d) for at, d in entry['arrivals'] if made.encode() in d]
            requests = [e['request_line'] for e in p.streams if e['events']]
        assert carried and carried[0][0] >= caused_at, (carried, caused_at)
        assert len(requests) == 1, requests
        assert b'since=' in requests[0]  # the replay window starts when the task started, never earlier
    finally:
        docker_cli(daemon, 'rm', '-f', name, check=False)
        p.close()
