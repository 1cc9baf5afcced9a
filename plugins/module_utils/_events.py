# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GET /events: query a window of the daemon's event log, or wait for events to happen.

The endpoint is a stream that never ends on its own unless ``until`` is given, sends no
keep-alive traffic, and keeps only the daemon's last few hundred events for replay. So:

* query mode always sends ``until`` (default: now), which makes the daemon close the
  stream by itself once the window is over;
* wait mode sends ``since`` (default: now, so an event that happens while the request is
  being set up is replayed rather than lost) and enforces its own deadline;
* events are decoded as they arrive and reading stops at ``max_events``, so memory is
  bounded by the caller, not by how busy the daemon is;
* an end of stream that the daemon did not intend (connection cut, daemon restarted) is
  an error, never a silently short list.
"""

from __future__ import annotations

import http.client
import math
import socket
import time
import typing as t
from email.utils import parsedate_to_datetime

from ._client import EngineClient, JSONStreamDecoder, Response
from ._errors import ConfigurationError, ConnectionProblem, EngineError, StreamError
from ._filters import normalize_filters
from ._timeparse import NS_PER_SECOND, now_ns, parse_time, to_iso, to_query, to_seconds

# Filter keys GET /events accepts (API 1.41 to 1.51). The daemon silently ignores keys it does
# not know, which would turn a typo into "every event" (or a wait that never ends).
EVENT_FILTER_KEYS = ('config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin',
                     'scope', 'secret', 'service', 'type', 'volume')
EVENT_TYPES = ('builder', 'config', 'container', 'daemon', 'image', 'network', 'node', 'plugin', 'secret',
               'service', 'volume')
DEFAULT_QUERY_MAX = 1000
DEFAULT_WAIT_MAX = 1
# The Date header has one-second resolution; allow that much plus some slack when deciding
# whether the daemon ended a live window early.
_EARLY_END_SLACK_NS = 2 * NS_PER_SECOND


class EventsTimeout(EngineError):
    """Wait mode: the deadline passed before enough matching events arrived."""


class EventQuery(t.NamedTuple):
    """A validated request: what to send and when to give up."""

    wait: bool
    since: int | None  # Unix nanoseconds
    until: int | None
    filters: dict[str, list[str]]
    max_events: int
    wait_timeout: float | None  # seconds, wait mode only

    def params(self) -> dict[str, t.Any]:
        return {
            'since': None if self.since is None else to_query(self.since),
            'until': None if self.until is None else to_query(self.until),
            'filters': self.filters or None,
        }


def validate_filters(filters: t.Any) -> dict[str, list[str]]:
    normalized = normalize_filters(filters)
    unknown = sorted(k for k in normalized if k not in EVENT_FILTER_KEYS)
    if unknown:
        raise ConfigurationError(
            'Unknown event filter%s %s. GET /events filters on: %s. (The daemon would ignore an unknown key and '
            'return every event.)' % ('s' if len(unknown) > 1 else '', ', '.join(repr(k) for k in unknown),
                                      ', '.join(EVENT_FILTER_KEYS)))
    bad_types = sorted(v for v in normalized.get('type', []) if v not in EVENT_TYPES)
    if bad_types:
        raise ConfigurationError(
            'Unknown event type%s %s in filters.type. Event types are: %s.'
            % ('s' if len(bad_types) > 1 else '', ', '.join(repr(v) for v in bad_types), ', '.join(EVENT_TYPES)))
    return normalized


def plan_query(params: t.Mapping[str, t.Any], now: int) -> EventQuery:
    """Validate the options (before any request) and resolve the window to nanoseconds."""
    wait = bool(params.get('wait'))
    filters = validate_filters(params.get('filters'))
    since = parse_time(params.get('since'), 'since', now)
    until = parse_time(params.get('until'), 'until', now)
    max_events = params.get('max_events')
    if max_events is None:
        max_events = DEFAULT_WAIT_MAX if wait else DEFAULT_QUERY_MAX
    if max_events < 1:
        raise ConfigurationError('max_events must be 1 or more, got %d.' % max_events)
    wait_timeout: float | None = None
    if wait:
        if until is not None:
            raise ConfigurationError(
                'until cannot be combined with wait: true. A wait ends after max_events events or wait_timeout '
                'seconds; to read a window of events that ends later, leave wait out and set until.')
        wait_timeout = float(params.get('wait_timeout') or 0)
        if not (math.isfinite(wait_timeout) and wait_timeout > 0):
            raise ConfigurationError('wait_timeout must be a positive number of seconds, got %r.'
                                     % params.get('wait_timeout'))
        if since is None:
            since = now
    elif until is None:
        until = now
    if since is not None and until is not None and until < since:
        raise ConfigurationError(
            'until (%s) is before since (%s): the window is empty. Swap them, or move until later.'
            % (to_iso(until), to_iso(since)))
    return EventQuery(wait, since, until, filters, max_events, wait_timeout)


def add_time_iso(event: dict[str, t.Any]) -> dict[str, t.Any]:
    nano = event.get('timeNano')
    if not isinstance(nano, int):
        seconds = event.get('time')
        nano = seconds * NS_PER_SECOND if isinstance(seconds, int) else None
    if nano is not None:
        event['time_iso'] = to_iso(nano)
    return event


def _daemon_clock_offset(response: Response, local_ns: int) -> int:
    """Daemon clock minus ours, from the Date header (floored to the second); 0 if unknown."""
    header = response.headers.get('Date') if response.headers is not None else None
    if not header:
        return 0
    try:
        stamp = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return 0
    return int(stamp.timestamp()) * NS_PER_SECOND - local_ns


def _set_read_timeout(response: Response, seconds: float) -> None:
    response.set_read_timeout(max(seconds, 0.001))


class _Reader:
    """Reads one open /events stream into a bounded list and knows why it stopped."""

    def __init__(self, client: EngineClient, query: EventQuery) -> None:
        self.client = client
        self.query = query
        self.events: list[dict[str, t.Any]] = []
        self.truncated = False
        self.offset_ns = 0

    def _deadline(self, started: float, start_ns: int) -> float:
        if self.query.wait:
            return started + float(self.query.wait_timeout or 0)
        # Query mode: the daemon closes at `until` by its clock; allow one request timeout more.
        live_ns = max(0, (self.query.until or start_ns) - start_ns)
        return started + live_ns / NS_PER_SECOND + self.client.settings.timeout

    def run(self) -> None:
        started = time.monotonic()
        start_ns = now_ns()
        deadline = self._deadline(started, start_ns)
        response = self.client.request('GET', '/events', self.query.params(), stream=True,
                                       timeout=max(deadline - time.monotonic(), 0.001))
        with response:
            self.offset_ns = _daemon_clock_offset(response, now_ns())
            try:
                ended = self._consume(response, deadline)
            except socket.timeout:
                raise self._timeout_error()
            except (OSError, http.client.HTTPException) as exc:
                raise self._dropped('the connection failed: %s: %s' % (type(exc).__name__, exc))
        if ended:
            self._check_normal_end()

    def _consume(self, response: Response, deadline: float) -> bool:
        """Read until max_events (False) or until the daemon ends the stream (True)."""
        decoder = JSONStreamDecoder()
        chunks = response.iter_chunks()
        while True:
            _set_read_timeout(response, deadline - time.monotonic())
            try:
                chunk = next(chunks)
            except StopIteration:
                decoder.finish()
                return True
            for obj in decoder.feed(chunk):
                if isinstance(obj, dict):
                    self.events.append(add_time_iso(obj))
                if len(self.events) >= self.query.max_events:
                    # Stop reading here: the rest of the window is left unread on purpose.
                    self.truncated = not self.query.wait
                    return False

    def _timeout_error(self) -> EngineError:
        q = self.query
        if q.wait:
            return EventsTimeout(
                'No%s event matching %s arrived within wait_timeout=%s s (%d of %d wanted). Check the filters, '
                'make sure the event really happens after since (%s), or raise wait_timeout.'
                % (' further' if self.events else '', _describe_filters(q.filters), _fmt(q.wait_timeout),
                   len(self.events), q.max_events, to_iso(q.since or 0)),
                events=self.events, wait_timeout=q.wait_timeout)
        return ConnectionProblem(
            'The daemon did not end the event stream at until (%s): no data and no end of stream for %s s past it. '
            'Its clock may be far behind this host\'s (offset seen: %.0f s); give until as an absolute time, or '
            'raise timeout.' % (to_iso(q.until or 0), _fmt(self.client.settings.timeout),
                                self.offset_ns / NS_PER_SECOND),
            events=self.events)

    def _dropped(self, why: str) -> EngineError:
        q = self.query
        return ConnectionProblem(
            'The event stream from %s broke off after %d event%s: %s. The list would be incomplete, so the task '
            'fails; run it again (from since %s) once the daemon is reachable.'
            % (self.client.settings.display, len(self.events), '' if len(self.events) == 1 else 's', why,
               to_iso(q.since) if q.since is not None else 'the start'),
            events=self.events)

    def _check_normal_end(self) -> None:
        q = self.query
        if q.wait:
            # Without until the daemon never ends a stream on purpose: any end is a drop.
            raise self._dropped('the daemon closed it before %d matching event%s arrived (was it restarted?)'
                                % (q.max_events, '' if q.max_events == 1 else 's'))
        daemon_now = now_ns() + self.offset_ns
        if q.until is not None and daemon_now + _EARLY_END_SLACK_NS < q.until:
            raise self._dropped('the daemon closed it %.1f s before until (%s) (was it restarted?)'
                                % (to_seconds(q.until - daemon_now), to_iso(q.until)))


def _describe_filters(filters: t.Mapping[str, list[str]]) -> str:
    if not filters:
        return 'any filter (none given)'
    return ', '.join('%s=%s' % (k, '|'.join(v)) for k, v in sorted(filters.items()))


def _fmt(value: t.Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def events(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Read-only: never changes anything, so check mode runs the same query."""
    query = plan_query(params, now_ns())
    reader = _Reader(client, query)
    try:
        reader.run()
    except StreamError as exc:
        # Garbage on the stream (a proxy's error page, a truncated object) means the list is unreliable.
        raise ConnectionProblem('The event stream from %s could not be decoded: %s' % (client.settings.display, exc),
                                events=reader.events)
    return {
        'changed': False,
        'events': reader.events,
        'truncated': reader.truncated,
        'since': None if query.since is None else to_iso(query.since),
        'until': None if query.until is None else to_iso(query.until),
    }
