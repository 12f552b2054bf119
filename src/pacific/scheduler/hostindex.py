"""Hosts grouped by identical scheduling state, so a common decision costs O(classes).

Model: two hosts whose allocatable, pod limit, taints, cordon, NUMA topology, requested
and non-zero requested amounts, pod count and per-NUMA-node usage are all equal give the
same answer to every host filter and every score for a workload that does not look at a
host's name or labels (no nodeName, node selector, node affinity, pod affinity, hard
topology spread). Such a workload is a *plain* workload; most pods are. `HostIndex` keeps
the hosts of the scheduler's cache partitioned into these classes (`state_key`), each
with the sorted positions of its hosts in the cache's stable host order, and
`schedule_plain` decides for a plain workload by evaluating each class once:

- a class that fails a filter adds its size to the failure histogram (exactly what a scan
  of every host would count);
- the feasible classes are scored as `framework._pick` scores hosts (PreferNoSchedule
  counts are normalised over the feasible classes, which have the same maximum as the
  feasible hosts); the best score wins, and among the hosts of the winning classes the
  first one met at or after `start` (cyclically), as the scan breaks ties.

So the answer is the one `framework.schedule` gives when it scores every feasible host
(percentageOfNodesToScore 100), at a cost independent of the host count: the sampling
kube uses to bound a decision's work on large clusters is not needed on this path. On
fewer than `MIN_FEASIBLE` hosts the scan looks at every host too, and the two agree
exactly, `next_start` included; on more, `next_start` moves just past the chosen host so
equal hosts take turns.

Invariants: every host of the cache's order is in exactly one class; a class is never
empty; `update` must be called after any change to a host's workloads or Node fields
(the cache does it), and `rebuild` whenever the order changes.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from pacific.scheduler import scores
from pacific.scheduler.filters import HOST_FILTERS, is_unresolvable, pick_numa_node
from pacific.scheduler.nodeinfo import NodeInfo
from pacific.scheduler.workload import Workload

MIN_FEASIBLE = 100


def state_key(node: NodeInfo) -> Hashable:
    """Everything a plain workload's filters and scores read of a host."""
    numa_used = tuple(sorted(item for item in node.numa_used.items() if item[1] != (0, 0)))
    return (
        node.allocatable,
        node.allowed_pods,
        node.taints,
        node.unschedulable,
        node.numa,
        node.requested,
        node.nonzero_cpu,
        node.nonzero_memory,
        len(node.workloads),
        numa_used,
    )


def is_plain(w: Workload) -> bool:
    """Whether `w`'s decision ignores host names and labels (see the module docstring);
    the cluster-wide parts (anti-affinity of placed workloads, nominations) are the
    caller's to check."""
    return not (
        w.node_name
        or w.node_selector
        or w.required_node_terms
        or w.preferred_node_terms
        or w.pod_affinity
        or w.pod_anti_affinity
        or w.spread
    )


@dataclass(slots=True)
class HostClass:
    key: Hashable
    positions: list[int] = field(default_factory=list)  # sorted


class HostIndex:
    """The partition of an ordered host list into classes of equal state."""

    def __init__(self) -> None:
        self._order: Sequence[NodeInfo] = ()
        self._position: dict[str, int] = {}
        self._key_of: dict[str, Hashable] = {}
        self._classes: dict[Hashable, HostClass] = {}

    def rebuild(self, order: Sequence[NodeInfo]) -> None:
        """Index `order` from scratch (the set of hosts changed)."""
        self._order = order
        self._position = {node.name: i for i, node in enumerate(order)}
        self._key_of = {}
        self._classes = {}
        for i, node in enumerate(order):
            key = state_key(node)
            self._key_of[node.name] = key
            cls = self._classes.get(key)
            if cls is None:
                self._classes[key] = cls = HostClass(key)
            cls.positions.append(i)

    def update(self, node: NodeInfo) -> None:
        """Re-file `node` after its state changed (no-op for hosts not in the order)."""
        position = self._position.get(node.name)
        if position is None:
            return
        key = state_key(node)
        old = self._key_of[node.name]
        if key == old:
            return
        cls = self._classes[old]
        del cls.positions[bisect.bisect_left(cls.positions, position)]
        if not cls.positions:
            del self._classes[old]
        self._key_of[node.name] = key
        target = self._classes.get(key)
        if target is None:
            self._classes[key] = target = HostClass(key)
        bisect.insort(target.positions, position)

    def __len__(self) -> int:
        """The number of classes."""
        return len(self._classes)

    @property
    def order(self) -> Sequence[NodeInfo]:
        return self._order

    def classes(self) -> Iterable[HostClass]:
        return self._classes.values()

    def representative(self, cls: HostClass) -> NodeInfo:
        return self._order[cls.positions[0]]


@dataclass(frozen=True, slots=True)
class PlainPlacement:
    node: str
    numa_node: int | None
    next_start: int


@dataclass(frozen=True, slots=True)
class PlainFailure:
    histogram: dict[str, int]
    unresolvable_hosts: int


def _first_at_or_after(positions: list[int], start: int, total: int) -> int:
    """The cyclic distance from `start` to the first of `positions` at or after it."""
    i = bisect.bisect_left(positions, start)
    position = positions[i] if i < len(positions) else positions[0]
    return (position - start) % total


def schedule_plain(
    w: Workload,
    index: HostIndex,
    *,
    start: int,
    strategy: str,
    allocation_weight: int,
    numa_weight: int,
    taint_weight: int,
) -> PlainPlacement | PlainFailure:
    """Decide for a plain workload by evaluating each class once (see the module
    docstring); `start` is taken modulo the host count, which must be positive."""
    order = index.order
    total = len(order)
    start %= total
    histogram: dict[str, int] = {}
    unresolvable = 0
    rows: list[tuple[HostClass, NodeInfo, int, int]] = []
    for cls in index.classes():
        rep = index.representative(cls)
        reasons: tuple[str, ...] = ()
        for f in HOST_FILTERS:
            reasons = f(w, rep)
            if reasons:
                break
        if reasons:
            size = len(cls.positions)
            for reason in reasons:
                histogram[reason] = histogram.get(reason, 0) + size
            if any(is_unresolvable(r) for r in reasons):
                unresolvable += size
            continue
        base = allocation_weight * scores.allocation_score(w, rep, strategy)
        base += numa_weight * scores.numa_locality_score(w, rep)
        rows.append((cls, rep, base, scores.prefer_no_schedule_count(w, rep)))
    if not rows:
        return PlainFailure(histogram, unresolvable)
    taints = scores.normalize([row[3] for row in rows], reverse=True)
    best_score, best_distance, best_rep = -1, total, rows[0][1]
    for (cls, rep, base, _), taint in zip(rows, taints, strict=True):
        score = base + taint_weight * taint
        if score < best_score:
            continue
        distance = _first_at_or_after(cls.positions, start, total)
        if score > best_score or distance < best_distance:
            best_score, best_distance, best_rep = score, distance, rep
    position = (start + best_distance) % total
    chosen = order[position]
    numa_node = pick_numa_node(w, best_rep) if w.pinned else None
    next_start = start if total < MIN_FEASIBLE else (position + 1) % total
    return PlainPlacement(chosen.name, numa_node, next_start)
