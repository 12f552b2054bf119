"""A container's status from what the host shows: pure.

Model: the runtime observes three facts about a container (`Observed`): whether its init
process is alive, the exit code conmon wrote (if it wrote one) and whether its cgroup saw
an OOM kill. `container_status()` turns them and the container's record into the CRI-shaped
`ContainerStatus`:

- an exit file means EXITED, with kubelet's reasons: OOMKilled (the cgroup counted an OOM
  kill and the code is not 0), Completed (0) or Error;
- no exit file and a live process: RUNNING once started, CREATED before;
- no exit file, no process, conmon alive: still RUNNING (conmon is about to write the
  code; the exit reaches the agent through `events()`);
- no exit file, no process, no conmon: EXITED with code 255 and reason Error
  ("exit code lost"), since nothing is left that could report one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pacific.agent.runtimes.container.state import ContainerRecord
from pacific.agent.runtimes.protocol import ContainerState, ContainerStatus

LOST_EXIT_CODE = 255


@dataclass(frozen=True, slots=True)
class Observed:
    process_alive: bool
    monitor_alive: bool
    exit_code: int | None = None
    finished_at: float = 0.0
    oom_killed: bool = False


def exit_reason(code: int, oom_killed: bool) -> str:
    if oom_killed and code != 0:
        return "OOMKilled"
    return "Completed" if code == 0 else "Error"


def container_status(rec: ContainerRecord, seen: Observed) -> ContainerStatus:
    state = ContainerState.CREATED
    code, reason, message, finished = 0, "", "", 0.0
    if seen.exit_code is not None:
        state, code, finished = ContainerState.EXITED, seen.exit_code, seen.finished_at
        reason = exit_reason(code, seen.oom_killed)
    elif seen.process_alive or seen.monitor_alive:
        state = ContainerState.RUNNING if rec.started_at else ContainerState.CREATED
    else:
        state, code, reason = ContainerState.EXITED, LOST_EXIT_CODE, "Error"
        message = "exit code lost: the container and its monitor are gone"
    return ContainerStatus(
        id=rec.id,
        sandbox_id=rec.sandbox_id,
        name=rec.name,
        attempt=rec.attempt,
        state=state,
        image=rec.image,
        image_id=rec.image_id,
        created_at=rec.created_at,
        started_at=rec.started_at,
        finished_at=finished,
        exit_code=code,
        reason=reason,
        message=message,
        log_path=Path(rec.log_path) if rec.log_path else None,
        labels=dict(rec.labels),
    )


def parse_exit_file(text: str) -> int | None:
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return None
