"""Boot Pacific's own guest under QEMU `-M microvm` (PVH direct boot) and take it down.

Uses the guest cache (PACIFIC_GUEST_CACHE, default /var/cache/pacific/guest). When the
kernel for the current inputs is already cached these are ordinary tests (a boot takes about
a second under software emulation); when it is not, they build it first (minutes) and are
marked `slow`. Nothing may be left running: the QEMU process is gone and its sockets removed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from pacific.agent.runtimes.microvm.accel import probe_accelerator, tsc_khz
from pacific.agent.runtimes.microvm.boot import start_microvm
from pacific.agent.runtimes.microvm.errors import GuestBuildError
from pacific.agent.runtimes.microvm.guest import (
    GuestArtifacts,
    GuestConfig,
    build_guest,
    kernel_entry,
)
from pacific.agent.runtimes.microvm.initramfs import READY_LINE
from pacific.agent.runtimes.microvm.qemu_argv import QEMU_BINARY, Accel, MicroVMSpec

CONFIG = GuestConfig(
    cache_dir=Path(os.environ.get("PACIFIC_GUEST_CACHE", "/var/cache/pacific/guest"))
)


def _kernel_cached() -> bool:
    try:
        return kernel_entry(CONFIG)[0].is_file()
    except GuestBuildError:
        return False


pytestmark = [
    pytest.mark.skipif(
        shutil.which(QEMU_BINARY) is None, reason="qemu-system-x86 is not installed"
    ),
    pytest.mark.skipif(
        not CONFIG.kernel_source.exists() or not CONFIG.busybox.exists(),
        reason="linux-source-6.1 or busybox-static is not installed (scripts/install.sh)",
    ),
    *([] if _kernel_cached() else [pytest.mark.slow, pytest.mark.timeout(3600)]),
]


@pytest.fixture(scope="module")
def artifacts() -> GuestArtifacts:
    return asyncio.run(build_guest(CONFIG))


def _spec(artifacts: GuestArtifacts, run: Path, name: str = "smoke") -> MicroVMSpec:
    return MicroVMSpec(
        name=name,
        kernel=artifacts.kernel,
        initramfs=artifacts.initramfs,
        console_socket=run / "console.sock",
        agent_socket=run / "agent.sock",
        qmp_socket=run / "qmp.sock",
        accel=Accel.TCG,
        memory_mib=128,
        tb_size_mib=16,
        tsc_khz=tsc_khz(),
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


async def test_boots_to_ready_under_tcg(artifacts: GuestArtifacts, tmp_path: Path) -> None:
    spec = _spec(artifacts, tmp_path)
    async with start_microvm(spec, ready_timeout=60) as vm:
        pid = vm.pid
        assert _alive(pid)
        rss = _rss_kib(pid)
    print(f"\nmicrovm boot-to-ready {vm.ready_seconds:.3f}s, RSS {rss / 1024:.1f} MiB")
    assert f"{READY_LINE} agent=/dev/vport" in vm.console
    assert vm.ready_seconds < 30
    assert not _alive(pid)
    assert not any(p.exists() for p in (spec.console_socket, spec.agent_socket, spec.qmp_socket))


async def test_two_microvms_at_once(artifacts: GuestArtifacts, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with (
        start_microvm(_spec(artifacts, tmp_path / "a", "a"), ready_timeout=90) as a,
        start_microvm(_spec(artifacts, tmp_path / "b", "b"), ready_timeout=90) as b,
    ):
        assert a.pid != b.pid
    assert not _alive(a.pid) and not _alive(b.pid)


async def test_probe_gives_a_working_accelerator(artifacts: GuestArtifacts, tmp_path: Path) -> None:
    probe = await probe_accelerator(artifacts, cache_file=tmp_path / "accel.json", timeout=30)
    assert probe.accel in (Accel.KVM, Accel.TCG) and probe.reason
    spec = _spec(artifacts, tmp_path)
    async with start_microvm(replace(spec, accel=probe.accel), ready_timeout=60) as vm:
        assert vm.ready_seconds > 0
