"""Where the stream server finds a pod's containers: in the runtimes themselves.

The stream server (pacific.agent.server) asks for "container c of pod p" or "the sandbox
of pod p"; the answer comes from what the runtimes report, not from the agent's own
bookkeeping, so it is right after an agent restart too. The current instance of a
container is its highest attempt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from pacific.agent.podspec import TTY_LABEL
from pacific.agent.runtimes.protocol import (
    ContainerState,
    Runtime,
    SandboxState,
    Streamer,
)
from pacific.agent.server import ContainerTarget, PodRef, SandboxTarget


class StreamingRuntime(Runtime, Streamer, Protocol):
    """A runtime that also serves exec, attach and port-forward."""


class RuntimeTargets:
    def __init__(self, runtimes: Mapping[str, StreamingRuntime]) -> None:
        self.runtimes = runtimes

    async def sandbox(self, pod: PodRef) -> SandboxTarget | None:
        for runtime in self.runtimes.values():
            for sandbox in await runtime.list_sandboxes():
                if sandbox.pod_uid == pod.uid and sandbox.state is SandboxState.READY:
                    return SandboxTarget(sandbox.id, runtime)
        return None

    async def container(self, pod: PodRef, name: str) -> ContainerTarget | None:
        for runtime in self.runtimes.values():
            sandboxes = {s.id for s in await runtime.list_sandboxes() if s.pod_uid == pod.uid}
            if not sandboxes:
                continue
            instances = [
                c
                for c in await runtime.list_containers()
                if c.sandbox_id in sandboxes and c.name == name
            ]
            if not instances:
                return None
            current = max(instances, key=lambda c: (c.attempt, c.created_at))
            return ContainerTarget(
                id=current.id,
                running=current.state is ContainerState.RUNNING,
                streamer=runtime,
                tty=current.labels.get(TTY_LABEL) == "true",
            )
        return None
