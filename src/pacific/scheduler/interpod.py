"""InterPodAffinity (required terms): a pre-pass over the cluster, then a per-host check.

Model, as kube-scheduler's plugin: `prepare_interpod` counts, once per scheduling cycle,
how many placed workloads match each (topologyKey, value) pair that matters:
- `affinity`: placed workloads matching each of the incoming workload's affinity terms;
- `anti_affinity`: placed workloads matching each of its anti-affinity terms;
- `existing_anti`: pairs where a placed workload's own anti-affinity term selects the
  incoming workload (anti-affinity is symmetric).
`interpod_filter` then checks a host by its label values only, in kube's order, with
kube's reasons. The first workload of a self-affine group (no match anywhere, but it
matches its own terms) may go to any host that has the topology keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pacific.scheduler.nodeinfo import NodeInfo
from pacific.scheduler.terms import PodAffinityTerm
from pacific.scheduler.workload import Workload

AFFINITY_MISMATCH = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_MISMATCH = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY_MISMATCH = "node(s) didn't satisfy existing pods anti-affinity rules"

Pair = tuple[str, str]
NamespaceLabels = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class InterPodState:
    affinity: dict[Pair, int] = field(default_factory=dict)
    anti_affinity: dict[Pair, int] = field(default_factory=dict)
    existing_anti: dict[Pair, int] = field(default_factory=dict)
    self_affine: bool = False

    @property
    def empty(self) -> bool:
        return not (self.affinity or self.anti_affinity or self.existing_anti or self.self_affine)


def _selects(term: PodAffinityTerm, w: Workload, ns_labels: NamespaceLabels) -> bool:
    return term.selects(w.namespace, w.labels, ns_labels.get(w.namespace))


def _count(
    terms: tuple[PodAffinityTerm, ...],
    nodes: Iterable[NodeInfo],
    ns_labels: NamespaceLabels,
) -> dict[Pair, int]:
    counts: dict[Pair, int] = {}
    for node in nodes:
        for term in terms:
            value = node.labels.get(term.topology_key)
            if value is None:
                continue
            pair = (term.topology_key, value)
            for placed, _ in node.workloads.values():
                if _selects(term, placed, ns_labels):
                    counts[pair] = counts.get(pair, 0) + 1
    return counts


def prepare_interpod(
    w: Workload,
    nodes: Iterable[NodeInfo],
    anti_affinity_holders: Iterable[tuple[Workload, NodeInfo]],
    ns_labels: NamespaceLabels,
) -> InterPodState:
    """The per-cycle counts; `anti_affinity_holders` are placed workloads that have
    required anti-affinity terms, with their hosts (the cache keeps that list)."""
    existing: dict[Pair, int] = {}
    for placed, host in anti_affinity_holders:
        for term in placed.pod_anti_affinity:
            value = host.labels.get(term.topology_key)
            if value is not None and _selects(term, w, ns_labels):
                pair = (term.topology_key, value)
                existing[pair] = existing.get(pair, 0) + 1
    if not (w.pod_affinity or w.pod_anti_affinity):
        return InterPodState(existing_anti=existing)
    node_list = list(nodes)
    affinity = _count(w.pod_affinity, node_list, ns_labels)
    anti = _count(w.pod_anti_affinity, node_list, ns_labels)
    self_affine = bool(w.pod_affinity) and all(_selects(t, w, ns_labels) for t in w.pod_affinity)
    return InterPodState(affinity, anti, existing, self_affine)


def _satisfies_affinity(w: Workload, state: InterPodState, node: NodeInfo) -> bool:
    matched_all = True
    for term in w.pod_affinity:
        value = node.labels.get(term.topology_key)
        if value is None:
            return False
        if state.affinity.get((term.topology_key, value), 0) <= 0:
            matched_all = False
    if matched_all:
        return True
    # No workload matches the terms anywhere: the first of a self-affine group may go.
    return not state.affinity and state.self_affine


def interpod_filter(w: Workload, state: InterPodState, node: NodeInfo) -> tuple[str, ...]:
    if w.pod_affinity and not _satisfies_affinity(w, state, node):
        return (AFFINITY_MISMATCH,)
    for term in w.pod_anti_affinity:
        value = node.labels.get(term.topology_key)
        if value is not None and state.anti_affinity.get((term.topology_key, value), 0) > 0:
            return (ANTI_AFFINITY_MISMATCH,)
    if state.existing_anti:
        for (key, value), count in state.existing_anti.items():
            if count > 0 and node.labels.get(key) == value:
                return (EXISTING_ANTI_AFFINITY_MISMATCH,)
    return ()
