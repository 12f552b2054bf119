"""The KVM-or-TCG probe: host TSC parsing, no device, cached answers, a failing KVM boot."""

import json
import sys
from pathlib import Path

import pytest

from pacific.agent.runtimes.microvm.accel import parse_cpu_khz, probe_accelerator
from pacific.agent.runtimes.microvm.guest import GuestArtifacts
from pacific.agent.runtimes.microvm.qemu_argv import Accel

FAKE = Path(__file__).parent / "fake_qemu.py"

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu MHz\t\t: 2994.374
processor\t: 1
cpu MHz\t\t: 2800.000
"""


def test_parse_cpu_khz() -> None:
    assert parse_cpu_khz(CPUINFO) == 2994374
    assert parse_cpu_khz("processor: 0\n") is None
    assert parse_cpu_khz("cpu MHz : n/a\n") is None


@pytest.fixture
def artifacts(tmp_path: Path) -> GuestArtifacts:
    return GuestArtifacts(
        kernel=tmp_path / "vmlinux",
        initramfs=tmp_path / "initramfs.cpio",
        kernel_key="k" * 64,
        initramfs_key="i" * 64,
        cache_dir=tmp_path,
    )


@pytest.fixture
def qemu(tmp_path: Path) -> str:
    path = tmp_path / "qemu"
    path.write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE} "$@"\n')
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def kvm(tmp_path: Path) -> Path:
    dev = tmp_path / "kvm"
    dev.write_bytes(b"")
    return dev


async def test_no_kvm_device_means_tcg(artifacts: GuestArtifacts, tmp_path: Path) -> None:
    probe = await probe_accelerator(artifacts, kvm_device=tmp_path / "missing", qemu="false")
    assert probe.accel is Accel.TCG
    assert "missing" in probe.reason
    assert not (tmp_path / "accel.json").exists()


async def test_kvm_that_boots_is_used_and_cached(
    artifacts: GuestArtifacts, qemu: str, kvm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QEMU_MODE", "ready")
    probe = await probe_accelerator(artifacts, kvm_device=kvm, qemu=qemu)
    assert probe.accel is Accel.KVM and not probe.cached
    record = json.loads((artifacts.cache_dir / "accel.json").read_text())
    assert record["accel"] == "kvm"
    assert record["inputs"]["kernel"] == artifacts.kernel_key
    # The answer is reused without booting: a QEMU that would now fail is never run.
    monkeypatch.setenv("FAKE_QEMU_MODE", "exit")
    again = await probe_accelerator(artifacts, kvm_device=kvm, qemu=qemu)
    assert again.accel is Accel.KVM and again.cached


async def test_kvm_that_fails_falls_back_to_tcg(
    artifacts: GuestArtifacts, qemu: str, kvm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QEMU_MODE", "exit")
    probe = await probe_accelerator(artifacts, kvm_device=kvm, qemu=qemu)
    assert probe.accel is Accel.TCG
    assert "MSR 0x10a" in probe.reason


async def test_cache_is_keyed_by_guest(
    artifacts: GuestArtifacts, qemu: str, kvm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QEMU_MODE", "exit")
    await probe_accelerator(artifacts, kvm_device=kvm, qemu=qemu)
    monkeypatch.setenv("FAKE_QEMU_MODE", "ready")
    other = GuestArtifacts(
        artifacts.kernel, artifacts.initramfs, "n" * 64, "i" * 64, artifacts.cache_dir
    )
    probe = await probe_accelerator(other, kvm_device=kvm, qemu=qemu)
    assert probe.accel is Accel.KVM and not probe.cached


async def test_corrupt_cache_is_ignored(
    artifacts: GuestArtifacts, qemu: str, kvm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (artifacts.cache_dir / "accel.json").write_text("{not json")
    monkeypatch.setenv("FAKE_QEMU_MODE", "ready")
    probe = await probe_accelerator(artifacts, kvm_device=kvm, qemu=qemu)
    assert probe.accel is Accel.KVM and not probe.cached
