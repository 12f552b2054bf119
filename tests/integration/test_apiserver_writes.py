"""Write semantics over HTTPS: subresources, dry run, field validation, deletion, tables."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest

from pacific.testing.apiserver import running_apiserver

NS = "/api/v1/namespaces/default"
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p1", "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
}
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "d"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "d"}},
        "template": {
            "metadata": {"labels": {"app": "d"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    },
}
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
async def c(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running_apiserver(None, tmp_path) as srv:
        context = ssl.create_default_context(cafile=str(srv.ca_path))
        headers = {"Authorization": f"Bearer {srv.token}"}
        async with httpx.AsyncClient(base_url=srv.url, verify=context, headers=headers) as cl:
            r = await cl.post("/api/v1/namespaces", json={"metadata": {"name": "default"}})
            assert r.status_code == 201
            yield cl


async def test_generate_name(c: httpx.AsyncClient) -> None:
    body = {"metadata": {"generateName": "web-"}, "data": {"a": "b"}}
    r = await c.post(f"{NS}/configmaps", json=body)
    assert r.status_code == 201
    name = r.json()["metadata"]["name"]
    assert name.startswith("web-") and len(name) == 9
    assert set(name[4:]) <= set("bcdfghjklmnpqrstvwxz2456789")


async def test_body_namespace_must_match_url(c: httpx.AsyncClient) -> None:
    body = {"metadata": {"name": "x", "namespace": "other"}}
    r = await c.post(f"{NS}/configmaps", json=body)
    assert r.status_code == 400


async def test_dry_run_stores_nothing(c: httpx.AsyncClient) -> None:
    r = await c.post(f"{NS}/configmaps?dryRun=All", json={"metadata": {"name": "x"}})
    assert r.status_code == 201 and r.json()["metadata"]["uid"]
    assert (await c.get(f"{NS}/configmaps/x")).status_code == 404


async def test_field_validation_warn_and_strict(c: httpx.AsyncClient) -> None:
    body = {"metadata": {"name": "x"}, "data": {}, "bogus": 1}
    r = await c.post(f"{NS}/configmaps?fieldValidation=Warn", json=body)
    assert r.status_code == 201
    assert 'unknown field \\"bogus\\"' in r.headers["warning"]
    assert "bogus" not in r.json()
    r = await c.post(
        f"{NS}/configmaps?fieldValidation=Strict", json={**body, "metadata": {"name": "y"}}
    )
    assert r.status_code == 400


async def test_status_subresource_and_generation(c: httpx.AsyncClient) -> None:
    created = (await c.post(DEPLOYMENTS, json=DEPLOYMENT)).json()
    assert created["metadata"]["generation"] == 1
    r = await c.patch(f"{DEPLOYMENTS}/d", json={"status": {"replicas": 7}}, headers=MERGE)
    assert r.status_code == 200 and r.json().get("status", {}).get("replicas") is None
    assert r.json()["metadata"]["generation"] == 1
    r = await c.patch(f"{DEPLOYMENTS}/d/status", json={"status": {"replicas": 7}}, headers=MERGE)
    assert r.json()["status"]["replicas"] == 7 and r.json()["metadata"]["generation"] == 1
    r = await c.patch(f"{DEPLOYMENTS}/d", json={"spec": {"replicas": 3}}, headers=MERGE)
    assert r.json()["metadata"]["generation"] == 2 and r.json()["status"]["replicas"] == 7


async def test_scale_subresource(c: httpx.AsyncClient) -> None:
    await c.post(DEPLOYMENTS, json=DEPLOYMENT)
    scale = (await c.get(f"{DEPLOYMENTS}/d/scale")).json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"]["replicas"] == 1 and scale["status"]["selector"] == "app=d"
    scale["spec"]["replicas"] = 5
    r = await c.put(f"{DEPLOYMENTS}/d/scale", json=scale)
    assert r.status_code == 200 and r.json()["spec"]["replicas"] == 5
    stale = await c.put(f"{DEPLOYMENTS}/d/scale", json=scale)
    assert stale.status_code == 409
    assert (await c.get(f"{DEPLOYMENTS}/d")).json()["spec"]["replicas"] == 5


async def test_binding_sets_node_once(c: httpx.AsyncClient) -> None:
    await c.post(f"{NS}/pods", json=POD)
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p1"},
               "target": {"kind": "Node", "name": "n1"}}  # fmt: skip
    r = await c.post(f"{NS}/pods/p1/binding", json=binding)
    assert r.status_code == 201, r.text
    assert (await c.get(f"{NS}/pods/p1")).json()["spec"]["nodeName"] == "n1"
    again = await c.post(f"{NS}/bindings", json=binding)
    assert again.status_code == 409


async def test_graceful_pod_delete(c: httpx.AsyncClient) -> None:
    pod = {**POD, "spec": {**POD["spec"], "nodeName": "n1"}}  # type: ignore[dict-item]
    await c.post(f"{NS}/pods", json=pod)
    r = await c.delete(f"{NS}/pods/p1")
    assert r.status_code == 200
    assert r.json()["metadata"]["deletionGracePeriodSeconds"] == 30
    assert (await c.get(f"{NS}/pods/p1")).status_code == 200
    r = await c.delete(f"{NS}/pods/p1?gracePeriodSeconds=0")
    assert (await c.get(f"{NS}/pods/p1")).status_code == 404


async def test_finalizers_hold_until_removed(c: httpx.AsyncClient) -> None:
    body = {"metadata": {"name": "f", "finalizers": ["example.com/hold"]}}
    await c.post(f"{NS}/configmaps", json=body)
    r = await c.delete(f"{NS}/configmaps/f")
    assert r.status_code == 200
    held = (await c.get(f"{NS}/configmaps/f")).json()
    assert held["metadata"]["deletionTimestamp"]
    r = await c.patch(f"{NS}/configmaps/f", json={"metadata": {"finalizers": None}}, headers=MERGE)
    assert r.status_code == 200
    assert (await c.get(f"{NS}/configmaps/f")).status_code == 404


async def test_namespace_termination_blocks_creates(c: httpx.AsyncClient) -> None:
    r = await c.delete("/api/v1/namespaces/default")
    assert r.json()["status"]["phase"] == "Terminating"
    r = await c.post(f"{NS}/configmaps", json={"metadata": {"name": "late"}})
    assert r.status_code == 403
    assert "because it is being terminated" in r.json()["message"]
    ns = (await c.get("/api/v1/namespaces/default")).json()
    ns["spec"]["finalizers"] = []
    r = await c.put("/api/v1/namespaces/default/finalize", json=ns)
    assert r.status_code == 200
    assert (await c.get("/api/v1/namespaces/default")).status_code == 404


async def test_delete_collection_with_selector(c: httpx.AsyncClient) -> None:
    for i in range(4):
        body = {"metadata": {"name": f"c{i}", "labels": {"even": str(i % 2 == 0).lower()}}}
        await c.post(f"{NS}/configmaps", json=body)
    r = await c.delete(f"{NS}/configmaps?labelSelector=even%3Dtrue")
    assert r.status_code == 200
    left = (await c.get(f"{NS}/configmaps")).json()["items"]
    assert [i["metadata"]["name"] for i in left] == ["c1", "c3"]


async def test_table_and_metadata_output(c: httpx.AsyncClient) -> None:
    await c.post(f"{NS}/pods", json=POD)
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    table = (await c.get(f"{NS}/pods", headers={"Accept": accept})).json()
    assert table["kind"] == "Table"
    assert [col["name"] for col in table["columnDefinitions"]][:3] == ["Name", "Ready", "Status"]
    assert table["rows"][0]["cells"][0] == "p1"
    accept = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
    meta = (await c.get(f"{NS}/pods", headers={"Accept": accept})).json()
    assert meta["kind"] == "PartialObjectMetadataList"
    assert meta["items"][0]["metadata"]["name"] == "p1" and "spec" not in meta["items"][0]


async def test_unsupported_patch_type_is_415(c: httpx.AsyncClient) -> None:
    await c.post(f"{NS}/pods", json=POD)
    r = await c.patch(f"{NS}/pods/p1", json={}, headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


async def test_apply_requires_field_manager_and_creates(c: httpx.AsyncClient) -> None:
    apply = {"Content-Type": "application/apply-patch+yaml"}
    doc = orjson.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}}
    )
    r = await c.patch(f"{NS}/configmaps/a", content=doc, headers=apply)
    assert r.status_code == 400
    r = await c.patch(f"{NS}/configmaps/a?fieldManager=me", content=doc, headers=apply)
    assert r.status_code == 201, r.text
    assert r.json()["metadata"]["managedFields"][0]["manager"] == "me"


async def test_watch_selector_transition_sends_deleted(c: httpx.AsyncClient) -> None:
    await c.post(f"{NS}/pods", json=POD)
    url = f"{NS}/pods?watch=true&labelSelector=app%3Dweb"
    async with c.stream("GET", url) as resp:
        lines = resp.aiter_lines()
        first = orjson.loads(await anext(lines))
        patch = {"metadata": {"labels": {"app": "other"}}}
        await c.patch(f"{NS}/pods/p1", json=patch, headers=MERGE)
        second = orjson.loads(await asyncio.wait_for(anext(lines), 5))
    assert first["type"] == "ADDED" and second["type"] == "DELETED"
