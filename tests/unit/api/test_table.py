"""Table output: kube's columns, cells, ages and pod status logic."""

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from pacific.api.errors import BadRequest
from pacific.api.resources import ResourceType
from pacific.api.table import table_for
from pacific.api.table_format import human_duration

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
CREATED = "2025-01-01T11:57:58Z"  # 2m2s before NOW


def rt(group: str, kind: str, **extra: object) -> ResourceType:
    return ResourceType(
        group=group,
        version="v1",
        kind=kind,
        plural=kind.lower() + "s",
        singular=kind.lower(),
        namespaced=True,
        extra=extra,
    )


POD = rt("", "Pod")


def one_row(kind: ResourceType, obj: dict) -> list:
    table = table_for(kind, [obj], list_meta={}, now=NOW)
    return table["rows"][0]["cells"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (5, "5s"),
        (119, "119s"),
        (182, "3m2s"),
        (300, "5m"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600 + 60, "3h1m"),
        (5 * 3600, "5h"),
        (10 * 3600, "10h"),
        (47 * 3600, "47h"),
        (3 * 86400 + 4 * 3600, "3d4h"),
        (2 * 86400, "2d"),
        (10 * 86400, "10d"),
        (800 * 86400, "2y70d"),
        (3 * 365 * 86400, "3y"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == text


def pod(status: dict, spec: dict | None = None, **meta: object) -> dict:
    return {
        "metadata": {"name": "p", "namespace": "ns", "creationTimestamp": CREATED, **meta},
        "spec": spec or {"containers": [{"name": "c", "image": "nginx"}]},
        "status": status,
    }


def running(ready: bool = True, restarts: int = 0, **last: object) -> dict:
    out = {
        "name": "c",
        "ready": ready,
        "restartCount": restarts,
        "state": {"running": {"startedAt": CREATED}},
    }
    if last:
        out["lastState"] = {"terminated": last}
    return out


def test_pod_running_row_and_columns() -> None:
    obj = pod(
        {
            "phase": "Running",
            "podIPs": [{"ip": "10.0.0.5"}],
            "containerStatuses": [running()],
        },
        spec={"nodeName": "n1", "containers": [{"name": "c", "image": "nginx"}]},
    )
    table = table_for(POD, [obj], list_meta={"resourceVersion": "7"}, now=NOW)
    assert table["kind"] == "Table"
    assert table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "7"}
    names = [(c["name"], c["priority"]) for c in table["columnDefinitions"]]
    assert names == [
        ("Name", 0),
        ("Ready", 0),
        ("Status", 0),
        ("Restarts", 0),
        ("Age", 0),
        ("IP", 1),
        ("Node", 1),
        ("Nominated Node", 1),
        ("Readiness Gates", 1),
    ]
    assert table["columnDefinitions"][0]["format"] == "name"
    assert "unique within a namespace" in table["columnDefinitions"][0]["description"]
    row = table["rows"][0]
    assert row["cells"] == [
        "p",
        "1/1",
        "Running",
        "0",
        "2m2s",
        "10.0.0.5",
        "n1",
        "<none>",
        "<none>",
    ]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["name"] == "p"
    orjson.dumps(table)


@pytest.mark.parametrize(
    ("status", "extra", "expected"),
    [
        ({"phase": "Pending"}, {}, "Pending"),
        (
            {
                "phase": "Pending",
                "containerStatuses": [
                    {
                        "name": "c",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"waiting": {"reason": "ContainerCreating"}},
                    }
                ],
            },
            {},
            "ContainerCreating",
        ),
        (
            {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "name": "c",
                        "ready": False,
                        "restartCount": 4,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    }
                ],
            },
            {},
            "CrashLoopBackOff",
        ),
        (
            {
                "phase": "Succeeded",
                "containerStatuses": [
                    {
                        "name": "c",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                    }
                ],
            },
            {},
            "Completed",
        ),
        (
            {
                "phase": "Failed",
                "containerStatuses": [
                    {
                        "name": "c",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"terminated": {"exitCode": 3}},
                    }
                ],
            },
            {},
            "ExitCode:3",
        ),
        (
            {"phase": "Running", "containerStatuses": [running()]},
            {"deletionTimestamp": CREATED},
            "Terminating",
        ),
        ({"phase": "Running", "reason": "NodeLost"}, {"deletionTimestamp": CREATED}, "Unknown"),
        (
            {
                "phase": "Pending",
                "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
                ],
            },
            {},
            "SchedulingGated",
        ),
        ({"phase": "Pending", "reason": "Evicted"}, {}, "Evicted"),
    ],
)
def test_pod_status_reason(status: dict, extra: dict, expected: str) -> None:
    assert one_row(POD, pod(status, **extra))[2] == expected


