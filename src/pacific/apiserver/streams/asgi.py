"""The ASGI edge of the stream handlers: WebSocket accept/deny/relay helpers.

A WebSocket that cannot be served is denied before the upgrade with an HTTP response
carrying the `Status` (ASGI's websocket.http.response extension), exactly as a refused
plain request would be, so kubectl prints the server's message (and falls back from
WebSocket to SPDY only when the upgrade itself is the problem).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from pacific.api.errors import APIError

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def deny(send: Send, err: APIError) -> None:
    body = orjson.dumps(err.status())
    await send(
        {
            "type": "websocket.http.response.start",
            "status": err.code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "websocket.http.response.body", "body": body})


async def accept(send: Send, subprotocol: str | None) -> None:
    await send({"type": "websocket.accept", "subprotocol": subprotocol})


async def send_bytes(send: Send, data: bytes) -> None:
    await send({"type": "websocket.send", "bytes": data})


async def close(send: Send, code: int = 1000) -> None:
    await send({"type": "websocket.close", "code": code})


async def next_bytes(receive: Receive) -> bytes | None:
    """The next binary (or text, as bytes) message; None once the client disconnected."""
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "websocket.disconnect":
            return None
        if kind == "websocket.receive":
            if message.get("bytes") is not None:
                return bytes(message["bytes"])
            if message.get("text") is not None:
                return str(message["text"]).encode()
