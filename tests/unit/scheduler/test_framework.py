import pytest

from pacific.scheduler.framework import (
    ClusterView,
    FitError,
    Placement,
    feasible_to_find,
    fit_error_message,
    schedule,
)
from pacific.scheduler.scores import MOST_ALLOCATED

from .build import node, workload

TOPO = '[{"id":0,"cpus":"0-3","memory":"4Gi"},{"id":1,"cpus":"4-7","memory":"4Gi"}]'
UNREACHABLE = [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]


@pytest.mark.parametrize(
    ("total", "percentage", "wanted"),
    [(50, 0, 50), (100, 0, 100), (1000, 0, 420), (5000, 0, 500), (100_000, 0, 5000),
     (300, 10, 100), (5000, 100, 5000), (5000, 50, 2500)],
)  # fmt: skip
def test_feasible_to_find(total: int, percentage: int, wanted: int) -> None:
    assert feasible_to_find(total, percentage) == wanted


def test_message_like_kube() -> None:
    taint = "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"
    message = fit_error_message(3, {"Insufficient memory": 2, taint: 1}, 1)
    assert message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node.kubernetes.io/unreachable: }, 2 Insufficient memory. preemption: 0/3 nodes are "
        "available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found "
        "for incoming pod."
    )
    assert fit_error_message(0, {}, 0) == "no nodes available to schedule pods"


def test_schedule_aggregates_reasons() -> None:
    nodes = [node("a", memory="1Gi"), node("b", memory="1Gi"), node("c", taints=UNREACHABLE)]
    result = schedule(workload(memory="2Gi"), ClusterView(nodes))
    assert isinstance(result, FitError)
    assert result.histogram == {
        "Insufficient memory": 2,
        "node(s) had untolerated taint {node.kubernetes.io/unreachable: }": 1,
    }
    assert result.unresolvable_hosts == 1 and result.total == 3
    assert result.message.startswith("0/3 nodes are available: 1 node(s) had untolerated")


def test_schedule_picks_least_or_most_allocated() -> None:
    busy, idle = node("busy"), node("idle")
    busy.add(workload(name="x", cpu="3", memory="6Gi"))
    view = ClusterView([busy, idle])
    w = workload(cpu="500m", memory="1Gi")
    assert schedule(w, view) == Placement("idle", None, 0)
    placed = schedule(w, view, strategy=MOST_ALLOCATED)
    assert isinstance(placed, Placement) and placed.node == "busy"


def test_schedule_records_numa_node() -> None:
    n = node("n", cpu="8", memory="8Gi", annotations={"pacific.dev/numa-topology": TOPO})
    n.numa_used[0] = (2000, 0)
    placed = schedule(workload(limits={"cpu": "2", "memory": "1Gi"}), ClusterView([n]))
    assert isinstance(placed, Placement) and placed.numa_node == 1
    unpinned = schedule(workload(cpu="2"), ClusterView([n]))
    assert isinstance(unpinned, Placement) and unpinned.numa_node is None


def test_taint_and_preferred_affinity_scores_steer() -> None:
    soft = node("soft", taints=[{"key": "k", "effect": "PreferNoSchedule"}])
    plain = node("plain")
    assert schedule(workload(), ClusterView([soft, plain])).node == "plain"  # type: ignore[union-attr]
    pref = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 1, "preference": {"matchExpressions": [
            {"key": "ssd", "operator": "Exists"}]}}]}}  # fmt: skip
    ssd = node("ssd", labels={"ssd": "1"})
    assert schedule(workload(affinity=pref), ClusterView([plain, ssd])).node == "ssd"  # type: ignore[union-attr]


def test_sampling_stops_early_and_rotates() -> None:
    nodes = [node(f"n{i:03}") for i in range(300)]
    first = schedule(workload(), ClusterView(nodes))
    assert isinstance(first, Placement) and first.next_start == 144  # 48% of 300 hosts
    second = schedule(workload(), ClusterView(nodes), start=first.next_start)
    assert isinstance(second, Placement) and second.next_start == 288
    assert second.node != first.node


def test_no_hosts() -> None:
    result = schedule(workload(), ClusterView([]))
    assert isinstance(result, FitError)
    assert result.message == "no nodes available to schedule pods"
