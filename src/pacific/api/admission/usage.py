"""What one object costs against a ResourceQuota (kube's quota evaluators), as pure functions.

    usage_of(rt, obj, now=None) -> {quota resource name: Quantity}
    tracked(rt, names) -> the names among `names` that objects of `rt` count towards
    handles(rt, operation) -> whether a create/update of `rt` can change quota usage
    scopes_match(quota, rt, obj) -> whether a quota's scopes select the object

Per kind, as kube counts:
- Pods: `count/pods` always; a pod that is not terminal (phase Succeeded/Failed, or past
  its deletion grace period) also counts `pods`, `cpu`/`requests.cpu`, `memory`/
  `requests.memory`, `ephemeral-storage`/`requests.ephemeral-storage`, `limits.*`,
  hugepages and `requests.<extended resource>`, from the pod's totals with overhead.
- PersistentVolumeClaims: `persistentvolumeclaims`, `requests.storage`, and per storage
  class `<class>.storageclass.storage.k8s.io/{requests.storage,persistentvolumeclaims}`.
- Services: `services`, `services.loadbalancers`, `services.nodeports`.
- Every kind: `count/<plural>` (core) or `count/<plural>.<group>`; core configmaps, secrets,
  resourcequotas and replicationcontrollers also by their legacy names.
- A workload of another kind (a VirtualMachine) counts compute exactly like a pod through
  `workload_usage(workload)` plus its `count/...` name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pacific.api.admission.workload import (
    Obj,
    Resources,
    Workload,
    add,
    pod_workload,
    total_limits,
    total_requests,
)
from pacific.api.resources import ResourceType
from pacific.api.validation.quantity import DECIMAL_SI, Quantity, parse

STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"
BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
LEGACY_COUNTS = frozenset({"configmaps", "secrets", "resourcequotas", "replicationcontrollers"})
COMPUTE = ("cpu", "memory", "ephemeral-storage")
POD_RESOURCES = frozenset(
    {"pods", "count/pods", *COMPUTE}
    | {f"requests.{r}" for r in COMPUTE}
    | {f"limits.{r}" for r in COMPUTE}
)
PVC_RESOURCES = frozenset(
    {"persistentvolumeclaims", "count/persistentvolumeclaims", "requests.storage"}
)
SERVICE_RESOURCES = frozenset(
    {"services", "count/services", "services.loadbalancers", "services.nodeports"}
)

ONE = Quantity(Decimal(1), DECIMAL_SI)


def _key(rt: ResourceType) -> tuple[str, str]:
    return (rt.group, rt.plural)


def count_name(rt: ResourceType) -> str:
    """`count/pods`, `count/deployments.apps`."""
    return f"count/{rt.qualified}"


def handles(rt: ResourceType, operation: str) -> bool:
    """Pods are charged on create only (their resources are immutable); claims and services
    on create and update (resize, type change); everything else when created."""
    if _key(rt) in (("", "persistentvolumeclaims"), ("", "services")):
        return operation in ("create", "update")
    return operation == "create"


def _is_extended(name: str) -> bool:
    return "/" in name and not name.split("/", 1)[0].endswith("kubernetes.io")


def _counts_towards(rt: ResourceType, name: str) -> bool:
    key = _key(rt)
    if name == count_name(rt):
        return True
    if key == ("", "pods"):
        return (
            name in POD_RESOURCES
            or name.startswith(("hugepages-", "requests.hugepages-"))
            or (name.startswith("requests.") and _is_extended(name[len("requests.") :]))
        )
    if key == ("", "persistentvolumeclaims"):
        return name in PVC_RESOURCES or STORAGE_CLASS_SUFFIX in name
    if key == ("", "services"):
        return name in SERVICE_RESOURCES
    return rt.group == "" and rt.plural in LEGACY_COUNTS and name == rt.plural


def tracked(rt: ResourceType, names: Iterable[str]) -> set[str]:
    """MatchingResources: which quota names objects of `rt` count towards."""
    return {name for name in names if _counts_towards(rt, name)}


# -- pods ----------------------------------------------------------------------------------


def _parse_time(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def pod_counts(pod: Mapping[str, Any], now: dt.datetime | None = None) -> bool:
    """QuotaV1Pod: False for terminal pods and pods past their deletion grace period."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    meta = pod.get("metadata") or {}
    deleted = _parse_time(meta.get("deletionTimestamp"))
    grace = meta.get("deletionGracePeriodSeconds")
    if now is not None and deleted is not None and isinstance(grace, int):
        return not now > deleted + dt.timedelta(seconds=grace)
    return True


def compute_usage(requests: Resources, limits: Resources) -> Resources:
    """podComputeUsageHelper: the quota names a workload's requests and limits fill."""
    out: Resources = {"pods": ONE}
    for name in COMPUTE:
        if name in requests:
            out[name] = requests[name]
            out[f"requests.{name}"] = requests[name]
        if name in limits:
            out[f"limits.{name}"] = limits[name]
    for name, q in requests.items():
        if name.startswith("hugepages-"):
            out[name] = q
            out[f"requests.{name}"] = q
        elif _is_extended(name):
            out[f"requests.{name}"] = q
    return out


