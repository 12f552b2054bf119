"""The Pod row of Table output: kube's READY / STATUS / RESTARTS logic (printPod).

STATUS is derived in kube's order of precedence:
  phase, overridden by `status.reason`, by a SchedulingGated condition; then the first init
  container that has not succeeded (`Init:N/M`, `Init:<reason>`, `Init:ExitCode:N`);
  then, once initialised, the last container with a waiting / terminated reason
  (`ContainerCreating`, `CrashLoopBackOff`, `Completed`, `ExitCode:N` ...), with
  `Completed` turned back into `Running` / `NotReady` while a container still runs; finally
  `Terminating` (or `Unknown` for NodeLost) for a pod being deleted.
RESTARTS is the restart count, followed by `(<age> ago)` of the last termination.
Restartable init containers (sidecars, restartPolicy Always) count as containers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pacific.api.table_format import AGE, NAME, Column, age, count, dig, parse_time, text

POD_STATUS = "io.k8s.api.core.v1.PodStatus"
POD_SPEC = "io.k8s.api.core.v1.PodSpec"

POD_COLUMNS = (
    NAME,
    Column("Ready", doc="The aggregate readiness state of this pod for accepting traffic."),
    Column("Status", doc="The aggregate status of the containers in this pod."),
    Column(
        "Restarts",
        doc="The number of times the containers in this pod have been restarted and when the "
        "last container in this pod has restarted.",
    ),
    AGE,
    Column("IP", priority=1, doc=(POD_STATUS, "podIP")),
    Column("Node", priority=1, doc=(POD_SPEC, "nodeName")),
    Column("Nominated Node", priority=1, doc=(POD_STATUS, "nominatedNodeName")),
    Column("Readiness Gates", priority=1, doc=(POD_SPEC, "readinessGates")),
)

_SUCCEEDED = {
    "type": "Completed",
    "status": "True",
    "reason": "Succeeded",
    "message": "The pod has completed successfully.",
}
_FAILED = {"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}


def pod_conditions(pod: Mapping[str, Any]) -> list[dict[str, str]]:
    """The row conditions kube attaches to finished pods."""
    phase = text(pod, "status", "phase")
    if phase == "Succeeded":
        return [dict(_SUCCEEDED)]
    if phase == "Failed":
        return [dict(_FAILED)]
    return []


def _condition_true(conditions: list[Any], kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _later(current: datetime | None, status: Mapping[str, Any]) -> datetime | None:
    finished = dig(status, "lastState", "terminated")
    if finished is None:
        return current
    when = parse_time(finished.get("finishedAt"))
    if when is None or (current is not None and when <= current):
        return current
    return when


def _terminated_reason(term: Mapping[str, Any], prefix: str) -> str:
    if term.get("reason"):
        return prefix + str(term["reason"])
    if term.get("signal"):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{term.get('exitCode', 0)}"


class _Tally:
    def __init__(self, reason: str, total: int) -> None:
        self.reason = reason
        self.total = total
        self.ready = 0
        self.restarts = 0
        self.last: datetime | None = None


def _init_containers(pod: Mapping[str, Any], tally: _Tally) -> tuple[bool, int, datetime | None]:
    """Walk init container statuses; returns (initializing, sidecar restarts, sidecar last)."""
    specs = dig(pod, "spec", "initContainers") or []
    sidecars = {c.get("name") for c in specs if c.get("restartPolicy") == "Always"}
    sidecar_restarts, sidecar_last = 0, None
    for i, status in enumerate(dig(pod, "status", "initContainerStatuses") or []):
        restarts = count(status, "restartCount")
        tally.restarts += restarts
        tally.last = _later(tally.last, status)
        sidecar = status.get("name") in sidecars
        if sidecar:
            sidecar_restarts += restarts
            sidecar_last = _later(sidecar_last, status)
        term = dig(status, "state", "terminated")
        waiting = dig(status, "state", "waiting")
        if term is not None and count(term, "exitCode") == 0:
            continue
        if sidecar and status.get("started") is True:
            tally.ready += 1 if status.get("ready") else 0
            continue
        if term is not None:
            tally.reason = _terminated_reason(term, "Init:")
        elif waiting is not None and waiting.get("reason") not in (None, "", "PodInitializing"):
            tally.reason = "Init:" + str(waiting["reason"])
        else:
            tally.reason = f"Init:{i}/{len(specs)}"
        return True, sidecar_restarts, sidecar_last
    return False, sidecar_restarts, sidecar_last


def _containers(pod: Mapping[str, Any], tally: _Tally) -> None:
    running = False
    for status in reversed(dig(pod, "status", "containerStatuses") or []):
        tally.restarts += count(status, "restartCount")
        tally.last = _later(tally.last, status)
        waiting = dig(status, "state", "waiting")
        term = dig(status, "state", "terminated")
        if waiting is not None and waiting.get("reason"):
            tally.reason = str(waiting["reason"])
        elif term is not None:
            tally.reason = _terminated_reason(term, "")
        elif status.get("ready") and dig(status, "state", "running") is not None:
            running = True
            tally.ready += 1
    if tally.reason == "Completed" and running:
        ready = _condition_true(dig(pod, "status", "conditions") or [], "Ready")
        tally.reason = "Running" if ready else "NotReady"


def pod_cells(pod: Mapping[str, Any], now: datetime) -> list[Any]:
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    conditions = status.get("conditions") or []
    phase = text(status, "phase")
    reason = text(status, "reason") or phase
    for cond in conditions:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    sidecar_count = sum(
        1 for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"
    )
    tally = _Tally(reason, len(spec.get("containers") or []) + sidecar_count)
    initializing, sidecar_restarts, sidecar_last = _init_containers(pod, tally)
    if not initializing or _condition_true(conditions, "Initialized"):
        tally.restarts, tally.last = sidecar_restarts, sidecar_last
        _containers(pod, tally)
    if dig(pod, "metadata", "deletionTimestamp") is not None:
        if status.get("reason") == "NodeLost":
            tally.reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            tally.reason = "Terminating"
    restarts = str(tally.restarts)
    if tally.restarts and tally.last is not None:
        restarts = f"{tally.restarts} ({age(tally.last.isoformat(), now)} ago)"
    return [
        text(pod, "metadata", "name"),
        f"{tally.ready}/{tally.total}",
        tally.reason,
        restarts,
        age(dig(pod, "metadata", "creationTimestamp"), now),
        *_wide(spec, status, conditions),
    ]


def _wide(spec: Mapping[str, Any], status: Mapping[str, Any], conditions: list[Any]) -> list[str]:
    ips = status.get("podIPs") or []
    pod_ip = text(ips[0], "ip") if ips else ""
    gates = spec.get("readinessGates") or []
    readiness = "<none>"
    if gates:
        true = 0
        for gate in gates:
            for cond in conditions:
                if cond.get("type") == gate.get("conditionType"):
                    true += 1 if cond.get("status") == "True" else 0
                    break
        readiness = f"{true}/{len(gates)}"
    return [
        pod_ip or "<none>",
        text(spec, "nodeName") or "<none>",
        text(status, "nominatedNodeName") or "<none>",
        readiness,
    ]
