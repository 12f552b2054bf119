"""pods/log: the container's log from its agent, streamed as text/plain.

kube's query parameters are checked here (400 on bad values) and passed to the agent in
its own form: `sinceSeconds`/`sinceTime` become one absolute bound in nanoseconds
(`sinceNs`), the rest keep their names. The body is relayed chunk by chunk as the agent
sends it (chunked transfer encoding; a follow stays open until the container stops or the
client goes away). Errors found before the first byte are ordinary `Status` responses.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from websockets.exceptions import ConnectionClosed

from pacific.api.errors import BadRequest
from pacific.apiserver.context import Call, Server
from pacific.apiserver.streams import asgi
from pacific.apiserver.streams.agent import dial, locate
from pacific.apiserver.streams.containers import pick
from pacific.streams import crilog
from pacific.streams.errors import LogFormatError

FLAGS = ("follow", "previous", "timestamps")
NS = 1_000_000_000


def _positive(query: dict[str, str], name: str, minimum: int) -> int | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if not value.lstrip("-").isdigit() or int(value) < minimum:
        raise BadRequest(f"{name}: Invalid value: {value!r}: must be greater than {minimum - 1}")
    return int(value)


def agent_query(query: dict[str, str], now: dt.datetime) -> dict[str, str]:
    """The agent's query for kube's pods/log query; BadRequest on bad values."""
    out = {f: "true" for f in FLAGS if query.get(f, "").lower() in ("true", "1")}
    tail = _positive(query, "tailLines", 0)
    limit = _positive(query, "limitBytes", 1)
    since_seconds = _positive(query, "sinceSeconds", 1)
    since_time = query.get("sinceTime", "")
    if since_seconds is not None and since_time:
        raise BadRequest("at most one of sinceTime or sinceSeconds may be specified")
    if tail is not None:
        out["tailLines"] = str(tail)
    if limit is not None:
        out["limitBytes"] = str(limit)
    if since_seconds is not None:
        out["sinceNs"] = str(int(now.timestamp()) * NS - since_seconds * NS)
    elif since_time:
        try:
            out["sinceNs"] = str(crilog.parse_time(since_time))
        except LogFormatError as exc:
            raise BadRequest(f"sinceTime: Invalid value: {since_time!r}") from exc
    return out


async def stream_log(server: Server, call: Call, send: asgi.Send, receive: asgi.Receive) -> None:
    namespace = call.namespace or ""
    target = await locate(server, namespace, call.route.name)
    container = pick(target.pod, call.query.get("container", ""))
    url = target.url("containerLogs", container, agent_query(call.query, server.clock()))
    upstream = await dial(server.config, target, url)
    async with upstream:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain")],
            }
        )

        async def body() -> None:
            with contextlib.suppress(ConnectionClosed):
                async for chunk in upstream:
                    data = chunk.encode() if isinstance(chunk, str) else chunk
                    await send({"type": "http.response.body", "body": data, "more_body": True})

        async def gone() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        async with asyncio.TaskGroup() as tg:
            relay, watch = tg.create_task(body()), tg.create_task(gone())
            await asyncio.wait({relay, watch}, return_when=asyncio.FIRST_COMPLETED)
            relay.cancel()
            watch.cancel()
        await send({"type": "http.response.body", "body": b""})