def workload_usage(workload: Workload) -> Resources:
    """Compute usage of a running workload (a pod's, or a VM's through its adapter)."""
    return compute_usage(
        total_requests(workload, overhead=True), total_limits(workload, overhead=True)
    )


def _pod_usage(pod: Obj, now: dt.datetime | None) -> Resources:
    out: Resources = {"count/pods": ONE}
    if pod_counts(pod, now):
        out.update(workload_usage(pod_workload(pod)))
    return out


# -- claims and services ---------------------------------------------------------------------


def storage_class_of(pvc: Mapping[str, Any]) -> str:
    spec = pvc.get("spec") or {}
    annotations = (pvc.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(BETA_STORAGE_CLASS) or spec.get("storageClassName") or "")


def _pvc_usage(pvc: Obj) -> Resources:
    out: Resources = {"persistentvolumeclaims": ONE, "count/persistentvolumeclaims": ONE}
    cls = storage_class_of(pvc)
    if cls:
        out[f"{cls}{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"] = ONE
    spec = pvc.get("spec") or {}
    raw = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    allocated = ((pvc.get("status") or {}).get("allocatedResources") or {}).get("storage")
    sizes = [parse(v) for v in (raw, allocated) if isinstance(v, str | int)]
    if sizes:
        storage = max(sizes, key=lambda q: q.value)
        out["requests.storage"] = storage
        if cls:
            out[f"{cls}{STORAGE_CLASS_SUFFIX}requests.storage"] = storage
    return out


def _service_usage(svc: Obj) -> Resources:
    out: Resources = {"services": ONE, "count/services": ONE}
    spec = svc.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    ports = len(spec.get("ports") or [])
    if kind == "LoadBalancer":
        out["services.loadbalancers"] = ONE
        if spec.get("allocateLoadBalancerNodePorts") is not False:
            out["services.nodeports"] = Quantity(Decimal(ports), DECIMAL_SI)
    elif kind == "NodePort":
        out["services.nodeports"] = Quantity(Decimal(ports), DECIMAL_SI)
    return out


def usage_of(rt: ResourceType, obj: Obj, now: dt.datetime | None = None) -> Resources:
    """Everything `obj` counts towards. `now` enables the deletion-grace rule for pods."""
    key = _key(rt)
    if key == ("", "pods"):
        return _pod_usage(obj, now)
    if key == ("", "persistentvolumeclaims"):
        return _pvc_usage(obj)
    if key == ("", "services"):
        return _service_usage(obj)
    out: Resources = {count_name(rt): ONE}
    if rt.group == "" and rt.plural in LEGACY_COUNTS:
        out[rt.plural] = ONE
    return out


def total_usage(
    rt: ResourceType, objects: Iterable[Obj], now: dt.datetime | None = None
) -> Resources:
    total: Resources = {}
    for obj in objects:
        total = add(total, usage_of(rt, obj, now))
    return total


# -- scopes --------------------------------------------------------------------------------


def _best_effort(pod: Obj) -> bool:
    workload = pod_workload(pod)
    return all(
        not any(r in u.requests() or r in u.limits() for r in ("cpu", "memory"))
        for u in workload.units
    )


def _scope_selects(scope: str, operator: str, values: list[str], pod: Obj) -> bool:
    spec = pod.get("spec") or {}
    if scope == "PriorityClass":
        name = spec.get("priorityClassName") or ""
        if operator == "Exists":
            return bool(name)
        if operator == "DoesNotExist":
            return not name
        if operator == "In":
            return name in values
        return name not in values
    if scope == "CrossNamespacePodAffinity":
        return False
    truth = {
        "Terminating": spec.get("activeDeadlineSeconds") is not None,
        "NotTerminating": spec.get("activeDeadlineSeconds") is None,
        "BestEffort": _best_effort(pod),
        "NotBestEffort": not _best_effort(pod),
    }.get(scope, False)
    return truth if operator != "DoesNotExist" else not truth


def scope_requirements(quota: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    spec = quota.get("spec") or {}
    out: list[tuple[str, str, list[str]]] = [
        (str(s), "Exists", []) for s in spec.get("scopes") or []
    ]
    for expr in (spec.get("scopeSelector") or {}).get("matchExpressions") or []:
        if isinstance(expr, dict):
            values = [str(v) for v in expr.get("values") or []]
            out.append((str(expr.get("scopeName")), str(expr.get("operator")), values))
    return out


def scopes_match(quota: Mapping[str, Any], rt: ResourceType, obj: Obj) -> bool:
    """A quota with scopes selects only pods that satisfy every scope."""
    requirements = scope_requirements(quota)
    if not requirements:
        return True
    if _key(rt) != ("", "pods"):
        return False
    return all(_scope_selects(s, op, values, obj) for s, op, values in requirements)
