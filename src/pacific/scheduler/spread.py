"""PodTopologySpread for `whenUnsatisfiable: DoNotSchedule` constraints.

Model, as kube-scheduler's plugin: `prepare_spread` walks the hosts once per cycle. A
host is eligible for counting when it has every constraint's topology key and, per the
constraint's policies, matches the workload's node selector/affinity (nodeAffinityPolicy
Honor, the default) and has no untolerated taint (nodeTaintsPolicy Honor; default Ignore).
For each constraint it counts the placed workloads in the incoming workload's namespace
that match the selector, per domain (topology value), every eligible domain starting at 0.

`spread_filter` admits a host when, for every constraint,
    count(host's domain) + (1 if the workload matches its own selector) - min(counts)
is at most maxSkew, where the minimum counts as 0 while there are fewer domains than
minDomains. A host missing a topology key fails with kube's "(missing required label)".
`ScheduleAnyway` constraints are not filters and are ignored here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pacific.scheduler.filters import matches_node_placement, untolerated_taint
from pacific.scheduler.nodeinfo import NodeInfo
from pacific.scheduler.terms import DO_NOT_SCHEDULE, SpreadConstraint
from pacific.scheduler.workload import Workload

SPREAD_MISMATCH = "node(s) didn't match pod topology spread constraints"
SPREAD_MISSING_LABEL = (
    "node(s) didn't match pod topology spread constraints (missing required label)"
)


@dataclass(frozen=True, slots=True)
class SpreadState:
    constraints: tuple[SpreadConstraint, ...]
    counts: tuple[dict[str, int], ...]  # per constraint: domain -> matching workloads
    minimum: tuple[int, ...]  # per constraint, after minDomains


def hard_constraints(w: Workload) -> tuple[SpreadConstraint, ...]:
    return tuple(c for c in w.spread if c.when_unsatisfiable == DO_NOT_SCHEDULE)


def prepare_spread(w: Workload, nodes: Iterable[NodeInfo]) -> SpreadState | None:
    """The per-cycle domain counts, or None when the workload has no hard constraint."""
    constraints = hard_constraints(w)
    if not constraints:
        return None
    counts: tuple[dict[str, int], ...] = tuple({} for _ in constraints)
    for node in nodes:
        if any(c.topology_key not in node.labels for c in constraints):
            continue
        for c, domains in zip(constraints, counts, strict=True):
            if c.honor_node_affinity and not matches_node_placement(w, node):
                continue
            if c.honor_node_taints and untolerated_taint(w, node) is not None:
                continue
            domain = node.labels[c.topology_key]
            matching = sum(
                1
                for placed, _ in node.workloads.values()
                if placed.namespace == w.namespace and c.selector.matches(placed.labels)
            )
            domains[domain] = domains.get(domain, 0) + matching
    minimum = tuple(
        0 if len(domains) < c.min_domains or not domains else min(domains.values())
        for c, domains in zip(constraints, counts, strict=True)
    )
    return SpreadState(constraints, counts, minimum)


def spread_filter(w: Workload, state: SpreadState | None, node: NodeInfo) -> tuple[str, ...]:
    if state is None:
        return ()
    for c in state.constraints:
        if c.topology_key not in node.labels:
            return (SPREAD_MISSING_LABEL,)
    for c, domains, minimum in zip(state.constraints, state.counts, state.minimum, strict=True):
        own = 1 if c.selector.matches(w.labels) else 0
        skew = domains.get(node.labels[c.topology_key], 0) + own - minimum
        if skew > c.max_skew:
            return (SPREAD_MISMATCH,)
    return ()
