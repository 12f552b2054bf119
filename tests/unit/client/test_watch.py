from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing

import httpx
import orjson
import pytest

from pacific.api.errors import Forbidden, Gone
from pacific.api.resources import ResourceType
from pacific.client.client import Client
from pacific.client.errors import DecodeError, TransportError
from pacific.client.watch import decode_event

PODS = ResourceType("", "v1", "Pod", "pods", "pod", namespaced=True)
MakeClient = Callable[..., Client]


def line(type_: str, obj: dict[str, object]) -> bytes:
    return orjson.dumps({"type": type_, "object": obj}) + b"\n"


def pod(name: str, rv: str) -> dict[str, object]:
    return {"kind": "Pod", "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}}


GONE = {"kind": "Status", "status": "Failure", "reason": "Expired", "code": 410, "message": "old"}


def streaming(*chunks: bytes | Exception) -> Callable[[httpx.Request], httpx.Response]:
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            if isinstance(chunk, Exception):
                raise chunk
            yield chunk

    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    return handler


def test_decode_event() -> None:
    ev = decode_event(line("ADDED", pod("a", "5")))
    assert ev.type == "ADDED" and ev.resource_version == "5"
    with pytest.raises(Gone):
        decode_event(line("ERROR", GONE))
    with pytest.raises(DecodeError):
        decode_event(b"not json")
    with pytest.raises(DecodeError):
        decode_event(b'{"type": "WHAT", "object": {}}')


async def test_watch_streams_events_split_across_chunks(make_client: MakeClient) -> None:
    data = line("ADDED", pod("a", "2")) + line("BOOKMARK", {"metadata": {"resourceVersion": "3"}})
    data += line("DELETED", pod("a", "4"))
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]
    async with make_client(streaming(*chunks)) as c:
        events = [e async for e in c.watch(PODS, "ns", resource_version="1")]
    assert [(e.type, e.resource_version) for e in events] == [
        ("ADDED", "2"),
        ("BOOKMARK", "3"),
        ("DELETED", "4"),
    ]


async def test_watch_query_parameters(make_client: MakeClient) -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, content=b"")

    async with make_client(handler) as c:
        async for _ in c.watch(
            PODS, resource_version="10", label_selector="a=b", timeout_seconds=30
        ):
            pass
    params = seen[0].url.params
    assert seen[0].url.path == "/api/v1/pods"
    assert params["watch"] == "true" and params["resourceVersion"] == "10"
    assert params["allowWatchBookmarks"] == "true" and params["timeoutSeconds"] == "30"
    assert params["labelSelector"] == "a=b"


async def test_watch_error_410_raises_gone(make_client: MakeClient) -> None:
    handler = streaming(line("ADDED", pod("a", "2")), line("ERROR", GONE))
    got = []
    async with make_client(handler) as c:
        with pytest.raises(Gone):
            async for ev in c.watch(PODS, "ns", resource_version="1"):
                got.append(ev)
    assert len(got) == 1


async def test_watch_refused_up_front_raises_status_error(make_client: MakeClient) -> None:
    body = {"kind": "Status", "reason": "Forbidden", "code": 403, "message": "no"}
    async with make_client(lambda r: httpx.Response(403, content=orjson.dumps(body))) as c:
        with pytest.raises(Forbidden):
            async for _ in c.watch(PODS, "ns", resource_version="1"):
                pass


async def test_broken_stream_raises_transport_error(make_client: MakeClient) -> None:
    handler = streaming(line("ADDED", pod("a", "2")), httpx.ReadError("reset"))
    async with make_client(handler) as c:
        with pytest.raises(TransportError):
            async with aclosing(c.watch(PODS, "ns", resource_version="1")) as events:
                async for _ in events:
                    pass
