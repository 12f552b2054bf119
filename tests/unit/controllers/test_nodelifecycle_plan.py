"""plan_node on a fake clock: health from the lease, taints, NoExecute evictions, VM pods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pacific.controllers.nodelifecycle_plan import (
    HOST_LOST,
    NOT_READY,
    STATUS_UNKNOWN,
    STATUS_UNKNOWN_MESSAGE,
    UNREACHABLE,
    UNSCHEDULABLE,
    NodePlan,
    eviction_time,
    plan_node,
    tolerates,
)

from .builders import pod

Obj = dict[str, Any]
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def node(
    name: str = "h1",
    *,
    ready: str | None = "True",
    reason: str = "KubeletReady",
    taints: list[Obj] | None = None,
    unschedulable: bool = False,
) -> Obj:
    conditions = []
    if ready is not None:
        conditions.append(
            {
                "type": "Ready",
                "status": ready,
                "reason": reason,
                "message": "",
                "lastHeartbeatTime": stamp(0),
                "lastTransitionTime": stamp(0),
            }
        )
    spec: Obj = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "metadata": {"name": name, "creationTimestamp": stamp(0)},
        "spec": spec,
        "status": {"conditions": conditions},
    }


def lease(renewed: float) -> Obj:
    return {"metadata": {"name": "h1"}, "spec": {"renewTime": stamp(renewed)}}


def running(name: str, tolerations: list[Obj] | None = None, owner: Obj | None = None) -> Obj:
    p = pod(name, phase="Running", ready=True, node="h1", owner=owner)
    if tolerations is not None:
        p["spec"]["tolerations"] = tolerations
    return p


def unreachable_toleration(seconds: int | None) -> Obj:
    t: Obj = {"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute"}
    if seconds is not None:
        t["tolerationSeconds"] = seconds
    return t


def applied(n: Obj, plan: NodePlan) -> Obj:
    """The node after the plan's writes, to check the plan is a fixed point."""
    out = {**n, "spec": dict(n["spec"]), "status": dict(n["status"])}
    if plan.conditions is not None:
        out["status"]["conditions"] = plan.conditions
    if plan.taints is not None:
        out["spec"]["taints"] = plan.taints
    return out


def ready_of(conditions: list[Obj] | None) -> Obj:
    assert conditions is not None
    return next(c for c in conditions if c["type"] == "Ready")


def test_fresh_lease_changes_nothing_and_requeues_at_expiry() -> None:
    plan = plan_node(node(), lease(10), [running("a")], at(20))
    assert plan.conditions is None and plan.taints is None and not plan.evict
    assert plan.requeue_after == 30.0  # renewed at 10 s + 40 s grace, now 20 s
    assert plan.ready_status == "True" and not plan.ready_changed


