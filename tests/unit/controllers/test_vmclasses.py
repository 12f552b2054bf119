"""The default VirtualMachineClass set and the administrator's opt-outs (pure)."""

from __future__ import annotations

from pacific.api.kinds import by_kind
from pacific.api.validation import validate_create
from pacific.controllers.vmclasses import (
    CONFIGMAP_KEY,
    OPT_OUT_ANNOTATION,
    default_classes,
    wanted_classes,
)


def ns(name: str = "demo", **annotations: str) -> dict:
    return {"metadata": {"name": name, "annotations": annotations}}


def test_default_set_has_vsphere_sizes() -> None:
    classes = {c["metadata"]["name"]: c["spec"] for c in default_classes("demo")}
    assert len(classes) == 12
    assert classes["best-effort-xsmall"]["hardware"] == {"cpus": 2, "memory": "2Gi"}
    assert classes["best-effort-small"]["hardware"] == {"cpus": 2, "memory": "4Gi"}
    assert classes["best-effort-medium"]["hardware"] == {"cpus": 2, "memory": "8Gi"}
    assert classes["guaranteed-large"]["hardware"] == {"cpus": 4, "memory": "16Gi"}
    assert classes["guaranteed-2xlarge"]["hardware"] == {"cpus": 8, "memory": "64Gi"}
    assert "policies" not in classes["best-effort-large"]
    resources = classes["guaranteed-xlarge"]["policies"]["resources"]
    assert resources["requests"] == resources["limits"] == {"cpu": "4", "memory": "32Gi"}


def test_default_classes_are_valid() -> None:
    rt = by_kind("vmoperator.vmware.com", "v1alpha3", "VirtualMachineClass")
    assert rt is not None
    for cls in default_classes("demo"):
        validate_create(rt, cls)


def test_namespace_annotation_opts_out() -> None:
    assert wanted_classes(ns(**{OPT_OUT_ANNOTATION: "false"}), None) == []
    assert len(wanted_classes(ns(**{OPT_OUT_ANNOTATION: "true"}), None)) == 12


def test_configmap_lists_the_set() -> None:
    cm = {"data": {CONFIGMAP_KEY: "best-effort-small, guaranteed-small\nunknown"}}
    names = [c["metadata"]["name"] for c in wanted_classes(ns(), cm)]
    assert names == ["best-effort-small", "guaranteed-small"]
    assert wanted_classes(ns(), {"data": {CONFIGMAP_KEY: ""}}) == []


def test_terminating_namespace_gets_nothing() -> None:
    terminating = ns()
    terminating["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    assert wanted_classes(terminating, None) == []
