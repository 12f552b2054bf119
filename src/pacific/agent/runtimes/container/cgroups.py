"""Cgroups as the container runtime sees them: mode, pod paths, OOM counters, teardown.

Model: a host's cgroups are in one of three modes, read from /proc/self/mountinfo:
- V2: /sys/fs/cgroup is a cgroup2 mount (unified hierarchy);
- V1: controllers mounted one (or a few) per hierarchy under /sys/fs/cgroup/<ctrl>;
- HYBRID: V1 plus an (empty) cgroup2 mount at /sys/fs/cgroup/unified. crun 1.8 refuses it,
  so the runtime runs crun in a private mount namespace with that mount removed, and the
  containers then get plain V1 cgroups.

Every pod lives in one cgroup, `<pacific root>/<qos tier>/pod<uid>` (Guaranteed pods sit
directly under the root, as kubelet does), and each container in a child named after its
id; crun creates the directories. Removing a pod removes its directory in every
hierarchy, children first. The parent tiers are shared and stay.

OOM kills are read from the cgroup's own counter (`oom_kill` in memory.oom_control for
V1, memory.events for V2), which survives the process and is exact per container.
"""

from __future__ import annotations

import enum
import errno
import os
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = "/sys/fs/cgroup"
UNIFIED = "/sys/fs/cgroup/unified"


class CgroupMode(enum.Enum):
    V1 = "v1"
    V2 = "v2"
    HYBRID = "hybrid"


@dataclass(frozen=True, slots=True)
class CgroupMount:
    path: Path
    version: int  # 1 or 2
    controllers: tuple[str, ...]  # empty for cgroup2 and named v1 hierarchies


def parse_mountinfo(text: str) -> list[CgroupMount]:
    """cgroup and cgroup2 mounts from /proc/self/mountinfo text."""
    out: list[CgroupMount] = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        if tail[0] == "cgroup2":
            out.append(CgroupMount(Path(fields[4]), 2, ()))
            continue
        opts = tail[2].split(",")
        ctrls = tuple(o for o in opts if o not in ("rw", "ro") and "=" not in o and o.isalpha())
        out.append(CgroupMount(Path(fields[4]), 1, ctrls))
    return out


def detect_mode(mounts: list[CgroupMount]) -> CgroupMode:
    if any(m.version == 2 and str(m.path) == CGROUP_ROOT for m in mounts):
        return CgroupMode.V2
    if any(m.version == 2 and str(m.path) == UNIFIED for m in mounts):
        return CgroupMode.HYBRID
    return CgroupMode.V1


def host_mounts() -> list[CgroupMount]:
    return parse_mountinfo(Path("/proc/self/mountinfo").read_text())


def pod_cgroup_parent(qos_class: str, pod_uid: str, root: str = "pacific") -> str:
    """kubelet's layout: Guaranteed under the root, Burstable/BestEffort in their tier."""
    tier = qos_class.lower()
    if tier == "guaranteed":
        return f"{root}/pod{pod_uid}"
    return f"{root}/{tier}/pod{pod_uid}"


def container_cgroup(parent: str, container_id: str) -> str:
    """crun's `cgroupsPath` for a container (absolute from each hierarchy's root)."""
    return "/" + "/".join(p for p in (*parent.split("/"), container_id) if p)


def cgroup_dirs(mounts: list[CgroupMount], cgroup: str, mode: CgroupMode) -> list[Path]:
    """The directories of `cgroup` in the hierarchies crun uses in `mode`."""
    rel = cgroup.strip("/")
    if mode is CgroupMode.V2:
        return [Path(CGROUP_ROOT) / rel]
    return [m.path / rel for m in mounts if m.version == 1]


def memory_dir(mounts: list[CgroupMount], cgroup: str, mode: CgroupMode) -> Path | None:
    rel = cgroup.strip("/")
    if mode is CgroupMode.V2:
        return Path(CGROUP_ROOT) / rel
    for m in mounts:
        if m.version == 1 and "memory" in m.controllers:
            return m.path / rel
    return None


def parse_oom_kills(text: str) -> int:
    """The `oom_kill N` counter of memory.oom_control (v1) or memory.events (v2)."""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "oom_kill" and value.strip().isdigit():
            return int(value)
    return 0


def oom_kills(mounts: list[CgroupMount], cgroup: str, mode: CgroupMode) -> int:
    """OOM kills recorded for `cgroup`; 0 when it has no memory cgroup (any more)."""
    base = memory_dir(mounts, cgroup, mode)
    if base is None:
        return 0
    name = "memory.events" if mode is CgroupMode.V2 else "memory.oom_control"
    try:
        return parse_oom_kills((base / name).read_text())
    except OSError:
        return 0


def remove_cgroup(mounts: list[CgroupMount], cgroup: str, mode: CgroupMode) -> list[Path]:
    """rmdir `cgroup` and its (empty) children everywhere; returns what could not go."""
    left: list[Path] = []
    for top in cgroup_dirs(mounts, cgroup, mode):
        if not top.is_dir():
            continue
        subdirs = [Path(d) for d, _, _ in os.walk(top)]
        for d in sorted(subdirs, key=lambda p: len(p.parts), reverse=True):
            try:
                d.rmdir()
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    left.append(d)
    return left
