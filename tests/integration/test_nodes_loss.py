"""Node loss: a simulated host stops heartbeating; its pods are evicted and recreated.

The in-process apiserver, the core controllers (with a 3 s node grace period), the scheduler
and two groups of simulated hosts run on this event loop. Cancelling the group of one host
stops its lease renewals, as a crashed host would. Its pods tolerate `unreachable` for 2 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pacific.api import kinds
from pacific.api.errors import NotFound
from pacific.api.resources import ResourceType
from pacific.client import Client
from pacific.controllers import ControllersConfig, run_controllers
from pacific.scheduler.config import SchedulerConfig
from pacific.scheduler.loop import run_scheduler
from pacific.testing.apiserver import running_apiserver
from pacific.testing.simhosts import run_simhosts

Obj = dict[str, Any]
GRACE = 3.0


def rt(group: str, kind: str) -> ResourceType:
    found = kinds.by_kind(group, "v1", kind)
    assert found is not None
    return found


POD, NODE, EVENT, DEPLOY = rt("", "Pod"), rt("", "Node"), rt("", "Event"), rt("apps", "Deployment")


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            last = await check()
        except (AssertionError, KeyError, IndexError, NotFound) as exc:
            last = exc
        else:
            if last:
                return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"condition not met in {within}s: {last!r}")


@dataclass
class Cluster:
    client: Client
    tg: asyncio.TaskGroup
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = self.tg.create_task(job)
        self.tasks.append(task)
        return task

    def hosts(self, prefix: str, count: int) -> asyncio.Task[None]:
        """Run `count` simulated hosts named prefix0..; cancel the task to "lose" them."""
        return self.start(run_simhosts(self.client, count, 8, "16Gi", 1, prefix, heartbeat=0.5))


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    async with (
        running_apiserver(None, tmp_path) as srv,
        Client(srv.url, token=srv.token, ca_path=str(srv.ca_path)) as client,
        asyncio.TaskGroup() as tg,
    ):
        config = ControllersConfig(root_ca_pem=srv.ca_path.read_text(), node_grace_period=GRACE)
        cluster = Cluster(client, tg)
        cluster.start(run_controllers(client, config))
        cluster.start(run_scheduler(client, SchedulerConfig()))
        try:
            await eventually(lambda: client.get(rt("", "Namespace"), "default"))
            yield cluster
        finally:
            for task in cluster.tasks:
                task.cancel()


def deployment(name: str, replicas: int, toleration_seconds: int) -> Obj:
    labels = {"app": name}
    tolerations = [
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds}
        for key, seconds in (
            ("node.kubernetes.io/unreachable", toleration_seconds),
            ("node.kubernetes.io/not-ready", toleration_seconds),
        )
    ]
    container = {
        "name": "c",
        "image": "busybox",
        "resources": {"requests": {"cpu": "500m", "memory": "256Mi"}},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [container], "tolerations": tolerations},
            },
        },
    }


def ready_of(node: Obj) -> Obj:
    return next(c for c in node["status"]["conditions"] if c["type"] == "Ready")


def taint_pairs(node: Obj) -> set[tuple[str, str]]:
    return {(t["key"], t["effect"]) for t in node.get("spec", {}).get("taints") or []}


async def pods(client: Client, app: str) -> list[Obj]:
    return (await client.list(POD, "default", label_selector=f"app={app}")).items


async def test_lost_host_is_tainted_and_its_pods_are_recreated_elsewhere(cluster: Cluster) -> None:
    client = cluster.client
    cluster.hosts("keep-", 2)
    lost_hosts = cluster.hosts("lost-", 1)
    await eventually(lambda: _nodes_ready(client, 3))
    await client.create(DEPLOY, deployment("web", 6, toleration_seconds=2))

    async def all_running() -> list[Obj] | None:
        items = await pods(client, "web")
        ok = len(items) == 6 and all(p["status"].get("phase") == "Running" for p in items)
        return items if ok else None

    placed = await eventually(all_running)
    victims = {p["metadata"]["uid"] for p in placed if p["spec"]["nodeName"] == "lost-0"}
    assert victims, "least-allocated scoring spreads the pods over every host"

    lost_hosts.cancel()  # the host stops renewing its lease

    async def unreachable() -> Obj | None:
        node = await client.get(NODE, "lost-0")
        return node if ready_of(node)["status"] == "Unknown" else None

    node = await eventually(unreachable, within=GRACE + 10)
    ready = ready_of(node)
    assert ready["reason"] == "NodeStatusUnknown"
    assert ready["message"] == "Kubelet stopped posting node status."
    node = await eventually(
        lambda: _with_taints(client, "lost-0", {("node.kubernetes.io/unreachable", "NoExecute")})
    )
    assert taint_pairs(node) == {
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoSchedule"),
    }
    for name in ("keep-0", "keep-1"):
        assert ready_of(await client.get(NODE, name))["status"] == "True"

    async def replaced() -> list[Obj] | None:
        items = await pods(client, "web")
        live = [p for p in items if "deletionTimestamp" not in p["metadata"]]
        ok = (
            len(live) == 6
            and all(p["status"].get("phase") == "Running" for p in live)
            and all(p["spec"]["nodeName"].startswith("keep-") for p in live)
        )
        return items if ok else None

    items = await eventually(replaced, within=30)
    evicted = [p for p in items if p["metadata"]["uid"] in victims]
    assert len(evicted) == len(victims)  # still Terminating: their host cannot confirm
    for pod in evicted:
        assert "deletionTimestamp" in pod["metadata"]
        target = next(c for c in pod["status"]["conditions"] if c["type"] == "DisruptionTarget")
        assert (target["status"], target["reason"]) == ("True", "DeletionByTaintManager")
    events = (await client.list(EVENT, "default")).items
    assert any(e["reason"] == "TaintManagerEviction" for e in events)
    node_events = (await client.list(EVENT, "default", field_selector="reason=NodeNotReady")).items
    assert [e["involvedObject"]["name"] for e in node_events] == ["lost-0"]

    cluster.hosts("lost-", 1)  # the host comes back: lease renewed, graceful deletions confirmed
    back = await eventually(lambda: _with_taints(client, "lost-0", set()))
    assert ready_of(back)["status"] == "True"

    async def victims_gone() -> bool:
        return not any(p["metadata"]["uid"] in victims for p in await pods(client, "web"))

    await eventually(victims_gone)


async def test_pods_tolerating_forever_stay_on_a_lost_host(cluster: Cluster) -> None:
    client = cluster.client
    cluster.hosts("keep-", 1)
    lost_hosts = cluster.hosts("lost-", 1)
    await eventually(lambda: _nodes_ready(client, 2))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "stays", "namespace": "default"},
        "spec": {
            "nodeName": "lost-0",
            "containers": [{"name": "c", "image": "busybox"}],
            "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}],
        },
    }
    await client.create(POD, pod)
    lost_hosts.cancel()
    await eventually(
        lambda: _with_taints(client, "lost-0", {("node.kubernetes.io/unreachable", "NoExecute")}),
        within=GRACE + 10,
    )
    await asyncio.sleep(3)  # an untolerated or 2 s-tolerating pod would be gone by now
    stays = await client.get(POD, "stays", "default")
    assert "deletionTimestamp" not in stays["metadata"]


async def _nodes_ready(client: Client, want: int) -> bool:
    nodes = (await client.list(NODE)).items
    return len(nodes) == want and all(ready_of(n)["status"] == "True" for n in nodes)


async def _with_taints(client: Client, name: str, want: set[tuple[str, str]]) -> Obj | None:
    node = await client.get(NODE, name)
    pairs = taint_pairs(node)
    return node if (want <= pairs if want else not pairs) else None
