"""What the stream server needs from the agent: its configuration and where pods run.

The agent core implements `Targets` over its own view of the host (the runtime's
containers and sandboxes, labelled with pod uid and container name) and passes it to
`serve_agent_api(..., runtime_lookup=...)`. Lookups are by pod uid as well as name, so a
request for a pod that was deleted and re-created under the same name never reaches the
new pod's containers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pacific.agent.runtimes.protocol import Streamer

APISERVER_USER = "system:pacific-apiserver"


@dataclass(frozen=True, slots=True)
class AgentServerConfig:
    """The agent's HTTPS stream endpoint (kubelet's :10250)."""

    cert_path: Path  # serving certificate signed by the cluster CA
    key_path: Path
    client_ca_path: Path  # the cluster CA: the only issuer of accepted client certificates
    host: str = "0.0.0.0"
    port: int = 10250
    allowed_users: tuple[str, ...] = (APISERVER_USER,)  # client certificate CNs let in
    log_poll_s: float = 0.1  # how often a followed log file is checked for growth
    max_message_bytes: int = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PodRef:
    namespace: str
    name: str
    uid: str

    @property
    def log_directory_name(self) -> str:
        """kubelet's pod log directory under the log root: `<ns>_<name>_<uid>`."""
        return f"{self.namespace}_{self.name}_{self.uid}"


@dataclass(frozen=True, slots=True)
class ContainerTarget:
    id: str  # the runtime's container id of the current instance
    running: bool
    streamer: Streamer
    tty: bool = False  # the container was created with a terminal (attach)


@dataclass(frozen=True, slots=True)
class SandboxTarget:
    id: str
    streamer: Streamer


class Targets(Protocol):
    async def container(self, pod: PodRef, name: str) -> ContainerTarget | None:
        """The current instance of container `name` of `pod` on this host, if any."""
        ...

    async def sandbox(self, pod: PodRef) -> SandboxTarget | None:
        """The pod's running sandbox on this host, if any."""
        ...
