# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""container_logs: read a container's logs (GET /containers/{id}/logs).

The answer is the API's 8-byte-framed stream when the container has no TTY and the raw
terminal bytes when it has one; both are taken apart by ``_exec.OutputCollector`` (the one
demultiplexer), subclassed here to keep the order of the streams for ``lines`` and to bound
what is kept by one total (``max_bytes``). Reading stops as soon as the bound is reached
(reading logs has no side effect, so nothing is lost by closing early).
"""

from __future__ import annotations

import http.client
import math
import socket
import time
import typing as t

from ._client import EngineClient, quote_path
from ._errors import APIError, ConfigurationError, EngineError, NotFound
from ._exec import STDERR, STDIN, STDOUT, SYSTEMERR, OutputCollector
from ._timeparse import parse_time, to_iso, to_query

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_FOLLOW_TIMEOUT = 300.0
MAX_FOLLOW_TIMEOUT = 366 * 24 * 3600
_READ_SIZE = 64 * 1024
_NAMES = {STDOUT: 'stdout', STDERR: 'stderr'}


class _Full(Exception):
    """max_bytes reached (internal: stops reading)."""


class LogCollector(OutputCollector):
    """OutputCollector that keeps one bound for both streams and the order of what arrived."""

    def __init__(self, tty: bool, limit: int) -> None:
        super().__init__(tty, limit)
        self.kept_total = 0
        self.cut = False
        self.segments: list[tuple[int, bytes]] = []

    def _keep(self, stream: int, data: t.Any) -> None:
        if stream == SYSTEMERR:
            super()._keep(stream, data)
            return
        if stream == STDIN:
            stream = STDOUT
        data = bytes(data)
        room = self.limit - self.kept_total
        if len(data) > room:
            data = data[:room]
            self.cut = True
        if data:
            self.kept[stream] += data
            self.total[stream] += len(data)
            self.kept_total += len(data)
            if self.segments and self.segments[-1][0] == stream:
                self.segments[-1] = (stream, self.segments[-1][1] + data)
            else:
                self.segments.append((stream, data))
        if self.cut:
            raise _Full()


def split_lines(segments: t.Iterable[tuple[int, bytes]], timestamps: bool) -> list[dict[str, str]]:
    """Ordered (stream, bytes) pieces -> [{stream, text[, timestamp]}], one entry per line.

    A line is complete at its newline; a line of one stream may arrive in pieces between lines of
    the other (long lines are split by the log drivers), so each stream keeps its own partial line.
    A trailing carriage return (a TTY writes CR LF) is dropped from ``text``.
    """
    pending: dict[int, bytes] = {}
    order: list[tuple[int, bytes]] = []
    for stream, data in segments:
        buf = pending.get(stream, b'') + data
        *complete, rest = buf.split(b'\n')
        order.extend((stream, line) for line in complete)
        pending[stream] = rest
    for stream, rest in pending.items():
        if rest:
            order.append((stream, rest))
    lines = []
    for stream, raw in order:
        text = raw.decode('utf-8', 'replace')
        if text.endswith('\r'):
            text = text[:-1]
        entry = {'stream': _NAMES.get(stream, 'stdout')}
        if timestamps:
            stamp, sep, rest_text = text.partition(' ')
            if sep and stamp[:4].isdigit() and 'T' in stamp:
                entry['timestamp'] = stamp
                text = rest_text
        entry['text'] = text
        lines.append(entry)
    return lines


def _tail(value: t.Any) -> str:
    if value is None or (isinstance(value, str) and value.strip().lower() == 'all'):
        return 'all'
    if isinstance(value, bool):
        raise ConfigurationError('tail must be a number of lines or "all", got %r.' % value)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigurationError('tail must be a number of lines (0 or more) or "all", got %r.' % (value,))
    if number < 0:
        raise ConfigurationError('tail must not be negative, got %r. Use "all" for every line.' % (value,))
    return str(number)


def _limits(params: dict[str, t.Any]) -> tuple[int, float | None]:
    limit = params.get('max_bytes')
    if limit is None:
        limit = DEFAULT_MAX_BYTES
    if limit < 1:
        raise ConfigurationError('max_bytes must be at least 1, got %d.' % limit)
    follow_timeout = params.get('follow_timeout')
    if follow_timeout is None:
        follow_timeout = DEFAULT_FOLLOW_TIMEOUT
    if not math.isfinite(follow_timeout) or follow_timeout <= 0 or follow_timeout > MAX_FOLLOW_TIMEOUT:
        raise ConfigurationError('follow_timeout must be a number of seconds above 0 and at most %d (a year), got %r.'
                                 % (MAX_FOLLOW_TIMEOUT, follow_timeout))
    return limit, follow_timeout if params.get('follow') else None


def _query(params: dict[str, t.Any]) -> dict[str, t.Any]:
    now = time.time_ns()
    since = parse_time(params.get('since'), 'since', now)
    until = parse_time(params.get('until'), 'until', now)
    if since is not None and until is not None and until < since:
        raise ConfigurationError('until (%s) is before since (%s): no log line can match. Swap them, or move until '
                                 'later.' % (to_iso(until), to_iso(since)))
    if not params.get('stdout', True) and not params.get('stderr', True):
        raise ConfigurationError('stdout and stderr are both false: there is nothing to read. Keep at least one.')
    query: dict[str, t.Any] = {
        'stdout': '1' if params.get('stdout', True) else '0',
        'stderr': '1' if params.get('stderr', True) else '0',
        'timestamps': '1' if params.get('timestamps') else '0',
        'follow': '1' if params.get('follow') else '0',
        'tail': _tail(params.get('tail')),
    }
    if since is not None:
        query['since'] = to_query(since)
    if until is not None:
        query['until'] = to_query(until)
    return query


def _inspect(client: EngineClient, name: str) -> dict[str, t.Any]:
    try:
        container = client.get_json('/containers/%s/json' % quote_path(name))
    except NotFound:
        raise EngineError('Container %s does not exist, so it has no logs. Check the name.' % name, status=404)
    if not isinstance(container, dict) or not container.get('Id'):
        raise EngineError('The daemon answered the lookup of container %s with something that is not a container '
                          'description. Check that docker_host points at a Docker daemon.' % name)
    return container


def _read(client: EngineClient, container_id: str, query: dict[str, t.Any], out: LogCollector,
          follow_timeout: float | None) -> bool:
    """Read the logs into ``out``; True when follow_timeout ended the wait."""
    path = '/containers/%s/logs' % container_id
    timeout = client.settings.timeout
    deadline = None if follow_timeout is None else time.monotonic() + follow_timeout
    response = client.request('GET', path, query, stream=True, timeout=timeout)
    try:
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return True
                response.set_read_timeout(left)
            try:
                chunk = response.raw.read1(_READ_SIZE)
            except (socket.timeout, TimeoutError) as exc:
                if deadline is not None and time.monotonic() >= deadline - 0.01:
                    return True
                raise client._describe_failure(exc, 'GET', path, timeout)  # pylint: disable=protected-access
            if not chunk:
                out.finish()
                return False
            out.feed(chunk)
    except _Full:
        return False
    finally:
        response.close()


def logs_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Read one container's logs; never changes anything (check mode reads them too)."""
    name = params['name']
    limit, follow_timeout = _limits(params)
    query = _query(params)
    if 'until' in query:
        client.require_api('1.35', 'until')
    container = _inspect(client, name)
    tty = bool((container.get('Config') or {}).get('Tty'))
    driver = ((container.get('HostConfig') or {}).get('LogConfig') or {}).get('Type') or 'unknown'
    out = LogCollector(tty, limit)
    try:
        timed_out = _read(client, container['Id'], query, out, follow_timeout)
    except APIError as exc:
        if exc.status == 501 or 'does not support reading' in exc.message:
            raise EngineError('The logs of container %s cannot be read: its log driver %r does not support reading '
                              '(the daemon says: %s). Only drivers that keep logs readable (json-file, local, journald, '
                              'or others with the daemon\'s dual-logging cache enabled) can be read; recreate the '
                              'container with such a log driver.' % (name, driver, exc.message),
                              status=exc.status, log_driver=driver, container_id=container['Id'])
        raise EngineError('Cannot read the logs of container %s (HTTP %d): %s' % (name, exc.status, exc.message),
                          status=exc.status)
    except (OSError, http.client.HTTPException) as exc:
        raise EngineError('The connection to the daemon broke while the logs of container %s were read (%s: %s). '
                          'Run the task again.' % (name, type(exc).__name__, exc))
    result: dict[str, t.Any] = {
        'changed': False,
        'container_id': container['Id'],
        'log_driver': driver,
        'tty': tty,
        'stdout': bytes(out.kept[STDOUT]).decode('utf-8', 'replace'),
        'stderr': bytes(out.kept[STDERR]).decode('utf-8', 'replace'),
        'lines': split_lines(out.segments, bool(params.get('timestamps'))),
        'truncated': out.cut,
    }
    if params.get('follow'):
        result['timed_out'] = timed_out
    if out.cut:
        result['warnings'] = ['The logs of container %s were cut at max_bytes=%d bytes (the beginning is kept). Use '
                              'tail or since to read the part you need, or raise max_bytes.' % (name, limit)]
    return result
