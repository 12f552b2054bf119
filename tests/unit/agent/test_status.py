"""Golden tests: pod status as kubelet reports it."""

from __future__ import annotations

from typing import Any

from pacific.agent.backoff import BackoffEntry
from pacific.agent.plan import Facts, Observed, Wait
from pacific.agent.runtimes.protocol import (
    ContainerState,
    ContainerStatus,
    SandboxState,
    SandboxStatus,
)
from pacific.agent.status import StatusInputs, changed, pod_status

T0 = 1735689600.0  # 2025-01-01T00:00:00Z
SB = SandboxStatus("sb1", "u1", "ns", "web", 0, SandboxState.READY, T0)


def pod(restart: str = "Always", inits: tuple[str, ...] = (), **status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "namespace": "ns", "uid": "u1"},
        "spec": {
            "restartPolicy": restart,
            "initContainers": [{"name": n, "image": "busybox"} for n in inits],
            "containers": [
                {
                    "name": "app",
                    "image": "busybox",
                    "resources": {"requests": {"cpu": "100m"}},
                }
            ],
        },
        "status": status,
    }


def ctr(
    name: str,
    state: ContainerState,
    attempt: int = 0,
    code: int = 0,
    reason: str = "",
    cid: str = "c1",
) -> ContainerStatus:
    return ContainerStatus(
        cid,
        "sb1",
        name,
        attempt,
        state,
        "busybox",
        "busybox@sha256:ab",
        T0,
        started_at=T0 + 1,
        finished_at=T0 + 5 if state is ContainerState.EXITED else 0,
        exit_code=code,
        reason=reason,
    )


