"""The endpoints controller: keeps an Endpoints object beside every Service with a selector.

Watches Services, pods and Endpoints. A pod change wakes every Service in its namespace
whose selector matched the pod before or after; a change to an Endpoints object wakes its
Service (so a hand-edited or deleted Endpoints is repaired). A pass computes the subsets
(`endpoints_plan`) and creates or updates the Endpoints only when they differ. When the
Service is gone, its Endpoints are deleted; Services without a selector are left alone
(their Endpoints belong to whoever wrote them).
"""

from __future__ import annotations

import contextlib

from pacific.api.errors import AlreadyExists, NotFound
from pacific.client import Client, Clock, WorkQueue, key_of
from pacific.controllers.endpoints_plan import (
    endpoints_differ,
    endpoints_for,
    plan_subsets,
    service_selector,
)
from pacific.controllers.informers import SharedInformers, resource, run_workers
from pacific.controllers.objects import Obj, labels_of, meta, namespace_of
from pacific.controllers.patches import guarded, merge_patch


class EndpointsController:
    def __init__(
        self, client: Client, informers: SharedInformers, clock: Clock, *, workers: int = 5
    ) -> None:
        self.client = client
        self.clock = clock
        self.workers = workers
        self.svc_type = resource("", "Service")
        self.ep_type = resource("", "Endpoints")
        self.services = informers.get(self.svc_type)
        self.pods = informers.get(resource("", "Pod"))
        self.endpoints = informers.get(self.ep_type)
        self.queue: WorkQueue[str] = WorkQueue(clock=clock, name="endpoints")
        self.services.on_add(lambda svc: self.queue.add(key_of(svc)))
        self.services.on_update(lambda old, new: self.queue.add(key_of(new)))
        self.services.on_delete(lambda svc: self.queue.add(key_of(svc)))
        self.pods.on_add(lambda pod: self._pod_changed(pod, pod))
        self.pods.on_update(self._pod_changed)
        self.pods.on_delete(lambda pod: self._pod_changed(pod, pod))
        self.endpoints.on_update(lambda old, new: self._endpoints_changed(new))
        self.endpoints.on_delete(self._endpoints_changed)

    async def run(self) -> None:
        informers = [self.services, self.pods, self.endpoints]
        await run_workers(self.queue, self.reconcile, informers, self.workers)

    def _pod_changed(self, old: Obj, new: Obj) -> None:
        for svc in self.services.list(namespace_of(new)):
            selector = service_selector(svc)
            if selector is None:
                continue
            if selector.matches(labels_of(old)) or selector.matches(labels_of(new)):
                self.queue.add(key_of(svc))

    def _endpoints_changed(self, ep: Obj) -> None:
        key = key_of(ep)
        svc = self.services.get(namespace_of(ep), str(meta(ep).get("name")))
        if svc is not None and service_selector(svc) is not None:
            self.queue.add(key)

    async def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        svc = self.services.get(namespace, name)
        if svc is None:
            with contextlib.suppress(NotFound):
                await self.client.delete(self.ep_type, name, namespace)
            return
        if service_selector(svc) is None:
            return
        desired = endpoints_for(svc, plan_subsets(svc, self.pods.list(namespace)))
        current = self.endpoints.get(namespace, name)
        if current is None:
            with contextlib.suppress(AlreadyExists):
                await self.client.create(self.ep_type, desired)
            return
        if endpoints_differ(current, desired):
            # A patch guarded by the cached version, never a PUT of the cached view.
            patch = merge_patch(_owned(current), _owned(desired))
            body = {**patch, **guarded(current, patch.get("metadata") or {})}
            await self.client.patch(self.ep_type, name, body, namespace=namespace)


def _owned(endpoints: Obj) -> Obj:
    """What the controller owns of an Endpoints object: its labels and subsets."""
    return {
        "metadata": {"labels": labels_of(endpoints)},
        "subsets": endpoints.get("subsets") or None,
    }
