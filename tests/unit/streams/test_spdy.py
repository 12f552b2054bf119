import struct
import zlib

import pytest

from pacific.streams import spdy
from pacific.streams.errors import SPDYError
from pacific.streams.spdy_headers import (
    DICTIONARY,
    HeaderCompressor,
    HeaderDecompressor,
    decode_block,
    encode_block,
)


def test_dictionary_is_the_spdy3_one() -> None:
    # Size and zlib checksum of the SPDY/3 draft's dictionary: a peer's compressed block
    # names the checksum, so a wrong byte here fails every header block.
    assert len(DICTIONARY) == 1423
    assert zlib.adler32(DICTIONARY) == 0xE3C6A7C2
    assert DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")
    assert DICTIONARY.endswith(b",*,enq=0.")


def test_header_block_golden() -> None:
    block = encode_block({"StreamType": "data", "port": "80"})
    assert block == (
        b"\x00\x00\x00\x02"
        b"\x00\x00\x00\x0astreamtype\x00\x00\x00\x04data"
        b"\x00\x00\x00\x04port\x00\x00\x00\x0280"
    )
    assert decode_block(block) == {"streamtype": "data", "port": "80"}
    with pytest.raises(SPDYError):
        decode_block(block[:-1])
    with pytest.raises(SPDYError):
        decode_block(block + b"x")


def test_compressed_blocks_share_one_zlib_stream() -> None:
    out, back = HeaderCompressor(), HeaderDecompressor()
    first = out.compress({"streamtype": "error", "requestid": "0"})
    second = out.compress({"streamtype": "data", "requestid": "0"})
    # zlib header with FDICT set and the dictionary's checksum, only on the first block
    assert first[:2] == b"\x78\xbb"
    assert first[2:6] == struct.pack(">I", zlib.adler32(DICTIONARY))
    assert back.decompress(first) == {"streamtype": "error", "requestid": "0"}
    assert back.decompress(second) == {"streamtype": "data", "requestid": "0"}


def test_data_frame_golden() -> None:
    codec = spdy.FrameCodec()
    assert codec.encode(spdy.Data(5, b"abc", fin=True)) == b"\x00\x00\x00\x05\x01\x00\x00\x03abc"


def test_control_frames_golden() -> None:
    codec = spdy.FrameCodec()
    assert codec.encode(spdy.Ping(7)) == b"\x80\x03\x00\x06\x00\x00\x00\x04\x00\x00\x00\x07"
    assert codec.encode(spdy.RstStream(3, spdy.CANCEL)) == (
        b"\x80\x03\x00\x03\x00\x00\x00\x08\x00\x00\x00\x03\x00\x00\x00\x05"
    )
    assert codec.encode(spdy.GoAway(9)) == (
        b"\x80\x03\x00\x07\x00\x00\x00\x08\x00\x00\x00\x09\x00\x00\x00\x00"
    )
    syn = codec.encode(spdy.SynReply(1, {}))
    assert syn[:8] == b"\x80\x03\x00\x02\x00" + len(syn[8:]).to_bytes(3, "big")
    assert syn[8:12] == b"\x00\x00\x00\x01"


def test_round_trip_through_a_chunked_reader() -> None:
    sender, receiver = spdy.FrameCodec(), spdy.FrameCodec()
    frames: list[spdy.Frame] = [
        spdy.SynStream(1, {"streamtype": "error", "port": "80", "requestid": "0"}),
        spdy.SynStream(3, {"streamtype": "data", "port": "80", "requestid": "0"}, priority=2),
        spdy.SynReply(2, {"a": "b"}, fin=True),
        spdy.Headers(3, {"x": "y"}),
        spdy.Data(3, b"payload"),
        spdy.Data(1, b"", fin=True),
        spdy.Settings(((0, 7, 65536),)),
        spdy.WindowUpdate(3, 1000),
        spdy.Ping(1),
        spdy.RstStream(3, spdy.CANCEL),
        spdy.GoAway(3, 0),
    ]
    wire = b"".join(sender.encode(f) for f in frames)
    reader = spdy.FrameReader(receiver)
    got: list[spdy.Frame] = []
    for i in range(0, len(wire), 5):  # frames split across arbitrary chunk boundaries
        got += reader.feed(wire[i : i + 5])
    assert got == frames


def test_unknown_control_types_are_ignored_and_bad_versions_refused() -> None:
    reader = spdy.FrameReader(spdy.FrameCodec())
    assert reader.feed(b"\x80\x03\x00\x63\x00\x00\x00\x01z") == []
    with pytest.raises(SPDYError, match="version"):
        reader.feed(b"\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01")


def test_short_control_frame_is_an_error() -> None:
    with pytest.raises(SPDYError):
        spdy.FrameReader(spdy.FrameCodec()).feed(b"\x80\x03\x00\x06\x00\x00\x00\x02\x00\x00")
