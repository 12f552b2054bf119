from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pacific.agent.probes import Counter, Prober, Target, advance, probe_once
from pacific.agent.runtimes.protocol import (
    ContainerConfig,
    ExecResult,
    SandboxConfig,
)
from pacific.testing.clock import FakeClock
from pacific.testing.fakeruntime import FakeRuntime

POD: dict[str, Any] = {"metadata": {"name": "p", "namespace": "ns", "uid": "u"}}


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def event(self, obj: Any, type: str, reason: str, message: str) -> Any:
        self.seen.append((reason, message))
        return None


def test_thresholds() -> None:
    c = Counter()
    c = advance(c, False, 1, 3)
    assert c.result is None
    c = advance(advance(c, False, 1, 3), False, 1, 3)
    assert c.result is False
    c = advance(c, True, 2, 3)
    assert c.result is False
    c = advance(c, True, 2, 3)
    assert c.result is True


@pytest.fixture
async def running() -> AsyncIterator[tuple[FakeRuntime, str]]:
    rt = FakeRuntime()
    sb = await rt.run_sandbox(SandboxConfig("u", "ns", "p", 0, "p", None, Path("/l"), "x"))
    cfg = ContainerConfig("app", 0, "i", "i", (), ("sleep", "9"), (), ())
    cid = await rt.create_container(sb.id, cfg)
    await rt.start_container(cid)
    yield rt, cid


async def test_exec_tcp_http(running: tuple[FakeRuntime, str]) -> None:
    rt, cid = running
    target = Target(
        "ns/p", POD, {"ports": [{"name": "web", "containerPort": 1}]}, cid, "127.0.0.1", rt
    )
    assert await probe_once(target, {"exec": {"command": ["sh", "-c", "exit 0"]}}) == (
        True,
        "command exited with 0",
    )
    ok, out = await probe_once(target, {"exec": {"command": ["sh", "-c", "exit 3"]}})
    assert not ok and "3" in out

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        assert (await probe_once(target, {"tcpSocket": {"port": port}}))[0]
        assert (await probe_once(target, {"httpGet": {"port": port, "path": "/healthz"}}))[0]
    ok, _ = await probe_once(target, {"tcpSocket": {"port": port}})
    assert not ok
    ok, out = await probe_once(target, {"httpGet": {"port": "nope"}})
    assert not ok and "nope" in out


async def test_liveness_gives_up_after_failure_threshold(running: tuple[FakeRuntime, str]) -> None:
    rt, cid = running
    rt.exec_handler = lambda c, argv: ExecResult(1, b"sick")
    clock = FakeClock()
    events = Events()
    changes: list[str] = []
    prober = Prober(clock, events, changes.append)
    spec = {
        "livenessProbe": {
            "exec": {"command": ["check"]},
            "periodSeconds": 5,
            "failureThreshold": 2,
        },
        "readinessProbe": {"exec": {"command": ["check"]}, "periodSeconds": 5},
    }
    task = asyncio.create_task(prober.run())
    try:
        prober.sync("ns/p", {cid: Target("ns/p", POD, spec, cid, "", rt)})
        assert prober.ready[cid] is False
        await clock.settle()
        assert cid not in prober.unhealthy
        await clock.wait_sleepers(2)
        await clock.step(5)
        assert cid in prober.unhealthy
        assert changes
        assert ("Unhealthy", "Liveness probe failed: sick") in events.seen
        prober.forget(cid)
        await clock.settle()
        assert cid not in prober.unhealthy and cid not in prober.ready
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_readiness_flips_true(running: tuple[FakeRuntime, str]) -> None:
    rt, cid = running
    clock = FakeClock()
    prober = Prober(clock, Events(), lambda key: None)
    spec = {
        "readinessProbe": {"exec": {"command": ["true"]}},
        "startupProbe": {"exec": {"command": ["true"]}},
    }
    task = asyncio.create_task(prober.run())
    try:
        prober.sync("ns/p", {cid: Target("ns/p", POD, spec, cid, "", rt)})
        assert prober.started[cid] is False
        await clock.settle()
        assert prober.started[cid] is True
        await clock.step(1)
        assert prober.ready[cid] is True
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
