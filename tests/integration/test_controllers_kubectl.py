"""`kubectl rollout` against the real apiserver with the core controllers running.

kubectl runs as an async subprocess (the apiserver shares this event loop). No agent runs,
so where a rollout must finish the test marks pods Running and Ready itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from pacific.api import kinds
from pacific.api.errors import NotFound
from pacific.client import Client
from pacific.controllers import ControllersConfig, run_controllers

apiserver = pytest.importorskip("pacific.testing.apiserver")
KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

POD = kinds.by_kind("", "v1", "Pod")
RS = kinds.by_kind("apps", "v1", "ReplicaSet")
DEPLOY = kinds.by_kind("apps", "v1", "Deployment")
REVISION = "deployment.kubernetes.io/revision"


class Cluster:
    def __init__(self, client: Client, kubeconfig: Path) -> None:
        self.client = client
        self.kubeconfig = kubeconfig

    async def kubectl(self, *args: str, check: bool = True) -> str:
        proc = await asyncio.create_subprocess_exec(
            str(KUBECTL),
            f"--kubeconfig={self.kubeconfig}",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {err.decode()}")
        return out.decode() + err.decode()


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 15.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    last: BaseException | None = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            if result := await check():
                return result
        except (AssertionError, KeyError, IndexError, NotFound) as exc:
            last = exc
        await asyncio.sleep(0.1)
    raise AssertionError(f"condition not met in {within}s: {last!r}")


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    async with (
        apiserver.running_apiserver(None, tmp_path) as srv,
        Client.from_kubeconfig(srv.kubeconfig_path) as client,
    ):
        task = asyncio.create_task(run_controllers(client, ControllersConfig(root_ca_pem="x")))
        try:
            await eventually(lambda: client.get(kinds.by_kind("", "v1", "Namespace"), "default"))
            yield Cluster(client, srv.kubeconfig_path)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def make_pods_ready(client: Client) -> None:
    """Play the agent: every pending pod becomes Running and Ready."""
    for pod in (await client.list(POD, "default")).items:
        if pod.get("status", {}).get("phase") == "Running":
            continue
        status = {
            "status": {
                "phase": "Running",
                "podIP": "10.0.0.9",
                "conditions": [{"type": "Ready", "status": "True",
                                "lastTransitionTime": "2025-01-01T00:00:00Z"}],
            }
        }  # fmt: skip
        with contextlib.suppress(NotFound):
            await client.patch(POD, pod["metadata"]["name"], status, namespace="default",
                               subresource="status")  # fmt: skip


async def finish_rollout(cluster: Cluster) -> str:
    async def done() -> str:
        await make_pods_ready(cluster.client)
        out = await cluster.kubectl("rollout", "status", "deployment/web", "--watch=false")
        return out if "successfully rolled out" in out else ""

    return str(await eventually(done, within=30))


async def revisions(client: Client) -> dict[str, str]:
    """revision -> image of every ReplicaSet."""
    out = {}
    for rs in (await client.list(RS, "default")).items:
        image = rs["spec"]["template"]["spec"]["containers"][0]["image"]
        out[rs["metadata"]["annotations"][REVISION]] = image
    return out


async def test_rollout_status_history_undo_restart_pause_resume(cluster: Cluster) -> None:
    await cluster.kubectl("create", "deployment", "web", "--image=nginx:1", "--replicas=2")
    out = await cluster.kubectl("rollout", "status", "deployment/web", "--watch=false")
    assert "Waiting for deployment" in out
    await finish_rollout(cluster)

    await cluster.kubectl("set", "image", "deployment/web", "nginx=nginx:2")
    await finish_rollout(cluster)
    assert await revisions(cluster.client) == {"1": "nginx:1", "2": "nginx:2"}
    history = await cluster.kubectl("rollout", "history", "deployment/web")
    assert "1" in history and "2" in history

    await cluster.kubectl("rollout", "undo", "deployment/web")
    await finish_rollout(cluster)
    assert await revisions(cluster.client) == {"3": "nginx:1", "2": "nginx:2"}
    deploy = await cluster.client.get(DEPLOY, "web", "default")
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1"
    assert deploy["metadata"]["annotations"][REVISION] == "3"

    await cluster.kubectl("rollout", "restart", "deployment/web")
    await finish_rollout(cluster)
    assert sorted(await revisions(cluster.client)) == ["2", "3", "4"]

    await cluster.kubectl("rollout", "pause", "deployment/web")

    async def paused() -> bool:
        d = await cluster.client.get(DEPLOY, "web", "default")
        conds = {c["type"]: c["reason"] for c in d["status"]["conditions"]}
        return conds["Progressing"] == "DeploymentPaused"

    await eventually(paused)
    await cluster.kubectl("set", "image", "deployment/web", "nginx=nginx:3")
    await asyncio.sleep(0.5)
    assert "nginx:3" not in (await revisions(cluster.client)).values()
    await cluster.kubectl("rollout", "resume", "deployment/web")
    await finish_rollout(cluster)
    assert (await revisions(cluster.client))["5"] == "nginx:3"
    events = await cluster.kubectl("get", "events", "--field-selector=reason=ScalingReplicaSet")
    assert "Scaled up replica set web-" in events
