# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations and points in time: the one parser every module uses.

* Durations follow Go's ``time.ParseDuration`` exactly (``1h30m``, ``1.5h``, ``.5s``, ``-10m``,
  ``300ms``, ``2us``/``2µs``/``2μs``, ``0``); :func:`duration_ns` is the entry point for an
  option holding a duration (healthcheck intervals, stop timeouts): there a bare number
  (``10``, ``1.5``, ``"10"``) is a number of seconds, and negative values are refused unless
  the option allows them.
* Points in time follow the docker CLI's ``GetTimestamp`` (``--since``/``--until``, prune's
  ``until``): a Go duration means that long before now; RFC 3339 with or without seconds,
  fraction and zone (``2024-03-01``, ``2024-03-01T12``, ``2024-03-01T12:00``,
  ``2024-03-01T12:00:00.5Z``, ``...+02:00``; a space instead of ``T`` is taken too); Unix
  seconds with up to nine fraction digits. A time without a zone is local time of a given
  zone: the caller says whose (the docker CLI uses the client's for events, the daemon its
  own for prune filters). ``0`` is Unix time 0, not a duration, as in the CLI.

Times are integer nanoseconds so that nothing is lost between an event's ``timeNano``, the
user's input and the query string. The daemon is always sent ``seconds.nanoseconds``
(:func:`to_query`), so what it does and what check mode computes are the same instant.
"""

from __future__ import annotations

import datetime
import math
import re
import time
import typing as t
from decimal import Decimal, InvalidOperation

from ._errors import ConfigurationError

NS_PER_SECOND = 1000000000
# Go's time.Duration is an int64 of nanoseconds: about 292 years.
MAX_DURATION_NS = (1 << 63) - 1
# A Unix time above this (the year 5138) is taken for milliseconds or finer by mistake.
MAX_PLAUSIBLE_SECONDS = 10 ** 11

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
# One component: digits with an optional fraction (at least one digit on either side), then a unit.
_PART = r'(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h)'
_DURATION_RE = re.compile(r'^[-+]?(?:%s)+$' % _PART)
_DURATION_PART_RE = re.compile(r'(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)')
_SECONDS_RE = re.compile(r'^([-+]?)(\d+\.?\d*|\.\d+)$')
_UNIX_RE = re.compile(r'^\d+(?:\.\d{0,9})?$')
# The docker CLI's forms: date; date and hour; hour:minute; with seconds and a fraction; zone optional.
_DATETIME_RE = re.compile(
    r'^(?P<date>\d{4}-\d{2}-\d{2})'
    r'(?:[Tt ](?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?)?)?'
    r'(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?$')

DURATION_FORMS = 'a Go duration such as 30s, 1m30s, 1.5h, 500ms or 250us'
TIME_FORMS = ('Unix seconds (1700000000 or 1700000000.5), an RFC 3339 time (2024-05-01T12:00:00Z, or without a zone '
              'for local time), or a duration meaning that long ago (10m, 1h30m, 90s)')


def now_ns() -> int:
    return time.time_ns()


def parse_duration(text: t.Any) -> int | None:
    """Go's ``time.ParseDuration`` to nanoseconds; None when the text is not a Go duration."""
    if not isinstance(text, str):
        return None
    body = text[1:] if text[:1] in ('+', '-') else text
    if body == '0':
        return 0
    if not _DURATION_RE.match(text):
        return None
    total = Decimal(0)
    for number, unit in _DURATION_PART_RE.findall(body):
        total += Decimal(number) * _UNITS[unit]
    value = int(total)  # Go truncates a fraction finer than a nanosecond
    if value > MAX_DURATION_NS:
        return None
    return -value if text.startswith('-') else value


def duration_ns(value: t.Any, option: str, allow_negative: bool = False) -> int:
    """An option holding a duration: a Go duration string, or a number of seconds.

    The messages name ``option``; negative durations are refused unless ``allow_negative``.
    """
    if isinstance(value, bool) or value is None:
        raise ConfigurationError('%s must be a duration such as 30s or 1m30s, got %r.' % (option, value))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigurationError('%s must be a finite duration, got %r. Use %s, or a number of seconds.'
                                     % (option, value, DURATION_FORMS))
        ns = int(Decimal(repr(value)) * NS_PER_SECOND) if isinstance(value, float) else value * NS_PER_SECOND
    else:
        text = str(value).strip()
        number = _SECONDS_RE.match(text)
        if number:
            ns = int(Decimal(number.group(2)) * NS_PER_SECOND) * (-1 if number.group(1) == '-' else 1)
        else:
            parsed = parse_duration(text)
            if parsed is None:
                raise ConfigurationError(
                    '%s %r is not a duration. Use a number of seconds or %s (units ns, us, ms, s, m, h; days are not '
                    'a unit: write 24h).' % (option, value, DURATION_FORMS))
            ns = parsed
    if abs(ns) > MAX_DURATION_NS:
        raise ConfigurationError('%s %r is too long: a duration is at most about 292 years.' % (option, value))
    if ns < 0 and not allow_negative:
        raise ConfigurationError('%s must not be negative, got %r.' % (option, value))
    return ns


