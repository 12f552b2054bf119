"""The host as a Node: what the host really has (observed), and the Node object (pure).

Observed from the kernel (`observe_host`, read in a worker thread):
- capacity: logical CPUs (`os.sched_getaffinity` / `os.cpu_count`), MemTotal from
  /proc/meminfo, and `pods` from the config (110, as kubelet);
- NUMA nodes from /sys/devices/system/node/node<N>/{cpulist,meminfo}, published as the
  `pacific.dev/numa-topology` annotation: a JSON list of {"id", "cpus", "memory"} (the
  wire format `pacific.scheduler.numa` documents; a host without /sys NUMA is one node);
- pressure, with kubelet's default hard eviction thresholds: MemoryPressure when
  MemAvailable < 100Mi, DiskPressure when the agent's filesystem has < 10% free,
  PIDPressure when fewer than 10% of pid_max are free;
- nodeInfo: kernel, OS image (/etc/os-release), boot id, machine id, architecture.
Conditions keep their lastTransitionTime while their status holds (`node_status`).
"""

from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pacific.agent.config import KUBELET_VERSION, AgentConfig

Obj = dict[str, Any]
TOPOLOGY_ANNOTATION = "pacific.dev/numa-topology"
MEMORY_THRESHOLD = 100 * 1024 * 1024
DISK_FREE_PERCENT = 10
PID_FREE_PERCENT = 10
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le"}


@dataclass(frozen=True, slots=True)
class NumaCell:
    id: int
    cpus: str  # Linux cpu list
    memory: int  # bytes


@dataclass(frozen=True, slots=True)
class HostObservation:
    cpus: int
    memory: int
    memory_available: int
    disk_total: int
    disk_free: int
    pids_max: int
    pids_used: int
    numa: tuple[NumaCell, ...] = ()
    kernel: str = ""
    os_image: str = ""
    boot_id: str = ""
    machine_id: str = ""
    architecture: str = "amd64"


