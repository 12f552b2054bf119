import datetime as dt

import pytest

from pacific.api.errors import Conflict
from pacific.api.kinds import by_resource
from pacific.api.resources import ResourceType
from pacific.apiserver.deletion import DeleteOptions, plan_delete, should_delete_on_update

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def rt(group: str, plural: str) -> ResourceType:
    found = by_resource(group, "v1", plural)
    assert found is not None
    return found


def pod(node: str = "") -> dict[str, object]:
    spec: dict[str, object] = {"containers": [{"name": "c", "image": "x"}]}
    if node:
        spec["nodeName"] = node
    return {"metadata": {"name": "p", "uid": "u1", "resourceVersion": "5"}, "spec": spec}


def test_plain_object_goes_at_once() -> None:
    assert (
        plan_delete(rt("", "configmaps"), {"metadata": {"name": "c"}}, DeleteOptions(), NOW) is None
    )


def test_finalizers_hold_the_object() -> None:
    obj = {"metadata": {"name": "c", "finalizers": ["x/y"]}}
    marked = plan_delete(rt("", "configmaps"), obj, DeleteOptions(), NOW)
    assert marked is not None
    assert marked["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:00Z"
    assert not should_delete_on_update(rt("", "configmaps"), marked)
    marked["metadata"]["finalizers"] = []
    assert should_delete_on_update(rt("", "configmaps"), marked)


@pytest.mark.parametrize(
    ("policy", "finalizer"), [("Orphan", "orphan"), ("Foreground", "foregroundDeletion")]
)
def test_propagation_policy_sets_finalizer(policy: str, finalizer: str) -> None:
    marked = plan_delete(
        rt("apps", "deployments"),
        {"metadata": {"name": "d"}},
        DeleteOptions(propagation_policy=policy),
        NOW,
    )
    assert marked is not None and marked["metadata"]["finalizers"] == [finalizer]


def test_bound_pod_is_deleted_gracefully_then_at_grace_zero() -> None:
    pods = rt("", "pods")
    marked = plan_delete(pods, pod("n1"), DeleteOptions(), NOW)
    assert marked is not None
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 30
    assert marked["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:30Z"
    assert plan_delete(pods, marked, DeleteOptions(grace_period_seconds=0), NOW) is None


def test_unbound_pod_goes_at_once() -> None:
    assert plan_delete(rt("", "pods"), pod(), DeleteOptions(), NOW) is None


def test_namespace_becomes_terminating() -> None:
    ns = {
        "metadata": {"name": "n"},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
    marked = plan_delete(rt("", "namespaces"), ns, DeleteOptions(), NOW)
    assert marked is not None and marked["status"]["phase"] == "Terminating"


def test_preconditions() -> None:
    with pytest.raises(Conflict, match="Precondition failed: UID"):
        plan_delete(rt("", "pods"), pod(), DeleteOptions(precondition_uid="other"), NOW)
    with pytest.raises(Conflict, match="ResourceVersion in precondition: 4"):
        plan_delete(rt("", "pods"), pod(), DeleteOptions(precondition_resource_version="4"), NOW)
