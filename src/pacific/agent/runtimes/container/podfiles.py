"""The per-pod files every container of a pod bind-mounts: /etc/hosts, resolv.conf, hostname.

Pure: each function returns the file's text. Kubelet writes the same three files once per
pod (its "Kubernetes-managed hosts file"); containers see them read-write, as in kubelet,
so a container that edits /etc/hosts affects its pod only.
"""

from __future__ import annotations

from collections.abc import Sequence

HOSTS_HEADER = "# Kubernetes-managed hosts file.\n"
DEFAULT_NAMESERVERS = ("127.0.0.1",)


def hosts_file(hostname: str, pod_ips: Sequence[str] = ()) -> str:
    lines = [
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "fe00::0\tip6-localnet",
        "fe00::0\tip6-mcastprefix",
        "fe00::1\tip6-allnodes",
        "fe00::2\tip6-allrouters",
    ]
    lines += [f"{ip}\t{hostname}" for ip in pod_ips]
    return HOSTS_HEADER + "\n".join(lines) + "\n"


def resolv_conf(servers: Sequence[str], searches: Sequence[str], host_resolv: str = "") -> str:
    """The pod's resolv.conf: its DNS config if any, else the host's (kubelet's Default)."""
    if not servers and not searches and host_resolv:
        return host_resolv if host_resolv.endswith("\n") else host_resolv + "\n"
    out = [f"nameserver {s}" for s in (servers or DEFAULT_NAMESERVERS)]
    if searches:
        out.append("search " + " ".join(searches))
    out.append("options ndots:5" if searches else "options ndots:1")
    return "\n".join(out) + "\n"


def hostname_file(hostname: str) -> str:
    return hostname + "\n"
