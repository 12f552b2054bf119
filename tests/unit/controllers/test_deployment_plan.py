from datetime import UTC, datetime

import pytest

from pacific.controllers import deployment_scale as sc
from pacific.controllers.deployment_plan import plan_deployment
from pacific.controllers.podtemplate import compute_hash

from .builders import T0, deployment, replicaset

NOW = datetime(2025, 1, 1, 0, 10, tzinfo=UTC)


def conds(status):
    return {c["type"]: (c["status"], c["reason"]) for c in status.get("conditions", [])}


def owned_rs(d, name, replicas, *, image="nginx", revision="1", status=None, created=T0):
    rs = replicaset(
        name,
        replicas,
        owner=d,
        image=image,
        status=status,
        created=created,
        annotations={sc.REVISION: revision, sc.DESIRED_REPLICAS: str(d["spec"]["replicas"])},
    )
    return rs


@pytest.mark.parametrize(
    ("value", "total", "up", "expected"),
    [(2, 10, True, 2), ("25%", 10, True, 3), ("25%", 10, False, 2), ("0%", 3, True, 0),
     ("100%", 3, False, 3), ("1", 5, False, 1)],
)  # fmt: skip
def test_scaled_value(value, total, up, expected):
    assert sc.scaled_value(value, total, up) == expected


def test_scaled_value_rejects_garbage():
    with pytest.raises(ValueError):
        sc.scaled_value("abc%", 3, True)


def test_fenceposts_never_both_zero():
    rolling = {"maxSurge": 0, "maxUnavailable": "10%"}
    d = deployment(strategy={"type": "RollingUpdate", "rollingUpdate": rolling})
    assert sc.resolve_fenceposts(d) == (0, 1)
    assert sc.max_unavailable(deployment(replicas=1)) == 0
    assert sc.max_unavailable(deployment(strategy={"type": "Recreate"})) == 0


def test_new_deployment_creates_first_replicaset_at_full_size():
    d = deployment(replicas=3)
    plan = plan_deployment(d, [], [], NOW)
    rs = plan.create
    assert rs is not None
    hash_value = compute_hash(d["spec"]["template"])
    assert rs["metadata"]["name"] == f"web-{hash_value}"
    assert rs["spec"]["replicas"] == 3
    assert rs["spec"]["selector"]["matchLabels"]["pod-template-hash"] == hash_value
    assert rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == hash_value
    assert rs["metadata"]["labels"]["pod-template-hash"] == hash_value
    annotations = rs["metadata"]["annotations"]
    assert annotations[sc.REVISION] == "1"
    assert annotations[sc.DESIRED_REPLICAS] == "3"
    assert annotations[sc.MAX_REPLICAS] == "4"
    assert rs["metadata"]["ownerReferences"][0]["uid"] == "uid-web"
    assert plan.revision == "1"
    assert ("Normal", "ScalingReplicaSet", f"Scaled up replica set web-{hash_value} to 3") in (
        plan.events
    )
    assert conds(plan.status)["Progressing"] == ("True", "NewReplicaSetCreated")
    assert conds(plan.status)["Available"] == ("False", "MinimumReplicasUnavailable")


def test_steady_state_changes_nothing():
    d = deployment(replicas=3)
    first = plan_deployment(d, [], [], NOW)
    rs = first.create
    rs["metadata"]["uid"] = "uid-rs"
    rs["metadata"]["creationTimestamp"] = T0
    d["metadata"]["annotations"][sc.REVISION] = "1"
    d["status"] = first.status
    again = plan_deployment(d, [rs], [], NOW)
    assert again.create is None and again.updates == [] and again.status is None


def test_rolling_update_surges_new_and_holds_old_when_nothing_is_available():
    d = deployment(replicas=4, image="v2")
    old = owned_rs(d, "web-old", 4, status={"replicas": 4})
    plan = plan_deployment(d, [old], [], NOW)
    assert plan.create["spec"]["replicas"] == 1  # maxSurge 25% of 4
    assert plan.create["metadata"]["annotations"][sc.REVISION] == "2"
    # min available is 3, nothing is available: old cannot shrink below what it has... but
    # its unavailable replicas may be cleaned up down to the budget.
    updated = {rs["metadata"]["name"]: rs["spec"]["replicas"] for rs in plan.updates}
    assert updated == {"web-old": 3}


def test_rolling_update_scales_down_old_by_available_budget():
    d = deployment(replicas=4, image="v2")
    old = owned_rs(d, "web-old", 4, status={"replicas": 4, "availableReplicas": 4})
    new = owned_rs(d, "web-new", 1, image="v2", revision="2", status={"replicas": 1})
    plan = plan_deployment(d, [old, new], [], NOW)
    assert plan.create is None
    updated = {rs["metadata"]["name"]: rs["spec"]["replicas"] for rs in plan.updates}
    assert updated["web-old"] == 3
    assert ("Normal", "ScalingReplicaSet", "Scaled down replica set web-old to 3 from 4") in (
        plan.events
    )


