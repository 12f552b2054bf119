"""Golden tests for the agent's pure plan."""

from __future__ import annotations

from typing import Any

from pacific.agent.backoff import BackoffEntry
from pacific.agent.plan import (
    CreateSandbox,
    Facts,
    Finalize,
    KillContainer,
    KillPod,
    Observed,
    RemoveContainer,
    StartContainer,
    Wait,
    plan,
    pull_key,
    terminal_phase,
)
from pacific.agent.runtimes.protocol import (
    ContainerState,
    ContainerStatus,
    SandboxState,
    SandboxStatus,
)

NOW = 1000.0


def pod(
    restart: str = "Always",
    inits: tuple[str, ...] = (),
    apps: tuple[str, ...] = ("app",),
    **meta: Any,
) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": "ns", "uid": "u1", **meta},
        "spec": {
            "restartPolicy": restart,
            "initContainers": [{"name": n, "image": "i"} for n in inits],
            "containers": [{"name": n, "image": "i"} for n in apps],
        },
    }


SB = SandboxStatus("sb1", "u1", "ns", "p", 0, SandboxState.READY, 1.0)
DEAD = SandboxStatus("sb0", "u1", "ns", "p", 0, SandboxState.NOT_READY, 0.5)


def ctr(
    name: str,
    state: ContainerState,
    attempt: int = 0,
    code: int = 0,
    finished: float = 0.0,
    cid: str = "",
) -> ContainerStatus:
    return ContainerStatus(
        cid or f"{name}-{attempt}",
        "sb1",
        name,
        attempt,
        state,
        "i",
        "sha256:x",
        1.0 + attempt,
        started_at=2.0,
        finished_at=finished,
        exit_code=code,
    )


RUNNING, EXITED, CREATED = ContainerState.RUNNING, ContainerState.EXITED, ContainerState.CREATED


def test_new_pod_gets_a_sandbox_first() -> None:
    assert plan(pod(), Observed(), Facts(NOW)) == (CreateSandbox(0),)


def test_dead_sandbox_is_replaced() -> None:
    obs = Observed((DEAD,), (ctr("app", EXITED, code=137, finished=5),))
    assert plan(pod(), obs, Facts(NOW)) == (KillPod(remove=True), CreateSandbox(1))


def test_containers_start_in_a_ready_sandbox() -> None:
    assert plan(pod(apps=("a", "b")), Observed((SB,)), Facts(NOW)) == (
        StartContainer("a", False, 0),
        StartContainer("b", False, 0),
    )


def test_running_container_needs_nothing() -> None:
    assert plan(pod(), Observed((SB,), (ctr("app", RUNNING),)), Facts(NOW)) == ()


def test_init_containers_one_at_a_time() -> None:
    p = pod(inits=("i1", "i2"))
    assert plan(p, Observed((SB,)), Facts(NOW)) == (StartContainer("i1", True, 0),)
    running = Observed((SB,), (ctr("i1", RUNNING),))
    assert plan(p, running, Facts(NOW)) == ()
    done = Observed((SB,), (ctr("i1", EXITED, finished=3),))
    assert plan(p, done, Facts(NOW)) == (StartContainer("i2", True, 0),)
    both = Observed((SB,), (ctr("i1", EXITED, finished=3), ctr("i2", EXITED, finished=4)))
    assert plan(p, both, Facts(NOW)) == (StartContainer("app", False, 0),)


def test_failed_init_restarts_after_backoff_or_fails_the_pod() -> None:
    p = pod(inits=("i1",))
    failed = Observed((SB,), (ctr("i1", EXITED, code=1, finished=NOW - 1),))
    assert plan(p, failed, Facts(NOW)) == (StartContainer("i1", True, 1),)
    backoff = {"i1": BackoffEntry(10, NOW - 1)}
    assert plan(p, failed, Facts(NOW, backoff)) == (Wait("i1", 9.0, "CrashLoopBackOff"),)
    never = pod("Never", inits=("i1",))
    assert plan(never, failed, Facts(NOW)) == (KillPod(remove=False),)


def test_restart_policies() -> None:
    ok = Observed((SB,), (ctr("app", EXITED, code=0, finished=NOW - 100),))
    bad = Observed((SB,), (ctr("app", EXITED, code=2, finished=NOW - 100),))
    assert plan(pod("Always"), ok, Facts(NOW)) == (StartContainer("app", False, 1),)
    assert plan(pod("OnFailure"), ok, Facts(NOW)) == (KillPod(remove=False),)
    assert plan(pod("OnFailure"), bad, Facts(NOW)) == (StartContainer("app", False, 1),)
    assert plan(pod("Never"), bad, Facts(NOW)) == (KillPod(remove=False),)


def test_terminal_pod_keeps_its_stopped_sandbox() -> None:
    stopped = SandboxStatus("sb1", "u1", "ns", "p", 0, SandboxState.NOT_READY, 1.0)
    obs = Observed((stopped,), (ctr("app", EXITED, code=0, finished=3),))
    assert plan(pod("Never"), obs, Facts(NOW)) == ()
    assert terminal_phase(pod("Never"), {"app": obs.containers[0]}) == "Succeeded"


def test_crash_loop_waits_out_the_backoff() -> None:
    obs = Observed((SB,), (ctr("app", EXITED, attempt=2, code=1, finished=NOW - 5),))
    facts = Facts(NOW, {"app": BackoffEntry(20, NOW - 5)})
    assert plan(pod(), obs, facts) == (Wait("app", 15.0, "CrashLoopBackOff"),)


def test_failed_pull_backs_off() -> None:
    facts = Facts(NOW, {pull_key("app"): BackoffEntry(10, NOW - 2)}, {"app": NOW - 2})
    assert plan(pod(), Observed((SB,)), facts) == (Wait("app", 8.0, "ImagePullBackOff"),)
    later = Facts(NOW + 9, facts.backoff, facts.pull_failed_at)
    assert plan(pod(), Observed((SB,)), later) == (StartContainer("app", False, 0),)


def test_unhealthy_is_killed_and_unknown_containers_too() -> None:
    obs = Observed((SB,), (ctr("app", RUNNING, cid="c1"), ctr("old", RUNNING, cid="c2")))
    facts = Facts(NOW, unhealthy=frozenset({"c1"}))
    assert plan(pod(), obs, facts) == (
        KillContainer("c2", "old", "unknown"),
        KillContainer("c1", "app", "unhealthy"),
    )


def test_only_the_newest_exited_instance_is_kept() -> None:
    obs = Observed(
        (SB,),
        (
            ctr("app", EXITED, 0, 1, finished=1),
            ctr("app", EXITED, 1, 1, finished=2),
            ctr("app", RUNNING, 2),
        ),
    )
    assert plan(pod(), obs, Facts(NOW)) == (RemoveContainer("app-0"),)


def test_created_but_never_started_is_recreated() -> None:
    obs = Observed((SB,), (ctr("app", CREATED, 1),))
    assert plan(pod(), obs, Facts(NOW)) == (
        RemoveContainer("app-1"),
        StartContainer("app", False, 1),
    )


def test_deletion_kills_then_finalizes() -> None:
    deleting = pod(deletionTimestamp="2025-01-01T00:00:00Z")
    assert plan(deleting, Observed((SB,), (ctr("app", RUNNING),)), Facts(NOW)) == (
        KillPod(remove=True),
    )
    assert plan(deleting, Observed(), Facts(NOW)) == (Finalize(),)
