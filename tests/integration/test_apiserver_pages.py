"""OpenAPI, health, initial-events watches and graceful shutdown of the real server."""

from __future__ import annotations

import asyncio
import ssl
import time
from pathlib import Path

import httpx
import orjson

from pacific.testing.apiserver import RunningAPIServer, running_apiserver


def client(srv: RunningAPIServer) -> httpx.AsyncClient:
    context = ssl.create_default_context(cafile=str(srv.ca_path))
    headers = {"Authorization": f"Bearer {srv.token}"}
    return httpx.AsyncClient(base_url=srv.url, verify=context, headers=headers, timeout=30)


async def test_openapi_v3_index_documents_and_etag(tmp_path: Path) -> None:
    async with running_apiserver(None, tmp_path) as srv, client(srv) as c:
        index = (await c.get("/openapi/v3")).json()
        url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
        doc = await c.get(url)
        assert doc.status_code == 200 and "immutable" in doc.headers["cache-control"]
        assert "io.k8s.api.apps.v1.Deployment" in doc.json()["components"]["schemas"]
        again = await c.get(
            "/openapi/v3/apis/apps/v1", headers={"If-None-Match": doc.headers["etag"]}
        )
        assert again.status_code == 304
        assert (await c.get("/openapi/v2")).status_code == 404


async def test_send_initial_events_ends_with_annotated_bookmark(tmp_path: Path) -> None:
    async with running_apiserver(None, tmp_path) as srv, client(srv) as c:
        await c.post("/api/v1/namespaces", json={"metadata": {"name": "a"}})
        url = (
            "/api/v1/namespaces?watch=true&sendInitialEvents=true&allowWatchBookmarks=true"
            "&resourceVersionMatch=NotOlderThan"
        )
        async with c.stream("GET", url) as resp:
            lines = resp.aiter_lines()
            first = orjson.loads(await anext(lines))
            second = orjson.loads(await asyncio.wait_for(anext(lines), 5))
    assert first["type"] == "ADDED"
    assert second["type"] == "BOOKMARK"
    assert second["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


async def test_shutdown_closes_open_watches(tmp_path: Path) -> None:
    ended = asyncio.Event()
    started = asyncio.Event()

    async def watch(srv: RunningAPIServer) -> None:
        async with client(srv) as c, c.stream("GET", "/api/v1/pods?watch=true") as resp:
            started.set()
            async for _ in resp.aiter_lines():
                pass
        ended.set()

    async with running_apiserver(None, tmp_path) as srv:
        task = asyncio.create_task(watch(srv))
        await asyncio.wait_for(started.wait(), 5)
        t0 = time.monotonic()
    await asyncio.wait_for(ended.wait(), 5)
    await task
    assert time.monotonic() - t0 < 4


async def test_health_endpoints(tmp_path: Path) -> None:
    async with running_apiserver(None, tmp_path) as srv, client(srv) as c:
        assert (await c.get("/livez")).text == "ok"
        verbose = (await c.get("/readyz?verbose")).text
        assert "readyz check passed" in verbose
        assert (await c.get("/healthz/nope")).status_code == 404
