"""Priority admission, PriorityClass validation, defaults and Table row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pacific.api import kinds
from pacific.api.admission.priority import (
    SYSTEM_PRIORITY_CLASSES,
    check_global_default,
    global_default,
    resolve_pod_priority,
)
from pacific.api.defaults import apply_defaults
from pacific.api.errors import Forbidden, Invalid
from pacific.api.table import table_for
from pacific.api.validation import validate_create, validate_update

PODS = kinds.by_kind("", "v1", "Pod")
PC = kinds.by_kind("scheduling.k8s.io", "v1", "PriorityClass")


def pc(name: str, value: int, default: bool = False, policy: str | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {"metadata": {"name": name}, "value": value, "globalDefault": default}
    if policy:
        obj["preemptionPolicy"] = policy
    return obj


def pod(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p", "namespace": "d"}, "spec": spec}


CLASSES = [pc("low", 10, policy="Never"), pc("high", 1000, policy="PreemptLowerPriority")]


def test_registered_with_short_name_and_cluster_scope() -> None:
    assert PC is not None and PC.short_names == ("pc",) and not PC.namespaced
    assert kinds.schema_of(PC).name == "io.k8s.api.scheduling.v1.PriorityClass"


def test_named_class_sets_priority_and_policy() -> None:
    assert PODS
    p = pod(priorityClassName="low", priority=0, preemptionPolicy="PreemptLowerPriority")
    resolve_pod_priority(PODS, p, CLASSES, "p")
    assert (p["spec"]["priority"], p["spec"]["preemptionPolicy"]) == (10, "Never")


def test_no_name_takes_the_global_default_or_zero() -> None:
    assert PODS
    p = pod()
    resolve_pod_priority(PODS, p, CLASSES, "p")
    assert p["spec"] == {"priority": 0, "preemptionPolicy": "PreemptLowerPriority"}
    classes = [*CLASSES, pc("d2", 7, default=True), pc("d1", 5, default=True)]
    assert global_default(classes) == classes[-1]
    p = pod()
    resolve_pod_priority(PODS, p, classes, "p")
    assert (p["spec"]["priorityClassName"], p["spec"]["priority"]) == ("d1", 5)


def test_unknown_class_is_forbidden_with_kubes_text() -> None:
    assert PODS
    with pytest.raises(Forbidden) as err:
        resolve_pod_priority(PODS, pod(priorityClassName="x"), CLASSES, "p")
    assert err.value.message == 'pods "p" is forbidden: no PriorityClass with name x was found'
    assert err.value.status()["code"] == 403


def test_disagreeing_priority_or_policy_is_forbidden() -> None:
    assert PODS
    with pytest.raises(Forbidden, match=r"integer value of priority \(7\).*computed 1000"):
        resolve_pod_priority(PODS, pod(priorityClassName="high", priority=7), CLASSES, "p")
    with pytest.raises(Forbidden, match=r"PreemptionPolicy \(Never\).*computed Preempt"):
        resolve_pod_priority(
            PODS, pod(priorityClassName="high", preemptionPolicy="Never"), CLASSES, "p"
        )
    agreeing = pod(priorityClassName="high", priority=1000)
    resolve_pod_priority(PODS, agreeing, CLASSES, "p")
    assert agreeing["spec"]["priority"] == 1000


def test_only_one_global_default() -> None:
    assert PC
    classes = [pc("a", 1, default=True)]
    with pytest.raises(Forbidden, match="PriorityClass a is already marked as default"):
        check_global_default(PC, pc("b", 2, default=True), classes)
    check_global_default(PC, pc("a", 3, default=True), classes)  # itself, updated
    check_global_default(PC, pc("b", 2), classes)


def test_validation_reserves_system_names_and_caps_user_values() -> None:
    assert PC
    for obj in SYSTEM_PRIORITY_CLASSES:
        validate_create(PC, dict(obj))
    with pytest.raises(Invalid, match=r"reserved for system use only\. error: system-x is not"):
        validate_create(PC, {**pc("system-x", 1), "preemptionPolicy": "Never"})
    with pytest.raises(Invalid, match="value of system-node-critical PriorityClass must be"):
        validate_create(PC, {**pc("system-node-critical", 1), "preemptionPolicy": "Never"})
    with pytest.raises(Invalid, match="maximum allowed value of a user defined priority"):
        validate_create(PC, {**pc("big", 1_000_000_001), "preemptionPolicy": "Never"})
    with pytest.raises(Invalid, match="Unsupported value"):
        validate_create(PC, pc("odd", 1, policy="Sometimes"))
    with pytest.raises(Invalid, match=r"value: Forbidden: may not be changed in an update\."):
        validate_update(PC, pc("a", 2, policy="Never"), pc("a", 1, policy="Never"))


def test_default_policy_and_table_row() -> None:
    assert PC
    obj = {**pc("a", 5), "metadata": {"name": "a", "creationTimestamp": "2025-01-01T11:00:00Z"}}
    apply_defaults(PC, obj)
    assert obj["preemptionPolicy"] == "PreemptLowerPriority"
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    table = table_for(PC, [obj], list_meta={}, now=now)
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names == ["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"]
    assert table["rows"][0]["cells"] == ["a", 5, False, "60m", "PreemptLowerPriority"]
