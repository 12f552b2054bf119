"""Per-host filter plugins: pure functions (workload, host) -> failure reasons.

Each filter returns () when the host passes, else the reasons it fails, worded exactly as
kube-scheduler words them (people and scripts grep for these texts). Reasons a preemption
could never fix (the host's labels, taints or name do not change by evicting pods) are in
`UNRESOLVABLE`; the rest could be fixed by removing workloads.

Filters that need the whole cluster (inter-pod affinity, topology spread) live in
`pacific.scheduler.interpod` and `pacific.scheduler.spread`; they take a per-cycle state.
"""

from __future__ import annotations

from pacific.scheduler.nodeinfo import NodeInfo
from pacific.scheduler.numa import choose_numa_node
from pacific.scheduler.terms import NO_EXECUTE, NO_SCHEDULE, match_node_terms
from pacific.scheduler.workload import Workload

Reasons = tuple[str, ...]

INSUFFICIENT_CPU = "Insufficient cpu"
INSUFFICIENT_MEMORY = "Insufficient memory"
TOO_MANY_PODS = "Too many pods"
NODE_NAME_MISMATCH = "node(s) didn't match the requested node name"
NODE_UNSCHEDULABLE = "node(s) were unschedulable"
NODE_AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector"
NUMA_MISFIT = "node(s) had no single NUMA node with enough free cpu and memory"
UNSCHEDULABLE_TAINT_KEY = "node.kubernetes.io/unschedulable"

UNRESOLVABLE = frozenset({NODE_NAME_MISMATCH, NODE_UNSCHEDULABLE, NODE_AFFINITY_MISMATCH})

PASS: Reasons = ()


def fit_resources(w: Workload, node: NodeInfo) -> Reasons:
    """NodeResourcesFit: requests fit in allocatable minus what is already requested."""
    reasons: list[str] = []
    if node.pod_count + 1 > node.allowed_pods:
        reasons.append(TOO_MANY_PODS)
    req, used, alloc = w.requests, node.requested, node.allocatable
    if req.cpu and req.cpu > alloc.cpu - used.cpu:
        reasons.append(INSUFFICIENT_CPU)
    if req.memory and req.memory > alloc.memory - used.memory:
        reasons.append(INSUFFICIENT_MEMORY)
    for name, amount in req.scalars:
        if amount and amount > alloc.scalar(name) - used.scalar(name):
            reasons.append(f"Insufficient {name}")
    return tuple(reasons)


def node_name(w: Workload, node: NodeInfo) -> Reasons:
    """NodeName: a workload that names its host goes there or nowhere."""
    return (NODE_NAME_MISMATCH,) if w.node_name and w.node_name != node.name else PASS


def node_unschedulable(w: Workload, node: NodeInfo) -> Reasons:
    """NodeUnschedulable: cordoned hosts take only workloads tolerating the cordon taint."""
    if not node.unschedulable:
        return PASS
    for t in w.tolerations:
        if t.tolerates(UNSCHEDULABLE_TAINT_KEY, "", NO_SCHEDULE):
            return PASS
    return (NODE_UNSCHEDULABLE,)


def matches_node_placement(w: Workload, node: NodeInfo) -> bool:
    """nodeSelector and required node affinity (both must hold)."""
    labels = node.labels
    for key, value in w.node_selector:
        if labels.get(key) != value:
            return False
    return match_node_terms(w.required_node_terms, node.name, labels)


def node_affinity(w: Workload, node: NodeInfo) -> Reasons:
    """NodeAffinity: spec.nodeSelector and requiredDuringScheduling node affinity."""
    return PASS if matches_node_placement(w, node) else (NODE_AFFINITY_MISMATCH,)


def untolerated_taint(w: Workload, node: NodeInfo) -> str | None:
    """The first NoSchedule/NoExecute taint `w` does not tolerate, as kube reports it."""
    for taint in node.taints:
        if taint.effect not in (NO_SCHEDULE, NO_EXECUTE):
            continue
        if not any(t.tolerates(taint.key, taint.value, taint.effect) for t in w.tolerations):
            return f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"
    return None


def taint_toleration(w: Workload, node: NodeInfo) -> Reasons:
    """TaintToleration: every NoSchedule/NoExecute taint must be tolerated."""
    reason = untolerated_taint(w, node)
    return PASS if reason is None else (reason,)


def numa_fit(w: Workload, node: NodeInfo) -> Reasons:
    """NUMAFit: a pinned workload needs one NUMA node with its cpu and memory free."""
    if not w.pinned:
        return PASS
    return PASS if pick_numa_node(w, node) is not None else (NUMA_MISFIT,)


def pick_numa_node(w: Workload, node: NodeInfo) -> int | None:
    """The NUMA node a pinned workload would be placed on here (None: none fits)."""
    return choose_numa_node(node.numa, node.numa_used, w.requests.cpu, w.requests.memory)


def is_unresolvable(reason: str) -> bool:
    return reason in UNRESOLVABLE or reason.startswith("node(s) had untolerated taint")


# The order kube runs them in: cheap label checks first, resources last.
HOST_FILTERS = (
    node_unschedulable,
    node_name,
    taint_toleration,
    node_affinity,
    fit_resources,
    numa_fit,
)
