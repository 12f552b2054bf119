"""ContainerRuntime: pods as crun containers, each watched by conmon (the `container` runtime).

Model: a sandbox is a pause process (catatonit -P) run by crun, owning the pod's IPC and
UTS namespaces and joined to the network namespace the agent prepared. Each container is
an OCI bundle: an overlay of the image's layers plus a private upper dir, and a config.json
from `spec.container_spec()` that joins the pause's namespaces by /proc path. conmon, not
the agent, is the parent of every container process; it writes the CRI log, the exit code
and OOM marker, and serves attach. So the agent may restart at any time: a new
`ContainerRuntime` on the same state root reads the records (`state.py`) and carries on.

Invariants:
- every step of a create pushes its undo; a failed create leaves nothing behind;
- `stop_*` and `remove_*` are idempotent; remove leaves no mount, cgroup, bundle, exit file
  or process;
- status is computed from records plus what the host shows now (`status.py`), never cached.
Streams (exec, attach, port-forward) live in `streams.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import resource
import secrets
import shutil
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from pacific.agent.runtimes.container import cgroups, crun, podfiles, spec, state, status
from pacific.agent.runtimes.container.errors import (
    ContainerCreateFailed,
    ContainerNotFound,
    ContainerStartFailed,
    SandboxCreateFailed,
    SandboxNotFound,
)
from pacific.agent.runtimes.container.streams import ContainerStreamer
from pacific.agent.runtimes.protocol import (
    ContainerConfig,
    ContainerStatus,
    RuntimeInfo,
    SandboxConfig,
    SandboxState,
    SandboxStatus,
)
from pacific.host import HostError, Runner, SubprocessRunner, run

KILL_WAIT_S = 10.0


@dataclass(frozen=True, slots=True)
class ContainerRuntimeConfig:
    root: Path = state.DEFAULT_ROOT
    crun: str = "crun"
    conmon: str = "conmon"
    pause: str = "/usr/bin/catatonit"
    host_resolv_conf: Path = Path("/etc/resolv.conf")
    event_poll_s: float = 0.1


RELIST_S = 1.0


@dataclass(frozen=True, slots=True)
class _Listing:
    at: float
    sandboxes: list[SandboxStatus]
    containers: list[ContainerStatus]


Method = TypeVar("Method", bound=Callable[..., Awaitable[Any]])


def _mutates(method: Method) -> Method:
    """Marks a call that changes what runs: the next listing reads the state afresh."""

    @functools.wraps(method)
    async def wrapper(self: ContainerRuntime, *args: Any, **kwargs: Any) -> Any:
        self._changed()
        try:
            return await method(self, *args, **kwargs)
        finally:
            self._changed()

    return cast(Method, wrapper)


def _is_mount(path: Path) -> bool:
    return os.path.ismount(path)


def _binary(name: str) -> str:
    return shutil.which(name) or name


class ContainerRuntime(ContainerStreamer):
    info = RuntimeInfo(name="container", handler="container", isolation="container")

    def __init__(
        self,
        config: ContainerRuntimeConfig | None = None,
        *,
        runner: Runner | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or ContainerRuntimeConfig()
        self.layout = state.Layout(self.config.root)
        self.layout.ensure()
        self.runner: Runner = runner or SubprocessRunner()
        self.clock = clock
        self.mounts = cgroups.host_mounts()
        self._listing: _Listing | None = None
        self.mode = cgroups.detect_mode(self.mounts)
        binary = _binary(self.config.crun)
        if self.mode is cgroups.CgroupMode.HYBRID:
            wrapper = self.layout.hybrid_wrapper
            wrapper.write_text(crun.hybrid_wrapper(binary))
            wrapper.chmod(0o755)
            binary = str(wrapper)
        super().__init__(crun.Crun(binary, self.layout.crun_root, self.runner), self.layout)

    # -- sandboxes --------------------------------------------------------------------------

    @_mutates
    async def run_sandbox(self, config: SandboxConfig) -> SandboxStatus:
        if config.netns_path is not None and not config.netns_path.exists():
            raise SandboxCreateFailed(f"network namespace {config.netns_path} does not exist")
        sid = secrets.token_hex(10)
        d = self.layout.sandbox_dir(sid)
        async with contextlib.AsyncExitStack() as undo:
            d.mkdir(parents=True)
            undo.push_async_callback(self._drop_sandbox_files, sid, config.cgroup_parent)
            self._write_pod_files(d, config)
            host = self._spec_host(d, d / "rootfs", config.cgroup_parent, sid, config)
            state.write_json(d / "config.json", spec.sandbox_spec(config, host))
            call = self._conmon_call(sid, d, d / "pause.log", tty=False, stdin=False)
            try:
                await crun.launch(call, self.runner, conmon=_binary(self.config.conmon))
                pid = await crun.wait_created(d, self.layout.exit_file(sid))
                await self.crun.start(sid)
            except (HostError, ContainerCreateFailed) as exc:
                raise SandboxCreateFailed(crun.crun_error(d) or str(exc)) from exc
            rec = state.SandboxRecord(
                id=sid,
                pod_uid=config.pod_uid,
                namespace=config.namespace,
                name=config.name,
                attempt=config.attempt,
                hostname=config.hostname,
                netns_path=str(config.netns_path or ""),
                cgroup_parent=config.cgroup_parent,
                log_directory=str(config.log_directory),
                created_at=self.clock(),
                pid=pid,
                pid_start=state.process_start(pid) or 0,
                labels=dict(config.labels),
                annotations=dict(config.annotations),
            )
            state.save_sandbox(self.layout, rec)
            undo.pop_all()
        return self._sandbox_status(rec)

    def _write_pod_files(self, d: Path, config: SandboxConfig) -> None:
        try:
            host_resolv = self.config.host_resolv_conf.read_text()
        except OSError:
            host_resolv = ""
        (d / "hosts").write_text(podfiles.hosts_file(config.hostname))
        (d / "resolv.conf").write_text(
            podfiles.resolv_conf(config.dns_servers, config.dns_searches, host_resolv)
        )
        (d / "hostname").write_text(podfiles.hostname_file(config.hostname))
        (d / "shm").mkdir(mode=0o1777)
        (d / "shm").chmod(0o1777)
        root = d / "rootfs"
        for sub in ("proc", "dev"):
            (root / sub).mkdir(parents=True)
        (root / spec.PAUSE_PATH.lstrip("/")).touch()

    def _spec_host(
        self, pod_dir: Path, rootfs: Path, parent: str, cid: str, config: SandboxConfig | None,
        pause_pid: int = 0, netns: str = "", hostname: str = "",
    ) -> spec.SpecHost:  # fmt: skip
        if config is not None:
            netns, hostname = str(config.netns_path or ""), config.hostname
        return spec.SpecHost(
            rootfs=str(rootfs),
            cgroups_path=cgroups.container_cgroup(parent, cid),
            ipc_ns=f"/proc/{pause_pid}/ns/ipc",
            uts_ns=f"/proc/{pause_pid}/ns/uts",
            net_ns=netns,
            hosts_file=str(pod_dir / "hosts"),
            resolv_file=str(pod_dir / "resolv.conf"),
            hostname_file=str(pod_dir / "hostname"),
            shm_dir=str(pod_dir / "shm"),
            hostname=hostname,
            cgroup_v2=self.mode is cgroups.CgroupMode.V2,
            pause_binary=self.config.pause,
            nofile=resource.getrlimit(resource.RLIMIT_NOFILE)[1],
        )

    def _conmon_call(
        self, cid: str, bundle: Path, log: Path, *, tty: bool, stdin: bool, once: bool = False
    ) -> crun.ConmonCall:
        return crun.ConmonCall(
            container_id=cid,
            bundle=bundle,
            log_path=log,
            exit_dir=self.layout.exits,
            persist_dir=bundle / "persist",
            runtime=self.crun.binary,
            crun_root=self.layout.crun_root,
            tty=tty,
            stdin=stdin,
            stdin_once=once,
        )

    async def _drop_sandbox_files(self, sid: str, cgroup_parent: str) -> None:
        await self.crun.delete(sid)
        await asyncio.to_thread(shutil.rmtree, self.layout.sandbox_dir(sid), True)
        self.layout.exit_file(sid).unlink(missing_ok=True)
        cgroups.remove_cgroup(self.mounts, cgroup_parent, self.mode)

    def _sandbox(self, sandbox_id: str) -> state.SandboxRecord:
        rec = state.load_sandbox(self.layout, sandbox_id)
        if rec is None:
            raise SandboxNotFound(f"sandbox {sandbox_id} not found")
        return rec

    def _sandbox_status(self, rec: state.SandboxRecord) -> SandboxStatus:
        ready = state.alive(rec.pid, rec.pid_start)
        return SandboxStatus(
            id=rec.id,
            pod_uid=rec.pod_uid,
            namespace=rec.namespace,
            name=rec.name,
            attempt=rec.attempt,
            state=SandboxState.READY if ready else SandboxState.NOT_READY,
            created_at=rec.created_at,
            labels=dict(rec.labels),
        )

    @_mutates
    async def stop_sandbox(self, sandbox_id: str, timeout_s: float) -> None:
        rec = state.load_sandbox(self.layout, sandbox_id)
        if rec is None:
            return
        async with asyncio.TaskGroup() as tg:
            for c in self._container_records(sandbox_id):
                tg.create_task(self.stop_container(c.id, timeout_s))
        if state.alive(rec.pid, rec.pid_start):
            await self.crun.kill(sandbox_id, signal.SIGKILL)
            await self._wait_exit(sandbox_id, rec.pid, rec.pid_start, KILL_WAIT_S)

    @_mutates
    async def remove_sandbox(self, sandbox_id: str) -> None:
        rec = state.load_sandbox(self.layout, sandbox_id)
        if rec is None:
            return
        await self.stop_sandbox(sandbox_id, 0)
        for c in self._container_records(sandbox_id):
            await self.remove_container(c.id)
        await self._drop_sandbox_files(sandbox_id, rec.cgroup_parent)

    async def list_sandboxes(self) -> Sequence[SandboxStatus]:
        return list((await self._relist()).sandboxes)

    async def _relist(self) -> _Listing:
        """What runs, read from the state directory at most once per RELIST_S (kubelet's
        PLEG relists every second too) and at once after this runtime changed something
        or a container exited: the agent asks for every pod, and reading every record
        each time made an idle host with 100 pods burn a core."""
        now = time.monotonic()
        if self._listing is None or now - self._listing.at > RELIST_S:
            recs = (state.load_sandbox(self.layout, i) for i in self.layout.sandbox_ids())
            sandboxes = [self._sandbox_status(r) for r in recs if r is not None]
            containers = [self._status(r) for r in self._container_records(None)]
            self._listing = _Listing(now, sandboxes, containers)
        return self._listing

    def _changed(self) -> None:
        self._listing = None

    # -- containers -------------------------------------------------------------------------

    @_mutates
    async def create_container(self, sandbox_id: str, config: ContainerConfig) -> str:
        pod = self._sandbox(sandbox_id)
        if not state.alive(pod.pid, pod.pid_start):
            raise ContainerCreateFailed(f"sandbox {sandbox_id} is not running")
        if not config.rootfs_layers:
            raise ContainerCreateFailed("the image has no layers")
        cid = secrets.token_hex(10)
        d = self.layout.container_dir(cid)
        log = config.log_path or d / "container.log"
        async with contextlib.AsyncExitStack() as undo:
            for sub in ("rootfs", "upper", "work", "persist"):
                (d / sub).mkdir(parents=True)
            undo.push_async_callback(self._drop_container_files, cid)
            await self._mount_rootfs(d, config.rootfs_layers)
            log.parent.mkdir(parents=True, exist_ok=True)
            pod_dir = self.layout.sandbox_dir(sandbox_id)
            host = self._spec_host(
                pod_dir, d / "rootfs", pod.cgroup_parent, cid, None,
                pause_pid=pod.pid, netns=pod.netns_path, hostname=pod.hostname,
            )  # fmt: skip
            annotations = spec.pod_annotations(pod.pod_uid, pod.namespace, pod.name)
            state.write_json(d / "config.json", spec.container_spec(config, annotations, host))
            call = self._conmon_call(
                cid, d, log, tty=config.tty, stdin=config.stdin, once=config.stdin_once
            )
            try:
                await crun.launch(call, self.runner, conmon=_binary(self.config.conmon))
            except HostError as exc:
                raise ContainerCreateFailed(str(exc)) from exc
            pid = await crun.wait_created(d, self.layout.exit_file(cid))
            rec = state.ContainerRecord(
                id=cid,
                sandbox_id=sandbox_id,
                name=config.name,
                attempt=config.attempt,
                image=config.image,
                image_id=config.image_id,
                created_at=self.clock(),
                cgroup=host.cgroups_path,
                log_path=str(log),
                pid=pid,
                pid_start=state.process_start(pid) or 0,
                labels=dict(config.labels),
            )
            state.save_container(self.layout, rec)
            undo.pop_all()
        return cid

    async def _mount_rootfs(self, d: Path, layers: Sequence[Path]) -> None:
        opts = (
            f"lowerdir={':'.join(str(p) for p in layers)},"
            f"upperdir={d / 'upper'},workdir={d / 'work'}"
        )
        argv = ["mount", "-t", "overlay", "overlay", "-o", opts, str(d / "rootfs")]
        try:
            await run(argv, timeout=crun.CRUN_TIMEOUT_S, runner=self.runner)
        except HostError as exc:
            raise ContainerCreateFailed(f"root filesystem: {exc}") from exc

    async def _drop_container_files(self, cid: str) -> None:
        rec = state.load_container(self.layout, cid)
        await self.crun.delete(cid)
        d = self.layout.container_dir(cid)
        rootfs = d / "rootfs"
        if _is_mount(rootfs):
            done = await run(["umount", str(rootfs)], timeout=30, check=False, runner=self.runner)
            if done.returncode != 0:
                await run(
                    ["umount", "-l", str(rootfs)], timeout=30, check=False, runner=self.runner
                )
        await asyncio.to_thread(shutil.rmtree, d, True)
        self.layout.exit_file(cid).unlink(missing_ok=True)
        if rec is not None:
            cgroups.remove_cgroup(self.mounts, rec.cgroup, self.mode)

    def _container(self, container_id: str) -> state.ContainerRecord:
        rec = state.load_container(self.layout, container_id)
        if rec is None:
            raise ContainerNotFound(f"container {container_id} not found")
        return rec

    def _container_records(self, sandbox_id: str | None) -> list[state.ContainerRecord]:
        recs = (state.load_container(self.layout, i) for i in self.layout.container_ids())
        return [r for r in recs if r is not None and sandbox_id in (None, r.sandbox_id)]

    @_mutates
    async def start_container(self, container_id: str) -> None:
        rec = self._container(container_id)
        try:
            await self.crun.start(container_id)
        except HostError as exc:
            d = self.layout.container_dir(container_id)
            raise ContainerStartFailed(crun.crun_error(d) or str(exc)) from exc
        state.save_container(self.layout, replace(rec, started_at=self.clock()))

    @_mutates
    async def stop_container(self, container_id: str, timeout_s: float) -> None:
        rec = state.load_container(self.layout, container_id)
        if rec is None or not state.alive(rec.pid, rec.pid_start):
            return
        if timeout_s > 0 and rec.started_at:
            await self.crun.kill(container_id, signal.SIGTERM)
            if await self._wait_exit(container_id, rec.pid, rec.pid_start, timeout_s):
                return
        await self.crun.kill(container_id, signal.SIGKILL)
        await self._wait_exit(container_id, rec.pid, rec.pid_start, KILL_WAIT_S)

    async def _wait_exit(self, cid: str, pid: int, start: int, timeout_s: float) -> bool:
        """Wait for the process to die and conmon to record it; False on timeout."""
        deadline = time.monotonic() + timeout_s
        exit_file = self.layout.exit_file(cid)
        while time.monotonic() < deadline:
            if exit_file.exists() or not (state.alive(pid, start) or self._monitor_alive(cid)):
                return True
            await asyncio.sleep(0.01)
        return False

    def _monitor_alive(self, cid: str) -> bool:
        for d in (self.layout.container_dir(cid), self.layout.sandbox_dir(cid)):
            try:
                pid = int((d / "conmon.pid").read_text())
            except (FileNotFoundError, ValueError):
                continue
            return state.process_start(pid) is not None
        return False

    @_mutates
    async def remove_container(self, container_id: str) -> None:
        rec = state.load_container(self.layout, container_id)
        if rec is None:
            return
        await self.stop_container(container_id, 0)
        await self._drop_container_files(container_id)

    async def list_containers(self, sandbox_id: str | None = None) -> Sequence[ContainerStatus]:
        listing = await self._relist()
        return [c for c in listing.containers if sandbox_id in (None, c.sandbox_id)]

    async def container_status(self, container_id: str) -> ContainerStatus:
        return self._status(self._container(container_id))

    def _status(self, rec: state.ContainerRecord) -> ContainerStatus:
        exit_file = self.layout.exit_file(rec.id)
        try:
            code = status.parse_exit_file(exit_file.read_text())
            finished = exit_file.stat().st_mtime
        except FileNotFoundError:
            code, finished = None, 0.0
        oom = code is not None and code != 0 and self._oom_killed(rec)
        seen = status.Observed(
            process_alive=state.alive(rec.pid, rec.pid_start),
            monitor_alive=self._monitor_alive(rec.id),
            exit_code=code,
            finished_at=finished,
            oom_killed=oom,
        )
        return status.container_status(rec, seen)

    def _oom_killed(self, rec: state.ContainerRecord) -> bool:
        if (self.layout.container_dir(rec.id) / "persist" / "oom").exists():
            return True
        return cgroups.oom_kills(self.mounts, rec.cgroup, self.mode) > 0

    async def events(self) -> AsyncIterator[str]:
        """Ids of containers that exited, found by watching conmon's exit directory."""
        seen = set(os.listdir(self.layout.exits))
        while True:
            await asyncio.sleep(self.config.event_poll_s)
            now = set(os.listdir(self.layout.exits))
            for cid in sorted(now - seen):
                self._changed()
                if self.layout.container_dir(cid).exists():
                    yield cid
            seen = now
