"""Pod status exactly as kubelet reports it, as a pure function of what the agent knows.

    pod_status(pod, observed, inputs) -> status dict (the whole `status` the agent owns)

Container states (kubelet's `convertToAPIContainerStatuses`):
- the newest instance running: `running.startedAt`; `ready` from its readiness probe (True
  without one) once `started` (its startup probe succeeded, or it has none);
- the newest instance exited: `terminated` (reason Completed / Error / OOMKilled, exit code,
  times, containerID) unless it is waiting to restart, then `waiting` CrashLoopBackOff
  with the back-off message and the exit in `lastState`;
- no instance yet: `waiting` with the last failure (ErrImagePull, ImagePullBackOff,
  CreateContainerError, ...), else ContainerCreating (PodInitializing for regular containers
  while init containers run, and for init containers not reached yet).
`lastState` is the previous instance's termination; `restartCount` is the newest
instance's attempt; `containerID` is `pacific-container://<id>`.

Phase (kubelet's `getPhase`): Pending while init containers are unfinished or a container
has never started; Running when one runs (or all stopped and will restart); Succeeded /
Failed when `terminal_phase` says so. Conditions, in kubelet's order:
PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled, each keeping
its lastTransitionTime while its status does not change. startTime is kept once set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pacific.agent import events
from pacific.agent.plan import (
    CRASH_LOOP,
    Facts,
    Observed,
    Wait,
    latest_instances,
    restart_policy,
    terminal_phase,
)
from pacific.agent.runtimes.protocol import ContainerState, ContainerStatus
from pacific.api.defaults.pod import qos_class

Obj = dict[str, Any]
ID_PREFIX = "pacific-container://"
CONDITION_ORDER = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)


@dataclass(frozen=True, slots=True)
class StatusInputs:
    facts: Facts
    waits: Mapping[str, Wait] = field(default_factory=dict)  # container name -> Wait action
    failures: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # name -> reason, msg
    ready: Mapping[str, bool] = field(default_factory=dict)  # container id -> readiness
    started: Mapping[str, bool] = field(default_factory=dict)  # container id -> startup ok
    pod_ip: str = ""
    host_ip: str = ""


def timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _instances(observed: Observed) -> tuple[dict[str, ContainerStatus], dict[str, ContainerStatus]]:
    """(newest, previous exited) instance per container name."""
    latest = latest_instances(observed.containers)
    previous: dict[str, ContainerStatus] = {}
    for c in observed.containers:
        if c.state is not ContainerState.EXITED or latest[c.name].id == c.id:
            continue
        cur = previous.get(c.name)
        if cur is None or c.attempt > cur.attempt:
            previous[c.name] = c
    return latest, previous


def _terminated(c: ContainerStatus) -> Obj:
    reason = c.reason or ("Completed" if c.exit_code == 0 else "Error")
    term: Obj = {
        "exitCode": c.exit_code,
        "reason": reason,
        "startedAt": timestamp(c.started_at) if c.started_at else None,
        "finishedAt": timestamp(c.finished_at) if c.finished_at else None,
        "containerID": ID_PREFIX + c.id,
    }
    if c.message:
        term["message"] = c.message
    return {"terminated": term}


def _waiting(reason: str, message: str = "") -> Obj:
    body: Obj = {"reason": reason}
    if message:
        body["message"] = message
    return {"waiting": body}


def _container_status(
    pod: Obj,
    spec: Obj,
    inst: ContainerStatus | None,
    prev: ContainerStatus | None,
    inputs: StatusInputs,
    default_waiting: str,
) -> Obj:
    name = str(spec.get("name", ""))
    meta = pod.get("metadata") or {}
    out: Obj = {
        "name": name,
        "image": spec.get("image", ""),
        "imageID": "",
        "ready": False,
        "restartCount": 0,
        "started": False,
        "state": {},
        "lastState": {},
    }
    wait = inputs.waits.get(name)
    if inst is None:
        if wait is not None:
            out["state"] = _waiting(wait.reason, events.pull_backoff(str(spec.get("image", ""))))
        elif name in inputs.failures:
            out["state"] = _waiting(*inputs.failures[name])
        else:
            out["state"] = _waiting(default_waiting)
        return out
    out["imageID"] = inst.image_id
    out["containerID"] = ID_PREFIX + inst.id
    out["restartCount"] = inst.attempt
    if prev is not None:
        out["lastState"] = _terminated(prev)
    if inst.state is ContainerState.RUNNING:
        started = inputs.started.get(inst.id, True)
        out["started"] = started
        out["ready"] = started and inputs.ready.get(inst.id, True)
        out["state"] = {"running": {"startedAt": timestamp(inst.started_at or inst.created_at)}}
    elif inst.state is ContainerState.EXITED:
        if wait is not None and wait.reason == CRASH_LOOP:
            entry = inputs.facts.backoff.get(name)
            delay = entry.delay if entry else wait.seconds
            uid = str(meta.get("uid", ""))
            message = events.crash_backoff(
                name, str(meta.get("name", "")), str(meta.get("namespace", "")), uid, delay
            )
            out["state"] = _waiting(CRASH_LOOP, message)
            out["lastState"] = _terminated(inst)
        elif name in inputs.failures:
            out["state"] = _waiting(*inputs.failures[name])
            out["lastState"] = _terminated(inst)
        else:
            out["state"] = _terminated(inst)
    else:
        out["state"] = _waiting(inputs.failures.get(name, (default_waiting, ""))[0])
    return out


def _phase(pod: Obj, latest: Mapping[str, ContainerStatus], statuses: list[Obj]) -> str:
    old = (pod.get("status") or {}).get("phase")
    if old in ("Succeeded", "Failed"):
        return str(old)
    done = terminal_phase(pod, latest)
    if done:
        return done
    spec = pod.get("spec") or {}
    inits = [str(c.get("name", "")) for c in spec.get("initContainers") or ()]
    for name in inits:
        inst = latest.get(name)
        if inst is None or inst.state is not ContainerState.EXITED or inst.exit_code != 0:
            return "Pending"
    running = waiting = stopped = 0
    for st in statuses:
        state = st["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state or st["lastState"]:
            stopped += 1
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if stopped and restart_policy(pod) != "Never":
        return "Running"
    return "Pending"


def _condition(old: Mapping[str, Obj], kind: str, ok: bool, now: str, reason: str = "") -> Obj:
    status = "True" if ok else "False"
    prev = old.get(kind)
    since = prev.get("lastTransitionTime") if prev and prev.get("status") == status else None
    cond: Obj = {
        "type": kind,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": since or now,
    }
    if reason:
        cond["reason"] = reason
    return cond


def _unready(statuses: list[Obj]) -> list[str]:
    return [str(st["name"]) for st in statuses if not st["ready"]]


def pod_status(pod: Obj, observed: Observed, inputs: StatusInputs) -> Obj:
    spec = pod.get("spec") or {}
    old_status = pod.get("status") or {}
    now = timestamp(inputs.facts.now)
    latest, previous = _instances(observed)
    init_specs = list(spec.get("initContainers") or ())
    inits_done = all(
        (inst := latest.get(str(c.get("name", "")))) is not None
        and inst.state is ContainerState.EXITED
        and inst.exit_code == 0
        for c in init_specs
    )
    sandbox = observed.sandbox
    default = "PodInitializing" if sandbox and init_specs else "ContainerCreating"
    init_statuses = []
    for c in init_specs:
        name = str(c.get("name", ""))
        st = _container_status(
            pod, c, latest.get(name), previous.get(name), inputs, "PodInitializing"
        )
        terminated = st["state"].get("terminated") or {}
        st["ready"] = terminated.get("exitCode") == 0  # an init container is ready when done
        init_statuses.append(st)
    statuses = [
        _container_status(
            pod,
            c,
            latest.get(str(c.get("name", ""))),
            previous.get(str(c.get("name", ""))),
            inputs,
            default if not inits_done else "ContainerCreating",
        )
        for c in spec.get("containers") or ()
    ]
    phase = _phase(pod, latest, statuses)
    old_conditions = {str(c.get("type")): c for c in old_status.get("conditions") or ()}
    unready = _unready(statuses)
    pending_inits = [str(st["name"]) for st in init_statuses if not st["ready"]]
    completed = phase in ("Succeeded", "Failed")
    conditions: list[Obj] = [
        _condition(old_conditions, "PodReadyToStartContainers", sandbox is not None, now),
    ]
    if pending_inits and not completed:
        init_cond = _condition(
            old_conditions, "Initialized", False, now, "ContainersNotInitialized"
        )
        init_cond["message"] = f"containers with incomplete status: [{' '.join(pending_inits)}]"
    else:
        init_cond = _condition(old_conditions, "Initialized", True, now)
    conditions.append(init_cond)
    for kind in ("Ready", "ContainersReady"):
        if completed:
            cond = _condition(old_conditions, kind, False, now, "PodCompleted")
        elif unready:
            cond = _condition(old_conditions, kind, False, now, "ContainersNotReady")
            cond["message"] = f"containers with unready status: [{' '.join(unready)}]"
        else:
            cond = _condition(old_conditions, kind, True, now)
        conditions.append(cond)
    scheduled = old_conditions.get("PodScheduled") or _condition({}, "PodScheduled", True, now)
    conditions.append(scheduled)
    status: Obj = {
        "phase": phase,
        "conditions": conditions,
        "hostIP": inputs.host_ip,
        "hostIPs": [{"ip": inputs.host_ip}] if inputs.host_ip else [],
        "startTime": old_status.get("startTime") or now,
        "qosClass": qos_class(spec),
        "containerStatuses": statuses,
    }
    if inputs.pod_ip:
        status["podIP"] = inputs.pod_ip
        status["podIPs"] = [{"ip": inputs.pod_ip}]
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    return status


def changed(old: Obj, new: Obj) -> bool:
    """Whether writing `new` would change the stored status (keys the agent owns)."""
    return any(old.get(key) != value for key, value in new.items())