def test_pod_init_containers() -> None:
    spec = {
        "initContainers": [{"name": "i1"}, {"name": "i2"}],
        "containers": [{"name": "c"}],
    }
    done = {"name": "i1", "restartCount": 0, "state": {"terminated": {"exitCode": 0}}}
    pending = {"name": "i2", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}
    row = one_row(POD, pod({"phase": "Pending", "initContainerStatuses": [done, pending]}, spec))
    assert row[1:3] == ["0/1", "Init:1/2"]
    failing = {
        "name": "i1",
        "restartCount": 2,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
    }
    row = one_row(POD, pod({"phase": "Pending", "initContainerStatuses": [failing]}, spec))
    assert row[2:4] == ["Init:CrashLoopBackOff", "2"]
    crashed = {"name": "i1", "restartCount": 0, "state": {"terminated": {"exitCode": 1}}}
    row = one_row(POD, pod({"phase": "Pending", "initContainerStatuses": [crashed]}, spec))
    assert row[2] == "Init:ExitCode:1"


def test_pod_sidecar_counts_as_container() -> None:
    spec = {
        "initContainers": [{"name": "side", "restartPolicy": "Always"}],
        "containers": [{"name": "c"}],
    }
    side = {
        "name": "side",
        "ready": True,
        "started": True,
        "restartCount": 1,
        "state": {"running": {}},
    }
    row = one_row(
        POD,
        pod(
            {"phase": "Running", "initContainerStatuses": [side], "containerStatuses": [running()]},
            spec,
        ),
    )
    assert row[1:4] == ["2/2", "Running", "1"]


def test_pod_restarts_with_last_termination_age() -> None:
    status = {
        "phase": "Running",
        "containerStatuses": [running(restarts=3, finishedAt="2025-01-01T11:59:00Z")],
    }
    assert one_row(POD, pod(status))[3] == "3 (60s ago)"


def test_pod_completed_conditions_and_readiness_gates() -> None:
    spec = {"containers": [{"name": "c"}], "readinessGates": [{"conditionType": "x"}]}
    status = {"phase": "Succeeded", "conditions": [{"type": "x", "status": "True"}]}
    table = table_for(POD, [pod(status, spec)], list_meta={}, now=NOW, include_object="None")
    row = table["rows"][0]
    assert "object" not in row
    assert row["conditions"][0]["reason"] == "Succeeded"
    assert row["cells"][8] == "1/1"


def test_deployment_and_replicaset() -> None:
    dep = {
        "metadata": {"name": "web", "creationTimestamp": CREATED},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "spec": {
                    "containers": [
                        {"name": "a", "image": "nginx:1"},
                        {"name": "b", "image": "redis"},
                    ]
                }
            },
        },
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    }
    assert one_row(rt("apps", "Deployment"), dep) == [
        "web",
        "2/3",
        3,
        2,
        "2m2s",
        "a,b",
        "nginx:1,redis",
        "app=web",
    ]
    rs = dict(dep, status={"replicas": 3, "readyReplicas": 1})
    assert one_row(rt("apps", "ReplicaSet"), rs) == [
        "web",
        3,
        3,
        1,
        "2m2s",
        "a,b",
        "nginx:1,redis",
        "app=web",
    ]


def test_service() -> None:
    svc = {
        "metadata": {"name": "s", "creationTimestamp": CREATED},
        "spec": {
            "type": "NodePort",
            "clusterIPs": ["10.96.0.10"],
            "ports": [
                {"port": 80, "protocol": "TCP", "nodePort": 30080},
                {"port": 53, "protocol": "UDP"},
            ],
            "selector": {"b": "2", "a": "1"},
        },
    }
    assert one_row(rt("", "Service"), svc) == [
        "s",
        "NodePort",
        "10.96.0.10",
        "<none>",
        "80:30080/TCP,53/UDP",
        "2m2s",
        "a=1,b=2",
    ]
    lb = {"metadata": {"name": "l"}, "spec": {"type": "LoadBalancer"}}
    assert one_row(rt("", "Service"), lb)[2:5] == ["<none>", "<pending>", "<none>"]


def test_node() -> None:
    node = {
        "metadata": {
            "name": "n1",
            "creationTimestamp": CREATED,
            "labels": {"node-role.kubernetes.io/control-plane": ""},
        },
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "192.168.1.2"}],
            "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Debian"},
        },
    }
    assert one_row(rt("", "Node"), node) == [
        "n1",
        "Ready,SchedulingDisabled",
        "control-plane",
        "2m2s",
        "v1.32.0",
        "192.168.1.2",
        "<none>",
        "Debian",
        "<unknown>",
        "<unknown>",
    ]


def test_event() -> None:
    event = {
        "metadata": {"name": "p.1"},
        "involvedObject": {"kind": "Pod", "name": "p", "fieldPath": "spec.containers{c}"},
        "reason": "Pulled",
        "type": "Normal",
        "message": "pulled \n",
        "source": {"component": "kubelet", "host": "n1"},
        "firstTimestamp": CREATED,
    }
    assert one_row(rt("", "Event"), event) == [
        "2m2s",
        "Normal",
        "Pulled",
        "pod/p",
        "spec.containers{c}",
        "kubelet, n1",
        "pulled",
        "2m2s",
        1,
        "p.1",
    ]


