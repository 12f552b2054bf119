"""The agent's stream server (kubelet's :10250): logs, exec, attach and port-forward.

Start it inside the agent: `await serve_agent_api(config, runtime_lookup=targets,
log_root=Path("/var/log/pods"))` (see `app`); `targets.Targets` is what the agent core
implements. Only the API server calls it, over TLS with a cluster-CA client certificate.
"""

from pacific.agent.server.app import serve_agent_api
from pacific.agent.server.targets import (
    AgentServerConfig,
    ContainerTarget,
    PodRef,
    SandboxTarget,
    Targets,
)

__all__ = [
    "AgentServerConfig",
    "ContainerTarget",
    "PodRef",
    "SandboxTarget",
    "Targets",
    "serve_agent_api",
]
