"""The node lifecycle controller alone, on a fake clock, against the real apiserver.

The test plays the host: it writes the Node and its Lease itself and moves virtual time,
so grace periods and toleration deadlines are asserted to the second without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pacific.api import kinds
from pacific.api.resources import ResourceType
from pacific.client import Client
from pacific.client.clock import rfc3339
from pacific.controllers.informers import SharedInformers
from pacific.controllers.nodelifecycle import NodeLifecycleController
from pacific.testing.apiserver import running_apiserver
from pacific.testing.clock import FakeClock

Obj = dict[str, Any]
UNREACHABLE = "node.kubernetes.io/unreachable"


def rt(group: str, kind: str) -> ResourceType:
    found = kinds.by_kind(group, "v1", kind)
    assert found is not None
    return found


NS, NODE, POD, LEASE = (
    rt("", "Namespace"),
    rt("", "Node"),
    rt("", "Pod"),
    rt("coordination.k8s.io", "Lease"),
)


@dataclass
class Host:
    client: Client
    clock: FakeClock

    async def renew(self) -> None:
        now = self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        await self.client.patch(
            LEASE, "h1", {"spec": {"renewTime": now}}, namespace="kube-node-lease"
        )

    async def node(self) -> Obj:
        return await self.client.get(NODE, "h1")

    async def pod(self, name: str) -> Obj:
        return await self.client.get(POD, name, "default")


async def settled(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)


async def quiet() -> None:
    """Real time for the controller to act on what it has seen (for negative checks)."""
    await asyncio.sleep(0.5)


def pod(name: str, seconds: int) -> Obj:
    return {
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "nodeName": "h1",
            "containers": [{"name": "c", "image": "busybox"}],
            "tolerations": [
                {"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute",
                 "tolerationSeconds": seconds},
            ],
        },
    }  # fmt: skip


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[Host]:
    clock = FakeClock(start=datetime.now(UTC))
    async with (
        running_apiserver(None, tmp_path) as srv,
        Client(srv.url, token=srv.token, ca_path=str(srv.ca_path), clock=clock) as client,
    ):
        for ns in ("default", "kube-node-lease"):
            await client.create(NS, {"metadata": {"name": ns}})
        stamp = rfc3339(clock.now())
        ready = {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}  # fmt: skip
        await client.create(NODE, {"metadata": {"name": "h1"}})
        await client.patch(NODE, "h1", {"status": {"conditions": [ready]}}, subresource="status")
        lease = {"metadata": {"name": "h1", "namespace": "kube-node-lease"},
                 "spec": {"holderIdentity": "h1", "leaseDurationSeconds": 40}}  # fmt: skip
        await client.create(LEASE, lease)
        h = Host(client, clock)
        await h.renew()
        await client.create(POD, pod("short", 10))
        await client.create(POD, pod("long", 30))
        informers = SharedInformers(client, clock)
        controller = NodeLifecycleController(client, informers, clock, grace_period=40)
        tasks = [asyncio.create_task(informers.run()), asyncio.create_task(controller.run())]
        try:
            await settled(lambda: _delayed(controller))
            yield h
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _delayed(controller: NodeLifecycleController) -> bool:
    return "h1" in controller.queue.delayed()


def ready_status(node: Obj) -> str:
    return str(next(c for c in node["status"]["conditions"] if c["type"] == "Ready")["status"])


def taints(node: Obj) -> set[tuple[str, str]]:
    return {(t["key"], t["effect"]) for t in node["spec"].get("taints") or []}


async def test_grace_period_and_toleration_deadlines_on_virtual_time(host: Host) -> None:
    clock = host.clock
    await clock.step(39)
    await quiet()
    assert ready_status(await host.node()) == "True"

    await clock.step(1.5)

    async def lost() -> bool:
        node = await host.node()
        return ready_status(node) == "Unknown" and (UNREACHABLE, "NoExecute") in taints(node)

    await settled(lost)
    assert taints(await host.node()) == {(UNREACHABLE, "NoExecute"), (UNREACHABLE, "NoSchedule")}
    await quiet()
    assert "deletionTimestamp" not in (await host.pod("short"))["metadata"]

    await clock.step(10)

    async def evicted(name: str) -> bool:
        return "deletionTimestamp" in (await host.pod(name))["metadata"]

    await settled(lambda: evicted("short"))
    short = await host.pod("short")
    reasons = {c["type"]: c.get("reason") for c in short["status"]["conditions"]}
    assert reasons["DisruptionTarget"] == "DeletionByTaintManager"
    assert not await evicted("long")

    await clock.step(20)
    await settled(lambda: evicted("long"))

    await host.renew()  # the host is back

    async def back() -> bool:
        node = await host.node()
        return ready_status(node) == "True" and not taints(node)

    await settled(back)
