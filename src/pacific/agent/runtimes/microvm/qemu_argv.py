"""QEMU's command line for a Pacific microVM: a pure function of a frozen spec.

Model: `MicroVMSpec` says what the VM is (kernel, initramfs, vCPUs, memory, accelerator,
control sockets); `microvm_argv()` turns it into the argv of `qemu-system-x86_64`, and
`kernel_cmdline()` into the guest kernel's command line. Nothing here touches the host, so
the command line is checked by golden tests for both accelerators.

Choices, and why (measured on the hosts Pacific targets, see notes/host.md):
- `-M microvm` with direct kernel boot of the uncompressed vmlinux: QEMU enters it through
  its PVH note, so there is no firmware decompression step (about 3 s under emulation).
- `acpi=off`: the guest kernel has no ACPI; QEMU names each virtio-mmio device on the
  kernel command line (`auto-kernel-cmdline`, on by default) and the MP table gives the
  IOAPIC. The legacy PIC, PIT and RTC stay on: the kernel calibrates its timers with them.
- `-nodefaults -no-user-config -display none`: nothing but the devices listed here.
- Accelerator: `kvm` with `-cpu host`, or `tcg,tb-size=N` (the translated-code buffer is
  otherwise ~24 MiB per VM of host memory; 16 MiB costs nothing measurable at boot).
- Console on the ISA serial port, carried by a unix socket QEMU listens on (`wait=off`: the
  VM never waits for a reader), so an agent that restarts can reconnect.
- Agent channel: one `virtserialport` named after `AGENT_PORT_NAME` on a
  `virtio-serial-device`, also a listening unix socket. vhost-vsock is absent on some hosts.
- QMP on a third listening unix socket, for quit and power operations.
- `-no-reboot` plus `panic=-1`: a guest that panics or reboots makes QEMU exit, so a dead
  guest is seen as a dead process rather than a silent loop.
- Kernel command line: `tsc_early_khz` from the host, because a microvm has no HPET or PM
  timer and under emulation the guest otherwise sometimes hangs calibrating the TSC; and
  `lapic_timer_period` for the same reason on the local APIC timer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from pacific.agent.runtimes.microvm.initramfs import AGENT_PORT_NAME
from pacific.agent.runtimes.microvm.kernelconfig import GUEST_HZ

__all__ = ["QEMU_BINARY", "Accel", "MicroVMSpec", "kernel_cmdline", "microvm_argv"]

QEMU_BINARY = "qemu-system-x86_64"

_BASE_CMDLINE = (
    "console=ttyS0",
    "quiet",
    "panic=-1",
    "8250.nr_uarts=1",
    "cryptomgr.notests",
    "mitigations=off",
    "no_timer_check",
    "tsc=reliable",
    # QEMU's and KVM's emulated local APIC timer counts at 1 GHz. Giving the guest its
    # period per tick skips the calibration, which on a busy host fails its own check and
    # leaves the guest on the legacy PIT (boot time is the same either way when idle).
    f"lapic_timer_period={1_000_000_000 // GUEST_HZ}",
)


class Accel(enum.StrEnum):
    """How QEMU runs guest code: hardware virtualisation or software emulation."""

    KVM = "kvm"
    TCG = "tcg"


@dataclass(frozen=True)
class MicroVMSpec:
    """One microVM. Paths are host paths; sockets are created by QEMU (it listens)."""

    name: str
    kernel: Path
    initramfs: Path
    console_socket: Path
    agent_socket: Path
    qmp_socket: Path
    accel: Accel = Accel.TCG
    vcpus: int = 1
    memory_mib: int = 128
    tb_size_mib: int = 16
    tsc_khz: int | None = None
    extra_cmdline: tuple[str, ...] = ()
    qemu: str = QEMU_BINARY

    def __post_init__(self) -> None:
        if not self.name or not all(c.isalnum() or c in "-_." for c in self.name):
            raise ValueError(f"microVM name {self.name!r} must be [A-Za-z0-9._-]+")
        if self.vcpus < 1:
            raise ValueError(f"microVM needs at least one vCPU, not {self.vcpus}")
        if self.memory_mib < 16:
            raise ValueError(f"microVM needs at least 16 MiB of memory, not {self.memory_mib}")
        if self.tb_size_mib < 1:
            raise ValueError(f"TCG translation buffer must be >= 1 MiB, not {self.tb_size_mib}")
        if self.tsc_khz is not None and self.tsc_khz <= 0:
            raise ValueError(f"TSC frequency must be positive, not {self.tsc_khz} kHz")
        for arg in self.extra_cmdline:
            if not arg or any(c.isspace() for c in arg):
                raise ValueError(f"kernel argument {arg!r} is empty or has whitespace")


def kernel_cmdline(spec: MicroVMSpec) -> str:
    """The guest kernel's command line (QEMU appends the virtio-mmio device list)."""
    args = list(_BASE_CMDLINE)
    if spec.tsc_khz is not None:
        args.append(f"tsc_early_khz={spec.tsc_khz}")
    args.extend(spec.extra_cmdline)
    return " ".join(args)


def _socket(chardev_id: str, path: Path) -> str:
    text = str(path)
    if "," in text:
        raise ValueError(f"socket path {text!r} has a comma, which QEMU's options cannot carry")
    return f"socket,id={chardev_id},path={text},server=on,wait=off"


def _accel_args(spec: MicroVMSpec) -> list[str]:
    if spec.accel is Accel.KVM:
        return ["-accel", "kvm", "-cpu", "host"]
    return ["-accel", f"tcg,tb-size={spec.tb_size_mib}"]


def microvm_argv(spec: MicroVMSpec) -> list[str]:
    """The full argv (program first) that boots `spec`."""
    for path in (spec.kernel, spec.initramfs):
        if "," in str(path):
            raise ValueError(f"path {str(path)!r} has a comma, which QEMU's options cannot carry")
    return [
        spec.qemu,
        "-name",
        f"pacific-{spec.name}",
        "-M",
        "microvm,acpi=off",
        *_accel_args(spec),
        "-smp",
        str(spec.vcpus),
        "-m",
        f"{spec.memory_mib}M",
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-no-reboot",
        "-kernel",
        str(spec.kernel),
        "-initrd",
        str(spec.initramfs),
        "-append",
        kernel_cmdline(spec),
        "-chardev",
        _socket("console", spec.console_socket),
        "-serial",
        "chardev:console",
        "-device",
        "virtio-serial-device,id=vser0,max_ports=2",
        "-chardev",
        _socket("agent", spec.agent_socket),
        "-device",
        f"virtserialport,bus=vser0.0,chardev=agent,name={AGENT_PORT_NAME}",
        "-device",
        "virtio-rng-device",
        "-chardev",
        _socket("qmp", spec.qmp_socket),
        "-mon",
        "chardev=qmp,mode=control",
    ]
