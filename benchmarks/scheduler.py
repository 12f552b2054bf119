"""Scheduler figures for issue 3: throughput and latency on 5,000 simulated hosts.

    .venv/bin/python benchmarks/scheduler.py [--hosts 5000] [--pods 10000] [--clients 8]
                                             [--profile scheduler.prof]

Processes (so the work spreads over the machine's cores as a deployment would):
- `pacific server` (HTTPS, SQLite store, controllers) on a throwaway data directory;
- `pacific scheduler` against it, the process under test;
- this process: registers the hosts (Nodes of 64 CPUs, 512Gi, 2 NUMA nodes, and their
  Leases, through `pacific.testing.simhosts`), then creates the Pods over N keep-alive
  connections (`pacific.scheduler.wire`, so the load generator is not the bottleneck)
  and watches them get bound. No pod is moved to Running (kube-scheduler's own
  benchmark runs without kubelets), but the leases are renewed throughout, one pass every
  `--lease-period` seconds spread evenly (5,000 hosts / 30 s: ~170 writes/s of extra API
  load during the measurement), since the node lifecycle controller would otherwise taint
  every host unreachable 40 s after registration.

Figures: throughput from the first create sent to the last binding seen (pods/s), and the
scheduling latency of each pod (create sent -> binding seen on a watch) p50/p99, for:
1. burstable pods (100m cpu, 256Mi);
2. a mixed run: 80% burstable, 20% guaranteed whole-CPU pods (pinned to a NUMA node).
   VirtualMachines are served but not scheduled yet (the VM runtime comes later), so no
   VM-shaped workloads are created; this run says so.
Printed beside the machine's core count and kube-scheduler's floor for the same case
(680 pods/s, measured on a much larger machine). Goal: >= 1,000 pods/s here. A measurement,
not a test: it never fails on the figures. `--profile` writes the scheduler's cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from pacific.api import kinds
from pacific.client import Client
from pacific.client.paths import collection_path
from pacific.scheduler.wire import WirePool
from pacific.testing.process import PacificProcess, pacific_command
from pacific.testing.simhosts import HostShape, SimHosts

KUBE_FLOOR = 680.0
GOAL = 1000.0
NAMESPACE = "bench"
PODS = kinds.by_kind("", "v1", "Pod")
NAMESPACES = kinds.by_kind("", "v1", "Namespace")


def pod(name: str, guaranteed: bool) -> dict[str, Any]:
    if guaranteed:
        amounts = {"cpu": "2", "memory": "4Gi"}
        resources: dict[str, Any] = {"requests": amounts, "limits": amounts}
    else:
        resources = {"requests": {"cpu": "100m", "memory": "256Mi"}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": "bench"}},
        "spec": {"containers": [{"name": "c", "image": "busybox", "resources": resources}]},
    }


def start_server(data_dir: Path) -> PacificProcess:
    """`pacific server`: the API server and controllers, without an in-process scheduler."""
    server = PacificProcess(data_dir)
    data_dir.mkdir(parents=True)
    with open(data_dir / "server.log", "ab") as log:
        server.proc = subprocess.Popen(
            [*pacific_command(), "server", "--data-dir", str(data_dir), "--port", str(server.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server.wait_ready(60)
    return server


def start_scheduler(
    kubeconfig: Path, log_path: Path, profile: str | None
) -> subprocess.Popen[bytes]:
    if profile:
        cmd = [sys.executable, "-m", "cProfile", "-o", profile, "-m", "pacific.cli.main"]
    else:
        cmd = pacific_command()
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [*cmd, "scheduler", "--kubeconfig", str(kubeconfig)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def register_hosts(client: Client, hosts: SimHosts) -> float:
    began = time.perf_counter()
    await hosts.register()
    await hosts.heartbeat()
    return time.perf_counter() - began


async def watch_binds(client: Client, bound: dict[str, float], want: int, rv: str) -> None:
    assert PODS
    async for event in client.watch(PODS, NAMESPACE, resource_version=rv, allow_bookmarks=False):
        obj = event.object
        if (obj.get("spec") or {}).get("nodeName"):
            name = obj["metadata"]["name"]
            if name not in bound:
                bound[name] = time.perf_counter()
                if len(bound) >= want:
                    return


async def create_pods(
    client: Client, names: list[str], guaranteed: set[str], clients: int, sent: dict[str, float]
) -> None:
    assert PODS and client.config
    queue = iter(names)
    path = collection_path(PODS, NAMESPACE)
    wire = WirePool(client.base_url, client.config, clients, "pacific-bench")

    async def worker() -> None:
        for name in queue:
            sent[name] = time.perf_counter()
            await wire.post(path, orjson.dumps(pod(name, name in guaranteed)))

    try:
        async with asyncio.TaskGroup() as tg:
            for _ in range(clients):
                tg.create_task(worker())
    finally:
        await wire.aclose()


async def one_run(
    client: Client, label: str, count: int, guaranteed_share: float, clients: int
) -> dict[str, float]:
    assert PODS
    names = [f"{label}-{i}" for i in range(count)]
    every = round(1 / guaranteed_share) if guaranteed_share else 0
    guaranteed = {n for i, n in enumerate(names) if every and i % every == 0}
    listing = await client.list(PODS, NAMESPACE, limit=1)
    rv = listing.resource_version
    sent: dict[str, float] = {}
    bound: dict[str, float] = {}
    watcher = asyncio.create_task(watch_binds(client, bound, count, rv))
    await asyncio.sleep(0.2)
    await create_pods(client, names, guaranteed, clients, sent)
    try:
        async with asyncio.timeout(max(120.0, count / 50)):
            await watcher
    except TimeoutError:
        print(f"  ({label}: only {len(bound)}/{count} bound before the time limit)")
    first, last = min(sent.values()), max(bound.values(), default=time.perf_counter())
    latencies = sorted(bound[n] - sent[n] for n in bound if n in sent)
    p = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "pods": float(len(bound)),
        "seconds": last - first,
        "throughput": len(bound) / (last - first),
        "p50": p[49],
        "p99": p[98],
        "guaranteed": float(len(guaranteed)),
    }


def show(title: str, fig: dict[str, float]) -> None:
    print(f"{title}")
    print(
        f"  {fig['pods']:.0f} pods bound in {fig['seconds']:.2f} s: "
        f"{fig['throughput']:,.0f} pods/s   (kube-scheduler floor {KUBE_FLOOR:.0f} pods/s, "
        f"goal {GOAL:,.0f} pods/s on this {os.cpu_count()}-core machine)"
    )
    print(
        f"  latency create -> bound: p50 {fig['p50'] * 1000:.0f} ms, p99 {fig['p99'] * 1000:.0f} ms"
    )


async def main_async(args: argparse.Namespace) -> None:
    print(f"machine: {os.cpu_count()} cores; {args.hosts} hosts (64 CPUs, 512Gi, 2 NUMA nodes)")
    with tempfile.TemporaryDirectory(prefix="pacific-sched-bench-") as tmp:
        server = start_server(Path(tmp) / "data")
        scheduler: subprocess.Popen[bytes] | None = None
        try:
            async with Client.from_kubeconfig(server.kubeconfig) as client:
                assert NAMESPACES
                with contextlib.suppress(Exception):
                    await client.create(NAMESPACES, {"metadata": {"name": NAMESPACE}})
                hosts = SimHosts(client, args.hosts, HostShape(cpu=64, memory="512Gi", numa=2))
                took = await register_hosts(client, hosts)
                print(f"registered {args.hosts} hosts and leases in {took:.1f} s")
                assert client.config
                renewals = WirePool(client.base_url, client.config, 4, "pacific-bench-leases")
                leases = asyncio.create_task(hosts.keep_alive(args.lease_period, renewals))
                scheduler = start_scheduler(
                    server.kubeconfig, Path(tmp) / "sched.log", args.profile
                )
                await asyncio.sleep(args.warmup)
                fig = await one_run(client, "burst", args.pods, 0.0, args.clients)
                show(f"1. {args.pods} burstable pods, {args.clients} concurrent clients", fig)
                fig = await one_run(client, "mixed", args.pods, 0.2, args.clients)
                show(
                    f"2. mixed: {args.pods} pods, {fig['guaranteed']:.0f} guaranteed (NUMA-pinned);"
                    " VMs are not scheduled yet, so no VM-shaped workloads",
                    fig,
                )
                leases.cancel()
                await renewals.aclose()
        finally:
            if scheduler is not None:
                stop(scheduler)
                tail = (Path(tmp) / "sched.log").read_text(errors="replace")[-2000:]
                if "Traceback" in tail:
                    print("scheduler log:\n" + tail)
            server.stop()
    if args.profile:
        print(f"scheduler profile written to {args.profile}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds for the scheduler to sync"
    )
    parser.add_argument(
        "--lease-period", type=float, default=30.0, help="seconds between renewals of a lease"
    )
    parser.add_argument("--profile", help="write the scheduler process's cProfile here")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
