# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Points in time as the daemon wants them, from what a playbook author writes.

The daemon's ``since``/``until`` (events, logs) take Unix seconds with an optional fraction
and nothing else; the docker CLI converts RFC 3339 times and Go durations on the client,
so we do the same. Times are kept as integer nanoseconds so that nothing is lost between
an event's ``timeNano``, the user's input and the query string.
"""

from __future__ import annotations

import math
import datetime
import re
import time
import typing as t
from decimal import Decimal, InvalidOperation

from ._errors import ConfigurationError

NS_PER_SECOND = 1000000000

# Go's time.ParseDuration units, in nanoseconds.
_UNITS = {
    'ns': 1,
    'us': 1000,
    '\u00b5s': 1000,  # micro sign
    '\u03bcs': 1000,  # greek mu
    'ms': 1000000,
    's': NS_PER_SECOND,
    'm': 60 * NS_PER_SECOND,
    'h': 3600 * NS_PER_SECOND,
}
_DURATION_RE = re.compile(r'^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$')
_DURATION_PART_RE = re.compile(r'(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)')
_UNIX_RE = re.compile(r'^\d+(?:\.\d{0,9})?$')
# RFC 3339 and the shorter forms the docker CLI also takes (date only, no seconds, no zone).
_DATETIME_RE = re.compile(
    r'^(?P<date>\d{4}-\d{2}-\d{2})'
    r'(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?)?'
    r'(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?$')

TIME_FORMS = ('Unix seconds (1700000000 or 1700000000.5), an RFC 3339 time (2024-05-01T12:00:00Z), '
              'or a duration meaning that long ago (10m, 1h30m, 90s)')


def now_ns() -> int:
    return time.time_ns()


def parse_duration(text: str) -> int | None:
    """Go duration syntax (``1h30m``, ``1.5h``, ``-10m``) to nanoseconds; None if not a duration."""
    if text == '0':
        return 0
    if not _DURATION_RE.match(text):
        return None
    sign = -1 if text.startswith('-') else 1
    total = Decimal(0)
    for number, unit in _DURATION_PART_RE.findall(text.lstrip('+-')):
        total += Decimal(number) * _UNITS[unit]
    return sign * int(total)


def _parse_datetime(text: str) -> int | None:
    match = _DATETIME_RE.match(text)
    if not match:
        return None
    try:
        day = datetime.datetime.strptime(match.group('date'), '%Y-%m-%d')
        stamp = day.replace(hour=int(match.group('hour') or 0), minute=int(match.group('minute') or 0),
                            second=int(match.group('second') or 0))
    except ValueError:
        return None
    zone = match.group('zone')
    if zone is None:
        # Like the docker CLI: a time without a zone is local time where the task runs.
        seconds = int(time.mktime(stamp.timetuple()))
    else:
        if zone in ('Z', 'z'):
            offset = 0
        else:
            digits = zone[1:].replace(':', '')
            offset = (int(digits[:2]) * 60 + int(digits[2:])) * 60
            if zone[0] == '-':
                offset = -offset
        epoch = datetime.datetime(1970, 1, 1)
        seconds = int((stamp - epoch).total_seconds()) - offset
    fraction = (match.group('fraction') or '').ljust(9, '0')
    return seconds * NS_PER_SECOND + int(fraction or 0)


def parse_time(value: t.Any, option: str, now: int | None = None) -> int | None:
    """A user's point in time to integer Unix nanoseconds (None stays None).

    Accepts a number of Unix seconds (int, float or numeric string), an RFC 3339 time, or a
    Go duration meaning "that long before now" (a leading ``-`` means after now).
    """
    if value is None or value == '':
        return None
    if isinstance(value, bool):
        raise ConfigurationError('%s must be a point in time, got the boolean %r. Use %s.' % (option, value, TIME_FORMS))
    if now is None:
        now = now_ns()
    if isinstance(value, int):
        return value * NS_PER_SECOND
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigurationError('%s must be a finite number of seconds, got %r.' % (option, value))
        return int(Decimal(repr(value)) * NS_PER_SECOND)
    text = str(value).strip()
    if _UNIX_RE.match(text):
        try:
            return int(Decimal(text) * NS_PER_SECOND)
        except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
            pass
    duration = parse_duration(text)
    if duration is not None:
        return now - duration
    stamp = _parse_datetime(text)
    if stamp is not None:
        return stamp
    raise ConfigurationError('%s %r is not a time this module understands. Use %s.' % (option, value, TIME_FORMS))


def to_query(ns: int) -> str:
    """Nanoseconds to the daemon's ``seconds.nanoseconds`` form (exact, no float rounding)."""
    sign = '-' if ns < 0 else ''
    seconds, rest = divmod(abs(ns), NS_PER_SECOND)
    return '%s%d.%09d' % (sign, seconds, rest)


def to_iso(ns: int) -> str:
    """Nanoseconds to RFC 3339 in UTC with all nine fraction digits, e.g. 2024-05-01T12:00:00.000000001Z."""
    seconds, rest = divmod(ns, NS_PER_SECOND)
    stamp = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)
    return '%s.%09dZ' % (stamp.strftime('%Y-%m-%dT%H:%M:%S'), rest)


def to_seconds(ns: int) -> float:
    return ns / NS_PER_SECOND
