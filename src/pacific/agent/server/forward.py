"""portForward: one WebSocket per forwarded TCP connection, relayed to the sandbox port.

The internal wire (API server <-> agent) is binary messages with one leading byte:
0 data, 1 error (UTF-8 text; the connection to the port failed or broke), 255 the sender
will write no more (TCP half-close). Either side may send 255 once; the connection closes
when the pod side's reader is done and the API server side has half-closed or gone.
"""

from __future__ import annotations

import asyncio
import contextlib

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from pacific.agent.runtimes.protocol import RuntimeFailure
from pacific.agent.server.targets import SandboxTarget

DATA = 0
ERROR = 1
EOF_ = 255
CHUNK = 32 * 1024


async def forward(ws: ServerConnection, target: SandboxTarget, port: int) -> None:
    try:
        reader, writer = await target.streamer.port_forward(target.id, port)
    except (OSError, RuntimeFailure) as exc:
        message = f"error forwarding port {port} to pod sandbox {target.id}: {exc}"
        with contextlib.suppress(ConnectionClosed):
            await ws.send(bytes((ERROR,)) + message.encode())
        return
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(_to_pod(ws, writer))
            await _from_pod(ws, reader)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ConnectionError):
            await writer.wait_closed()


async def _to_pod(ws: ServerConnection, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionClosed, ConnectionError):
        async for message in ws:
            if isinstance(message, str) or not message:
                continue
            if message[0] == DATA:
                writer.write(message[1:])
                await writer.drain()
            elif message[0] == EOF_:
                if writer.can_write_eof():
                    writer.write_eof()
                return
    writer.close()


async def _from_pod(ws: ServerConnection, reader: asyncio.StreamReader) -> None:
    try:
        while data := await reader.read(CHUNK):
            await ws.send(bytes((DATA,)) + data)
        await ws.send(bytes((EOF_,)))
    except ConnectionClosed:
        return
    except (OSError, ConnectionError) as exc:
        with contextlib.suppress(ConnectionClosed):
            await ws.send(bytes((ERROR,)) + str(exc).encode())