def test_expired_lease_sets_ready_unknown_and_unreachable_taints() -> None:
    n = node()
    n["status"]["conditions"].append(
        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"}
    )
    plan = plan_node(n, lease(10), [], at(50))
    ready = ready_of(plan.conditions)
    assert ready["status"] == "Unknown"
    assert ready["reason"] == STATUS_UNKNOWN and ready["message"] == STATUS_UNKNOWN_MESSAGE
    assert ready["lastTransitionTime"] == stamp(50)
    assert ready["lastHeartbeatTime"] == stamp(0)  # kept: the host's last own report
    assert plan.conditions is not None
    assert plan.conditions[1]["status"] == "Unknown"  # pressure conditions too
    assert plan.taints == [
        {"key": UNREACHABLE, "effect": "NoSchedule"},
        {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": stamp(50)},
    ]
    assert plan.ready_status == "Unknown" and plan.ready_changed
    assert plan.requeue_after is None


def test_just_before_grace_is_still_ready() -> None:
    plan = plan_node(node(), lease(10), [], at(49.5))
    assert plan.conditions is None and plan.requeue_after == 0.5


def test_grace_period_is_configurable() -> None:
    plan = plan_node(node(), lease(10), [], at(16), grace_period=5)
    assert ready_of(plan.conditions)["status"] == "Unknown"


def test_no_lease_counts_from_the_last_ready_heartbeat() -> None:
    assert plan_node(node(), None, [], at(39)).conditions is None
    assert ready_of(plan_node(node(), None, [], at(40)).conditions)["status"] == "Unknown"


def test_never_posted_ready_gets_never_updated_after_grace() -> None:
    fresh = plan_node(node(ready=None), None, [], at(10))
    assert fresh.conditions is None and fresh.taints is None  # no Ready yet: no taints
    plan = plan_node(node(ready=None), None, [], at(40))
    ready = ready_of(plan.conditions)
    assert ready["reason"] == "NodeStatusNeverUpdated"
    assert ready["message"] == "Kubelet never posted node status."


def test_plan_is_a_fixed_point() -> None:
    n = node()
    pods = [running("a", [unreachable_toleration(300)])]
    first = plan_node(n, lease(0), pods, at(60))
    again = plan_node(applied(n, first), lease(0), pods, at(61))
    assert again.conditions is None and again.taints is None
    assert not again.ready_changed
    assert again.requeue_after == 299.0  # the taint was added at 60 s


def test_lease_resumes_restores_ready_and_removes_taints() -> None:
    n = node()
    lost = applied(n, plan_node(n, lease(0), [], at(60)))
    plan = plan_node(lost, lease(70), [], at(71))
    ready = ready_of(plan.conditions)
    assert ready["status"] == "True" and ready["reason"] == "KubeletReady"
    assert ready["lastTransitionTime"] == stamp(71)
    assert plan.taints == []
    assert plan.ready_changed and plan.ready_status == "True"


def test_ready_false_from_the_host_gets_not_ready_taints() -> None:
    plan = plan_node(node(ready="False", reason="KubeletNotReady"), lease(5), [], at(6))
    assert plan.conditions is None  # the host's own report is not ours to change
    assert plan.taints == [
        {"key": NOT_READY, "effect": "NoSchedule"},
        {"key": NOT_READY, "effect": "NoExecute", "timeAdded": stamp(6)},
    ]


def test_cordon_adds_unschedulable_taint_and_uncordon_removes_it() -> None:
    cordoned = plan_node(node(unschedulable=True), lease(5), [], at(6))
    assert cordoned.taints == [{"key": UNSCHEDULABLE, "effect": "NoSchedule"}]
    back = node(taints=[{"key": UNSCHEDULABLE, "effect": "NoSchedule"}])
    assert plan_node(back, lease(5), [], at(6)).taints == []


def test_foreign_taints_are_kept_and_get_time_added() -> None:
    taints = [
        {"key": "dedicated", "value": "db", "effect": "NoSchedule"},
        {"key": "maintenance", "effect": "NoExecute"},
        {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": stamp(1)},
    ]
    plan = plan_node(node(taints=taints), lease(5), [], at(6))
    assert plan.taints == [
        {"key": "dedicated", "value": "db", "effect": "NoSchedule"},
        {"key": "maintenance", "effect": "NoExecute", "timeAdded": stamp(6)},
    ]


def test_managed_taint_keeps_its_time_added() -> None:
    taints = [
        {"key": UNREACHABLE, "effect": "NoSchedule"},
        {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": stamp(41)},
    ]
    n = node(ready="Unknown", reason=STATUS_UNKNOWN, taints=taints)
    plan = plan_node(n, lease(0), [running("a", [unreachable_toleration(10)])], at(45))
    assert plan.taints is None
    assert plan.requeue_after == 6.0  # 41 s + 10 s - 45 s
    assert [
        p["metadata"]["name"]
        for p in plan_node(n, lease(0), [running("a", [unreachable_toleration(10)])], at(51)).evict
    ] == ["a"]


def test_taint_manager_evicts_untolerating_pods_at_once_and_others_after_their_seconds() -> None:
    pods = [
        running("none", []),
        running("short", [unreachable_toleration(5)]),
        running("default", [unreachable_toleration(300)]),
        running("forever", [unreachable_toleration(None)]),
    ]
    n = node()
    plan = plan_node(n, lease(0), pods, at(40))
    assert [p["metadata"]["name"] for p in plan.evict] == ["none"]
    assert plan.requeue_after == 5.0
    lost = applied(n, plan)
    later = plan_node(lost, lease(0), pods[1:], at(45))
    assert [p["metadata"]["name"] for p in later.evict] == ["short"]
    last = plan_node(lost, lease(0), pods[2:], at(340))
    assert [p["metadata"]["name"] for p in last.evict] == ["default"]
    assert last.requeue_after is None  # "forever" is never evicted


def test_terminal_deleting_and_other_hosts_pods_are_left_alone() -> None:
    done = running("done", [])
    done["status"]["phase"] = "Succeeded"
    going = pod("going", phase="Running", node="h1", deleting=True)
    elsewhere = pod("elsewhere", phase="Running", node="h2")
    plan = plan_node(node(), lease(0), [done, going, elsewhere], at(40))
    assert plan.evict == ()


def test_vm_pods_are_marked_not_evicted_and_unmarked_when_the_host_returns() -> None:
    vm = {
        "apiVersion": "vmoperator.vmware.com/v1alpha3",
        "kind": "VirtualMachine",
        "metadata": {"name": "vm1", "uid": "uid-vm1"},
    }
    p = running("vm1-pod", [], owner=vm)
    n = node()
    plan = plan_node(n, lease(0), [p], at(40))
    assert plan.evict == () and plan.mark_lost == (p,)
    marked = {**p, "metadata": {**p["metadata"], "annotations": {HOST_LOST: stamp(40)}}}
    lost = applied(n, plan)
    assert plan_node(lost, lease(0), [marked], at(41)).mark_lost == ()
    back = plan_node(lost, lease(50), [marked], at(51))
    assert back.unmark_lost == (marked,)


def test_tolerates_matches_kube() -> None:
    taint = {"key": "k", "value": "v", "effect": "NoExecute"}
    assert tolerates({"operator": "Exists"}, taint)
    assert tolerates({"key": "k", "operator": "Exists", "effect": "NoExecute"}, taint)
    assert tolerates({"key": "k", "value": "v"}, taint)
    assert not tolerates({"key": "k", "value": "w"}, taint)
    assert not tolerates({"key": "k", "operator": "Exists", "effect": "NoSchedule"}, taint)
    assert not tolerates({"key": "other", "operator": "Exists"}, taint)


def test_eviction_time_takes_the_earliest_deadline_over_taints() -> None:
    taints = [
        {"key": NOT_READY, "effect": "NoExecute", "timeAdded": stamp(0)},
        {"key": "maintenance", "effect": "NoExecute", "timeAdded": stamp(10)},
    ]
    p = running(
        "a",
        [
            {
                "key": NOT_READY,
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 100,
            },
            {"key": "maintenance", "operator": "Exists", "tolerationSeconds": 20},
        ],
    )
    assert eviction_time(p, taints, at(1)) == at(30)
    assert eviction_time(running("b", []), taints, at(1)) == at(1)
    negative = running("c", [{"operator": "Exists", "tolerationSeconds": -5}])
    assert eviction_time(negative, taints[:1], at(1)) == at(0)


def test_a_freshly_started_controller_gives_every_host_a_full_grace_period() -> None:
    stale = plan_node(node(), lease(0), [running("a", [])], at(100), watching_since=at(90))
    assert stale.conditions is None and stale.taints is None and stale.evict == ()
    assert stale.requeue_after == 30.0
    expired = plan_node(node(), lease(0), [], at(130), watching_since=at(90))
    assert ready_of(expired.conditions)["status"] == "Unknown"
