"""SPDY/3.1 framing: what kubectl's port-forward (spdystream) sends and expects.

Frames (all integers big-endian):

    control: 1 | version:15 (=3) | type:16 | flags:8 | length:24 | payload
    data:    0 | stream-id:31            | flags:8 | length:24 | payload

Control types used here: SYN_STREAM (1: stream-id, associated-id, priority, slot, header
block), SYN_REPLY (2: stream-id, header block), RST_STREAM (3: stream-id, status),
SETTINGS (4), PING (6: id), GOAWAY (7: last-stream-id, status), HEADERS (8) and
WINDOW_UPDATE (9: stream-id, delta). FLAG_FIN (1) ends the sender's half of a stream;
FLAG_UNIDIRECTIONAL (2) on SYN_STREAM. Header blocks are zlib-compressed per direction
(`spdy_headers`), so a `FrameCodec` is per connection and stateful; frames themselves are
immutable values. `FrameReader` turns an arbitrarily chunked byte stream (TCP, or a
WebSocket tunnel whose messages need not align with frames) into frames.

Flow control: spdystream neither sends WINDOW_UPDATE nor honours windows, and neither does
this side; WINDOW_UPDATE and SETTINGS are parsed and ignored by the session.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from pacific.streams.errors import SPDYError
from pacific.streams.spdy_headers import HeaderCompressor, HeaderDecompressor

VERSION = 3
FLAG_FIN = 0x01
FLAG_UNIDIRECTIONAL = 0x02

SYN_STREAM = 1
SYN_REPLY = 2
RST_STREAM = 3
SETTINGS = 4
PING = 6
GOAWAY = 7
HEADERS = 8
WINDOW_UPDATE = 9

# RST_STREAM status codes
PROTOCOL_ERROR = 1
INVALID_STREAM = 2
REFUSED_STREAM = 3
CANCEL = 5
INTERNAL_ERROR = 6

MAX_FRAME = 0xFFFFFF


@dataclass(frozen=True, slots=True)
class Data:
    stream_id: int
    data: bytes
    fin: bool = False


@dataclass(frozen=True, slots=True)
class SynStream:
    stream_id: int
    headers: dict[str, str] = field(default_factory=dict)
    associated_id: int = 0
    priority: int = 0
    fin: bool = False
    unidirectional: bool = False


@dataclass(frozen=True, slots=True)
class SynReply:
    stream_id: int
    headers: dict[str, str] = field(default_factory=dict)
    fin: bool = False


@dataclass(frozen=True, slots=True)
class RstStream:
    stream_id: int
    status: int


@dataclass(frozen=True, slots=True)
class Settings:
    entries: tuple[tuple[int, int, int], ...] = ()  # (flags, id, value)


@dataclass(frozen=True, slots=True)
class Ping:
    id: int


@dataclass(frozen=True, slots=True)
class GoAway:
    last_stream_id: int
    status: int = 0


@dataclass(frozen=True, slots=True)
class Headers:
    stream_id: int
    headers: dict[str, str] = field(default_factory=dict)
    fin: bool = False


@dataclass(frozen=True, slots=True)
class WindowUpdate:
    stream_id: int
    delta: int


Frame = Data | SynStream | SynReply | RstStream | Settings | Ping | GoAway | Headers | WindowUpdate


def _control(kind: int, flags: int, payload: bytes) -> bytes:
    if len(payload) > MAX_FRAME:
        raise SPDYError("frame too large")
    return struct.pack(">HHI", 0x8000 | VERSION, kind, (flags << 24) | len(payload)) + payload


def _sid(stream_id: int) -> bytes:
    if not 0 <= stream_id < 2**31:
        raise SPDYError(f"stream id {stream_id} out of range")
    return struct.pack(">I", stream_id)


class FrameCodec:
    """Encodes and decodes frames of one connection (it owns both zlib streams)."""

    def __init__(self) -> None:
        self._out = HeaderCompressor()
        self._in = HeaderDecompressor()

    def encode(self, frame: Frame) -> bytes:
        match frame:
            case Data(sid, data, fin):
                if len(data) > MAX_FRAME:
                    raise SPDYError("data frame too large")
                flags = FLAG_FIN if fin else 0
                return _sid(sid) + struct.pack(">I", (flags << 24) | len(data)) + data
            case SynStream(sid, headers, assoc, priority, fin, uni):
                flags = (FLAG_FIN if fin else 0) | (FLAG_UNIDIRECTIONAL if uni else 0)
                body = _sid(sid) + _sid(assoc) + bytes(((priority & 7) << 5, 0))
                return _control(SYN_STREAM, flags, body + self._out.compress(headers))
            case SynReply(sid, headers, fin):
                body = _sid(sid) + self._out.compress(headers)
                return _control(SYN_REPLY, FLAG_FIN if fin else 0, body)
            case RstStream(sid, status):
                return _control(RST_STREAM, 0, _sid(sid) + struct.pack(">I", status))
            case Settings(entries):
                body = struct.pack(">I", len(entries)) + b"".join(
                    struct.pack(">II", (f << 24) | i, v) for f, i, v in entries
                )
                return _control(SETTINGS, 0, body)
            case Ping(pid):
                return _control(PING, 0, struct.pack(">I", pid))
            case GoAway(last, status):
                return _control(GOAWAY, 0, _sid(last) + struct.pack(">I", status))
            case Headers(sid, headers, fin):
                body = _sid(sid) + self._out.compress(headers)
                return _control(HEADERS, FLAG_FIN if fin else 0, body)
            case WindowUpdate(sid, delta):
                return _control(WINDOW_UPDATE, 0, _sid(sid) + struct.pack(">I", delta))
        raise SPDYError(f"cannot encode {frame!r}")

    def decode(self, head: bytes, payload: bytes) -> Frame | None:
        """One frame from its 8-byte head and payload; None for frame types SPDY/3.1
        tells receivers to ignore (unknown control types)."""
        first, flags_len = struct.unpack(">II", head)
        flags = flags_len >> 24
        fin = bool(flags & FLAG_FIN)
        if not first & 0x80000000:
            return Data(first & 0x7FFFFFFF, payload, fin)
        version, kind = (first >> 16) & 0x7FFF, first & 0xFFFF
        if version != VERSION:
            raise SPDYError(f"unsupported SPDY version {version}")
        try:
            return self._control(kind, flags, fin, payload)
        except struct.error as exc:
            raise SPDYError(f"short control frame (type {kind})") from exc

    def _control(self, kind: int, flags: int, fin: bool, p: bytes) -> Frame | None:
        if kind == SYN_STREAM:
            sid, assoc = struct.unpack_from(">II", p, 0)
            return SynStream(
                sid & 0x7FFFFFFF,
                self._in.decompress(p[10:]),
                assoc & 0x7FFFFFFF,
                p[8] >> 5,
                fin,
                bool(flags & FLAG_UNIDIRECTIONAL),
            )
        if kind in (SYN_REPLY, HEADERS):
            (sid,) = struct.unpack_from(">I", p, 0)
            cls = SynReply if kind == SYN_REPLY else Headers
            return cls(sid & 0x7FFFFFFF, self._in.decompress(p[4:]), fin)
        if kind == RST_STREAM:
            sid, status = struct.unpack_from(">II", p, 0)
            return RstStream(sid & 0x7FFFFFFF, status)
        if kind == SETTINGS:
            (count,) = struct.unpack_from(">I", p, 0)
            entries = []
            for i in range(count):
                fid, value = struct.unpack_from(">II", p, 4 + 8 * i)
                entries.append((fid >> 24, fid & 0xFFFFFF, value))
            return Settings(tuple(entries))
        if kind == PING:
            return Ping(struct.unpack_from(">I", p, 0)[0])
        if kind == GOAWAY:
            last, status = (
                struct.unpack_from(">II", p, 0)
                if len(p) >= 8
                else (*struct.unpack_from(">I", p, 0), 0)
            )
            return GoAway(last & 0x7FFFFFFF, status)
        if kind == WINDOW_UPDATE:
            sid, delta = struct.unpack_from(">II", p, 0)
            return WindowUpdate(sid & 0x7FFFFFFF, delta & 0x7FFFFFFF)
        return None


class FrameReader:
    """Reassembles frames from chunks of a byte stream."""

    def __init__(self, codec: FrameCodec) -> None:
        self._codec = codec
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[Frame]:
        self._buffer += chunk
        frames: list[Frame] = []
        while len(self._buffer) >= 8:
            length = int.from_bytes(self._buffer[5:8], "big")
            if len(self._buffer) < 8 + length:
                break
            head = bytes(self._buffer[:8])
            payload = bytes(self._buffer[8 : 8 + length])
            del self._buffer[: 8 + length]
            frame = self._codec.decode(head, payload)
            if frame is not None:
                frames.append(frame)
        return frames
