"""Configuration of a host's pod network, built where the agent starts and passed down.

Default pod CIDR 10.120.0.0/16, chosen to stay clear of the ranges other software on the
same host or network usually takes: Docker (172.17.0.0/16 and its 172.16/12 and
192.168/16 pools), podman and containerd's CNI default (10.88.0.0/16, next networks
10.89.x), CRI-O (10.85.0.0/16), Kubernetes service ranges (10.96.0.0/12), flannel
(10.244.0.0/16), k3s (10.42.0.0/16, 10.43.0.0/16), Calico (192.168.0.0/16) and Weave
(10.32.0.0/12). The gateway is the first address of the CIDR and lives on the bridge.

Everything the network creates on the host is named from this config (bridge, nftables
table, namespace prefix, host-side device prefix), so two networks with different configs
(a test and a real `pacific up`) never touch each other's objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

_IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
_TABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_NETNS_PREFIX = re.compile(r"^[A-Za-z0-9_.-]{1,24}$")
_LINK_PREFIX = re.compile(r"^[a-z][a-z0-9]{0,3}$")

DEFAULT_POD_CIDR = IPv4Network("10.120.0.0/16")


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    state_dir: Path  # holds ipam.json and its lock
    bridge: str = "pacific0"
    pod_cidr: IPv4Network = DEFAULT_POD_CIDR
    table: str = "pacific"  # nftables `table inet <table>`, owned whole by this network
    netns_prefix: str = "pacific-"  # namespaces are /run/netns/<prefix><pod uid>
    link_prefix: str = "pc"  # host devices: <prefix>v<hash> (veth), <prefix>t<hash> (tap)
    mtu: int = 0  # 0: the MTU of the device holding the host's default route (else 1500)

    def __post_init__(self) -> None:
        if not _IFNAME.match(self.bridge):
            raise ValueError(f"bridge {self.bridge!r}: not a valid interface name")
        if not _TABLE.match(self.table):
            raise ValueError(f"table {self.table!r}: letters, digits and _ only")
        if not _NETNS_PREFIX.match(self.netns_prefix):
            raise ValueError(f"netns prefix {self.netns_prefix!r}: not a valid file name part")
        if not _LINK_PREFIX.match(self.link_prefix):
            raise ValueError(f"link prefix {self.link_prefix!r}: 1-4 lowercase letters/digits")
        if self.pod_cidr.prefixlen > 30:
            raise ValueError(f"pod CIDR {self.pod_cidr}: needs room for a gateway and pods")
        if self.mtu != 0 and not 576 <= self.mtu <= 65535:
            raise ValueError(f"mtu {self.mtu}: out of range")

    @property
    def gateway(self) -> IPv4Address:
        return self.pod_cidr.network_address + 1

    @property
    def ipam_path(self) -> Path:
        return self.state_dir / "ipam.json"
