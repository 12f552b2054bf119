"""The agent's decision for one pod, as a pure function: desired (the Pod) vs observed.

    plan(pod, observed, facts) -> tuple[Action, ...]

`observed` is what the runtime reports for the pod (its sandboxes and the containers of
its newest sandbox, ready or not); `facts` is what only the agent knows (the time, back-off entries,
failed pulls, containers whose liveness or startup probe gave up). The result is a list of
actions that the sync loop applies in order; re-planning after applying converges, so a
crash between two actions is harmless. Rules, as kubelet's `computePodActions`:

- A pod marked for deletion: stop and remove everything (`KillPod(remove=True)`), then,
  once nothing is left, `Finalize` (the final DELETE with grace 0).
- A pod whose containers are done for good (`terminal_phase`): stop what still runs and
  its sandbox, keep the exited containers for logs and status.
- No ready sandbox: clean up any dead one and create a new sandbox; containers follow on
  the next pass.
- Init containers run one at a time, in order; each must exit 0 before the next starts,
  and regular containers start only after the last one succeeded.
- An exited container restarts as `restartPolicy` says (Always; OnFailure when the exit
  code is not 0; Never), after the back-off delay (`Wait` with CrashLoopBackOff); a failed
  pull waits for its own back-off (`Wait` with ImagePullBackOff).
- A running container whose liveness/startup probe gave up is killed (then restarted as
  above); a container the spec does not name is killed.
- Of each container's exited instances only the latest is kept (for `lastState` and
  `kubectl logs --previous`); older ones are removed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pacific.agent.backoff import BackoffEntry, remaining
from pacific.agent.runtimes.protocol import (
    ContainerState,
    ContainerStatus,
    SandboxState,
    SandboxStatus,
)

Obj = dict[str, Any]
CRASH_LOOP = "CrashLoopBackOff"
IMAGE_PULL_BACKOFF = "ImagePullBackOff"


@dataclass(frozen=True, slots=True)
class Observed:
    sandboxes: tuple[SandboxStatus, ...] = ()
    containers: tuple[ContainerStatus, ...] = ()  # of the newest sandbox

    @property
    def sandbox(self) -> SandboxStatus | None:
        """The newest ready sandbox, the one containers run in."""
        ready = [s for s in self.sandboxes if s.state is SandboxState.READY]
        return max(ready, key=lambda s: (s.attempt, s.created_at)) if ready else None


@dataclass(frozen=True, slots=True)
class Facts:
    now: float  # unix seconds
    backoff: Mapping[str, BackoffEntry] = field(default_factory=dict)  # crash: name; pull: key
    pull_failed_at: Mapping[str, float] = field(default_factory=dict)  # container name -> time
    unhealthy: frozenset[str] = frozenset()  # container ids to kill (liveness/startup)


def pull_key(name: str) -> str:
    return f"pull/{name}"


@dataclass(frozen=True, slots=True)
class CreateSandbox:
    attempt: int


@dataclass(frozen=True, slots=True)
class KillPod:
    remove: bool  # also remove sandboxes, containers, volumes and the network


@dataclass(frozen=True, slots=True)
class Finalize:
    pass


@dataclass(frozen=True, slots=True)
class StartContainer:
    name: str
    init: bool
    attempt: int


@dataclass(frozen=True, slots=True)
class KillContainer:
    container_id: str
    name: str
    reason: str  # "unhealthy" | "unknown"


@dataclass(frozen=True, slots=True)
class RemoveContainer:
    container_id: str


@dataclass(frozen=True, slots=True)
class Wait:
    name: str
    seconds: float
    reason: str  # CrashLoopBackOff | ImagePullBackOff


Action = (
    CreateSandbox | KillPod | Finalize | StartContainer | KillContainer | RemoveContainer | Wait
)


def latest_instances(containers: Sequence[ContainerStatus]) -> dict[str, ContainerStatus]:
    """The newest instance (highest attempt, then newest) of each container name."""
    best: dict[str, ContainerStatus] = {}
    for c in containers:
        cur = best.get(c.name)
        if cur is None or (c.attempt, c.created_at) > (cur.attempt, cur.created_at):
            best[c.name] = c
    return best


def should_restart(policy: str, exit_code: int) -> bool:
    if policy == "Always":
        return True
    if policy == "OnFailure":
        return exit_code != 0
    return False


def restart_policy(pod: Obj) -> str:
    return str((pod.get("spec") or {}).get("restartPolicy") or "Always")


def _names(pod: Obj, key: str) -> list[str]:
    return [str(c.get("name", "")) for c in (pod.get("spec") or {}).get(key) or ()]


def terminal_phase(pod: Obj, latest: Mapping[str, ContainerStatus]) -> str | None:
    """ "Succeeded"/"Failed" when no container of the pod will ever run again, else None."""
    policy = restart_policy(pod)
    for name in _names(pod, "initContainers"):
        inst = latest.get(name)
        if inst is None or inst.state is not ContainerState.EXITED:
            return None
        if inst.exit_code != 0:
            return "Failed" if policy == "Never" else None
    codes: list[int] = []
    for name in _names(pod, "containers"):
        inst = latest.get(name)
        if inst is None or inst.state is not ContainerState.EXITED:
            return None
        if should_restart(policy, inst.exit_code):
            return None
        codes.append(inst.exit_code)
    if not codes:
        return None
    return "Succeeded" if all(code == 0 for code in codes) else "Failed"


def plan(pod: Obj, observed: Observed, facts: Facts) -> tuple[Action, ...]:
    meta = pod.get("metadata") or {}
    alive = [c for c in observed.containers if c.state is not ContainerState.EXITED]
    ready_sandbox = observed.sandbox
    if meta.get("deletionTimestamp"):
        if observed.sandboxes or observed.containers:
            return (KillPod(remove=True),)
        return (Finalize(),)
    latest = latest_instances(observed.containers)
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed") or terminal_phase(pod, latest):
        return (KillPod(remove=False),) if ready_sandbox or alive else ()
    if ready_sandbox is None:
        actions: list[Action] = []
        if observed.sandboxes or alive:
            actions.append(KillPod(remove=True))
        attempt = max((s.attempt + 1 for s in observed.sandboxes), default=0)
        actions.append(CreateSandbox(attempt))
        return tuple(actions)
    actions = _garbage(observed.containers, latest)
    actions.extend(_unknown(pod, alive))
    policy = restart_policy(pod)
    for name in _names(pod, "initContainers"):
        inst = latest.get(name)
        if inst is not None and inst.state is ContainerState.EXITED and inst.exit_code == 0:
            continue
        actions.extend(_advance(name, True, inst, policy, facts))
        return tuple(actions)
    for name in _names(pod, "containers"):
        actions.extend(_advance(name, False, latest.get(name), policy, facts))
    return tuple(actions)


def _advance(
    name: str, init: bool, inst: ContainerStatus | None, policy: str, facts: Facts
) -> list[Action]:
    """What one container needs: start, restart after back-off, kill, or nothing."""
    if inst is None:
        return [_start_or_wait(name, init, 0, facts)]
    if inst.state is ContainerState.RUNNING:
        if inst.id in facts.unhealthy:
            return [KillContainer(inst.id, name, "unhealthy")]
        return []
    if inst.state in (ContainerState.CREATED, ContainerState.UNKNOWN):
        return [RemoveContainer(inst.id), _start_or_wait(name, init, inst.attempt, facts)]
    if not should_restart(policy, inst.exit_code):
        return []
    wait = remaining(facts.backoff.get(name), inst.finished_at, facts.now)
    if wait > 0:
        return [Wait(name, wait, CRASH_LOOP)]
    return [_start_or_wait(name, init, inst.attempt + 1, facts)]


def _start_or_wait(name: str, init: bool, attempt: int, facts: Facts) -> Action:
    failed_at = facts.pull_failed_at.get(name)
    if failed_at is not None:
        wait = remaining(facts.backoff.get(pull_key(name)), failed_at, facts.now)
        if wait > 0:
            return Wait(name, wait, IMAGE_PULL_BACKOFF)
    return StartContainer(name, init, attempt)


def _garbage(
    containers: Sequence[ContainerStatus], latest: Mapping[str, ContainerStatus]
) -> list[Action]:
    """Remove exited instances older than the newest exited one of each name."""
    keep: dict[str, ContainerStatus] = {}
    for c in containers:
        if c.state is not ContainerState.EXITED or latest[c.name].id == c.id:
            continue
        cur = keep.get(c.name)
        if cur is None or (c.attempt, c.created_at) > (cur.attempt, cur.created_at):
            keep[c.name] = c
    latest_exited = {c.id for c in keep.values()} | {c.id for c in latest.values()}
    return [
        RemoveContainer(c.id)
        for c in containers
        if c.state is ContainerState.EXITED and c.id not in latest_exited
    ]


def _unknown(pod: Obj, alive: Sequence[ContainerStatus]) -> list[Action]:
    names = set(_names(pod, "initContainers")) | set(_names(pod, "containers"))
    return [KillContainer(c.id, c.name, "unknown") for c in alive if c.name not in names]
