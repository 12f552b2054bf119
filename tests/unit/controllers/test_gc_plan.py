from pacific.controllers.gc_plan import (
    DependentAction,
    OwnerState,
    owner_state,
    plan_dependent,
    plan_owner,
    without_refs,
)


def obj(name, *, owners=(), finalizers=(), deleting=False, block=True):
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}"}
    if owners:
        meta["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": o, "uid": f"uid-{o}",
             "blockOwnerDeletion": block}
            for o in owners
        ]  # fmt: skip
    if finalizers:
        meta["finalizers"] = list(finalizers)
    if deleting:
        meta["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


def test_owner_state_is_uid_based():
    owner = obj("a")
    assert owner_state(owner, "uid-a") is OwnerState.PRESENT
    assert owner_state(owner, "uid-old") is OwnerState.ABSENT
    assert owner_state(None, "uid-a") is OwnerState.ABSENT
    deleting = obj("a", finalizers=["foregroundDeletion"], deleting=True)
    assert owner_state(deleting, "uid-a") is OwnerState.WAITING
    assert owner_state(obj("a", deleting=True, finalizers=["x"]), "uid-a") is OwnerState.PRESENT


def test_no_owners_nothing_to_do():
    assert plan_dependent(obj("x"), {}, False) == DependentAction()


def test_all_owners_absent_deletes_in_background():
    action = plan_dependent(obj("x", owners=["a"]), {"uid-a": OwnerState.ABSENT}, False)
    assert action == DependentAction(delete=True, policy="Background")


def test_dependent_finalizers_choose_policy():
    dep = obj("x", owners=["a"], finalizers=["orphan"])
    assert plan_dependent(dep, {"uid-a": OwnerState.ABSENT}, False).policy == "Orphan"


def test_solid_owner_keeps_object_and_unlinks_stale_refs():
    dep = obj("x", owners=["a", "b", "c"])
    states = {"uid-a": OwnerState.PRESENT, "uid-b": OwnerState.ABSENT, "uid-c": OwnerState.WAITING}
    assert plan_dependent(dep, states, False) == DependentAction(unlink=("uid-b", "uid-c"))


def test_waiting_owner_deletes_foreground_when_dependent_has_dependents():
    dep = obj("x", owners=["a"])
    assert plan_dependent(dep, {"uid-a": OwnerState.WAITING}, True).policy == "Foreground"
    assert plan_dependent(dep, {"uid-a": OwnerState.WAITING}, False).policy == "Background"


def test_deleting_dependent_is_left_alone():
    dep = obj("x", owners=["a"], deleting=True, finalizers=["f"])
    assert plan_dependent(dep, {"uid-a": OwnerState.ABSENT}, False) == DependentAction()


def test_orphan_owner_unlinks_dependents_then_drops_finalizer():
    owner = obj("a", finalizers=["orphan"], deleting=True)
    deps = [obj("x", owners=["a"]), obj("y", owners=["b"])]
    action = plan_owner(owner, deps)
    assert [d["metadata"]["name"] for d in action.unlink] == ["x"]
    assert action.remove_finalizer == "orphan"


def test_foreground_owner_waits_for_blocking_dependents():
    owner = obj("a", finalizers=["foregroundDeletion"], deleting=True)
    assert plan_owner(owner, [obj("x", owners=["a"])]).remove_finalizer is None
    assert plan_owner(owner, [obj("x", owners=["a"], block=False)]).remove_finalizer == (
        "foregroundDeletion"
    )
    assert plan_owner(owner, []).remove_finalizer == "foregroundDeletion"


def test_live_owner_needs_nothing():
    assert plan_owner(obj("a", finalizers=["orphan"]), [obj("x", owners=["a"])]).unlink == []


def test_without_refs():
    dep = obj("x", owners=["a", "b"])
    assert [r["uid"] for r in without_refs(dep, ["uid-a"])] == ["uid-b"]
