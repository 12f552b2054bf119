"""`BridgeNetwork`: the Linux pod network (a bridge, a namespace and veth per pod, NAT).

Model: the host has one bridge (`config.bridge`) holding the gateway address, the first of
the pod CIDR; an nftables table (`config.table`) masquerades pod traffic leaving the CIDR.
Each container pod gets a named network namespace with `eth0`, one end of a veth pair whose
host end is a port of the bridge; each VM pod gets a tap device on the bridge. Addresses
come from `ipam` through the persisted `leases.LeaseFile`.

Ordering makes crashes harmless: a pod's lease is written before any device is made for it
and released only after its devices are gone, so the lease file always covers everything
on the host, and `recover()` can rebuild from it. Each `setup`/`tap` step is an idempotent
`ensure_*` that says whether it created something; what it created is pushed as an undo on
an AsyncExitStack, dropped on success, so a failed call leaves nothing of its own behind
(and leaves alone what an earlier, successful call made). Calls for the same pod are
serialised by a per-pod lock.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from pacific.agent.network import firewall, ipam, names
from pacific.agent.network.config import NetworkConfig
from pacific.agent.network.errors import NetworkError
from pacific.agent.network.leases import LeaseFile
from pacific.agent.network.links import host_links, netns_links
from pacific.agent.network.netns import (
    delete_netns,
    ensure_netns,
    is_netns,
    list_netns,
    netns_path,
)
from pacific.agent.network.protocol import Attachment, NetworkCapabilities, TapAttachment
from pacific.host import Runner, SubprocessRunner

log = logging.getLogger(__name__)

CAPABILITIES = NetworkCapabilities(
    namespaces=True, taps=True, outbound_nat=True, ipv6=False, survives_restart=True
)


class BridgeNetwork:
    def __init__(self, config: NetworkConfig, *, runner: Runner | None = None) -> None:
        self.config = config
        self._runner: Runner = runner if runner is not None else SubprocessRunner()
        self._leases = LeaseFile(config.ipam_path)
        self._host_lock = asyncio.Lock()
        self._host_ready = False
        self._mtu = config.mtu
        # A pod's lock lives while a call holds or awaits it, then goes.
        self._pod_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @property
    def capabilities(self) -> NetworkCapabilities:
        return CAPABILITIES

    async def setup(self, pod_uid: str, namespace: str, name: str) -> Attachment:
        async with self._pod(pod_uid):
            return await self._setup(pod_uid, namespace, name)

    async def tap(self, pod_uid: str, namespace: str, name: str) -> TapAttachment:
        async with self._pod(pod_uid):
            return await self._tap(pod_uid, namespace, name)

    async def teardown(self, pod_uid: str) -> None:
        async with self._pod(pod_uid):
            await self._teardown(pod_uid)

    async def recover(self) -> list[Attachment | TapAttachment]:
        """Re-adopt pods whose namespace or tap still exists; free everything else.

        Safe beside concurrent calls for other pods: each pod is handled under its lock
        with its lease read afresh, and strays are judged against leases read after the
        host was listed (a lease is always written before its devices exist).
        """
        await self._ensure_host(force=True)
        live = set(list_netns(self.config.netns_prefix))
        async with host_links() as host:
            ports = set(await host.ports(self.config.bridge))
        found: list[Attachment | TapAttachment] = []
        for uid in sorted((await self._leases.read()).leases):
            async with self._pod(uid):
                lease = (await self._leases.read()).leases.get(uid)
                if lease is None:
                    continue
                if not await self._exists(lease):
                    log.info("network: releasing the lease of gone pod %s (%s)", uid, lease.ip)
                    await self._teardown(uid)
                    continue
                try:
                    if lease.kind is ipam.LeaseKind.VETH:
                        found.append(await self._setup(uid, lease.namespace, lease.name))
                    else:
                        found.append(await self._tap(uid, lease.namespace, lease.name))
                except NetworkError as exc:
                    log.warning("network: pod %s could not be re-adopted: %s", uid, exc)
        await self._remove_strays(set((await self._leases.read()).leases), live, ports)
        return found

    async def _setup(self, pod_uid: str, namespace: str, name: str) -> Attachment:
        nsname = names.netns_name(self.config.netns_prefix, pod_uid)
        path = netns_path(nsname)
        veth = names.veth_name(self.config.link_prefix, pod_uid)
        mac = names.pod_mac(pod_uid)
        async with AsyncExitStack() as undo:
            await self._ensure_host()
            lease = await self._lease(pod_uid, ipam.LeaseKind.VETH, namespace, name, undo)
            if await ensure_netns(nsname, self._runner):
                undo.push_async_callback(delete_netns, nsname, self._runner)
            async with host_links() as host, netns_links(path) as pod:
                if await host.ensure_veth(veth, names.POD_INTERFACE, path, mac, self._mtu, pod):
                    undo.push_async_callback(_delete_link, veth)
                await host.enslave(veth, self.config.bridge)
                await pod.configure_pod(
                    names.POD_INTERFACE, lease.ip, self._prefix_len, self.config.gateway
                )
            undo.pop_all()
        return Attachment(
            pod_uid=pod_uid,
            netns_path=path,
            interface=names.POD_INTERFACE,
            ip=lease.ip,
            prefix_len=self._prefix_len,
            gateway=self.config.gateway,
            mac=mac,
        )

    async def _tap(self, pod_uid: str, namespace: str, name: str) -> TapAttachment:
        device = names.tap_name(self.config.link_prefix, pod_uid)
        async with AsyncExitStack() as undo:
            await self._ensure_host()
            lease = await self._lease(pod_uid, ipam.LeaseKind.TAP, namespace, name, undo)
            async with host_links() as host:
                if await host.ensure_tap(device, self._mtu):
                    undo.push_async_callback(_delete_link, device)
                await host.enslave(device, self.config.bridge)
            undo.pop_all()
        return TapAttachment(
            pod_uid=pod_uid,
            device=device,
            ip=lease.ip,
            prefix_len=self._prefix_len,
            gateway=self.config.gateway,
            mac=names.pod_mac(pod_uid),
            mtu=self._mtu,
        )

    async def _teardown(self, pod_uid: str) -> None:
        """Devices first, namespace next, lease last (the lease file covers all there is)."""
        async with host_links() as host:
            await host.delete(names.veth_name(self.config.link_prefix, pod_uid))
            await host.delete(names.tap_name(self.config.link_prefix, pod_uid))
        await delete_netns(names.netns_name(self.config.netns_prefix, pod_uid), self._runner)
        await self._leases.update(lambda state: ipam.release(state, pod_uid))

    async def _exists(self, lease: ipam.Lease) -> bool:
        """Whether the lease's namespace (veth) or tap device is still on the host."""
        if lease.kind is ipam.LeaseKind.VETH:
            return is_netns(netns_path(names.netns_name(self.config.netns_prefix, lease.pod_uid)))
        async with host_links() as host:
            return (
                await host.index(names.tap_name(self.config.link_prefix, lease.pod_uid)) is not None
            )

    async def _remove_strays(self, leased: set[str], live: set[str], ports: set[str]) -> None:
        """Namespaces and bridge ports of ours that no lease covers: never handed out."""
        for nsname in sorted(live):
            uid = names.pod_uid_of_netns(self.config.netns_prefix, nsname)
            if uid is None or uid not in leased:
                log.info("network: removing stray namespace %s", nsname)
                await delete_netns(nsname, self._runner)
        expected = {names.veth_name(self.config.link_prefix, uid) for uid in leased}
        expected |= {names.tap_name(self.config.link_prefix, uid) for uid in leased}
        strays = sorted(p for p in ports if p.startswith(self.config.link_prefix))
        async with host_links() as host:
            for port in strays:
                if port not in expected:
                    log.info("network: removing stray device %s", port)
                    await host.delete(port)

    @property
    def _prefix_len(self) -> int:
        return self.config.pod_cidr.prefixlen

    @asynccontextmanager
    async def _pod(self, pod_uid: str) -> AsyncIterator[None]:
        names.check_pod_uid(pod_uid)
        lock = self._pod_locks.get(pod_uid)
        if lock is None:
            lock = self._pod_locks[pod_uid] = asyncio.Lock()
        async with lock:
            yield

    async def _lease(
        self,
        pod_uid: str,
        kind: ipam.LeaseKind,
        namespace: str,
        name: str,
        undo: AsyncExitStack,
    ) -> ipam.Lease:
        """The pod's lease, made now if it had none (and then undone if setup fails)."""
        cidr = self.config.pod_cidr

        def take(state: ipam.IPAMState) -> tuple[ipam.IPAMState, tuple[ipam.Lease, bool]]:
            new, lease = ipam.allocate(state, cidr, pod_uid, kind, namespace, name)
            return new, (lease, new is not state)

        lease, fresh = await self._leases.update(take)
        if fresh:
            undo.push_async_callback(
                self._leases.update, lambda state: ipam.release(state, pod_uid)
            )
        return lease

    async def _ensure_host(self, *, force: bool = False) -> None:
        """Bridge with the gateway, forwarding on, nftables table in place (once, or forced)."""
        async with self._host_lock:
            if self._host_ready and not force:
                return
            cfg = self.config
            async with host_links() as host:
                if self._mtu == 0:
                    self._mtu = await host.default_route_mtu()
                await host.ensure_bridge(
                    cfg.bridge,
                    names.bridge_mac(cfg.bridge),
                    cfg.gateway,
                    cfg.pod_cidr.prefixlen,
                    self._mtu,
                )
            firewall.enable_ip_forwarding()
            await firewall.apply_rules(cfg.table, cfg.bridge, cfg.pod_cidr, self._runner)
            self._host_ready = True

    async def remove_host(self) -> None:
        """Remove the bridge and the nftables table (for a host that leaves Pacific)."""
        async with self._host_lock:
            async with host_links() as host:
                await host.delete(self.config.bridge)
            await firewall.remove_rules(self.config.table, self._runner)
            self._host_ready = False


async def _delete_link(name: str) -> None:
    async with host_links() as host:
        await host.delete(name)
