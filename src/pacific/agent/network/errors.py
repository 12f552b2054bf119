"""Errors of pod networking.

    NetworkError                 anything pacific.agent.network raises on purpose
    ├── InvalidPodUID            a pod uid that cannot name a namespace or device (also ValueError)
    ├── AddressesExhausted       the pod CIDR has no free address left
    ├── LeaseConflict            a pod asked for a tap but holds a veth lease, or the reverse
    ├── LeaseFileCorrupt         the IPAM state file cannot be read back
    └── HostNetworkError         a netlink request or an `ip`/`nft` command failed

Third-party exceptions (pyroute2's NetlinkError, OSError, pacific.host.HostError) are
translated into `HostNetworkError` at the module that calls them, with the cause chained.
"""

from __future__ import annotations


class NetworkError(Exception):
    """Pod networking failed."""


class InvalidPodUID(NetworkError, ValueError):
    """The pod uid is not usable as part of a namespace name."""


class AddressesExhausted(NetworkError):
    """No free address is left in the pod CIDR."""


class LeaseConflict(NetworkError):
    """The pod already holds a lease of another kind (veth vs tap)."""


class LeaseFileCorrupt(NetworkError):
    """The IPAM state file exists but is not valid."""


class HostNetworkError(NetworkError):
    """A change to the host's network (netlink, `ip netns`, `nft`) failed."""
