"""WebSocket channel framing (`v4.channel.k8s.io`, `v5.channel.k8s.io`), as kubelet speaks it.

Every binary message starts with one channel byte; the rest is that channel's payload.
For exec and attach the channels are fixed: 0 stdin, 1 stdout, 2 stderr, 3 error (one JSON
`Status` when the session ends), 4 resize (JSON `{"Width": w, "Height": h}`) and, in v5
only, 255 close: a message `[255, c]` says the client will write no more on channel `c`
(stdin's half-close). An empty message, or one that is only a channel byte, carries no
data and is ignored.

For port-forward over WebSocket (the Python client) port number i of `?ports=` gets
channels 2i (data) and 2i+1 (error); the server's first message on each of them is the port
as a little-endian uint16, so the client can tell which is which.

The status written on channel 3 follows kubelet: `Success` on exit code 0, else a Failure
with reason `NonZeroExitCode` and one cause `ExitCode` whose message is the code; kubectl
exits with that code. Any other failure is an `InternalError` Failure with its message.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

import orjson

from pacific.streams.errors import ChannelError

V4 = "v4.channel.k8s.io"
V5 = "v5.channel.k8s.io"
SUPPORTED = (V5, V4)  # preference order when a client offers several
PORT_FORWARD_SPDY_TUNNEL = "SPDY/3.1+portforward.k8s.io"

STDIN = 0
STDOUT = 1
STDERR = 2
ERROR = 3
RESIZE = 4
CLOSE = 255


def choose(offered: Iterable[str], supported: Iterable[str] = SUPPORTED) -> str | None:
    """The first of `supported` the client offered (None: nothing in common)."""
    wanted = {p.strip() for p in offered}
    return next((p for p in supported if p in wanted), None)


def frame(channel: int, data: bytes = b"") -> bytes:
    if not 0 <= channel <= 255:
        raise ChannelError(f"channel {channel} out of range")
    return bytes((channel,)) + data


def split(message: bytes) -> tuple[int, bytes]:
    """(channel, payload) of one binary message."""
    if not message:
        raise ChannelError("empty channel message")
    return message[0], message[1:]


def parse_resize(payload: bytes) -> tuple[int, int]:
    """(cols, rows) from a resize message; ChannelError when it is not one."""
    try:
        size = orjson.loads(payload)
        width, height = int(size["Width"]), int(size["Height"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ChannelError(f"bad resize message: {payload[:64]!r}") from exc
    if width < 0 or height < 0 or width > 0xFFFF or height > 0xFFFF:
        raise ChannelError(f"terminal size out of range: {width}x{height}")
    return width, height


def resize(cols: int, rows: int) -> bytes:
    return frame(RESIZE, orjson.dumps({"Width": cols, "Height": rows}))


def exit_status(code: int) -> bytes:
    """The Status JSON kubelet writes on the error channel when a process exits."""
    if code == 0:
        return orjson.dumps({"metadata": {}, "status": "Success"})
    return orjson.dumps(
        {
            "metadata": {},
            "status": "Failure",
            "message": f"command terminated with non-zero exit code: exit status {code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
        }
    )


def error_status(message: str) -> bytes:
    """A Failure Status for a session that could not run at all."""
    return orjson.dumps(
        {
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": "InternalError",
            "code": 500,
        }
    )


def port_prefix(port: int) -> bytes:
    if not 0 < port <= 0xFFFF:
        raise ChannelError(f"port {port} out of range")
    return struct.pack("<H", port)


def parse_ports(values: Iterable[str]) -> tuple[int, ...]:
    """`?ports=80,8080&ports=9090` -> (80, 8080, 9090); ValueError names a bad one."""
    out: list[int] = []
    for value in values:
        for part in value.split(","):
            text = part.strip()
            if not text:
                continue
            port = int(text) if text.isdigit() else -1
            if not 0 < port <= 0xFFFF:
                raise ValueError(f"invalid port {text!r}")
            out.append(port)
    return tuple(out)
