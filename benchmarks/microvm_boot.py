"""MicroVM guest figures for issue 5: build time, artifact sizes, boot-to-ready, idle RSS.

    .venv/bin/python benchmarks/microvm_boot.py [--runs 5] [--cache DIR] [--accel tcg|kvm]

Builds (or finds in the cache) Pacific's guest kernel and initramfs, then boots the guest
`--runs` times one after another under QEMU `-M microvm` with PVH direct boot, `-m 128M`
and `-accel tcg,tb-size=16` (or KVM), each time from QEMU process start to the ready line
read on the virtio-serial agent socket; after the last boot it lets the guest idle for a
second and reads the QEMU process's RSS and PSS. Prints the kernel build time recorded
when the kernel was built, artifact sizes, min/median/max boot time and the memory figures.
A measurement, not a test: it never fails on the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from pathlib import Path

from pacific.agent.runtimes.microvm.accel import tsc_khz
from pacific.agent.runtimes.microvm.boot import start_microvm
from pacific.agent.runtimes.microvm.guest import GuestConfig, build_guest
from pacific.agent.runtimes.microvm.qemu_argv import Accel, MicroVMSpec


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS from /proc/PID/status and Pss from /proc/PID/smaps_rollup, in KiB."""
    out: dict[str, int] = {}
    for name, path in (("VmRSS", "status"), ("Pss", "smaps_rollup")):
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(f"{name}:"):
                out[name] = int(line.split()[1])
                break
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=GuestConfig().cache_dir)
    parser.add_argument("--accel", choices=[a.value for a in Accel], default="tcg")
    args = parser.parse_args()

    artifacts = await build_guest(GuestConfig(cache_dir=args.cache))
    meta = json.loads((artifacts.kernel.parent / "build.json").read_text())
    print(f"kernel     {artifacts.kernel}")
    print(
        f"           {artifacts.kernel.stat().st_size / 2**20:.2f} MiB, built in "
        f"{meta['build_seconds']:.0f} s with -j{meta['jobs']}"
    )
    print(f"initramfs  {artifacts.initramfs}")
    print(f"           {artifacts.initramfs.stat().st_size / 2**20:.2f} MiB")

    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="pacific-bench-") as tmp:
        run = Path(tmp)
        spec = MicroVMSpec(
            name="bench",
            kernel=artifacts.kernel,
            initramfs=artifacts.initramfs,
            console_socket=run / "console.sock",
            agent_socket=run / "agent.sock",
            qmp_socket=run / "qmp.sock",
            accel=Accel(args.accel),
            memory_mib=128,
            tb_size_mib=16,
            tsc_khz=tsc_khz(),
        )
        for i in range(args.runs):
            async with start_microvm(spec, ready_timeout=120) as vm:
                times.append(vm.ready_seconds)
                if i == args.runs - 1:
                    await asyncio.sleep(1.0)
                    mem = memory_kib(vm.pid)
    print(
        f"boot to ready ({args.accel}, {args.runs} runs): median {statistics.median(times):.3f} s,"
        f" min {min(times):.3f} s, max {max(times):.3f} s"
    )
    print(
        f"idle microVM (-m 128M, tb-size=16): RSS {mem['VmRSS'] / 1024:.1f} MiB,"
        f" PSS {mem['Pss'] / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    asyncio.run(main())
