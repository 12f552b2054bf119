"""OCI runtime spec (config.json) for a pod's containers and its pause sandbox: pure.

Model: `container_spec()` and `sandbox_spec()` turn what the agent asked for (a
`ContainerConfig`, the pod's `SandboxConfig`) plus a few host facts (`SpecHost`: the
sandbox's namespace paths, the cgroup mode, per-pod files) into the dict crun reads as
`config.json`. Nothing here touches the host, so golden tests pin every field.

Invariants, matching what containerd's CRI plugin gives a Kubernetes container:
- Each container has its own pid and mount namespaces and JOINS the sandbox's network,
  IPC and UTS namespaces by path (the pause process holds IPC/UTS; the network namespace is
  the one the agent prepared, or the host's when the pod uses host networking).
- The default capability set is containerd's; `privileged` gets every capability, no
  masked or read-only /proc paths and a writable /sys.
- `noNewPrivileges` is set for unprivileged containers. Seccomp is unconfined (Kubernetes'
  default unless `seccompProfile: RuntimeDefault`), so no `linux.seccomp` is written.
- `cgroupsPath` is `/<cgroup_parent>/<container id>`: every container of a pod lives in
  the pod's cgroup (`pacific/<qos>/pod<uid>`), so pod limits and teardown are per pod.
- /etc/hosts, /etc/resolv.conf and /etc/hostname are bind mounts of per-pod files, and
  /dev/shm is the pod's shared directory, since the pod shares one IPC namespace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pacific.agent.runtimes.protocol import ContainerConfig, Mount, Resources, SandboxConfig

OCI_VERSION = "1.0.2"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NOFILE_LIMIT = 1_048_576
PAUSE_PATH = "/pause"

# containerd's default set (oci.defaultUnixCaps)
DEFAULT_CAPABILITIES = (
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
)
ALL_CAPABILITIES = (
    *DEFAULT_CAPABILITIES,
    "CAP_DAC_READ_SEARCH",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_LEASE",
    "CAP_AUDIT_CONTROL",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
)
MASKED_PATHS = (
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
)
READONLY_PATHS = (
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
)


@dataclass(frozen=True, slots=True)
class SpecHost:
    """Host facts a container's spec depends on (found by the runtime, passed in)."""

    rootfs: str  # the mounted overlay (bundle/rootfs)
    cgroups_path: str  # "/pacific/burstable/pod<uid>/<id>"
    ipc_ns: str  # "/proc/<pause pid>/ns/ipc"
    uts_ns: str
    net_ns: str  # "" = host network
    hosts_file: str
    resolv_file: str
    hostname_file: str
    shm_dir: str
    hostname: str
    cgroup_v2: bool = False
    pause_binary: str = "/usr/bin/catatonit"
    nofile: int = NOFILE_LIMIT  # cannot exceed the agent's own hard limit without CAP_SYS_RESOURCE


def _mount(dest: str, kind: str, source: str, options: Sequence[str]) -> dict[str, Any]:
    return {"destination": dest, "type": kind, "source": source, "options": list(options)}


def _bind(
    source: str, dest: str, *, read_only: bool, propagation: str = "rprivate"
) -> dict[str, Any]:
    opts = ["rbind", propagation]
    if read_only:
        opts.append("ro")
    return _mount(dest, "bind", source, opts)


