"""NodeInfo: one host as the scheduler sees it, with the workloads placed on it.

Model: built from a Node object by `node_info_from_node` (allocatable, labels, taints,
unschedulable, NUMA topology from the `pacific.dev/numa-topology` annotation, see
`pacific.scheduler.numa`), then kept up to date by the scheduler's cache with `add` and
`remove` as workloads are bound, assumed or deleted.

Invariants:
- `requested` is the sum of the requests of `workloads`; `nonzero_requested` the same with
  kube's scoring defaults (100m cpu, 200Mi memory) for workloads that request none, so
  best-effort pods still spread.
- `numa_used[id]` is the sum of (cpu, memory) of the workloads pinned to NUMA node `id`.
- A host without NUMA information has one virtual NUMA node (id 0) with its allocatable.
- Filters and scores only read a NodeInfo; only the cache mutates it (what-if checks
  mutate a `clone()`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pacific.scheduler.numa import TOPOLOGY_ANNOTATION, NumaNode, parse_topology
from pacific.scheduler.workload import Resources, Workload, resources_from_list

DEFAULT_MILLI_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024

Obj = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(slots=True)
class NodeInfo:
    name: str
    labels: Mapping[str, str]
    allocatable: Resources
    allowed_pods: int
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    numa: tuple[NumaNode, ...] = ()
    requested: Resources = field(default_factory=Resources)
    nonzero_cpu: int = 0
    nonzero_memory: int = 0
    workloads: dict[str, tuple[Workload, int | None]] = field(default_factory=dict)
    numa_used: dict[int, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.numa:
            self.numa = (NumaNode(0, self.allocatable.cpu, self.allocatable.memory),)

    @property
    def pod_count(self) -> int:
        return len(self.workloads)

    def add(self, w: Workload, numa_id: int | None = None) -> None:
        """Place `w` here (pinned to `numa_id` if given); replaces an entry with its uid."""
        if w.uid in self.workloads:
            self.remove(w.uid)
        self.workloads[w.uid] = (w, numa_id)
        self._account(w, numa_id, 1)

    def remove(self, uid: str) -> Workload | None:
        entry = self.workloads.pop(uid, None)
        if entry is None:
            return None
        self._account(entry[0], entry[1], -1)
        return entry[0]

    def _account(self, w: Workload, numa_id: int | None, sign: int) -> None:
        req = w.requests
        self.requested = Resources(
            self.requested.cpu + sign * req.cpu,
            self.requested.memory + sign * req.memory,
            _scalars(self.requested.scalars, req.scalars, sign),
        )
        self.nonzero_cpu += sign * (req.cpu or DEFAULT_MILLI_CPU)
        self.nonzero_memory += sign * (req.memory or DEFAULT_MEMORY)
        if numa_id is not None:
            cpu, memory = self.numa_used.get(numa_id, (0, 0))
            self.numa_used[numa_id] = (cpu + sign * req.cpu, memory + sign * req.memory)

    def numa_free(self) -> dict[int, tuple[int, int]]:
        """Free (millicores, bytes) per NUMA node, for display and tests."""
        out = {}
        for node in self.numa:
            cpu, memory = self.numa_used.get(node.id, (0, 0))
            out[node.id] = (node.cpu - cpu, node.memory - memory)
        return out

    def clone(self) -> NodeInfo:
        """A copy whose workloads can be changed without touching this one (what-if checks:
        preemption, nominated workloads)."""
        return NodeInfo(
            name=self.name,
            labels=self.labels,
            allocatable=self.allocatable,
            allowed_pods=self.allowed_pods,
            taints=self.taints,
            unschedulable=self.unschedulable,
            numa=self.numa,
            requested=self.requested,
            nonzero_cpu=self.nonzero_cpu,
            nonzero_memory=self.nonzero_memory,
            workloads=dict(self.workloads),
            numa_used=dict(self.numa_used),
        )

    def update_from(self, other: NodeInfo) -> None:
        """Take the Node-derived fields of `other` (a fresh build), keeping the workloads."""
        self.labels = other.labels
        self.allocatable = other.allocatable
        self.allowed_pods = other.allowed_pods
        self.taints = other.taints
        self.unschedulable = other.unschedulable
        self.numa = other.numa


def _scalars(
    have: tuple[tuple[str, int], ...], delta: tuple[tuple[str, int], ...], sign: int
) -> tuple[tuple[str, int], ...]:
    if not delta:
        return have
    out = dict(have)
    for key, value in delta:
        out[key] = out.get(key, 0) + sign * value
    return tuple(sorted((k, v) for k, v in out.items() if v))


def node_info_from_node(node: Obj) -> NodeInfo:
    """A NodeInfo with no workloads, from a core/v1 Node object."""
    meta = node.get("metadata") or {}
    spec = node.get("spec") or {}
    status = node.get("status") or {}
    alloc_raw: Mapping[str, Any] = status.get("allocatable") or status.get("capacity") or {}
    allocatable = resources_from_list({k: v for k, v in alloc_raw.items() if k != "pods"})
    try:
        allowed_pods = int(str(alloc_raw.get("pods", 110)))
    except ValueError:
        allowed_pods = 110
    taints = tuple(
        Taint(str(t.get("key") or ""), str(t.get("value") or ""), str(t.get("effect") or ""))
        for t in spec.get("taints") or ()
    )
    annotations: Mapping[str, str] = meta.get("annotations") or {}
    return NodeInfo(
        name=str(meta.get("name") or ""),
        labels={str(k): str(v) for k, v in (meta.get("labels") or {}).items()},
        allocatable=allocatable,
        allowed_pods=allowed_pods,
        taints=taints,
        unschedulable=bool(spec.get("unschedulable")),
        numa=parse_topology(annotations.get(TOPOLOGY_ANNOTATION)),
    )