def _meminfo(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        m = re.match(r"(?:Node \d+ )?(\w+):\s+(\d+)( kB)?", line)
        if m:
            out[m.group(1)] = int(m.group(2)) * (1024 if m.group(3) else 1)
    return out


def _read(path: Path, default: str = "") -> str:
    try:
        return path.read_text()
    except OSError:
        return default


def _os_image(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.partition("=")[2].strip().strip('"')
    return "Linux"


def observe_host(state_dir: Path, root: Path = Path("/")) -> HostObservation:
    """Read the host's capacity and pressure signals (blocking: run in a thread)."""
    mem = _meminfo(_read(root / "proc/meminfo"))
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    cells = []
    nodes = root / "sys/devices/system/node"
    for d in sorted(nodes.glob("node[0-9]*"), key=lambda p: int(p.name[4:])):
        cpulist = _read(d / "cpulist").strip()
        if cpulist:
            total = _meminfo(_read(d / "meminfo")).get("MemTotal", 0)
            cells.append(NumaCell(int(d.name[4:]), cpulist, total))
    probe = state_dir if state_dir.exists() else root
    st = os.statvfs(probe)
    pids_max = int(_read(root / "proc/sys/kernel/pid_max", "32768").strip() or 32768)
    pids_used = sum(1 for p in (root / "proc").iterdir() if p.name.isdigit())
    machine = platform.machine()
    return HostObservation(
        cpus=cpus,
        memory=mem.get("MemTotal", 0),
        memory_available=mem.get("MemAvailable", mem.get("MemFree", 0)),
        disk_total=st.f_blocks * st.f_frsize,
        disk_free=st.f_bavail * st.f_frsize,
        pids_max=pids_max,
        pids_used=pids_used,
        numa=tuple(cells),
        kernel=platform.release(),
        os_image=_os_image(_read(root / "etc/os-release")),
        boot_id=_read(root / "proc/sys/kernel/random/boot_id").strip(),
        machine_id=_read(root / "etc/machine-id").strip(),
        architecture=_ARCH.get(machine, machine),
    )


def topology(obs: HostObservation) -> str:
    cells = obs.numa or (NumaCell(0, f"0-{obs.cpus - 1}" if obs.cpus > 1 else "0", obs.memory),)
    return json.dumps(
        [{"id": c.id, "cpus": c.cpus, "memory": f"{c.memory // 1024}Ki"} for c in cells],
        separators=(",", ":"),
    )


def pressures(obs: HostObservation) -> dict[str, bool]:
    disk_low = obs.disk_total > 0 and obs.disk_free * 100 < obs.disk_total * DISK_FREE_PERCENT
    pids_low = (obs.pids_max - obs.pids_used) * 100 < obs.pids_max * PID_FREE_PERCENT
    return {
        "MemoryPressure": obs.memory_available < MEMORY_THRESHOLD,
        "DiskPressure": disk_low,
        "PIDPressure": pids_low,
    }


_TEXTS = {
    "MemoryPressure": ("KubeletHasInsufficientMemory", "KubeletHasSufficientMemory", "memory"),
    "DiskPressure": ("KubeletHasDiskPressure", "KubeletHasNoDiskPressure", "disk"),
    "PIDPressure": ("KubeletHasInsufficientPID", "KubeletHasSufficientPID", "PID"),
}


def _condition(kind: str, status: bool, reason: str, message: str, now: str, old: Obj) -> Obj:
    value = "True" if status else "False"
    prev = old.get(kind) or {}
    since = prev.get("lastTransitionTime") if prev.get("status") == value else None
    return {
        "type": kind,
        "status": value,
        "reason": reason,
        "message": message,
        "lastHeartbeatTime": now,
        "lastTransitionTime": since or now,
    }


def conditions(obs: HostObservation, now: str, old: list[Obj] | None = None) -> list[Obj]:
    previous = {str(c.get("type")): c for c in old or ()}
    out = []
    for kind, on in pressures(obs).items():
        bad, good, what = _TEXTS[kind]
        if on:
            out.append(_condition(kind, True, bad, f"kubelet has {what} pressure", now, previous))
        else:
            text = (
                f"kubelet has sufficient {what}"
                if what != "disk"
                else "kubelet has no disk pressure"
            )
            out.append(_condition(kind, False, good, text, now, previous))
    ready = _condition(
        "Ready", True, "KubeletReady", "kubelet is posting ready status", now, previous
    )
    out.append(ready)
    return out


def node_status(
    config: AgentConfig,
    obs: HostObservation,
    *,
    node_ip: str,
    hostname: str,
    runtime_version: str,
    now: str,
    old_conditions: list[Obj] | None = None,
) -> Obj:
    capacity = {
        "cpu": str(obs.cpus),
        "memory": f"{obs.memory // 1024}Ki",
        "pods": str(config.max_pods),
        "ephemeral-storage": f"{obs.disk_total // 1024}Ki",
    }
    return {
        "capacity": capacity,
        "allocatable": dict(capacity),
        "conditions": conditions(obs, now, old_conditions),
        "addresses": [
            {"type": "InternalIP", "address": node_ip},
            {"type": "Hostname", "address": hostname},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": config.server_port}},
        "nodeInfo": {
            "architecture": obs.architecture,
            "operatingSystem": "linux",
            "kernelVersion": obs.kernel,
            "osImage": obs.os_image,
            "kubeletVersion": KUBELET_VERSION,
            "kubeProxyVersion": "",
            "containerRuntimeVersion": runtime_version,
            "bootID": obs.boot_id,
            "machineID": obs.machine_id,
            "systemUUID": obs.machine_id,
        },
    }


def node_object(name: str, config: AgentConfig, obs: HostObservation) -> Obj:
    """The Node as first registered (status is written separately, through pods/status)."""
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": obs.architecture,
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": obs.architecture,
        **dict(config.labels),
    }
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {TOPOLOGY_ANNOTATION: topology(obs)},
        },
        "spec": {},
    }
