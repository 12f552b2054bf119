"""The nftables ruleset of a host's pod network, as pure text for `nft -f -`.

Pacific owns one table, `table inet <name>`, and nothing else in the host's ruleset. The
text first declares the table (a no-op if it exists), then deletes it, then declares it in
full: nft applies a file as one transaction, so the table is replaced atomically and the
same text applied twice leaves the same rules (no duplicates), whatever was there before.

Rules:
- forward: traffic from pods (in on the bridge, from the pod CIDR) is accepted, and so are
  replies coming back to them; accepting here explicitly (under an accept policy) keeps
  these paths open when later rules in this table (network policies) add drops.
- postrouting (NAT): traffic from the pod CIDR leaving for anything outside it, not back
  out of the bridge, is masqueraded behind the host's address on the way out.
Pod-to-pod traffic on one host is switched by the bridge and never reaches these hooks
(unless br_netfilter is loaded, in which case the forward rules accept it).
"""

from __future__ import annotations

from ipaddress import IPv4Network

HEADER = "# Managed by Pacific (pacific.agent.network): replaced whole on every apply.\n"


def render_ruleset(table: str, bridge: str, pod_cidr: IPv4Network) -> str:
    """The whole ruleset, replacing any previous version of the table atomically."""
    return (
        HEADER
        + f"table inet {table} {{\n}}\n"
        + f"delete table inet {table}\n"
        + f"table inet {table} {{\n"
        + "\tchain forward {\n"
        + "\t\ttype filter hook forward priority filter; policy accept;\n"
        + f'\t\tiifname "{bridge}" ip saddr {pod_cidr} accept comment "from pods"\n'
        + f'\t\toifname "{bridge}" ip daddr {pod_cidr} ct state established,related'
        + ' accept comment "replies to pods"\n'
        + "\t}\n"
        + "\tchain postrouting {\n"
        + "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        + f'\t\tip saddr {pod_cidr} ip daddr != {pod_cidr} oifname != "{bridge}"'
        + ' masquerade comment "outbound NAT"\n'
        + "\t}\n"
        + "}\n"
    )


def render_removal(table: str) -> str:
    """Text that deletes the table if it exists and succeeds if it does not."""
    return f"table inet {table} {{\n}}\ndelete table inet {table}\n"
