"""The core controllers against the real in-process apiserver.

No scheduler or agent runs here: pods stay Pending and never become Ready, so a rolling
update only proceeds as far as maxSurge/maxUnavailable allow with zero available pods.
Where a test needs pod IPs or readiness it writes the pod status itself, as an agent would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from pacific.api import kinds
from pacific.api.errors import NotFound
from pacific.api.resources import ResourceType
from pacific.client import Client
from pacific.controllers import ControllersConfig, run_controllers

apiserver = pytest.importorskip("pacific.testing.apiserver")

Obj = dict[str, Any]
CA = "-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n"


def rt(group: str, kind: str) -> ResourceType:
    found = kinds.by_kind(group, "v1", kind)
    assert found is not None
    return found


NS, POD, CM, SA, SVC, EP = (rt("", k) for k in
                            ("Namespace", "Pod", "ConfigMap", "ServiceAccount", "Service",
                             "Endpoints"))  # fmt: skip
DEPLOY, RS = rt("apps", "Deployment"), rt("apps", "ReplicaSet")


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 10.0) -> Any:
    """Poll `check` until it returns something truthy without raising."""
    deadline = asyncio.get_running_loop().time() + within
    last: BaseException | None = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            result = await check()
        except (AssertionError, KeyError, IndexError, NotFound) as exc:
            last = exc
        else:
            if result:
                return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met in {within}s: {last!r}")


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    async with (
        apiserver.running_apiserver(None, tmp_path) as srv,
        Client.from_kubeconfig(srv.kubeconfig_path) as c,
    ):
        config = ControllersConfig(root_ca_pem=CA, apiserver_port=6443, namespace_retry=0.2)
        task = asyncio.create_task(run_controllers(c, config))
        try:
            await eventually(lambda: c.get(NS, "default"))
            yield c
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def deployment(name: str, replicas: int, image: str = "nginx:1", ns: str = "default") -> Obj:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
        },
    }


async def owned_by(client: Client, rtype: ResourceType, owner: Obj, ns: str = "default") -> list:
    items = (await client.list(rtype, ns)).items
    uid = owner["metadata"]["uid"]
    return [
        i for i in items if any(r["uid"] == uid for r in i["metadata"].get("ownerReferences", []))
    ]


async def test_system_objects_and_namespace_defaults(client: Client) -> None:
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        await eventually(lambda name=name: client.get(NS, name))
    svc = await eventually(lambda: client.get(SVC, "kubernetes", "default"))
    assert svc["spec"]["ports"][0]["port"] == 443
    assert svc["spec"]["ports"][0]["targetPort"] == 6443
    ep = await eventually(lambda: client.get(EP, "kubernetes", "default"))
    assert ep["subsets"][0]["addresses"][0]["ip"] == "127.0.0.1"

    await client.create(NS, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    await eventually(lambda: client.get(SA, "default", "team"))
    cm = await eventually(lambda: client.get(CM, "kube-root-ca.crt", "team"))
    assert cm["data"]["ca.crt"] == CA
    await client.delete(CM, "kube-root-ca.crt", "team")
    await client.delete(SA, "default", "team")
    await eventually(lambda: client.get(SA, "default", "team"))
    await eventually(lambda: client.get(CM, "kube-root-ca.crt", "team"))


async def test_deployment_creates_replicaset_and_pods_and_scales(client: Client) -> None:
    d = await client.create(DEPLOY, deployment("web", 3))

    async def pods(n: int) -> list:
        rss = await owned_by(client, RS, d)
        assert len(rss) == 1
        found = await owned_by(client, POD, rss[0])
        assert len(found) == n
        return found

    found = await eventually(lambda: pods(3))
    rs = (await owned_by(client, RS, d))[0]
    hash_value = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{hash_value}"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert all(p["metadata"]["name"].startswith(f"web-{hash_value}-") for p in found)
    assert all(p["metadata"]["labels"]["pod-template-hash"] == hash_value for p in found)

    async def status() -> bool:
        got = (await client.get(DEPLOY, "web", "default"))["status"]
        return got.get("replicas") == 3 and got.get("updatedReplicas") == 3

    await eventually(status)
    await client.patch(DEPLOY, "web", {"spec": {"replicas": 5}}, namespace="default")
    await eventually(lambda: pods(5))
    await client.patch(DEPLOY, "web", {"spec": {"replicas": 1}}, namespace="default")
    await eventually(lambda: pods(1))


async def test_rolling_update_proceeds_as_far_as_max_unavailable_allows(client: Client) -> None:
    d = await client.create(DEPLOY, deployment("roll", 4))
    await eventually(lambda: _rs_sizes(client, d, {1: [4]}))
    await client.patch(
        DEPLOY,
        "roll",
        {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}}},
        namespace="default",
    )
    # 25% surge (1) and 25% unavailable (1) with no pod ever available: the old RS may lose
    # one replica, the new RS grows to fill the surge: old 3, new 2, total 5 = 4 + surge.
    await eventually(lambda: _rs_sizes(client, d, {1: [3], 2: [2]}))
    await asyncio.sleep(0.5)
    assert await _rs_sizes(client, d, {1: [3], 2: [2]})
    got = await client.get(DEPLOY, "roll", "default")
    assert got["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert got["status"]["updatedReplicas"] == 2


async def _rs_sizes(client: Client, d: Obj, want: dict[int, list[int]]) -> bool:
    sizes: dict[int, list[int]] = {}
    for rs in await owned_by(client, RS, d):
        revision = int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
        sizes.setdefault(revision, []).append(rs["spec"]["replicas"])
        assert len(await owned_by(client, POD, rs)) == rs["spec"]["replicas"]
    assert sizes == want, sizes
    return True


async def test_namespace_deletion_removes_content_then_namespace(client: Client) -> None:
    await client.create(NS, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gone"}})
    await client.create(DEPLOY, deployment("app", 2, ns="gone"))
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "gone"}}
    await client.create(CM, cm)
    await eventually(lambda: _count(client, POD, "gone", 2))
    await client.delete(NS, "gone")

    async def namespace_gone() -> bool:
        try:
            await client.get(NS, "gone")
        except NotFound:
            return True
        return False

    await eventually(namespace_gone, within=20)


async def _count(client: Client, rtype: ResourceType, ns: str, n: int) -> bool:
    return len((await client.list(rtype, ns)).items) == n


def _cm(name: str, owner: Obj | None = None, block: bool = False) -> Obj:
    meta: Obj = {"name": name, "namespace": "default"}
    if owner is not None:
        meta["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"],
             "uid": owner["metadata"]["uid"], "blockOwnerDeletion": block}
        ]  # fmt: skip
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


async def _gone(client: Client, rtype: ResourceType, name: str) -> bool:
    try:
        await client.get(rtype, name, "default")
    except NotFound:
        return True
    return False


async def test_gc_background_foreground_orphan(client: Client) -> None:
    # background: the dependent goes after its owner
    owner = await client.create(CM, _cm("owner-bg"))
    await client.create(CM, _cm("dep-bg", owner))
    await client.delete(CM, "owner-bg", "default")
    await eventually(lambda: _gone(client, CM, "dep-bg"))

    # a dependent of an owner recreated under the same name (new uid) is still garbage
    old = await client.create(CM, _cm("owner-re"))
    await client.delete(CM, "owner-re", "default")
    await client.create(CM, _cm("owner-re"))
    await client.create(CM, _cm("dep-re", old))
    await eventually(lambda: _gone(client, CM, "dep-re"))
    await client.get(CM, "owner-re", "default")

    # foreground: the owner waits for its blocking dependent
    owner = await client.create(CM, _cm("owner-fg"))
    await client.create(CM, _cm("dep-fg", owner, block=True))
    await client.delete(CM, "owner-fg", "default", propagation_policy="Foreground")
    await eventually(lambda: _gone(client, CM, "dep-fg"))
    await eventually(lambda: _gone(client, CM, "owner-fg"))

    # orphan: the dependent stays, without the reference
    owner = await client.create(CM, _cm("owner-or"))
    await client.create(CM, _cm("dep-or", owner))
    await client.delete(CM, "owner-or", "default", propagation_policy="Orphan")
    await eventually(lambda: _gone(client, CM, "owner-or"))
    dep = await client.get(CM, "dep-or", "default")
    assert not dep["metadata"].get("ownerReferences")


async def test_deployment_cascade_delete(client: Client) -> None:
    d = await client.create(DEPLOY, deployment("casc", 2))
    await eventually(lambda: _count(client, POD, "default", 2))
    rs_name = (await owned_by(client, RS, d))[0]["metadata"]["name"]
    await client.delete(DEPLOY, "casc", "default")
    await eventually(lambda: _gone(client, RS, rs_name))
    await eventually(lambda: _count(client, POD, "default", 0))


async def test_endpoints_follow_pods(client: Client) -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "ep"},
                 "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }  # fmt: skip
    await client.create(SVC, svc)
    ep = await eventually(lambda: client.get(EP, "web", "default"))
    assert not ep.get("subsets")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p1", "namespace": "default", "labels": {"app": "ep"}},
        "spec": {"containers": [{"name": "c", "image": "nginx",
                                 "ports": [{"name": "http", "containerPort": 8080}]}]},
    }  # fmt: skip
    await client.create(POD, pod)
    status = {"status": {"phase": "Running", "podIP": "10.1.0.5",
                         "conditions": [{"type": "Ready", "status": "True"}]}}  # fmt: skip
    await client.patch(POD, "p1", status, namespace="default", subresource="status")

    async def ready() -> bool:
        got = await client.get(EP, "web", "default")
        subset = got["subsets"][0]
        assert subset["addresses"][0]["ip"] == "10.1.0.5"
        assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
        return True

    await eventually(ready)
    await client.delete(SVC, "web", "default")
    await eventually(lambda: _gone(client, EP, "web"))
