# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""container_exec: run one command in a running container.

Without stdin the exec is started with a plain POST whose answer body is the whole output
(the daemon writes until the process ends, then closes). With stdin the connection is
hijacked: stdin is written while the output is read (a command that echoes a large stdin
cannot deadlock us), then the write side is half-closed so that the command sees the end of
its input. Over TLS that half-close is a TLS close_notify while still reading, which Python's
SSLSocket cannot do; the TLS connection is then driven through memory BIOs (``_TLSExecStream``),
as the docker CLI does with Go's CloseWrite. Either way the output is read
incrementally: a non-TTY stream is 8-byte framed and demultiplexed into stdout and stderr,
and at most ``max_output_bytes`` of each stream are kept (the rest is read and counted, so
memory stays bounded whatever the command prints). ``exec_timeout`` bounds the whole run;
the exit code comes from GET /exec/{id}/json afterwards.

Every non-streaming request (container lookup, exec create, exec inspect, the wait for the
start answer's head) is bounded by the connection option ``timeout``.
"""

from __future__ import annotations

import http.client
import json
import math
import selectors
import socket
import ssl
import struct
import time
import typing as t

from ._client import USER_AGENT, EngineClient, quote_path
from ._errors import APIError, ConfigurationError, Conflict, ConnectionProblem, EngineError, NotFound, StreamError

DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024
MAX_EXEC_TIMEOUT = 366 * 24 * 3600  # a year: beyond that the number is a mistake (and overflows socket timeouts)
_READ_SIZE = 64 * 1024
_SEND_SIZE = 64 * 1024
_SYSTEM_ERROR_LIMIT = 64 * 1024
STDIN, STDOUT, STDERR, SYSTEMERR = 0, 1, 2, 3


class TimedOut(Exception):
    """exec_timeout elapsed while the command ran (internal: turned into a failed result)."""


class OutputCollector:
    """Output fed in chunks of any size; keeps at most ``limit`` bytes of each stream.

    With ``tty`` the bytes are the terminal's (stdout and stderr merged, no framing); otherwise
    they are the API's 8-byte-header frames (stream, 3 zero bytes, big-endian length).
    """

    def __init__(self, tty: bool, limit: int) -> None:
        self.tty = tty
        self.limit = limit
        self.kept = {STDOUT: bytearray(), STDERR: bytearray()}
        self.total = {STDOUT: 0, STDERR: 0}
        self.system_error = bytearray()
        self._header = bytearray()
        self._stream = STDOUT
        self._left = 0

    def _keep(self, stream: int, data: t.Any) -> None:
        if stream == SYSTEMERR:
            room = _SYSTEM_ERROR_LIMIT - len(self.system_error)
            if room > 0:
                self.system_error += data[:room]
            return
        if stream == STDIN:  # the daemon never sends it; the docker CLI treats it as stdout
            stream = STDOUT
        self.total[stream] += len(data)
        room = self.limit - len(self.kept[stream])
        if room > 0:
            self.kept[stream] += data[:room]

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if self.tty:
            self._keep(STDOUT, data)
            return
        view = memoryview(data)
        pos, size = 0, len(view)
        while pos < size:
            if self._left:
                take = min(self._left, size - pos)
                self._keep(self._stream, view[pos:pos + take])
                pos += take
                self._left -= take
                continue
            need = 8 - len(self._header)
            self._header += view[pos:pos + need]
            pos += min(need, size - pos)
            if len(self._header) < 8:
                return
            stream, length = struct.unpack('>BxxxL', bytes(self._header))
            if stream > SYSTEMERR or self._header[1:4] != b'\0\0\0':
                raise StreamError('The daemon sent an output stream that is not framed as the Engine API says '
                                  '(frame header %r). Run the task again; if it persists, the connection passes '
                                  'through something that alters it.' % bytes(self._header))
            self._header.clear()
            self._stream, self._left = stream, length

    def finish(self) -> None:
        if self._header:
            raise StreamError('The daemon closed the stream inside a frame header.')
        if self._left:
            raise StreamError('The daemon closed the stream inside a frame (%d bytes missing).' % self._left)
        if self.system_error:
            raise StreamError('The daemon reported an error inside the stream: %s'
                              % bytes(self.system_error).decode('utf-8', 'replace'))

    def truncated(self, stream: int) -> bool:
        return self.total[stream] > len(self.kept[stream])


def _check_container(client: EngineClient, name: str) -> dict[str, t.Any]:
    try:
        container = client.get_json('/containers/%s/json' % quote_path(name))
    except NotFound:
        raise EngineError('Container %s does not exist, so nothing can be run in it. Check the name, or create it '
                          'with dockerapi.engine.container first.' % name)
    if not isinstance(container, dict) or not container.get('Id'):
        raise EngineError('The daemon answered the lookup of container %s with something that is not a container '
                          'description. Check that docker_host points at a Docker daemon.' % name)
    state = container.get('State') or {}
    if not state.get('Running'):
        raise EngineError('Container %s is not running (state: %s), so nothing can be run in it. Start it first '
                          '(dockerapi.engine.container with state: started).' % (name, state.get('Status', 'unknown')))
    if state.get('Paused'):
        raise EngineError('Container %s is paused; unpause it before running a command in it.' % name)
    return container


def _decode(data: bytes | bytearray, strip: bool) -> str:
    text = bytes(data).decode('utf-8', 'replace')
    return text.strip('\r\n') if strip else text


def _check_limits(params: dict[str, t.Any]) -> tuple[float | None, int]:
    exec_timeout = params.get('exec_timeout')
    if exec_timeout is not None:
        if not math.isfinite(exec_timeout) or exec_timeout <= 0 or exec_timeout > MAX_EXEC_TIMEOUT:
            raise ConfigurationError(
                'exec_timeout must be a number of seconds above 0 and at most %d (a year), got %r. Leave it unset '
                'to let the command run as long as it takes.' % (MAX_EXEC_TIMEOUT, exec_timeout))
    limit = params.get('max_output_bytes')
    if limit is None:
        limit = DEFAULT_MAX_OUTPUT_BYTES
    if limit < 1:
        raise ConfigurationError('max_output_bytes must be at least 1 (bytes kept of each of stdout and stderr), '
                                 'got %d.' % limit)
    return exec_timeout, limit


class _Deadline:
    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        """Seconds left (None: no limit); raises TimedOut once it passed."""
        if self.at is None:
            return None
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimedOut()
        return left

    def bound(self, seconds: float) -> float:
        left = self.remaining()
        return seconds if left is None else min(seconds, left)


def _read_plain(client: EngineClient, exec_id: str, start: dict[str, t.Any], out: OutputCollector,
                deadline: _Deadline) -> None:
    """POST /exec/{id}/start and read the answer body (the output) until the daemon closes it."""
    path = '/exec/%s/start' % exec_id
    try:
        response = client.request('POST', path, json_body=start, stream=True,
                                  timeout=deadline.bound(client.settings.timeout))
    except ConnectionProblem:
        deadline.remaining()  # the head did not come before exec_timeout: that is the time limit, not the daemon
        raise
    try:
        while True:
            response.set_read_timeout(deadline.remaining())
            chunk = response.raw.read1(_READ_SIZE)
            if not chunk:
                break
            out.feed(chunk)
    except (socket.timeout, TimeoutError) as exc:
        if deadline.at is None:  # no exec_timeout: a read time-out is the connection's, not the command's limit
            raise client._describe_failure(exc, 'POST', path, client.settings.timeout)  # pylint: disable=protected-access
        raise TimedOut()
    finally:
        response.close()


def _read_with_stdin(client: EngineClient, exec_id: str, start: dict[str, t.Any], stdin: bytes,
                     out: OutputCollector, deadline: _Deadline) -> None:
    """Hijack POST /exec/{id}/start: write stdin while reading the output, half-close, read to EOF."""
    sock, early = client.hijack('POST', '/exec/%s/start' % exec_id, start)
    try:
        out.feed(early)
        exchange_plain(sock, stdin, out, deadline)
    finally:
        sock.close()


def exchange_plain(sock: socket.socket, stdin: bytes, out: OutputCollector, deadline: _Deadline) -> None:
    """On a hijacked (non-TLS) exec socket: write stdin while reading the output, half-close, read to EOF."""
    sock.setblocking(False)
    pending = memoryview(stdin)
    writing = True
    if not pending:
        sock.shutdown(socket.SHUT_WR)
        writing = False
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if writing else 0))
        while True:
            events = selector.select(deadline.remaining())
            if not events:
                deadline.remaining()
                continue
            mask = events[0][1]
            if mask & selectors.EVENT_READ:
                try:
                    chunk = sock.recv(_READ_SIZE)
                except (BlockingIOError, InterruptedError):
                    chunk = None
                if chunk == b'':
                    return
                if chunk:
                    out.feed(chunk)
            if writing and mask & selectors.EVENT_WRITE:
                try:
                    sent = sock.send(pending[:_SEND_SIZE])
                except (BlockingIOError, InterruptedError):
                    sent = 0
                except (BrokenPipeError, ConnectionResetError):
                    # The command exited (or closed its stdin) before reading everything: keep reading.
                    sent, pending = 0, pending[:0]
                pending = pending[sent:]
                if not pending:
                    writing = False
                    try:
                        sock.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    selector.modify(sock, selectors.EVENT_READ)


class _TLSExecStream:
    """A hijacked exec connection over TLS whose write side can be closed while the output is read.

    The TLS state lives in an ``SSLObject`` fed through memory BIOs, with the socket read and
    written here: ``unwrap()`` then puts our close_notify into the outgoing buffer and, finding
    nothing new to read, stops there (an ``SSLSocket`` would go on reading the socket and drop
    output that is already on its way). The daemon takes the close_notify as the end of stdin
    and keeps sending the output, which ``SSLObject.read`` still decrypts.
    """

    def __init__(self, client: EngineClient, path: str) -> None:
        settings = client.settings
        timeout = settings.timeout
        self.client = client
        self.path = path
        self.raw: socket.socket | None = None
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.eof = False
        client.calls.append(('POST', path))
        try:
            self.raw = socket.create_connection((settings.address, settings.port), timeout)
            self.tls = client._tls_context().wrap_bio(self.incoming, self.outgoing,  # pylint: disable=protected-access
                                                      server_hostname=settings.tls_hostname or settings.address)
            while True:
                try:
                    self.tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    self._flush()
                    self._receive_blocking()
            self._flush()
        except EngineError:
            self.close()
            raise
        except (OSError, ValueError) as exc:
            self.close()
            raise client._describe_failure(exc, 'POST', path, timeout)  # pylint: disable=protected-access

    def _flush(self) -> None:
        data = self.outgoing.read()
        if data and self.raw is not None:
            self.raw.sendall(data)

    def _receive_blocking(self) -> None:
        chunk = self.raw.recv(_READ_SIZE) if self.raw is not None else b''
        if not chunk:
            raise ConnectionResetError('the daemon closed the connection')
        self.incoming.write(chunk)

    def decrypted(self) -> bytes:
        """All output already decrypted (no socket read); sets ``eof`` at the daemon's close_notify."""
        parts = []
        while not self.eof:
            try:
                chunk = self.tls.read(_READ_SIZE)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                chunk = b''
            if not chunk:
                self.eof = True
                break
            parts.append(chunk)
        return b''.join(parts)

    def start(self, body: dict[str, t.Any]) -> bytes:
        """Send the start request, read the answer's head; returns the output bytes that came with it."""
        client, path = self.client, self.path
        payload = json.dumps(body).encode('utf-8')
        head = ('POST %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: %s\r\nContent-Type: application/json\r\n'
                'Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %d\r\n\r\n'
                % (client.url(path), USER_AGENT, len(payload))).encode('ascii')
        data = b''
        try:
            self.tls.write(head + payload)
            self._flush()
            while b'\r\n\r\n' not in data:
                data += self.decrypted()
                if b'\r\n\r\n' in data:
                    break
                if self.eof:
                    raise ConnectionResetError('the daemon closed the connection')
                self._receive_blocking()
            header, rest = data.split(b'\r\n\r\n', 1)
            lines = header.decode('latin-1').split('\r\n')
            status = int(lines[0].split()[1])
        except (OSError, ValueError, IndexError) as exc:
            self.close()
            if isinstance(exc, OSError):
                raise client._describe_failure(exc, 'POST', path, client.settings.timeout)  # pylint: disable=protected-access
            raise ConnectionProblem('The daemon at %s sent a malformed answer to POST %s: %r'
                                    % (client.settings.display, path, data[:200]))
        if status >= 300:
            self.close()
            raise client._api_error(status, rest, 'POST', path)  # pylint: disable=protected-access
        return rest

    def exchange(self, stdin: bytes, out: OutputCollector, deadline: _Deadline) -> None:
        """Write stdin while reading the output, close the write side (close_notify), read to the end."""
        raw = t.cast(socket.socket, self.raw)
        raw.setblocking(False)
        pending = memoryview(stdin)
        wire = b''  # encrypted bytes not yet on the socket
        closing = False  # close_notify made
        with selectors.DefaultSelector() as selector:
            selector.register(raw, selectors.EVENT_READ | selectors.EVENT_WRITE)
            while not self.eof:
                events = selector.select(deadline.remaining())
                if not events:
                    deadline.remaining()
                    continue
                mask = events[0][1]
                if mask & selectors.EVENT_READ:
                    try:
                        chunk = raw.recv(_READ_SIZE)
                    except (BlockingIOError, InterruptedError):
                        chunk = None
                    if chunk == b'':
                        out.feed(self.decrypted())
                        return
                    if chunk:
                        self.incoming.write(chunk)
                        out.feed(self.decrypted())
                if mask & selectors.EVENT_WRITE:
                    if not wire and pending:
                        self.tls.write(pending[:_SEND_SIZE])
                        pending = pending[_SEND_SIZE:]
                        wire = self.outgoing.read()
                    if not wire and not pending and not closing:
                        closing = True
                        try:
                            self.tls.unwrap()
                        except ssl.SSLWantReadError:
                            pass  # close_notify made; the daemon's comes after the output
                        wire = self.outgoing.read()
                    if wire:
                        try:
                            wire = wire[raw.send(wire):]
                        except (BlockingIOError, InterruptedError):
                            pass
                        except (BrokenPipeError, ConnectionResetError):
                            # The command exited before reading everything: read what it said.
                            wire, pending, closing = b'', pending[:0], True
                    if closing and not wire:
                        selector.modify(raw, selectors.EVENT_READ)

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()
            self.raw = None


def _read_with_stdin_tls(client: EngineClient, exec_id: str, start: dict[str, t.Any], stdin: bytes,
                         out: OutputCollector, deadline: _Deadline) -> None:
    stream = _TLSExecStream(client, '/exec/%s/start' % exec_id)
    try:
        out.feed(stream.start(start))
        stream.exchange(stdin, out, deadline)
    finally:
        stream.close()


def _inspect(client: EngineClient, exec_id: str) -> dict[str, t.Any]:
    info = client.get_json('/exec/%s/json' % exec_id)
    return info if isinstance(info, dict) else {}


def _output(result: dict[str, t.Any], out: OutputCollector, strip: bool) -> list[str]:
    """Put the kept output into the result; the warnings about what was cut."""
    warnings = []
    for stream, name in ((STDOUT, 'stdout'), (STDERR, 'stderr')):
        result[name] = _decode(out.kept[stream], strip)
        result[name + '_truncated'] = out.truncated(stream)
        if out.truncated(stream):
            warnings.append('The command wrote %d bytes to %s; only the first %d are returned (max_output_bytes). '
                            'Raise max_output_bytes, or send the output to a file in the container.'
                            % (out.total[stream], name, out.limit))
    return warnings


def _after_timeout(client: EngineClient, name: str, exec_id: str, exec_timeout: float,
                   result: dict[str, t.Any]) -> EngineError:
    result['timed_out'] = True
    try:
        info = _inspect(client, exec_id)
    except EngineError:
        info = {}
    running = bool(info.get('Running'))
    result['exec_running'] = running
    if info.get('Pid'):
        result['exec_pid'] = info['Pid']
    if running:
        fate = ('It is still running: the Engine API cannot stop an exec process, and closing the connection does '
                'not end it. Its process ID on the daemon host is %s; end it there (kill %s), or restart the '
                'container.' % (info.get('Pid') or 'unknown', info.get('Pid') or '<pid>'))
    elif info.get('ExitCode') is not None:
        result['rc'] = info['ExitCode']
        fate = 'It has ended meanwhile (exit code %s).' % info['ExitCode']
    elif info and not info.get('Pid'):
        fate = 'The daemon reports that it never started (the start request got no answer in time).'
    else:
        fate = 'Whether it still runs is unknown (the daemon did not say).'
    return EngineError('The command in container %s did not finish within exec_timeout (%s s). %s The output read '
                       'so far is in stdout and stderr.' % (name, '%g' % exec_timeout, fate), **result)


def _fate(client: EngineClient, exec_id: str, result: dict[str, t.Any]) -> str:
    """What became of the command after its stream broke, as far as the daemon says."""
    try:
        info = _inspect(client, exec_id)
    except EngineError:
        return 'Whether the command still runs is unknown (the daemon did not answer).'
    if info.get('Running'):
        result['exec_running'] = True
        return 'The command is still running (process ID %s on the daemon host).' % info.get('Pid')
    if info.get('ExitCode') is not None:
        result['rc'] = info['ExitCode']
        return 'The command ended with exit code %s.' % info['ExitCode']
    return 'Whether the command still runs is unknown.'


def exec_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Run one command; the result echoes the arguments with env values hidden (keys only), success or failure."""
    # imported here: the engine_api connection plugin imports this module in every task's worker and needs none of it
    from ._compare import echo_arguments  # pylint: disable=import-outside-toplevel
    try:
        result = _exec_service(client, params, check_mode)
    except EngineError as exc:
        exc.details['invocation'] = echo_arguments(params)
        raise
    result['invocation'] = echo_arguments(params)
    return result


def _exec_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool) -> dict[str, t.Any]:
    from ._compare import as_argv, env_list  # pylint: disable=import-outside-toplevel  # see exec_service
    name = params['container']
    argv = params.get('argv') or as_argv(params.get('command'), 'command')
    if not argv:
        raise EngineError('Give the command to run as argv (a list) or command (a string); it is empty.')
    exec_timeout, limit = _check_limits(params)
    tty = bool(params.get('tty'))
    stdin = params.get('stdin')
    if stdin is not None and params.get('stdin_add_newline', True) and not stdin.endswith('\n'):
        stdin += '\n'
    if stdin is not None and params.get('detach'):
        raise EngineError('stdin cannot be sent to a detached command; drop detach or stdin.')
    if exec_timeout is not None and params.get('detach'):
        raise ConfigurationError('exec_timeout cannot bound a detached command (the task does not wait for it); '
                                 'drop detach or exec_timeout.')

    container = _check_container(client, name)
    if check_mode:
        # A command's effect cannot be predicted; the container is known to be running.
        return {'changed': True, 'container_id': container['Id']}

    body: dict[str, t.Any] = {'Cmd': argv, 'AttachStdout': True, 'AttachStderr': True, 'Tty': tty,
                              'AttachStdin': stdin is not None}
    if params.get('env'):
        body['Env'] = env_list(params['env'])
    if params.get('user'):
        body['User'] = params['user']
    if params.get('chdir'):
        body['WorkingDir'] = params['chdir']
    try:
        created = client.post_json('/containers/%s/exec' % quote_path(container['Id']), None, body)
    except Conflict as exc:
        raise EngineError('Cannot run a command in container %s: %s Start or unpause it first.' % (name, exc.message),
                          status=exc.status)
    except APIError as exc:
        raise EngineError('Cannot run a command in container %s (HTTP %d): %s' % (name, exc.status, exc.message),
                          status=exc.status)
    exec_id = created.get('Id') if isinstance(created, dict) else None
    if not exec_id:
        raise EngineError('The daemon created no exec instance in container %s (its answer has no Id). Check that '
                          'docker_host points at a Docker daemon.' % name)

    start = {'Detach': bool(params.get('detach')), 'Tty': tty}
    result: dict[str, t.Any] = {'changed': True, 'exec_id': exec_id}
    if params.get('detach'):
        client.post_json('/exec/%s/start' % exec_id, None, start)
        return result

    out = OutputCollector(tty, limit)
    deadline = _Deadline(exec_timeout)
    strip = params.get('strip_empty_ends', True)
    try:
        if stdin is None:
            _read_plain(client, exec_id, start, out, deadline)
        elif client.settings.tls:
            _read_with_stdin_tls(client, exec_id, start, stdin.encode('utf-8'), out, deadline)
        else:
            _read_with_stdin(client, exec_id, start, stdin.encode('utf-8'), out, deadline)
    except TimedOut:
        _output(result, out, strip)  # a cut shows in stdout_truncated/stderr_truncated
        raise _after_timeout(client, name, exec_id, t.cast(float, exec_timeout), result)
    except (OSError, http.client.HTTPException) as exc:
        # The connection broke while the command ran (reset, closed by a proxy, ...).
        _output(result, out, strip)
        raise EngineError('The connection to the daemon broke while the command in container %s ran (%s: %s). %s Its '
                          'output so far is in stdout and stderr (possibly incomplete). Run the task again when the '
                          'connection is stable.' % (name, type(exc).__name__, exc, _fate(client, exec_id, result)),
                          **result)
    out.finish()
    warnings = _output(result, out, strip)
    if warnings:
        result['warnings'] = warnings
    info = _inspect(client, exec_id)
    result['rc'] = info.get('ExitCode')
    if info.get('ExitCode'):
        # Ansible fails a result whose rc is not 0, as for ansible.builtin.command; say why.
        result['msg'] = 'The command exited with code %s.' % info['ExitCode']
    # The daemon records the exit code before it ends the output stream (it closes the stream when it handles
    # the exit), so a command still running here means the stream was cut, not a race: no second look.
    if info.get('ExitCode') is None and info.get('Running'):
        result['exec_running'] = True
        result['exec_pid'] = info.get('Pid')
        raise EngineError('The output of the command in container %s ended while the command still runs (process ID %s '
                          'on the daemon host): the connection was closed by the daemon or by something in between, '
                          'or the command closed its stdout and stderr. Its output so far is in stdout and stderr. '
                          'Run the task again; if it persists, check what sits between this host and the daemon.'
                          % (name, info.get('Pid')), **result)
    if info.get('ExitCode') is None:
        raise EngineError('The command in container %s did not complete (the daemon reports no exit code). Output: %s'
                          % (name, _decode(bytes(out.kept[STDOUT]) + bytes(out.kept[STDERR]), True)[-2000:]), **result)
    return result
