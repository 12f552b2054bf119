"""One scheduling decision: filter hosts, score a sample of the feasible ones, pick one.

Model (kube-scheduler's scheduling cycle, without preemption):
1. Prepare the per-cycle state of cluster-wide filters (inter-pod affinity, spread).
2. Filter hosts in order starting at `start` (rotating between decisions so every host
   gets looked at), stopping once `feasible_to_find(n)` feasible hosts are found: like
   kube's adaptive percentageOfNodesToScore (50% - n/125, at least 5%, at least 100
   hosts), which keeps a decision's work bounded on thousands of hosts. On each host the
   filters run in order and stop at the first one that fails.
3. Score the feasible hosts (weighted plugins, see `scores`) and pick the best; ties go
   to the host met first after `start`, which spreads equal hosts round-robin.
4. Pinned workloads get the NUMA node `numa.choose_numa_node` picks on the chosen host.

Plain workloads (no host name, labels, pod affinity or spread involved) skip steps 2-3
when the caller passes a `HostIndex` of the hosts (`ClusterView.index`, kept by the cache)
with no more classes than hosts the scan would look at: `hostindex.schedule_plain` scores
each class of equal hosts once and gives the answer of a scan of every host, so on
thousands of hosts a decision costs what a handful of host evaluations cost.

Workloads nominated to a host by a preemption (`ClusterView.nominated`) count as placed
there for every workload of lower or equal priority, so the room a preemption freed is
not taken by someone else first (kube's addNominatedPods).

On failure the result carries kube's message: "0/N nodes are available: <count> <reason>,
... ." with reasons sorted as kube sorts them (as strings "<count> <reason>"); the loop
appends the preemption outcome (`pacific.scheduler.preemption`). `FitError.message` is the
text when no preemption was run: every host whose reasons could be fixed by evicting
workloads reports "No preemption victims found for incoming pod", the others "Preemption
is not helpful for scheduling".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pacific.scheduler import scores
from pacific.scheduler.filters import HOST_FILTERS, is_unresolvable, pick_numa_node
from pacific.scheduler.hostindex import (
    MIN_FEASIBLE,
    HostIndex,
    PlainPlacement,
    is_plain,
    schedule_plain,
)
from pacific.scheduler.interpod import (
    AFFINITY_MISMATCH,
    InterPodState,
    interpod_filter,
    prepare_interpod,
)
from pacific.scheduler.nodeinfo import NodeInfo
from pacific.scheduler.spread import (
    SPREAD_MISSING_LABEL,
    SpreadState,
    prepare_spread,
    spread_filter,
)
from pacific.scheduler.workload import Workload

MIN_PERCENTAGE = 5
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
_UNRESOLVABLE_CLUSTER = frozenset({AFFINITY_MISMATCH, SPREAD_MISSING_LABEL})


@dataclass(frozen=True, slots=True)
class Weights:
    """Score plugin weights (kube's defaults)."""

    allocation: int = 1
    numa_locality: int = 1
    taint_toleration: int = 3
    node_affinity: int = 2


@dataclass(frozen=True, slots=True)
class Placement:
    node: str
    numa_node: int | None
    next_start: int


@dataclass(frozen=True, slots=True)
class FitError:
    total: int
    histogram: Mapping[str, int]  # reason -> number of hosts
    unresolvable_hosts: int
    next_start: int

    @property
    def message(self) -> str:
        return fit_error_message(self.total, self.histogram, self.unresolvable_hosts)

    def with_postfilter(self, postfilter: str) -> str:
        """The reasons followed by a preemption outcome ("" when preemption succeeded)."""
        if self.total == 0:
            return fit_error_message(0, {}, 0)
        text = _histogram_text(self.total, self.histogram)
        return f"{text} {postfilter}" if postfilter else text


@dataclass(frozen=True, slots=True)
class ClusterView:
    """What a decision reads: hosts in a stable order plus cluster-wide indexes."""

    nodes: Sequence[NodeInfo]
    anti_affinity_holders: Iterable[tuple[Workload, NodeInfo]] = ()
    namespace_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    nominated: Mapping[str, Sequence[Workload]] = field(default_factory=dict)
    index: HostIndex | None = None  # classes of `nodes`, when the caller keeps them


def with_nominated(w: Workload, node: NodeInfo, nominated: Sequence[Workload]) -> NodeInfo:
    """`node` as `w` must see it: plus the workloads nominated there that are at least as
    important as `w` (other than `w` itself)."""
    ahead = [n for n in nominated if n.uid != w.uid and n.priority >= w.priority]
    if not ahead:
        return node
    trial = node.clone()
    for n in ahead:
        if n.uid not in trial.workloads:
            trial.add(n)
    return trial


def feasible_to_find(total: int, percentage: int = 0) -> int:
    """How many feasible hosts to find before scoring (percentage 0: adaptive)."""
    if total < MIN_FEASIBLE or percentage >= 100:
        return total
    if percentage <= 0:
        percentage = max(50 - total // 125, MIN_PERCENTAGE)
    return max(total * percentage // 100, MIN_FEASIBLE)


def _histogram_text(total: int, histogram: Mapping[str, int]) -> str:
    items = sorted(f"{count} {reason}" for reason, count in histogram.items())
    return f"0/{total} nodes are available: " + ", ".join(items) + "."


def fit_error_message(total: int, histogram: Mapping[str, int], unresolvable_hosts: int) -> str:
    """kube's FailedScheduling text, e.g. "0/3 nodes are available: 1 node(s) were
    unschedulable, 2 Insufficient memory. preemption: 0/3 nodes are available: 1
    Preemption is not helpful for scheduling, 2 No preemption victims found for incoming
    pod." For no hosts at all: "no nodes available to schedule pods"."""
    if total == 0:
        return "no nodes available to schedule pods"
    preemption: dict[str, int] = {}
    if unresolvable_hosts:
        preemption[NOT_HELPFUL] = unresolvable_hosts
    if total - unresolvable_hosts:
        preemption[NO_VICTIMS] = total - unresolvable_hosts
    return f"{_histogram_text(total, histogram)} preemption: {_histogram_text(total, preemption)}"


def _unresolvable(reasons: tuple[str, ...]) -> bool:
    return any(r in _UNRESOLVABLE_CLUSTER or is_unresolvable(r) for r in reasons)


def host_reasons(
    w: Workload, node: NodeInfo, interpod: InterPodState, spread: SpreadState | None
) -> tuple[str, ...]:
    """Every filter in order; the reasons of the first that fails (() if none)."""
    for f in HOST_FILTERS:
        reasons = f(w, node)
        if reasons:
            return reasons
    if spread is not None:
        reasons = spread_filter(w, spread, node)
        if reasons:
            return reasons
    if not interpod.empty or w.pod_affinity:
        return interpod_filter(w, interpod, node)
    return ()


def score_host(
    w: Workload, node: NodeInfo, strategy: str, weights: Weights
) -> tuple[int, int, int]:
    """(weighted score of the plugins that need no normalisation, raw taint count, raw
    preferred affinity weight)."""
    base = weights.allocation * scores.allocation_score(w, node, strategy)
    base += weights.numa_locality * scores.numa_locality_score(w, node)
    return base, scores.prefer_no_schedule_count(w, node), scores.preferred_affinity_weight(w, node)


def schedule(
    w: Workload,
    cluster: ClusterView,
    *,
    start: int = 0,
    percentage: int = 0,
    strategy: str = scores.LEAST_ALLOCATED,
    weights: Weights = Weights(),
) -> Placement | FitError:
    """Decide where `w` goes among `cluster.nodes` (pure: reads, never mutates)."""
    nodes = cluster.nodes
    total = len(nodes)
    if total == 0:
        return FitError(0, {}, 0, 0)
    interpod = prepare_interpod(w, nodes, cluster.anti_affinity_holders, cluster.namespace_labels)
    spread = prepare_spread(w, nodes)
    wanted = feasible_to_find(total, percentage)
    index = cluster.index
    if (
        index is not None
        and index.order is nodes
        and len(index) <= wanted
        and not cluster.nominated
        and interpod.empty
        and spread is None
        and is_plain(w)
    ):
        return _schedule_plain(w, index, start, strategy, weights)
    feasible: list[NodeInfo] = []
    histogram: dict[str, int] = {}
    unresolvable = 0
    examined = 0
    start %= total
    nominated = cluster.nominated
    while examined < total and len(feasible) < wanted:
        node = nodes[(start + examined) % total]
        examined += 1
        if nominated and node.name in nominated:
            node = with_nominated(w, node, nominated[node.name])
        reasons = host_reasons(w, node, interpod, spread)
        if not reasons:
            feasible.append(node)
            continue
        for reason in reasons:
            histogram[reason] = histogram.get(reason, 0) + 1
        if _unresolvable(reasons):
            unresolvable += 1
    next_start = (start + examined) % total
    if not feasible:
        return FitError(total, histogram, unresolvable, next_start)
    best = _pick(w, feasible, strategy, weights)
    numa_node = pick_numa_node(w, best) if w.pinned else None
    return Placement(best.name, numa_node, next_start)


def _schedule_plain(
    w: Workload, index: HostIndex, start: int, strategy: str, weights: Weights
) -> Placement | FitError:
    result = schedule_plain(
        w,
        index,
        start=start,
        strategy=strategy,
        allocation_weight=weights.allocation,
        numa_weight=weights.numa_locality,
        taint_weight=weights.taint_toleration,
    )
    total = len(index.order)
    if isinstance(result, PlainPlacement):
        return Placement(result.node, result.numa_node, result.next_start)
    return FitError(total, result.histogram, result.unresolvable_hosts, start % total)


def _pick(w: Workload, feasible: list[NodeInfo], strategy: str, weights: Weights) -> NodeInfo:
    if len(feasible) == 1:
        return feasible[0]
    rows = [score_host(w, node, strategy, weights) for node in feasible]
    taints = scores.normalize([r[1] for r in rows], reverse=True)
    affinity = scores.normalize([r[2] for r in rows])
    best_index, best_score = 0, -1
    for i, (base, _, _) in enumerate(rows):
        total = base + weights.taint_toleration * taints[i] + weights.node_affinity * affinity[i]
        if total > best_score:
            best_index, best_score = i, total
    return feasible[best_index]
