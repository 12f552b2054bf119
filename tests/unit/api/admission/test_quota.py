"""Quota usage and admission: kube's evaluators and messages, table-driven."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pacific.api.admission import check_quota, new_usage, quota_status, usage_of, used_in_namespace
from pacific.api.errors import Forbidden
from pacific.api.kinds import by_resource
from pacific.api.resources import ResourceType

Obj = dict[str, Any]


def _rt(group: str, version: str, plural: str) -> ResourceType:
    rt = by_resource(group, version, plural)
    assert rt is not None
    return rt


PODS = _rt("", "v1", "pods")
PVCS = _rt("", "v1", "persistentvolumeclaims")
SERVICES = _rt("", "v1", "services")
CONFIGMAPS = _rt("", "v1", "configmaps")
DEPLOYMENTS = _rt("apps", "v1", "deployments")


def pod(name: str = "x", cpu: str | None = "500m", memory: str | None = "1Gi", **extra: Any) -> Obj:
    resources: Obj = {}
    if cpu:
        resources.setdefault("requests", {})["cpu"] = cpu
        resources.setdefault("limits", {})["cpu"] = cpu
    if memory:
        resources.setdefault("requests", {})["memory"] = memory
        resources.setdefault("limits", {})["memory"] = memory
    out: Obj = {
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"containers": [{"name": "c", "image": "i", "resources": resources}]},
    }
    out.update(extra)
    return out


def quota(name: str, hard: dict[str, str], used: dict[str, str] | None = None, **spec: Any) -> Obj:
    return {
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"hard": hard, **spec},
        "status": {"hard": hard, "used": used if used is not None else dict.fromkeys(hard, "0")},
    }


def _text(usage: dict[str, Any]) -> dict[str, str]:
    return {k: q.canonical() for k, q in usage.items()}


def test_pod_usage_counts_compute_and_objects() -> None:
    assert _text(usage_of(PODS, pod())) == {
        "count/pods": "1",
        "pods": "1",
        "cpu": "500m",
        "requests.cpu": "500m",
        "limits.cpu": "500m",
        "memory": "1Gi",
        "requests.memory": "1Gi",
        "limits.memory": "1Gi",
    }


@pytest.mark.parametrize("phase", ["Succeeded", "Failed"])
def test_terminal_pods_count_only_as_objects(phase: str) -> None:
    assert _text(usage_of(PODS, pod(status={"phase": phase}))) == {"count/pods": "1"}


def test_pod_past_its_deletion_grace_period_does_not_count() -> None:
    obj = pod()
    obj["metadata"].update(deletionTimestamp="2025-01-01T00:00:00Z", deletionGracePeriodSeconds=30)
    early = dt.datetime(2025, 1, 1, 0, 0, 10, tzinfo=dt.UTC)
    late = dt.datetime(2025, 1, 1, 0, 1, 0, tzinfo=dt.UTC)
    assert "pods" in usage_of(PODS, obj, early)
    assert _text(usage_of(PODS, obj, late)) == {"count/pods": "1"}


def test_pod_usage_sums_containers_and_overhead_and_takes_init_max() -> None:
    obj = pod(cpu="1", memory=None)
    obj["spec"]["containers"].append(
        {"name": "d", "image": "i", "resources": {"requests": {"cpu": "500m"}}}
    )
    obj["spec"]["initContainers"] = [
        {"name": "init", "image": "i", "resources": {"requests": {"cpu": "2"}}}
    ]
    obj["spec"]["overhead"] = {"cpu": "250m"}
    usage = _text(usage_of(PODS, obj))
    assert usage["requests.cpu"] == "2250m"
    assert usage["limits.cpu"] == "1250m"


def test_pvc_service_and_generic_usage() -> None:
    pvc: Obj = {
        "metadata": {"name": "data"},
        "spec": {"storageClassName": "fast", "resources": {"requests": {"storage": "10Gi"}}},
    }
    assert _text(usage_of(PVCS, pvc)) == {
        "persistentvolumeclaims": "1",
        "count/persistentvolumeclaims": "1",
        "fast.storageclass.storage.k8s.io/persistentvolumeclaims": "1",
        "requests.storage": "10Gi",
        "fast.storageclass.storage.k8s.io/requests.storage": "10Gi",
    }
    lb: Obj = {"metadata": {"name": "s"}, "spec": {"type": "LoadBalancer", "ports": [{}, {}]}}
    assert _text(usage_of(SERVICES, lb)) == {
        "services": "1",
        "count/services": "1",
        "services.loadbalancers": "1",
        "services.nodeports": "2",
    }
    assert _text(usage_of(CONFIGMAPS, {"metadata": {"name": "c"}})) == {
        "count/configmaps": "1",
        "configmaps": "1",
    }
    assert _text(usage_of(DEPLOYMENTS, {"metadata": {"name": "d"}})) == {
        "count/deployments.apps": "1"
    }


REJECTIONS = [
    (
        [quota("q", {"pods": "3"}, {"pods": "3"})],
        pod(),
        'pods "x" is forbidden: exceeded quota: q, requested: pods=1, used: pods=3, '
        "limited: pods=3",
    ),
    (
        [
            quota(
                "compute",
                {"requests.cpu": "1", "requests.memory": "1Gi"},
                {"requests.cpu": "800m", "requests.memory": "0"},
            )
        ],
        pod(),
        'pods "x" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, '
        "used: requests.cpu=800m, limited: requests.cpu=1",
    ),
    (
        [quota("q", {"limits.cpu": "2", "limits.memory": "2Gi"})],
        pod(cpu=None, memory=None),
        'pods "x" is forbidden: failed quota: q: must specify limits.cpu for: c; '
        "limits.memory for: c",
    ),
    (
        [
            {
                "metadata": {"name": "q"},
                "spec": {"hard": {"pods": "1"}},
                "status": {"hard": {"pods": "1"}},
            }
        ],
        pod(),
        'pods "x" is forbidden: status unknown for quota: q, resources: pods',
    ),
    (
        [quota("ok", {"count/pods": "10"}), quota("few", {"count/pods": "2"}, {"count/pods": "2"})],
        pod(),
        'pods "x" is forbidden: exceeded quota: few, requested: count/pods=1, '
        "used: count/pods=2, limited: count/pods=2",
    ),
]


@pytest.mark.parametrize(("quotas", "obj", "message"), REJECTIONS)
def test_rejections_carry_kubes_message(quotas: list[Obj], obj: Obj, message: str) -> None:
    with pytest.raises(Forbidden) as err:
        check_quota(quotas, PODS, obj)
    assert err.value.message == message
    assert err.value.status()["code"] == 403


def test_new_usage_reserves_on_every_applicable_quota() -> None:
    quotas = [
        quota("pods", {"pods": "5"}, {"pods": "2"}),
        quota("cpu", {"requests.cpu": "4"}, {"requests.cpu": "1500m"}),
        quota("maps", {"configmaps": "5"}),
    ]
    assert new_usage(quotas, PODS, pod()) == {
        "pods": {"pods": "3"},
        "cpu": {"requests.cpu": "2"},
    }


def test_unwritten_status_limits_nothing_and_scopes_select() -> None:
    fresh = {"metadata": {"name": "q"}, "spec": {"hard": {"pods": "0"}}}
    assert new_usage([fresh], PODS, pod()) == {}
    best_effort = quota("be", {"pods": "0"}, scopes=["BestEffort"])
    assert new_usage([best_effort], PODS, pod()) == {}
    with pytest.raises(Forbidden):
        check_quota([best_effort], PODS, pod(cpu=None, memory=None))
    assert new_usage([best_effort], CONFIGMAPS, {"metadata": {"name": "c"}}) == {}


def test_updates_charge_only_growth() -> None:
    def claim(size: str) -> Obj:
        return {
            "metadata": {"name": "data"},
            "spec": {"resources": {"requests": {"storage": size}}},
        }

    q = quota("storage", {"requests.storage": "10Gi"}, {"requests.storage": "8Gi"})
    assert new_usage([q], PVCS, claim("9Gi"), claim("8Gi")) == {
        "storage": {"requests.storage": "9Gi"}
    }
    assert new_usage([q], PVCS, claim("8Gi"), claim("8Gi")) == {}
    with pytest.raises(Forbidden) as err:
        check_quota([q], PVCS, claim("12Gi"), claim("8Gi"))
    assert "requested: requests.storage=4Gi, used: requests.storage=8Gi" in err.value.message
    assert new_usage([q], PODS, pod(), pod()) == {}  # pods are charged on create only


def test_used_in_namespace_and_status() -> None:
    q: Obj = {
        "metadata": {"name": "q"},
        "spec": {"hard": {"pods": "10", "requests.cpu": "4", "count/configmaps": "3", "foo": "1"}},
        "status": {"used": {"foo": "7"}},
    }
    pods = [pod("a"), pod("b"), pod("c", status={"phase": "Succeeded"})]
    used = used_in_namespace(q, [(PODS, pods), (CONFIGMAPS, [])])
    assert used == {"count/configmaps": "0", "foo": "7", "pods": "2", "requests.cpu": "1"}
    assert quota_status(q, used) == {"hard": q["spec"]["hard"], "used": used}
