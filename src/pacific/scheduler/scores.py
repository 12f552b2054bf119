"""Score plugins: pure functions (workload, host) -> raw score, plus normalisation.

Every plugin's final score is in [0, MAX_SCORE] (kube's MaxNodeScore, 100); the total is
the weighted sum. Raw scores that are not naturally in range (counts, weight sums) are
normalised over the hosts being scored, as kube's NormalizeScore does.

- LeastAllocated (default) / MostAllocated: per resource (cpu, memory, equal weights) the
  free (or used) fraction of allocatable after adding the workload, using kube's non-zero
  request defaults so best-effort workloads still spread.
- NUMA locality: a pinned workload scores the free CPU fraction of the NUMA node it would
  get (balancing NUMA nodes); an unpinned one scores MAX_SCORE when it would still fit in
  a single NUMA node's free capacity, else 0 (it would straddle NUMA nodes).
- TaintToleration: fewer untolerated PreferNoSchedule taints is better (reversed).
- Preferred node affinity: the sum of weights of matching preferred terms (normalised).
"""

from __future__ import annotations

from collections.abc import Sequence

from pacific.scheduler.nodeinfo import DEFAULT_MEMORY, DEFAULT_MILLI_CPU, NodeInfo
from pacific.scheduler.numa import choose_numa_node
from pacific.scheduler.terms import PREFER_NO_SCHEDULE
from pacific.scheduler.workload import Workload

MAX_SCORE = 100
LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"


def _fraction_score(requested: int, allocatable: int, most: bool) -> int:
    if allocatable <= 0 or requested > allocatable:
        return 0
    used = requested * MAX_SCORE // allocatable
    return used if most else MAX_SCORE - used


def allocation_score(w: Workload, node: NodeInfo, strategy: str = LEAST_ALLOCATED) -> int:
    """NodeResourcesFit scoring, LeastAllocated or MostAllocated."""
    most = strategy == MOST_ALLOCATED
    cpu = node.nonzero_cpu + (w.requests.cpu or DEFAULT_MILLI_CPU)
    memory = node.nonzero_memory + (w.requests.memory or DEFAULT_MEMORY)
    cpu_score = _fraction_score(cpu, node.allocatable.cpu, most)
    memory_score = _fraction_score(memory, node.allocatable.memory, most)
    return (cpu_score + memory_score) // 2


def numa_locality_score(w: Workload, node: NodeInfo) -> int:
    cpu, memory = w.requests.cpu, w.requests.memory
    if w.pinned:
        chosen = choose_numa_node(node.numa, node.numa_used, cpu, memory)
        if chosen is None:
            return 0
        for numa in node.numa:
            if numa.id == chosen and numa.cpu > 0:
                used = node.numa_used.get(chosen, (0, 0))[0] + cpu
                return _fraction_score(used, numa.cpu, most=False)
        return 0
    for numa in node.numa:
        used_cpu, used_memory = node.numa_used.get(numa.id, (0, 0))
        if cpu <= numa.cpu - used_cpu and memory <= numa.memory - used_memory:
            return MAX_SCORE
    return 0


def prefer_no_schedule_count(w: Workload, node: NodeInfo) -> int:
    """Raw TaintToleration score: PreferNoSchedule taints the workload does not tolerate."""
    count = 0
    for taint in node.taints:
        if taint.effect != PREFER_NO_SCHEDULE:
            continue
        if not any(t.tolerates(taint.key, taint.value, taint.effect) for t in w.tolerations):
            count += 1
    return count


def preferred_affinity_weight(w: Workload, node: NodeInfo) -> int:
    """Raw NodeAffinity score: the weights of the preferred terms this host matches."""
    return sum(
        weight for weight, term in w.preferred_node_terms if term.matches(node.name, node.labels)
    )


def normalize(raw: Sequence[int], reverse: bool = False) -> list[int]:
    """Scale raw scores to [0, MAX_SCORE] by the highest one; `reverse` makes low best."""
    highest = max(raw, default=0)
    if highest <= 0:
        return [MAX_SCORE if reverse else 0 for _ in raw]
    scaled = [r * MAX_SCORE // highest for r in raw]
    return [MAX_SCORE - s for s in scaled] if reverse else scaled
