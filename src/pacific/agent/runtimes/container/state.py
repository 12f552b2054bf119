"""The runtime's state directory: where everything lives, and the records that outlive us.

Layout under the runtime's root (default /run/pacific/containers; tmpfs, so a host reboot,
which kills every container, also forgets them):

    crun/                      crun's own state (`crun --root`)
    exits/<id>                 conmon writes the exit code here when a process exits
    crun-hybrid                wrapper that runs crun with the cgroup2 mount hidden
    sandboxes/<id>/sandbox.json, hosts, resolv.conf, hostname, shm/, rootfs/ (pause)
    containers/<id>/container.json, config.json, rootfs/ (overlay), upper/, work/,
                    persist/ (conmon: exit, oom), attach (socket), ctl (fifo), pid

Records are JSON written atomically (tmp + rename) and re-read on every status call, so a
new `ContainerRuntime` on the same root (the agent restarted) sees exactly what the old one
created; the processes themselves (conmon, crun's container processes) never belonged to
the agent.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_ROOT = Path("/run/pacific/containers")


@dataclass(frozen=True, slots=True)
class SandboxRecord:
    id: str
    pod_uid: str
    namespace: str
    name: str
    attempt: int
    hostname: str
    netns_path: str  # "" = host network
    cgroup_parent: str
    log_directory: str
    created_at: float
    pid: int = 0  # the pause process
    pid_start: int = 0  # its start time in clock ticks (/proc/<pid>/stat), against pid reuse
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ContainerRecord:
    id: str
    sandbox_id: str
    name: str
    attempt: int
    image: str
    image_id: str
    created_at: float
    cgroup: str
    log_path: str
    started_at: float = 0.0
    pid: int = 0
    pid_start: int = 0
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Layout:
    root: Path

    @property
    def crun_root(self) -> Path:
        return self.root / "crun"

    @property
    def exits(self) -> Path:
        return self.root / "exits"

    @property
    def hybrid_wrapper(self) -> Path:
        return self.root / "crun-hybrid"

    def sandbox_dir(self, sandbox_id: str) -> Path:
        return self.root / "sandboxes" / sandbox_id

    def container_dir(self, container_id: str) -> Path:
        return self.root / "containers" / container_id

    def exit_file(self, container_id: str) -> Path:
        return self.exits / container_id

    def ensure(self) -> None:
        for d in (self.crun_root, self.exits, self.root / "sandboxes", self.root / "containers"):
            d.mkdir(parents=True, exist_ok=True)

    def sandbox_ids(self) -> list[str]:
        return _children(self.root / "sandboxes", "sandbox.json")

    def container_ids(self) -> list[str]:
        return _children(self.root / "containers", "container.json")


def _children(parent: Path, marker: str) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(parent) if (Path(e.path) / marker).exists())
    except FileNotFoundError:
        return []


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(json.dumps(data, indent=1, sort_keys=True).encode())
    os.replace(tmp, path)


def save_sandbox(layout: Layout, rec: SandboxRecord) -> None:
    write_json(layout.sandbox_dir(rec.id) / "sandbox.json", asdict(rec))


def save_container(layout: Layout, rec: ContainerRecord) -> None:
    write_json(layout.container_dir(rec.id) / "container.json", asdict(rec))


def load_sandbox(layout: Layout, sandbox_id: str) -> SandboxRecord | None:
    try:
        data = json.loads((layout.sandbox_dir(sandbox_id) / "sandbox.json").read_bytes())
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    return SandboxRecord(**data)


def load_container(layout: Layout, container_id: str) -> ContainerRecord | None:
    try:
        data = json.loads((layout.container_dir(container_id) / "container.json").read_bytes())
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    return ContainerRecord(**data)


def process_start(pid: int) -> int | None:
    """The process's start time (clock ticks since boot), or None if it is gone/a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat.rpartition(")")[2].split()
    if not fields or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def alive(pid: int, start: int) -> bool:
    return pid > 0 and process_start(pid) == start
