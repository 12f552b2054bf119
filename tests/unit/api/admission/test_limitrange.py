"""LimitRanger: defaults and kube's exact messages, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from pacific.api.admission import (
    Unit,
    Workload,
    apply_limit_ranges,
    check_limit_ranges,
    limit_range_violations,
    workload_violations,
)
from pacific.api.errors import Forbidden
from pacific.api.kinds import by_resource
from pacific.api.resources import ResourceType

Obj = dict[str, Any]


def _rt(plural: str) -> ResourceType:
    rt = by_resource("", "v1", plural)
    assert rt is not None
    return rt


PODS, PVCS, CONFIGMAPS = _rt("pods"), _rt("persistentvolumeclaims"), _rt("configmaps")


def container(name: str = "c", requests: Obj | None = None, limits: Obj | None = None) -> Obj:
    out: Obj = {"name": name, "image": "nginx"}
    resources: Obj = {}
    if requests is not None:
        resources["requests"] = requests
    if limits is not None:
        resources["limits"] = limits
    if resources:
        out["resources"] = resources
    return out


def pod(*containers: Obj, init: tuple[Obj, ...] = (), name: str = "x") -> Obj:
    spec: Obj = {"containers": list(containers)}
    if init:
        spec["initContainers"] = list(init)
    return {"metadata": {"name": name, "namespace": "ns"}, "spec": spec}


def limit_range(*items: Obj) -> Obj:
    return {"metadata": {"name": "lr", "namespace": "ns"}, "spec": {"limits": list(items)}}


def test_defaults_fill_only_missing_values_and_annotate() -> None:
    obj = pod(container("a", limits={"cpu": "1"}), container("b"))
    lr = limit_range(
        {
            "type": "Container",
            "default": {"cpu": "500m", "memory": "256Mi"},
            "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
        }
    )
    apply_limit_ranges(PODS, obj, [lr])
    a, b = obj["spec"]["containers"]
    assert a["resources"] == {
        "limits": {"cpu": "1", "memory": "256Mi"},
        "requests": {"cpu": "100m", "memory": "128Mi"},
    }
    assert b["resources"] == {
        "limits": {"cpu": "500m", "memory": "256Mi"},
        "requests": {"cpu": "100m", "memory": "128Mi"},
    }
    assert obj["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container a; memory limit for "
        "container a; cpu, memory request for container b; cpu, memory limit for container b"
    )


def test_defaults_reach_init_containers_and_skip_other_kinds() -> None:
    obj = pod(container("a", limits={"cpu": "1"}, requests={"cpu": "1"}), init=(container("i"),))
    lr = limit_range({"type": "Container", "default": {"cpu": "2"}})
    apply_limit_ranges(PODS, obj, [lr])
    assert obj["spec"]["initContainers"][0]["resources"] == {"limits": {"cpu": "2"}}
    assert (
        "limit for init container i" in obj["metadata"]["annotations"]["kubernetes.io/limit-ranger"]
    )
    cm: Obj = {"metadata": {"name": "cm"}, "data": {}}
    apply_limit_ranges(CONFIGMAPS, cm, [lr])
    assert cm == {"metadata": {"name": "cm"}, "data": {}}


CONTAINER_CASES = [
    (
        {"max": {"cpu": "2"}},
        container(limits={"cpu": "4"}, requests={"cpu": "1"}),
        ["maximum cpu usage per Container is 2, but limit is 4"],
    ),
    (
        {"max": {"cpu": "2"}},
        container(requests={"cpu": "1"}),
        ["maximum cpu usage per Container is 2.  No limit is specified"],
    ),
    (
        {"max": {"memory": "1Gi"}},
        container(limits={"memory": "1Gi"}, requests={"memory": "2Gi"}),
        ["maximum memory usage per Container is 1Gi, but request is 2Gi"],
    ),
    (
        {"min": {"cpu": "100m"}},
        container(limits={"cpu": "1"}),
        ["minimum cpu usage per Container is 100m.  No request is specified"],
    ),
    (
        {"min": {"cpu": "100m"}},
        container(requests={"cpu": "50m"}, limits={"cpu": "1"}),
        ["minimum cpu usage per Container is 100m, but request is 50m"],
    ),
    (
        {"min": {"cpu": "100m"}},
        container(requests={"cpu": "100m"}, limits={"cpu": "100m"}),
        [],
    ),
    (
        {"maxLimitRequestRatio": {"cpu": "2"}},
        container(requests={"cpu": "250m"}, limits={"cpu": "1"}),
        ["cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000"],
    ),
    (
        {"maxLimitRequestRatio": {"cpu": "2"}},
        container(limits={"cpu": "1"}),
        [
            "cpu max limit to request ratio per Container is 2, but no request is specified "
            "or request is 0"
        ],
    ),
    (
        {"maxLimitRequestRatio": {"memory": "2"}},
        container(requests={"memory": "1Gi"}),
        [
            "memory max limit to request ratio per Container is 2, but no limit is specified "
            "or limit is 0"
        ],
    ),
    (
        {"max": {"cpu": "2", "memory": "1Gi"}},
        container(limits={"cpu": "4", "memory": "2Gi"}),
        [
            "maximum cpu usage per Container is 2, but limit is 4",
            "maximum memory usage per Container is 1Gi, but limit is 2Gi",
        ],
    ),
]


@pytest.mark.parametrize(("item", "c", "expected"), CONTAINER_CASES)
def test_container_constraints(item: Obj, c: Obj, expected: list[str]) -> None:
    lr = limit_range({"type": "Container", **item})
    assert limit_range_violations(PODS, pod(c), [lr]) == expected


def test_pod_type_checks_totals_with_init_containers() -> None:
    obj = pod(
        container("a", requests={"cpu": "1"}, limits={"cpu": "1"}),
        container("b", requests={"cpu": "1"}, limits={"cpu": "1"}),
        init=(container("i", requests={"cpu": "3"}, limits={"cpu": "3"}),),
    )
    lr = limit_range({"type": "Pod", "max": {"cpu": "2500m"}})
    assert limit_range_violations(PODS, obj, [lr]) == [
        "maximum cpu usage per Pod is 2500m, but limit is 3"
    ]


def test_forbidden_message_joins_several_and_drops_duplicates() -> None:
    obj = pod(container("a", limits={"cpu": "4"}), container("b", limits={"cpu": "4"}))
    lr = limit_range({"type": "Container", "max": {"cpu": "2", "memory": "1Gi"}})
    with pytest.raises(Forbidden) as err:
        check_limit_ranges(PODS, obj, [lr])
    assert err.value.message == (
        'pods "x" is forbidden: [maximum cpu usage per Container is 2, but limit is 4, '
        "maximum memory usage per Container is 1Gi.  No limit is specified]"
    )
    status = err.value.status()
    assert status["code"] == 403
    assert status["reason"] == "Forbidden"
    assert status["details"] == {"name": "x", "kind": "pods"}


def test_single_violation_is_not_bracketed_and_first_failing_range_wins() -> None:
    obj = pod(container(limits={"cpu": "4"}, requests={"cpu": "4"}))
    fine = limit_range({"type": "Container", "max": {"cpu": "8"}})
    strict = limit_range({"type": "Container", "max": {"cpu": "2"}})
    with pytest.raises(Forbidden) as err:
        check_limit_ranges(PODS, obj, [fine, strict])
    assert err.value.message == (
        'pods "x" is forbidden: maximum cpu usage per Container is 2, but limit is 4'
    )
    check_limit_ranges(PODS, obj, [fine])


PVC_CASES = [
    (
        {"min": {"storage": "1Gi"}},
        "500Mi",
        ["minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"],
    ),
    (
        {"max": {"storage": "10Gi"}},
        "20Gi",
        ["maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi"],
    ),
    (
        {"max": {"storage": "10Gi"}},
        None,
        ["maximum storage usage per PersistentVolumeClaim is 10Gi.  No request is specified"],
    ),
    ({"min": {"storage": "1Gi"}, "max": {"storage": "10Gi"}}, "5Gi", []),
]


@pytest.mark.parametrize(("item", "size", "expected"), PVC_CASES)
def test_pvc_storage_bounds(item: Obj, size: str | None, expected: list[str]) -> None:
    resources = {"requests": {"storage": size}} if size else {}
    pvc: Obj = {"metadata": {"name": "data"}, "spec": {"resources": resources}}
    lr = limit_range({"type": "PersistentVolumeClaim", **item})
    assert limit_range_violations(PVCS, pvc, [lr]) == expected


def test_a_vm_shaped_workload_is_checked_like_a_pod() -> None:
    vm = Unit(
        "vm-1",
        "virtual machine",
        {"resources": {"requests": {"cpu": "8", "memory": "32Gi"}, "limits": {"cpu": "8"}}},
    )
    lr = limit_range({"type": "Container", "max": {"cpu": "4"}})
    assert workload_violations(Workload([vm]), lr) == [
        "maximum cpu usage per Container is 4, but limit is 8"
    ]
