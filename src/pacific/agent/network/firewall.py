"""Applying the pod network's packet rules to the host: nftables and IPv4 forwarding.

The ruleset text comes from the pure `ruleset` module; this module only hands it to
`nft -f -` through `pacific.host.run` (the one door for subprocesses) and flips the
`net.ipv4.ip_forward` sysctl, without which the host routes nothing for its pods. Every
function is idempotent.
"""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path

from pacific.agent.network.errors import HostNetworkError
from pacific.agent.network.ruleset import render_removal, render_ruleset
from pacific.host import HostError, Runner, run

NFT_TIMEOUT = 10.0
IP_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")


async def apply_rules(table: str, bridge: str, pod_cidr: IPv4Network, runner: Runner) -> None:
    """Install (or atomically replace) the pod network's nftables table."""
    await _nft(render_ruleset(table, bridge, pod_cidr), runner)


async def remove_rules(table: str, runner: Runner) -> None:
    """Delete the table; fine if it is not there."""
    await _nft(render_removal(table), runner)


async def _nft(text: str, runner: Runner) -> None:
    try:
        await run(["nft", "-f", "-"], input=text.encode(), timeout=NFT_TIMEOUT, runner=runner)
    except HostError as exc:
        raise HostNetworkError(f"nftables: {exc}") from exc


def enable_ip_forwarding(path: Path = IP_FORWARD) -> None:
    """Turn on IPv4 forwarding (a host-wide switch; Pacific never turns it off)."""
    try:
        if path.read_text().strip() != "1":
            path.write_text("1\n")
    except OSError as exc:
        raise HostNetworkError(f"enabling IPv4 forwarding: {exc}") from exc
