"""container_logs: demultiplexing with order and a total bound, lines, and option checks (no daemon)."""

from __future__ import annotations

import struct

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _logs
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError, StreamError
from ansible_collections.dockerapi.engine.plugins.module_utils._exec import STDERR, STDOUT
from ansible_collections.dockerapi.engine.plugins.module_utils._timeparse import NS_PER_SECOND


def frame(stream: int, data: bytes) -> bytes:
    return struct.pack('>BxxxL', stream, len(data)) + data


def feed_all(collector: _logs.LogCollector, data: bytes, size: int) -> None:
    try:
        for pos in range(0, len(data), size):
            collector.feed(data[pos:pos + size])
        collector.finish()
    except _logs._Full:  # pylint: disable=protected-access
        pass


@pytest.mark.parametrize('size', [1, 3, 8, 9, 1000])
def test_frames_in_any_chunking_keep_streams_and_order(size: int) -> None:
    data = frame(STDOUT, b'out1\n') + frame(STDERR, b'err1\n') + frame(STDERR, b'err2\n') + frame(STDOUT, b'out2\n')
    out = _logs.LogCollector(False, 1000)
    feed_all(out, data, size)
    assert bytes(out.kept[STDOUT]) == b'out1\nout2\n' and bytes(out.kept[STDERR]) == b'err1\nerr2\n'
    assert _logs.split_lines(out.segments, False) == [
        {'stream': 'stdout', 'text': 'out1'}, {'stream': 'stderr', 'text': 'err1'},
        {'stream': 'stderr', 'text': 'err2'}, {'stream': 'stdout', 'text': 'out2'}]
    assert out.cut is False


def test_max_bytes_counts_both_streams_and_stops() -> None:
    data = frame(STDOUT, b'a' * 6) + frame(STDERR, b'b' * 6) + frame(STDOUT, b'c' * 6)
    out = _logs.LogCollector(False, 10)
    with pytest.raises(_logs._Full):  # pylint: disable=protected-access
        out.feed(data)
    assert out.cut is True and out.kept_total == 10
    assert bytes(out.kept[STDOUT]) == b'aaaaaa' and bytes(out.kept[STDERR]) == b'bbbb'


def test_exact_fit_is_not_cut() -> None:
    out = _logs.LogCollector(False, 6)
    feed_all(out, frame(STDOUT, b'abcdef'), 4)
    assert out.cut is False and bytes(out.kept[STDOUT]) == b'abcdef'


def test_tty_is_raw_stdout() -> None:
    out = _logs.LogCollector(True, 100)
    feed_all(out, b'\x01\x00\x00\x00hi\r\nthere\r\n', 5)
    assert bytes(out.kept[STDOUT]) == b'\x01\x00\x00\x00hi\r\nthere\r\n' and not out.kept[STDERR]
    assert [x['text'] for x in _logs.split_lines(out.segments, False)] == ['\x01\x00\x00\x00hi', 'there']


def test_broken_framing_is_reported() -> None:
    out = _logs.LogCollector(False, 100)
    with pytest.raises(StreamError):
        out.feed(b'\x07\x00\x00\x00\x00\x00\x00\x01x')
    out = _logs.LogCollector(False, 100)
    out.feed(frame(STDOUT, b'abc')[:-1])
    with pytest.raises(StreamError):
        out.finish()


def test_lines_join_pieces_per_stream_and_split_timestamps() -> None:
    segments = [(STDOUT, b'2024-05-01T12:00:00.000000001Z lo'), (STDERR, b'2024-05-01T12:00:00.5Z e\n'),
                (STDOUT, b'ng\n2024-05-01T12:00:01Z x y\n'), (STDOUT, b'partial')]
    assert _logs.split_lines(segments, True) == [
        {'stream': 'stderr', 'timestamp': '2024-05-01T12:00:00.5Z', 'text': 'e'},
        {'stream': 'stdout', 'timestamp': '2024-05-01T12:00:00.000000001Z', 'text': 'long'},
        {'stream': 'stdout', 'timestamp': '2024-05-01T12:00:01Z', 'text': 'x y'},
        {'stream': 'stdout', 'text': 'partial'}]
    assert _logs.split_lines([(STDOUT, b'\n\n')], False) == [{'stream': 'stdout', 'text': ''}] * 2


@pytest.mark.parametrize('value, expected', [(None, 'all'), ('all', 'all'), ('ALL', 'all'), (0, '0'), (5, '5'),
                                             ('12', '12')])
def test_tail(value: object, expected: str) -> None:
    assert _logs._tail(value) == expected  # pylint: disable=protected-access


@pytest.mark.parametrize('value', [-1, 'ten', True, 1.5])
def test_tail_refused(value: object) -> None:
    with pytest.raises(ConfigurationError, match='tail'):
        _logs._tail(value)  # pylint: disable=protected-access


def test_query_times_use_the_shared_parser() -> None:
    query = _logs._query({'since': '2024-05-01T12:00:00.5Z', 'until': 1714566000, 'tail': 3,  # pylint: disable=protected-access
                          'timestamps': True, 'follow': False})
    assert query['since'] == '1714564800.500000000' and query['until'] == '1714566000.000000000'
    assert query['tail'] == '3' and query['timestamps'] == '1' and query['stdout'] == query['stderr'] == '1'
    relative = _logs._query({'since': '10m'})  # pylint: disable=protected-access
    seconds = int(relative['since'].split('.')[0])
    assert abs(seconds - (_logs.time.time_ns() // NS_PER_SECOND - 600)) <= 2


@pytest.mark.parametrize('params, message', [
    ({'since': '2024-05-02T00:00:00Z', 'until': '2024-05-01T00:00:00Z'}, 'before since'),
    ({'stdout': False, 'stderr': False}, 'nothing to read'),
    ({'since': 'yesterday'}, 'not a time'),
])
def test_query_refused(params: dict, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        _logs._query(params)  # pylint: disable=protected-access


def test_limits() -> None:
    assert _logs._limits({}) == (_logs.DEFAULT_MAX_BYTES, None)  # pylint: disable=protected-access
    assert _logs._limits({'follow': True, 'follow_timeout': 2.5, 'max_bytes': 7}) == (7, 2.5)  # pylint: disable=protected-access
    for bad in ({'max_bytes': 0}, {'follow_timeout': 0.0}, {'follow_timeout': float('nan')}):
        with pytest.raises(ConfigurationError):
            _logs._limits(bad)  # pylint: disable=protected-access
