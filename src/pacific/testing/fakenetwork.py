"""A fake `pacific.agent.network.protocol.Network` for tests: the host's network in memory.

It keeps the real contract, with the real pure IPAM (`pacific.agent.network.ipam`):
`setup`/`tap` are idempotent and return the same address for the same pod, `teardown` is
idempotent and releases the address, a pod cannot hold a namespace and a tap at once, and
addresses are never handed out twice. The object itself plays the host: reuse it across
two agent instances to model an agent restart, and `recover()` returns what survived.

Faults: `fail_next(error)` makes the next `setup`/`tap` raise it (after which calls work
again), the way a netlink or nft failure surfaces; a failed call leaves nothing behind.
`calls` records every call as (method, pod_uid) for assertions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network
from pathlib import Path

from pacific.agent.network import ipam, names
from pacific.agent.network.config import DEFAULT_POD_CIDR
from pacific.agent.network.errors import NetworkError
from pacific.agent.network.protocol import Attachment, NetworkCapabilities, TapAttachment

FAKE_NETNS_DIR = Path("/run/netns")


@dataclass
class FakeNetwork:
    pod_cidr: IPv4Network = DEFAULT_POD_CIDR
    mtu: int = 1500
    calls: list[tuple[str, str]] = field(default_factory=list)
    state: ipam.IPAMState = field(default_factory=ipam.IPAMState)
    _failure: NetworkError | None = None

    @property
    def capabilities(self) -> NetworkCapabilities:
        return NetworkCapabilities(
            namespaces=True, taps=True, outbound_nat=True, ipv6=False, survives_restart=True
        )

    def fail_next(self, error: NetworkError) -> None:
        self._failure = error

    def attachments(self) -> dict[str, Attachment | TapAttachment]:
        """What every pod currently has, by pod uid."""
        return {uid: self._attachment(lease) for uid, lease in self.state.leases.items()}

    async def setup(self, pod_uid: str, namespace: str, name: str) -> Attachment:
        self.calls.append(("setup", pod_uid))
        return self._veth(self._lease(pod_uid, ipam.LeaseKind.VETH, namespace, name))

    async def tap(self, pod_uid: str, namespace: str, name: str) -> TapAttachment:
        self.calls.append(("tap", pod_uid))
        return self._tap(self._lease(pod_uid, ipam.LeaseKind.TAP, namespace, name))

    async def teardown(self, pod_uid: str) -> None:
        self.calls.append(("teardown", names.check_pod_uid(pod_uid)))
        self.state, _ = ipam.release(self.state, pod_uid)

    async def recover(self) -> list[Attachment | TapAttachment]:
        self.calls.append(("recover", ""))
        return list(self.attachments().values())

    def _lease(self, pod_uid: str, kind: ipam.LeaseKind, namespace: str, name: str) -> ipam.Lease:
        names.check_pod_uid(pod_uid)
        if self._failure is not None:
            error, self._failure = self._failure, None
            raise error
        self.state, lease = ipam.allocate(self.state, self.pod_cidr, pod_uid, kind, namespace, name)
        return lease

    def _attachment(self, lease: ipam.Lease) -> Attachment | TapAttachment:
        return self._tap(lease) if lease.kind is ipam.LeaseKind.TAP else self._veth(lease)

    def _tap(self, lease: ipam.Lease) -> TapAttachment:
        return TapAttachment(
            pod_uid=lease.pod_uid,
            device=names.tap_name("pc", lease.pod_uid),
            ip=lease.ip,
            prefix_len=self.pod_cidr.prefixlen,
            gateway=self.pod_cidr.network_address + 1,
            mac=names.pod_mac(lease.pod_uid),
            mtu=self.mtu,
        )

    def _veth(self, lease: ipam.Lease) -> Attachment:
        return Attachment(
            pod_uid=lease.pod_uid,
            netns_path=FAKE_NETNS_DIR / names.netns_name("fake-", lease.pod_uid),
            interface=names.POD_INTERFACE,
            ip=lease.ip,
            prefix_len=self.pod_cidr.prefixlen,
            gateway=self.pod_cidr.network_address + 1,
            mac=names.pod_mac(lease.pod_uid),
        )
