"""Priority and preemption end to end: PriorityClasses, admission, eviction, rebinding."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pacific.api import kinds
from pacific.api.errors import AlreadyExists, Forbidden
from pacific.client import Client
from pacific.scheduler.config import SchedulerConfig
from pacific.scheduler.loop import run_scheduler
from pacific.testing.apiserver import running_apiserver
from pacific.testing.simhosts import run_simhosts

NAMESPACES = kinds.by_kind("", "v1", "Namespace")
PODS = kinds.by_kind("", "v1", "Pod")
NODES = kinds.by_kind("", "v1", "Node")
EVENTS = kinds.by_kind("", "v1", "Event")
CLASSES = kinds.by_kind("scheduling.k8s.io", "v1", "PriorityClass")


def _pod(name: str, cpu: str, cls: str) -> dict[str, Any]:
    res = {"requests": {"cpu": cpu, "memory": "1Gi"}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "priorityClassName": cls,
            "containers": [{"name": "c", "image": "busybox", "resources": res}],
        },
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
    assert NAMESPACES and NODES and CLASSES
    async with (
        running_apiserver(None, tmp_path) as srv,
        Client(srv.url, token=srv.token, ca_path=str(srv.ca_path)) as client,
    ):
        with contextlib.suppress(AlreadyExists):
            await client.create(NAMESPACES, {"metadata": {"name": "default"}})
        for name, value, policy in (
            ("low", 10, None),
            ("high", 1000, None),
            ("polite", 500, "Never"),
        ):
            body: dict[str, Any] = {"metadata": {"name": name}, "value": value}
            if policy:
                body["preemptionPolicy"] = policy
            await client.create(CLASSES, body)
        async with asyncio.TaskGroup() as tg:
            hosts = tg.create_task(run_simhosts(client, 2, 4, "16Gi", 1))

            async def two_nodes() -> bool:
                assert NODES
                return len((await client.list(NODES)).items) == 2

            await _eventually(two_nodes)
            scheduler = tg.create_task(run_scheduler(client, SchedulerConfig(initial_backoff=0.2)))
            try:
                yield client
            finally:
                hosts.cancel()
                scheduler.cancel()


async def _running(client: Client, name: str) -> dict[str, Any] | None:
    assert PODS
    pod = await client.get(PODS, name, "default")
    return pod if pod["status"].get("phase") == "Running" else None


async def test_high_priority_pod_preempts_one_low_pod(cluster: Client) -> None:
    assert PODS and EVENTS
    await asyncio.gather(*(cluster.create(PODS, _pod(f"low{i}", "2", "low")) for i in range(4)))
    for i in range(4):
        await _eventually(lambda i=i: _running(cluster, f"low{i}"))
    high = await cluster.create(PODS, _pod("high", "2", "high"))
    assert high["spec"]["priority"] == 1000
    pod = await _eventually(lambda: _running(cluster, "high"))
    assert pod["status"]["nominatedNodeName"] == pod["spec"]["nodeName"]
    left = [p["metadata"]["name"] for p in (await cluster.list(PODS, "default")).items]
    assert sorted(left).count("high") == 1 and len(left) == 4  # exactly one low pod evicted

    async def preempted() -> list[dict[str, Any]]:
        assert EVENTS
        return [e for e in (await cluster.list(EVENTS, "default")).items
                if e["reason"] == "Preempted"]  # fmt: skip

    events = await _eventually(preempted)
    assert events[0]["message"] == (
        f"Preempted by pod {high['metadata']['uid']} on node {pod['spec']['nodeName']}"
    )
    assert events[0]["involvedObject"]["name"].startswith("low")


async def test_never_policy_waits_and_unknown_class_is_refused(cluster: Client) -> None:
    assert PODS
    await asyncio.gather(*(cluster.create(PODS, _pod(f"low{i}", "2", "low")) for i in range(4)))
    await cluster.create(PODS, _pod("polite", "2", "polite"))

    async def condition() -> str | None:
        assert PODS
        pod = await cluster.get(PODS, "polite", "default")
        for c in pod["status"].get("conditions") or ():
            if c["type"] == "PodScheduled" and c["status"] == "False":
                return str(c["message"])
        return None

    message = await _eventually(condition)
    assert message == (
        "0/2 nodes are available: 2 Insufficient cpu. "
        "preemption: not eligible due to preemptionPolicy=Never."
    )
    with pytest.raises(Forbidden, match="no PriorityClass with name nope was found"):
        await cluster.create(PODS, _pod("x", "1", "nope"))