def test_small_kinds() -> None:
    meta = {"name": "x", "creationTimestamp": CREATED}
    assert one_row(
        rt("", "ConfigMap"), {"metadata": meta, "data": {"a": "1"}, "binaryData": {"b": ""}}
    ) == ["x", 2, "2m2s"]
    assert one_row(rt("", "Secret"), {"metadata": meta, "type": "Opaque"}) == [
        "x",
        "Opaque",
        0,
        "2m2s",
    ]
    assert one_row(rt("", "Namespace"), {"metadata": meta, "status": {"phase": "Active"}}) == [
        "x",
        "Active",
        "2m2s",
    ]
    assert one_row(
        rt("coordination.k8s.io", "Lease"), {"metadata": meta, "spec": {"holderIdentity": "me"}}
    ) == ["x", "me", "2m2s"]
    assert one_row(rt("node.k8s.io", "RuntimeClass"), {"metadata": meta, "handler": "crun"}) == [
        "x",
        "crun",
        "2m2s",
    ]
    endpoints = {
        "metadata": meta,
        "subsets": [
            {"addresses": [{"ip": f"10.0.0.{i}"} for i in range(5)], "ports": [{"port": 80}]}
        ],
    }
    assert one_row(rt("", "Endpoints"), endpoints)[1] == (
        "10.0.0.0:80,10.0.0.1:80,10.0.0.2:80 + 2 more..."
    )
    assert one_row(rt("", "Endpoints"), {"metadata": meta})[1] == "<none>"


def test_storage_kinds() -> None:
    meta = {"name": "x", "creationTimestamp": CREATED}
    pvc = {
        "metadata": meta,
        "spec": {"volumeName": "pv1", "storageClassName": "fast"},
        "status": {
            "phase": "Bound",
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
        },
    }
    assert one_row(rt("", "PersistentVolumeClaim"), pvc) == [
        "x",
        "Bound",
        "pv1",
        "1Gi",
        "RWO,RWX",
        "fast",
        "<unset>",
        "2m2s",
        "<unset>",
    ]
    sc = {
        "metadata": dict(meta, annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
        "provisioner": "p",
    }
    assert one_row(rt("storage.k8s.io", "StorageClass"), sc) == [
        "x (default)",
        "p",
        "Delete",
        "Immediate",
        False,
        "2m2s",
    ]
    quota = {
        "metadata": meta,
        "status": {
            "hard": {"pods": "10", "limits.cpu": "2", "cpu": "1"},
            "used": {"pods": "3", "cpu": "500m"},
        },
    }
    assert one_row(rt("", "ResourceQuota"), quota) == [
        "x",
        "cpu: 500m/1, pods: 3/10",
        "limits.cpu: 0/2",
        "2m2s",
    ]


def test_role_binding() -> None:
    binding = {
        "metadata": {"name": "b", "creationTimestamp": CREATED},
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "ServiceAccount", "namespace": "ns", "name": "sa"},
        ],
    }
    assert one_row(rt("rbac.authorization.k8s.io", "RoleBinding"), binding) == [
        "b",
        "ClusterRole/view",
        "2m2s",
        "alice",
        "",
        "ns/sa",
    ]


def test_default_columns() -> None:
    table = table_for(
        rt("", "LimitRange"),
        [{"metadata": {"name": "l", "creationTimestamp": "2025-01-01T13:00:00+01:00"}}],
        list_meta={},
        now=NOW,
    )
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Created At"]
    assert table["columnDefinitions"][1]["type"] == "date"
    assert table["rows"][0]["cells"] == ["l", "2025-01-01T12:00:00Z"]
    custom = table_for(
        rt("example.dev", "Widget"),
        [{"metadata": {"name": "w", "creationTimestamp": CREATED}}],
        list_meta={},
        now=NOW,
    )
    assert [c["name"] for c in custom["columnDefinitions"]] == ["Name", "Age"]
    assert custom["rows"][0]["cells"] == ["w", "2m2s"]


def test_declared_printer_columns() -> None:
    kind = rt(
        "vmoperator.vmware.com",
        "VirtualMachine",
        printer_columns=(
            {"name": "Power-State", "type": "string", "jsonPath": ".status.powerState"},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
        ),
    )
    vm = {
        "metadata": {"name": "vm", "creationTimestamp": CREATED},
        "status": {"powerState": "PoweredOn"},
    }
    table = table_for(kind, [vm], list_meta={}, now=NOW, include_object="Object")
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Power-State", "Age"]
    assert table["rows"][0]["cells"] == ["vm", "PoweredOn", "2m2s"]
    assert table["rows"][0]["object"] is vm


def test_include_object_validation() -> None:
    with pytest.raises(BadRequest, match="unrecognized includeObject value"):
        table_for(POD, [], list_meta={}, now=NOW, include_object="All")


def test_every_registered_kind_renders_minimal_objects() -> None:
    from pacific.api.kinds import KINDS

    for kind in KINDS:
        table = table_for(kind, [{"metadata": {"name": "x"}}], list_meta={}, now=NOW)
        assert table["rows"][0]["cells"][0 if kind.kind != "Event" else 9] == "x"
        assert len(table["rows"][0]["cells"]) == len(table["columnDefinitions"])
        assert all(c["description"] for c in table["columnDefinitions"]), kind.kind
        orjson.dumps(table)