def system_mounts(*, privileged: bool, shm_dir: str) -> list[dict[str, Any]]:
    """proc, dev, devpts, shm (the pod's), mqueue, sysfs and cgroup, as containerd has them."""
    ro = [] if privileged else ["ro"]
    return [
        _mount("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
        _mount("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        _mount(
            "/dev/pts",
            "devpts",
            "devpts",
            ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
        ),
        _bind(shm_dir, "/dev/shm", read_only=False),
        _mount("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
        _mount("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", *ro]),
        _mount(
            "/sys/fs/cgroup", "cgroup", "cgroup", ["nosuid", "noexec", "nodev", "relatime", *ro]
        ),
    ]


def _propagation(mount: Mount) -> str:
    return {"private": "rprivate", "rslave": "rslave", "rshared": "rshared"}.get(
        mount.propagation, "rprivate"
    )


def volume_mounts(mounts: Sequence[Mount]) -> list[dict[str, Any]]:
    return [
        _bind(
            str(m.host_path), m.container_path, read_only=m.read_only, propagation=_propagation(m)
        )
        for m in mounts
    ]


def linux_resources(res: Resources) -> dict[str, Any]:
    """OCI `linux.resources` from CRI-style limits; 0 (unset) fields are left out."""
    cpu: dict[str, Any] = {}
    if res.cpu_shares:
        cpu["shares"] = res.cpu_shares
    if res.cpu_quota_us:
        cpu["quota"] = res.cpu_quota_us
        cpu["period"] = res.cpu_period_us
    if res.cpuset_cpus:
        cpu["cpus"] = res.cpuset_cpus
    if res.cpuset_mems:
        cpu["mems"] = res.cpuset_mems
    out: dict[str, Any] = {"devices": [{"allow": False, "access": "rwm"}]}
    if cpu:
        out["cpu"] = cpu
    if res.memory_limit_bytes:
        out["memory"] = {"limit": res.memory_limit_bytes}
    if res.pids_limit:
        out["pids"] = {"limit": res.pids_limit}
    return out


def process_env(env: Sequence[tuple[str, str]], hostname: str) -> list[str]:
    """The container's environment: PATH and HOSTNAME defaulted as containerd does."""
    names = {k for k, _ in env}
    out = [f"{k}={v}" for k, v in env]
    if "PATH" not in names:
        out.insert(0, f"PATH={DEFAULT_PATH}")
    if "HOSTNAME" not in names:
        out.append(f"HOSTNAME={hostname}")
    return out


def _capabilities(caps: Sequence[str]) -> dict[str, list[str]]:
    names = list(caps)
    return {key: names for key in ("bounding", "effective", "permitted")}


def _namespaces(host: SpecHost, *, pod_owner: bool) -> list[dict[str, str]]:
    """New pid and mount namespaces; IPC/UTS new for the pause, joined by containers."""
    out: list[dict[str, str]] = [{"type": "pid"}, {"type": "mount"}]
    if pod_owner:
        out += [{"type": "ipc"}, {"type": "uts"}]
    else:
        out += [{"type": "ipc", "path": host.ipc_ns}, {"type": "uts", "path": host.uts_ns}]
    if host.net_ns:
        out.append({"type": "network", "path": host.net_ns})
    if host.cgroup_v2:
        out.append({"type": "cgroup"})
    return out


def _annotations(labels: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    return {**{f"io.pacific.label.{k}": v for k, v in sorted(labels.items())}, **extra}


def pod_annotations(pod_uid: str, namespace: str, name: str) -> dict[str, str]:
    return {
        "io.kubernetes.pod.uid": pod_uid,
        "io.kubernetes.pod.namespace": namespace,
        "io.kubernetes.pod.name": name,
    }


def container_spec(
    config: ContainerConfig, pod: Mapping[str, str], host: SpecHost
) -> dict[str, Any]:
    """config.json for one container of a pod (`pod`: its `pod_annotations()`)."""
    priv = config.privileged
    mounts = system_mounts(privileged=priv, shm_dir=host.shm_dir)
    mounts += [
        _bind(host.hosts_file, "/etc/hosts", read_only=False),
        _bind(host.resolv_file, "/etc/resolv.conf", read_only=False),
        _bind(host.hostname_file, "/etc/hostname", read_only=False),
    ]
    mounts += volume_mounts(config.mounts)
    linux: dict[str, Any] = {
        "cgroupsPath": host.cgroups_path,
        "namespaces": _namespaces(host, pod_owner=False),
        "resources": linux_resources(config.resources),
    }
    if priv:
        linux["resources"]["devices"] = [{"allow": True, "access": "rwm"}]
    else:
        linux["maskedPaths"] = list(MASKED_PATHS)
        linux["readonlyPaths"] = list(READONLY_PATHS)
    return {
        "ociVersion": OCI_VERSION,
        "process": {
            "terminal": config.tty,
            "user": {"uid": config.run_as_user or 0, "gid": config.run_as_group or 0},
            "args": [*config.command, *config.args],
            "env": process_env(config.env, host.hostname),
            "cwd": config.working_dir or "/",
            "capabilities": _capabilities(ALL_CAPABILITIES if priv else DEFAULT_CAPABILITIES),
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": host.nofile, "soft": host.nofile}],
            "noNewPrivileges": not priv,
        },
        "root": {"path": host.rootfs, "readonly": config.read_only_rootfs},
        "hostname": host.hostname,
        "mounts": mounts,
        "annotations": _annotations(
            config.labels,
            {
                **pod,
                "io.kubernetes.container.name": config.name,
                "io.kubernetes.container.attempt": str(config.attempt),
            },
        ),
        "linux": linux,
    }


def sandbox_spec(sandbox: SandboxConfig, host: SpecHost) -> dict[str, Any]:
    """config.json for the pod's pause process (catatonit -P), owner of its IPC/UTS ns.

    Its root is an empty read-only directory holding only the bind-mounted pause binary.
    """
    return {
        "ociVersion": OCI_VERSION,
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": [PAUSE_PATH, "-P"],
            "env": [f"PATH={DEFAULT_PATH}"],
            "cwd": "/",
            "capabilities": _capabilities(()),
            "noNewPrivileges": True,
        },
        "root": {"path": host.rootfs, "readonly": True},
        "hostname": host.hostname,
        "mounts": [
            _mount("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
            _mount("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            _bind(host.pause_binary, PAUSE_PATH, read_only=True),
        ],
        "annotations": _annotations(
            sandbox.labels,
            {
                **pod_annotations(sandbox.pod_uid, sandbox.namespace, sandbox.name),
                "io.kubernetes.cri.container-type": "sandbox",
            },
        ),
        "linux": {
            "cgroupsPath": host.cgroups_path,
            "namespaces": _namespaces(host, pod_owner=True),
            "resources": {"devices": [{"allow": False, "access": "rwm"}], "cpu": {"shares": 2}},
            "maskedPaths": list(MASKED_PATHS),
            "readonlyPaths": list(READONLY_PATHS),
        },
    }
