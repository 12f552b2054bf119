"""Failures of the container runtime, each with the kubelet reason the agent shows.

    RuntimeFailure (pacific.agent.runtimes.protocol)
     ├── SandboxNotFound          unknown sandbox id
     ├── ContainerNotFound        unknown container id
     ├── SandboxCreateFailed      CreatePodSandboxError: the pause could not be run
     ├── ContainerCreateFailed    CreateContainerError: crun create failed (bad command, ...)
     └── ContainerStartFailed     RunContainerError: crun start failed

Host command failures (`pacific.host.HostError`) are translated into these at the runtime's
boundary, with crun's own message when it logged one.
"""

from __future__ import annotations

from pacific.agent.runtimes.protocol import RuntimeFailure


class SandboxNotFound(RuntimeFailure):
    reason = "NotFound"


class ContainerNotFound(RuntimeFailure):
    reason = "NotFound"


class SandboxCreateFailed(RuntimeFailure):
    reason = "CreatePodSandboxError"


class ContainerCreateFailed(RuntimeFailure):
    reason = "CreateContainerError"


class ContainerStartFailed(RuntimeFailure):
    reason = "RunContainerError"
