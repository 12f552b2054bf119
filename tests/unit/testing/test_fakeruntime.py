"""FakeRuntime passes the runtime conformance suite, and its test controls work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from pacific.agent.runtimes.protocol import (
    ContainerConfig,
    ContainerState,
    RuntimeFailure,
    SandboxConfig,
)
from pacific.testing.fakeruntime import CreateFailure, FakeRuntime
from pacific.testing.runtime_conformance import CHECKS, Check, RuntimeHarness, check_id


@asynccontextmanager
async def fake_harness(tmp_path: Path) -> AsyncIterator[RuntimeHarness]:
    runtime = FakeRuntime()

    def sandbox(uid: str, attempt: int) -> SandboxConfig:
        return SandboxConfig(
            uid, "ns", f"pod-{uid}", attempt, "h", None, tmp_path, "x", labels={"k": "v"}
        )

    def container(name: str, argv: Sequence[str], attempt: int) -> ContainerConfig:
        return ContainerConfig(name, attempt, "img", "sha256:i", (), tuple(argv), (), ())

    yield RuntimeHarness(runtime, sandbox, container, lambda: FakeRuntime(host=runtime.host))
    assert runtime.host.sandboxes == {} and runtime.host.containers == {}


@pytest.mark.parametrize("check", CHECKS, ids=check_id)
async def test_conformance(check: Check, tmp_path: Path) -> None:
    async with fake_harness(tmp_path) as harness:
        await check(harness)


async def test_controls(tmp_path: Path) -> None:
    rt = FakeRuntime()
    sb = await rt.run_sandbox(SandboxConfig("u", "ns", "p", 0, "h", None, tmp_path, "x"))
    cfg = ContainerConfig("app", 0, "img", "i", (), ("sleep", "1"), (), ())
    rt.behave("app", exit_code=137, reason="OOMKilled")
    cid = await rt.create_container(sb.id, cfg)
    await rt.start_container(cid)
    oom = await rt.container_status(cid)
    assert (oom.state, oom.exit_code, oom.reason) == (ContainerState.EXITED, 137, "OOMKilled")
    rt.behave("app", ignore_sigterm=True)
    cid = await rt.create_container(sb.id, cfg)
    await rt.start_container(cid)
    await rt.stop_container(cid, 7)
    assert (await rt.container_status(cid)).exit_code == 137
    assert rt.stops == [(cid, 7)]
    rt.behave("app", fail_create="no such file")
    with pytest.raises(CreateFailure):
        await rt.create_container(sb.id, cfg)
    rt.behave("app")
    cid = await rt.create_container(sb.id, cfg)
    await rt.start_container(cid)
    rt.exit(cid, 2)
    assert (await rt.container_status(cid)).reason == "Error"
    with pytest.raises(RuntimeFailure):
        await rt.port_forward(sb.id, 80)
