"""start_microvm against a fake QEMU: ready line, timing, failures, nothing left running."""

import asyncio
import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pacific.agent.runtimes.microvm.boot import start_microvm
from pacific.agent.runtimes.microvm.errors import BootError
from pacific.agent.runtimes.microvm.qemu_argv import MicroVMSpec

FAKE = Path(__file__).parent / "fake_qemu.py"


@pytest.fixture
def spec(tmp_path: Path) -> MicroVMSpec:
    qemu = tmp_path / "qemu"
    qemu.write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE} "$@"\n')
    qemu.chmod(0o755)
    return MicroVMSpec(
        name="t",
        kernel=tmp_path / "vmlinux",
        initramfs=tmp_path / "initramfs.cpio",
        console_socket=tmp_path / "console.sock",
        agent_socket=tmp_path / "agent.sock",
        qmp_socket=tmp_path / "qmp.sock",
        qemu=str(qemu),
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def sockets_gone(spec: MicroVMSpec) -> bool:
    return not any(p.exists() for p in (spec.console_socket, spec.agent_socket, spec.qmp_socket))


async def test_boots_to_ready_and_quits(spec: MicroVMSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_QEMU_MODE", "ready")
    async with start_microvm(spec, ready_timeout=10) as vm:
        assert vm.ready_seconds > 0
        assert alive(vm.pid)
        pid = vm.pid
    assert "Linux version" in vm.console
    assert not alive(pid)
    assert sockets_gone(spec)


async def test_qemu_exiting_is_a_boot_error(
    spec: MicroVMSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QEMU_MODE", "exit")
    with pytest.raises(BootError, match="MSR 0x10a"):
        async with start_microvm(spec, ready_timeout=10):
            pytest.fail("booted")
    assert sockets_gone(spec)


async def test_qemu_dying_during_boot_is_a_boot_error(
    spec: MicroVMSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QEMU_MODE", "crash")
    with pytest.raises(BootError, match="status 134"):
        async with start_microvm(spec, ready_timeout=10):
            pytest.fail("booted")
    assert sockets_gone(spec)


async def test_silent_guest_times_out_and_is_stopped(
    spec: MicroVMSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QEMU_MODE", "silent")
    with pytest.raises(BootError, match="not ready after 3s") as info:
        async with start_microvm(spec, ready_timeout=3):
            pytest.fail("booted")
    assert "Linux version" in str(info.value)  # the console tail helps diagnose
    assert sockets_gone(spec)


async def test_qemu_ignoring_quit_is_killed(
    spec: MicroVMSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QEMU_MODE", "stubborn")
    async with start_microvm(spec, ready_timeout=10, stop_timeout=0.3) as vm:
        pid = vm.pid
    assert not alive(pid)
    assert sockets_gone(spec)


async def test_missing_qemu_is_a_boot_error(spec: MicroVMSpec, tmp_path: Path) -> None:
    with pytest.raises(BootError, match="cannot start"):
        async with start_microvm(replace(spec, qemu=str(tmp_path / "nope"))):
            pytest.fail("booted")


async def test_cancelled_while_running_leaves_nothing(
    spec: MicroVMSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QEMU_MODE", "stubborn")
    pids: list[int] = []
    up = asyncio.Event()

    async def run_forever() -> None:
        async with start_microvm(spec, ready_timeout=10, stop_timeout=30) as vm:
            pids.append(vm.pid)
            up.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(run_forever())
    await up.wait()
    await asyncio.sleep(0.1)
    task.cancel()  # lands in the body, then again during the 30 s QMP grace period
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(pids[0])
    assert sockets_gone(spec)
