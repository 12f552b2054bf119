"""Pod start through the whole system, and idle cost of a host with 100 pods (issue 4).

    .venv/bin/python benchmarks/pod_e2e.py [--pods 100]

Starts a real `pacific up` (API server, scheduler, controllers, this host's agent with the
container runtime) on its own bridge and pod range, imports the offline busybox image, then:
1. creates pods one at a time and times create sent -> phase Running seen on a watch;
2. with all of them running, measures the `pacific up` process's CPU over 10 s of idle.
Beside it: bare `crun run` of the same image (the floor) from benchmarks/pod_start.py when
run separately. Needs root, crun, conmon, catatonit, nft. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from pacific.agent.images.testimages import write_archives
from pacific.cli.host import HostOptions, network_config
from pacific.testing.process import PacificProcess, free_port, pacific_command

IMAGE = "pacific.test/busybox:latest"


def pod(name: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"bench": "e2e"}},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "c",
                    "image": IMAGE,
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["sleep", "3600"],
                }
            ],
        },
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(proc: PacificProcess, count: int) -> tuple[list[float], float]:
    ctx = ssl.create_default_context(cafile=str(proc.ca_path))
    headers = {"Authorization": f"Bearer {proc.token}", "Content-Type": "application/json"}
    base = "/api/v1/namespaces/default/pods"
    async with httpx.AsyncClient(
        base_url=proc.url, verify=ctx, headers=headers, timeout=120
    ) as http:
        for _ in range(200):  # the host registers a moment after the API is ready
            if (await http.get("/api/v1/nodes")).json()["items"]:
                break
            await asyncio.sleep(0.1)
        rv = (await http.get(base)).json()["metadata"]["resourceVersion"]
        running: dict[str, asyncio.Event] = {}

        async def watch() -> None:
            url = f"{base}?watch=true&resourceVersion={rv}&labelSelector=bench%3De2e"
            async with http.stream("GET", url, timeout=None) as resp:
                async for line in resp.aiter_lines():
                    if not line:
                        continue
                    obj = orjson.loads(line)["object"]
                    name = obj["metadata"]["name"]
                    if obj.get("status", {}).get("phase") == "Running" and name in running:
                        running[name].set()

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0.3)
        times = []
        for i in range(count):
            name = f"p{i}"
            running[name] = asyncio.Event()
            t0 = time.perf_counter()
            r = await http.post(base, content=orjson.dumps(pod(name)))
            r.raise_for_status()
            await asyncio.wait_for(running[name].wait(), 60)
            times.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(5)  # settle: probes, status writes
        assert proc.proc is not None
        before, t0 = cpu_seconds(proc.proc.pid), time.monotonic()
        await asyncio.sleep(10)
        idle = (cpu_seconds(proc.proc.pid) - before) / (time.monotonic() - t0) * 100
        watcher.cancel()
        await http.request("DELETE", f"{base}?labelSelector=bench%3De2e")
        for _ in range(300):
            if not (await http.get(f"{base}?labelSelector=bench%3De2e")).json()["items"]:
                break
            await asyncio.sleep(0.2)
    return times, idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=100)
    args = parser.parse_args()
    bridge = f"pb{os.getpid() % 100000}{random.randrange(10, 99)}"[:15]
    cidr = f"10.125.{random.randrange(0, 250)}.0/24"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        archive = write_archives(Path(tmp) / "images")["busybox"]
        subprocess.run(
            [*pacific_command(), "image", "--root", str(data / "images"), "import", str(archive)],
            check=True,
            capture_output=True,
        )
        proc = PacificProcess(
            data, args=("--agent-port", str(free_port()), "--bridge", bridge, "--pod-cidr", cidr)
        )
        proc.start()
        try:
            times, idle = asyncio.run(measure(proc, args.pods))
        finally:
            proc.stop()
            net = network_config(HostOptions(data_dir=data, api_port=0, bridge=bridge))
            subprocess.run(["ip", "link", "del", bridge], capture_output=True)
            subprocess.run(["nft", "delete", "table", "inet", net.table], capture_output=True)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(
        f"pod create -> Running (watch), {len(times)} pods one at a time: "
        f"p50 {statistics.median(times):.0f} ms, p99 {pct(times, 99):.0f} ms "
        f"(goal p50 < 100 ms)"
    )
    print(
        f"pacific up process CPU, idle with {len(times)} pods running: {idle:.1f} % "
        f"of one core (goal < 2 %)"
    )


if __name__ == "__main__":
    main()
