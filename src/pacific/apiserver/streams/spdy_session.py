"""kubectl's port-forward: a SPDY/3.1 server session over a WebSocket byte tunnel.

kubectl opens, per forwarded connection (`requestid`), an error stream and then a data
stream (SYN_STREAM headers `streamtype`, `port`, `requestid`); each is accepted with a
SYN_REPLY. Once both exist the pair is served by one agent connection: client DATA on the
data stream goes up, its FIN half-closes; agent data comes back as DATA, agent errors are
written on the error stream, and the pair ends with FIN on both. RST_STREAM from kubectl
(it removes streams when the local connection ends) cancels the pair. PINGs are echoed.
Frames are written under one lock so header compression stays in order on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from pacific.api.errors import APIError
from pacific.apiserver.context import Server
from pacific.apiserver.streams import asgi
from pacific.apiserver.streams.agent import PodOnAgent
from pacific.apiserver.streams.forward import open_upstream, pump_down, send_up
from pacific.streams import channels, spdy
from pacific.streams.errors import StreamProtocolError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Pair:
    request_id: str
    port: int = 0
    error_id: int = 0
    data_id: int = 0
    incoming: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None


class Session:
    def __init__(self, server: Server, target: PodOnAgent, send: asgi.Send) -> None:
        self.server, self.target, self._send = server, target, send
        self.codec = spdy.FrameCodec()
        self.pairs: dict[str, Pair] = {}
        self.by_stream: dict[int, Pair] = {}
        self._lock = asyncio.Lock()

    async def write(self, frame: spdy.Frame) -> None:
        async with self._lock:
            await asgi.send_bytes(self._send, self.codec.encode(frame))

    async def on_frame(self, frame: spdy.Frame, tg: asyncio.TaskGroup) -> bool:
        """Handle one frame; False when the session is over."""
        match frame:
            case spdy.SynStream(stream_id, headers):
                await self.write(spdy.SynReply(stream_id, {}))
                self._open(stream_id, headers, tg)
            case spdy.Data(stream_id, data, fin):
                pair = self.by_stream.get(stream_id)
                if pair is not None and stream_id == pair.data_id:
                    if data:
                        pair.incoming.put_nowait(data)
                    if fin:
                        pair.incoming.put_nowait(None)
            case spdy.RstStream(stream_id):
                pair = self.by_stream.get(stream_id)
                if pair is not None and pair.task is not None:
                    pair.task.cancel()
            case spdy.Ping(ping_id):
                await self.write(spdy.Ping(ping_id))
            case spdy.GoAway():
                return False
        return True

    def _open(self, stream_id: int, headers: dict[str, str], tg: asyncio.TaskGroup) -> None:
        request_id = headers.get("requestid", "")
        pair = self.pairs.setdefault(request_id, Pair(request_id))
        port = headers.get("port", "")
        pair.port = int(port) if port.isdigit() else 0
        if headers.get("streamtype") == "error":
            pair.error_id = stream_id
        elif headers.get("streamtype") == "data":
            pair.data_id = stream_id
        else:
            return
        self.by_stream[stream_id] = pair
        if pair.error_id and pair.data_id and pair.task is None:
            pair.task = tg.create_task(self._serve(pair))

    async def _serve(self, pair: Pair) -> None:
        try:
            await self._relay(pair)
        finally:
            with contextlib.suppress(Exception):
                await self.write(spdy.Data(pair.error_id, b"", fin=True))
            self.pairs.pop(pair.request_id, None)
            self.by_stream.pop(pair.error_id, None)
            self.by_stream.pop(pair.data_id, None)

    async def _relay(self, pair: Pair) -> None:
        try:
            upstream = await open_upstream(self.server, self.target, pair.port)
        except APIError as err:
            await self.write(spdy.Data(pair.error_id, err.message.encode()))
            await self.write(spdy.Data(pair.data_id, b"", fin=True))
            return

        async def data(chunk: bytes) -> None:
            await self.write(spdy.Data(pair.data_id, chunk))

        async def error(text: bytes) -> None:
            await self.write(spdy.Data(pair.error_id, text))

        async def eof(_: bytes) -> None:
            await self.write(spdy.Data(pair.data_id, b"", fin=True))

        async def up() -> None:
            while True:
                chunk = await pair.incoming.get()
                await send_up(upstream, chunk)
                if chunk is None:
                    return

        async with upstream, asyncio.TaskGroup() as tg:
            client = tg.create_task(up())
            await pump_down(upstream, data, error, eof)
            client.cancel()


async def serve_spdy(
    server: Server, target: PodOnAgent, receive: asgi.Receive, send: asgi.Send
) -> None:
    await asgi.accept(send, channels.PORT_FORWARD_SPDY_TUNNEL)
    session = Session(server, target, send)
    reader = spdy.FrameReader(session.codec)
    async with asyncio.TaskGroup() as tg:
        try:
            while (chunk := await asgi.next_bytes(receive)) is not None:
                frames = reader.feed(chunk)
                if not all([await session.on_frame(f, tg) for f in frames]):
                    break
        except StreamProtocolError as exc:
            log.info("closing a port-forward session: %s", exc)
        for pair in list(session.pairs.values()):
            if pair.task is not None:
                pair.task.cancel()
    with contextlib.suppress(Exception):
        await asgi.close(send)
