"""The default VirtualMachineClass set, kept in every namespace.

Pacific ships vSphere's usual classes in each live namespace: `best-effort-<size>` (no
reservation) and `guaranteed-<size>` (requests = limits, so the whole VM is reserved) for
the sizes xsmall 2 vCPU/2Gi, small 2/4Gi, medium 2/8Gi, large 4/16Gi, xlarge 4/32Gi and
2xlarge 8/64Gi. A class of the set that is deleted comes back; a class that exists is
never changed (an administrator may edit it).

Administrators opt out two ways:
- per namespace: the annotation `pacific.dev/default-classes: "false"` on the Namespace
  stops new classes there (existing ones are left alone);
- cluster-wide: ConfigMap `pacific-default-vm-classes` in `kube-system` whose `classes`
  key lists the names to keep (comma- or whitespace-separated; an empty value means none).
  Without that ConfigMap the whole set is kept.

`default_classes()` and `wanted_classes()` are pure; the controller wakes a namespace when
it appears or changes, when one of its classes is deleted, and wakes every namespace when
the ConfigMap changes.
"""

from __future__ import annotations

import contextlib
import re

from pacific.api.errors import AlreadyExists, Forbidden, NotFound
from pacific.api.vmservice import API_VERSION
from pacific.api.vmservice.kinds import VIRTUAL_MACHINE_CLASS
from pacific.client import Client, Clock, WorkQueue
from pacific.controllers.informers import SharedInformers, resource, run_workers
from pacific.controllers.objects import Obj, annotations_of, is_deleting, name_of, namespace_of

SIZES: tuple[tuple[str, int, str], ...] = (
    ("xsmall", 2, "2Gi"),
    ("small", 2, "4Gi"),
    ("medium", 2, "8Gi"),
    ("large", 4, "16Gi"),
    ("xlarge", 4, "32Gi"),
    ("2xlarge", 8, "64Gi"),
)
OPT_OUT_ANNOTATION = "pacific.dev/default-classes"
CONFIGMAP_NAMESPACE = "kube-system"
CONFIGMAP_NAME = "pacific-default-vm-classes"
CONFIGMAP_KEY = "classes"
MANAGED_LABEL = "pacific.dev/default-class"


def _class(namespace: str, policy: str, size: str, cpus: int, memory: str) -> Obj:
    spec: Obj = {
        "description": f"{policy} {size}: {cpus} vCPU, {memory} memory",
        "hardware": {"cpus": cpus, "memory": memory},
    }
    if policy == "guaranteed":
        reserved = {"cpu": str(cpus), "memory": memory}
        spec["policies"] = {"resources": {"requests": reserved, "limits": dict(reserved)}}
    return {
        "apiVersion": API_VERSION,
        "kind": "VirtualMachineClass",
        "metadata": {
            "name": f"{policy}-{size}",
            "namespace": namespace,
            "labels": {MANAGED_LABEL: "true"},
        },
        "spec": spec,
    }


def default_classes(namespace: str) -> list[Obj]:
    """The whole default set for `namespace`, best-effort first, smallest first."""
    return [
        _class(namespace, policy, size, cpus, memory)
        for policy in ("best-effort", "guaranteed")
        for size, cpus, memory in SIZES
    ]


def wanted_classes(namespace: Obj, configmap: Obj | None) -> list[Obj]:
    """The default classes `namespace` should hold, after the administrator's opt-outs."""
    if is_deleting(namespace):
        return []
    if annotations_of(namespace).get(OPT_OUT_ANNOTATION, "").lower() == "false":
        return []
    classes = default_classes(name_of(namespace))
    if configmap is None:
        return classes
    listed = str((configmap.get("data") or {}).get(CONFIGMAP_KEY) or "")
    keep = {n for n in re.split(r"[\s,]+", listed) if n}
    return [c for c in classes if name_of(c) in keep]


class VMClassController:
    def __init__(self, client: Client, informers: SharedInformers, clock: Clock) -> None:
        self.client = client
        self.namespaces = informers.get(resource("", "Namespace"))
        self.configmaps = informers.get(resource("", "ConfigMap"))
        self.classes = informers.get(VIRTUAL_MACHINE_CLASS)
        self.queue: WorkQueue[str] = WorkQueue(clock=clock, name="vmclasses")
        self.namespaces.on_add(lambda ns: self.queue.add(name_of(ns)))
        self.namespaces.on_update(lambda old, new: self.queue.add(name_of(new)))
        self.classes.on_delete(lambda cls: self.queue.add(namespace_of(cls)))
        for hook in (self.configmaps.on_add, self.configmaps.on_delete):
            hook(self._configmap_changed)
        self.configmaps.on_update(lambda old, new: self._configmap_changed(new))

    def _configmap_changed(self, cm: Obj) -> None:
        if namespace_of(cm) == CONFIGMAP_NAMESPACE and name_of(cm) == CONFIGMAP_NAME:
            for ns in self.namespaces.list():
                self.queue.add(name_of(ns))

    async def run(self) -> None:
        informers = [self.namespaces, self.configmaps, self.classes]
        await run_workers(self.queue, self.reconcile, informers, workers=2)

    async def reconcile(self, namespace: str) -> None:
        ns = self.namespaces.get(None, namespace)
        if ns is None:
            return
        configmap = self.configmaps.get(CONFIGMAP_NAMESPACE, CONFIGMAP_NAME)
        for cls in wanted_classes(ns, configmap):
            if self.classes.get(namespace, name_of(cls)) is not None:
                continue
            with contextlib.suppress(AlreadyExists, Forbidden, NotFound):
                await self.client.create(VIRTUAL_MACHINE_CLASS, cls)
