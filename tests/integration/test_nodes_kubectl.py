"""`kubectl cordon`, `drain` and `uncordon` (the real kubectl) against simulated hosts.

The in-process apiserver, the core controllers, the scheduler and three simulated hosts run
on this event loop; kubectl runs as an async subprocess with the server's kubeconfig.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
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

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
Obj = dict[str, Any]


def rt(group: str, kind: str) -> ResourceType:
    found = kinds.by_kind(group, "v1", kind)
    assert found is not None
    return found


POD, NODE, NS = rt("", "Pod"), rt("", "Node"), rt("", "Namespace")
CORDON_TAINT = ("node.kubernetes.io/unschedulable", "NoSchedule")


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


class Cluster:
    def __init__(self, client: Client, kubeconfig: Path) -> None:
        self.client = client
        self.kubeconfig = kubeconfig

    async def kubectl(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            str(KUBECTL),
            f"--kubeconfig={self.kubeconfig}",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {out.decode()}{err.decode()}")
        return out.decode() + err.decode()

    async def pods(self) -> list[Obj]:
        return (await self.client.list(POD, "default", label_selector="app=web")).items


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    async with (
        running_apiserver(None, tmp_path) as srv,
        Client(srv.url, token=srv.token, ca_path=str(srv.ca_path)) as client,
        asyncio.TaskGroup() as tg,
    ):
        config = ControllersConfig(root_ca_pem=srv.ca_path.read_text())
        tasks = [
            tg.create_task(run_controllers(client, config)),
            tg.create_task(run_scheduler(client, SchedulerConfig())),
            tg.create_task(run_simhosts(client, 3, 8, "16Gi", 1, heartbeat=1.0)),
        ]
        try:
            await eventually(lambda: client.get(NS, "default"))
            await eventually(lambda: _node_count(client, 3))
            yield Cluster(client, srv.kubeconfig_path)
        finally:
            for task in tasks:
                task.cancel()


async def _node_count(client: Client, want: int) -> bool:
    return len((await client.list(NODE)).items) == want


def deployment(replicas: int) -> Obj:
    labels = {"app": "web"}
    container = {
        "name": "c",
        "image": "busybox",
        "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}},
        "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [container],
                    "volumes": [{"name": "scratch", "emptyDir": {}}],
                },
            },
        },
    }


def taints_of(node: Obj) -> set[tuple[str, str]]:
    return {(t["key"], t["effect"]) for t in (node.get("spec") or {}).get("taints") or []}


async def test_cordon_drain_uncordon(cluster: Cluster) -> None:
    client = cluster.client
    await client.create(rt("apps", "Deployment"), deployment(6))

    async def running(count: int, avoid: str = "") -> list[Obj] | None:
        pods = [p for p in await cluster.pods() if "deletionTimestamp" not in p["metadata"]]
        ok = (
            len(pods) == count
            and all(p["status"].get("phase") == "Running" for p in pods)
            and all(p["spec"]["nodeName"] != avoid for p in pods)
        )
        return pods if ok else None

    placed = await eventually(lambda: running(6))
    assert any(p["spec"]["nodeName"] == "sim-1" for p in placed)

    out = await cluster.kubectl("cordon", "sim-1")
    assert "node/sim-1 cordoned" in out
    node = await client.get(NODE, "sim-1")
    assert node["spec"]["unschedulable"] is True

    async def cordon_tainted() -> bool:
        return CORDON_TAINT in taints_of(await client.get(NODE, "sim-1"))

    await eventually(cordon_tainted)
    listing = await cluster.kubectl("get", "nodes")
    assert "SchedulingDisabled" in listing

    # New pods avoid the cordoned host.
    before = {p["metadata"]["uid"] for p in placed}
    await client.patch(
        rt("apps", "Deployment"), "web", {"spec": {"replicas": 9}}, namespace="default"
    )
    pods = await eventually(lambda: running(9))
    new = [p for p in pods if p["metadata"]["uid"] not in before]
    assert len(new) == 3 and all(p["spec"]["nodeName"] != "sim-1" for p in new)

    out = await cluster.kubectl(
        "drain",
        "sim-1",
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--force",
        "--timeout=60s",
    )
    assert "evicting pod default/" in out and "node/sim-1 drained" in out
    drained = await eventually(lambda: running(9, avoid="sim-1"))
    assert {p["spec"]["nodeName"] for p in drained} == {"sim-0", "sim-2"}

    out = await cluster.kubectl("uncordon", "sim-1")
    assert "node/sim-1 uncordoned" in out
    node = await client.get(NODE, "sim-1")
    assert not node["spec"].get("unschedulable")

    async def untainted() -> bool:
        return CORDON_TAINT not in taints_of(await client.get(NODE, "sim-1"))

    await eventually(untainted)
    # The host takes pods again.
    await client.patch(
        rt("apps", "Deployment"), "web", {"spec": {"replicas": 12}}, namespace="default"
    )
    pods = await eventually(lambda: running(12))
    assert any(p["spec"]["nodeName"] == "sim-1" for p in pods)
