"""Netlink operations on network devices, through pyroute2, with errors translated.

`Links` wraps one rtnetlink socket (the host's, or one opened inside a pod's namespace with
`netns.netlink_socket`) and offers just the idempotent steps the pod network is made of:
look a device up, ensure a bridge with its gateway address, ensure a veth pair whose peer is
born inside the pod's namespace (so its name never clashes with the host's own `eth0`),
ensure a tap, put a port on the bridge, configure the pod's side, delete a device.
Every `ensure_*` returns whether it created something, so the caller can push an undo for
exactly what it made.

pyroute2 ships no type information; its objects are `Any` here and nowhere else.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from pyroute2 import AsyncIPRoute  # type: ignore[import-untyped]
from pyroute2.netlink.exceptions import NetlinkError  # type: ignore[import-untyped]

from pacific.agent.network.errors import HostNetworkError
from pacific.agent.network.netns import netlink_socket

DEFAULT_MTU = 1500
_MAIN_TABLE = 254


@contextmanager
def _translated(what: str) -> Iterator[None]:
    try:
        yield
    except NetlinkError as exc:
        raise HostNetworkError(f"{what}: {os.strerror(exc.code)}") from exc
    except OSError as exc:
        raise HostNetworkError(f"{what}: {exc}") from exc


@asynccontextmanager
async def host_links() -> AsyncIterator[Links]:
    """Links of the host's (the agent's) network namespace."""
    with _translated("netlink"):
        ipr = AsyncIPRoute()
    async with ipr:
        yield Links(ipr)


@asynccontextmanager
async def netns_links(path: Path) -> AsyncIterator[Links]:
    """Links inside the network namespace bound at `path`."""
    sock = await netlink_socket(path)
    try:
        with _translated(f"netlink in {path}"):
            ipr = AsyncIPRoute(use_socket=sock)
    except BaseException:
        sock.close()
        raise
    async with ipr:
        yield Links(ipr)


class Links:
    def __init__(self, ipr: Any) -> None:
        self._ipr = ipr

    async def index(self, name: str) -> int | None:
        with _translated(f"looking up {name}"):
            found = await self._ipr.link_lookup(ifname=name)
        return int(found[0]) if found else None

    async def _require(self, name: str) -> int:
        idx = await self.index(name)
        if idx is None:
            raise HostNetworkError(f"device {name} does not exist")
        return idx

    async def ensure_bridge(
        self, name: str, mac: str, address: IPv4Address, prefix_len: int, mtu: int
    ) -> bool:
        """The bridge exists, is up and holds `address`; True if this call created it."""
        created = False
        if await self.index(name) is None:
            with _translated(f"creating bridge {name}"):
                await self._ipr.link("add", ifname=name, kind="bridge", address=mac, mtu=mtu)
            created = True
        idx = await self._require(name)
        with _translated(f"configuring bridge {name}"):
            await self._ipr.addr("replace", index=idx, address=str(address), prefixlen=prefix_len)
            await self._ipr.link("set", index=idx, state="up")
        return created

    async def ensure_veth(
        self, name: str, peer: str, netns: Path, peer_mac: str, mtu: int, pod: Links
    ) -> bool:
        """A veth pair `name` (here) <-> `peer` (in `netns`, seen through `pod`).

        A lone end left by a crash is removed and the pair made again. True if created.
        """
        here, there = await self.index(name), await pod.index(peer)
        if here is not None and there is not None:
            return False
        if here is not None:
            await self.delete(name)
        if there is not None:
            await pod.delete(peer)
        fd = os.open(netns, os.O_RDONLY | os.O_CLOEXEC)
        try:
            with _translated(f"creating veth {name}"):
                await self._ipr.link(
                    "add",
                    ifname=name,
                    kind="veth",
                    mtu=mtu,
                    peer={"ifname": peer, "net_ns_fd": fd, "address": peer_mac, "mtu": mtu},
                )
        finally:
            os.close(fd)
        return True

    async def ensure_tap(self, name: str, mtu: int) -> bool:
        """A persistent tap device `name`; True if this call created it."""
        if await self.index(name) is not None:
            return False
        with _translated(f"creating tap {name}"):
            await self._ipr.link("add", ifname=name, kind="tuntap", mode="tap")
            await self._ipr.link("set", index=await self._require(name), mtu=mtu)
        return True

    async def enslave(self, name: str, bridge: str) -> None:
        """Put `name` on `bridge` and bring it up (idempotent)."""
        idx, master = await self._require(name), await self._require(bridge)
        with _translated(f"adding {name} to {bridge}"):
            await self._ipr.link("set", index=idx, master=master, state="up")

    async def delete(self, name: str) -> None:
        """Delete the device (a veth takes its peer along); no-op if it is gone."""
        idx = await self.index(name)
        if idx is None:
            return
        try:
            await self._ipr.link("del", index=idx)
        except NetlinkError as exc:
            if exc.code != errno.ENODEV:
                raise HostNetworkError(f"deleting {name}: {os.strerror(exc.code)}") from exc

    async def ports(self, bridge: str) -> list[str]:
        """Names of the devices on `bridge`."""
        master = await self.index(bridge)
        if master is None:
            return []
        with _translated(f"listing ports of {bridge}"):
            return [
                str(link.get("ifname"))
                async for link in await self._ipr.link("dump")
                if link.get("master") == master
            ]

    async def default_route_mtu(self) -> int:
        """MTU of the device holding the IPv4 default route; DEFAULT_MTU if there is none."""
        with _translated("reading routes"):
            async for route in await self._ipr.route("dump", family=socket.AF_INET):
                if route.get("dst_len") == 0 and route.get("table") == _MAIN_TABLE:
                    oif = route.get("oif")
                    if oif is None:
                        continue
                    for link in await self._ipr.link("get", index=oif):
                        return int(link.get("mtu") or DEFAULT_MTU)
        return DEFAULT_MTU

    async def configure_pod(
        self, interface: str, address: IPv4Address, prefix_len: int, gateway: IPv4Address
    ) -> None:
        """Inside a pod: `lo` up, `interface` up with only `address`, default via `gateway`."""
        lo, idx = await self._require("lo"), await self._require(interface)
        with _translated(f"configuring {interface}"):
            await self._ipr.link("set", index=lo, state="up")
            async for addr in await self._ipr.addr("dump", index=idx, family=socket.AF_INET):
                if addr.get("address") != str(address):
                    await self._ipr.addr(
                        "del", index=idx, address=addr.get("address"), prefixlen=addr["prefixlen"]
                    )
            await self._ipr.addr("replace", index=idx, address=str(address), prefixlen=prefix_len)
            await self._ipr.link("set", index=idx, state="up")
            await self._ipr.route("replace", dst="0.0.0.0/0", gateway=str(gateway), oif=idx)
