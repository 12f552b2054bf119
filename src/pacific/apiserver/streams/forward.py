"""pods/portforward: each forwarded connection is one agent WebSocket (`Upstream`).

Two client protocols end here:

- WebSocket `v4/v5.channel.k8s.io` with `?ports=` (the Python client): port i gets
  channels 2i (data) and 2i+1 (error), each announced by a first message holding the port
  as little-endian uint16; one agent connection per port, opened at once (`serve_channels`).
- SPDY/3.1 tunnelled in WebSocket binary messages, subprotocol
  `SPDY/3.1+portforward.k8s.io` (kubectl 1.32, `spdy_session.serve_spdy`).

The agent leg (see `pacific.agent.server.forward`): messages `[0]+data`, `[1]+error`,
`[255]` half-close.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from pacific.api.errors import APIError, BadRequest
from pacific.apiserver.context import Server
from pacific.apiserver.streams import asgi
from pacific.apiserver.streams.agent import PodOnAgent, dial
from pacific.streams import channels

DATA = 0
ERROR = 1
EOF = 255

Sink = Callable[[bytes], Awaitable[None]]


async def open_upstream(server: Server, target: PodOnAgent, port: int) -> ClientConnection:
    return await dial(server.config, target, target.url("portForward", "", {"port": str(port)}))


async def pump_down(
    upstream: ClientConnection, on_data: Sink, on_error: Sink, on_eof: Sink
) -> None:
    """Agent -> client until the agent closes."""
    with contextlib.suppress(ConnectionClosed):
        async for message in upstream:
            if isinstance(message, str) or not message:
                continue
            if message[0] == DATA:
                await on_data(message[1:])
            elif message[0] == ERROR:
                await on_error(message[1:])
            elif message[0] == EOF:
                await on_eof(b"")


async def send_up(upstream: ClientConnection, data: bytes | None) -> None:
    """Client -> agent: data, or None for the client's half-close."""
    with contextlib.suppress(ConnectionClosed):
        await upstream.send(bytes((EOF,)) if data is None else bytes((DATA,)) + data)


async def serve_channels(
    server: Server,
    target: PodOnAgent,
    query: dict[str, list[str]],
    protocol: str,
    receive: asgi.Receive,
    send: asgi.Send,
) -> None:
    try:
        ports = channels.parse_ports(query.get("ports", []))
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    if not ports:
        raise BadRequest("query parameter 'ports' is required")
    async with contextlib.AsyncExitStack() as stack:
        upstreams = [
            await stack.enter_async_context(await open_upstream(server, target, p)) for p in ports
        ]
        await asgi.accept(send, protocol)
        for i, port in enumerate(ports):
            await asgi.send_bytes(send, channels.frame(2 * i, channels.port_prefix(port)))
            await asgi.send_bytes(send, channels.frame(2 * i + 1, channels.port_prefix(port)))

        def sink(channel: int) -> Sink:
            async def write(data: bytes) -> None:
                if data:
                    await asgi.send_bytes(send, channels.frame(channel, data))

            return write

        async def up() -> None:
            while (message := await asgi.next_bytes(receive)) is not None:
                if not message:
                    continue
                channel, payload = channels.split(message)
                if channel % 2 == 0 and channel // 2 < len(upstreams) and payload:
                    await send_up(upstreams[channel // 2], payload)

        async with asyncio.TaskGroup() as tg:
            client = tg.create_task(up())
            downs = [
                tg.create_task(pump_down(u, sink(2 * i), sink(2 * i + 1), sink(2 * i)))
                for i, u in enumerate(upstreams)
            ]
            await asyncio.wait({client, *downs}, return_when=asyncio.FIRST_COMPLETED)
            if client.done():
                for task in downs:
                    task.cancel()
            else:
                await asyncio.wait(downs)
                client.cancel()
                with contextlib.suppress(Exception):
                    await asgi.close(send)


def refusal_text(err: APIError) -> bytes:
    return err.message.encode()
