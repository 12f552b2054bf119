"""The runtime protocol: what the agent asks of a pod runtime (CRI-shaped).

Model: a pod is a *sandbox* (the isolation boundary: shared network, IPC and UTS namespaces
for the container runtime; a microVM for `microvm`) holding *containers*. The agent owns
desired state and decides; a runtime only does, and reports what it observes. Everything a
runtime creates is labelled with the pod's uid and the container's name and attempt so that
after an agent restart `list_sandboxes()` / `list_containers()` find it again; nothing is
lost or killed when the agent restarts.

Networking is prepared by the agent (pacific.agent.network) before `run_sandbox`: the
sandbox joins the given network namespace (container runtime) or tap device (VM runtimes).
Images are resolved by the agent (pacific.agent.images) into root filesystem layers.

Streams (exec, attach, port-forward) are a separate protocol, `Streamer`, since a runtime
may serve them in different ways (crun exec vs the guest agent).
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class SandboxState(enum.Enum):
    READY = "ready"
    NOT_READY = "not-ready"  # stopped, or its isolation boundary is gone


class ContainerState(enum.Enum):
    CREATED = "created"
    RUNNING = "running"
    EXITED = "exited"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Mount:
    host_path: Path
    container_path: str
    read_only: bool = False
    propagation: str = "private"  # private | rslave | rshared


@dataclass(frozen=True, slots=True)
class Resources:
    """Cgroup limits (CRI's LinuxContainerResources). 0 means unset."""

    cpu_shares: int = 0  # from requests.cpu: millicores * 1024 / 1000, min 2
    cpu_quota_us: int = 0  # from limits.cpu: millicores * period / 1000
    cpu_period_us: int = 100_000
    memory_limit_bytes: int = 0
    pids_limit: int = 0
    cpuset_cpus: str = ""  # NUMA/CPU pinning chosen by the scheduler, e.g. "0-3"
    cpuset_mems: str = ""


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    pod_uid: str
    namespace: str
    name: str
    attempt: int
    hostname: str
    netns_path: Path | None  # joined by the sandbox; None = host network
    log_directory: Path  # /var/log/pods/<ns>_<name>_<uid>
    cgroup_parent: str  # e.g. "pacific/burstable/pod<uid>"
    dns_servers: tuple[str, ...] = ()
    dns_searches: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    resources: Resources = field(default_factory=Resources)  # the pod's total (VM sizing)


@dataclass(frozen=True, slots=True)
class ContainerConfig:
    name: str
    attempt: int  # restart count: 0 for the first instance
    image: str  # the reference as written in the pod
    image_id: str  # resolved digest
    rootfs_layers: tuple[Path, ...]  # unpacked layer dirs, top first (overlay lowerdir order)
    command: tuple[str, ...]  # entrypoint, already merged with the image config
    args: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    working_dir: str = ""
    mounts: tuple[Mount, ...] = ()
    resources: Resources = field(default_factory=Resources)
    run_as_user: int | None = None
    run_as_group: int | None = None
    read_only_rootfs: bool = False
    privileged: bool = False
    tty: bool = False
    stdin: bool = False
    stdin_once: bool = False
    log_path: Path | None = None  # CRI-format log file; runtime writes stdout/stderr there
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SandboxStatus:
    id: str
    pod_uid: str
    namespace: str
    name: str
    attempt: int
    state: SandboxState
    created_at: float  # unix seconds
    ip: str = ""  # for runtimes that own addressing (VMs report what the guest got)
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ContainerStatus:
    id: str
    sandbox_id: str
    name: str
    attempt: int
    state: ContainerState
    image: str
    image_id: str
    created_at: float
    started_at: float = 0.0
    finished_at: float = 0.0
    exit_code: int = 0
    reason: str = ""  # OOMKilled, Error, Completed, ContainerCannotRun, ...
    message: str = ""
    log_path: Path | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuntimeInfo:
    name: str  # "container", "microvm", "vm"
    handler: str  # the RuntimeClass handler it serves
    isolation: str  # "container" | "vm"
    accelerator: str = ""  # "kvm" | "tcg" for VM runtimes


class RuntimeFailure(Exception):
    """Base of runtime failures; `reason` is the kubelet-style reason shown in status."""

    reason = "RuntimeError"


class Runtime(Protocol):
    info: RuntimeInfo

    async def run_sandbox(self, config: SandboxConfig) -> SandboxStatus: ...

    async def stop_sandbox(self, sandbox_id: str, timeout_s: float) -> None:
        """Stop every container in it (SIGTERM, then SIGKILL after timeout_s) and the sandbox.
        Idempotent."""
        ...

    async def remove_sandbox(self, sandbox_id: str) -> None:
        """Remove everything the sandbox left on the host. Idempotent."""
        ...

    async def create_container(self, sandbox_id: str, config: ContainerConfig) -> str: ...

    async def start_container(self, container_id: str) -> None: ...

    async def stop_container(self, container_id: str, timeout_s: float) -> None:
        """SIGTERM (or the image's stop signal), SIGKILL after timeout_s. Idempotent."""
        ...

    async def remove_container(self, container_id: str) -> None: ...

    async def list_sandboxes(self) -> Sequence[SandboxStatus]: ...

    async def list_containers(self, sandbox_id: str | None = None) -> Sequence[ContainerStatus]: ...

    async def container_status(self, container_id: str) -> ContainerStatus: ...

    def events(self) -> AsyncIterator[str]:
        """Container ids whose state changed (exits), so the agent needs no busy polling.
        (An async generator: `async for container_id in runtime.events()`.)"""
        ...


@dataclass(frozen=True, slots=True)
class ExecResult:
    exit_code: int
    stdout: bytes = b""
    stderr: bytes = b""


class Streams(Protocol):
    """Byte streams of an interactive session; the agent's stream server adapts
    WebSocket/SPDY channels to this."""

    async def read_stdin(self) -> bytes | None: ...  # None = stdin closed

    async def write_stdout(self, data: bytes) -> None: ...

    async def write_stderr(self, data: bytes) -> None: ...

    async def resizes(self) -> AsyncIterator[tuple[int, int]]: ...  # (cols, rows)


class Streamer(Protocol):
    async def exec(
        self,
        container_id: str,
        argv: Sequence[str],
        *,
        tty: bool,
        streams: Streams | None,
        timeout_s: float = 0,
    ) -> ExecResult:
        """Run argv in the container. With `streams` None (probes) output is captured."""
        ...

    async def attach(self, container_id: str, *, tty: bool, streams: Streams) -> None: ...

    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """An (asyncio.StreamReader, asyncio.StreamWriter) pair connected to `port` inside
        the sandbox's network."""
        ...
