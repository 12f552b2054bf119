from collections.abc import Callable
from typing import Any

import pytest

from pacific.api.resources import ResourceType

PVC = ResourceType("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "pvc", True)
PV = ResourceType("", "v1", "PersistentVolume", "persistentvolumes", "pv", False)
SC = ResourceType("storage.k8s.io", "v1", "StorageClass", "storageclasses", "sc", False)
RQ = ResourceType("", "v1", "ResourceQuota", "resourcequotas", "resourcequota", True)
LR = ResourceType("", "v1", "LimitRange", "limitranges", "limitrange", True)
Check = Callable[..., list[str]]


def pvc(**spec: Any) -> dict[str, Any]:
    base = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    return {"metadata": {"name": "c", "namespace": "default"}, "spec": {**base, **spec}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, []),
        (
            {"accessModes": []},
            ["spec.accessModes: Required value: at least 1 access mode is required"],
        ),
        (
            {"accessModes": ["ReadWriteAll"]},
            [
                'spec.accessModes: Unsupported value: "ReadWriteAll": supported values: '
                '"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"'
            ],
        ),
        ({"resources": {}}, ["spec.resources[storage]: Required value"]),
        (
            {"resources": {"requests": {"storage": "0"}}},
            ['spec.resources[storage]: Invalid value: "0": must be greater than zero'],
        ),
        (
            {"volumeMode": "Raw"},
            ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"'],
        ),
    ],
)
def test_pvc(check: Check, spec: dict[str, Any], expected: list[str]) -> None:
    assert check(PVC, pvc(**spec)) == expected


def test_pvc_spec_is_mostly_immutable(check_update: Check) -> None:
    grown = pvc(resources={"requests": {"storage": "2Gi"}})
    assert check_update(PVC, grown, pvc()) == []
    assert check_update(PVC, pvc(accessModes=["ReadWriteMany"]), pvc()) == [
        "spec: Forbidden: spec is immutable after creation except resources.requests and "
        "volumeAttributesClassName for bound claims"
    ]


def test_pv(check: Check) -> None:
    spec = {
        "accessModes": ["ReadWriteOnce"],
        "capacity": {"storage": "1Gi"},
        "hostPath": {"path": "/d"},
    }
    obj = {"metadata": {"name": "v"}, "spec": spec}
    assert check(PV, obj) == []
    assert obj["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    empty = {"metadata": {"name": "v"}, "spec": {"accessModes": ["ReadWriteOnce"]}}
    assert check(PV, empty) == [
        "spec.capacity: Required value",
        "spec: Required value: must specify a volume type",
    ]


def test_storage_class(check: Check, check_update: Check) -> None:
    assert check(SC, {"metadata": {"name": "fast"}}) == ["provisioner: Required value"]
    sc = {"metadata": {"name": "fast"}, "provisioner": "pacific.dev/local"}
    assert check(SC, sc) == []
    bad = {"metadata": {"name": "fast"}, "provisioner": "x", "volumeBindingMode": "Later"}
    assert check(SC, bad) == [
        'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", '
        '"WaitForFirstConsumer"'
    ]
    changed = {**sc, "provisioner": "other.dev/x", "parameters": {"a": "b"}}
    assert check_update(SC, changed, sc) == [
        "parameters: Forbidden: updates to parameters are forbidden.",
        "provisioner: Forbidden: updates to provisioner are forbidden.",
    ]


def test_resource_quota(check: Check) -> None:
    hard = {"pods": "10", "requests.cpu": "-1", "bogus": "1", "count/x": "1.5"}
    obj = {"metadata": {"name": "q", "namespace": "default"}, "spec": {"hard": hard}}
    assert check(RQ, obj) == [
        'spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0',
        'spec.hard[bogus]: Invalid value: "bogus": must be a standard resource type or fully '
        "qualified",
        'spec.hard[count/x]: Invalid value: "1500m": must be an integer',
    ]


def test_limit_range(check: Check) -> None:
    limits = [
        {"type": "Container", "min": {"cpu": "2"}, "max": {"cpu": "1"}},
        {"type": "Pod", "default": {"cpu": "1"}},
        {"type": "Disk"},
    ]
    obj = {"metadata": {"name": "l", "namespace": "default"}, "spec": {"limits": limits}}
    assert check(LR, obj) == [
        "spec.limits[0].min[cpu]: Invalid value: 2: min value 2 is greater than max value 1",
        "spec.limits[0].default[cpu]: Invalid value: 2: min value 2 is greater than default "
        "value 1",
        # defaultRequest defaults to min
        "spec.limits[0].defaultRequest[cpu]: Invalid value: 2: min value 2 is greater than "
        "default request value 1",
        "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'",
        'spec.limits[2].type: Unsupported value: "Disk": supported values: "Container", '
        '"PersistentVolumeClaim", "Pod"',
    ]
