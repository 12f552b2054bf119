"""Golden tests: pod -> SandboxConfig / ContainerConfig."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pacific.agent.podspec import (
    ConfigError,
    EnvSources,
    ImageFacts,
    Mount,
    command_line,
    container_config,
    container_env,
    expand,
    referenced,
    resources,
    sandbox_config,
)
from pacific.agent.runtimes.protocol import Resources

POD: dict[str, Any] = {
    "metadata": {
        "name": "web",
        "namespace": "shop",
        "uid": "u-1",
        "labels": {"app": "web"},
        "annotations": {"team": "a"},
    },
    "spec": {
        "nodeName": "h1",
        "serviceAccountName": "default",
        "securityContext": {"runAsUser": 1000},
        "volumes": [{"name": "conf", "configMap": {"name": "cfg"}}],
        "containers": [
            {
                "name": "app",
                "image": "busybox",
                "args": ["-p", "$(PORT)", "$$(PORT)"],
                "workingDir": "/srv",
                "env": [
                    {"name": "PORT", "value": "8080"},
                    {"name": "URL", "value": "http://localhost:$(PORT)/$(NOPE)"},
                    {
                        "name": "MODE",
                        "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}},
                    },
                    {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "s", "key": "pw"}}},
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {
                        "name": "APP",
                        "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}},
                    },
                    {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                    {
                        "name": "MEM",
                        "valueFrom": {
                            "resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}
                        },
                    },
                ],
                "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "CFG_"}],
                "resources": {
                    "requests": {"cpu": "250m"},
                    "limits": {"cpu": "500m", "memory": "64Mi"},
                },
                "securityContext": {"readOnlyRootFilesystem": True},
                "volumeMounts": [{"name": "conf", "mountPath": "/etc/conf", "readOnly": True}],
            }
        ],
    },
}
SOURCES = EnvSources(
    config_maps={"cfg": {"mode": "fast"}},
    secrets={"s": {"pw": b"hunter2"}},
    pod_ip="10.88.0.5",
    host_ip="192.0.2.1",
    node_cpu=2,
    node_memory=8 << 30,
)
IMAGE = ImageFacts(
    "sha256:img",
    (Path("/l/2"), Path("/l/1")),
    {"Entrypoint": ["/bin/httpd"], "Cmd": ["-f"], "Env": ["PATH=/bin", "PORT=1"], "User": "5"},
)


def test_container_config_golden() -> None:
    container = POD["spec"]["containers"][0]
    cfg = container_config(
        POD,
        container,
        attempt=2,
        image=IMAGE,
        sources=SOURCES,
        volume_dirs={"conf": Path("/pods/u-1/volumes/conf")},
        log_path=Path("/logs/app/2.log"),
    )
    assert cfg.command == ("/bin/httpd",)
    assert cfg.args == ("-p", "8080", "$(PORT)")
    assert dict(cfg.env) == {
        "PATH": "/bin",
        "PORT": "8080",
        "CFG_mode": "fast",
        "URL": "http://localhost:8080/$(NOPE)",
        "MODE": "fast",
        "PASS": "hunter2",
        "POD": "web",
        "APP": "web",
        "IP": "10.88.0.5",
        "MEM": "64",
    }
    assert cfg.resources == Resources(
        cpu_shares=256, cpu_quota_us=50_000, memory_limit_bytes=64 << 20
    )
    assert cfg.mounts == (Mount(Path("/pods/u-1/volumes/conf"), "/etc/conf", read_only=True),)
    assert (cfg.run_as_user, cfg.read_only_rootfs, cfg.working_dir) == (1000, True, "/srv")
    assert (cfg.attempt, cfg.image_id, cfg.rootfs_layers) == (2, "sha256:img", IMAGE.layers)
    assert cfg.labels["io.kubernetes.pod.uid"] == "u-1"


def test_command_rules() -> None:
    image = {"Entrypoint": ["ep"], "Cmd": ["cmd"]}
    assert command_line({}, image, {}) == (("ep",), ("cmd",))
    assert command_line({"args": ["a"]}, image, {}) == (("ep",), ("a",))
    assert command_line({"command": ["c"]}, image, {}) == (("c",), ())
    assert command_line({"command": ["c"], "args": ["a"]}, image, {}) == (("c",), ("a",))


def test_expand() -> None:
    assert expand("$(A)-$(B)-$$(A)-$", {"A": "1"}) == "1-$(B)-$(A)-$"


def test_missing_references() -> None:
    missing = {"name": "X", "valueFrom": {"configMapKeyRef": {"name": "none", "key": "k"}}}
    with pytest.raises(ConfigError):
        container_env(POD, {"env": [missing]}, [], SOURCES)
    optional = {
        "name": "X",
        "valueFrom": {"secretKeyRef": {"name": "s", "key": "no", "optional": True}},
    }
    assert container_env(POD, {"env": [optional]}, [], SOURCES) == ()
    with pytest.raises(ConfigError):
        container_env(POD, {"envFrom": [{"secretRef": {"name": "gone"}}]}, [], SOURCES)


def test_resources_and_defaults() -> None:
    assert resources({}) == Resources(cpu_shares=2)
    limit_default = {"name": "M", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}
    assert container_env(POD, {"env": [limit_default]}, [], SOURCES) == (("M", "2"),)


def test_sandbox_config_golden() -> None:
    sb = sandbox_config(
        POD,
        attempt=0,
        netns_path=Path("/run/netns/x"),
        pod_ip="10.88.0.5",
        log_directory=Path("/var/log/pods/shop_web_u-1"),
        cgroup_root="pacific",
    )
    assert (sb.pod_uid, sb.namespace, sb.name, sb.hostname) == ("u-1", "shop", "web", "web")
    assert sb.cgroup_parent == "pacific/burstable/podu-1"
    assert sb.labels["pacific.dev/pod-ip"] == "10.88.0.5"
    assert sb.dns_searches[0] == "shop.svc.cluster.local"


def test_referenced_objects() -> None:
    assert referenced(POD) == ({"cfg"}, {"s"})
