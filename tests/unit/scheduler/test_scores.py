import pytest

from pacific.scheduler import scores
from pacific.scheduler.nodeinfo import NodeInfo

from .build import node, workload

TOPO = '[{"id":0,"cpus":"0-3","memory":"4Gi"},{"id":1,"cpus":"4-7","memory":"4Gi"}]'


def _used(cpu: str, memory: str) -> NodeInfo:
    n = node(cpu="4", memory="8Gi")
    n.add(workload(name="x", cpu=cpu, memory=memory))
    return n


@pytest.mark.parametrize(
    ("n", "least", "most"),
    [
        (node(cpu="4", memory="8Gi"), 75, 25),  # incoming 1 cpu + 2Gi of 4 / 8Gi
        (_used("2", "4Gi"), 25, 75),
        (_used("3500m", "1Gi"), 31, 18),  # cpu over-committed scores 0 either way
    ],
)
def test_allocation(n: NodeInfo, least: int, most: int) -> None:
    w = workload(cpu="1", memory="2Gi")
    assert scores.allocation_score(w, n) == least
    assert scores.allocation_score(w, n, scores.MOST_ALLOCATED) == most


def test_best_effort_uses_nonzero_defaults() -> None:
    n = node(cpu="1", memory="2000Mi")
    assert scores.allocation_score(workload(), n) == (90 + 90) // 2


def test_numa_locality() -> None:
    n = node(cpu="8", memory="8Gi", annotations={"pacific.dev/numa-topology": TOPO})
    pinned = workload(limits={"cpu": "2", "memory": "1Gi"})
    assert scores.numa_locality_score(pinned, n) == 50
    n.numa_used[0] = (3000, 0)
    n.numa_used[1] = (3000, 0)
    assert scores.numa_locality_score(pinned, n) == 0
    assert scores.numa_locality_score(workload(cpu="1"), n) == 100
    assert scores.numa_locality_score(workload(cpu="2"), n) == 0  # would straddle


def test_taints_and_preferred_affinity() -> None:
    soft = node(taints=[{"key": "a", "effect": "PreferNoSchedule"},
                        {"key": "b", "effect": "PreferNoSchedule"},
                        {"key": "c", "effect": "NoSchedule"}])  # fmt: skip
    assert scores.prefer_no_schedule_count(workload(), soft) == 2
    tolerant = workload(tolerations=[{"key": "a", "operator": "Exists"}])
    assert scores.prefer_no_schedule_count(tolerant, soft) == 1
    pref = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 3, "preference": {"matchExpressions": [
            {"key": "ssd", "operator": "Exists"}]}},
        {"weight": 5, "preference": {"matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["a"]}]}}]}}  # fmt: skip
    w = workload(affinity=pref)
    assert scores.preferred_affinity_weight(w, node(labels={"ssd": "1", "zone": "a"})) == 8
    assert scores.preferred_affinity_weight(w, node(labels={"zone": "b"})) == 0


@pytest.mark.parametrize(
    ("raw", "reverse", "out"),
    [
        ([0, 5, 10], False, [0, 50, 100]),
        ([0, 5, 10], True, [100, 50, 0]),
        ([0, 0], True, [100, 100]),
        ([0, 0], False, [0, 0]),
    ],
)
def test_normalize(raw: list[int], reverse: bool, out: list[int]) -> None:
    assert scores.normalize(raw, reverse) == out
