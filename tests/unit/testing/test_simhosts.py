import pytest

from pacific.scheduler.nodeinfo import node_info_from_node
from pacific.testing.simhosts import HostShape, node_object, pod_ip, running_status

GI = 1024**3


def test_node_object_shape_and_numa() -> None:
    node = node_object("sim-3", 3, HostShape(64, "512Gi", numa=2), "2025-01-01T00:00:00Z")
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "sim-3"
    assert node["status"]["allocatable"] == {"cpu": "64", "memory": "512Gi", "pods": "110"}
    assert node["status"]["conditions"][0]["type"] == "Ready"
    info = node_info_from_node(node)
    assert [(n.id, n.cpu, n.memory) for n in info.numa] == [(0, 32000, 256 * GI),
                                                           (1, 32000, 256 * GI)]  # fmt: skip


def test_node_object_rejects_uneven_numa() -> None:
    with pytest.raises(ValueError):
        node_object("x", 0, HostShape(3, "1Gi", numa=2), "now")


def test_pod_ips_are_per_host_ranges() -> None:
    assert pod_ip(0, 1) == "10.64.0.3"
    assert pod_ip(300, 1) == "10.65.44.3"
    assert pod_ip(0, 252) == "10.64.0.2"  # wraps inside the /24


def test_running_status() -> None:
    pod = {"spec": {"containers": [{"name": "a", "image": "img"}]}}
    status = running_status(pod, "10.64.0.3", "10.64.0.1", "2025-01-01T00:00:00Z")
    assert status["phase"] == "Running" and status["podIP"] == "10.64.0.3"
    assert {c["type"] for c in status["conditions"]} >= {"Ready", "PodScheduled"}
    assert status["containerStatuses"][0]["state"] == {
        "running": {"startedAt": "2025-01-01T00:00:00Z"}
    }
