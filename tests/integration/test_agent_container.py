"""The agent with the real container runtime (crun + conmon) and the real bridge network:
a busybox httpd pod goes Running and Ready through an httpGet readiness probe from the
host, an exiting pod is Failed with its exit code, and a graceful delete leaves nothing
behind (no sandbox, namespace, address, pod directory or cgroup)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from ipaddress import IPv4Network, ip_address
from pathlib import Path
from typing import Any

import pytest

from pacific.agent.config import AgentConfig
from pacific.agent.images.store import ImageStore, StoreConfig
from pacific.agent.images.testimages import BUSYBOX, write_archives
from pacific.agent.network.bridge import BridgeNetwork
from pacific.agent.network.config import NetworkConfig
from pacific.agent.runtimes.container import ContainerRuntime, ContainerRuntimeConfig
from pacific.agent.service import run_agent
from pacific.api import kinds
from pacific.client import Client
from pacific.testing.apiserver import running_apiserver

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="containers and bridges need root"),
    pytest.mark.skipif(
        not all(shutil.which(b) for b in ("crun", "conmon", "catatonit", "ip", "nft")),
        reason="crun, conmon, catatonit, iproute2 and nftables are needed (scripts/install.sh)",
    ),
    pytest.mark.skipif(not BUSYBOX.exists(), reason="busybox-static is not installed"),
]
IMAGE = "pacific.test/busybox:latest"
Obj = dict[str, Any]
PODS = kinds.by_kind("", "v1", "Pod")


def free_cidr() -> IPv4Network:
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    taken = [IPv4Network(word, strict=False) for word in routes.split() if "/" in word]
    while True:
        cidr = IPv4Network(f"10.252.{random.randrange(256)}.0/24")
        if not any(cidr.overlaps(net) for net in taken):
            return cidr


async def until(client: Client, name: str, check: Callable[[Obj], bool]) -> Obj:
    assert PODS is not None
    async with asyncio.timeout(60):
        while True:
            with contextlib.suppress(Exception):
                obj = await client.get(PODS, name, "default")
                if check(obj):
                    return obj
            await asyncio.sleep(0.1)


async def gone(client: Client, name: str) -> None:
    assert PODS is not None
    async with asyncio.timeout(60):
        while True:
            try:
                await client.get(PODS, name, "default")
            except Exception:
                return
            await asyncio.sleep(0.1)


@dataclass
class Host:
    """The agent and what it drives; `restart()` replaces agent, runtime and network
    objects by new ones over the same host state, as a restarted process would."""

    client: Client
    config: AgentConfig
    net_config: NetworkConfig
    runtime_config: ContainerRuntimeConfig
    images: ImageStore
    runtime: ContainerRuntime | None = None
    network: BridgeNetwork | None = None
    task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.runtime = ContainerRuntime(self.runtime_config)
        self.network = BridgeNetwork(self.net_config)
        self.task = asyncio.create_task(
            run_agent(
                self.client,
                self.config,
                runtimes={"container": self.runtime},
                network=self.network,
                images=self.images,
            )
        )

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def restart(self) -> None:
        await self.stop()
        self.start()


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[Host]:
    tag = secrets.token_hex(3)
    net_config = NetworkConfig(
        state_dir=tmp_path / "network",
        bridge=f"pagt{tag}",
        pod_cidr=free_cidr(),
        table=f"pacific_agt_{tag}",
        netns_prefix=f"pagt{tag}-",
        link_prefix="y" + tag[:3],
    )
    images = ImageStore(StoreConfig(root=tmp_path / "images"))
    archives = await asyncio.to_thread(write_archives, tmp_path / "archives")
    await images.import_archive(archives["busybox"])
    config = AgentConfig(
        node_name="h1",
        state_dir=tmp_path / "agent",
        log_dir=tmp_path / "logs",
        node_ip="127.0.0.1",
        cgroup_root=f"pacific-agt-{tag}",
    )
    runtime_config = ContainerRuntimeConfig(root=tmp_path / "runtime", event_poll_s=0.05)
    async with running_apiserver(None, tmp_path / "api") as srv:
        client = Client(srv.url, token=srv.token, ca_path=str(srv.ca_path))
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}
        await client.create(kinds.by_kind("", "v1", "Namespace"), ns)  # type: ignore[arg-type]
        h = Host(client, config, net_config, runtime_config, images)
        h.start()
        try:
            yield h
        finally:
            await h.stop()
            runtime = ContainerRuntime(runtime_config)
            for sb in await runtime.list_sandboxes():
                await runtime.stop_sandbox(sb.id, 1)
                await runtime.remove_sandbox(sb.id)
            network = BridgeNetwork(net_config)
            for att in await network.recover():
                await network.teardown(att.pod_uid)
            await network.remove_host()
            await client.aclose()
            await asyncio.to_thread(remove_cgroups, config.cgroup_root)


def remove_cgroups(root: str) -> None:
    """The QoS-tier parents the runtime shares and keeps."""
    for top in Path("/sys/fs/cgroup").iterdir():
        for tier in ("burstable", "besteffort", ""):
            with contextlib.suppress(OSError):
                (top / root / tier).rmdir()


def pod(name: str, command: list[str], **extra: Any) -> Obj:
    container = {
        "name": "app",
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        **extra,
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "nodeName": "h1",
            "restartPolicy": "Never",
            "containers": [container],
            "terminationGracePeriodSeconds": 5,
        },
    }


async def test_real_pod_runs_ready_and_deletes_cleanly(host: Host) -> None:
    client, config = host.client, host.config
    assert PODS is not None
    probe = {"httpGet": {"port": 8080, "path": "/index.html"}, "periodSeconds": 1}
    liveness = {"exec": {"command": ["true"]}, "periodSeconds": 1}
    web = pod(
        "web",
        ["httpd", "-f", "-p", "8080", "-h", "/var/www"],
        readinessProbe=probe,
        livenessProbe=liveness,
    )
    await client.create(PODS, web)
    p = await until(
        client,
        "web",
        lambda p: any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p["status"].get("conditions") or ()
        ),
    )
    assert p["status"]["phase"] == "Running"
    assert ip_address(p["status"]["podIP"]) in host.net_config.pod_cidr
    uid = p["metadata"]["uid"]
    logs = config.log_dir / f"default_web_{uid}" / "app"
    assert logs.is_dir()

    await client.create(PODS, pod("oops", ["sh", "-c", "echo bye; exit 3"]))
    p = await until(client, "oops", lambda p: p["status"].get("phase") == "Failed")
    term = p["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (term["exitCode"], term["reason"]) == (3, "Error")

    await client.delete(PODS, "web", "default")
    await client.delete(PODS, "oops", "default")
    await gone(client, "web")
    await gone(client, "oops")
    assert host.runtime is not None and host.network is not None
    assert await host.runtime.list_sandboxes() == []
    assert await host.network.recover() == []
    assert not (config.pods_dir / uid).exists()


async def test_restarted_agent_adopts_the_running_container(host: Host) -> None:
    assert PODS is not None and host.runtime is not None
    await host.client.create(PODS, pod("keep", ["sleep", "3600"]))
    p = await until(host.client, "keep", lambda p: p["status"].get("phase") == "Running")
    before = p["status"]["containerStatuses"][0]
    await host.restart()
    assert host.runtime is not None
    await asyncio.sleep(1)
    p = await until(host.client, "keep", lambda p: p["status"].get("phase") == "Running")
    after = p["status"]["containerStatuses"][0]
    assert after["containerID"] == before["containerID"]
    assert after["restartCount"] == 0 and "running" in after["state"]
    running = [c for c in await host.runtime.list_containers() if c.name == "app"]
    assert [c.state.value for c in running] == ["running"]
    await host.client.delete(PODS, "keep", "default")
    await gone(host.client, "keep")
    assert await host.runtime.list_sandboxes() == []
