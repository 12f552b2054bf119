"""A runtime that runs nothing: the Runtime and Streamer protocols in memory, for tests.

    runtime = FakeRuntime(clock=fake_clock)
    runtime.behave("app", exit_code=1)          # every start of "app" exits at once with 1
    runtime.exit(container_id, 137, "OOMKilled") # a running container dies now

Model: sandboxes and containers live in a `FakeHost` (a plain state object). Restarting
the agent is `FakeRuntime(host=old.host)`: a new runtime that finds everything the old one
left, as a real runtime finds its processes again. A started container runs until it is
stopped, `exit()`ed, or its behaviour makes it exit at once; a tiny interpreter also lets
`sh -c "exit N"` exit with N (so a conformance harness can write one command for every
runtime). Stopping sends "SIGTERM": the container exits 143, or, if its behaviour ignores
SIGTERM, 137 "after" the timeout (no real wait; the timeouts given are recorded in
`stops`). Every state change is announced on `events()`. Exec runs `exit N` / `echo` /
`true` / `false` in the same interpreter, or a handler a test installs; port-forward
connects to a real address a test maps with `forward()`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import shlex
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from pacific.agent.runtimes.protocol import (
    ContainerConfig,
    ContainerState,
    ContainerStatus,
    ExecResult,
    RuntimeFailure,
    RuntimeInfo,
    SandboxConfig,
    SandboxState,
    SandboxStatus,
    Streams,
)
from pacific.client.clock import Clock, SystemClock

ExecHandler = Callable[[ContainerStatus, Sequence[str]], ExecResult]


class NotFoundFailure(RuntimeFailure):
    reason = "NotFound"


class CreateFailure(RuntimeFailure):
    reason = "CreateContainerError"


@dataclass(frozen=True, slots=True)
class Behaviour:
    exit_code: int | None = None  # exit at once with this code when started
    reason: str = ""  # e.g. OOMKilled
    ignore_sigterm: bool = False
    fail_create: str = ""  # create_container raises CreateFailure with this message


@dataclass
class FakeHost:
    """What a host holds across agent restarts."""

    sandboxes: dict[str, SandboxStatus] = field(default_factory=dict)
    containers: dict[str, ContainerStatus] = field(default_factory=dict)
    configs: dict[str, ContainerConfig] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class FakeRuntime:
    def __init__(
        self,
        *,
        clock: Clock | None = None,
        host: FakeHost | None = None,
        info: RuntimeInfo | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.host = host or FakeHost()
        self.info = info or RuntimeInfo("container", "container", "container")
        self.behaviours: dict[str, Behaviour] = {}
        self.exec_handler: ExecHandler | None = None
        self.stops: list[tuple[str, float]] = []  # (container id, timeout) of each stop
        self.execs: list[tuple[str, tuple[str, ...]]] = []
        self._forwards: dict[tuple[str, int], tuple[str, int]] = {}
        self._events: asyncio.Queue[str] = asyncio.Queue()

    # -- test controls ---------------------------------------------------------------------

    def behave(self, name: str, **kwargs: object) -> None:
        """Set how containers named `name` behave from their next start/create on."""
        self.behaviours[name] = Behaviour(**kwargs)  # type: ignore[arg-type]

    def exit(self, container_id: str, exit_code: int, reason: str = "") -> None:
        """A running container exits now."""
        c = self._container(container_id)
        if c.state is ContainerState.RUNNING:
            self._finish(c, exit_code, reason)

    def forward(self, sandbox_id: str, port: int, address: tuple[str, int]) -> None:
        self._forwards[(sandbox_id, port)] = address

    def containers_named(self, name: str) -> list[ContainerStatus]:
        found = [c for c in self.host.containers.values() if c.name == name]
        return sorted(found, key=lambda c: (c.attempt, c.created_at))

    def config_of(self, container_id: str) -> ContainerConfig:
        return self.host.configs[container_id]

    # -- internals -------------------------------------------------------------------------

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _new_id(self, kind: str) -> str:
        return f"{kind}{next(self.host.ids):08x}"

    def _container(self, container_id: str) -> ContainerStatus:
        try:
            return self.host.containers[container_id]
        except KeyError:
            raise NotFoundFailure(f"container {container_id} not found") from None

    def _sandbox(self, sandbox_id: str) -> SandboxStatus:
        try:
            return self.host.sandboxes[sandbox_id]
        except KeyError:
            raise NotFoundFailure(f"sandbox {sandbox_id} not found") from None

    def _set(self, c: ContainerStatus, **changes: object) -> ContainerStatus:
        new = dataclasses.replace(c, **changes)  # type: ignore[arg-type]
        self.host.containers[c.id] = new
        self._events.put_nowait(c.id)
        return new

    def _finish(self, c: ContainerStatus, code: int, reason: str = "") -> None:
        if not reason:
            reason = "Completed" if code == 0 else "Error"
        self._set(
            c, state=ContainerState.EXITED, exit_code=code, reason=reason, finished_at=self._now()
        )

    # -- Runtime ---------------------------------------------------------------------------

    async def run_sandbox(self, config: SandboxConfig) -> SandboxStatus:
        await asyncio.sleep(0)
        sb = SandboxStatus(
            id=self._new_id("sb"),
            pod_uid=config.pod_uid,
            namespace=config.namespace,
            name=config.name,
            attempt=config.attempt,
            state=SandboxState.READY,
            created_at=self._now(),
            labels=dict(config.labels),
        )
        self.host.sandboxes[sb.id] = sb
        return sb

    async def stop_sandbox(self, sandbox_id: str, timeout_s: float) -> None:
        sb = self.host.sandboxes.get(sandbox_id)
        if sb is None:
            return
        for c in list(self.host.containers.values()):
            if c.sandbox_id == sandbox_id:
                await self.stop_container(c.id, timeout_s)
        self.host.sandboxes[sandbox_id] = dataclasses.replace(sb, state=SandboxState.NOT_READY)

    async def remove_sandbox(self, sandbox_id: str) -> None:
        await self.stop_sandbox(sandbox_id, 0)
        for c in list(self.host.containers.values()):
            if c.sandbox_id == sandbox_id:
                await self.remove_container(c.id)
        self.host.sandboxes.pop(sandbox_id, None)

    async def create_container(self, sandbox_id: str, config: ContainerConfig) -> str:
        await asyncio.sleep(0)
        sb = self._sandbox(sandbox_id)
        if sb.state is not SandboxState.READY:
            raise RuntimeFailure(f"sandbox {sandbox_id} is not ready")
        behaviour = self.behaviours.get(config.name, Behaviour())
        if behaviour.fail_create:
            raise CreateFailure(behaviour.fail_create)
        c = ContainerStatus(
            id=self._new_id("c"),
            sandbox_id=sandbox_id,
            name=config.name,
            attempt=config.attempt,
            state=ContainerState.CREATED,
            image=config.image,
            image_id=config.image_id,
            created_at=self._now(),
            log_path=config.log_path,
            labels=dict(config.labels),
        )
        self.host.containers[c.id] = c
        self.host.configs[c.id] = config
        return c.id

    async def start_container(self, container_id: str) -> None:
        await asyncio.sleep(0)
        c = self._container(container_id)
        if c.state is not ContainerState.CREATED:
            raise RuntimeFailure(f"container {container_id} is {c.state.value}, not created")
        c = self._set(c, state=ContainerState.RUNNING, started_at=self._now())
        behaviour = self.behaviours.get(c.name, Behaviour())
        code = behaviour.exit_code
        if code is None:
            code = _scripted_exit(self.host.configs[container_id])
        if code is not None:
            self._finish(c, code, behaviour.reason)

    async def stop_container(self, container_id: str, timeout_s: float) -> None:
        await asyncio.sleep(0)
        c = self.host.containers.get(container_id)
        if c is None or c.state is ContainerState.EXITED:
            return
        self.stops.append((container_id, timeout_s))
        if c.state is ContainerState.CREATED:
            self._finish(c, 0)
            return
        ignores = self.behaviours.get(c.name, Behaviour()).ignore_sigterm
        self._finish(c, 137 if ignores else 143)

    async def remove_container(self, container_id: str) -> None:
        c = self.host.containers.get(container_id)
        if c is None:
            return
        if c.state is ContainerState.RUNNING:
            raise RuntimeFailure(f"container {container_id} is running")
        self.host.containers.pop(container_id, None)
        self.host.configs.pop(container_id, None)

    async def list_sandboxes(self) -> Sequence[SandboxStatus]:
        return list(self.host.sandboxes.values())

    async def list_containers(self, sandbox_id: str | None = None) -> Sequence[ContainerStatus]:
        return [
            c
            for c in self.host.containers.values()
            if sandbox_id is None or c.sandbox_id == sandbox_id
        ]

    async def container_status(self, container_id: str) -> ContainerStatus:
        return self._container(container_id)

    async def events(self) -> AsyncIterator[str]:
        while True:
            yield await self._events.get()

    # -- Streamer --------------------------------------------------------------------------

    async def exec(
        self,
        container_id: str,
        argv: Sequence[str],
        *,
        tty: bool,
        streams: Streams | None,
        timeout_s: float = 0,
    ) -> ExecResult:
        c = self._container(container_id)
        if c.state is not ContainerState.RUNNING:
            raise RuntimeFailure(f"container {container_id} is not running")
        self.execs.append((container_id, tuple(argv)))
        result = self.exec_handler(c, argv) if self.exec_handler else _scripted_exec(argv)
        if streams is not None:
            if result.stdout:
                await streams.write_stdout(result.stdout)
            if result.stderr:
                await streams.write_stderr(result.stderr)
        return result

    async def attach(self, container_id: str, *, tty: bool, streams: Streams) -> None:
        c = self._container(container_id)
        if c.state is not ContainerState.RUNNING:
            raise RuntimeFailure(f"container {container_id} is not running")

    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self._sandbox(sandbox_id)
        address = self._forwards.get((sandbox_id, port))
        if address is None:
            raise RuntimeFailure(f"connection refused: port {port} in sandbox {sandbox_id}")
        return await asyncio.open_connection(*address)


def _script(argv: Sequence[str]) -> list[str]:
    """The words of `sh -c "<script>"`, or argv itself."""
    if len(argv) >= 3 and argv[0] in ("sh", "/bin/sh") and argv[1] == "-c":
        try:
            return shlex.split(argv[2])
        except ValueError:
            return []
    return list(argv)


def _scripted_exit(config: ContainerConfig) -> int | None:
    words = _script([*config.command, *config.args])
    if words[:1] == ["exit"]:
        return int(words[1]) if len(words) > 1 and words[1].isdigit() else 0
    if words[:1] in (["true"], ["/bin/true"]):
        return 0
    if words[:1] in (["false"], ["/bin/false"]):
        return 1
    return None


def _scripted_exec(argv: Sequence[str]) -> ExecResult:
    words = _script(argv)
    if words[:1] == ["exit"]:
        return ExecResult(int(words[1]) if len(words) > 1 and words[1].isdigit() else 0)
    if words[:1] == ["echo"]:
        return ExecResult(0, (" ".join(words[1:]) + "\n").encode())
    if words[:1] == ["false"]:
        return ExecResult(1)
    return ExecResult(0)
