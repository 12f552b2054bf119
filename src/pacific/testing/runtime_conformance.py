"""One conformance suite for every Runtime (and Streamer): the fake, crun, the VM runtimes.

A runtime's tests supply a harness and run every check in `CHECKS` against it:

    @pytest.mark.parametrize("check", CHECKS, ids=check_id)
    async def test_conformance(check: Check, tmp_path: Path) -> None:
        async with my_harness(tmp_path) as harness:
            await check(harness)

The harness knows how to make configs its runtime can run (image layers, log paths) from
two portable commands: `("sleep", "3600")` runs until stopped, `("sh", "-c", "exit N")`
exits with N. `reopen()` returns a second runtime instance over the same host state, as
after an agent restart. Each check creates what it uses and removes it, so a harness can
check that nothing leaked afterwards.

What every runtime must do (the Runtime protocol's contract):
- sandboxes: run -> READY with the pod's uid/namespace/name/attempt and labels; stop ->
  NOT_READY and stops its containers; stop and remove are idempotent; remove takes the
  sandbox's containers with it;
- containers: create -> CREATED, start -> RUNNING (started_at set), exit -> EXITED with the
  exit code, reason Completed/Error and finished_at >= started_at; stop -> EXITED within
  its timeout; list_containers filters by sandbox; every exit is announced on events();
- restart: a new instance finds every sandbox and running container, same ids, still
  running;
- exec (when the runtime is a Streamer): exit codes and captured stdout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import cast

from pacific.agent.runtimes.protocol import (
    ContainerConfig,
    ContainerState,
    ContainerStatus,
    Runtime,
    SandboxConfig,
    SandboxState,
    Streamer,
)

RUNNING_ARGV = ("sleep", "3600")
WAIT_S = 20.0


def exit_argv(code: int) -> tuple[str, ...]:
    return ("sh", "-c", f"exit {code}")


@dataclass
class RuntimeHarness:
    runtime: Runtime
    sandbox_config: Callable[[str, int], SandboxConfig]  # (pod uid, attempt)
    container_config: Callable[[str, Sequence[str], int], ContainerConfig]  # name, argv, attempt
    reopen: Callable[[], Runtime]

    @property
    def streamer(self) -> Streamer | None:
        runtime = self.runtime
        return cast(Streamer, runtime) if callable(getattr(runtime, "exec", None)) else None


Check = Callable[[RuntimeHarness], Awaitable[None]]


class ConformanceError(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise ConformanceError(message)


async def wait_state(
    runtime: Runtime, container_id: str, state: ContainerState, limit_s: float = WAIT_S
) -> ContainerStatus:
    status = await runtime.container_status(container_id)
    async with asyncio.timeout(limit_s):
        while status.state is not state:
            await asyncio.sleep(0.02)
            status = await runtime.container_status(container_id)
    return status


async def _running(h: RuntimeHarness, uid: str, argv: Sequence[str]) -> tuple[str, str]:
    sb = await h.runtime.run_sandbox(h.sandbox_config(uid, 0))
    cid = await h.runtime.create_container(sb.id, h.container_config("app", argv, 0))
    await h.runtime.start_container(cid)
    return sb.id, cid


async def _cleanup(runtime: Runtime, sandbox_id: str) -> None:
    await runtime.stop_sandbox(sandbox_id, 1)
    await runtime.remove_sandbox(sandbox_id)


async def check_sandbox_lifecycle(h: RuntimeHarness) -> None:
    config = h.sandbox_config("conf-sandbox", 2)
    sb = await h.runtime.run_sandbox(config)
    listed = {s.id: s for s in await h.runtime.list_sandboxes()}
    expect(sb.id in listed, "a new sandbox is listed")
    got = listed[sb.id]
    expect(got.state is SandboxState.READY, f"a new sandbox is READY, not {got.state}")
    expect(
        (got.pod_uid, got.namespace, got.name, got.attempt)
        == (config.pod_uid, config.namespace, config.name, 2),
        f"a sandbox reports its pod: {got}",
    )
    for key, value in config.labels.items():
        expect(got.labels.get(key) == value, f"sandbox label {key} kept")
    await h.runtime.stop_sandbox(sb.id, 1)
    stopped = {s.id: s for s in await h.runtime.list_sandboxes()}[sb.id]
    expect(stopped.state is SandboxState.NOT_READY, "a stopped sandbox is NOT_READY")
    await h.runtime.stop_sandbox(sb.id, 1)
    await h.runtime.remove_sandbox(sb.id)
    await h.runtime.remove_sandbox(sb.id)
    expect(all(s.id != sb.id for s in await h.runtime.list_sandboxes()), "removed is gone")


async def check_container_lifecycle(h: RuntimeHarness) -> None:
    sb = await h.runtime.run_sandbox(h.sandbox_config("conf-container", 0))
    try:
        cid = await h.runtime.create_container(sb.id, h.container_config("app", RUNNING_ARGV, 1))
        created = await h.runtime.container_status(cid)
        expect(created.state is ContainerState.CREATED, f"created, not {created.state}")
        expect((created.name, created.attempt) == ("app", 1), "name and attempt reported")
        expect(created.sandbox_id == sb.id, "the container names its sandbox")
        await h.runtime.start_container(cid)
        running = await wait_state(h.runtime, cid, ContainerState.RUNNING)
        expect(running.started_at > 0, "started_at is set")
        expect(any(c.id == cid for c in await h.runtime.list_containers(sb.id)), "listed")
        other = await h.runtime.list_containers("no-such-sandbox")
        expect(all(c.id != cid for c in other), "list_containers filters by sandbox")
        await h.runtime.stop_container(cid, 2)
        stopped = await wait_state(h.runtime, cid, ContainerState.EXITED)
        expect(stopped.finished_at >= stopped.started_at, "finished after it started")
        await h.runtime.stop_container(cid, 2)
        await h.runtime.remove_container(cid)
        expect(all(c.id != cid for c in await h.runtime.list_containers()), "removed is gone")
    finally:
        await _cleanup(h.runtime, sb.id)


async def check_exit_codes(h: RuntimeHarness) -> None:
    sb = await h.runtime.run_sandbox(h.sandbox_config("conf-exit", 0))
    try:
        for code, reason in ((3, "Error"), (0, "Completed")):
            cid = await h.runtime.create_container(
                sb.id, h.container_config(f"exit{code}", exit_argv(code), 0)
            )
            await h.runtime.start_container(cid)
            done = await wait_state(h.runtime, cid, ContainerState.EXITED)
            expect(done.exit_code == code, f"exit code {code}, got {done.exit_code}")
            expect(done.reason == reason, f"reason {reason}, got {done.reason!r}")
            expect(done.finished_at >= done.started_at > 0, f"exit times are set: {done}")
    finally:
        await _cleanup(h.runtime, sb.id)


async def check_events_announce_exits(h: RuntimeHarness) -> None:
    sb = await h.runtime.run_sandbox(h.sandbox_config("conf-events", 0))
    stream = h.runtime.events()
    try:
        cid = await h.runtime.create_container(sb.id, h.container_config("app", exit_argv(0), 0))
        await h.runtime.start_container(cid)
        async with asyncio.timeout(WAIT_S):
            async for changed in stream:
                if changed == cid and (
                    (await h.runtime.container_status(cid)).state is ContainerState.EXITED
                ):
                    break
    finally:
        if isinstance(stream, AsyncGenerator):
            await stream.aclose()
        await _cleanup(h.runtime, sb.id)


async def check_stop_sandbox_stops_containers(h: RuntimeHarness) -> None:
    sb_id, cid = await _running(h, "conf-stop", RUNNING_ARGV)
    try:
        await wait_state(h.runtime, cid, ContainerState.RUNNING)
        await h.runtime.stop_sandbox(sb_id, 2)
        await wait_state(h.runtime, cid, ContainerState.EXITED)
        await h.runtime.remove_sandbox(sb_id)
        expect(all(c.id != cid for c in await h.runtime.list_containers()), "removed with it")
    finally:
        await _cleanup(h.runtime, sb_id)


async def check_restart_adopts(h: RuntimeHarness) -> None:
    sb_id, cid = await _running(h, "conf-adopt", RUNNING_ARGV)
    try:
        await wait_state(h.runtime, cid, ContainerState.RUNNING)
        again = h.reopen()
        expect(any(s.id == sb_id for s in await again.list_sandboxes()), "sandbox found again")
        found = {c.id: c for c in await again.list_containers(sb_id)}
        expect(cid in found, "container found again")
        expect(found[cid].state is ContainerState.RUNNING, "and still running")
        expect((found[cid].name, found[cid].attempt) == ("app", 0), "with its name and attempt")
    finally:
        await _cleanup(h.runtime, sb_id)


async def check_exec(h: RuntimeHarness) -> None:
    streamer = h.streamer
    if streamer is None:
        return
    sb_id, cid = await _running(h, "conf-exec", RUNNING_ARGV)
    try:
        await wait_state(h.runtime, cid, ContainerState.RUNNING)
        res = await streamer.exec(cid, exit_argv(4), tty=False, streams=None, timeout_s=10)
        expect(res.exit_code == 4, f"exec exit code 4, got {res.exit_code}")
        res = await streamer.exec(cid, ("echo", "hi"), tty=False, streams=None, timeout_s=10)
        expect((res.exit_code, res.stdout) == (0, b"hi\n"), f"exec output: {res}")
    finally:
        await _cleanup(h.runtime, sb_id)


CHECKS: tuple[Check, ...] = (
    check_sandbox_lifecycle,
    check_container_lifecycle,
    check_exit_codes,
    check_events_announce_exits,
    check_stop_sandbox_stops_containers,
    check_restart_adopts,
    check_exec,
)


def check_id(check: Check) -> str:
    return getattr(check, "__name__", "check").removeprefix("check_")
