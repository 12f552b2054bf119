"""The scheduler's writes: the Binding, and the PodScheduled=False condition.

The NUMA node chosen for a pinned workload travels in the Binding's
`metadata.annotations` (`pacific.dev/numa-node`); the API server copies Binding
annotations onto the pod in the same write that sets `spec.nodeName`, as kube-apiserver
does, so an agent never sees a bound pod without its NUMA node.

The PodScheduled condition is written with a strategic merge patch on `pods/status`
(conditions merge by `type`); `lastTransitionTime` moves only when the status changes.
`condition_patch` returns None when the pod already carries the same condition, so a
workload that keeps failing for the same reason does not rewrite its status each retry.

Preemption writes: the preemptor's `status.nominatedNodeName` (with its PodScheduled
condition, one patch), and on each victim a `DisruptionTarget` condition (reason
`PreemptionByScheduler`) written before the victim is deleted, as kube does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pacific.api.resources import ResourceType
from pacific.client import Client
from pacific.client.clock import rfc3339
from pacific.client.paths import object_path

Obj = Mapping[str, Any]
POD_SCHEDULED = "PodScheduled"
UNSCHEDULABLE_REASON = "Unschedulable"
DISRUPTION_TARGET = "DisruptionTarget"
PREEMPTION_BY_SCHEDULER = "PreemptionByScheduler"


def binding_body(
    namespace: str, name: str, node: str, annotations: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The Binding of pod `namespace/name` to `node`, carrying `annotations` onto the pod."""
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": metadata,
        "target": {"apiVersion": "v1", "kind": "Node", "name": node},
    }


async def bind_pod(
    client: Client,
    pods: ResourceType,
    namespace: str,
    name: str,
    node: str,
    annotations: Mapping[str, str] | None = None,
) -> None:
    """POST pods/{name}/binding through the general client."""
    body = binding_body(namespace, name, node, annotations)
    await client.request("POST", object_path(pods, name, namespace, "binding"), body=body)


def nomination_patch(pod: Obj, node: str, message: str, now: datetime) -> dict[str, Any]:
    """The status patch of a preemptor: nominatedNodeName plus PodScheduled=False."""
    patch = condition_patch(pod, message, now) or {"status": {}}
    patch["status"]["nominatedNodeName"] = node
    return patch


def disruption_patch(scheduler_name: str, now: datetime) -> dict[str, Any]:
    """The DisruptionTarget condition a victim gets before it is deleted (kube's text)."""
    condition = {
        "type": DISRUPTION_TARGET,
        "status": "True",
        "reason": PREEMPTION_BY_SCHEDULER,
        "message": f"{scheduler_name}: preempting to accommodate a higher priority pod",
        "lastProbeTime": None,
        "lastTransitionTime": rfc3339(now),
    }
    return {"status": {"conditions": [condition]}}


def condition_patch(pod: Obj, message: str, now: datetime) -> dict[str, Any] | None:
    """The status patch setting PodScheduled=False/Unschedulable with `message`."""
    conditions = (pod.get("status") or {}).get("conditions") or ()
    current = next((c for c in conditions if c.get("type") == POD_SCHEDULED), None)
    if (
        current is not None
        and current.get("status") == "False"
        and current.get("reason") == UNSCHEDULABLE_REASON
        and current.get("message") == message
    ):
        return None
    since = rfc3339(now)
    if current is not None and current.get("status") == "False":
        since = current.get("lastTransitionTime") or since
    condition = {
        "type": POD_SCHEDULED,
        "status": "False",
        "reason": UNSCHEDULABLE_REASON,
        "message": message,
        "lastProbeTime": None,
        "lastTransitionTime": since,
    }
    return {"status": {"conditions": [condition]}}
