import copy
from collections.abc import Callable
from typing import Any

import pytest

from pacific.api.defaults import apply_defaults
from pacific.api.resources import ResourceType

POD = ResourceType("", "v1", "Pod", "pods", "pod", True)
Check = Callable[..., list[str]]
LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def pod(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"containers": [{"name": "app", "image": "nginx"}]}
    base.update(spec)
    return {"metadata": {"name": "p", "namespace": "default"}, "spec": base}


def ctr(**fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": "nginx", **fields}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, []),
        ({"containers": []}, ["spec.containers: Required value"]),
        ({"containers": [{"name": "app"}]}, ["spec.containers[0].image: Required value"]),
        ({"containers": [ctr(name="")]}, ["spec.containers[0].name: Required value"]),
        (
            {"containers": [ctr(name="App")]},
            [f'spec.containers[0].name: Invalid value: "App": {LABEL}'],
        ),
        (
            {"containers": [ctr(), ctr()]},
            ['spec.containers[1].name: Duplicate value: "app"'],
        ),
        (
            {"initContainers": [ctr()]},
            ['spec.containers[0].name: Duplicate value: "app"'],
        ),
        (
            {"containers": [ctr(image=" nginx")]},
            [
                'spec.containers[0].image: Invalid value: " nginx": must not have leading or '
                "trailing whitespace"
            ],
        ),
        (
            {"restartPolicy": "Sometimes"},
            [
                'spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
                '"Always", "OnFailure", "Never"'
            ],
        ),
        (
            {"dnsPolicy": "Google"},
            [
                'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirst", '
                '"ClusterFirstWithHostNet", "Default", "None"'
            ],
        ),
        (
            {"containers": [ctr(imagePullPolicy="Sometimes")]},
            [
                'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported '
                'values: "Always", "IfNotPresent", "Never"'
            ],
        ),
        (
            {"activeDeadlineSeconds": 0},
            [
                "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and "
                "2147483647, inclusive"
            ],
        ),
        (
            {"nodeName": "Node_1"},
            [
                'spec.nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain must '
                "consist of lower case alphanumeric characters, '-' or '.', and must start and "
                "end with an alphanumeric character (e.g. 'example.com', regex used for "
                "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ],
        ),
    ],
)
def test_pod_spec(check: Check, spec: dict[str, Any], expected: list[str]) -> None:
    assert check(POD, pod(**spec)) == expected


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ([{"containerPort": 80, "name": "http"}], []),
        ([{"containerPort": 0}], ["spec.containers[0].ports[0].containerPort: Required value"]),
        (
            [{"containerPort": 70000}],
            [
                "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be "
                "between 1 and 65535, inclusive"
            ],
        ),
        (
            [{"containerPort": 80, "name": "web"}, {"containerPort": 81, "name": "web"}],
            ['spec.containers[0].ports[1].name: Duplicate value: "web"'],
        ),
        (
            [{"containerPort": 80, "protocol": "HTTP"}],
            [
                'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported '
                'values: "SCTP", "TCP", "UDP"'
            ],
        ),
        (
            [{"containerPort": 80, "hostPort": 8080}, {"containerPort": 81, "hostPort": 8080}],
            ['spec.containers[0].ports[1].hostPort: Duplicate value: "/TCP:8080"'],
        ),
    ],
)
def test_container_ports(check: Check, ports: list[Any], expected: list[str]) -> None:
    assert check(POD, pod(containers=[ctr(ports=ports)])) == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ([{"name": "A", "value": "1"}], []),
        ([{"name": ""}], ["spec.containers[0].env[0].name: Required value"]),
        (
            [{"name": "A=B"}],
            [
                'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment '
                "variable name must consist only of printable ASCII characters other than '='"
            ],
        ),
        (
            [{"name": "A", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}],
            [
                'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified '
                "when `value` is not empty"
            ],
        ),
        (
            [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s"}}}],
            ["spec.containers[0].env[0].valueFrom.secretKeyRef.key: Required value"],
        ),
    ],
)
def test_env(check: Check, env: list[Any], expected: list[str]) -> None:
    assert check(POD, pod(containers=[ctr(env=env)])) == expected


