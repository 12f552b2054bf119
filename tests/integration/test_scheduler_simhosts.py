"""The scheduler and simulated hosts against a real in-process API server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pacific.api import kinds
from pacific.api.errors import AlreadyExists
from pacific.client import Client
from pacific.scheduler.config import SchedulerConfig
from pacific.scheduler.loop import run_scheduler
from pacific.scheduler.wire import WirePool
from pacific.scheduler.workload import workload_from_pod
from pacific.testing.apiserver import running_apiserver
from pacific.testing.simhosts import HostShape, SimHosts, run_simhosts

NAMESPACES = kinds.by_kind("", "v1", "Namespace")
PODS = kinds.by_kind("", "v1", "Pod")
NODES = kinds.by_kind("", "v1", "Node")
EVENTS = kinds.by_kind("", "v1", "Event")
LEASES = kinds.by_kind("coordination.k8s.io", "v1", "Lease")
GI = 1024**3


def _pod(name: str, cpu: str, memory: str, limits: bool = False) -> dict[str, Any]:
    res: dict[str, Any] = {"requests": {"cpu": cpu, "memory": memory}}
    if limits:
        res["limits"] = res["requests"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "load"}},
        "spec": {"containers": [{"name": "c", "image": "busybox", "resources": res}]},
    }


async def _eventually(check: Any, within: float = 60.0) -> Any:
    async with asyncio.timeout(within):
        while True:
            result = await check()
            if result:
                return result
            await asyncio.sleep(0.2)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Client]:
    assert PODS and NODES and NAMESPACES
    async with (
        running_apiserver(None, tmp_path) as srv,
        Client(srv.url, token=srv.token, ca_path=str(srv.ca_path)) as client,
    ):
        with contextlib.suppress(AlreadyExists):
            await client.create(NAMESPACES, {"metadata": {"name": "default"}})
        async with asyncio.TaskGroup() as tg:
            hosts = tg.create_task(run_simhosts(client, 20, 8, "32Gi", 2))
            await _eventually(lambda: _count_nodes(client, 20))
            scheduler = tg.create_task(run_scheduler(client, SchedulerConfig()))
            try:
                yield client
            finally:
                hosts.cancel()
                scheduler.cancel()


async def _count_nodes(client: Client, want: int) -> bool:
    assert NODES
    nodes = (await client.list(NODES)).items
    return len(nodes) == want and all(n.get("status", {}).get("allocatable") for n in nodes)


async def test_200_pods_are_bound_running_and_fit(cluster: Client) -> None:
    assert PODS and NODES and LEASES
    await asyncio.gather(*(cluster.create(PODS, _pod(f"p{i}", "300m", "1Gi")) for i in range(190)))
    # ten pinned pods: 2 whole CPUs each, guaranteed
    await asyncio.gather(
        *(cluster.create(PODS, _pod(f"g{i}", "2", "2Gi", limits=True)) for i in range(10))
    )

    async def all_running() -> list[dict[str, Any]] | None:
        assert PODS
        pods = (await cluster.list(PODS, "default")).items
        ok = len(pods) == 200 and all(p["status"].get("phase") == "Running" for p in pods)
        return pods if ok else None

    pods = await _eventually(all_running, within=90)
    used: dict[str, list[int]] = {}
    for pod in pods:
        assert pod["spec"]["nodeName"].startswith("sim-")
        assert pod["status"]["podIP"].startswith("10.")
        w = workload_from_pod(pod)
        totals = used.setdefault(pod["spec"]["nodeName"], [0, 0])
        totals[0] += w.requests.cpu
        totals[1] += w.requests.memory
        if pod["metadata"]["name"].startswith("g"):
            assert pod["metadata"]["annotations"]["pacific.dev/numa-node"] in ("0", "1")
    assert all(cpu <= 8000 and memory <= 32 * GI for cpu, memory in used.values())
    assert len(used) == 20  # least-allocated spreads over every host
    leases = (await cluster.list(LEASES, "kube-node-lease")).items
    assert len(leases) == 20 and all(lease["spec"]["renewTime"] for lease in leases)
    assert EVENTS
    events = (await cluster.list(EVENTS, "default")).items
    scheduled = {e["involvedObject"]["name"]: e for e in events if e["reason"] == "Scheduled"}
    assert 100 <= len(scheduled) <= 200  # a burst of 100, then 50 a second
    first = next(p for p in pods if p["metadata"]["name"] in scheduled)
    event = scheduled[first["metadata"]["name"]]
    assert event["type"] == "Normal" and event["source"]["component"] == "default-scheduler"
    assert event["message"] == (
        f"Successfully assigned default/{first['metadata']['name']} to {first['spec']['nodeName']}"
    )
    assert event["involvedObject"]["uid"] == first["metadata"]["uid"]


async def test_unschedulable_pod_gets_condition_and_event(cluster: Client) -> None:
    assert PODS and EVENTS
    await cluster.create(PODS, _pod("huge", "100", "1Gi"))
    message = (
        "0/20 nodes are available: 20 Insufficient cpu. preemption: 0/20 nodes are available: "
        "20 No preemption victims found for incoming pod."
    )

    async def condition() -> dict[str, Any] | None:
        assert PODS
        pod = await cluster.get(PODS, "huge", "default")
        for c in pod["status"].get("conditions") or ():
            if c["type"] == "PodScheduled" and c["status"] == "False":
                return c
        return None

    cond = await _eventually(condition)
    assert (cond["reason"], cond["message"]) == ("Unschedulable", message)

    async def event() -> dict[str, Any] | None:
        assert EVENTS
        events = (await cluster.list(EVENTS, "default")).items
        found = [e for e in events if e["reason"] == "FailedScheduling"]
        return found[0] if found else None

    ev = await _eventually(event)
    assert ev["type"] == "Warning" and ev["message"] == message
    assert ev["involvedObject"]["name"] == "huge"


@pytest.mark.parametrize("over_wire", [False, True])
async def test_keep_alive_renews_every_lease(tmp_path: Path, over_wire: bool) -> None:
    assert LEASES and NAMESPACES
    async with (
        running_apiserver(None, tmp_path) as srv,
        Client(srv.url, token=srv.token, ca_path=str(srv.ca_path)) as client,
    ):
        hosts = SimHosts(client, 5, HostShape(cpu=4, memory="8Gi", numa=1))
        await hosts.register()
        await hosts.heartbeat()
        before = {
            lease["metadata"]["name"]: lease["spec"]["renewTime"]
            for lease in (await client.list(LEASES, "kube-node-lease")).items
        }
        assert client.config is not None
        wire = WirePool(client.base_url, client.config, 2, "test") if over_wire else None
        renewing = asyncio.create_task(hosts.keep_alive(0.5, wire))

        async def all_renewed() -> bool:
            assert LEASES
            leases = (await client.list(LEASES, "kube-node-lease")).items
            now = {lease["metadata"]["name"]: lease["spec"]["renewTime"] for lease in leases}
            return len(now) == 5 and all(now[name] > before[name] for name in before)

        try:
            await _eventually(all_renewed, within=10)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            if wire is not None:
                await wire.aclose()
