"""A pod network that touches nothing: `pacific.agent.network.protocol.Network` in memory.

Addresses come from one /24 (`10.88.0.0/24` unless told), the gateway is `.1`, pods get
`.2` upwards; an address is reused only after its pod's `teardown`. `setup`/`tap` are
idempotent per pod uid. Like a real network's state, `FakeNetwork(state=old.state)`
survives an "agent restart", and `recover()` returns what is attached.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from pacific.agent.network.protocol import Attachment, NetworkCapabilities, TapAttachment


@dataclass
class FakeNetworkState:
    attached: dict[str, Attachment | TapAttachment] = field(default_factory=dict)
    setups: list[str] = field(default_factory=list)  # pod uids, in call order
    teardowns: list[str] = field(default_factory=list)


class FakeNetwork:
    def __init__(
        self, cidr: str = "10.88.0.0/24", *, state: FakeNetworkState | None = None
    ) -> None:
        self.cidr = IPv4Network(cidr)
        self.state = state or FakeNetworkState()
        self.gateway = self.cidr.network_address + 1

    @property
    def capabilities(self) -> NetworkCapabilities:
        return NetworkCapabilities(
            namespaces=True, taps=True, outbound_nat=False, ipv6=False, survives_restart=True
        )

    def _free_ip(self) -> IPv4Address:
        used = {a.ip for a in self.state.attached.values()}
        for host in self.cidr.hosts():
            if host != self.gateway and host not in used:
                return host
        raise RuntimeError(f"no free address in {self.cidr}")

    async def setup(self, pod_uid: str, namespace: str, name: str) -> Attachment:
        await asyncio.sleep(0)
        self.state.setups.append(pod_uid)
        found = self.state.attached.get(pod_uid)
        if isinstance(found, Attachment):
            return found
        att = Attachment(
            pod_uid=pod_uid,
            netns_path=Path(f"/run/netns/fake-{pod_uid}"),
            interface="eth0",
            ip=self._free_ip(),
            prefix_len=self.cidr.prefixlen,
            gateway=self.gateway,
            mac="02:00:00:00:00:01",
        )
        self.state.attached[pod_uid] = att
        return att

    async def tap(self, pod_uid: str, namespace: str, name: str) -> TapAttachment:
        await asyncio.sleep(0)
        found = self.state.attached.get(pod_uid)
        if isinstance(found, TapAttachment):
            return found
        tap = TapAttachment(
            pod_uid=pod_uid,
            device=f"tap{len(self.state.attached)}",
            ip=self._free_ip(),
            prefix_len=self.cidr.prefixlen,
            gateway=self.gateway,
            mac="02:00:00:00:00:02",
            mtu=1500,
        )
        self.state.attached[pod_uid] = tap
        return tap

    async def teardown(self, pod_uid: str) -> None:
        await asyncio.sleep(0)
        self.state.teardowns.append(pod_uid)
        self.state.attached.pop(pod_uid, None)

    async def recover(self) -> list[Attachment | TapAttachment]:
        return list(self.state.attached.values())
