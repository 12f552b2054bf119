"""Liveness, readiness and startup probes, run by the agent for each running container.

Model (kubelet's prober): one worker per (container instance, probe kind). It waits
`initialDelaySeconds`, then probes every `periodSeconds` with `timeoutSeconds`: exec runs
the command in the container (Streamer.exec, exit 0 = success), httpGet GETs from the host
into the pod IP (2xx/3xx = success), tcpSocket opens a connection. A result flips only
after `successThreshold` / `failureThreshold` consecutive outcomes (`advance`, pure).
Readiness and liveness wait until the startup probe has succeeded. Until its first result
readiness is False when a readiness probe exists; `started` is False while a startup
probe exists. When liveness or startup gives up, the container id is put in `unhealthy`
(with the probe's name: "liveness" / "startup")
(the plan kills it) and its worker stops. Every failure records an Unhealthy event.
`on_change(pod_key)` is called whenever a result changes, so the pod is re-synced.
Workers are tasks of `Prober.run()`'s TaskGroup; `sync()` starts and cancels them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from pacific.agent import events
from pacific.agent.runtimes.protocol import RuntimeFailure, Streamer
from pacific.client import WARNING, Clock

log = logging.getLogger(__name__)
Obj = dict[str, Any]
KINDS = ("startupProbe", "livenessProbe", "readinessProbe")
_TITLE = {"startupProbe": "Startup", "livenessProbe": "Liveness", "readinessProbe": "Readiness"}


@dataclass(frozen=True, slots=True)
class Counter:
    result: bool | None = None  # None: no result yet
    successes: int = 0
    failures: int = 0


def advance(counter: Counter, ok: bool, success_threshold: int, failure_threshold: int) -> Counter:
    """The counter after one probe outcome; the result flips at a threshold."""
    if ok:
        n = counter.successes + 1
        return Counter(True if n >= max(1, success_threshold) else counter.result, n, 0)
    n = counter.failures + 1
    return Counter(False if n >= max(1, failure_threshold) else counter.result, 0, n)


@dataclass(frozen=True, slots=True)
class Target:
    """A running container to probe."""

    pod_key: str
    pod: Obj
    container: Obj  # its spec
    container_id: str
    pod_ip: str
    streamer: Streamer


def _port(container: Obj, port: Any) -> int:
    if isinstance(port, int):
        return port
    for p in container.get("ports") or ():
        if p.get("name") == port:
            return int(p.get("containerPort", 0))
    if str(port).isdigit():
        return int(port)
    raise ValueError(f"unknown named port {port!r}")


async def probe_once(target: Target, spec: Obj) -> tuple[bool, str]:
    """Run one probe; (success, output or error)."""
    timeout = float(spec.get("timeoutSeconds") or 1)
    try:
        async with asyncio.timeout(timeout):
            if (ex := spec.get("exec")) is not None:
                res = await target.streamer.exec(
                    target.container_id,
                    list(ex.get("command") or ()),
                    tty=False,
                    streams=None,
                    timeout_s=timeout,
                )
                out = (res.stdout + res.stderr).decode(errors="replace").strip()
                return res.exit_code == 0, out or f"command exited with {res.exit_code}"
            if (http := spec.get("httpGet")) is not None:
                host = http.get("host") or target.pod_ip
                port = _port(target.container, http.get("port"))
                scheme = str(http.get("scheme") or "HTTP").lower()
                url = f"{scheme}://{host}:{port}{http.get('path') or '/'}"
                headers = {h["name"]: h["value"] for h in http.get("httpHeaders") or ()}
                async with httpx.AsyncClient(verify=False, trust_env=False) as http_client:
                    resp = await http_client.get(url, headers=headers)
                ok = 200 <= resp.status_code < 400
                return ok, f"HTTP probe failed with statuscode: {resp.status_code}"
            if (tcp := spec.get("tcpSocket")) is not None:
                host = tcp.get("host") or target.pod_ip
                port = _port(target.container, tcp.get("port"))
                _, writer = await asyncio.open_connection(host, port)
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
                return True, ""
    except TimeoutError:
        return False, f"timeout: probe did not finish within {timeout:g}s"
    except (OSError, httpx.HTTPError, RuntimeFailure, ValueError) as exc:
        return False, str(exc) or type(exc).__name__
    return False, "probe has no handler"


class Recorder(Protocol):
    """What probes need of an EventRecorder."""

    async def event(self, obj: Obj, type: str, reason: str, message: str) -> Obj | None: ...


class Prober:
    def __init__(self, clock: Clock, recorder: Recorder, on_change: Callable[[str], None]) -> None:
        self.clock = clock
        self.recorder = recorder
        self.on_change = on_change
        self.ready: dict[str, bool] = {}
        self.started: dict[str, bool] = {}
        self.unhealthy: dict[str, str] = {}  # container id -> the probe that gave up
        self._owners: dict[tuple[str, str], str] = {}  # (container id, kind) -> pod key
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._pending: asyncio.Queue[tuple[str, str, Target | None]] = asyncio.Queue()

    def sync(self, pod_key: str, targets: Mapping[str, Target]) -> None:
        """Probe exactly `targets` (container id -> target) of this pod from now on."""
        for (cid, kind), owner in list(self._owners.items()):
            if owner == pod_key and cid not in targets:
                self._stop(cid, kind)
        for cid, target in targets.items():
            if target.container.get("startupProbe"):
                self.started.setdefault(cid, False)
            if target.container.get("readinessProbe"):
                self.ready.setdefault(cid, False)
            for kind in KINDS:
                if target.container.get(kind) and (cid, kind) not in self._owners:
                    self._owners[(cid, kind)] = pod_key
                    self._pending.put_nowait((cid, kind, target))

    def _stop(self, cid: str, kind: str) -> None:
        del self._owners[(cid, kind)]
        self._pending.put_nowait((cid, kind, None))

    def forget(self, container_id: str) -> None:
        for cid, kind in [k for k in self._owners if k[0] == container_id]:
            self._stop(cid, kind)
        self.ready.pop(container_id, None)
        self.started.pop(container_id, None)
        self.unhealthy.pop(container_id, None)

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tg:
            while True:
                cid, kind, target = await self._pending.get()
                if target is None:
                    task = self._tasks.pop((cid, kind), None)
                    if task is not None:
                        task.cancel()
                elif (cid, kind) in self._owners:
                    self._tasks[(cid, kind)] = tg.create_task(self._work(target, kind))

    async def _work(self, target: Target, kind: str) -> None:
        spec = target.container[kind]
        cid = target.container_id
        period = float(spec.get("periodSeconds") or 10)
        await self.clock.sleep(float(spec.get("initialDelaySeconds") or 0))
        counter = Counter()
        while True:
            if kind != "startupProbe" and not self.started.get(cid, True):
                await self.clock.sleep(min(period, 1.0))
                continue
            ok, output = await probe_once(target, spec)
            if not ok:
                message = events.probe_failed(_TITLE[kind], output)
                await self.recorder.event(target.pod, WARNING, events.UNHEALTHY, message)
            new = advance(
                counter,
                ok,
                int(spec.get("successThreshold") or 1),
                int(spec.get("failureThreshold") or 3),
            )
            if new.result != counter.result:
                self._record(target, kind, bool(new.result))
            counter = new
            if kind != "readinessProbe" and new.result is False:
                return
            if kind == "startupProbe" and new.result:
                return
            await self.clock.sleep(period)

    def _record(self, target: Target, kind: str, ok: bool) -> None:
        cid = target.container_id
        if kind == "readinessProbe":
            self.ready[cid] = ok
        elif kind == "startupProbe" and ok:
            self.started[cid] = True
        elif not ok:
            self.unhealthy[cid] = _TITLE[kind].lower()
        self.on_change(target.pod_key)
