"""Host-local IPAM as pure functions over an immutable state.

Model: the pool is the pod CIDR minus its network address, its gateway (the first host
address, on the bridge) and its broadcast address. A *lease* binds one address to one pod
uid, with the kind of attachment (veth namespace or tap) and the pod's namespace/name for
people reading the state file. Allocation walks round-robin from the address after the
last one handed out, like CNI's host-local plugin, so a just-released address is not
reused at once (stale ARP entries and conntrack state age out first).

Invariants: no two leases hold the same address; a pod holds at most one lease; asking
again for a pod that holds a lease returns that lease unchanged (idempotent allocation).
The state serialises to JSON (`to_json`/`from_json`) for `leases.LeaseFile`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network
from types import MappingProxyType
from typing import Any

from pacific.agent.network.errors import AddressesExhausted, LeaseConflict, LeaseFileCorrupt

FORMAT_VERSION = 1


class LeaseKind(enum.Enum):
    VETH = "veth"
    TAP = "tap"


@dataclass(frozen=True, slots=True)
class Lease:
    pod_uid: str
    ip: IPv4Address
    kind: LeaseKind
    namespace: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class IPAMState:
    leases: Mapping[str, Lease] = field(default_factory=lambda: MappingProxyType({}))
    last: IPv4Address | None = None  # the address handed out most recently

    def used(self) -> frozenset[IPv4Address]:
        return frozenset(lease.ip for lease in self.leases.values())


def usable_range(subnet: IPv4Network) -> tuple[int, int]:
    """First and last address (as ints) pods may get: after the gateway, before broadcast."""
    first = int(subnet.network_address) + 2
    last = int(subnet.broadcast_address) - 1
    if first > last:
        raise AddressesExhausted(f"{subnet}: no addresses for pods")
    return first, last


def allocate(
    state: IPAMState,
    subnet: IPv4Network,
    pod_uid: str,
    kind: LeaseKind,
    namespace: str = "",
    name: str = "",
) -> tuple[IPAMState, Lease]:
    """Lease an address to `pod_uid`; the pod's existing lease if it has one."""
    held = state.leases.get(pod_uid)
    if held is not None:
        if held.kind is not kind:
            raise LeaseConflict(f"pod {pod_uid} holds a {held.kind.value} lease, not {kind.value}")
        return state, held
    first, last = usable_range(subnet)
    used = {int(ip) for ip in state.used()}
    size = last - first + 1
    start = first
    if state.last is not None and first <= int(state.last) <= last:
        start = int(state.last) + 1
    for step in range(size):
        candidate = first + (start - first + step) % size
        if candidate not in used:
            lease = Lease(pod_uid, IPv4Address(candidate), kind, namespace, name)
            leases = {**state.leases, pod_uid: lease}
            return IPAMState(MappingProxyType(leases), lease.ip), lease
    raise AddressesExhausted(f"{subnet}: all {size} pod addresses are leased")


def release(state: IPAMState, pod_uid: str) -> tuple[IPAMState, Lease | None]:
    """Drop the pod's lease; the released lease, or None if it held none."""
    held = state.leases.get(pod_uid)
    if held is None:
        return state, None
    leases = {uid: lease for uid, lease in state.leases.items() if uid != pod_uid}
    return replace(state, leases=MappingProxyType(leases)), held


def to_json(state: IPAMState) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "last": str(state.last) if state.last is not None else None,
        "leases": {
            uid: {
                "ip": str(lease.ip),
                "kind": lease.kind.value,
                "namespace": lease.namespace,
                "name": lease.name,
            }
            for uid, lease in sorted(state.leases.items())
        },
    }


def from_json(doc: object) -> IPAMState:
    """Parse `to_json` output; LeaseFileCorrupt on anything else (duplicates included)."""
    try:
        if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
            raise ValueError("unknown format version")
        raw_last = doc.get("last")
        last = IPv4Address(raw_last) if raw_last is not None else None
        leases: dict[str, Lease] = {}
        seen: set[IPv4Address] = set()
        for uid, entry in dict(doc["leases"]).items():
            lease = Lease(
                str(uid),
                IPv4Address(entry["ip"]),
                LeaseKind(entry["kind"]),
                str(entry.get("namespace", "")),
                str(entry.get("name", "")),
            )
            if lease.ip in seen:
                raise ValueError(f"address {lease.ip} leased twice")
            seen.add(lease.ip)
            leases[lease.pod_uid] = lease
    except (KeyError, TypeError, ValueError) as exc:
        raise LeaseFileCorrupt(f"IPAM state: {exc}") from exc
    return IPAMState(MappingProxyType(leases), last)