def test_volumes_and_mounts(check: Check) -> None:
    volumes = [
        {"name": "data"},
        {"name": "data"},
        {"name": "x", "emptyDir": {}, "hostPath": {"path": "/"}},
    ]
    mounts = [
        {"name": "data", "mountPath": "/d"},
        {"name": "missing", "mountPath": "/d"},
        {"name": "data", "mountPath": "/e", "subPath": "../x"},
    ]
    assert check(POD, pod(volumes=volumes, containers=[ctr(volumeMounts=mounts)])) == [
        'spec.volumes[1].name: Duplicate value: "data"',
        "spec.volumes[2].emptyDir: Forbidden: may not specify more than 1 volume type",
        'spec.containers[0].volumeMounts[1].name: Not found: "missing"',
        'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique',
        "spec.containers[0].volumeMounts.subPath: Invalid value: \"../x\": must not contain '..'",
    ]


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}, []),
        (
            {"limits": {"cpu": "1"}, "requests": {"cpu": "1.5"}},
            [
                'spec.containers[0].resources.requests: Invalid value: "1500m": must be less '
                "than or equal to cpu limit of 1"
            ],
        ),
        (
            {"requests": {"memory": "-1Gi"}},
            [
                'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be '
                "greater than or equal to 0"
            ],
        ),
        (
            {"requests": {"cpu": "lots"}},
            [
                'spec.containers[0].resources.requests[cpu]: Invalid value: "lots": quantities '
                "must match the regular expression "
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            ],
        ),
        (
            {"requests": {"gpu": "1"}},
            [
                'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a '
                "standard resource type or fully qualified",
                'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a '
                "standard resource for containers",
            ],
        ),
        (
            {"limits": {"example.com/gpu": "2"}, "requests": {"example.com/gpu": "1"}},
            [
                'spec.containers[0].resources.requests: Invalid value: "1": must be equal to '
                "example.com/gpu limit of 2"
            ],
        ),
        (
            {"limits": {"example.com/gpu": "500m"}},
            [
                'spec.containers[0].resources.limits[example.com/gpu]: Invalid value: "500m": '
                "must be an integer",
                # requests are defaulted from limits, so the request is reported too
                'spec.containers[0].resources.requests[example.com/gpu]: Invalid value: "500m": '
                "must be an integer",
            ],
        ),
    ],
)
def test_resources(check: Check, resources: dict[str, Any], expected: list[str]) -> None:
    assert check(POD, pod(containers=[ctr(resources=resources)])) == expected


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        ({"httpGet": {"port": 8080}}, []),
        ({}, ["spec.containers[0].livenessProbe: Required value: must specify a handler type"]),
        (
            {"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}},
            [
                "spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more "
                "than 1 handler type"
            ],
        ),
        (
            {"tcpSocket": {"port": 0}},
            [
                "spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: 0: must be "
                "between 1 and 65535, inclusive"
            ],
        ),
        (
            {"httpGet": {"port": 80}, "successThreshold": 2},
            ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"],
        ),
        (
            {"httpGet": {"port": 80}, "periodSeconds": -1},
            [
                "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be "
                "greater than or equal to 0"
            ],
        ),
    ],
)
def test_liveness_probe(check: Check, probe: dict[str, Any], expected: list[str]) -> None:
    assert check(POD, pod(containers=[ctr(livenessProbe=probe)])) == expected


def test_init_container_probes_need_sidecar(check: Check) -> None:
    init = {"name": "init", "image": "busybox", "readinessProbe": {"exec": {"command": ["x"]}}}
    assert check(POD, pod(initContainers=[init])) == [
        "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers "
        "without restartPolicy=Always"
    ]
    init["restartPolicy"] = "Always"
    assert check(POD, pod(initContainers=[init])) == []


def test_tolerations(check: Check) -> None:
    tolerations = [
        {"operator": "Equal", "value": "x"},
        {"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5},
        {"key": "k", "operator": "Exists", "value": "v"},
        {"key": "k", "effect": "Never"},
    ]
    assert check(POD, pod(tolerations=tolerations)) == [
        'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when '
        '`key` is empty, which means "match all values and all keys"',
        "spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' "
        "when `tolerationSeconds` is set",
        'spec.tolerations[2].operator: Invalid value: "v": value must be empty when `operator` '
        "is 'Exists'",
        'spec.tolerations[3].effect: Unsupported value: "Never": supported values: '
        '"NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]


def test_update_allows_image_deadline_and_new_tolerations(check_update: Check) -> None:
    old = pod(activeDeadlineSeconds=100)
    apply_defaults(POD, old)
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:2"
    new["spec"]["activeDeadlineSeconds"] = 50
    new["spec"]["tolerations"] = [{"key": "k", "operator": "Exists"}]
    assert check_update(POD, new, old) == []


def test_update_refuses_other_spec_changes(check_update: Check) -> None:
    old = pod()
    new = pod(nodeName="n1")
    [message] = check_update(POD, new, old)
    assert message.startswith(
        "spec: Forbidden: pod updates may not change fields other than "
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
        "`spec.tolerations` (only additions to existing tolerations),"
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
        "negative)\n"
    )
    assert '+\tnodeName: "n1"' in message


@pytest.mark.parametrize(
    ("old_deadline", "new_deadline", "expected"),
    [
        (
            10,
            20,
            "spec.activeDeadlineSeconds: Invalid value: 20: must be less than or equal to "
            "previous value",
        ),
        (
            10,
            None,
            "spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive "
            "integer to nil value",
        ),
    ],
)
def test_update_deadline(
    check_update: Check, old_deadline: int, new_deadline: int | None, expected: str
) -> None:
    new = pod() if new_deadline is None else pod(activeDeadlineSeconds=new_deadline)
    assert check_update(POD, new, pod(activeDeadlineSeconds=old_deadline)) == [expected]


def test_update_may_not_drop_tolerations(check_update: Check) -> None:
    old = pod(tolerations=[{"key": "k", "operator": "Exists"}])
    new = pod(tolerations=[{"key": "j", "operator": "Exists"}])
    assert check_update(POD, new, old) == [
        "spec.tolerations: Forbidden: existing toleration can not be modified except its "
        "tolerationSeconds"
    ]