def test_rolling_update_completes_and_cleans_history():
    d = deployment(replicas=2, image="v3", history=1)
    d["status"] = {"replicas": 2, "updatedReplicas": 2, "availableReplicas": 2,
                   "observedGeneration": 1}  # fmt: skip
    old1 = owned_rs(d, "web-1", 0, revision="1", status={"observedGeneration": 1})
    old2 = owned_rs(d, "web-2", 0, image="v2", revision="2", status={"observedGeneration": 1})
    new = owned_rs(d, "web-3", 2, image="v3", revision="3",
                   status={"replicas": 2, "availableReplicas": 2, "readyReplicas": 2})  # fmt: skip
    plan = plan_deployment(d, [old1, old2, new], [], NOW)
    assert [rs["metadata"]["name"] for rs in plan.deletes] == ["web-1"]
    assert conds(plan.status)["Progressing"] == ("True", "NewReplicaSetAvailable")
    assert conds(plan.status)["Available"] == ("True", "MinimumReplicasAvailable")


def test_recreate_scales_old_to_zero_first_then_waits_for_pods():
    d = deployment(replicas=2, image="v2", strategy={"type": "Recreate"})
    old = owned_rs(d, "web-old", 2, status={"replicas": 2})
    plan = plan_deployment(d, [old], [], NOW)
    assert plan.create is None
    assert [(rs["metadata"]["name"], rs["spec"]["replicas"]) for rs in plan.updates] == [
        ("web-old", 0)
    ]
    old["spec"]["replicas"] = 0
    plan = plan_deployment(d, [old], [], NOW)  # status.replicas still 2: pods not gone
    assert plan.create is None
    old["status"] = {}
    plan = plan_deployment(d, [old], [], NOW)
    assert plan.create is not None and plan.create["spec"]["replicas"] == 2


def test_scaling_event_is_proportional():
    d = deployment(replicas=20, image="v2")
    d["status"] = {"replicas": 12}
    old = owned_rs(d, "web-old", 8, created="2025-01-01T00:00:00Z")
    new = owned_rs(d, "web-new", 4, image="v2", revision="2", created="2025-01-01T00:01:00Z")
    for rs in (old, new):
        rs["metadata"]["annotations"][sc.DESIRED_REPLICAS] = "10"
        rs["metadata"]["annotations"][sc.MAX_REPLICAS] = "13"
    plan = plan_deployment(d, [old, new], [], NOW)
    sizes = {rs["metadata"]["name"]: rs["spec"]["replicas"] for rs in plan.updates}
    # allowed 25 (20 + 5 surge); 13 to add: old 8*25/13≈15 (+7), new 4*25/13≈8 (+4),
    # leftover 2 to the largest (old).
    assert sizes == {"web-old": 17, "web-new": 8}
    for rs in plan.updates:
        assert rs["metadata"]["annotations"][sc.DESIRED_REPLICAS] == "20"
        assert rs["metadata"]["annotations"][sc.MAX_REPLICAS] == "25"


def test_paused_deployment_does_not_roll_out():
    d = deployment(replicas=2, image="v2", paused=True)
    old = owned_rs(d, "web-old", 2, status={"replicas": 2})
    plan = plan_deployment(d, [old], [], NOW)
    assert plan.create is None and plan.updates == []
    assert conds(plan.status)["Progressing"] == ("Unknown", "DeploymentPaused")


def test_progress_deadline_exceeded():
    d = deployment(replicas=1, image="v2")
    d["spec"]["progressDeadlineSeconds"] = 60
    new = owned_rs(d, "web-new", 1, image="v2", status={"replicas": 1})
    d["status"] = {
        "replicas": 1,
        "updatedReplicas": 1,
        "observedGeneration": 1,
        "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                        "lastUpdateTime": "2025-01-01T00:00:00Z",
                        "lastTransitionTime": "2025-01-01T00:00:00Z"}],
    }  # fmt: skip
    plan = plan_deployment(d, [new], [], NOW)
    assert conds(plan.status)["Progressing"] == ("False", "ProgressDeadlineExceeded")


def test_undo_reuses_old_replicaset_with_new_revision():
    d = deployment(replicas=1, image="v1")
    v1 = owned_rs(d, "web-v1", 0, image="v1", revision="1")
    v2 = owned_rs(d, "web-v2", 1, image="v2", revision="2", status={"replicas": 1})
    plan = plan_deployment(d, [v1, v2], [], NOW)
    assert plan.create is None
    by_name = {rs["metadata"]["name"]: rs for rs in plan.updates}
    assert by_name["web-v1"]["metadata"]["annotations"][sc.REVISION] == "3"
    assert by_name["web-v1"]["spec"]["replicas"] == 1
    assert plan.revision == "3"


def test_adopts_orphan_replicaset_matching_selector():
    d = deployment(replicas=1)
    orphan = replicaset("web-x", 1)
    plan = plan_deployment(d, [orphan], [], NOW)
    assert [rs["metadata"]["name"] for rs in plan.adopt] == ["web-x"]
    assert plan.create is None


def test_empty_selector_is_refused():
    d = deployment()
    d["spec"]["selector"] = {}
    plan = plan_deployment(d, [], [], NOW)
    assert plan.events[0][1] == "SelectingAll"
    assert plan.create is None
