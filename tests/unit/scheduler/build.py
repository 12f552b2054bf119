"""Small builders for scheduler tests: pods, nodes and NodeInfos as plain dicts."""

from __future__ import annotations

from typing import Any

from pacific.scheduler.nodeinfo import NodeInfo, node_info_from_node
from pacific.scheduler.workload import Workload, workload_from_pod


def pod(
    name: str = "p",
    namespace: str = "default",
    cpu: str | None = None,
    memory: str | None = None,
    limits: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    resources: dict[str, Any] = {"requests": requests}
    if limits:
        resources["limits"] = limits
    return {
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}",
                     "labels": labels or {}},
        "spec": {"containers": [{"name": "c", "image": "x", "resources": resources}], **spec},
    }  # fmt: skip


def workload(**kwargs: Any) -> Workload:
    return workload_from_pod(pod(**kwargs))


def node(
    name: str = "n1",
    cpu: str = "4",
    memory: str = "8Gi",
    pods: str = "110",
    labels: dict[str, str] | None = None,
    taints: list[dict[str, str]] | None = None,
    unschedulable: bool = False,
    annotations: dict[str, str] | None = None,
) -> NodeInfo:
    return node_info_from_node(
        {
            "metadata": {"name": name, "labels": labels or {}, "annotations": annotations or {}},
            "spec": {"taints": taints or [], "unschedulable": unschedulable},
            "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": pods}},
        }
    )
