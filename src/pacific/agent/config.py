"""The agent's configuration: one frozen value built where the process starts.

Directories (kubelet's layout, under Pacific's roots):

    <state_dir>/pods/<pod uid>/volumes/<volume name>/   materialised volumes
    <log_dir>/<namespace>_<name>_<uid>/<container>/<attempt>.log   CRI-format logs

Periods follow kubelet: the node Lease is renewed every `heartbeat_s`, node status is
written every `status_report_s` or at once when an observation changes, every pod is
re-synced every `resync_s` even without events. `default_runtime` names the runtime a pod
without `spec.runtimeClassName` runs in (a key of the runtimes mapping given to
`run_agent`; RuntimeClass handler names map to runtimes by `RuntimeInfo.handler`).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

KUBELET_VERSION = "v1.32.0-pacific"


@dataclass(frozen=True, slots=True)
class AgentConfig:
    node_name: str = ""  # "" = this host's name, lowercased
    state_dir: Path = Path("/var/lib/pacific/agent")
    log_dir: Path = Path("/var/log/pods")
    default_runtime: str = "container"
    node_ip: str = ""  # "" = the address the host name resolves to (else 127.0.0.1)
    max_pods: int = 110
    server_port: int = 10250  # the stream server (logs, exec, attach, port-forward)
    heartbeat_s: float = 10.0
    lease_duration_s: int = 40
    status_report_s: float = 60.0
    resync_s: float = 10.0
    volume_refresh_s: float = 60.0  # ConfigMap/Secret volumes are rewritten this often
    workers: int = 16
    default_grace_s: int = 30
    cgroup_root: str = "pacific"
    labels: tuple[tuple[str, str], ...] = ()
    image_gc_high_percent: int = 85  # image GC starts above this use of the image filesystem
    image_gc_low_percent: int = 80  # and removes unused images until use is below this
    image_gc_period_s: float = 300.0

    def __post_init__(self) -> None:
        if not 0 <= self.image_gc_low_percent < self.image_gc_high_percent <= 100:
            raise ValueError("image GC needs 0 <= low percent < high percent <= 100")
        if self.heartbeat_s <= 0 or self.resync_s <= 0 or self.workers < 1:
            raise ValueError("heartbeat_s and resync_s must be positive, workers at least 1")

    @property
    def pods_dir(self) -> Path:
        return self.state_dir / "pods"

    def resolved_node_name(self) -> str:
        return self.node_name or socket.gethostname().lower()

    def pod_dir(self, pod_uid: str) -> Path:
        return self.pods_dir / pod_uid

    def pod_log_dir(self, namespace: str, name: str, uid: str) -> Path:
        return self.log_dir / f"{namespace}_{name}_{uid}"
