"""SPDY/3 name/value header blocks and their zlib compression.

A header block is `count:u32` then `count` pairs of `len:u32 name len:u32 value`, all
big-endian; names are lowercase ASCII, and several values of one name are joined with NUL.
Every block on a connection is compressed with one zlib stream per direction (never
reset), primed with the dictionary from the SPDY/3 draft and flushed with Z_SYNC_FLUSH
after each block, so a block can be inflated as soon as its frame arrives. A peer that used
another dictionary is detected by zlib's dictionary checksum.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping

from pacific.streams.errors import SPDYError

_WORDS = (
    "options",
    "head",
    "post",
    "put",
    "delete",
    "trace",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "connection",
    "content-base",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-md5",
    "content-range",
    "content-type",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "pragma",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "retry-after",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "vary",
    "via",
    "warning",
    "www-authenticate",
    "method",
    "get",
    "status",
    "200 OK",
    "version",
    "HTTP/1.1",
    "url",
    "public",
    "set-cookie",
    "keep-alive",
    "origin",
)
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417"
    "502504505203 Non-Authoritative Information204 No Content301 Moved Permanently"
    "400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error"
    "501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct "
    "Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,"
    "image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8"
    "charset=iso-8859-1,utf-,*,enq=0."
)
# The SPDY/3 zlib dictionary: each word with its u32 length in front, then the tail as is.
DICTIONARY = b"".join(struct.pack(">I", len(w)) + w.encode() for w in _WORDS) + _TAIL.encode()

Headers = Mapping[str, str]


def encode_block(headers: Headers) -> bytes:
    """The uncompressed block; names are lowercased (SPDY requires it)."""
    out = [struct.pack(">I", len(headers))]
    for name, value in headers.items():
        key, val = name.lower().encode(), value.encode()
        out.append(struct.pack(">I", len(key)) + key + struct.pack(">I", len(val)) + val)
    return b"".join(out)


def decode_block(block: bytes) -> dict[str, str]:
    """Pairs of an uncompressed block; names lowercased, repeated values NUL-joined."""
    try:
        (count,) = struct.unpack_from(">I", block, 0)
        offset = 4
        out: dict[str, str] = {}
        for _ in range(count):
            (n,) = struct.unpack_from(">I", block, offset)
            name = block[offset + 4 : offset + 4 + n]
            offset += 4 + n
            (v,) = struct.unpack_from(">I", block, offset)
            value = block[offset + 4 : offset + 4 + v]
            offset += 4 + v
            if len(name) != n or len(value) != v or not name:
                raise SPDYError("truncated header block")
            out[name.decode("latin-1").lower()] = value.decode("latin-1")
    except struct.error as exc:
        raise SPDYError("truncated header block") from exc
    if offset != len(block):
        raise SPDYError("trailing bytes after the header block")
    return out


class HeaderCompressor:
    """One direction's zlib stream (the sending side of a connection)."""

    def __init__(self) -> None:
        self._z = zlib.compressobj(
            zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, 15, 8, zdict=DICTIONARY
        )

    def compress(self, headers: Headers) -> bytes:
        return self._z.compress(encode_block(headers)) + self._z.flush(zlib.Z_SYNC_FLUSH)


class HeaderDecompressor:
    """The receiving side's zlib stream."""

    def __init__(self) -> None:
        self._z = zlib.decompressobj(zdict=DICTIONARY)

    def decompress(self, data: bytes) -> dict[str, str]:
        if not data:
            return {}
        try:
            block = self._z.decompress(data)
        except zlib.error as exc:
            raise SPDYError(f"bad compressed header block: {exc}") from exc
        return decode_block(block)