def _parse_datetime(text: str, zone_offset: int | None) -> int | None:
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
    epoch = datetime.datetime(1970, 1, 1)
    if zone is None:
        if zone_offset is None:
            # Local time where the task runs (what the docker CLI does for events and logs).
            seconds = int(time.mktime(stamp.timetuple()))
        else:
            seconds = int((stamp - epoch).total_seconds()) - zone_offset
    else:
        if zone in ('Z', 'z'):
            offset = 0
        else:
            digits = zone[1:].replace(':', '')
            offset = (int(digits[:2]) * 60 + int(digits[2:])) * 60
            if zone[0] == '-':
                offset = -offset
        seconds = int((stamp - epoch).total_seconds()) - offset
    fraction = (match.group('fraction') or '').ljust(9, '0')
    return seconds * NS_PER_SECOND + int(fraction or 0)


def _check_plausible(seconds: t.Any, value: t.Any, option: str) -> None:
    if seconds >= MAX_PLAUSIBLE_SECONDS:
        raise ConfigurationError(
            '%s %r looks like milliseconds (or a finer unit), not Unix seconds: it would be a time after the year 5000. '
            'Give seconds, for example %s.' % (option, value, str(value).split('.', 1)[0][:10]))


def parse_time(value: t.Any, option: str, now: int | None = None, zone_offset: int | None = None) -> int | None:
    """A user's point in time to integer Unix nanoseconds (None and '' stay None).

    Accepts Unix seconds (int, float or numeric string), an RFC 3339 time (zone-less: local time of
    ``zone_offset`` seconds east of UTC, or of the task's host when None), or a Go duration meaning
    "that long before ``now``" (a leading ``-`` means after now).
    """
    if value is None or value == '':
        return None
    if isinstance(value, bool):
        raise ConfigurationError('%s must be a point in time, got the boolean %r. Use %s.' % (option, value, TIME_FORMS))
    if now is None:
        now = now_ns()
    if isinstance(value, int):
        if value < 0:
            raise ConfigurationError('%s must not be a negative Unix time, got %r. Use %s.' % (option, value, TIME_FORMS))
        _check_plausible(value, value, option)
        return value * NS_PER_SECOND
    if isinstance(value, float):
        if not math.isfinite(value) or value < 0:
            raise ConfigurationError('%s must be a finite, non-negative number of seconds, got %r.' % (option, value))
        _check_plausible(value, value, option)
        return int(Decimal(repr(value)) * NS_PER_SECOND)
    text = str(value).strip()
    if _UNIX_RE.match(text):
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
            number = None
        if number is not None:
            _check_plausible(number, text, option)
            return int(number * NS_PER_SECOND)
    duration = parse_duration(text)
    if duration is not None:
        return now - duration
    stamp = _parse_datetime(text, zone_offset)
    if stamp is not None:
        return stamp
    raise ConfigurationError('%s %r is not a time this module understands. Use %s.' % (option, value, TIME_FORMS))


def has_zone(value: t.Any) -> bool:
    """Whether a time value means the same instant in every time zone (only zone-less dates do not)."""
    if not isinstance(value, str):
        return True
    match = _DATETIME_RE.match(value.strip())
    return match is None or match.group('zone') is not None


def parse_rfc3339(text: t.Any) -> tuple[int, int] | None:
    """An RFC 3339 time with a zone as the daemon writes it (``Created``, ``SystemTime``) ->
    (Unix nanoseconds, the zone's offset in seconds east of UTC); None when it is not one."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    match = _DATETIME_RE.match(value)
    if not match or match.group('zone') is None:
        return None
    zone = match.group('zone')
    stamp = _parse_datetime(value, 0)
    if stamp is None:
        return None
    if zone in ('Z', 'z'):
        return stamp, 0
    digits = zone[1:].replace(':', '')
    offset = (int(digits[:2]) * 60 + int(digits[2:])) * 60
    return stamp, -offset if zone[0] == '-' else offset


def created_ns(text: t.Any) -> int | None:
    """The daemon's RFC 3339 ``Created`` (nanoseconds, any zone) -> Unix nanoseconds, or None."""
    if isinstance(text, str):
        # The daemon writes up to nine fraction digits; anything finer would not be a Go time.
        parsed = parse_rfc3339(text)
        if parsed is not None:
            return parsed[0]
    return None


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
