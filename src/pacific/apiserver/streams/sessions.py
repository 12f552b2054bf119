"""exec and attach: the client's channel WebSocket relayed to the agent's, frame by frame.

The API server speaks to the agent in the subprotocol the client chose (v5 or v4), so the
relay copies binary messages unchanged in both directions: stdin/resize/close from the
client, stdout/stderr/status from the agent. When either side ends, the other is closed.
Query parameters kept: command (repeated), stdin, stdout, stderr, tty; `container` picks
the container (`containers.pick`).
"""

from __future__ import annotations

import asyncio
import contextlib

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from pacific.api.errors import BadRequest
from pacific.apiserver.context import Server
from pacific.apiserver.streams import asgi
from pacific.apiserver.streams.agent import PodOnAgent, dial
from pacific.apiserver.streams.containers import pick
from pacific.streams import channels

SESSION_FLAGS = ("stdin", "stdout", "stderr", "tty")


def agent_query(kind: str, query: dict[str, list[str]]) -> dict[str, list[str]]:
    out = {k: v for k, v in query.items() if k in SESSION_FLAGS}
    if kind == "exec":
        if not query.get("command"):
            raise BadRequest("you must specify at least 1 command")
        out["command"] = query["command"]
    return out


async def relay_session(
    server: Server,
    target: PodOnAgent,
    kind: str,
    query: dict[str, list[str]],
    offered: list[str],
    receive: asgi.Receive,
    send: asgi.Send,
) -> None:
    """Dial the agent (errors raise before accepting the client), then relay."""
    protocol = channels.choose(offered)
    if protocol is None:
        raise BadRequest(
            f"unable to upgrade: no supported subprotocol in {offered}; "
            f"use one of {list(channels.SUPPORTED)}"
        )
    container = pick(target.pod, query.get("container", [""])[-1])
    url = target.url(kind, container, agent_query(kind, query))
    upstream = await dial(server.config, target, url, [protocol])
    async with upstream:
        await asgi.accept(send, protocol)
        await relay(upstream, receive, send)


async def relay(upstream: ClientConnection, receive: asgi.Receive, send: asgi.Send) -> None:
    async def down() -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in upstream:
                data = message.encode() if isinstance(message, str) else message
                await asgi.send_bytes(send, data)

    async def up() -> None:
        while (data := await asgi.next_bytes(receive)) is not None:
            with contextlib.suppress(ConnectionClosed):
                await upstream.send(data)

    async with asyncio.TaskGroup() as tg:
        downstream = tg.create_task(down())
        upstream_task = tg.create_task(up())
        await asyncio.wait({downstream, upstream_task}, return_when=asyncio.FIRST_COMPLETED)
        if downstream.done():
            upstream_task.cancel()
            await asgi.close(send)
        else:
            downstream.cancel()
            await upstream.close()
