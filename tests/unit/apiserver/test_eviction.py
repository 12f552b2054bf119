"""The pods/eviction subresource through the in-process ASGI app."""

from __future__ import annotations

from typing import Any

import pytest

from pacific.api.errors import BadRequest
from pacific.apiserver.eviction import eviction_delete_options

from .conftest import InProcess

PODS = "/api/v1/namespaces/ns/pods"


def eviction(name: str, version: str = "policy/v1", **delete_options: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": version,
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": "ns"},
    }
    if delete_options:
        body["deleteOptions"] = delete_options
    return body


async def make_pod(api: InProcess, name: str, node: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    r = await api.client.post(PODS, json={"metadata": {"name": name}, "spec": spec})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_eviction_of_a_bound_pod_marks_it_and_deletes_it_gracefully(api: InProcess) -> None:
    await make_pod(api, "web", node="h1")
    r = await api.client.post(f"{PODS}/web/eviction", json=eviction("web"))
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "Status" and r.json()["status"] == "Success"
    pod = (await api.client.get(f"{PODS}/web")).json()
    assert pod["metadata"]["deletionGracePeriodSeconds"] == 30
    target = [c for c in pod["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert len(target) == 1
    assert target[0]["status"] == "True"
    assert target[0]["reason"] == "EvictionByEvictionAPI"
    assert target[0]["message"] == "Eviction API: evicting"


async def test_eviction_grace_period_zero_removes_the_pod(api: InProcess) -> None:
    await make_pod(api, "web", node="h1")
    body = eviction("web", gracePeriodSeconds=0)
    assert (await api.client.post(f"{PODS}/web/eviction", json=body)).status_code == 201
    assert (await api.client.get(f"{PODS}/web")).status_code == 404


async def test_unbound_pod_goes_at_once_and_v1beta1_is_accepted(api: InProcess) -> None:
    await make_pod(api, "pending")
    body = eviction("pending", "policy/v1beta1")
    assert (await api.client.post(f"{PODS}/pending/eviction", json=body)).status_code == 201
    assert (await api.client.get(f"{PODS}/pending")).status_code == 404


async def test_missing_pod_is_404(api: InProcess) -> None:
    r = await api.client.post(f"{PODS}/ghost/eviction", json=eviction("ghost"))
    assert r.status_code == 404
    assert r.json()["reason"] == "NotFound"
    assert r.json()["message"] == 'pods "ghost" not found'


async def test_name_mismatch_is_400(api: InProcess) -> None:
    await make_pod(api, "web", node="h1")
    r = await api.client.post(f"{PODS}/web/eviction", json=eviction("other"))
    assert r.status_code == 400
    assert r.json()["message"] == "name in URL does not match name in Eviction object"


async def test_wrong_kind_is_400(api: InProcess) -> None:
    await make_pod(api, "web", node="h1")
    body = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "web"}}
    assert (await api.client.post(f"{PODS}/web/eviction", json=body)).status_code == 400


async def test_dry_run_changes_nothing(api: InProcess) -> None:
    before = await make_pod(api, "web", node="h1")
    r = await api.client.post(f"{PODS}/web/eviction?dryRun=All", json=eviction("web"))
    assert r.status_code == 201
    after = (await api.client.get(f"{PODS}/web")).json()
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert "deletionTimestamp" not in after["metadata"]


async def test_uid_precondition_mismatch_is_409_and_leaves_the_pod(api: InProcess) -> None:
    before = await make_pod(api, "web", node="h1")
    body = eviction("web", preconditions={"uid": "not-this-one"})
    r = await api.client.post(f"{PODS}/web/eviction", json=body)
    assert r.status_code == 409
    after = (await api.client.get(f"{PODS}/web")).json()
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


async def test_resource_version_precondition_is_moved_past_our_own_write(api: InProcess) -> None:
    pod = await make_pod(api, "web", node="h1")
    body = eviction("web", preconditions={"resourceVersion": pod["metadata"]["resourceVersion"]})
    assert (await api.client.post(f"{PODS}/web/eviction", json=body)).status_code == 201
    assert "deletionTimestamp" in (await api.client.get(f"{PODS}/web")).json()["metadata"]


async def test_discovery_lists_pods_eviction_as_policy_v1(api: InProcess) -> None:
    resources = (await api.client.get("/api/v1")).json()["resources"]
    entry = next(r for r in resources if r["name"] == "pods/eviction")
    assert (entry["group"], entry["version"], entry["kind"]) == ("policy", "v1", "Eviction")
    assert entry["verbs"] == ["create"]


def test_delete_options_from_the_eviction() -> None:
    opts = eviction_delete_options(
        eviction("web", gracePeriodSeconds=5, preconditions={"uid": "u"}, dryRun=["All"]), False
    )
    assert (opts.grace_period_seconds, opts.precondition_uid, opts.dry_run) == (5, "u", True)
    assert eviction_delete_options(eviction("web"), True).dry_run
    orphan = eviction_delete_options(eviction("web", orphanDependents=True), False)
    assert orphan.propagation_policy == "Orphan"
    with pytest.raises(BadRequest):
        eviction_delete_options(eviction("web", gracePeriodSeconds="soon"), False)
    with pytest.raises(BadRequest):
        eviction_delete_options(eviction("web", propagationPolicy="Sometimes"), False)
