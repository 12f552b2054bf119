"""The protobuf wire format, read-only: varints, fixed32/64 and length-delimited fields.

A message is a sequence of (key, value) records; the key is a varint holding
`field_number << 3 | wire_type`. `iter_fields` walks one message level and yields each
record with its raw value: an unsigned int for VARINT, FIXED64 and FIXED32, the bytes for
LEN. What a value means (signed int, bool, string, nested message) is the caller's business.
Groups (wire types 3 and 4) are proto2 features Kubernetes never uses and are rejected.
Every malformed input raises `BadRequest`, never IndexError or ValueError.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import NamedTuple

from pacific.api.errors import BadRequest

_MASK64 = (1 << 64) - 1
_MAX_VARINT_BYTES = 10


class WireType(enum.IntEnum):
    VARINT = 0
    FIXED64 = 1
    LEN = 2
    FIXED32 = 5


class WireField(NamedTuple):
    number: int
    wire_type: WireType
    value: int | bytes


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """The unsigned varint at `pos` and the position after it (at most 10 bytes, 64 bits)."""
    result = 0
    for i in range(_MAX_VARINT_BYTES):
        if pos + i >= len(buf):
            raise BadRequest("protobuf: truncated varint")
        byte = buf[pos + i]
        result |= (byte & 0x7F) << (7 * i)
        if byte < 0x80:
            return result & _MASK64, pos + i + 1
    raise BadRequest("protobuf: varint longer than 10 bytes")


def iter_fields(buf: bytes) -> Iterator[WireField]:
    """Each field record of one message, in wire order."""
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0 or number > 0x1FFFFFFF:
            raise BadRequest(f"protobuf: invalid field number {number}")
        if wire == WireType.VARINT:
            value, pos = read_varint(buf, pos)
            yield WireField(number, WireType.VARINT, value)
        elif wire == WireType.LEN:
            length, pos = read_varint(buf, pos)
            if length > len(buf) - pos:
                raise BadRequest(f"protobuf: field {number} is truncated")
            yield WireField(number, WireType.LEN, buf[pos : pos + length])
            pos += length
        elif wire in (WireType.FIXED64, WireType.FIXED32):
            size = 8 if wire == WireType.FIXED64 else 4
            if size > len(buf) - pos:
                raise BadRequest(f"protobuf: field {number} is truncated")
            yield WireField(number, WireType(wire), int.from_bytes(buf[pos : pos + size], "little"))
            pos += size
        else:
            raise BadRequest(f"protobuf: field {number} has unsupported wire type {wire}")


def read_packed_varints(buf: bytes) -> list[int]:
    """The varints of a packed repeated field, in order."""
    values: list[int] = []
    pos = 0
    while pos < len(buf):
        value, pos = read_varint(buf, pos)
        values.append(value)
    return values


def to_int64(value: int) -> int:
    """Read an unsigned 64-bit varint as Go's int64 (two's complement)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_int32(value: int) -> int:
    """Read a varint as Go's int32: negative int32s are sign-extended to 64 bits on the wire."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value
