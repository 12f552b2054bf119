import orjson
import pytest

from pacific.streams import channels
from pacific.streams.errors import ChannelError


def test_choose_prefers_v5_and_handles_none() -> None:
    assert channels.choose(["v4.channel.k8s.io", "v5.channel.k8s.io"]) == channels.V5
    assert channels.choose([" v4.channel.k8s.io"]) == channels.V4
    assert channels.choose(["base64.channel.k8s.io"]) is None


def test_frame_and_split_golden() -> None:
    assert channels.frame(channels.STDOUT, b"hi") == b"\x01hi"
    assert channels.frame(channels.CLOSE, b"\x00") == b"\xff\x00"
    assert channels.split(b"\x02err") == (2, b"err")
    with pytest.raises(ChannelError):
        channels.split(b"")
    with pytest.raises(ChannelError):
        channels.frame(256)


def test_resize_round_trip_and_rejects_garbage() -> None:
    message = channels.resize(80, 24)
    assert message == b'\x04{"Width":80,"Height":24}'
    assert channels.parse_resize(message[1:]) == (80, 24)
    for bad in (b"{}", b"nope", b'{"Width":-1,"Height":2}', b'{"Width":"a","Height":2}'):
        with pytest.raises(ChannelError):
            channels.parse_resize(bad)


def test_exit_status_matches_kubelet() -> None:
    assert orjson.loads(channels.exit_status(0)) == {"metadata": {}, "status": "Success"}
    failure = orjson.loads(channels.exit_status(3))
    assert failure["status"] == "Failure"
    assert failure["reason"] == "NonZeroExitCode"
    assert failure["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    assert orjson.loads(channels.error_status("boom"))["message"] == "boom"


def test_port_prefix_is_little_endian() -> None:
    assert channels.port_prefix(8080) == b"\x90\x1f"
    with pytest.raises(ChannelError):
        channels.port_prefix(0)


def test_parse_ports() -> None:
    assert channels.parse_ports(["80,8080", "9090"]) == (80, 8080, 9090)
    with pytest.raises(ValueError, match="70000"):
        channels.parse_ports(["70000"])
    with pytest.raises(ValueError):
        channels.parse_ports(["x"])
