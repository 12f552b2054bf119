"""The effects the sync loop applies to one pod: start a container, stop a pod gracefully.

Starting a container (kubelet's `startContainer`): make the image present as
`imagePullPolicy` says (events Pulling / Pulled, or Failed with ErrImagePull, after which
the pull backs off as ImagePullBackOff), resolve its configuration (`podspec`; a failure
is CreateContainerConfigError), create it (CreateContainerError) and start it
(RunContainerError), with events Created and Started. Failures are returned as
`(reason, message)` for the pod's status and never raised.

Stopping (kubelet's `killPod`): every running container at once gets its preStop hook
(exec or httpGet, bounded by the grace period), then SIGTERM with what is left of the
grace period before SIGKILL (at least 2 s, as kubelet), with an event Killing; then the
sandbox stops.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx

from pacific.agent import events
from pacific.agent.images.auth import Keyring
from pacific.agent.images.errors import ImageError, ImageNotPresent
from pacific.agent.images.policy import (
    PullAction,
    PullPolicy,
    decide_pull,
    failed_message,
    present_message,
    pulled_message,
    pulling_message,
)
from pacific.agent.images.store import ImageStore
from pacific.agent.podspec import ConfigError, EnvSources, ImageFacts, container_config
from pacific.agent.runtimes.protocol import (
    ContainerState,
    ContainerStatus,
    Runtime,
    RuntimeFailure,
    SandboxStatus,
    Streamer,
)
from pacific.client import NORMAL, WARNING, Clock, EventRecorder

log = logging.getLogger(__name__)
Obj = dict[str, Any]
MIN_GRACE_S = 2.0


def streamer_of(runtime: Runtime) -> Streamer | None:
    """The runtime's Streamer side, when it has one."""
    return cast(Streamer, runtime) if callable(getattr(runtime, "exec", None)) else None


def pull_keyring(secrets: Mapping[str, Mapping[str, bytes]], pod: Obj) -> Keyring | None:
    docs = []
    for ref in (pod.get("spec") or {}).get("imagePullSecrets") or ():
        data = secrets.get(str(ref.get("name", ""))) or {}
        doc = data.get(".dockerconfigjson") or data.get(".dockercfg")
        if doc:
            docs.append(doc)
    return Keyring.from_docker_configs(docs) if docs else None


@dataclass(frozen=True, slots=True)
class Started:
    container_id: str


Failure = tuple[str, str]  # (waiting reason, message)


