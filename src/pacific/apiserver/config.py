"""Server configuration: one frozen dataclass built where the process starts.

Nothing in the apiserver reads the environment or global state; every tunable is here and is
passed down from `serve()` / `build_app()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pacific import __version__

KUBE_VERSION = (1, 32, 0)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 6443
    tls_cert_path: Path | None = None  # serving certificate (PEM); None serves plain HTTP
    tls_key_path: Path | None = None
    client_ca_path: Path | None = None  # CA whose client certificates authenticate users
    token_file_path: Path | None = None  # static tokens: token,user,uid,"group1,group2"
    # The address clients are told to use in /api serverAddressByClientCIDRs.
    advertise_address: str = ""
    max_body_bytes: int = 3 * 1024 * 1024
    # Watch: each watcher's queue; a watcher that falls this far behind is closed.
    watch_queue_size: int = 10_000
    # Watch cache: how many recent events each resource's cache keeps for watches from "N".
    event_ring_size: int = 20_000
    bookmark_interval_s: float = 60.0
    # A watch without timeoutSeconds ends after a random time in [min, 2*min), like kube.
    min_request_timeout_s: float = 1800.0
    # How long a read waits for the watch cache to catch up with the store.
    cache_wait_s: float = 3.0
    log_level: str = "warning"
    # Service cluster IPs come from this CIDR (its first address is the `kubernetes`
    # Service's); NodePorts from this inclusive range.
    service_cidr: str = "10.96.0.0/12"
    # CPython's cyclic GC thresholds for the serving process (None: leave them). With tens
    # of thousands of cached objects, the default (700, 10, 10) runs full collections every
    # few seconds under load, each a pause of 100+ ms: the create p99 went from 130 ms to
    # 8 ms with these (reference counting still frees everything acyclic at once).
    gc_thresholds: tuple[int, int, int] | None = (50_000, 50, 100)
    node_port_range: tuple[int, int] = (30000, 32767)
    # Streams (logs, exec, attach, port-forward) are relayed to node agents over TLS with
    # this client certificate (CN system:pacific-apiserver); agents' serving certificates
    # are verified against agent_ca_path (None: client_ca_path, the cluster CA).
    agent_client_cert_path: Path | None = None
    agent_client_key_path: Path | None = None
    agent_ca_path: Path | None = None

    @property
    def git_version(self) -> str:
        major, minor, patch = KUBE_VERSION
        return f"v{major}.{minor}.{patch}-pacific.{__version__}"
