"""Simulated hosts (like kwok): Nodes that heartbeat and "run" bound pods, with no agent.

    async with asyncio.TaskGroup() as tg:
        tg.create_task(run_simhosts(client, 20, cpu=32, memory="128Gi", numa=2))

Model: `run_simhosts` registers `count` Nodes named `<prefix><i>` with one shape
(capacity = allocatable: `cpu` cores, `memory`, `pods`), the labels a kubelet sets
(kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch), a Ready condition, and
the NUMA layout as the `pacific.dev/numa-topology` annotation (`numa` equal NUMA nodes
with consecutive CPU ranges, see `pacific.scheduler.numa`). It then runs until cancelled:
- heartbeats: one Lease per host in `kube-node-lease` whose `spec.renewTime` is renewed
  every `heartbeat` seconds, all hosts in one batch per period (bounded concurrency);
- pods: every pod bound to one of its hosts and not yet Running is moved to Running in
  one status write: phase Running, conditions Initialized/Ready/ContainersReady/
  PodScheduled True, a podIP from the host's fake /24 (10.<64 + i // 256>.<i % 256>.0/24),
  hostIP, startTime and a running containerStatus per container. Nothing is started;
- graceful deletions: a pod on one of its hosts marked for deletion is confirmed at once
  (deleted with grace 0, guarded by its uid), as a kubelet does once its containers stop.
Existing Nodes and Leases (a restart) are taken over, not duplicated. Time comes from the
client's clock, so tests can drive heartbeats with a FakeClock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import orjson

from pacific.api import kinds
from pacific.api.errors import AlreadyExists, APIError, Conflict, NotFound
from pacific.api.resources import ResourceType
from pacific.api.validation.quantity import parse_quantity
from pacific.client import Client, ClientError, Informer, WorkQueue, run_worker
from pacific.client.clock import rfc3339
from pacific.client.informer import key_of, split_key
from pacific.client.paths import object_path
from pacific.scheduler.numa import TOPOLOGY_ANNOTATION, NumaNode, format_topology
from pacific.scheduler.wire import WirePool

log = logging.getLogger(__name__)

Obj = dict[str, Any]
LEASE_NAMESPACE = "kube-node-lease"
HEARTBEAT_SECONDS = 10.0
LEASE_DURATION_SECONDS = 40
CONCURRENCY = 32
_RUNNING_CONDITIONS = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)


def _rt(group: str, kind: str) -> ResourceType:
    rt = kinds.by_kind(group, "v1", kind)
    if rt is None:
        raise RuntimeError(f"kind {group}/v1 {kind} is not registered")
    return rt


@dataclass(frozen=True, slots=True)
class HostShape:
    cpu: int  # cores
    memory: str  # quantity
    numa: int = 1
    pods: int = 110
    labels: dict[str, str] = field(default_factory=dict)


def host_ip(index: int) -> str:
    return f"10.{64 + index // 256}.{index % 256}.1"


def pod_ip(index: int, serial: int) -> str:
    return f"10.{64 + index // 256}.{index % 256}.{2 + serial % 252}"


def node_object(name: str, index: int, shape: HostShape, now: str) -> Obj:
    """The Node a simulated host registers (status included)."""
    if shape.cpu < 1 or shape.numa < 1 or shape.cpu % shape.numa:
        raise ValueError("cpu must be a positive multiple of numa")
    memory = int(parse_quantity(shape.memory))
    per_node = shape.cpu // shape.numa
    topology = format_topology(
        tuple(NumaNode(i, per_node * 1000, memory // shape.numa) for i in range(shape.numa)),
        per_node,
    )
    resources = {"cpu": str(shape.cpu), "memory": shape.memory, "pods": str(shape.pods)}
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "type": "simulated",
        **shape.labels,
    }
    ready = {
        "type": "Ready",
        "status": "True",
        "reason": "KubeletReady",
        "message": "simulated host is ready",
        "lastHeartbeatTime": now,
        "lastTransitionTime": now,
    }
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {TOPOLOGY_ANNOTATION: topology},
        },
        "spec": {},
        "status": {
            "capacity": resources,
            "allocatable": resources,
            "conditions": [ready],
            "addresses": [
                {"type": "InternalIP", "address": host_ip(index)},
                {"type": "Hostname", "address": name},
            ],
            "nodeInfo": {
                "architecture": "amd64",
                "operatingSystem": "linux",
                "kubeletVersion": "v1.32.0-pacific-sim",
                "containerRuntimeVersion": "pacific-sim://0",
                "kernelVersion": "",
                "osImage": "Pacific simulated host",
                "bootID": "",
                "machineID": "",
                "systemUUID": "",
                "kubeProxyVersion": "",
            },
        },
    }


def running_status(pod: Obj, ip: str, node_ip: str, now: str) -> Obj:
    """The status a pod gets when its simulated host "starts" it."""
    spec = pod.get("spec") or {}
    conditions = [
        {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
        for t in (
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        )
    ]
    containers = [
        {
            "name": c.get("name", ""),
            "image": c.get("image", ""),
            "imageID": "",
            "containerID": f"sim://{c.get('name', '')}",
            "ready": True,
            "started": True,
            "restartCount": 0,
            "state": {"running": {"startedAt": now}},
        }
        for c in spec.get("containers") or ()
    ]
    return {
        "phase": "Running",
        "conditions": conditions,
        "hostIP": node_ip,
        "hostIPs": [{"ip": node_ip}],
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "startTime": now,
        "qosClass": (pod.get("status") or {}).get("qosClass") or "BestEffort",
        "containerStatuses": containers,
    }


class SimHosts:
    def __init__(self, client: Client, count: int, shape: HostShape, prefix: str = "sim-") -> None:
        self.client = client
        self.shape = shape
        self.names = [f"{prefix}{i}" for i in range(count)]
        self.index = {name: i for i, name in enumerate(self.names)}
        self.nodes_rt = _rt("", "Node")
        self.pods_rt = _rt("", "Pod")
        self.leases_rt = _rt("coordination.k8s.io", "Lease")
        self.serial = dict.fromkeys(self.names, 0)
        self.pods = Informer(client, self.pods_rt, field_selector="spec.nodeName!=")
        self.queue: WorkQueue[str] = WorkQueue(clock=client.clock, name="simhosts")
        self.started = asyncio.Event()

    def _now(self) -> str:
        return rfc3339(self.client.clock.now())

    async def _bounded(self, jobs: list[Any]) -> None:
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one(job: Any) -> None:
            async with slots:
                await job

        async with asyncio.TaskGroup() as tg:
            for job in jobs:
                tg.create_task(one(job))

    async def register(self) -> None:
        await self._ensure_namespace()
        await self._bounded([self._register_one(name) for name in self.names])

    async def _ensure_namespace(self) -> None:
        ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": LEASE_NAMESPACE}}
        with contextlib.suppress(AlreadyExists):
            await self.client.create(_rt("", "Namespace"), ns)

    async def _register_one(self, name: str) -> None:
        node = node_object(name, self.index[name], self.shape, self._now())
        with contextlib.suppress(AlreadyExists):
            await self.client.create(self.nodes_rt, node)
        # Status is the kubelet's to write, through the status subresource.
        await self.client.patch(
            self.nodes_rt, name, {"status": node["status"]}, subresource="status"
        )

    async def heartbeat(self) -> None:
        await self._bounded([self._renew(name) for name in self.names])

    async def _renew(self, name: str) -> None:
        now = self.client.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        try:
            await self.client.patch(
                self.leases_rt, name, {"spec": {"renewTime": now}}, namespace=LEASE_NAMESPACE
            )
        except NotFound:
            lease = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": name, "namespace": LEASE_NAMESPACE},
                "spec": {
                    "holderIdentity": name,
                    "leaseDurationSeconds": LEASE_DURATION_SECONDS,
                    "renewTime": now,
                },
            }
            with contextlib.suppress(AlreadyExists):
                await self.client.create(self.leases_rt, lease)
        except (APIError, ClientError) as exc:
            log.warning("lease of %s: %s", name, exc)

    async def keep_alive(self, period: float, wire: WirePool | None = None) -> None:
        """Renew every lease once per `period` seconds, spread evenly over the period (the
        steady trickle kubelets started at different times make, not one burst), until
        cancelled. For benchmarks that must not let hosts go NotReady mid-measurement;
        `wire` (raw keep-alive connections) keeps the renewals' client cost small."""
        clock = self.client.clock
        count = len(self.names)
        step = max(1, count // max(1, int(period * 10)))  # about ten batches a second
        pause = period * step / count
        while True:
            for i in range(0, count, step):
                began = clock.monotonic()
                batch = self.names[i : i + step]
                if wire is None:
                    await self._bounded([self._renew(name) for name in batch])
                else:
                    await self._bounded([self._renew_over(wire, name) for name in batch])
                await clock.sleep(max(0.0, pause - (clock.monotonic() - began)))

    async def _renew_over(self, wire: WirePool, name: str) -> None:
        """Renew an existing lease with one merge patch over `wire`."""
        now = self.client.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        path = object_path(self.leases_rt, name, LEASE_NAMESPACE)
        body = orjson.dumps({"spec": {"renewTime": now}})
        try:
            await wire.send("PATCH", path, body, "application/merge-patch+json")
        except (APIError, ClientError) as exc:
            log.warning("lease of %s: %s", name, exc)

    def _pod_seen(self, pod: Obj) -> None:
        node = (pod.get("spec") or {}).get("nodeName")
        running = (pod.get("status") or {}).get("phase") == "Running"
        deleting = "deletionTimestamp" in (pod.get("metadata") or {})
        if node in self.index and (deleting or not running):
            self.queue.add(key_of(pod))

    async def start_pod(self, key: str) -> None:
        namespace, name = split_key(key)
        pod = self.pods.get(namespace, name)
        if pod is not None and "deletionTimestamp" in (pod.get("metadata") or {}):
            await self.finish_deletion(pod)
            return
        if pod is None or (pod.get("status") or {}).get("phase") == "Running":
            return
        node = pod["spec"]["nodeName"]
        index = self.index[node]
        self.serial[node] += 1
        status = running_status(pod, pod_ip(index, self.serial[node]), host_ip(index), self._now())
        try:
            await self.client.patch(
                self.pods_rt, name, {"status": status}, namespace=namespace, subresource="status"
            )
        except NotFound:
            return

    async def finish_deletion(self, pod: Obj) -> None:
        """A pod being deleted gracefully is "stopped" at once: confirm with grace 0."""
        meta = pod["metadata"]
        with contextlib.suppress(NotFound, Conflict):
            await self.client.delete(
                self.pods_rt,
                meta["name"],
                meta["namespace"],
                grace_period_seconds=0,
                preconditions={"uid": meta["uid"]},
            )

    async def run(self, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        await self.register()
        await self.heartbeat()
        self.pods.on_add(self._pod_seen)
        self.pods.on_update(lambda _old, new: self._pod_seen(new))
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self.pods.run())
            for _ in range(CONCURRENCY):
                tg.create_task(run_worker(self.queue, self.start_pod))
            await self.pods.wait_synced()
            self.started.set()
            while True:
                await self.client.clock.sleep(heartbeat)
                await self.heartbeat()


async def run_simhosts(
    client: Client,
    count: int,
    cpu: int,
    memory: str,
    numa: int,
    prefix: str = "sim-",
    *,
    pods: int = 110,
    labels: dict[str, str] | None = None,
    heartbeat: float = HEARTBEAT_SECONDS,
) -> None:
    """Run `count` simulated hosts of one shape until cancelled."""
    shape = HostShape(cpu, memory, numa, pods, labels or {})
    await SimHosts(client, count, shape, prefix).run(heartbeat)
