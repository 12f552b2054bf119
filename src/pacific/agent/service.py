"""The agent service: register the host as a Node, heartbeat, and run its pods.

    await run_agent(client, config, runtimes=..., network=..., images=...)

runs until cancelled, as tasks of one TaskGroup:
- node status: the Node is created if missing (labels, NUMA annotation) and its status
  (capacity, conditions, addresses, nodeInfo) written through nodes/status at start, then
  every `status_report_s`, or at the next heartbeat when a condition changes (kubelet's
  nodeStatusReportFrequency / nodeStatusUpdateFrequency);
- the Lease heartbeat (`lease.run_heartbeat`);
- the pod sync loop (`sync.PodSync`);
- image garbage collection under disk pressure (`run_image_gc`).
The network's `recover()` runs first so its leases match the host before any pod syncs.
Nothing here stops a container when the agent stops: cancelling leaves pods running, and
the next start adopts them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Mapping
from typing import Any

from pacific import __version__
from pacific.agent.config import AgentConfig
from pacific.agent.images.errors import ImageError
from pacific.agent.images.store import ImageStore
from pacific.agent.lease import LEASE_NAMESPACE, run_heartbeat
from pacific.agent.network.protocol import Network
from pacific.agent.node import HostObservation, node_object, node_status, observe_host
from pacific.agent.runtimes.protocol import Runtime
from pacific.agent.sources import HostFacts, resource
from pacific.agent.sync import PodSync
from pacific.agent.volumes import Volumes
from pacific.api.errors import AlreadyExists, APIError
from pacific.client import Client, ClientError, EventRecorder
from pacific.client.clock import rfc3339
from pacific.host import Runner

log = logging.getLogger(__name__)
Obj = dict[str, Any]


def detect_node_ip() -> str:
    """The address this host reaches others from (no packet is sent), else 127.0.0.1."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.254.254.254", 1))
        return str(s.getsockname()[0])
    with contextlib.suppress(OSError):
        return socket.gethostbyname(socket.gethostname())
    return "127.0.0.1"


class NodeReporter:
    def __init__(
        self, client: Client, config: AgentConfig, name: str, node_ip: str, runtime_version: str
    ) -> None:
        self.client = client
        self.config = config
        self.name = name
        self.node_ip = node_ip
        self.runtime_version = runtime_version
        self.nodes_rt = resource("", "Node")
        self._conditions: list[Obj] = []

    async def observe(self) -> HostObservation:
        return await asyncio.to_thread(observe_host, self.config.state_dir)

    async def register(self, obs: HostObservation) -> None:
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": LEASE_NAMESPACE}}
        with contextlib.suppress(AlreadyExists):
            await self.client.create(resource("", "Namespace"), namespace)
        node = node_object(self.name, self.config, obs)
        try:
            await self.client.create(self.nodes_rt, node)
        except AlreadyExists:
            patch = {"metadata": {k: node["metadata"][k] for k in ("labels", "annotations")}}
            await self.client.patch(self.nodes_rt, self.name, patch)
        await self.report(obs)

    async def report(self, obs: HostObservation) -> None:
        status = node_status(
            self.config,
            obs,
            node_ip=self.node_ip,
            hostname=self.name,
            runtime_version=self.runtime_version,
            now=rfc3339(self.client.clock.now()),
            old_conditions=self._conditions,
        )
        await self.client.patch(self.nodes_rt, self.name, {"status": status}, subresource="status")
        self._conditions = status["conditions"]

    def _statuses(self, conditions: list[Obj]) -> dict[str, str]:
        return {str(c["type"]): str(c["status"]) for c in conditions}

    async def run(self) -> None:
        last = self.client.clock.monotonic()
        while True:
            await self.client.clock.sleep(self.config.heartbeat_s)
            try:
                obs = await self.observe()
                old = self._statuses(self._conditions)
                fresh = node_status(
                    self.config,
                    obs,
                    node_ip=self.node_ip,
                    hostname=self.name,
                    runtime_version=self.runtime_version,
                    now="",
                    old_conditions=None,
                )
                due = self.client.clock.monotonic() - last >= self.config.status_report_s
                if due or self._statuses(fresh["conditions"]) != old:
                    await self.report(obs)
                    last = self.client.clock.monotonic()
            except (APIError, ClientError, OSError) as exc:
                log.warning("node status of %s: %s", self.name, exc)


async def run_image_gc(
    client: Client, config: AgentConfig, images: ImageStore, runtimes: Mapping[str, Runtime]
) -> None:
    """kubelet's image GC: every period, above the high mark, drop least-recently-used
    images that no container on this host (running or exited) was made from."""
    while True:
        await client.clock.sleep(config.image_gc_period_s)
        in_use: set[str] = set()
        for runtime in runtimes.values():
            for c in await runtime.list_containers():
                in_use.update(ref for ref in (c.image, c.image_id) if ref)
        try:
            plan = await images.gc_under_pressure(
                config.image_gc_high_percent, config.image_gc_low_percent, in_use=in_use
            )
        except (OSError, ImageError) as exc:
            log.warning("image garbage collection: %s", exc)
            continue
        if plan.remove:
            log.info("image garbage collection removed %d images", len(plan.remove))


async def run_agent(
    client: Client,
    config: AgentConfig,
    *,
    runtimes: Mapping[str, Runtime],
    network: Network,
    images: ImageStore,
    runner: Runner | None = None,
) -> None:
    """Run this host's agent until cancelled."""
    if config.default_runtime not in runtimes:
        raise ValueError(
            f"default runtime {config.default_runtime!r} is not among {sorted(runtimes)}"
        )
    name = config.resolved_node_name()
    node_ip = config.node_ip or await asyncio.to_thread(detect_node_ip)
    info = runtimes[config.default_runtime].info
    reporter = NodeReporter(client, config, name, node_ip, f"pacific-{info.name}://{__version__}")
    obs = await reporter.observe()
    await reporter.register(obs)
    await network.recover()
    recorder = EventRecorder(client, "kubelet", host=name)
    host = HostFacts(name, node_ip, obs.cpus, obs.memory)
    sync = PodSync(
        client,
        config,
        host,
        runtimes=runtimes,
        network=network,
        images=images,
        recorder=recorder,
        volumes=Volumes(config.pods_dir, runner),
    )
    async with asyncio.TaskGroup() as tg:
        tg.create_task(run_heartbeat(client, name, config.heartbeat_s, config.lease_duration_s))
        tg.create_task(reporter.run())
        tg.create_task(sync.run())
        tg.create_task(run_image_gc(client, config, images, runtimes))
