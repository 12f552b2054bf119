"""LimitRange admission (kube's LimitRanger plugin) as pure functions on plain dicts.

    apply_limit_ranges(rt, obj, limit_ranges)       defaults for new Pods (mutates `obj`)
    limit_range_violations(rt, obj, limit_ranges)   the messages of the first failing range
    check_limit_ranges(rt, obj, limit_ranges)       raise Forbidden (403) on a violation

Model, as kube's plugin:
- Defaults: every `type: Container` item's `default` fills missing container limits and
  `defaultRequest` missing requests, in every container and init container; what was
  filled is recorded in the `kubernetes.io/limit-ranger` annotation. Pods only, on create.
- Checks: `type: Container` min/max/maxLimitRequestRatio on each container and init
  container; `type: Pod` on the pod's totals (`workload.total_*`, without overhead);
  `type: PersistentVolumeClaim` min/max on a claim's storage request.
- Each LimitRange is checked in turn and the first one with violations rejects the request
  with all of its messages: one message alone, several as `[a, b]` without duplicates
  (utilerrors.Aggregate), each exactly as kube words it.
- Comparisons use kube's precision: values rounded up to milli-units (to whole units when a
  value is too large for milli-units). Items are walked in the order the LimitRange lists
  them, which makes the messages' order deterministic (kube's follows Go map order).

The checks take a `Workload` (see `workload.py`), so a VirtualMachine adapted by
`vm_workload(vm, vm_class)` is checked by `workload_violations` exactly as a Pod is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pacific.api.admission.workload import (
    INIT_CONTAINER,
    Obj,
    Resources,
    Workload,
    pod_workload,
    quantities,
    total_limits,
    total_requests,
)
from pacific.api.errors import Details, Forbidden
from pacific.api.resources import ResourceType
from pacific.api.validation.quantity import Quantity

ANNOTATION = "kubernetes.io/limit-ranger"
CONTAINER_TYPE = "Container"
POD_TYPE = "Pod"
PVC_TYPE = "PersistentVolumeClaim"
_MAX_MILLI = (2**63 - 1) // 1000


def is_pod(rt: ResourceType) -> bool:
    return rt.group == "" and rt.plural == "pods"


def is_pvc(rt: ResourceType) -> bool:
    return rt.group == "" and rt.plural == "persistentvolumeclaims"


def forbidden(rt: ResourceType, name: str, message: str) -> Forbidden:
    """admission.NewForbidden: `pods "x" is forbidden: <message>`."""
    return Forbidden(
        f'{rt.qualified} "{name}" is forbidden: {message}',
        Details(name=name, group=rt.group, kind=rt.plural),
    )


def aggregate(messages: Iterable[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): duplicates dropped, `[a, b]` when several."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def request_name(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    return str(meta.get("name") or meta.get("generateName") or "Unknown")


def _items(limit_range: Obj) -> list[Obj]:
    limits = (limit_range.get("spec") or {}).get("limits") or []
    return [item for item in limits if isinstance(item, dict)]


# -- defaults ------------------------------------------------------------------------------


def default_workload(workload: Workload, limit_range: Obj) -> list[str]:
    """Fill missing requests/limits of every unit from the range's Container defaults.

    Returns the annotation parts (`cpu, memory limit for container c`), in kube's order.
    """
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    for item in _items(limit_range):
        if item.get("type") == CONTAINER_TYPE:
            requests.update(item.get("defaultRequest") or {})
            limits.update(item.get("default") or {})
    notes: list[str] = []
    for unit in workload.units:
        resources = unit.container.get("resources")
        present = resources if isinstance(resources, dict) else {}
        set_limits = sorted(k for k in limits if k not in (present.get("limits") or {}))
        set_requests = sorted(k for k in requests if k not in (present.get("requests") or {}))
        for name in set_limits:
            unit.set_default("limits", name, limits[name])
        for name in set_requests:
            unit.set_default("requests", name, requests[name])
        if set_requests:
            notes.append(f"{', '.join(set_requests)} request for {unit.kind} {unit.name}")
        if set_limits:
            notes.append(f"{', '.join(set_limits)} limit for {unit.kind} {unit.name}")
    return notes


def apply_limit_ranges(rt: ResourceType, obj: Obj, limit_ranges: list[Obj]) -> None:
    """Mutating half of LimitRanger: Container defaults into a new Pod, in place."""
    if not is_pod(rt):
        return
    workload = pod_workload(obj)
    for limit_range in limit_ranges:
        notes = default_workload(workload, limit_range)
        if notes:
            meta = obj.setdefault("metadata", {})
            annotations = meta.get("annotations")
            if not isinstance(annotations, dict):
                annotations = meta["annotations"] = {}
            annotations[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)


# -- checks --------------------------------------------------------------------------------


def _scaled(*values: Decimal) -> list[int]:
    """requestLimitEnforcedValues: milli-units when they all fit, else whole units."""
    whole = [math.ceil(v) for v in values]
    if all(w <= _MAX_MILLI for w in whole):
        return [math.ceil(v * 1000) for v in values]
    return whole


def _zero(q: Quantity | None) -> Decimal:
    return q.value if q is not None else Decimal(0)


def _min(kind: str, name: str, enforced: Quantity, req: Resources, lim: Resources) -> str:
    r, li = req.get(name), lim.get(name)
    observed_req, observed_lim, bound = _scaled(_zero(r), _zero(li), enforced.value)
    text = enforced.canonical()
    if r is None:
        return f"minimum {name} usage per {kind} is {text}.  No request is specified"
    if observed_req < bound:
        return f"minimum {name} usage per {kind} is {text}, but request is {r.canonical()}"
    if li is not None and observed_lim < bound:
        return f"minimum {name} usage per {kind} is {text}, but limit is {li.canonical()}"
    return ""


def _max(kind: str, name: str, enforced: Quantity, req: Resources, lim: Resources) -> str:
    r, li = req.get(name), lim.get(name)
    observed_req, observed_lim, bound = _scaled(_zero(r), _zero(li), enforced.value)
    text = enforced.canonical()
    if li is None:
        return f"maximum {name} usage per {kind} is {text}.  No limit is specified"
    if observed_lim > bound:
        return f"maximum {name} usage per {kind} is {text}, but limit is {li.canonical()}"
    if r is not None and observed_req > bound:
        return f"maximum {name} usage per {kind} is {text}, but request is {r.canonical()}"
    return ""


def _max_request(kind: str, name: str, enforced: Quantity, req: Resources) -> str:
    r = req.get(name)
    observed_req, _, bound = _scaled(_zero(r), Decimal(0), enforced.value)
    text = enforced.canonical()
    if r is None:
        return f"maximum {name} usage per {kind} is {text}.  No request is specified"
    if observed_req > bound:
        return f"maximum {name} usage per {kind} is {text}, but request is {r.canonical()}"
    return ""


def _ratio(kind: str, name: str, enforced: Quantity, req: Resources, lim: Resources) -> str:
    r, li = req.get(name), lim.get(name)
    observed_req, observed_lim, _ = _scaled(_zero(r), _zero(li), enforced.value)
    text = enforced.canonical()
    if r is None or observed_req == 0:
        return (
            f"{name} max limit to request ratio per {kind} is {text}, "
            "but no request is specified or request is 0"
        )
    if li is None or observed_lim == 0:
        return (
            f"{name} max limit to request ratio per {kind} is {text}, "
            "but no limit is specified or limit is 0"
        )
    ratio = observed_lim / observed_req
    if math.ceil(enforced.value) <= _MAX_MILLI:
        exceeded = ratio * 1000 > math.ceil(enforced.value * 1000)
    else:
        exceeded = ratio > math.ceil(enforced.value)
    if exceeded:
        return (
            f"{name} max limit to request ratio per {kind} is {text}, "
            f"but provided ratio is {ratio:.6f}"
        )
    return ""


def _bounds(kind: str, item: Obj, req: Resources, lim: Resources) -> list[str]:
    out = [_min(kind, n, q, req, lim) for n, q in quantities(item.get("min")).items()]
    out += [_max(kind, n, q, req, lim) for n, q in quantities(item.get("max")).items()]
    ratios = quantities(item.get("maxLimitRequestRatio"))
    out += [_ratio(kind, n, q, req, lim) for n, q in ratios.items()]
    return [m for m in out if m]


def workload_violations(workload: Workload, limit_range: Obj) -> list[str]:
    """Container and Pod items of one LimitRange against a workload (a Pod or a VM)."""
    out: list[str] = []
    for item in _items(limit_range):
        kind = item.get("type")
        if kind == CONTAINER_TYPE:
            ordered = [u for u in workload.units if u.kind != INIT_CONTAINER]
            ordered += [u for u in workload.units if u.kind == INIT_CONTAINER]
            for unit in ordered:
                out += _bounds(CONTAINER_TYPE, item, unit.requests(), unit.limits())
        elif kind == POD_TYPE:
            requests = total_requests(workload, overhead=False)
            limits = total_limits(workload, overhead=False)
            out += _bounds(POD_TYPE, item, requests, limits)
    return out


def pvc_violations(pvc: Obj, limit_range: Obj) -> list[str]:
    """PersistentVolumeClaim items: min/max on spec.resources.requests only."""
    requests = quantities(((pvc.get("spec") or {}).get("resources") or {}).get("requests"))
    out: list[str] = []
    for item in _items(limit_range):
        if item.get("type") != PVC_TYPE:
            continue
        for name, q in quantities(item.get("min")).items():
            out.append(_min(PVC_TYPE, name, q, requests, {}))
        for name, q in quantities(item.get("max")).items():
            out.append(_max_request(PVC_TYPE, name, q, requests))
    return [m for m in out if m]


def limit_range_violations(rt: ResourceType, obj: Obj, limit_ranges: list[Obj]) -> list[str]:
    """The messages of the first LimitRange `obj` violates ([] when none)."""
    for limit_range in limit_ranges:
        if is_pod(rt):
            found = workload_violations(pod_workload(obj), limit_range)
        elif is_pvc(rt):
            found = pvc_violations(obj, limit_range)
        else:
            return []
        if found:
            return found
    return []


def check_limit_ranges(
    rt: ResourceType, obj: Obj, limit_ranges: list[Obj], *, name: str | None = None
) -> None:
    """Raise kube's 403 when `obj` violates a LimitRange; `name` defaults to the object's."""
    found = limit_range_violations(rt, obj, limit_ranges)
    if found:
        raise forbidden(rt, name or request_name(obj), aggregate(found))


def applies_to(rt: ResourceType, operation: str, old: Mapping[str, Any] | None) -> bool:
    """SupportsAttributes: Pods on create, claims on create and update; never on objects
    that are being deleted."""
    if old is not None and (old.get("metadata") or {}).get("deletionTimestamp"):
        return False
    if is_pod(rt):
        return operation == "create"
    return is_pvc(rt)
