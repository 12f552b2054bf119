import pytest

from pacific.streams import crilog
from pacific.streams.crilog import LogFilter, LogOptions
from pacific.streams.errors import LogFormatError

FILE = (
    b"2024-05-01T10:00:00.000000001Z stdout F one\n"
    b"2024-05-01T10:00:01Z stderr P tw\n"
    b"2024-05-01T10:00:01.5Z stderr F o\n"
    b"garbage\n"
    b"2024-05-01T10:00:02.25Z stdout F three\n"
    b"2024-05-01T10:00:03Z stdout F"
)


def _records() -> list[crilog.Record]:
    lines, rest = crilog.split_lines(FILE)
    assert rest == b"2024-05-01T10:00:03Z stdout F"
    return crilog.parse_records(lines)


def test_parse_time_to_nanoseconds() -> None:
    assert crilog.parse_time("1970-01-01T00:00:01.5Z") == 1_500_000_000
    assert crilog.parse_time("1970-01-01T01:00:00+01:00") == 0
    assert crilog.parse_time("1970-01-01T00:00:00.000000007Z") == 7
    for bad in ("yesterday", "1970-01-01T00:00:00", "1970-01-01T00:00:00.x1Z"):
        with pytest.raises(LogFormatError):
            crilog.parse_time(bad)


def test_format_time_trims_like_go() -> None:
    assert crilog.format_time(1_500_000_000) == "1970-01-01T00:00:01.5Z"
    assert crilog.format_time(0) == "1970-01-01T00:00:00Z"


def test_plain_output_joins_partials_and_skips_garbage() -> None:
    assert LogFilter(LogOptions()).render(_records()) == b"one\ntwo\nthree\n"


def test_timestamps_prefix_each_line_once() -> None:
    out = LogFilter(LogOptions(timestamps=True)).render(_records())
    assert out == (
        b"2024-05-01T10:00:00.000000001Z one\n"
        b"2024-05-01T10:00:01Z two\n"
        b"2024-05-01T10:00:02.25Z three\n"
    )


def test_tail_counts_whole_lines() -> None:
    records = _records()
    assert LogFilter(LogOptions()).render(crilog.tail(records, 2)) == b"two\nthree\n"
    assert crilog.tail(records, 0) == []
    assert LogFilter(LogOptions()).render(crilog.tail(records, 10)) == b"one\ntwo\nthree\n"


def test_since_drops_older_records() -> None:
    since = crilog.parse_time("2024-05-01T10:00:01.2Z")
    assert LogFilter(LogOptions(since_ns=since)).render(_records()) == b"o\nthree\n"


def test_limit_bytes_cuts_across_chunks() -> None:
    log = LogFilter(LogOptions(limit_bytes=6))
    records = _records()
    assert log.render(records[:1]) == b"one\n"
    assert not log.exhausted
    assert log.render(records[1:]) == b"tw"
    assert log.exhausted
    assert log.render(records) == b""


def test_log_file_choice() -> None:
    names = ["0.log", "2.log", "1.log", "x.log", "10.log.tmp"]
    assert crilog.log_file(names, previous=False) == "2.log"
    assert crilog.log_file(names, previous=True) == "1.log"
    assert crilog.log_file(["0.log"], previous=True) is None
    assert crilog.log_file([], previous=False) is None
