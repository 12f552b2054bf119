from __future__ import annotations

import json
from pathlib import Path

from pacific.agent.config import AgentConfig
from pacific.agent.node import (
    HostObservation,
    NumaCell,
    conditions,
    node_object,
    node_status,
    observe_host,
    topology,
)
from pacific.scheduler.numa import NumaNode, parse_topology

OBS = HostObservation(
    cpus=4,
    memory=8 << 30,
    memory_available=4 << 30,
    disk_total=100,
    disk_free=50,
    pids_max=1000,
    pids_used=100,
    numa=(NumaCell(0, "0-1", 4 << 30), NumaCell(1, "2-3", 4 << 30)),
    kernel="6.1.0",
    os_image="Debian GNU/Linux 12 (bookworm)",
    architecture="amd64",
)


def fake_root(tmp_path: Path) -> Path:
    (tmp_path / "proc/sys/kernel/random").mkdir(parents=True)
    (tmp_path / "proc/meminfo").write_text("MemTotal: 2048 kB\nMemAvailable: 1024 kB\n")
    (tmp_path / "proc/sys/kernel/pid_max").write_text("4096\n")
    (tmp_path / "proc/1").mkdir()
    (tmp_path / "proc/sys/kernel/random/boot_id").write_text("boot\n")
    for n, cpus in ((0, "0-1"), (1, "2-3")):
        d = tmp_path / f"sys/devices/system/node/node{n}"
        d.mkdir(parents=True)
        (d / "cpulist").write_text(cpus + "\n")
        (d / "meminfo").write_text(f"Node {n} MemTotal:  1024 kB\nNode {n} MemFree: 1 kB\n")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    return tmp_path


def test_observe_reads_proc_and_sys(tmp_path: Path) -> None:
    obs = observe_host(tmp_path, fake_root(tmp_path))
    assert obs.memory == 2048 * 1024 and obs.memory_available == 1024 * 1024
    assert obs.numa == (NumaCell(0, "0-1", 1 << 20), NumaCell(1, "2-3", 1 << 20))
    assert (obs.pids_max, obs.pids_used, obs.boot_id) == (4096, 1, "boot")
    assert obs.os_image == "Debian GNU/Linux 12 (bookworm)"


def test_observe_this_host() -> None:
    obs = observe_host(Path("/tmp"))
    assert obs.cpus >= 1 and obs.memory > 0 and obs.numa


def test_topology_annotation_format() -> None:
    assert parse_topology(topology(OBS)) == (
        NumaNode(0, 2000, 4 << 30),
        NumaNode(1, 2000, 4 << 30),
    )
    assert json.loads(topology(OBS)) == [
        {"id": 0, "cpus": "0-1", "memory": "4194304Ki"},
        {"id": 1, "cpus": "2-3", "memory": "4194304Ki"},
    ]


def test_node_object_and_status_golden() -> None:
    node = node_object("h1", AgentConfig(labels=(("zone", "a"),)), OBS)
    assert node["metadata"]["labels"] == {
        "kubernetes.io/hostname": "h1",
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": "amd64",
        "zone": "a",
    }
    status = node_status(
        AgentConfig(),
        OBS,
        node_ip="192.0.2.1",
        hostname="h1",
        runtime_version="pacific-container://0.1",
        now="2025-01-01T00:00:00Z",
    )
    assert status["capacity"] == {
        "cpu": "4",
        "memory": "8388608Ki",
        "pods": "110",
        "ephemeral-storage": "0Ki",
    }
    assert status["addresses"] == [
        {"type": "InternalIP", "address": "192.0.2.1"},
        {"type": "Hostname", "address": "h1"},
    ]
    assert status["nodeInfo"]["kubeletVersion"] == "v1.32.0-pacific"
    kinds = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert kinds == {
        "MemoryPressure": ("False", "KubeletHasSufficientMemory"),
        "DiskPressure": ("False", "KubeletHasNoDiskPressure"),
        "PIDPressure": ("False", "KubeletHasSufficientPID"),
        "Ready": ("True", "KubeletReady"),
    }


def test_pressure_conditions_and_transition_times() -> None:
    low = HostObservation(1, 1 << 30, 50 << 20, 100, 5, 100, 95)
    first = conditions(low, "t1")
    kinds = {c["type"]: c["status"] for c in first}
    assert kinds == {
        "MemoryPressure": "True",
        "DiskPressure": "True",
        "PIDPressure": "True",
        "Ready": "True",
    }
    later = conditions(low, "t2", first)
    assert all(c["lastTransitionTime"] == "t1" and c["lastHeartbeatTime"] == "t2" for c in later)
    assert {c["type"]: c["lastTransitionTime"] for c in conditions(OBS, "t3", later)}[
        "MemoryPressure"
    ] == "t3"
