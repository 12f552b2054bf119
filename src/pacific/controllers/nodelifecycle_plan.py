"""What the node lifecycle controller does to one host, as a pure function of what it sees.

`plan_node(node, lease, pods, now)` returns a `NodePlan`: the node's new conditions and
taints (None when unchanged), the pods to evict now, the VirtualMachine pods to mark or
unmark as being on a lost host, and when to look at the node again.

Model (kube's node-lifecycle-controller and its NoExecute taint manager):

- Health. A host's last sign of life is the newest of its Lease's `spec.renewTime`
  (namespace kube-node-lease, same name as the Node), its Ready condition's
  `lastHeartbeatTime`, the Node's creation and the controller's own start (so a restarted
  control plane does not declare every host lost before they had a chance to renew).
  Past `grace_period` seconds (40 s default) Ready, MemoryPressure, DiskPressure and
  PIDPressure become Unknown, reason `NodeStatusUnknown`, "Kubelet stopped posting node
  status." (`NodeStatusNeverUpdated` when the host never posted Ready). A Pacific host
  heartbeats through its Lease alone, so when the Lease is renewed again after this
  controller set Ready Unknown, the controller restores Ready=True itself (reason
  `KubeletReady`); a host agent may then refine it.
- Taints follow the Ready condition and the cordon, and only these keys are managed:
  Ready False -> `node.kubernetes.io/not-ready`, Ready Unknown ->
  `node.kubernetes.io/unreachable`, each as NoSchedule and NoExecute; `spec.unschedulable`
  -> `node.kubernetes.io/unschedulable:NoSchedule`. Every other taint is left alone, except
  that a NoExecute taint without `timeAdded` is given one (now), so that toleration periods
  have a start. A managed taint that stays keeps its `timeAdded`.
- Taint manager. For each pod on the host (not terminal, not being deleted) and the host's
  NoExecute taints: a taint no toleration matches -> evict now; otherwise each taint is
  tolerated for the first matching toleration's `tolerationSeconds` (unset: forever) from
  the taint's `timeAdded`, and the pod is evicted at the earliest such deadline.
- VirtualMachine pods (controlled by a vmoperator.vmware.com VirtualMachine) are never
  evicted here: while their host is lost (Ready Unknown) they carry the `pacific.dev/host-lost`
  annotation (the time it was noticed), removed when the host is back. Restarting them
  elsewhere is the VM HA controller's decision, not ours.

Invariants: no input is mutated; planning the planned node again yields no changes
(idempotent); `requeue_after` is the soonest moment the plan would change on its own
(lease expiry or an eviction deadline), None when only a watched change can alter it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pacific.client.clock import rfc3339
from pacific.controllers.objects import (
    Obj,
    annotations_of,
    controller_ref,
    get_condition,
    is_deleting,
    meta,
    parse_time,
)

DEFAULT_GRACE_PERIOD = 40.0
NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
NO_SCHEDULE = "NoSchedule"
NO_EXECUTE = "NoExecute"
MANAGED_TAINTS = frozenset(
    {
        (NOT_READY, NO_SCHEDULE),
        (NOT_READY, NO_EXECUTE),
        (UNREACHABLE, NO_SCHEDULE),
        (UNREACHABLE, NO_EXECUTE),
        (UNSCHEDULABLE, NO_SCHEDULE),
    }
)
STATUS_UNKNOWN = "NodeStatusUnknown"
STATUS_UNKNOWN_MESSAGE = "Kubelet stopped posting node status."
NEVER_UPDATED = "NodeStatusNeverUpdated"
NEVER_UPDATED_MESSAGE = "Kubelet never posted node status."
READY_AGAIN = "KubeletReady"
READY_AGAIN_MESSAGE = "host heartbeat resumed"
HOST_LOST = "pacific.dev/host-lost"
VM_GROUP = "vmoperator.vmware.com"
_UNKNOWN_ON_LOSS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
# What a returning host's conditions go back to (the kubelet's own reasons).
_RESTORED = {
    "Ready": ("True", READY_AGAIN, READY_AGAIN_MESSAGE),
    "MemoryPressure": ("False", "KubeletHasSufficientMemory", "host heartbeat resumed"),
    "DiskPressure": ("False", "KubeletHasNoDiskPressure", "host heartbeat resumed"),
    "PIDPressure": ("False", "KubeletHasSufficientPID", "host heartbeat resumed"),
}


@dataclass(frozen=True, slots=True)
class NodePlan:
    conditions: list[Obj] | None = None  # the node's new status.conditions
    taints: list[Obj] | None = None  # the node's new spec.taints
    evict: tuple[Obj, ...] = ()  # pods to delete now (DeletionByTaintManager)
    mark_lost: tuple[Obj, ...] = ()  # VM pods to annotate pacific.dev/host-lost
    unmark_lost: tuple[Obj, ...] = ()  # VM pods whose host is back
    requeue_after: float | None = None  # seconds until the plan can change by itself
    ready_status: str = ""  # Ready after this plan: True, False, Unknown ("" if never posted)
    ready_changed: bool = False


def last_heartbeat(
    node: Obj, lease: Obj | None, watching_since: datetime | None = None
) -> datetime | None:
    """The newest sign of life: lease renewal, Ready heartbeat, the node's creation, or the
    moment the controller started watching (every host gets one full grace period)."""
    ready = get_condition((node.get("status") or {}).get("conditions"), "Ready") or {}
    candidates = [
        parse_time(((lease or {}).get("spec") or {}).get("renewTime")),
        parse_time(ready.get("lastHeartbeatTime")),
        parse_time(meta(node).get("creationTimestamp")),
        watching_since,
    ]
    times = [t for t in candidates if t is not None]
    return max(times) if times else None


def _unknown(old: Obj | None, type_: str, now: datetime) -> Obj:
    if old is None:
        return {
            "type": type_,
            "status": "Unknown",
            "reason": NEVER_UPDATED,
            "message": NEVER_UPDATED_MESSAGE,
            "lastHeartbeatTime": None,
            "lastTransitionTime": rfc3339(now),
        }
    new = dict(old)
    new.update(status="Unknown", reason=STATUS_UNKNOWN, message=STATUS_UNKNOWN_MESSAGE)
    if old.get("status") != "Unknown":
        new["lastTransitionTime"] = rfc3339(now)
    return new


def plan_conditions(
    node: Obj,
    lease: Obj | None,
    now: datetime,
    grace_period: float,
    watching_since: datetime | None = None,
) -> tuple[list[Obj] | None, float | None]:
    """(new conditions or None, seconds until the lease expires while still fresh)."""
    conditions: list[Obj] = list((node.get("status") or {}).get("conditions") or [])
    seen = last_heartbeat(node, lease, watching_since)
    age = (now - seen).total_seconds() if seen is not None else float("inf")
    ready = get_condition(conditions, "Ready")
    if age >= grace_period:
        out = []
        for cond in conditions:
            if cond.get("type") in _UNKNOWN_ON_LOSS:
                out.append(_unknown(cond, str(cond["type"]), now))
            else:
                out.append(cond)
        if ready is None:
            out.append(_unknown(None, "Ready", now))
        return (out if out != conditions else None), None
    remaining = grace_period - age
    if ready is None or not _set_by_us(ready):
        return None, remaining
    heartbeat = rfc3339(seen) if seen is not None else None
    out = []
    for cond in conditions:
        restore = _RESTORED.get(str(cond.get("type")))
        if restore is not None and _set_by_us(cond):
            status, reason, message = restore
            cond = {
                **cond,
                "status": status,
                "reason": reason,
                "message": message,
                "lastHeartbeatTime": heartbeat,
                "lastTransitionTime": rfc3339(now),
            }
        out.append(cond)
    return out, remaining


def _set_by_us(cond: Obj) -> bool:
    return cond.get("status") == "Unknown" and cond.get("reason") in (
        STATUS_UNKNOWN,
        NEVER_UPDATED,
    )


def desired_taints(ready_status: str, unschedulable: bool) -> list[tuple[str, str]]:
    """The managed (key, effect) pairs a node with this Ready status and cordon carries."""
    out: list[tuple[str, str]] = []
    if ready_status == "False":
        out += [(NOT_READY, NO_SCHEDULE), (NOT_READY, NO_EXECUTE)]
    elif ready_status == "Unknown":
        out += [(UNREACHABLE, NO_SCHEDULE), (UNREACHABLE, NO_EXECUTE)]
    if unschedulable:
        out.append((UNSCHEDULABLE, NO_SCHEDULE))
    return out


def plan_taints(taints: list[Obj], wanted: list[tuple[str, str]], now: datetime) -> list[Obj]:
    """`taints` with the managed ones made equal to `wanted`, the rest kept (with timeAdded
    filled in on NoExecute taints that lack it)."""
    out: list[Obj] = []
    present: set[tuple[str, str]] = set()
    for taint in taints:
        pair = (str(taint.get("key") or ""), str(taint.get("effect") or ""))
        if pair in MANAGED_TAINTS and pair not in wanted:
            continue
        present.add(pair)
        if pair[1] == NO_EXECUTE and not taint.get("timeAdded"):
            taint = {**taint, "timeAdded": rfc3339(now)}
        out.append(taint)
    for key, effect in wanted:
        if (key, effect) not in present:
            added: Obj = {"key": key, "effect": effect}
            if effect == NO_EXECUTE:
                added["timeAdded"] = rfc3339(now)
            out.append(added)
    return out


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """core/v1 Toleration.ToleratesTaint."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def eviction_time(pod: Obj, no_execute: list[Obj], now: datetime) -> datetime | None:
    """When the taint manager evicts `pod` from a host with these NoExecute taints:
    `now` for an untolerated taint, None when every toleration is forever."""
    tolerations: list[Obj] = list((pod.get("spec") or {}).get("tolerations") or [])
    deadlines: list[datetime] = []
    for taint in no_execute:
        match = next((t for t in tolerations if tolerates(t, taint)), None)
        if match is None:
            return now
        seconds: Any = match.get("tolerationSeconds")
        if seconds is None:
            continue
        added = parse_time(taint.get("timeAdded")) or now
        deadlines.append(added + timedelta(seconds=max(int(seconds), 0)))
    return min(deadlines) if deadlines else None


