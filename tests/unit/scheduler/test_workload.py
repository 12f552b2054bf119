from typing import Any

import pytest

from pacific.scheduler.workload import (
    Resources,
    Workload,
    pod_resources,
    resources_from_list,
    workload_from_parts,
    workload_from_pod,
)

from .build import pod

GI = 1024**3


def _c(
    requests: dict[str, str] | None = None, limits: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {"name": "c", "resources": {"requests": requests or {}, "limits": limits or {}},
            **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"cpu": "500m", "memory": "1Gi"}, Resources(500, GI)),
        ({"cpu": "1.5", "memory": "1500M"}, Resources(1500, 1_500_000_000)),
        ({"cpu": "1n"}, Resources(1, 0)),  # rounds up like MilliValue
        ({"nvidia.com/gpu": "2"}, Resources(0, 0, (("nvidia.com/gpu", 2),))),
        ({"cpu": "junk"}, Resources()),
        (None, Resources()),
    ],
)
def test_resources_from_list(raw: dict[str, str] | None, expected: Resources) -> None:
    assert resources_from_list(raw) == expected


@pytest.mark.parametrize(
    ("spec", "requests", "guaranteed"),
    [
        ({"containers": [_c({"cpu": "1"}), _c({"cpu": "500m", "memory": "1Gi"})]},
         Resources(1500, GI), False),
        # init containers run alone: the larger of init and the regular sum wins
        ({"containers": [_c({"cpu": "1"})], "initContainers": [_c({"cpu": "3"})]},
         Resources(3000, 0), False),
        # a sidecar (restartPolicy Always) adds to the regular containers and later inits
        ({"containers": [_c({"cpu": "1"})],
          "initContainers": [_c({"cpu": "1"}, restartPolicy="Always"), _c({"cpu": "1500m"})]},
         Resources(2500, 0), False),
        # limits only: requests default to limits, so guaranteed
        ({"containers": [_c(limits={"cpu": "2", "memory": "1Gi"})]}, Resources(2000, GI), True),
        ({"containers": [_c({"cpu": "1", "memory": "1Gi"}, {"cpu": "2", "memory": "1Gi"})]},
         Resources(1000, GI), False),
        ({"containers": [_c({"cpu": "1"}, {"cpu": "1"})]}, Resources(1000, 0), False),
        # overhead is part of the requests
        ({"containers": [_c(limits={"cpu": "1", "memory": "1Gi"})],
          "overhead": {"cpu": "250m", "memory": "120Mi"}},
         Resources(1250, GI + 120 * 1024**2), True),
    ],
)  # fmt: skip
def test_pod_resources(spec: dict[str, Any], requests: Resources, guaranteed: bool) -> None:
    got, _, g = pod_resources(spec)
    assert (got, g) == (requests, guaranteed)


def test_runtime_class_overhead_applies_only_without_spec_overhead() -> None:
    spec = {"containers": [_c({"cpu": "1"})]}
    assert pod_resources(spec, {"cpu": "100m"})[0].cpu == 1100
    assert pod_resources({**spec, "overhead": {"cpu": "200m"}}, {"cpu": "100m"})[0].cpu == 1200


@pytest.mark.parametrize(("cpu", "pinned"), [("2", True), ("1500m", False)])
def test_pinned_needs_guaranteed_whole_cpus(cpu: str, pinned: bool) -> None:
    w = workload_from_pod(pod(limits={"cpu": cpu, "memory": "1Gi"}))
    assert w.guaranteed and w.pinned is pinned


def test_placement_fields() -> None:
    p = pod(labels={"app": "a"}, nodeSelector={"disk": "ssd"}, priority=10,
            tolerations=[{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
            affinity={
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [
                            {"key": "zone", "operator": "In", "values": ["a"]}]}]},
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 5, "preference": {"matchExpressions": [
                            {"key": "fast", "operator": "Exists"}]}}]},
                "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": {"matchLabels": {"app": "a"}},
                     "topologyKey": "kubernetes.io/hostname"}]}},
            topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "zone",
                                        "whenUnsatisfiable": "DoNotSchedule",
                                        "labelSelector": {"matchLabels": {"app": "a"}}}],
            )  # fmt: skip
    w = workload_from_pod(p)
    assert (w.namespace, w.name, w.uid, w.priority) == ("default", "p", "uid-p", 10)
    assert w.node_selector == (("disk", "ssd"),)
    assert len(w.required_node_terms) == 1 and w.preferred_node_terms[0][0] == 5
    assert w.pod_anti_affinity[0].namespaces == frozenset({"default"})
    assert w.tolerations[0].key == "k"
    assert w.spread[0].max_skew == 1 and w.spread[0].topology_key == "zone"
    assert w.labels == {"app": "a"} and w.key == "default/p"


def workload_from_test_vm(vm: dict[str, Any]) -> Workload:
    """The second mapper a VM kind will have: class size -> requests, placement as-is."""
    size = {"cpu": str(vm["cpus"]), "memory": vm["memory"]}
    reserved = resources_from_list(vm.get("reserved") or size)
    return workload_from_parts(
        "VirtualMachine", vm["metadata"], reserved, resources_from_list(size),
        reserved == resources_from_list(size), vm.get("placement") or {},
    )  # fmt: skip


def test_a_vm_maps_to_the_same_view() -> None:
    vm = {"metadata": {"name": "vm1", "namespace": "ns", "uid": "u1", "labels": {"os": "l"}},
          "cpus": 4, "memory": "16Gi",
          "placement": {"nodeSelector": {"gpu": "yes"}}}  # fmt: skip
    w = workload_from_test_vm(vm)
    assert w.kind == "VirtualMachine" and w.pinned
    assert w.requests == Resources(4000, 16 * GI)
    assert w.node_selector == (("gpu", "yes"),)
    shared = workload_from_test_vm({**vm, "reserved": {"cpu": "2", "memory": "8Gi"}})
    assert not shared.guaranteed and shared.requests.cpu == 2000