def test_running_pod_golden() -> None:
    obs = Observed((SB,), (ctr("app", ContainerState.RUNNING),))
    inputs = StatusInputs(Facts(T0 + 10), pod_ip="10.88.0.2", host_ip="192.0.2.1")
    scheduled = {
        "type": "PodScheduled",
        "status": "True",
        "lastProbeTime": None,
        "lastTransitionTime": "2024-12-31T23:59:59Z",
    }
    status = pod_status(pod(conditions=[scheduled]), obs, inputs)
    now = "2025-01-01T00:00:10Z"

    def cond(kind: str) -> dict[str, Any]:
        return {"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}

    assert status == {
        "phase": "Running",
        "conditions": [
            cond("PodReadyToStartContainers"),
            cond("Initialized"),
            cond("Ready"),
            cond("ContainersReady"),
            scheduled,
        ],
        "hostIP": "192.0.2.1",
        "hostIPs": [{"ip": "192.0.2.1"}],
        "podIP": "10.88.0.2",
        "podIPs": [{"ip": "10.88.0.2"}],
        "startTime": now,
        "qosClass": "Burstable",
        "containerStatuses": [
            {
                "name": "app",
                "image": "busybox",
                "imageID": "busybox@sha256:ab",
                "containerID": "pacific-container://c1",
                "ready": True,
                "restartCount": 0,
                "started": True,
                "state": {"running": {"startedAt": "2025-01-01T00:00:01Z"}},
                "lastState": {},
            }
        ],
    }
    # Same observation later: nothing to write.
    again = pod_status(
        pod(**status), obs, StatusInputs(Facts(T0 + 99), pod_ip="10.88.0.2", host_ip="192.0.2.1")
    )
    assert not changed(status, again)


def test_pending_without_sandbox_is_container_creating() -> None:
    status = pod_status(pod(), Observed(), StatusInputs(Facts(T0)))
    assert status["phase"] == "Pending"
    [st] = status["containerStatuses"]
    assert st["state"] == {"waiting": {"reason": "ContainerCreating"}}
    conds = {c["type"]: c for c in status["conditions"]}
    assert conds["PodReadyToStartContainers"]["status"] == "False"
    assert conds["Ready"]["reason"] == "ContainersNotReady"
    assert conds["Ready"]["message"] == "containers with unready status: [app]"
    assert "podIP" not in status


def test_crash_loop_backoff_golden() -> None:
    obs = Observed((SB,), (ctr("app", ContainerState.EXITED, attempt=3, code=1),))
    inputs = StatusInputs(
        Facts(T0 + 10, {"app": BackoffEntry(40, T0 + 5)}),
        waits={"app": Wait("app", 35, "CrashLoopBackOff")},
    )
    [st] = pod_status(pod(), obs, inputs)["containerStatuses"]
    assert st["restartCount"] == 3
    assert st["state"] == {
        "waiting": {
            "reason": "CrashLoopBackOff",
            "message": "back-off 40s restarting failed container=app pod=web_ns(u1)",
        }
    }
    assert st["lastState"] == {
        "terminated": {
            "exitCode": 1,
            "reason": "Error",
            "startedAt": "2025-01-01T00:00:01Z",
            "finishedAt": "2025-01-01T00:00:05Z",
            "containerID": "pacific-container://c1",
        }
    }
    assert pod_status(pod(), obs, inputs)["phase"] == "Running"


def test_oom_killed_and_terminal_phases() -> None:
    oom = Observed((SB,), (ctr("app", ContainerState.EXITED, code=137, reason="OOMKilled"),))
    status = pod_status(pod("Never"), oom, StatusInputs(Facts(T0 + 10)))
    assert status["phase"] == "Failed"
    assert status["containerStatuses"][0]["state"]["terminated"]["reason"] == "OOMKilled"
    ready = {c["type"]: c for c in status["conditions"]}["Ready"]
    assert ready["status"] == "False" and ready["reason"] == "PodCompleted"
    done = Observed((SB,), (ctr("app", ContainerState.EXITED, code=0),))
    status = pod_status(pod("OnFailure"), done, StatusInputs(Facts(T0 + 10)))
    assert status["phase"] == "Succeeded"
    assert status["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_init_containers_golden() -> None:
    obs = Observed((SB,), (ctr("setup", ContainerState.RUNNING),))
    status = pod_status(pod(inits=("setup", "migrate")), obs, StatusInputs(Facts(T0)))
    assert status["phase"] == "Pending"
    inits = status["initContainerStatuses"]
    assert [s["name"] for s in inits] == ["setup", "migrate"]
    assert "running" in inits[0]["state"]
    assert inits[1]["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert status["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}
    init = {c["type"]: c for c in status["conditions"]}["Initialized"]
    assert init["reason"] == "ContainersNotInitialized"
    assert init["message"] == "containers with incomplete status: [setup migrate]"


def test_pull_failures_and_probes() -> None:
    failing = StatusInputs(Facts(T0), failures={"app": ("ErrImagePull", "boom")})
    [st] = pod_status(pod(), Observed((SB,)), failing)["containerStatuses"]
    assert st["state"] == {"waiting": {"reason": "ErrImagePull", "message": "boom"}}
    backing = StatusInputs(Facts(T0), waits={"app": Wait("app", 5, "ImagePullBackOff")})
    [st] = pod_status(pod(), Observed((SB,)), backing)["containerStatuses"]
    assert st["state"]["waiting"] == {
        "reason": "ImagePullBackOff",
        "message": 'Back-off pulling image "busybox"',
    }
    running = Observed((SB,), (ctr("app", ContainerState.RUNNING),))
    unready = StatusInputs(Facts(T0), ready={"c1": False})
    status = pod_status(pod(), running, unready)
    assert status["containerStatuses"][0]["ready"] is False
    assert status["phase"] == "Running"
    not_started = StatusInputs(Facts(T0), started={"c1": False})
    [st] = pod_status(pod(), running, not_started)["containerStatuses"]
    assert st["started"] is False and st["ready"] is False


def test_transition_times_are_kept() -> None:
    obs = Observed((SB,), (ctr("app", ContainerState.RUNNING),))
    first = pod_status(pod(), obs, StatusInputs(Facts(T0)))
    later = pod_status(pod(**first), obs, StatusInputs(Facts(T0 + 500)))
    assert later["conditions"] == first["conditions"]
    assert later["startTime"] == first["startTime"]
