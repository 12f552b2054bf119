"""Priority admission in the write path: the effects around `pacific.api.admission.priority`.

    admit(server, rt, obj, old)

On Pod create, resolves `spec.priorityClassName` to `spec.priority` and
`spec.preemptionPolicy`; on PriorityClass create or update, refuses a second global
default. The PriorityClasses are read from the watch cache (a handful of objects, no store
round trip), as kube's plugin reads them from an informer. Every other write passes.
"""

from __future__ import annotations

import orjson

from pacific.api.admission.priority import check_global_default, resolve_pod_priority
from pacific.api.resources import Obj, ResourceType
from pacific.apiserver.admission_quota import shown_name
from pacific.apiserver.context import Server

GROUP = "scheduling.k8s.io"


def _classes(server: Server) -> list[Obj]:
    rt = server.kinds.by_resource(GROUP, "v1", "priorityclasses")
    if rt is None or rt.prefix() not in server.caches.caches:
        return []
    return [orjson.loads(e.raw) for e in server.caches.of(rt).snapshot(None)]


def admit(server: Server, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
    """Priority admission for a write of `obj` (`old` None for a create)."""
    if rt.group == "" and rt.plural == "pods" and old is None:
        resolve_pod_priority(rt, obj, _classes(server), shown_name(obj))
    elif rt.group == GROUP and rt.plural == "priorityclasses":
        check_global_default(rt, obj, _classes(server))
