"""Small builders of API objects for controller planner tests."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

T0 = "2025-01-01T00:00:00Z"


def pod(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    owner: Obj | None = None,
    phase: str = "Pending",
    ready: bool = False,
    node: str = "",
    ip: str = "",
    created: str = T0,
    ready_at: str = T0,
    ns: str = "default",
    deleting: bool = False,
    containers: list[Obj] | None = None,
) -> Obj:
    meta: Obj = {
        "name": name,
        "namespace": ns,
        "uid": f"uid-{name}",
        "labels": labels if labels is not None else {"app": "web"},
        "creationTimestamp": created,
    }
    if owner is not None:
        meta["ownerReferences"] = [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
            }
        ]
    if deleting:
        meta["deletionTimestamp"] = T0
    status: Obj = {"phase": phase}
    if ready:
        status["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": ready_at}]
    if ip:
        status["podIP"] = ip
    spec: Obj = {"containers": containers or [{"name": "c", "image": "nginx"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def replicaset(
    name: str = "web",
    replicas: int = 3,
    *,
    labels: dict[str, str] | None = None,
    owner: Obj | None = None,
    status: Obj | None = None,
    created: str = T0,
    annotations: dict[str, str] | None = None,
    template_labels: dict[str, str] | None = None,
    image: str = "nginx",
    generation: int = 1,
) -> Obj:
    sel = labels or {"app": "web"}
    meta: Obj = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{name}",
        "labels": dict(template_labels or sel),
        "generation": generation,
        "creationTimestamp": created,
        "annotations": dict(annotations or {}),
    }
    if owner is not None:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
            }
        ]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(sel)},
            "template": {
                "metadata": {"labels": dict(template_labels or sel)},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
        },
        "status": status or {},
    }


def deployment(
    name: str = "web",
    replicas: int = 3,
    *,
    image: str = "nginx",
    strategy: Obj | None = None,
    status: Obj | None = None,
    generation: int = 1,
    paused: bool = False,
    history: int = 10,
    annotations: dict[str, str] | None = None,
) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": f"uid-{name}",
            "generation": generation,
            "creationTimestamp": T0,
            "annotations": dict(annotations or {}),
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
            "strategy": strategy
            or {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "revisionHistoryLimit": history,
            "progressDeadlineSeconds": 600,
            "paused": paused,
        },
        "status": status or {},
    }
