"""Which accelerator microVMs use on this host: KVM if it can really run a guest, else TCG.

Model: `/dev/kvm` existing is not enough. On some hosts (nested ones, PVM-backed clouds) the
device opens and `KVM_CREATE_VM` succeeds, yet an ordinary guest kernel aborts or crawls.
So `probe_accelerator()` boots Pacific's own guest once with `-accel kvm` and decides by
whether it reaches its ready line within the timeout. The answer is written to a small JSON
file together with what it depends on (guest kernel and image keys, host kernel release,
QEMU binary); a later probe with the same inputs reads the file instead of booting.

Also here: `tsc_khz()`, the host TSC frequency the guest's `tsc_early_khz=` is set from
(under TCG the guest TSC counts at the host's rate).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pacific.agent.runtimes.microvm.boot import start_microvm
from pacific.agent.runtimes.microvm.errors import BootError
from pacific.agent.runtimes.microvm.guest import GuestArtifacts
from pacific.agent.runtimes.microvm.qemu_argv import QEMU_BINARY, Accel, MicroVMSpec

log = logging.getLogger(__name__)

__all__ = ["AccelProbe", "parse_cpu_khz", "probe_accelerator", "tsc_khz"]


@dataclass(frozen=True)
class AccelProbe:
    """The probe's answer: the accelerator to use and why (for logs, labels and Events)."""

    accel: Accel
    reason: str
    cached: bool = False


def parse_cpu_khz(cpuinfo: str) -> int | None:
    """The first `cpu MHz` of /proc/cpuinfo, in kHz (None when the file has none)."""
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "cpu MHz":
            try:
                return round(float(value) * 1000)
            except ValueError:
                return None
    return None


def tsc_khz(cpuinfo: Path = Path("/proc/cpuinfo")) -> int | None:
    """The host's TSC frequency in kHz, or None if it cannot be read."""
    try:
        return parse_cpu_khz(cpuinfo.read_text())
    except OSError:
        return None


def _inputs(artifacts: GuestArtifacts, qemu: str) -> dict[str, str]:
    return {
        "kernel": artifacts.kernel_key,
        "initramfs": artifacts.initramfs_key,
        "host_kernel": os.uname().release,
        "qemu": qemu,
    }


def _read_cached(path: Path, inputs: dict[str, str]) -> AccelProbe | None:
    try:
        data: Any = json.loads(path.read_text())
        if data.get("inputs") != inputs:
            return None
        return AccelProbe(Accel(data["accel"]), str(data["reason"]), cached=True)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_cached(path: Path, inputs: dict[str, str], probe: AccelProbe) -> None:
    record = {**asdict(probe), "inputs": inputs}
    del record["cached"]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".accel-")
    with os.fdopen(fd, "w") as f:
        json.dump(record, f)
    os.replace(tmp, path)


async def _boots_with_kvm(
    artifacts: GuestArtifacts, qemu: str, boot_timeout: float
) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="pacific-kvm-probe-") as tmp:
        run = Path(tmp)
        spec = MicroVMSpec(
            name="kvm-probe",
            kernel=artifacts.kernel,
            initramfs=artifacts.initramfs,
            console_socket=run / "console.sock",
            agent_socket=run / "agent.sock",
            qmp_socket=run / "qmp.sock",
            accel=Accel.KVM,
            tsc_khz=tsc_khz(),
            qemu=qemu,
        )
        try:
            async with start_microvm(spec, ready_timeout=boot_timeout) as vm:
                return True, f"a KVM guest booted in {vm.ready_seconds:.2f}s"
        except BootError as exc:
            return False, f"a KVM guest did not boot: {str(exc)[:300]}"


async def probe_accelerator(
    artifacts: GuestArtifacts,
    *,
    cache_file: Path | None = None,
    kvm_device: Path = Path("/dev/kvm"),
    qemu: str = QEMU_BINARY,
    timeout: float = 20.0,  # noqa: ASYNC109 - bounds the probe VM's boot, passed down
) -> AccelProbe:
    """Decide KVM or TCG for this host (see the module docstring).

    `cache_file` defaults to `accel.json` next to the guest kernel's cache entry.
    """
    path = cache_file if cache_file is not None else artifacts.cache_dir / "accel.json"
    inputs = _inputs(artifacts, qemu)
    if not os.access(kvm_device, os.R_OK | os.W_OK):
        probe = AccelProbe(Accel.TCG, f"{kvm_device} is missing or not accessible")
    elif (cached := _read_cached(path, inputs)) is not None:
        return cached
    else:
        ok, why = await _boots_with_kvm(artifacts, qemu, timeout)
        probe = AccelProbe(Accel.KVM if ok else Accel.TCG, why)
        _write_cached(path, inputs, probe)
    log.info("microvm accelerator: %s (%s)", probe.accel, probe.reason)
    return probe
