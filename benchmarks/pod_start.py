"""Container start figures for issue 4: the floor, the peer, and Pacific's container runtime.

    .venv/bin/python benchmarks/pod_start.py [--runs 100] [--netns] [--install-podman]

Same busybox image (scripts/build-test-images.sh, imported into a throwaway ImageStore),
same command (`/bin/true`), one after another, as root:
1. floor: bare `crun run` of a prepared bundle (overlay mounted once; through the same
   hybrid-cgroup wrapper the runtime uses when the host needs it);
2. peer: `podman run --rm --runtime runc --ulimit nofile=...` of the same image, when
   podman is installed (`--install-podman` apt-installs it; it is not in install.sh);
3. pacific: `ContainerRuntime.run_sandbox` + `create_container` + `start_container`
   (the pause sandbox, the overlay, conmon, crun create/start), timed until start returns;
   with `--netns` each pod also gets a fresh network namespace to join (made untimed).
Teardown is outside the timings. Prints p50/p99 of each and the ratio to the floor. A
measurement, not a test: it never fails on the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pacific.agent.images.store import ImageStore, StoreConfig
from pacific.agent.images.testimages import write_archives
from pacific.agent.runtimes.container import ContainerRuntime, ContainerRuntimeConfig
from pacific.agent.runtimes.container.spec import SpecHost, container_spec
from pacific.agent.runtimes.protocol import ContainerConfig, SandboxConfig
from pacific.host import run

IMAGE = "pacific.test/busybox:latest"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


async def timed(runs: int, once: Callable[[int], Awaitable[float | None]]) -> list[float]:
    out = []
    for i in range(runs):
        took = await once(i)
        if took is not None:
            out.append(took)
    return out


async def floor(rt: ContainerRuntime, layers: list[Path], work: Path, runs: int) -> list[float]:
    bundle = work / "floor"
    for sub in ("rootfs", "upper", "work"):
        (bundle / sub).mkdir(parents=True)
    opts = f"lowerdir={':'.join(map(str, layers))},upperdir={bundle}/upper,workdir={bundle}/work"
    await run(["mount", "-t", "overlay", "overlay", "-o", opts, str(bundle / "rootfs")], timeout=10)
    host = SpecHost(
        rootfs=str(bundle / "rootfs"), cgroups_path="/pacific-bench/floor",
        ipc_ns="", uts_ns="", net_ns="", hosts_file="/etc/hosts",
        resolv_file="/etc/resolv.conf", hostname_file="/etc/hostname", shm_dir="/dev/shm",
        hostname="floor", nofile=resource.getrlimit(resource.RLIMIT_NOFILE)[1],
    )  # fmt: skip
    spec = container_spec(container_config(layers), {}, host)
    spec["linux"]["namespaces"] = [{"type": t} for t in ("pid", "mount", "ipc", "uts")]
    (bundle / "config.json").write_text(json.dumps(spec))
    argv = rt.crun.argv("run", "--bundle", str(bundle))

    async def once(i: int) -> float:
        t0 = time.perf_counter()
        await run([*argv, f"floor{i}"], timeout=30)
        return time.perf_counter() - t0

    try:
        return await timed(runs, once)
    finally:
        await run(["umount", str(bundle / "rootfs")], timeout=10)


def container_config(layers: list[Path]) -> ContainerConfig:
    return ContainerConfig(
        name="app",
        attempt=0,
        image=IMAGE,
        image_id="sha256:bench",
        rootfs_layers=tuple(layers),
        command=("/bin/true",),
        args=(),
        env=(),
    )


async def podman(archive: Path, runs: int) -> list[float]:
    if not (shutil.which("podman") and shutil.which("runc")):
        return []
    await run(["podman", "load", "-q", "-i", str(archive)], timeout=120)
    # this host refuses runc raising rlimits to podman's defaults (or even to the host's
    # own hard limits: EPERM), so both are pinned low, as host.md notes
    argv = ["podman", "run", "--rm", "--runtime", "runc", "--network", "none"]
    argv += ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", IMAGE, "/bin/true"]
    await run(argv, timeout=120)  # warm up: podman's first run sets up its storage

    async def once(_: int) -> float:
        t0 = time.perf_counter()
        await run(argv, timeout=60)
        return time.perf_counter() - t0

    return await timed(runs, once)


async def pacific(
    rt: ContainerRuntime, layers: list[Path], work: Path, runs: int, netns: bool
) -> list[float]:
    async def once(i: int) -> float:
        ns: Path | None = None
        if netns:
            await run(["ip", "netns", "add", f"pacific-bench-{i}"], timeout=10)
            ns = Path(f"/run/netns/pacific-bench-{i}")
        config = SandboxConfig(
            pod_uid=f"bench-{i}", namespace="bench", name=f"pod-{i}", attempt=0,
            hostname=f"pod-{i}", netns_path=ns, log_directory=work / "logs",
            cgroup_parent=f"pacific-bench/podbench-{i}",
        )  # fmt: skip
        t0 = time.perf_counter()
        sb = await rt.run_sandbox(config)
        cid = await rt.create_container(sb.id, container_config(layers))
        await rt.start_container(cid)
        took = time.perf_counter() - t0
        await rt.remove_sandbox(sb.id)
        if ns is not None:
            await run(["ip", "netns", "delete", ns.name], timeout=10)
        return took

    return await timed(runs, once)


def remove_bench_cgroups() -> None:
    """The parent cgroup the runs shared (each pod's own is gone with its sandbox)."""
    for top in Path("/sys/fs/cgroup").iterdir():
        if (top / "pacific-bench").is_dir():
            (top / "pacific-bench").rmdir()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--netns", action="store_true", help="a fresh netns per pod (untimed)")
    ap.add_argument("--install-podman", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("pod_start: run as root")
    if args.install_podman and not (shutil.which("podman") and shutil.which("runc")):
        env = ["env", "DEBIAN_FRONTEND=noninteractive"]
        await run([*env, "apt-get", "install", "-y", "-qq", "podman", "runc"], timeout=900)
    with tempfile.TemporaryDirectory(prefix="pacific-bench-") as tmp:
        work = Path(tmp)
        archives = write_archives(work / "archives")
        store = ImageStore(StoreConfig(root=work / "images"))
        [image] = await store.import_archive(archives["busybox"])
        layers = store.lower_dirs(image)
        rt = ContainerRuntime(ContainerRuntimeConfig(root=work / "state"))
        figures = {
            "crun run (floor)": await floor(rt, layers, work, args.runs),
            "podman run --rm (peer)": await podman(archives["busybox"], args.runs),
            "pacific sandbox+container": await pacific(rt, layers, work, args.runs, args.netns),
        }
        remove_bench_cgroups()
    print(f"pod start, {args.runs} runs, cgroups {rt.mode.value}, {os.cpu_count()} cores")
    base = percentiles(figures["crun run (floor)"])[0]
    for name, samples in figures.items():
        if not samples:
            print(f"  {name:28} not measured (podman/runc not installed: --install-podman)")
            continue
        p50, p99 = percentiles(samples)
        ratio = f"{p50 / base:5.1f}x floor" if base else ""
        print(f"  {name:28} p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   {ratio}")


if __name__ == "__main__":
    asyncio.run(main())
