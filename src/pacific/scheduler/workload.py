"""The schedulable workload: what the scheduler knows about a Pod or a VirtualMachine.

Model: every kind the scheduler places is reduced, by one pure function per kind, to a
frozen `Workload`. Plugins read only this view, so a VirtualMachine plugs in with a second
mapping function and no plugin change. `workload_from_parts` is the shared builder: a
kind-specific mapper works out requests and limits and hands over the placement fields in
the PodSpec shape (nodeSelector, affinity, tolerations, topologySpreadConstraints,
priority), which the VM Service API deliberately shares with pods.

Pod requests follow kube's resource helpers (`PodRequests`):
- containers sum; a regular init container runs alone (plus the sidecars started before
  it), so the pod needs max(sum(containers) + sum(sidecars), max(init_i + sidecars before
  i)); sidecars are init containers with `restartPolicy: Always`;
- `spec.overhead` is added (the RuntimeClass admission copies RuntimeClass
  `overhead.podFixed` there; when it is absent the caller may pass the RuntimeClass overhead).
CPU is in millicores (rounded up, like `MilliValue`), memory and other resources in
whole units (rounded up). Guaranteed means every container sets cpu and memory limits and
its requests equal them (missing requests default to limits, as the API server does).
`pinned` (guaranteed with whole CPUs) selects workloads that must fit inside one NUMA node.

Preemption fields: `priority` and `preemption_policy` (PreemptLowerPriority or Never, as
priority admission resolved them), `start_time` (status.startTime, else the creation
time: RFC 3339 strings, which order as times), `terminating` (deletionTimestamp set) and
`preemptible`. Only Pods are preemptible by default: a VirtualMachine is never evicted
silently to make room for another workload, so every non-Pod mapper gets False unless it
says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pacific.api.validation.quantity import QuantityError, parse_quantity
from pacific.scheduler.terms import (
    NodeSelectorTerm,
    PodAffinityTerm,
    SpreadConstraint,
    Toleration,
    node_selector_terms,
    pod_affinity_terms,
    spread_constraints,
    tolerations_of,
)

Obj = Mapping[str, Any]

PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority"
NEVER = "Never"
CPU = "cpu"
MEMORY = "memory"
PODS = "pods"


@dataclass(frozen=True, slots=True)
class Resources:
    """An amount of resources: cpu in millicores, memory in bytes, others in units."""

    cpu: int = 0
    memory: int = 0
    scalars: tuple[tuple[str, int], ...] = ()

    def __add__(self, other: Resources) -> Resources:
        return Resources(
            self.cpu + other.cpu,
            self.memory + other.memory,
            _merge(self.scalars, other.scalars, lambda a, b: a + b),
        )

    def max(self, other: Resources) -> Resources:
        return Resources(
            max(self.cpu, other.cpu),
            max(self.memory, other.memory),
            _merge(self.scalars, other.scalars, max),
        )

    def scalar(self, name: str) -> int:
        for key, value in self.scalars:
            if key == name:
                return value
        return 0


def _merge(
    a: tuple[tuple[str, int], ...], b: tuple[tuple[str, int], ...], how: Any
) -> tuple[tuple[str, int], ...]:
    if not b:
        return a
    if not a:
        return b
    out = dict(a)
    for key, value in b:
        out[key] = how(out[key], value) if key in out else value
    return tuple(sorted(out.items()))


@lru_cache(maxsize=4096)
def _milli(raw: str) -> int:
    return math.ceil(parse_quantity(raw) * 1000)


@lru_cache(maxsize=4096)
def _units(raw: str) -> int:
    return math.ceil(parse_quantity(raw))


def resources_from_list(rl: Obj | None) -> Resources:
    """A ResourceList ({"cpu": "500m", "memory": "1Gi", ...}) as `Resources`.

    Unparseable quantities count as zero: the API server validated them already, and a
    scheduler must not crash on one odd object."""
    if not rl:
        return Resources()
    cpu = memory = 0
    scalars: dict[str, int] = {}
    for name, raw in rl.items():
        try:
            if name == CPU:
                cpu = _milli(str(raw))
            elif name == MEMORY:
                memory = _units(str(raw))
            else:
                scalars[name] = _units(str(raw))
        except QuantityError:
            continue
    return Resources(cpu, memory, tuple(sorted(scalars.items())))


@dataclass(frozen=True, slots=True)
class Workload:
    """One Pod or VirtualMachine as the scheduler sees it."""

    kind: str
    namespace: str
    name: str
    uid: str
    requests: Resources
    limits: Resources
    guaranteed: bool
    labels: Mapping[str, str]
    priority: int = 0
    scheduler_name: str = "default-scheduler"
    node_name: str = ""
    node_selector: tuple[tuple[str, str], ...] = ()
    required_node_terms: tuple[NodeSelectorTerm, ...] = ()
    preferred_node_terms: tuple[tuple[int, NodeSelectorTerm], ...] = ()
    pod_affinity: tuple[PodAffinityTerm, ...] = ()
    pod_anti_affinity: tuple[PodAffinityTerm, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    spread: tuple[SpreadConstraint, ...] = ()
    preemption_policy: str = PREEMPT_LOWER_PRIORITY
    preemptible: bool = True
    start_time: str = ""
    terminating: bool = False

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def pinned(self) -> bool:
        """Guaranteed with whole CPUs: must fit inside one NUMA node (and is pinned there)."""
        return self.guaranteed and self.requests.cpu > 0 and self.requests.cpu % 1000 == 0


def _container_resources(c: Obj) -> tuple[Resources, Resources, bool]:
    """(requests, limits, guaranteed) of one container; requests default to limits."""
    res = c.get("resources") or {}
    limits_raw: Obj = res.get("limits") or {}
    requests_raw: dict[str, Any] = {**limits_raw, **(res.get("requests") or {})}
    requests, limits = resources_from_list(requests_raw), resources_from_list(limits_raw)
    guaranteed = (
        limits.cpu > 0
        and limits.memory > 0
        and requests.cpu == limits.cpu
        and requests.memory == limits.memory
    )
    return requests, limits, guaranteed


def pod_resources(spec: Obj, overhead: Obj | None = None) -> tuple[Resources, Resources, bool]:
    """(requests, limits, guaranteed) of a PodSpec, with overhead added to both sums."""
    requests = limits = Resources()
    guaranteed = True
    count = 0
    for c in spec.get("containers") or ():
        req, lim, g = _container_resources(c)
        requests, limits, guaranteed = requests + req, limits + lim, guaranteed and g
        count += 1
    sidecars_req = sidecars_lim = Resources()
    init_req = init_lim = Resources()
    for c in spec.get("initContainers") or ():
        req, lim, g = _container_resources(c)
        guaranteed = guaranteed and g
        if c.get("restartPolicy") == "Always":
            sidecars_req, sidecars_lim = sidecars_req + req, sidecars_lim + lim
        else:
            init_req = init_req.max(req + sidecars_req)
            init_lim = init_lim.max(lim + sidecars_lim)
    requests = (requests + sidecars_req).max(init_req)
    limits = (limits + sidecars_lim).max(init_lim)
    extra = resources_from_list(spec.get("overhead") or overhead)
    return requests + extra, limits + extra, guaranteed and count > 0


def _string_pairs(mapping: Obj | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in (mapping or {}).items()))


def workload_from_parts(
    kind: str,
    metadata: Obj,
    requests: Resources,
    limits: Resources,
    guaranteed: bool,
    placement: Obj,
    *,
    start_time: str = "",
    preemptible: bool | None = None,
) -> Workload:
    """The shared builder: `placement` has PodSpec-shaped placement fields; `preemptible`
    None means "only if it is a Pod"."""
    affinity = placement.get("affinity") or {}
    node_aff = affinity.get("nodeAffinity") or {}
    pod_aff = affinity.get("podAffinity") or {}
    anti_aff = affinity.get("podAntiAffinity") or {}
    required = node_aff.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    preferred = [
        (int(p.get("weight") or 0), term)
        for p in node_aff.get("preferredDuringSchedulingIgnoredDuringExecution") or ()
        for term in node_selector_terms([p.get("preference") or {}])
    ]
    namespace = str(metadata.get("namespace") or "")
    return Workload(
        kind=kind,
        namespace=namespace,
        name=str(metadata.get("name") or ""),
        uid=str(metadata.get("uid") or ""),
        requests=requests,
        limits=limits,
        guaranteed=guaranteed,
        labels={str(k): str(v) for k, v in (metadata.get("labels") or {}).items()},
        priority=int(placement.get("priority") or 0),
        scheduler_name=str(placement.get("schedulerName") or "default-scheduler"),
        node_name=str(placement.get("nodeName") or ""),
        node_selector=_string_pairs(placement.get("nodeSelector")),
        required_node_terms=node_selector_terms(required.get("nodeSelectorTerms") or ()),
        preferred_node_terms=tuple(preferred),
        pod_affinity=pod_affinity_terms(_required(pod_aff), namespace),
        pod_anti_affinity=pod_affinity_terms(_required(anti_aff), namespace),
        tolerations=tolerations_of(placement.get("tolerations") or ()),
        spread=spread_constraints(placement.get("topologySpreadConstraints") or (), metadata),
        preemption_policy=str(placement.get("preemptionPolicy") or PREEMPT_LOWER_PRIORITY),
        preemptible=kind == "Pod" if preemptible is None else preemptible,
        start_time=start_time or str(metadata.get("creationTimestamp") or ""),
        terminating=bool(metadata.get("deletionTimestamp")),
    )


def _required(aff: Obj) -> Iterable[Obj]:
    terms: Iterable[Obj] = aff.get("requiredDuringSchedulingIgnoredDuringExecution") or ()
    return terms


def workload_from_pod(pod: Obj, runtime_class_overhead: Obj | None = None) -> Workload:
    """The view of a Pod. `runtime_class_overhead` (RuntimeClass `overhead.podFixed`) is
    used only when the pod carries no `spec.overhead` of its own."""
    spec = pod.get("spec") or {}
    requests, limits, guaranteed = pod_resources(spec, runtime_class_overhead)
    start = str((pod.get("status") or {}).get("startTime") or "")
    return workload_from_parts(
        "Pod", pod.get("metadata") or {}, requests, limits, guaranteed, spec, start_time=start
    )
