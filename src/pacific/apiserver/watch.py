"""Watch over chunked HTTP: one JSON event per line, fanned out from the watch cache.

Start point (kube semantics):
- resourceVersion unset: consistent current state as ADDED events, then changes;
- "0": the cache's current state as ADDED events, then changes;
- "N": every change after N (ERROR 410 Expired and close when N is older than the cache's
  ring holds);
- sendInitialEvents=true (with resourceVersionMatch=NotOlderThan and bookmarks): the state
  as ADDED, then a BOOKMARK annotated `k8s.io/initial-events-end: "true"`;
  sendInitialEvents=false: no initial state.
The stream ends at timeoutSeconds (default: a random time in [min, 2*min) like kube), when
the client goes away, when the watcher falls too far behind, or at server shutdown. With
allowWatchBookmarks a BOOKMARK carrying the cache's revision is sent whenever the stream was
idle for `bookmark_interval_s` (only with an empty queue, so it never overtakes an event).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from pacific.api.errors import APIError, BadRequest
from pacific.api.resources import Obj, ResourceType
from pacific.api.table import table_for
from pacific.apiserver import params, render
from pacific.apiserver.context import Call, Server
from pacific.apiserver.entries import Entry
from pacific.apiserver.negotiation import JSON, Output
from pacific.apiserver.reads import make_filter, synced_cache
from pacific.apiserver.registry import parse_resource_version
from pacific.apiserver.watchcache import ADDED, DELETED, MODIFIED, Watcher

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
EVENT_HEADS = {t: b'{"type":"' + t.encode() + b'","object":' for t in (ADDED, MODIFIED, DELETED)}


def bookmark_line(rt: ResourceType, revision: int, initial_end: bool = False) -> bytes:
    meta: Obj = {"resourceVersion": str(revision), "creationTimestamp": None}
    if initial_end:
        meta["annotations"] = {INITIAL_EVENTS_END: "true"}
    obj = {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}
    return orjson.dumps({"type": "BOOKMARK", "object": obj}) + b"\n"


def error_line(err: APIError) -> bytes:
    return orjson.dumps({"type": "ERROR", "object": err.status()}) + b"\n"


class Encoder:
    """Event lines in the negotiated representation (JSON: the cached object bytes, framed)."""

    def __init__(self, server: Server, call: Call) -> None:
        self.server = server
        self.call = call
        self.include = call.query.get("includeObject", "Metadata")

    def _convert(self, raw: bytes) -> Obj:
        obj: Obj = orjson.loads(raw)
        if self.call.output is Output.METADATA:
            return render.partial_metadata(obj)
        rv = (obj.get("metadata") or {}).get("resourceVersion", "")
        return table_for(
            self.call.rt,
            [obj],
            include_object=self.include,
            list_meta={"resourceVersion": rv},
            now=self.server.clock(),
        )

    def write(self, out: list[bytes], event_type: str, entry: Entry) -> None:
        """Append the event's line to `out`; JSON lines are the cached bytes, not a copy."""
        if self.call.output is Output.JSON or self.call.output is Output.YAML:
            out.extend((EVENT_HEADS[event_type], entry.raw, b"}\n"))
        else:
            line = {"type": event_type, "object": self._convert(entry.raw)}
            out.append(orjson.dumps(line) + b"\n")


def timeout_of(server: Server, query: dict[str, str]) -> float:
    seconds = params.integer(query, "timeoutSeconds")
    if seconds is not None and seconds > 0:
        return float(seconds)
    low = server.config.min_request_timeout_s
    return random.uniform(low, 2 * low)


async def _until_disconnect(receive: Receive, watcher: Watcher) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            watcher.close()
            return


async def watch(server: Server, call: Call, send: Send, receive: Receive) -> None:
    rt, query = call.rt, call.query
    rv_text = query.get("resourceVersion", "")
    bookmarks = params.flag(query, "allowWatchBookmarks")
    initial_param = query.get("sendInitialEvents")
    send_initial = params.flag(query, "sendInitialEvents") if initial_param is not None else None
    if send_initial is not None and (
        query.get("resourceVersionMatch") != "NotOlderThan" or not bookmarks
    ):
        raise BadRequest(
            "sendInitialEvents: Forbidden: sendInitialEvents requires setting "
            "resourceVersionMatch to NotOlderThan and allowWatchBookmarks"
        )
    accept = make_filter(rt, query)
    name = call.route.name
    if name:
        inner = accept

        def by_name(attrs: Obj) -> bool:
            return (attrs.get("metadata") or {}).get("name") == name and (
                inner is None or inner(attrs)
            )

        accept = by_name
    deadline = asyncio.get_running_loop().time() + timeout_of(server, query)
    rv = parse_resource_version(rv_text) if rv_text else None
    start_from_state = rv in (None, 0)
    cache, _revision = await synced_cache(server, rt, rv)
    encoder = Encoder(server, call)
    lines: list[bytes] = []
    try:
        if start_from_state:
            watcher, initial = cache.watch(call.namespace, accept, None)
            if send_initial is False:
                initial = []
            for entry in initial:
                encoder.write(lines, ADDED, entry)
            if send_initial:
                lines.append(bookmark_line(rt, cache.revision, initial_end=True))
        else:
            watcher, _ = cache.watch(call.namespace, accept, rv)
    except APIError as err:
        await _start(send)
        await send({"type": "http.response.body", "body": error_line(err), "more_body": False})
        return
    try:
        await _start(send)
        async with asyncio.TaskGroup() as tg:
            listener = tg.create_task(_until_disconnect(receive, watcher))
            try:
                await _stream(server, rt, watcher, encoder, send, lines, deadline, bookmarks)
            finally:
                listener.cancel()
    finally:
        cache.stop(watcher)
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _start(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", JSON.encode()), (b"cache-control", b"no-cache, private")],
        }
    )


async def _stream(
    server: Server,
    rt: ResourceType,
    watcher: Watcher,
    encoder: Encoder,
    send: Send,
    lines: list[bytes],
    deadline: float,
    bookmarks: bool,
) -> None:
    loop = asyncio.get_running_loop()
    interval = server.config.bookmark_interval_s
    cache = server.caches.of(rt)
    next_bookmark = loop.time() + interval
    while True:
        while watcher.queue:
            event_type, event = watcher.queue.popleft()
            encoder.write(lines, event_type, event.entry)
        if lines:
            await send({"type": "http.response.body", "body": b"".join(lines), "more_body": True})
            lines = []
            next_bookmark = loop.time() + interval
            continue
        if watcher.closed:
            return
        now = loop.time()
        if now >= deadline:
            return
        if bookmarks and now >= next_bookmark:
            lines.append(bookmark_line(rt, cache.revision))
            continue
        watcher.wake.clear()
        wait = deadline - now
        if bookmarks:
            wait = min(wait, next_bookmark - now)
        try:
            async with asyncio.timeout(wait):
                await watcher.wake.wait()
        except TimeoutError:
            pass
