"""Deterministic names and MAC addresses for what a pod gets on the host.

Everything is derived from the pod uid, so a retry after a crash, a teardown or a restarted
agent finds the same objects without any other record. Interface names have 15 characters
at most (IFNAMSIZ); a SHA-256 prefix of the uid fills what the prefix leaves. MACs are
locally administered unicast (02:...) so they never clash with a vendor's.
"""

from __future__ import annotations

import hashlib
import re

from pacific.agent.network.errors import InvalidPodUID

POD_INTERFACE = "eth0"
_IFNAMSIZ = 15
_UID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")


def check_pod_uid(pod_uid: str) -> str:
    """Return `pod_uid` if it can name a namespace file (a Kubernetes UUID can)."""
    if not _UID.match(pod_uid):
        raise InvalidPodUID(f"pod uid {pod_uid!r}: letters, digits and '-' only, 1-63 chars")
    return pod_uid


def netns_name(prefix: str, pod_uid: str) -> str:
    return prefix + check_pod_uid(pod_uid)


def pod_uid_of_netns(prefix: str, netns: str) -> str | None:
    """The pod uid a namespace name was made from, or None if it is not one of ours."""
    if not netns.startswith(prefix):
        return None
    uid = netns[len(prefix) :]
    return uid if _UID.match(uid) else None


def _digest(salt: str, pod_uid: str) -> str:
    return hashlib.sha256(f"{salt}:{check_pod_uid(pod_uid)}".encode()).hexdigest()


def veth_name(link_prefix: str, pod_uid: str) -> str:
    """Host end of the pod's veth pair."""
    head = link_prefix + "v"
    return head + _digest("veth", pod_uid)[: _IFNAMSIZ - len(head)]


def tap_name(link_prefix: str, pod_uid: str) -> str:
    """The VM pod's tap device."""
    head = link_prefix + "t"
    return head + _digest("tap", pod_uid)[: _IFNAMSIZ - len(head)]


def _mac(seed: str) -> str:
    raw = hashlib.sha256(seed.encode()).digest()[:5]
    return ":".join(["02", *(f"{b:02x}" for b in raw)])


def pod_mac(pod_uid: str) -> str:
    """MAC of the pod's eth0 (or its VM guest's NIC)."""
    return _mac("pod:" + check_pod_uid(pod_uid))


def bridge_mac(bridge: str) -> str:
    """A fixed MAC for the bridge, so it does not change as ports come and go."""
    return _mac("bridge:" + bridge)
