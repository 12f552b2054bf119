"""The network protocol: what the agent asks of a pod network on its host.

Model: every pod that is not on the host network gets an *attachment* before its sandbox
runs. For the container runtime that is a network namespace of its own, bind-mounted at a
stable path so it outlives the agent and can be found again, holding `eth0` (one end of a
veth pair whose other end sits on the host bridge) with an address from the host's pod CIDR
and a default route via the bridge. For the VM runtimes it is a tap device on the bridge and
an address for the guest to configure (`tap()`).

Invariants every implementation keeps:
- `setup`/`tap` are idempotent: calling again for the same pod returns the same address and
  converges a half-done attempt (a crash between two steps); a call that fails leaves
  nothing behind that it created.
- `teardown` is idempotent and removes everything the pod had, address lease last, so an
  address is never handed out while anything still uses it.
- `recover` (after an agent restart) reconciles the persisted leases with what exists on
  the host: live attachments are re-adopted and returned, leaked leases and devices freed.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Attachment:
    """A pod's network namespace, ready for its sandbox to join."""

    pod_uid: str
    netns_path: Path  # bind mount of the namespace, e.g. /run/netns/pacific-<uid>
    interface: str  # inside the namespace: "eth0"
    ip: IPv4Address
    prefix_len: int
    gateway: IPv4Address
    mac: str  # of `interface`, lowercase colon form


@dataclass(frozen=True, slots=True)
class TapAttachment:
    """A tap device on the host bridge for a VM pod; the guest configures `ip` itself."""

    pod_uid: str
    device: str  # the tap's name on the host (QEMU: -netdev tap,ifname=<device>)
    ip: IPv4Address
    prefix_len: int
    gateway: IPv4Address
    mac: str  # for the guest's NIC (the tap itself has another)
    mtu: int


@dataclass(frozen=True, slots=True)
class NetworkCapabilities:
    """What a network implementation can do, as data the agent can check."""

    namespaces: bool  # setup(): a network namespace per pod
    taps: bool  # tap(): tap devices for VM runtimes
    outbound_nat: bool  # pods reach beyond the host through masquerade
    ipv6: bool  # pods also get an IPv6 address
    survives_restart: bool  # attachments outlive the agent process; recover() finds them


class Network(Protocol):
    """A host's pod network. All methods are idempotent and safe to retry."""

    @property
    def capabilities(self) -> NetworkCapabilities: ...

    async def setup(self, pod_uid: str, namespace: str, name: str) -> Attachment:
        """Give the pod a network namespace with an address; the same one on every call."""
        ...

    async def tap(self, pod_uid: str, namespace: str, name: str) -> TapAttachment:
        """Give a VM pod a tap device on the bridge and an address for its guest."""
        ...

    async def teardown(self, pod_uid: str) -> None:
        """Remove the pod's namespace or tap and release its address; no-op if none."""
        ...

    async def recover(self) -> list[Attachment | TapAttachment]:
        """Reconcile persisted leases with the host; return the live attachments."""
        ...
