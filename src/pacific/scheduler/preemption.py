"""Preemption (kube-scheduler's DefaultPreemption PostFilter) as pure functions.

Model: when no host fits a workload `w`, find hosts where evicting workloads of lower
priority makes it fit, and pick one:
1. Eligibility: `preemptionPolicy: Never` never preempts; a workload already nominated to a
   host where a lower-priority workload is still terminating waits for it instead of
   evicting more (kube's PodEligibleToPreemptOthers).
2. Candidates: hosts whose filter failure could be fixed by removing workloads (resources,
   pod count, NUMA fit; not labels, taints, cordons, names). Walked from `start`, stopping
   once `candidates_to_find(n)` hosts with victims are found (kube: 10% of hosts, at
   least 100), else every host is tried.
3. Victims on one host (`select_victims`): remove every lower-priority preemptible
   workload; if `w` still does not fit, the host is no candidate. Otherwise add them back
   most important first (higher priority, then earlier start) whenever `w` still fits
   ("reprieve"); the rest are the victims, a minimal set in that order. There are no
   PodDisruptionBudgets in Pacific, so no victim ever violates one.
4. Pick (`pick_candidate`), kube's criteria in order: lowest highest-victim priority,
   smallest sum of victim priorities, fewest victims, latest earliest start time among the
   highest-priority victims, then the first found.
Workloads whose `preemptible` is False (VirtualMachines) are never victims.

A failed preemption carries kube's PostFilter message: "preemption: 0/N nodes are
available: <a> No preemption victims found for incoming pod, <b> Preemption is not helpful
for scheduling." or "preemption: not eligible due to ...".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pacific.scheduler.filters import (
    fit_resources,
    node_affinity,
    node_name,
    node_unschedulable,
    numa_fit,
    taint_toleration,
)
from pacific.scheduler.nodeinfo import NodeInfo
from pacific.scheduler.workload import NEVER, Workload

MIN_CANDIDATES = 100
MIN_CANDIDATE_PERCENTAGE = 10
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
POLICY_NEVER = "not eligible due to preemptionPolicy=Never."
TERMINATING = "not eligible due to a terminating pod on the nominated node."
_STATIC_FILTERS = (node_unschedulable, node_name, taint_toleration, node_affinity)


@dataclass(frozen=True, slots=True)
class Candidate:
    node: str
    victims: tuple[Workload, ...]


@dataclass(frozen=True, slots=True)
class NoCandidate:
    message: str  # kube's PostFilter message, "preemption: ..."


def candidates_to_find(total: int) -> int:
    return min(total, max(total * MIN_CANDIDATE_PERCENTAGE // 100, MIN_CANDIDATES))


def fits(w: Workload, node: NodeInfo) -> bool:
    """Whether `w` passes the host filters that depend on what is placed on `node`."""
    return not fit_resources(w, node) and not numa_fit(w, node)


def helpful(w: Workload, node: NodeInfo) -> bool:
    """Whether evicting workloads might make `w` fit here: labels, taints, cordon and name
    filters pass (a host smaller than `w` still counts, as in kube: it then reports no
    victims)."""
    return not any(f(w, node) for f in _STATIC_FILTERS)


def eligible(w: Workload, nominated: NodeInfo | None) -> str | None:
    """None if `w` may preempt, else kube's reason."""
    if w.preemption_policy == NEVER:
        return POLICY_NEVER
    if nominated is not None:
        for other, _ in nominated.workloads.values():
            if other.terminating and other.priority < w.priority:
                return TERMINATING
    return None


def _more_important_first(entry: tuple[Workload, int | None]) -> tuple[int, str]:
    return (-entry[0].priority, entry[0].start_time)


def select_victims(w: Workload, node: NodeInfo) -> tuple[Workload, ...] | None:
    """The minimal set of lower-priority workloads to evict from `node` so `w` fits, most
    important first; None if evicting every one of them is not enough."""
    lower = [
        entry
        for entry in node.workloads.values()
        if entry[0].priority < w.priority and entry[0].preemptible and entry[0].uid != w.uid
    ]
    if not lower:
        return None
    trial = node.clone()
    for v, _ in lower:
        trial.remove(v.uid)
    if not fits(w, trial):
        return None
    victims: list[Workload] = []
    for v, numa_id in sorted(lower, key=_more_important_first):
        trial.add(v, numa_id)
        if not fits(w, trial):
            trial.remove(v.uid)
            victims.append(v)
    return tuple(victims)


def _earliest_top_start(victims: Sequence[Workload]) -> str:
    top = max(v.priority for v in victims)
    return min(v.start_time for v in victims if v.priority == top)


def pick_candidate(candidates: Sequence[Candidate]) -> Candidate:
    """kube's pickOneNodeForPreemption over non-empty `candidates`."""
    steps: tuple[Callable[[Candidate], int], ...] = (
        lambda c: -max((v.priority for v in c.victims), default=-(2**31)),
        lambda c: -sum(v.priority + 2**31 for v in c.victims),
        lambda c: -len(c.victims),
    )
    remaining = list(candidates)
    for score in steps:
        best = max(score(c) for c in remaining)
        remaining = [c for c in remaining if score(c) == best]
        if len(remaining) == 1:
            return remaining[0]
    with_victims = [c for c in remaining if c.victims]
    if not with_victims:
        return remaining[0]
    latest = max(_earliest_top_start(c.victims) for c in with_victims)
    return next(c for c in with_victims if _earliest_top_start(c.victims) == latest)


def _histogram(total: int, counts: dict[str, int]) -> str:
    items = sorted(f"{n} {reason}" for reason, n in counts.items() if n)
    return f"0/{total} nodes are available: " + ", ".join(items) + "."


def preempt(
    w: Workload,
    nodes: Sequence[NodeInfo],
    *,
    start: int = 0,
    nominated: NodeInfo | None = None,
) -> Candidate | NoCandidate:
    """Where `w` could go by evicting whom (pure: reads `nodes`, never mutates them)."""
    reason = eligible(w, nominated)
    if reason is not None:
        return NoCandidate(f"preemption: {reason}")
    total = len(nodes)
    wanted = candidates_to_find(total)
    found: list[Candidate] = []
    not_helpful = no_victims = 0
    for i in range(total):
        node = nodes[(start + i) % total]
        if fits(w, node) or not helpful(w, node):
            # A host that fits was rejected by a cluster-wide filter (affinity, spread):
            # evicting by priority does not address those here.
            not_helpful += 1
            continue
        victims = select_victims(w, node)
        if victims is None:
            no_victims += 1
            continue
        found.append(Candidate(node.name, victims))
        if len(found) >= wanted:
            break
    if found:
        return pick_candidate(found)
    counts = {NO_VICTIMS: no_victims, NOT_HELPFUL: not_helpful}
    return NoCandidate("preemption: " + _histogram(total, counts))
