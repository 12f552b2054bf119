"""API server figures for the control-plane issue, each beside its floor, in one run.

    .venv/bin/python benchmarks/apiserver.py [--seconds 10] [--connections 8]

Starts a real `pacific server` (HTTPS, SQLite store, synchronous=FULL, controllers running) on a
throwaway data directory and measures:

1. Pod creates/s sustained from N concurrent clients (wrk, a C load generator, so the client
   costs little of the 2 cores), with p50/p99 latency; beside it the raw SQLite commit rate of
   the same disk (the store's limit) and the ratio.
2. Listing all Pods of a namespace holding >= 10,000 Pods (JSON, full objects): median of 5.
3. Watch fan-out: 100 concurrent watchers; each change's delay from the write being sent to
   each watcher receiving the event; p50/p99 over 100 watchers x 30 changes.
4. Idle RSS of the `pacific server` process (API server, store, controllers and their caches)
   with those Pods stored.

Targets (issue 2): >= 1,500 creates/s with p99 < 50 ms; list 10k < 300 ms; watch p99 < 50 ms;
idle RSS < 150 MiB. This is a measurement, not a test: it prints figures and never fails on
them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).parent))
from store_commit import measure_sqlite_commit_rate

from pacific.testing.process import PacificProcess

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"generateName": "bench-", "labels": {"app": "bench"}},
    "spec": {
        "containers": [
            {
                "name": "c",
                "image": "busybox:1.36",
                "command": ["sleep", "3600"],
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
            }
        ]
    },
}

# One wrk thread; it stops after `cap` responses, so that the burst never stores more Pods
# than the list and memory figures are meant for.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
local count = 0
response = function(status, headers, body)
  count = count + 1
  if count >= {cap} then wrk.thread:stop() end
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("wrk") or "wrk"


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    wrk: str, url: str, token: str, seconds: int, connections: int, cap: int
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT.format(body=orjson.dumps(POD).decode(), token=token, cap=cap))
    out = subprocess.run(
        [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", f.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(f.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    # wrk divides by the whole duration even when the cap stopped it early: then the rate
    # is only a lower bound (shorten --seconds to measure it).
    return {
        "rate": rate,
        "capped": float(done >= cap),
        "p50": _ms(lat["50"]),
        "p90": _ms(lat["90"]),
        "p99": _ms(lat["99"]),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


async def top_up(http: httpx.AsyncClient, ns: str, want: int) -> int:
    have = len((await http.get(f"/api/v1/namespaces/{ns}/pods")).json()["items"])
    sem = asyncio.Semaphore(8)

    async def one() -> None:
        async with sem:
            r = await http.post(f"/api/v1/namespaces/{ns}/pods", content=orjson.dumps(POD))
            r.raise_for_status()

    await asyncio.gather(*(one() for _ in range(max(0, want - have))))
    return max(have, want)


async def measure_list(http: httpx.AsyncClient, ns: str) -> tuple[float, int, int]:
    times, count, size = [], 0, 0
    for _ in range(5):
        t0 = time.perf_counter()
        r = await http.get(f"/api/v1/namespaces/{ns}/pods")
        body = r.content
        times.append((time.perf_counter() - t0) * 1000)
        size = len(body)
        count = len(orjson.loads(body)["items"])
    return statistics.median(times), count, size


async def measure_watch(http: httpx.AsyncClient, watchers: int, changes: int) -> list[float]:
    ns = "watchbench"
    await http.post(
        "/api/v1/namespaces",
        content=orjson.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    )
    r = await http.post(
        f"/api/v1/namespaces/{ns}/configmaps",
        content=orjson.dumps(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w"}, "data": {"i": "0"}}
        ),
    )
    rv = r.json()["metadata"]["resourceVersion"]
    sent: dict[str, float] = {}
    delays: list[float] = []
    ready = asyncio.Event()
    started = 0

    async def watcher() -> None:
        nonlocal started
        url = (
            f"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}"
            "&fieldSelector=metadata.name%3Dw"
        )
        async with http.stream("GET", url, timeout=None) as resp:
            started += 1
            if started == watchers:
                ready.set()
            seen = 0
            async for line in resp.aiter_lines():
                if not line:
                    continue
                ev = orjson.loads(line)
                i = ev["object"].get("data", {}).get("i")
                if i in sent:
                    delays.append((time.perf_counter() - sent[i]) * 1000)
                    seen += 1
                    if seen == changes:
                        return

    tasks = [asyncio.create_task(watcher()) for _ in range(watchers)]
    await asyncio.wait_for(ready.wait(), 30)
    await asyncio.sleep(0.5)
    for i in range(1, changes + 1):
        sent[str(i)] = time.perf_counter()
        await http.patch(
            f"/api/v1/namespaces/{ns}/configmaps/w",
            content=orjson.dumps({"data": {"i": str(i)}}),
            headers={"Content-Type": "application/merge-patch+json"},
        )
        await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    return delays


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main_async(args: argparse.Namespace) -> None:
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        floor = measure_sqlite_commit_rate(Path(tmp) / "floor.db", seconds=2.0)
        # `pacific server`: the API server and the controllers, the figures issue 2 sets.
        proc = PacificProcess(Path(tmp) / "data", command="server")
        proc.start()
        try:
            assert proc.proc is not None
            ctx = ssl.create_default_context(cafile=str(proc.ca_path))
            async with httpx.AsyncClient(
                base_url=proc.url,
                verify=ctx,
                timeout=60,
                headers={
                    "Authorization": f"Bearer {proc.token}",
                    "Content-Type": "application/json",
                },
                limits=httpx.Limits(max_connections=200),
            ) as http:
                await http.post(
                    "/api/v1/namespaces",
                    content=orjson.dumps(
                        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}}
                    ),
                )
                wrk = ensure_wrk()
                # Warm up (JIT-free Python still has caches to fill), then measure; the two
                # bursts store at most --pods Pods, topped up to exactly that many after.
                pods_url = f"{proc.url}/api/v1/namespaces/bench/pods"
                warm = min(1_000, args.pods // 10)
                run_wrk(wrk, pods_url, proc.token, 1, args.connections, warm)
                creates = run_wrk(
                    wrk, pods_url, proc.token, args.seconds, args.connections, args.pods - warm
                )
                count = await top_up(http, "bench", args.pods)
                list_ms, listed, size = await measure_list(http, "bench")
                delays = await measure_watch(http, 100, 30)
            await asyncio.sleep(5)
            rss = rss_mib(proc.proc.pid)
        finally:
            proc.stop()

    print()
    print(f"raw SQLite commits/s (WAL, FULL, same disk)      {floor:9,.0f}   (the store's floor)")
    print(
        f"pod creates/s, {args.connections} clients, HTTPS, FULL       "
        f"{'>=' if creates['capped'] else '  '}{creates['rate']:7,.0f}   target >= 1,500; "
        f"{creates['rate'] / floor:.2f} x raw commit rate"
    )
    print(
        f"  create latency p50 / p90 / p99 (ms)           "
        f"{creates['p50']:6.1f} / {creates['p90']:.1f} / {creates['p99']:.1f}"
        f"   target p99 < 50; non-2xx: {creates['errors']:.0f}"
    )
    print(
        f"list {listed:,} pods ({size / 2**20:.1f} MiB JSON), median of 5 (ms)  "
        f"{list_ms:7.1f}   target < 300 (pods stored: {count:,})"
    )
    print(
        f"watch delivery to 100 watchers p50 / p99 (ms)    "
        f"{pct(delays, 50):6.1f} / {pct(delays, 99):.1f}   target p99 < 50 "
        f"({len(delays)} deliveries)"
    )
    print(f"idle RSS of pacific server, the pods stored       {rss:7.0f} MiB   target < 150")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=int, default=3, help="longest create burst (it also stops at --pods)"
    )
    parser.add_argument("--pods", type=int, default=10_000, help="Pods stored in all")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--dir", default=None, help="where the data directory goes")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
