"""cgroup mode detection, pod paths and OOM counters (pure parts of cgroups.py)."""

from __future__ import annotations

from pathlib import Path

from pacific.agent.runtimes.container.cgroups import (
    CgroupMode,
    cgroup_dirs,
    container_cgroup,
    detect_mode,
    parse_mountinfo,
    parse_oom_kills,
    pod_cgroup_parent,
    remove_cgroup,
)

HYBRID = """\
23 1 0:21 / /sys rw,nosuid - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
V2 = "30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
V1 = "\n".join(HYBRID.splitlines()[:-1]) + "\n"


def test_modes() -> None:
    assert detect_mode(parse_mountinfo(HYBRID)) is CgroupMode.HYBRID
    assert detect_mode(parse_mountinfo(V2)) is CgroupMode.V2
    assert detect_mode(parse_mountinfo(V1)) is CgroupMode.V1


def test_parse_mountinfo_controllers() -> None:
    mounts = parse_mountinfo(HYBRID)
    assert [(str(m.path), m.version, m.controllers) for m in mounts] == [
        ("/sys/fs/cgroup/cpu", 1, ("cpu",)),
        ("/sys/fs/cgroup/memory", 1, ("memory",)),
        ("/sys/fs/cgroup/systemd", 1, ()),
        ("/sys/fs/cgroup/unified", 2, ()),
    ]


def test_pod_paths_follow_kubelet_tiers() -> None:
    assert pod_cgroup_parent("Burstable", "u1") == "pacific/burstable/podu1"
    assert pod_cgroup_parent("BestEffort", "u1") == "pacific/besteffort/podu1"
    assert pod_cgroup_parent("Guaranteed", "u1") == "pacific/podu1"
    assert container_cgroup("pacific/burstable/podu1", "c1") == "/pacific/burstable/podu1/c1"


def test_cgroup_dirs_per_mode() -> None:
    hybrid = parse_mountinfo(HYBRID)
    assert cgroup_dirs(hybrid, "/p/pod1", CgroupMode.HYBRID) == [
        Path("/sys/fs/cgroup/cpu/p/pod1"),
        Path("/sys/fs/cgroup/memory/p/pod1"),
        Path("/sys/fs/cgroup/systemd/p/pod1"),
    ]
    assert cgroup_dirs(parse_mountinfo(V2), "p/pod1", CgroupMode.V2) == [
        Path("/sys/fs/cgroup/p/pod1")
    ]


def test_oom_counters() -> None:
    assert parse_oom_kills("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n") == 2
    assert parse_oom_kills("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n") == 1
    assert parse_oom_kills("oom_kill_disable 0\n") == 0


def test_remove_cgroup_removes_children_first(tmp_path: Path) -> None:
    info = f"32 31 0:29 / {tmp_path}/cpu rw - cgroup cgroup rw,cpu\n"
    pod = tmp_path / "cpu/p/pod1"
    (pod / "c1").mkdir(parents=True)
    (pod / "c2").mkdir()
    assert remove_cgroup(parse_mountinfo(info), "p/pod1", CgroupMode.V1) == []
    assert not pod.exists() and (tmp_path / "cpu/p").is_dir()