class Lifecycle:
    def __init__(self, images: ImageStore, recorder: EventRecorder, clock: Clock) -> None:
        self.images = images
        self.recorder = recorder
        self.clock = clock

    async def ensure_image(
        self, pod: Obj, container: Obj, keyring: Keyring | None
    ) -> ImageFacts | Failure:
        image = str(container.get("image", ""))
        policy = PullPolicy(container.get("imagePullPolicy") or "IfNotPresent")
        try:
            try:
                present = self.images.get(image)
            except ImageNotPresent:
                present = None
            action = decide_pull(policy, present is not None)
            if action is PullAction.REFUSE:
                raise ImageNotPresent(image, never_pull=True)
            if present is not None and action is PullAction.USE_LOCAL:
                await self.recorder.event(pod, NORMAL, events.PULLED, present_message(image))
                record = present
            else:
                await self.recorder.event(pod, NORMAL, events.PULLING, pulling_message(image))
                began = self.clock.monotonic()
                record = await self.images.pull(image, auth=keyring, policy=policy)
                took = self.clock.monotonic() - began
                message = pulled_message(image, took, record.size)
                await self.recorder.event(pod, NORMAL, events.PULLED, message)
            config = await asyncio.to_thread(self.images.blobs.read, record.id)
            layers = tuple(self.images.lower_dirs(record))
        except ImageNotPresent as exc:
            await self.recorder.event(pod, WARNING, events.FAILED, str(exc))
            return ("ErrImageNeverPull", str(exc))
        except ImageError as exc:
            await self.recorder.event(pod, WARNING, events.FAILED, failed_message(image, exc))
            return ("ErrImagePull", failed_message(image, exc))
        image_id = record.repo_digests[0] if record.repo_digests else record.id
        doc = json.loads(config)
        return ImageFacts(image_id, layers, doc.get("config") or {})

    async def start(
        self,
        runtime: Runtime,
        sandbox: SandboxStatus,
        pod: Obj,
        container: Obj,
        *,
        attempt: int,
        image: ImageFacts,
        sources: EnvSources,
        volume_dirs: Mapping[str, Path],
        log_path: Path,
    ) -> Started | Failure:
        name = str(container.get("name", ""))
        try:
            config = container_config(
                pod,
                container,
                attempt=attempt,
                image=image,
                sources=sources,
                volume_dirs=volume_dirs,
                log_path=log_path,
            )
        except ConfigError as exc:
            await self.recorder.event(pod, WARNING, events.FAILED, events.create_error(exc))
            return (ConfigError.reason, str(exc))
        try:
            await asyncio.to_thread(log_path.parent.mkdir, parents=True, exist_ok=True)
            cid = await runtime.create_container(sandbox.id, config)
        except (RuntimeFailure, OSError) as exc:
            await self.recorder.event(pod, WARNING, events.FAILED, events.create_error(exc))
            return ("CreateContainerError", str(exc))
        await self.recorder.event(pod, NORMAL, events.CREATED, events.created(name))
        try:
            await runtime.start_container(cid)
        except RuntimeFailure as exc:
            await self.recorder.event(pod, WARNING, events.FAILED, events.create_error(exc))
            return ("RunContainerError", str(exc))
        await self.recorder.event(pod, NORMAL, events.STARTED, events.started(name))
        return Started(cid)

    async def kill_container(
        self,
        runtime: Runtime,
        pod: Obj,
        status: ContainerStatus,
        grace_s: float,
        message: str,
        pod_ip: str,
    ) -> None:
        """preStop hook, then SIGTERM and SIGKILL after what is left of `grace_s`."""
        await self.recorder.event(pod, NORMAL, events.KILLING, message)
        began = self.clock.monotonic()
        spec = _container_spec(pod, status.name)
        hook = ((spec or {}).get("lifecycle") or {}).get("preStop")
        if hook and status.state is ContainerState.RUNNING and grace_s > 0:
            error = await _run_hook(runtime, status.id, hook, pod_ip, grace_s, self.clock)
            if error:
                text = f"PreStopHook failed: {error}"
                await self.recorder.event(pod, WARNING, events.FAILED_PRESTOP, text)
        left = max(MIN_GRACE_S, grace_s - (self.clock.monotonic() - began)) if grace_s > 0 else 0.0
        await runtime.stop_container(status.id, left)

    async def kill_pod(
        self,
        runtime: Runtime,
        pod: Obj,
        sandboxes: tuple[SandboxStatus, ...],
        containers: tuple[ContainerStatus, ...],
        grace_s: float,
        pod_ip: str,
    ) -> None:
        alive = [c for c in containers if c.state is not ContainerState.EXITED]
        async with asyncio.TaskGroup() as tg:
            for c in alive:
                message = events.stopping(c.name)
                tg.create_task(self.kill_container(runtime, pod, c, grace_s, message, pod_ip))
        for sb in sandboxes:
            await runtime.stop_sandbox(sb.id, 0)


def _container_spec(pod: Obj, name: str) -> Obj | None:
    spec = pod.get("spec") or {}
    for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        if c.get("name") == name:
            return dict(c)
    return None


async def _run_hook(
    runtime: Runtime, cid: str, hook: Obj, pod_ip: str, limit_s: float, clock: Clock
) -> str:
    """Run a lifecycle hook; "" on success, else what went wrong."""
    try:
        async with asyncio.timeout(limit_s):
            if (ex := hook.get("exec")) is not None:
                streamer = streamer_of(runtime)
                if streamer is None:
                    return "the runtime cannot exec"
                argv = list(ex.get("command") or ())
                res = await streamer.exec(cid, argv, tty=False, streams=None, timeout_s=limit_s)
                if res.exit_code != 0:
                    out = (res.stdout + res.stderr).decode(errors="replace").strip()
                    return f"command {argv!r} exited with {res.exit_code}: {out}"
                return ""
            if (http := hook.get("httpGet")) is not None:
                host = http.get("host") or pod_ip
                url = f"http://{host}:{http.get('port')}{http.get('path') or '/'}"
                async with httpx.AsyncClient(trust_env=False) as client:
                    resp = await client.get(url)
                return "" if resp.status_code < 400 else f"HTTP status {resp.status_code}"
            if (sleep := hook.get("sleep")) is not None:
                await clock.sleep(float(sleep.get("seconds") or 0))
                return ""
    except TimeoutError:
        return f"timed out after {limit_s:g}s"
    except (OSError, httpx.HTTPError, RuntimeFailure) as exc:
        return str(exc) or type(exc).__name__
    return "hook has no handler"
