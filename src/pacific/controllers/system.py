"""System objects every cluster has, kept in place like kube-apiserver's own controllers.

- Namespaces `default`, `kube-system`, `kube-public` and `kube-node-lease` exist (created
  when missing, e.g. deleted by hand — they come back, as in kube).
- Service `kubernetes` in `default`: ClusterIP, port "https" 443 → the apiserver's port,
  no selector (so the endpoints controller leaves it alone), and Endpoints `kubernetes`
  pointing at the advertised apiserver address and port.
`desired_service` / `desired_endpoints` build them (pure). The controller converges once
on start, whenever one of these objects changes or disappears, and every `interval`
seconds. Only the fields it owns are corrected; the apiserver's allocations (clusterIP)
are kept.
- The built-in PriorityClasses `system-cluster-critical` and `system-node-critical`
  (`pacific.api.admission.priority.SYSTEM_PRIORITY_CLASSES`) exist.
"""

from __future__ import annotations

import contextlib

from pacific.api.admission.priority import SYSTEM_PRIORITY_CLASSES
from pacific.api.errors import AlreadyExists, NotFound
from pacific.client import Client, Clock, WorkQueue
from pacific.controllers.informers import SharedInformers, resource, run_workers
from pacific.controllers.objects import Obj, name_of, namespace_of

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
KUBERNETES = "kubernetes"
SYSTEM_INTERVAL = 60.0
_KEY = "system"


def desired_service(port: int) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": KUBERNETES,
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "sessionAffinity": "None",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
        },
    }


def desired_endpoints(address: str, port: int) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": KUBERNETES,
            "namespace": "default",
            "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
        },
        "subsets": [
            {
                "addresses": [{"ip": address}],
                "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
            }
        ],
    }


def _ports_match(current: list[Obj], desired: list[Obj]) -> bool:
    def norm(ports: list[Obj]) -> list[tuple[object, ...]]:
        return [
            (p.get("name"), p.get("port"), p.get("protocol", "TCP"), p.get("targetPort"))
            for p in ports
        ]

    return norm(current) == norm(desired)


class SystemController:
    def __init__(
        self,
        client: Client,
        informers: SharedInformers,
        clock: Clock,
        *,
        address: str,
        port: int,
        interval: float = SYSTEM_INTERVAL,
    ) -> None:
        self.client = client
        self.clock = clock
        self.address = address
        self.port = port
        self.interval = interval
        self.ns_type = resource("", "Namespace")
        self.svc_type = resource("", "Service")
        self.ep_type = resource("", "Endpoints")
        self.pc_type = resource("scheduling.k8s.io", "PriorityClass")
        self.namespaces = informers.get(self.ns_type)
        self.services = informers.get(self.svc_type)
        self.endpoints = informers.get(self.ep_type)
        self.queue: WorkQueue[str] = WorkQueue(clock=clock, name="system")
        self.namespaces.on_delete(self._maybe)
        self.namespaces.on_update(lambda old, new: self._maybe(new))
        for informer in (self.services, self.endpoints):
            informer.on_delete(self._maybe)
            informer.on_update(lambda old, new: self._maybe(new))

    def _maybe(self, obj: Obj) -> None:
        if name_of(obj) in SYSTEM_NAMESPACES or (
            name_of(obj) == KUBERNETES and namespace_of(obj) == "default"
        ):
            self.queue.add(_KEY)

    async def run(self) -> None:
        self.queue.add(_KEY)
        informers = [self.namespaces, self.services, self.endpoints]
        await run_workers(self.queue, self.reconcile, informers, 1)

    async def reconcile(self, key: str) -> None:
        self.queue.add_after(key, self.interval)
        for name in SYSTEM_NAMESPACES:
            if self.namespaces.get(None, name) is None:
                body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                with contextlib.suppress(AlreadyExists):
                    await self.client.create(self.ns_type, body)
        await self._ensure_service()
        await self._ensure_endpoints()
        for pc in SYSTEM_PRIORITY_CLASSES:
            with contextlib.suppress(AlreadyExists):
                await self.client.create(self.pc_type, pc)

    async def _ensure_service(self) -> None:
        desired = desired_service(self.port)
        try:
            current = await self.client.get(self.svc_type, KUBERNETES, "default")
        except NotFound:
            with contextlib.suppress(AlreadyExists):
                await self.client.create(self.svc_type, desired)
            return
        ports = (current.get("spec") or {}).get("ports") or []
        if not _ports_match(ports, desired["spec"]["ports"]):
            patch = {"spec": {"ports": desired["spec"]["ports"]}}
            await self.client.patch(self.svc_type, KUBERNETES, patch, namespace="default")

    async def _ensure_endpoints(self) -> None:
        desired = desired_endpoints(self.address, self.port)
        try:
            current = await self.client.get(self.ep_type, KUBERNETES, "default")
        except NotFound:
            with contextlib.suppress(AlreadyExists):
                await self.client.create(self.ep_type, desired)
            return
        if current.get("subsets") != desired["subsets"]:
            patch = {"subsets": desired["subsets"]}
            await self.client.patch(self.ep_type, KUBERNETES, patch, namespace="default")
