import asyncio
import json
import os
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from pacific.agent.network import ipam
from pacific.agent.network.errors import LeaseFileCorrupt
from pacific.agent.network.leases import LeaseFile

NET = IPv4Network("10.9.0.0/24")
VETH = ipam.LeaseKind.VETH


async def test_missing_file_reads_empty(tmp_path: Path) -> None:
    state = await LeaseFile(tmp_path / "state" / "ipam.json").read()
    assert dict(state.leases) == {}


async def test_leases_persist_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "ipam.json"
    lease = await LeaseFile(path).update(lambda s: ipam.allocate(s, NET, "a", VETH, "ns", "a"))
    again = await LeaseFile(path).read()
    assert again.leases["a"] == lease
    assert json.loads(path.read_text())["leases"]["a"]["ip"] == "10.9.0.2"
    await LeaseFile(path).update(lambda s: ipam.release(s, "a"))
    assert dict((await LeaseFile(path).read()).leases) == {}


async def test_concurrent_allocations_never_share_an_address(tmp_path: Path) -> None:
    path = tmp_path / "ipam.json"
    files = [LeaseFile(path) for _ in range(4)]  # separate lock descriptors, as processes
    uids = [f"pod-{i}" for i in range(40)]

    async def one(i: int, uid: str) -> ipam.Lease:
        return await files[i % 4].update(lambda s: ipam.allocate(s, NET, uid, VETH))

    leases = await asyncio.gather(*(one(i, uid) for i, uid in enumerate(uids)))
    assert len({lease.ip for lease in leases}) == 40
    state = await LeaseFile(path).read()
    assert {uid: lease.ip for uid, lease in state.leases.items()} == {
        lease.pod_uid: lease.ip for lease in leases
    }


async def test_unchanged_state_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "ipam.json"
    leases = LeaseFile(path)
    await leases.update(lambda s: ipam.allocate(s, NET, "a", VETH))
    before = path.stat().st_mtime_ns, path.stat().st_ino
    await leases.update(lambda s: ipam.allocate(s, NET, "a", VETH))
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before


async def test_failed_change_keeps_the_old_state(tmp_path: Path) -> None:
    path = tmp_path / "ipam.json"
    leases = LeaseFile(path)
    await leases.update(lambda s: ipam.allocate(s, NET, "a", VETH))
    text = path.read_text()

    def boom(state: ipam.IPAMState) -> tuple[ipam.IPAMState, None]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await leases.update(boom)
    assert path.read_text() == text
    assert sorted(os.listdir(tmp_path)) == ["ipam.json", "ipam.json.lock"]


async def test_empty_file_reads_empty(tmp_path: Path) -> None:
    path = tmp_path / "ipam.json"
    path.write_text("")
    assert dict((await LeaseFile(path).read()).leases) == {}


async def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "ipam.json"
    path.write_text("{not json")
    with pytest.raises(LeaseFileCorrupt):
        await LeaseFile(path).read()
