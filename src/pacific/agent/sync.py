"""The sync loop: bring every pod bound to this host to what its spec says, report status.

Model: an informer watches the pods with `spec.nodeName=<node>`; each change, each runtime
event (a container exited), each probe result and a periodic resync put the pod's key on a
work queue. A worker syncs one pod at a time per key:

    observe (runtimes) -> plan (pure) -> apply actions -> observe -> status (pure) -> write

The agent remembers only what the runtime cannot tell it (back-off entries, failed pulls,
the last failure of each container); everything else is observed, so an agent restart
adopts what runs: sandboxes carry the pod uid and its IP in their labels. Sandboxes whose
pod uid no longer exists in the API (deleted while the agent was down, or replaced by a
pod of the same name) are orphans: stopped and removed with their network and volumes.
Status is written through pods/status only when it changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pacific.agent import events
from pacific.agent.backoff import BackoffEntry, next_entry
from pacific.agent.config import AgentConfig
from pacific.agent.images.store import ImageStore
from pacific.agent.lifecycle import Lifecycle, Started, pull_keyring, streamer_of
from pacific.agent.network.errors import NetworkError
from pacific.agent.network.protocol import Network
from pacific.agent.plan import (
    Action,
    CreateSandbox,
    Facts,
    Finalize,
    KillContainer,
    KillPod,
    Observed,
    RemoveContainer,
    StartContainer,
    Wait,
    plan,
    pull_key,
)
from pacific.agent.podspec import (
    POD_IP_LABEL,
    find_container,
    grace_seconds,
    sandbox_config,
)
from pacific.agent.probes import Prober, Target
from pacific.agent.runtimes.protocol import (
    ContainerState,
    Runtime,
    RuntimeFailure,
    SandboxStatus,
)
from pacific.agent.sources import HostFacts, fetch_sources, resource
from pacific.agent.status import StatusInputs, changed, pod_status
from pacific.agent.volumes import MountError, Volumes
from pacific.api.errors import APIError, Conflict, NotFound
from pacific.client import (
    WARNING,
    Client,
    ClientError,
    EventRecorder,
    Informer,
    WorkQueue,
    key_of,
    run_worker,
    split_key,
)

log = logging.getLogger(__name__)
Obj = dict[str, Any]


@dataclass
class PodMemory:
    """What the agent knows about a pod that the runtime does not."""

    backoff: dict[str, BackoffEntry] = field(default_factory=dict)
    pull_failed_at: dict[str, float] = field(default_factory=dict)
    failures: dict[str, tuple[str, str]] = field(default_factory=dict)
    pod_ip: str = ""
    volumes_at: float = 0.0  # when its volumes were last written (unix seconds)


class PodSync:
    def __init__(
        self,
        client: Client,
        config: AgentConfig,
        host: HostFacts,
        *,
        runtimes: Mapping[str, Runtime],
        network: Network,
        images: ImageStore,
        recorder: EventRecorder,
        volumes: Volumes,
    ) -> None:
        self.client = client
        self.config = config
        self.host = host
        self.runtimes = dict(runtimes)
        self.network = network
        self.recorder = recorder
        self.volumes = volumes
        self.lifecycle = Lifecycle(images, recorder, client.clock)
        self.pods_rt = resource("", "Pod")
        self.pods = Informer(client, self.pods_rt, field_selector=f"spec.nodeName={host.node_name}")
        self.queue: WorkQueue[str] = WorkQueue(clock=client.clock, name="agent-pods")
        self.prober = Prober(client.clock, recorder, self.queue.add)
        self.memory: dict[str, PodMemory] = {}  # pod uid -> memory

    # -- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        self.pods.on_add(lambda pod: self.queue.add(key_of(pod)))
        self.pods.on_update(lambda _old, new: self.queue.add(key_of(new)))
        self.pods.on_delete(lambda pod: self.queue.add(key_of(pod)))
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self.pods.run())
            tg.create_task(self.prober.run())
            for runtime in self.runtimes.values():
                tg.create_task(self._watch_runtime(runtime))
            await self.pods.wait_synced()
            await self.remove_orphans()
            for _ in range(self.config.workers):
                tg.create_task(run_worker(self.queue, self.sync))
            while True:
                await self.client.clock.sleep(self.config.resync_s)
                for pod in self.pods.list():
                    self.queue.add(key_of(pod))
                await self.remove_orphans()

    async def _watch_runtime(self, runtime: Runtime) -> None:
        async for container_id in runtime.events():
            with contextlib.suppress(RuntimeFailure):
                status = await runtime.container_status(container_id)
                for sb in await runtime.list_sandboxes():
                    if sb.id == status.sandbox_id:
                        self.queue.add(f"{sb.namespace}/{sb.name}")

    async def _all_sandboxes(self) -> list[tuple[Runtime, SandboxStatus]]:
        found: list[tuple[Runtime, SandboxStatus]] = []
        for runtime in self.runtimes.values():
            found.extend((runtime, sb) for sb in await runtime.list_sandboxes())
        return found

    async def remove_orphans(self) -> None:
        live = {str(p["metadata"].get("uid")) for p in self.pods.list()}
        for runtime, sb in await self._all_sandboxes():
            if sb.pod_uid not in live:
                log.info("removing orphaned sandbox %s of pod %s", sb.id, sb.pod_uid)
                await self._remove_all(runtime, None, sb.pod_uid)

    async def _remove_deleted(self, namespace: str, name: str) -> None:
        """A pod gone from the API (deleted at once: terminal, or forced): remove its things."""
        for runtime, sb in await self._all_sandboxes():
            if (sb.namespace, sb.name) == (namespace, name):
                await self._remove_all(runtime, None, sb.pod_uid)

    # -- one pod ---------------------------------------------------------------------------

    async def _observe(self, uid: str) -> tuple[Runtime | None, Observed]:
        """The pod's sandboxes (in whichever runtime holds them) and its newest one's containers."""
        for runtime in self.runtimes.values():
            sandboxes = tuple(s for s in await runtime.list_sandboxes() if s.pod_uid == uid)
            if not sandboxes:
                continue
            current = max(sandboxes, key=lambda s: (s.attempt, s.created_at))
            containers = await runtime.list_containers(current.id)
            return runtime, Observed(sandboxes, tuple(containers))
        return None, Observed()

    async def _runtime_for(self, pod: Obj) -> Runtime:
        name = (pod.get("spec") or {}).get("runtimeClassName")
        if not name:
            return self.runtimes[self.config.default_runtime]
        if name in self.runtimes:
            return self.runtimes[name]
        rc = await self.client.get(resource("node.k8s.io", "RuntimeClass"), name)
        for runtime in self.runtimes.values():
            if runtime.info.handler == rc.get("handler"):
                return runtime
        raise RuntimeFailure(f"no runtime on this host serves handler {rc.get('handler')!r}")

    async def sync(self, key: str) -> None:
        namespace, name = split_key(key)
        pod = self.pods.get(namespace, name)
        if pod is None:
            await self._remove_deleted(namespace, name)
            return
        uid = str(pod["metadata"].get("uid"))
        memory = self.memory.setdefault(uid, PodMemory())
        runtime, observed = await self._observe(uid)
        try:
            runtime = runtime or await self._runtime_for(pod)
        except (APIError, ClientError, RuntimeFailure) as exc:
            await self.recorder.event(pod, WARNING, events.FAILED_SANDBOX, str(exc))
            return
        now = self.client.clock.now().timestamp()
        facts = Facts(now, memory.backoff, memory.pull_failed_at, frozenset(self.prober.unhealthy))
        waits: dict[str, Wait] = {}
        for action in plan(pod, observed, facts):
            if isinstance(action, Finalize):
                await self._finalize(pod)
                return
            if isinstance(action, Wait):
                waits[action.name] = action
                self.queue.add_after(key, action.seconds)
                text = (
                    events.backoff_restart()
                    if action.reason == "CrashLoopBackOff"
                    else events.pull_backoff(
                        str((find_container(pod, action.name) or {}).get("image"))
                    )
                )
                await self.recorder.event(pod, WARNING, events.BACKOFF, text)
                continue
            again = await self._apply(action, pod, runtime, observed, memory)
            if again:
                self.queue.add(key)
        _, observed = await self._observe(uid)
        if observed.sandbox is not None and now - memory.volumes_at >= self.config.volume_refresh_s:
            await self._refresh_volumes(pod, memory, now)
        self._sync_probes(key, pod, runtime, observed, memory)
        await self._write_status(pod, observed, facts, waits, memory)

    async def _apply(
        self,
        action: Action,
        pod: Obj,
        runtime: Runtime,
        observed: Observed,
        memory: PodMemory,
    ) -> bool:
        """Apply one action; whether the pod should be synced again at once."""
        uid = str(pod["metadata"].get("uid"))
        grace = grace_seconds(pod, self.config.default_grace_s)
        if isinstance(action, KillPod):
            await self.lifecycle.kill_pod(
                runtime, pod, observed.sandboxes, observed.containers, grace, memory.pod_ip
            )
            if action.remove:
                await self._remove_all(runtime, pod, uid)
            return True
        if isinstance(action, CreateSandbox):
            return await self._create_sandbox(pod, runtime, action.attempt, memory)
        if isinstance(action, KillContainer):
            status = next(c for c in observed.containers if c.id == action.container_id)
            message = (
                events.liveness_kill(
                    action.name, self.prober.unhealthy.get(action.container_id, "liveness")
                )
                if action.reason == "unhealthy"
                else events.stopping(action.name)
            )
            await self.lifecycle.kill_container(runtime, pod, status, grace, message, memory.pod_ip)
            self.prober.forget(action.container_id)
            return True
        if isinstance(action, RemoveContainer):
            with contextlib.suppress(RuntimeFailure):
                await runtime.remove_container(action.container_id)
            self.prober.forget(action.container_id)
            return False
        if isinstance(action, StartContainer) and observed.sandbox is not None:
            await self._start(pod, runtime, observed.sandbox, action, memory)
        return False

    async def _create_sandbox(
        self, pod: Obj, runtime: Runtime, attempt: int, memory: PodMemory
    ) -> bool:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        uid = str(meta.get("uid"))
        try:
            netns: Path | None = None
            if spec.get("hostNetwork"):
                memory.pod_ip = self.host.host_ip
            elif runtime.info.isolation == "vm":
                tap = await self.network.tap(uid, meta["namespace"], meta["name"])
                memory.pod_ip = str(tap.ip)
            else:
                att = await self.network.setup(uid, meta["namespace"], meta["name"])
                netns, memory.pod_ip = att.netns_path, str(att.ip)
            config = sandbox_config(
                pod,
                attempt=attempt,
                netns_path=netns,
                pod_ip=memory.pod_ip,
                log_directory=self.config.pod_log_dir(meta["namespace"], meta["name"], uid),
                cgroup_root=self.config.cgroup_root,
            )
            await runtime.run_sandbox(config)
        except (RuntimeFailure, NetworkError, OSError) as exc:
            text = f"Failed to create pod sandbox: {exc}"
            await self.recorder.event(pod, WARNING, events.FAILED_SANDBOX, text)
            return False
        return True

    async def _refresh_volumes(self, pod: Obj, memory: PodMemory, now: float) -> None:
        """Rewrite ConfigMap/Secret/downward API volumes so running containers see updates."""
        try:
            sources = await fetch_sources(self.client, pod, self.host, memory.pod_ip)
            await self.volumes.prepare(pod, sources)
        except MountError as exc:
            text = f"MountVolume.SetUp failed: {exc}"
            await self.recorder.event(pod, WARNING, events.FAILED_MOUNT, text)
        except (APIError, ClientError) as exc:
            log.warning("volumes of %s: %s", key_of(pod), exc)
        memory.volumes_at = now

    async def _start(
        self,
        pod: Obj,
        runtime: Runtime,
        sandbox: SandboxStatus,
        action: StartContainer,
        memory: PodMemory,
    ) -> None:
        container = find_container(pod, action.name) or {}
        meta = pod["metadata"]
        now = self.client.clock.now().timestamp()
        try:
            sources = await fetch_sources(self.client, pod, self.host, memory.pod_ip)
            volume_dirs = await self.volumes.prepare(pod, sources)
            memory.volumes_at = now
        except MountError as exc:
            await self.recorder.event(
                pod, WARNING, events.FAILED_MOUNT, f"MountVolume.SetUp failed: {exc}"
            )
            memory.failures[action.name] = ("ContainerCreating", "")
            return
        image = await self.lifecycle.ensure_image(
            pod, container, pull_keyring(sources.secrets, pod)
        )
        if isinstance(image, tuple):
            memory.failures[action.name] = image
            if image[0] == "ErrImagePull":
                key = pull_key(action.name)
                memory.pull_failed_at[action.name] = now
                memory.backoff[key] = next_entry(memory.backoff.get(key), now)
            return
        memory.pull_failed_at.pop(action.name, None)
        memory.backoff.pop(pull_key(action.name), None)
        log_path = (
            self.config.pod_log_dir(meta["namespace"], meta["name"], meta["uid"])
            / action.name
            / f"{action.attempt}.log"
        )
        result = await self.lifecycle.start(
            runtime,
            sandbox,
            pod,
            container,
            attempt=action.attempt,
            image=image,
            sources=sources,
            volume_dirs=volume_dirs,
            log_path=log_path,
        )
        if isinstance(result, Started):
            memory.failures.pop(action.name, None)
            if action.attempt > 0:
                memory.backoff[action.name] = next_entry(memory.backoff.get(action.name), now)
        else:
            memory.failures[action.name] = result

    async def _remove_all(self, runtime: Runtime, pod: Obj | None, uid: str) -> None:
        for sb in [s for s in await runtime.list_sandboxes() if s.pod_uid == uid]:
            for c in await runtime.list_containers(sb.id):
                self.prober.forget(c.id)
            await runtime.stop_sandbox(sb.id, 0 if pod is None else MIN_STOP_S)
            await runtime.remove_sandbox(sb.id)
        await self.network.teardown(uid)
        await self.volumes.cleanup(uid)
        self.memory.pop(uid, None)

    async def _finalize(self, pod: Obj) -> None:
        meta = pod["metadata"]
        with contextlib.suppress(NotFound, Conflict):
            await self.client.delete(
                self.pods_rt,
                meta["name"],
                meta["namespace"],
                grace_period_seconds=0,
                preconditions={"uid": meta["uid"]},
            )

    def _sync_probes(
        self, key: str, pod: Obj, runtime: Runtime, observed: Observed, memory: PodMemory
    ) -> None:
        streamer = streamer_of(runtime)
        targets: dict[str, Target] = {}
        for c in observed.containers:
            spec = find_container(pod, c.name)
            if streamer is None or spec is None or c.state is not ContainerState.RUNNING:
                continue
            if any(spec.get(k) for k in ("livenessProbe", "readinessProbe", "startupProbe")):
                targets[c.id] = Target(key, pod, spec, c.id, memory.pod_ip, streamer)
        self.prober.sync(key, targets)

    async def _write_status(
        self,
        pod: Obj,
        observed: Observed,
        facts: Facts,
        waits: dict[str, Wait],
        memory: PodMemory,
    ) -> None:
        sandbox = observed.sandbox
        if sandbox is not None and not memory.pod_ip:
            memory.pod_ip = str(sandbox.labels.get(POD_IP_LABEL) or sandbox.ip)
        pod_ip = memory.pod_ip or str((pod.get("status") or {}).get("podIP") or "")
        inputs = StatusInputs(
            facts=Facts(self.client.clock.now().timestamp(), memory.backoff),
            waits=waits,
            failures=memory.failures,
            ready=self.prober.ready,
            started=self.prober.started,
            pod_ip=pod_ip,
            host_ip=self.host.host_ip,
        )
        status = pod_status(pod, observed, inputs)
        if not changed(pod.get("status") or {}, status):
            return
        meta = pod["metadata"]
        with contextlib.suppress(NotFound):
            await self.client.patch(
                self.pods_rt,
                meta["name"],
                {"status": status},
                namespace=meta["namespace"],
                subresource="status",
            )
        if status["phase"] in ("Succeeded", "Failed") and observed.sandbox is not None:
            self.queue.add(key_of(pod))


MIN_STOP_S = 2.0