def is_vm_pod(pod: Obj) -> bool:
    """A pod that runs a VirtualMachine (controlled by a vmoperator.vmware.com VM)."""
    ref = controller_ref(pod) or {}
    return ref.get("kind") == "VirtualMachine" and str(ref.get("apiVersion", "")).startswith(
        f"{VM_GROUP}/"
    )


def _is_active(pod: Obj) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not is_deleting(pod)


def plan_node(
    node: Obj,
    lease: Obj | None,
    pods: list[Obj],
    now: datetime,
    *,
    grace_period: float = DEFAULT_GRACE_PERIOD,
    watching_since: datetime | None = None,
) -> NodePlan:
    """Everything the node lifecycle controller should do to `node` and its `pods` now.

    `watching_since` is when the controller started: like kube's, a controller that just
    started gives every host a full grace period before calling it lost.
    """
    old_conditions = list((node.get("status") or {}).get("conditions") or [])
    conditions, lease_left = plan_conditions(node, lease, now, grace_period, watching_since)
    effective = conditions if conditions is not None else old_conditions
    ready = get_condition(effective, "Ready")
    ready_status = str((ready or {}).get("status") or "")
    old_ready = get_condition(old_conditions, "Ready") or {}
    spec = node.get("spec") or {}
    old_taints: list[Obj] = list(spec.get("taints") or [])
    taints = plan_taints(
        old_taints, desired_taints(ready_status, bool(spec.get("unschedulable"))), now
    )
    no_execute = [t for t in taints if t.get("effect") == NO_EXECUTE]
    name = meta(node).get("name")
    evict: list[Obj] = []
    mark: list[Obj] = []
    unmark: list[Obj] = []
    waits: list[float] = [lease_left] if lease_left is not None else []
    for pod in pods:
        if (pod.get("spec") or {}).get("nodeName") != name or not _is_active(pod):
            continue
        if is_vm_pod(pod):
            lost = HOST_LOST in annotations_of(pod)
            if ready_status == "Unknown" and not lost:
                mark.append(pod)
            elif ready_status != "Unknown" and lost:
                unmark.append(pod)
            continue
        if not no_execute:
            continue
        when = eviction_time(pod, no_execute, now)
        if when is None:
            continue
        if when <= now:
            evict.append(pod)
        else:
            waits.append((when - now).total_seconds())
    return NodePlan(
        conditions=conditions,
        taints=taints if taints != old_taints else None,
        evict=tuple(evict),
        mark_lost=tuple(mark),
        unmark_lost=tuple(unmark),
        requeue_after=min(waits) if waits else None,
        ready_status=ready_status,
        ready_changed=ready_status != str(old_ready.get("status") or ""),
    )
