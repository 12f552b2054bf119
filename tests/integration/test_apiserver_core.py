"""The real server over HTTPS: discovery, CRUD, watch, authentication."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest

from pacific.testing.apiserver import RunningAPIServer, running_apiserver

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p1", "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
}


@pytest.fixture
async def srv(tmp_path: Path) -> AsyncIterator[RunningAPIServer]:
    async with running_apiserver(None, tmp_path, bookmark_interval_s=0.2) as s:
        yield s


def client(srv: RunningAPIServer, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token or srv.token}"}
    return httpx.AsyncClient(base_url=srv.url, verify=tls(srv), headers=headers)


def tls(srv: RunningAPIServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(srv.ca_path))


async def make_namespace(c: httpx.AsyncClient, name: str = "default") -> None:
    r = await c.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert r.status_code == 201, r.text


async def test_discovery_documents(srv: RunningAPIServer) -> None:
    async with client(srv) as c:
        api = (await c.get("/api")).json()
        assert api["versions"] == ["v1"] and api["serverAddressByClientCIDRs"]
        core = (await c.get("/api/v1")).json()
        names = {r["name"]: r for r in core["resources"]}
        assert names["pods"]["shortNames"] == ["po"] and names["pods"]["singularName"] == "pod"
        assert names["pods/status"]["verbs"] == ["get", "patch", "update"]
        apps = (await c.get("/apis/apps/v1")).json()
        scale = {r["name"]: r for r in apps["resources"]}["deployments/scale"]
        assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")
        accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        r = await c.get("/apis", headers={"Accept": accept + ",application/json"})
        assert r.headers["content-type"] == accept
        assert r.json()["kind"] == "APIGroupDiscoveryList"
        version = (await c.get("/version")).json()
        assert version["gitVersion"].startswith("v1.32.0-pacific.")


async def test_unauthenticated_is_401_status(srv: RunningAPIServer) -> None:
    async with client(srv, token="wrong") as c:
        r = await c.get("/api/v1/pods")
    assert r.status_code == 401
    assert r.json()["reason"] == "Unauthorized" and r.json()["kind"] == "Status"
    async with httpx.AsyncClient(base_url=srv.url, verify=tls(srv)) as anon:
        assert (await anon.get("/api/v1/pods")).status_code == 401
        assert (await anon.get("/healthz")).text == "ok"


async def test_client_certificate_authenticates(srv: RunningAPIServer, tmp_path: Path) -> None:
    cert, key = srv.client_cert("alice", ("devs",), tmp_path)
    context = tls(srv)
    context.load_cert_chain(str(cert), str(key))
    async with httpx.AsyncClient(base_url=srv.url, verify=context) as c:
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
        r = await c.post("/apis/authentication.k8s.io/v1/selfsubjectreviews", json=body)
    assert r.status_code == 201, r.text
    info = r.json()["status"]["userInfo"]
    assert info["username"] == "alice" and "devs" in info["groups"]


async def test_create_get_update_delete(srv: RunningAPIServer) -> None:
    async with client(srv) as c:
        await make_namespace(c)
        r = await c.post("/api/v1/namespaces/default/pods", json=POD)
        assert r.status_code == 201, r.text
        pod = r.json()
        assert pod["metadata"]["uid"] and pod["metadata"]["creationTimestamp"].endswith("Z")
        rv = pod["metadata"]["resourceVersion"]
        assert (await c.post("/api/v1/namespaces/default/pods", json=POD)).status_code == 409
        got = (await c.get("/api/v1/namespaces/default/pods/p1")).json()
        assert got["metadata"]["resourceVersion"] == rv
        got["metadata"]["labels"]["tier"] = "front"
        r = await c.put("/api/v1/namespaces/default/pods/p1", json=got)
        assert r.status_code == 200, r.text
        stale = await c.put("/api/v1/namespaces/default/pods/p1", json=got)
        assert stale.status_code == 409 and stale.json()["reason"] == "Conflict"
        r = await c.delete("/api/v1/namespaces/default/pods/p1")
        assert r.status_code == 200
        assert (await c.get("/api/v1/namespaces/default/pods/p1")).status_code == 404


async def test_namespace_must_exist(srv: RunningAPIServer) -> None:
    async with client(srv) as c:
        r = await c.post("/api/v1/namespaces/nope/pods", json=POD)
    assert r.status_code == 404
    assert r.json()["message"] == 'namespaces "nope" not found'


async def test_list_paging_and_selectors(srv: RunningAPIServer) -> None:
    async with client(srv) as c:
        await make_namespace(c)
        for i in range(5):
            body = {"metadata": {"name": f"cm{i}", "labels": {"i": str(i % 2)}}, "data": {}}
            assert (await c.post("/api/v1/namespaces/default/configmaps", json=body)).is_success
        page = (await c.get("/api/v1/namespaces/default/configmaps?limit=2")).json()
        assert [i["metadata"]["name"] for i in page["items"]] == ["cm0", "cm1"]
        token = page["metadata"]["continue"]
        rest = (
            await c.get(f"/api/v1/namespaces/default/configmaps?limit=10&continue={token}")
        ).json()
        assert [i["metadata"]["name"] for i in rest["items"]] == ["cm2", "cm3", "cm4"]
        assert "continue" not in rest["metadata"]
        odd = (await c.get("/api/v1/configmaps?labelSelector=i%3D1")).json()
        assert [i["metadata"]["name"] for i in odd["items"]] == ["cm1", "cm3"]
        named = (await c.get("/api/v1/configmaps?fieldSelector=metadata.name%3Dcm4")).json()
        assert [i["metadata"]["name"] for i in named["items"]] == ["cm4"]


async def read_events(resp: httpx.Response, count: int) -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    async for line in resp.aiter_lines():
        if line:
            events.append(orjson.loads(line))
        if len(events) >= count:
            break
    return events


async def test_watch_initial_state_then_changes(srv: RunningAPIServer) -> None:
    async with client(srv) as c:
        await make_namespace(c)
        await c.post("/api/v1/namespaces/default/pods", json=POD)
        async with c.stream("GET", "/api/v1/namespaces/default/pods?watch=true") as resp:
            assert resp.status_code == 200

            async def change() -> None:
                await asyncio.sleep(0.05)
                await c.delete("/api/v1/namespaces/default/pods/p1")

            task = asyncio.create_task(change())
            events = await asyncio.wait_for(read_events(resp, 2), 5)
            await task
    assert [e["type"] for e in events] == ["ADDED", "DELETED"]


async def test_watch_from_resource_version_and_bookmarks(srv: RunningAPIServer) -> None:
    async with client(srv) as c:
        await make_namespace(c)
        listed = (await c.get("/api/v1/namespaces/default/pods")).json()
        rv = listed["metadata"]["resourceVersion"]
        await c.post("/api/v1/namespaces/default/pods", json=POD)
        url = (
            f"/api/v1/namespaces/default/pods?watch=1&resourceVersion={rv}&allowWatchBookmarks=true"
        )
        async with c.stream("GET", url) as resp:
            events = await asyncio.wait_for(read_events(resp, 2), 5)
    assert events[0]["type"] == "ADDED"
    assert events[1]["type"] == "BOOKMARK"


async def test_watch_too_old_is_410_event(tmp_path: Path) -> None:
    async with running_apiserver(None, tmp_path, event_ring_size=2) as srv, client(srv) as c:
        await make_namespace(c)
        for i in range(5):
            await c.post(
                "/api/v1/namespaces/default/configmaps", json={"metadata": {"name": f"c{i}"}}
            )
        async with c.stream("GET", "/api/v1/configmaps?watch=true&resourceVersion=1") as resp:
            events = await asyncio.wait_for(read_events(resp, 1), 5)
    assert events[0]["type"] == "ERROR"
    status = events[0]["object"]
    assert isinstance(status, dict) and status["code"] == 410 and status["reason"] == "Expired"


async def test_errors_are_status(srv: RunningAPIServer) -> None:
    async with client(srv) as c:
        r = await c.get("/api/v1/nothings")
        assert r.status_code == 404
        assert r.json()["message"] == "the server could not find the requested resource"
        r = await c.post(
            "/api/v1/namespaces",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 400 and r.json()["reason"] == "BadRequest"
        r = await c.post(
            "/api/v1/namespaces",
            content=b"x" * (3 * 1024 * 1024 + 1),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 413
