"""Preemption as pure functions: eligibility, victims, the pick, and the messages."""

from __future__ import annotations

from dataclasses import replace

from pacific.scheduler.framework import ClusterView, Placement, schedule
from pacific.scheduler.nodeinfo import NodeInfo
from pacific.scheduler.preemption import (
    POLICY_NEVER,
    TERMINATING,
    Candidate,
    NoCandidate,
    pick_candidate,
    preempt,
    select_victims,
)
from pacific.scheduler.workload import (
    Workload,
    resources_from_list,
    workload_from_parts,
    workload_from_pod,
)

from .build import node, pod, workload


def w(name: str, cpu: str, priority: int = 0, start: str = "", **spec: object) -> Workload:
    base = workload(name=name, cpu=cpu, memory="1Gi", priority=priority, **spec)
    return replace(base, start_time=start) if start else base


def host(name: str, *placed: Workload, cpu: str = "4") -> NodeInfo:
    info = node(name, cpu=cpu, memory="64Gi")
    for p in placed:
        info.add(p)
    return info


def test_minimal_victims_lowest_priority_first() -> None:
    n = host("n1", w("a", "1", 1), w("b", "1", 5), w("c", "2", 3))
    victims = select_victims(w("hi", "2", 10), n)
    # a (1) and c (3) are tried last: b (5) and then c are reprieved if possible
    assert victims is not None and [v.name for v in victims] == ["c"]
    assert len(n.workloads) == 3  # the host itself is untouched


def test_no_victims_when_evicting_all_lower_is_not_enough() -> None:
    n = host("n1", w("a", "2", 1), w("b", "2", 50))
    assert select_victims(w("hi", "3", 10), n) is None
    assert select_victims(w("hi", "1", 0), host("n2", w("a", "4", 0))) is None  # equal


def test_vms_are_never_victims() -> None:
    vm = workload_from_parts(
        "VirtualMachine",
        {"name": "vm", "namespace": "d", "uid": "vm"},
        resources_from_list({"cpu": "4", "memory": "1Gi"}),
        resources_from_list({"cpu": "4", "memory": "1Gi"}),
        True,
        {"priority": 0},
    )
    assert not vm.preemptible and w("p", "1").preemptible
    assert select_victims(w("hi", "2", 10), host("n1", vm)) is None


def test_policy_never_and_terminating_on_nominated_host() -> None:
    n = host("n1", w("a", "4", 0))
    out = preempt(w("hi", "2", 10, preemptionPolicy="Never"), [n])
    assert out == NoCandidate(f"preemption: {POLICY_NEVER}")
    dying = replace(w("a", "4", 0), terminating=True)
    out = preempt(w("hi", "2", 10), [host("n1", dying)], nominated=host("n1", dying))
    assert out == NoCandidate(f"preemption: {TERMINATING}")


def test_pick_follows_kubes_criteria() -> None:
    def c(name: str, *prio_start: tuple[int, str]) -> Candidate:
        victims = tuple(w(f"{name}{i}", "1", p, s) for i, (p, s) in enumerate(prio_start))
        return Candidate(name, victims)

    lowest_top = c("a", (1, "t1"), (1, "t1"), (1, "t1"))
    assert pick_candidate([c("x", (5, "t1")), lowest_top]).node == "a"
    assert pick_candidate([c("x", (3, "t1"), (3, "t1")), c("y", (3, "t1"), (1, "t1"))]).node == "y"
    assert pick_candidate([c("x", (3, "t1"), (0, "t1")), c("y", (3, "t1"))]).node == "y"
    latest = pick_candidate([c("x", (3, "2025-01-01")), c("y", (3, "2025-06-01"))])
    assert latest.node == "y"


def test_preempt_chooses_host_and_reports_failures_like_kube() -> None:
    nodes = [
        host("n1", w("a", "4", 7)),
        host("n2", w("b", "2", 1), w("c", "2", 1)),
        node("n3", cpu="4", memory="64Gi", taints=[{"key": "k", "value": "v",
                                                    "effect": "NoSchedule"}]),
    ]  # fmt: skip
    out = preempt(w("hi", "2", 5), nodes)
    assert isinstance(out, Candidate) and out.node == "n2" and len(out.victims) == 1
    out = preempt(w("hi", "2", 1), nodes)
    assert out == NoCandidate(
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod."
    )


def test_nominated_workloads_hold_their_room() -> None:
    n = host("n1", w("a", "2", 0))
    preemptor = w("hi", "2", 10)
    view = ClusterView([n], nominated={"n1": (preemptor,)})
    assert not isinstance(schedule(w("low", "2", 5), view), Placement)
    assert isinstance(schedule(w("higher", "2", 20), view), Placement)
    assert isinstance(schedule(preemptor, view), Placement)  # its own room


def test_fit_error_text_with_postfilter() -> None:
    result = schedule(w("big", "8"), ClusterView([host("n1")]))
    assert not isinstance(result, Placement)
    assert result.with_postfilter("") == "0/1 nodes are available: 1 Insufficient cpu."
    assert result.with_postfilter("preemption: x").endswith("cpu. preemption: x")


def test_start_time_and_policy_come_from_the_pod() -> None:
    p = pod(name="s", cpu="1", priority=3, preemptionPolicy="Never")
    p["status"] = {"startTime": "2025-01-01T00:00:00Z"}
    p["metadata"]["deletionTimestamp"] = "2025-01-02T00:00:00Z"
    got = workload_from_pod(p)
    assert (got.start_time, got.preemption_policy, got.terminating) == (
        "2025-01-01T00:00:00Z",
        "Never",
        True,
    )
