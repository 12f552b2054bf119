from datetime import UTC, datetime

from pacific.controllers.replicaset_plan import (
    deletion_order,
    plan_replicaset,
    pod_from_template,
    replicaset_status,
)

from .builders import pod, replicaset

NOW = datetime(2025, 1, 1, 0, 10, tzinfo=UTC)


def names(objs):
    return [o["metadata"]["name"] for o in objs]


def test_creates_missing_pods():
    rs = replicaset(replicas=3)
    plan = plan_replicaset(rs, [pod("a", owner=rs)], NOW)
    assert plan.create == 2
    assert plan.delete == []
    assert plan.status["replicas"] == 1


def test_create_is_capped_by_burst():
    plan = plan_replicaset(replicaset(replicas=1000), [], NOW, burst=500)
    assert plan.create == 500


def test_deletes_extra_pods_prefers_unscheduled_and_pending():
    rs = replicaset(replicas=1)
    pods = [
        pod("running", owner=rs, phase="Running", node="n1", ready=True),
        pod("pending-scheduled", owner=rs, node="n1"),
        pod("unscheduled", owner=rs),
    ]
    plan = plan_replicaset(rs, pods, NOW)
    assert names(plan.delete) == ["unscheduled", "pending-scheduled"]
    assert plan.create == 0


def test_deletion_order_rules():
    rs = replicaset()
    ready_old = pod("ready-old", owner=rs, phase="Running", node="n1", ready=True,
                    ready_at="2025-01-01T00:00:00Z")  # fmt: skip
    ready_new = pod("ready-new", owner=rs, phase="Running", node="n2", ready=True,
                    ready_at="2025-01-01T00:05:00Z")  # fmt: skip
    not_ready = pod("not-ready", owner=rs, phase="Running", node="n3")
    unknown = pod("unknown", owner=rs, phase="Unknown", node="n4")
    assert names(deletion_order([ready_old, ready_new, not_ready, unknown])) == [
        "unknown",
        "not-ready",
        "ready-new",
        "ready-old",
    ]


def test_deletion_order_prefers_crowded_nodes_and_newer_pods():
    rs = replicaset()
    a = pod("a", owner=rs, phase="Running", node="n1", created="2025-01-01T00:00:00Z")
    b = pod("b", owner=rs, phase="Running", node="n1", created="2025-01-01T00:01:00Z")
    c = pod("c", owner=rs, phase="Running", node="n2", created="2025-01-01T00:02:00Z")
    assert names(deletion_order([a, b, c])) == ["b", "a", "c"]


def test_deletion_cost_annotation_wins_over_rank():
    rs = replicaset()
    a = pod("a", owner=rs, phase="Running", node="n1")
    b = pod("b", owner=rs, phase="Running", node="n1")
    b["metadata"]["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": "-5"}
    c = pod("c", owner=rs, phase="Running", node="n2")
    assert names(deletion_order([a, b, c]))[0] == "b"


def test_adopts_matching_orphans_and_releases_non_matching():
    rs = replicaset(replicas=2)
    orphan = pod("orphan")
    strayed = pod("strayed", owner=rs, labels={"app": "other"})
    foreign = pod("foreign", owner=replicaset("other"))
    plan = plan_replicaset(rs, [orphan, strayed, foreign], NOW)
    assert names(plan.adopt) == ["orphan"]
    assert names(plan.release) == ["strayed"]
    assert plan.create == 1


def test_no_adoption_or_creation_while_deleting():
    rs = replicaset(replicas=2)
    rs["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    plan = plan_replicaset(rs, [pod("orphan")], NOW)
    assert plan.adopt == [] and plan.create == 0


def test_terminal_and_deleting_pods_do_not_count():
    rs = replicaset(replicas=2)
    pods = [pod("done", owner=rs, phase="Succeeded"), pod("bye", owner=rs, deleting=True)]
    assert plan_replicaset(rs, pods, NOW).create == 2


def test_status_counts_ready_available_and_labels():
    rs = replicaset(replicas=3, template_labels={"app": "web", "tier": "fe"})
    rs["spec"]["minReadySeconds"] = 300
    pods = [
        pod("a", owner=rs, phase="Running", ready=True, ready_at="2025-01-01T00:00:00Z",
            labels={"app": "web", "tier": "fe"}),
        pod("b", owner=rs, phase="Running", ready=True, ready_at="2025-01-01T00:09:00Z"),
        pod("c", owner=rs),
    ]  # fmt: skip
    status = plan_replicaset(rs, pods, NOW).status
    assert status == {
        "replicas": 3,
        "fullyLabeledReplicas": 1,
        "readyReplicas": 2,
        "availableReplicas": 1,
        "observedGeneration": 1,
    }


def test_replica_failure_condition_set_and_cleared():
    rs = replicaset(replicas=1)
    failed = replicaset_status(rs, [], NOW, ("FailedCreate", "quota exceeded"))
    cond = failed["conditions"][0]
    assert (cond["type"], cond["status"], cond["reason"]) == (
        "ReplicaFailure",
        "True",
        "FailedCreate",
    )
    rs["status"] = failed
    assert "conditions" not in replicaset_status(rs, [], NOW)


def test_pod_from_template():
    rs = replicaset("web-abc")
    rs["spec"]["template"]["metadata"]["annotations"] = {"a": "b"}
    new = pod_from_template(rs)
    assert new["metadata"]["generateName"] == "web-abc-"
    assert new["metadata"]["labels"] == {"app": "web"}
    assert new["metadata"]["annotations"] == {"a": "b"}
    ref = new["metadata"]["ownerReferences"][0]
    assert ref["uid"] == "uid-web-abc" and ref["controller"] and ref["blockOwnerDeletion"]
    assert new["spec"] == rs["spec"]["template"]["spec"]
