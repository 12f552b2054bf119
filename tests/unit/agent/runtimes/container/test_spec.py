"""Golden tests for config.json generation (spec.py) and the per-pod files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from pacific.agent.runtimes.container import podfiles
from pacific.agent.runtimes.container.spec import (
    DEFAULT_CAPABILITIES,
    SpecHost,
    container_spec,
    linux_resources,
    pod_annotations,
    process_env,
    sandbox_spec,
)
from pacific.agent.runtimes.protocol import ContainerConfig, Mount, Resources, SandboxConfig

GOLDEN = Path(__file__).parent / "golden"

SANDBOX = SandboxConfig(
    pod_uid="1111-2222",
    namespace="default",
    name="web",
    attempt=0,
    hostname="web",
    netns_path=Path("/run/netns/pod-web"),
    log_directory=Path("/var/log/pods/default_web_1111-2222"),
    cgroup_parent="pacific/burstable/pod1111-2222",
    labels={"app": "web"},
)
HOST = SpecHost(
    rootfs="/run/pacific/containers/containers/c1/rootfs",
    cgroups_path="/pacific/burstable/pod1111-2222/c1",
    ipc_ns="/proc/42/ns/ipc",
    uts_ns="/proc/42/ns/uts",
    net_ns="/run/netns/pod-web",
    hosts_file="/run/pacific/containers/sandboxes/s1/hosts",
    resolv_file="/run/pacific/containers/sandboxes/s1/resolv.conf",
    hostname_file="/run/pacific/containers/sandboxes/s1/hostname",
    shm_dir="/run/pacific/containers/sandboxes/s1/shm",
    hostname="web",
    nofile=20000,
)
APP = ContainerConfig(
    name="app",
    attempt=2,
    image="registry.local:5000/busybox:latest",
    image_id="sha256:abc",
    rootfs_layers=(Path("/var/lib/pacific/images/snapshots/top"),),
    command=("sh", "-c"),
    args=("echo hi",),
    env=(("GREETING", "hello"),),
    working_dir="/srv",
    mounts=(
        Mount(Path("/var/lib/pacific/pods/1111-2222/volumes/config"), "/etc/config", True),
        Mount(Path("/data"), "/data", False, "rslave"),
    ),
    resources=Resources(
        cpu_shares=512,
        cpu_quota_us=50_000,
        memory_limit_bytes=64 * 2**20,
        pids_limit=100,
        cpuset_cpus="0-1",
        cpuset_mems="0",
    ),
    run_as_user=1000,
    run_as_group=3000,
    read_only_rootfs=True,
    labels={"io.kubernetes.container.hash": "x"},
)


def check_golden(name: str, value: dict[str, Any]) -> None:
    path = GOLDEN / name
    text = json.dumps(value, indent=2, sort_keys=True) + "\n"
    if os.environ.get("PACIFIC_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs (PACIFIC_UPDATE_GOLDEN=1 rewrites it)"


def test_container_spec_golden() -> None:
    pod = pod_annotations(SANDBOX.pod_uid, SANDBOX.namespace, SANDBOX.name)
    check_golden("container.json", container_spec(APP, pod, HOST))


def test_privileged_container_spec_golden() -> None:
    config = ContainerConfig(
        name="priv",
        attempt=0,
        image="busybox",
        image_id="sha256:abc",
        rootfs_layers=(Path("/l"),),
        command=("sleep",),
        args=("1",),
        env=(("PATH", "/bin"), ("HOSTNAME", "custom")),
        privileged=True,
        tty=True,
    )
    host = SpecHost(**{**{f: getattr(HOST, f) for f in HOST.__slots__}, "net_ns": ""})
    check_golden("privileged.json", container_spec(config, {}, host))


def test_sandbox_spec_golden() -> None:
    host = SpecHost(**{**{f: getattr(HOST, f) for f in HOST.__slots__}, "cgroup_v2": True})
    check_golden("sandbox.json", sandbox_spec(SANDBOX, host))


def test_container_joins_pod_namespaces_and_keeps_its_own_pid_and_mount() -> None:
    spec = container_spec(APP, {}, HOST)
    ns = {n["type"]: n.get("path") for n in spec["linux"]["namespaces"]}
    assert ns == {
        "pid": None,
        "mount": None,
        "ipc": "/proc/42/ns/ipc",
        "uts": "/proc/42/ns/uts",
        "network": "/run/netns/pod-web",
    }
    assert spec["process"]["capabilities"]["bounding"] == list(DEFAULT_CAPABILITIES)
    assert spec["process"]["noNewPrivileges"] is True
    assert "seccomp" not in spec["linux"]


def test_host_network_container_has_no_network_namespace() -> None:
    host = SpecHost(**{**{f: getattr(HOST, f) for f in HOST.__slots__}, "net_ns": ""})
    types = [n["type"] for n in container_spec(APP, {}, host)["linux"]["namespaces"]]
    assert "network" not in types


@pytest.mark.parametrize(
    ("res", "expected"),
    [
        (Resources(), {"devices": [{"allow": False, "access": "rwm"}]}),
        (
            Resources(cpu_quota_us=20_000, cpu_period_us=100_000),
            {
                "devices": [{"allow": False, "access": "rwm"}],
                "cpu": {"quota": 20_000, "period": 100_000},
            },
        ),
    ],
)
def test_linux_resources_leave_unset_fields_out(res: Resources, expected: dict[str, Any]) -> None:
    assert linux_resources(res) == expected


def test_process_env_defaults_path_and_hostname() -> None:
    assert process_env((("A", "1"),), "web") == [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "A=1",
        "HOSTNAME=web",
    ]
    assert process_env((("PATH", "/x"), ("HOSTNAME", "h")), "web") == ["PATH=/x", "HOSTNAME=h"]


def test_pod_files() -> None:
    hosts = podfiles.hosts_file("web", ["10.0.0.5"])
    assert hosts.startswith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")
    assert hosts.endswith("10.0.0.5\tweb\n")
    assert podfiles.resolv_conf(["10.96.0.10"], ["default.svc.cluster.local"]) == (
        "nameserver 10.96.0.10\nsearch default.svc.cluster.local\noptions ndots:5\n"
    )
    assert podfiles.resolv_conf([], [], "nameserver 1.1.1.1") == "nameserver 1.1.1.1\n"
    assert podfiles.hostname_file("web") == "web\n"
