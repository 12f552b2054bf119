"""The guest kernel's configuration: a fragment merged onto the kernel's own `tinyconfig`.

Model: `tinyconfig` is the smallest kernel the tree can build (no block layer, no network,
no TTY, EXPERT on so even futexes and epoll are off). `FRAGMENT` lists, as data, every
option Pacific turns on top of it, each with the reason it is there, grouped by what the
guest needs it for. `render_fragment()` turns it into the text Kconfig's
`scripts/kconfig/merge_config.sh` reads, and `missing_options()` checks the final `.config`
afterwards: Kconfig silently drops an option whose dependencies are not met, so every option
the fragment asks for must come out exactly as asked, or the build fails loudly.

Invariants: everything is built in (`y`), never as a module, so the guest needs no module
loading and its initramfs holds no kernel files; the fragment is the only input besides the
kernel source that decides the kernel, so its rendered text is part of the build's content
hash (change a line here and the next `build_guest()` rebuilds the kernel).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["FRAGMENT", "GUEST_HZ", "Option", "missing_options", "parse_config", "render_fragment"]


@dataclass(frozen=True)
class Option:
    """One Kconfig symbol (without the `CONFIG_` prefix), its value, and why it is set."""

    name: str
    value: str
    why: str

    def line(self) -> str:
        if self.value == "n":
            return f"# CONFIG_{self.name} is not set"
        return f"CONFIG_{self.name}={self.value}"


GUEST_HZ = 100
"""The guest's timer tick rate (`CONFIG_HZ`); the QEMU command line derives from it too."""


def _on(why: str, *names: str) -> tuple[Option, ...]:
    return tuple(Option(name, "y", why) for name in names)


FRAGMENT: tuple[Option, ...] = (
    *_on("64-bit guest", "64BIT"),
    *_on(
        "direct kernel boot: QEMU jumps to the uncompressed vmlinux's PVH entry, no firmware"
        " decompression step (about 3 s saved under emulation)",
        "HYPERVISOR_GUEST",
        "PVH",
    ),
    *_on(
        "an idle guest costs the host almost nothing: no periodic tick while idle (under"
        " emulation every timer interrupt is host CPU), and a slow tick when busy",
        "NO_HZ_IDLE",
        "HIGH_RES_TIMERS",
        f"HZ_{GUEST_HZ}",
    ),
    *_on(
        "kvmclock and paravirtual ops when the host has KVM; harmless under TCG",
        "PARAVIRT",
        "KVM_GUEST",
    ),
    *_on(
        "several vCPUs, interrupts routed through the IOAPIC found in the MP table"
        " (the guest runs without ACPI)",
        "SMP",
        "X86_LOCAL_APIC",
        "X86_IO_APIC",
        "X86_MPPARSE",
    ),
    *_on(
        "a userland that is not tinyconfig's: busybox and container runtimes need these",
        "MULTIUSER",
        "FUTEX",
        "EPOLL",
        "SIGNALFD",
        "TIMERFD",
        "EVENTFD",
        "SHMEM",
        "AIO",
        "FILE_LOCKING",
        "POSIX_TIMERS",
        "SYSVIPC",
        "POSIX_MQUEUE",
        "ADVISE_SYSCALLS",
        "MEMBARRIER",
        "BINFMT_ELF",
        "BINFMT_SCRIPT",
    ),
    *_on(
        "the console: kernel messages and the ready line on the microvm's ISA serial port",
        "PRINTK",
        "TTY",
        "UNIX98_PTYS",
        "SERIAL_8250",
        "SERIAL_8250_CONSOLE",
    ),
    *_on(
        "early userspace: an uncompressed cpio initramfs, devtmpfs, proc and sysfs",
        "BLK_DEV_INITRD",
        "DEVTMPFS",
        "DEVTMPFS_MOUNT",
        "PROC_FS",
        "SYSFS",
        "TMPFS",
    ),
    *_on(
        "virtio-mmio, the only bus a microvm has; devices are named on the kernel command"
        " line by QEMU",
        "VIRTIO_MENU",
        "VIRTIO",
        "VIRTIO_MMIO",
        "VIRTIO_MMIO_CMDLINE_DEVICES",
    ),
    *_on(
        "the agent channel: virtio-serial ports (vhost-vsock is missing on some hosts)",
        "VIRTIO_CONSOLE",
    ),
    *_on("entropy from the host without waiting for jitter", "HW_RANDOM", "HW_RANDOM_VIRTIO"),
    *_on(
        "block devices for container root filesystems and volumes",
        "BLOCK",
        "BLK_DEV",
        "VIRTIO_BLK",
        "EXT4_FS",
        "OVERLAY_FS",
    ),
    *_on(
        "shared directories from the host (ConfigMap/Secret volumes, image layers)",
        "NET_9P",
        "NET_9P_VIRTIO",
        "9P_FS",
        "FUSE_FS",
        "VIRTIO_FS",
    ),
    *_on(
        "the pod network on a host tap, and vsock where the host has vhost-vsock",
        "NET",
        "INET",
        "UNIX",
        "PACKET",
        "NETDEVICES",
        "NET_CORE",
        "VIRTIO_NET",
        "VSOCKETS",
        "VIRTIO_VSOCKETS",
    ),
    *_on(
        "container isolation inside the guest: namespaces and cgroup limits",
        "NAMESPACES",
        "UTS_NS",
        "IPC_NS",
        "PID_NS",
        "NET_NS",
        "CGROUPS",
        "MEMCG",
        "CGROUP_SCHED",
        "CGROUP_PIDS",
        "CGROUP_FREEZER",
    ),
)


def render_fragment(options: Iterable[Option] = FRAGMENT) -> str:
    """The fragment as Kconfig text: one `CONFIG_X=y` line per option, in order."""
    lines = [opt.line() for opt in options]
    names = [opt.name for opt in options]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"kernel config fragment sets {', '.join(dupes)} more than once")
    return "\n".join(lines) + "\n"


def parse_config(text: str) -> dict[str, str]:
    """A `.config` file as {symbol: value}; `# CONFIG_X is not set` reads as `n`."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("CONFIG_") and "=" in line:
            name, _, value = line.partition("=")
            values[name.removeprefix("CONFIG_")] = value
        elif line.startswith("# CONFIG_") and line.endswith(" is not set"):
            values[line[len("# CONFIG_") : -len(" is not set")]] = "n"
    return values


def missing_options(options: Iterable[Option], final: Mapping[str, str]) -> list[Option]:
    """The options the final config does not have as asked (absent counts as `n`)."""
    return [opt for opt in options if final.get(opt.name, "n") != opt.value]
