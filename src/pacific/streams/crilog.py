"""CRI container log files and the `pods/log` options, as pure functions.

The runtime writes one line per chunk of output:

    2024-05-01T10:00:00.123456789Z stdout F hello world
    <RFC3339Nano time>            <stream> <tag> <text>

Tag `F` ends a line (the reader adds the newline back), `P` is a partial line that the
next records of the same stream continue. kubelet's options are applied in this order:
`sinceTime`/`sinceSeconds` drop records older than the bound, `tailLines` keeps the last N
whole lines of what is already written (only the first read; later lines of a follow all
pass), `timestamps` prefixes each line with its time, and `limitBytes` cuts the output
after that many bytes, even mid-line. `LogFilter` carries the state that needs (partial
lines, bytes sent) across the chunks of a followed file.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from pacific.streams.errors import LogFormatError

NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Record:
    time_ns: int
    time_text: str
    stream: str  # stdout | stderr
    partial: bool
    text: bytes


@dataclass(frozen=True, slots=True)
class LogOptions:
    follow: bool = False
    previous: bool = False
    timestamps: bool = False
    tail_lines: int | None = None
    since_ns: int | None = None  # absolute bound in unix nanoseconds
    limit_bytes: int | None = None


def parse_time(text: str) -> int:
    """RFC 3339 (any fraction length up to ns) -> unix nanoseconds."""
    main, frac, zone = text, "", ""
    if text.endswith("Z"):
        main, zone = text[:-1], "+00:00"
    elif len(text) > 6 and text[-6] in "+-":
        main, zone = text[:-6], text[-6:]
    if "." in main:
        main, frac = main.split(".", 1)
    if not zone or (frac and not frac.isdigit()):
        raise LogFormatError(f"bad timestamp {text!r}")
    try:
        seconds = dt.datetime.fromisoformat(main + zone).timestamp()
    except ValueError as exc:
        raise LogFormatError(f"bad timestamp {text!r}") from exc
    return int(seconds) * NS + int((frac + "000000000")[:9])


def format_time(ns: int) -> str:
    """Unix nanoseconds -> RFC3339Nano as Go writes it (UTC, trailing zeros trimmed)."""
    seconds, nanos = divmod(ns, NS)
    base = dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{base}.{fraction}Z" if fraction else f"{base}Z"


def parse_line(line: bytes) -> Record:
    """One record, without its trailing newline."""
    parts = line.split(b" ", 3)
    if len(parts) < 3 or parts[1] not in (b"stdout", b"stderr") or parts[2] not in (b"F", b"P"):
        raise LogFormatError(f"not a CRI log line: {line[:80]!r}")
    time_text = parts[0].decode("ascii", "replace")
    return Record(
        parse_time(time_text),
        time_text,
        parts[1].decode(),
        parts[2] == b"P",
        parts[3] if len(parts) == 4 else b"",
    )


def split_lines(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines of `buffer` and the incomplete rest (a record being written)."""
    end = buffer.rfind(b"\n")
    if end < 0:
        return [], buffer
    return buffer[:end].split(b"\n"), buffer[end + 1 :]


def parse_records(lines: Iterable[bytes]) -> list[Record]:
    """Records of `lines`; blank and malformed lines are skipped, as kubelet does."""
    out: list[Record] = []
    for line in lines:
        if not line:
            continue
        try:
            out.append(parse_line(line))
        except LogFormatError:
            continue
    return out


def tail(records: list[Record], lines: int) -> list[Record]:
    """The records that make up the last `lines` whole lines."""
    if lines <= 0:
        return []
    kept: deque[list[Record]] = deque(maxlen=lines)
    current: list[Record] = []
    for record in records:
        current.append(record)
        if not record.partial:
            kept.append(current)
            current = []
    out = [r for group in kept for r in group]
    return out + current


class LogFilter:
    """Turns records into the bytes `pods/log` returns, across the chunks of one read."""

    def __init__(self, options: LogOptions) -> None:
        self.options = options
        self.sent = 0
        self._open: set[str] = set()  # streams in the middle of a partial line

    @property
    def exhausted(self) -> bool:
        limit = self.options.limit_bytes
        return limit is not None and self.sent >= limit

    def render(self, records: Iterable[Record]) -> bytes:
        opts = self.options
        out = bytearray()
        for record in records:
            if opts.since_ns is not None and record.time_ns < opts.since_ns:
                continue
            if opts.timestamps and record.stream not in self._open:
                out += record.time_text.encode() + b" "
            out += record.text
            if record.partial:
                self._open.add(record.stream)
            else:
                self._open.discard(record.stream)
                out += b"\n"
        if opts.limit_bytes is not None:
            room = max(opts.limit_bytes - self.sent, 0)
            del out[room:]
        self.sent += len(out)
        return bytes(out)


def log_file(directory_entries: Iterable[str], previous: bool) -> str | None:
    """Which `<restartCount>.log` to read: the newest, or the one before it (`previous`).
    `directory_entries` are the names in the container's log directory."""
    counts = sorted(
        int(name[:-4])
        for name in directory_entries
        if name.endswith(".log") and name[:-4].isdigit()
    )
    if not counts:
        return None
    if previous:
        return f"{counts[-2]}.log" if len(counts) > 1 else None
    return f"{counts[-1]}.log"
