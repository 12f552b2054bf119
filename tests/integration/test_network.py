"""The pod network for real (as root): namespaces, veths, taps, bridge, NAT, recovery.

Every test gets a network of its own: bridge, nftables table, namespace prefix, device
prefix and a /24 CIDR all made unique per test, so a `pacific up` on the same host is never
touched. The fixture removes everything afterwards and then checks that no device,
namespace, table or lease is left. The conformance tests run against `FakeNetwork` too.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any, TypeVar

import pytest

from pacific.agent.network import ipam, names
from pacific.agent.network.bridge import BridgeNetwork
from pacific.agent.network.config import NetworkConfig
from pacific.agent.network.errors import (
    AddressesExhausted,
    HostNetworkError,
    InvalidPodUID,
    LeaseConflict,
)
from pacific.agent.network.firewall import IP_FORWARD
from pacific.agent.network.leases import LeaseFile
from pacific.agent.network.netns import netns_path
from pacific.agent.network.protocol import Attachment, Network, TapAttachment
from pacific.host import run
from pacific.testing.fakenetwork import FakeNetwork

ROOT_MARKS = (
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces and bridges need root"),
    pytest.mark.skipif(shutil.which("nft") is None, reason="nftables is not installed"),
    pytest.mark.skipif(shutil.which("ping") is None, reason="ping is not installed"),
)
F = TypeVar("F", bound=Callable[..., Any])


def needs_root(test: F) -> F:
    for mark in ROOT_MARKS:
        test = mark(test)
    return test


def free_cidr(prefixlen: int = 24) -> IPv4Network:
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    taken = [IPv4Network(word, strict=False) for word in routes.split() if "/" in word]
    while True:
        cidr = IPv4Network(f"10.251.{random.randrange(256)}.0/{prefixlen}", strict=False)
        if not any(cidr.overlaps(net) for net in taken):
            return cidr


def isolated_config(state_dir: Path, prefixlen: int = 24) -> NetworkConfig:
    tag = secrets.token_hex(3)
    return NetworkConfig(
        state_dir=state_dir,
        bridge=f"ptest{tag}",
        pod_cidr=free_cidr(prefixlen),
        table=f"pacific_test_{tag}",
        netns_prefix=f"ptest{tag}-",
        link_prefix="z" + tag[:3],
    )


def leftovers(cfg: NetworkConfig) -> list[str]:
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    found = [
        line.split(":")[1].strip().split("@")[0]
        for line in links.splitlines()
        if cfg.bridge in line or f": {cfg.link_prefix}" in line
    ]
    netns_dir = Path("/run/netns")
    if netns_dir.exists():
        found += [n for n in os.listdir(netns_dir) if n.startswith(cfg.netns_prefix)]
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout
    found += [t for t in tables.split() if t == cfg.table]
    return found


@pytest.fixture(autouse=True)
def restore_ip_forward() -> Iterator[None]:
    """The network turns IPv4 forwarding on for good; tests put it back as it was."""
    before = IP_FORWARD.read_text()
    yield
    if os.geteuid() == 0 and IP_FORWARD.read_text() != before:
        IP_FORWARD.write_text(before)


@pytest.fixture
async def bridge_net(tmp_path: Path) -> AsyncIterator[BridgeNetwork]:
    cfg = isolated_config(tmp_path / "network")
    net = BridgeNetwork(cfg)
    try:
        yield net
    finally:
        cleaner = BridgeNetwork(cfg)
        for attachment in await cleaner.recover():
            await cleaner.teardown(attachment.pod_uid)
        await cleaner.remove_host()
    assert leftovers(cfg) == []
    assert dict((await LeaseFile(cfg.ipam_path).read()).leases) == {}


@pytest.fixture(params=["fake", pytest.param("bridge", marks=ROOT_MARKS)])
def network(request: pytest.FixtureRequest) -> Network:
    if request.param == "fake":
        return FakeNetwork(pod_cidr=IPv4Network("10.251.0.0/29"))
    bridge: BridgeNetwork = request.getfixturevalue("bridge_net")
    return bridge


def uid() -> str:
    return str(uuid.uuid4())


async def ping(attachment: Attachment, target: object) -> None:
    ns = attachment.netns_path.name
    await run(["ip", "netns", "exec", ns, "ping", "-c1", "-W2", str(target)], timeout=10)


# -- conformance: every Network implementation --------------------------------------------


async def test_setup_is_idempotent_and_addresses_distinct(network: Network) -> None:
    a, b = uid(), uid()
    first = await network.setup(a, "default", "a")
    assert await network.setup(a, "default", "a") == first
    other = await network.setup(b, "default", "b")
    assert other.ip != first.ip
    assert first.gateway == other.gateway
    assert first.ip in IPv4Network(f"{first.gateway}/{first.prefix_len}", strict=False)
    assert first.interface == "eth0"
    assert first.mac == names.pod_mac(a)
    await network.teardown(a)
    await network.teardown(b)


async def test_teardown_releases_and_is_idempotent(network: Network) -> None:
    a = uid()
    await network.setup(a, "default", "a")
    await network.teardown(a)
    await network.teardown(a)
    await network.teardown(uid())
    assert await network.recover() == []


async def test_tap_and_namespace_do_not_mix(network: Network) -> None:
    vm = uid()
    tap = await network.tap(vm, "default", "vm")
    assert await network.tap(vm, "default", "vm") == tap
    with pytest.raises(LeaseConflict):
        await network.setup(vm, "default", "vm")
    await network.teardown(vm)


async def test_recover_returns_live_attachments(network: Network) -> None:
    pod, vm = uid(), uid()
    made = {pod: await network.setup(pod, "ns", "p"), vm: await network.tap(vm, "ns", "v")}
    found: dict[str, Attachment | TapAttachment] = {a.pod_uid: a for a in await network.recover()}
    assert found == made
    for u in made:
        await network.teardown(u)


async def test_bad_uid(network: Network) -> None:
    with pytest.raises(InvalidPodUID):
        await network.setup("../escape", "default", "x")


# -- the Linux bridge network --------------------------------------------------------------


async def in_pod(attachment: Attachment, *argv: str) -> str:
    ns = attachment.netns_path.name
    done = await run(["ip", "netns", "exec", ns, *argv], timeout=10)
    return done.stdout.decode()


@needs_root
async def test_pods_reach_each_other_and_the_host(bridge_net: BridgeNetwork) -> None:
    a = await bridge_net.setup(uid(), "default", "a")
    b = await bridge_net.setup(uid(), "default", "b")
    await ping(a, b.ip)
    await ping(b, a.ip)
    await ping(a, a.gateway)
    await run(["ping", "-c1", "-W2", str(b.ip)], timeout=10)
    assert f"default via {a.gateway} dev eth0" in await in_pod(a, "ip", "-4", "route")
    assert "UP" in await in_pod(a, "ip", "link", "show", "lo")
    eth0 = await in_pod(a, "ip", "-o", "-4", "addr", "show", "dev", "eth0")
    assert f"inet {a.ip}/{a.prefix_len}" in eth0
    assert a.mac in await in_pod(a, "ip", "link", "show", "eth0")


@needs_root
async def test_outbound_nat_and_forwarding(bridge_net: BridgeNetwork) -> None:
    cfg = bridge_net.config
    await bridge_net.setup(uid(), "default", "a")
    table = (await run(["nft", "list", "table", "inet", cfg.table], timeout=10)).stdout.decode()
    assert f"ip saddr {cfg.pod_cidr} ip daddr != {cfg.pod_cidr}" in table
    assert "masquerade" in table
    assert "hook postrouting" in table and "hook forward" in table
    assert IP_FORWARD.read_text().strip() == "1"
    bridge = (await run(["ip", "-o", "-4", "addr", "show", "dev", cfg.bridge], timeout=10)).stdout
    assert f"inet {cfg.gateway}/{cfg.pod_cidr.prefixlen}".encode() in bridge


@needs_root
async def test_teardown_removes_veth_netns_and_lease(bridge_net: BridgeNetwork) -> None:
    cfg = bridge_net.config
    pod = uid()
    a = await bridge_net.setup(pod, "default", "a")
    veth = names.veth_name(cfg.link_prefix, pod)
    assert a.netns_path.exists()
    assert (await run(["ip", "link", "show", veth], timeout=10, check=False)).returncode == 0
    await bridge_net.teardown(pod)
    assert not a.netns_path.exists()
    assert (await run(["ip", "link", "show", veth], timeout=10, check=False)).returncode != 0
    assert pod not in (await LeaseFile(cfg.ipam_path).read()).leases


@needs_root
async def test_tap_on_the_bridge(bridge_net: BridgeNetwork) -> None:
    vm = uid()
    tap = await bridge_net.tap(vm, "default", "vm")
    shown = (await run(["ip", "-d", "link", "show", tap.device], timeout=10)).stdout.decode()
    assert f"master {bridge_net.config.bridge}" in shown
    assert "tun" in shown
    await bridge_net.teardown(vm)
    assert (await run(["ip", "link", "show", tap.device], timeout=10, check=False)).returncode


@needs_root
async def test_a_second_instance_recovers_the_first_ones_pods(bridge_net: BridgeNetwork) -> None:
    cfg = bridge_net.config
    a = await bridge_net.setup(uid(), "default", "a")
    b = await bridge_net.setup(uid(), "default", "b")
    vm = await bridge_net.tap(uid(), "default", "vm")
    gone = uid()  # a lease whose pod vanished while the agent was down
    await LeaseFile(cfg.ipam_path).update(
        lambda s: ipam.allocate(s, cfg.pod_cidr, gone, ipam.LeaseKind.VETH)
    )
    stray = netns_path(names.netns_name(cfg.netns_prefix, uid()))  # a namespace never leased
    await run(["ip", "netns", "add", stray.name], timeout=10)

    restarted = BridgeNetwork(cfg)
    found = {x.pod_uid: x for x in await restarted.recover()}
    assert found == {a.pod_uid: a, b.pod_uid: b, vm.pod_uid: vm}
    assert gone not in (await LeaseFile(cfg.ipam_path).read()).leases
    assert not stray.exists()
    await ping(a, b.ip)
    c = await restarted.setup(uid(), "default", "c")
    assert c.ip not in {a.ip, b.ip, vm.ip}
    await ping(c, a.ip)


@needs_root
async def test_setup_converges_after_a_half_done_attempt(bridge_net: BridgeNetwork) -> None:
    pod = uid()
    a = await bridge_net.setup(pod, "default", "a")
    await in_pod(a, "ip", "addr", "flush", "dev", "eth0")
    await in_pod(a, "ip", "link", "set", "lo", "down")
    again = await BridgeNetwork(bridge_net.config).setup(pod, "default", "a")
    assert again == a
    await ping(a, a.gateway)
    assert "UP" in await in_pod(a, "ip", "link", "show", "lo")


@needs_root
async def test_failed_setup_leaves_nothing_behind(bridge_net: BridgeNetwork) -> None:
    cfg = bridge_net.config
    await bridge_net.setup(uid(), "default", "first")  # the host side is ready
    await run(["ip", "link", "del", cfg.bridge], timeout=10)  # enslaving will now fail
    pod = uid()
    with pytest.raises(HostNetworkError, match=cfg.bridge):
        await bridge_net.setup(pod, "default", "b")
    assert not netns_path(names.netns_name(cfg.netns_prefix, pod)).exists()
    veth = names.veth_name(cfg.link_prefix, pod)
    assert (await run(["ip", "link", "show", veth], timeout=10, check=False)).returncode != 0
    assert pod not in (await LeaseFile(cfg.ipam_path).read()).leases


@needs_root
async def test_exhausted_cidr_fails_cleanly(tmp_path: Path) -> None:
    cfg = isolated_config(tmp_path / "network", prefixlen=30)  # one pod address
    net = BridgeNetwork(cfg)
    try:
        only = await net.setup(uid(), "default", "only")
        pod = uid()
        with pytest.raises(AddressesExhausted):
            await net.setup(pod, "default", "more")
        assert not netns_path(names.netns_name(cfg.netns_prefix, pod)).exists()
        await net.teardown(only.pod_uid)
    finally:
        await net.remove_host()
    assert leftovers(cfg) == []


@needs_root
async def test_concurrent_setups_and_teardowns(bridge_net: BridgeNetwork) -> None:
    pods = [uid() for _ in range(12)]
    twice = pods + pods[:4]  # the same pod set up twice at once gets one attachment
    made = await asyncio.gather(*(bridge_net.setup(p, "default", "x") for p in twice))
    by_pod = {a.pod_uid: a for a in made}
    assert all(by_pod[a.pod_uid] == a for a in made)
    assert len({a.ip for a in by_pod.values()}) == 12
    await asyncio.gather(*(bridge_net.teardown(p) for p in pods[:6]))
    await ping(by_pod[pods[6]], by_pod[pods[11]].ip)
    assert {a.pod_uid for a in await bridge_net.recover()} == set(pods[6:])


@needs_root
async def test_recover_finishes_a_tap_left_off_the_bridge(bridge_net: BridgeNetwork) -> None:
    vm = await bridge_net.tap(uid(), "default", "vm")
    await run(["ip", "link", "set", vm.device, "nomaster"], timeout=10)  # crash before enslaving
    assert await BridgeNetwork(bridge_net.config).recover() == [vm]
    shown = (await run(["ip", "link", "show", vm.device], timeout=10)).stdout.decode()
    assert f"master {bridge_net.config.bridge}" in shown
