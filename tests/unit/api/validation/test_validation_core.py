from collections.abc import Callable
from typing import Any

import pytest

from pacific.api.resources import ResourceType

SVC = ResourceType("", "v1", "Service", "services", "service", True)
CM = ResourceType("", "v1", "ConfigMap", "configmaps", "configmap", True)
SECRET = ResourceType("", "v1", "Secret", "secrets", "secret", True)
NS = ResourceType("", "v1", "Namespace", "namespaces", "namespace", False)
NODE = ResourceType("", "v1", "Node", "nodes", "node", False)
EVENT = ResourceType("", "v1", "Event", "events", "event", True)
EP = ResourceType("", "v1", "Endpoints", "endpoints", "endpoints", True)
Check = Callable[..., list[str]]
META = {"name": "x", "namespace": "default"}


def svc(**spec: Any) -> dict[str, Any]:
    return {"metadata": dict(META), "spec": {"ports": [{"port": 80}], **spec}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, []),
        ({"ports": []}, ["spec.ports: Required value"]),
        ({"ports": [], "clusterIP": "None"}, []),
        ({"ports": [], "type": "ExternalName", "externalName": "example.com"}, []),
        (
            {"ports": [{"port": 80}, {"port": 81, "name": "b"}]},
            ["spec.ports[0].name: Required value"],
        ),
        (
            {"ports": [{"port": 80, "name": "a"}, {"port": 81, "name": "a"}]},
            ['spec.ports[1].name: Duplicate value: "a"'],
        ),
        (
            {"ports": [{"port": 0}]},
            [
                "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                # targetPort defaults to port
                "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, "
                "inclusive",
            ],
        ),
        (
            {"type": "Magic"},
            [
                'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", '
                '"ExternalName", "LoadBalancer", "NodePort"'
            ],
        ),
        (
            {"sessionAffinity": "Sticky"},
            [
                'spec.sessionAffinity: Unsupported value: "Sticky": supported values: '
                '"ClientIP", "None"'
            ],
        ),
        ({"type": "ExternalName"}, ["spec.externalName: Required value"]),
        (
            {"type": "ExternalName", "externalName": "a.com", "clusterIP": "10.0.0.1"},
            ["spec.clusterIPs: Forbidden: may not be set for ExternalName services"],
        ),
        (
            {"ports": [{"port": 80, "targetPort": "Http_"}]},
            [
                'spec.ports[0].targetPort: Invalid value: "Http_": must contain only '
                "alpha-numeric characters (a-z, 0-9), and hyphens (-)"
            ],
        ),
    ],
)
def test_service(check: Check, spec: dict[str, Any], expected: list[str]) -> None:
    assert check(SVC, svc(**spec)) == expected


def test_service_name_is_dns1035(check: Check) -> None:
    obj = svc()
    obj["metadata"]["name"] = "1web"
    [message] = check(SVC, obj)
    assert message.startswith('metadata.name: Invalid value: "1web": a DNS-1035 label')


def test_cluster_ip_is_immutable(check_update: Check) -> None:
    old = svc(clusterIP="10.0.0.1", clusterIPs=["10.0.0.1"])
    assert check_update(SVC, svc(clusterIP="10.0.0.1", clusterIPs=["10.0.0.1"]), old) == []
    new = svc(clusterIP="10.0.0.2", clusterIPs=["10.0.0.2"])
    assert check_update(SVC, new, old) == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.0.0.2"}: may not change once set'
    ]


def test_config_map_keys_and_size(check: Check) -> None:
    obj = {"metadata": dict(META), "data": {"ok": "1", "bad key": "2", "dup": "x"}}
    obj["binaryData"] = {"dup": "eA=="}
    assert check(CM, obj) == [
        'data[bad key]: Invalid value: "bad key": a valid config key must consist of '
        "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
        "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        'data[dup]: Invalid value: "dup": duplicate of key present in binaryData',
    ]
    big = {"metadata": dict(META), "data": {"a": "x" * (1024 * 1024 + 1)}}
    assert check(CM, big) == ["Too long: must have at most 1048576 bytes"]


def test_immutable_config_map(check_update: Check) -> None:
    old = {"metadata": dict(META), "data": {"a": "1"}, "immutable": True}
    new = {"metadata": dict(META), "data": {"a": "2"}}
    assert check_update(CM, new, old) == [
        "immutable: Forbidden: field is immutable when `immutable` is set",
        "data: Forbidden: field is immutable when `immutable` is set",
    ]


def test_secret(check: Check, check_update: Check) -> None:
    tls = {"metadata": dict(META), "type": "kubernetes.io/tls", "data": {"tls.crt": "eA=="}}
    assert check(SECRET, tls) == ["data[tls.key]: Required value"]
    opaque = {"metadata": dict(META), "data": {"a": "eA=="}}
    assert check(SECRET, opaque) == []
    assert opaque["type"] == "Opaque"
    changed = {"metadata": dict(META), "type": "kubernetes.io/tls", "data": {}}
    assert check_update(SECRET, changed, opaque) == [
        "data[tls.crt]: Required value",
        "data[tls.key]: Required value",
        'type: Invalid value: "kubernetes.io/tls": field is immutable',
    ]


def test_namespace(check: Check) -> None:
    assert check(NS, {"metadata": {"name": "team-a"}}) == []
    [name_error] = check(NS, {"metadata": {"name": "team.a"}})
    assert name_error == 'metadata.name: Invalid value: "team.a": must not contain dots'
    bad = {"metadata": {"name": "a"}, "spec": {"finalizers": ["custom"]}}
    assert check(NS, bad) == [
        'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name '
        "nor is it fully qualified"
    ]


def test_node_taints(check: Check) -> None:
    taints = [{"key": "k", "effect": "NoSchedule"}, {"key": "k", "effect": "NoSchedule"}]
    taints.append({"key": "j", "effect": "Sometimes"})
    assert check(NODE, {"metadata": {"name": "n1"}, "spec": {"taints": taints}}) == [
        'spec.taints[1]: Duplicate value: "k=:NoSchedule"',
        'spec.taints[2].effect: Unsupported value: "Sometimes": supported values: '
        '"NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]


def test_event(check: Check) -> None:
    assert check(EVENT, {"metadata": dict(META)}) == ["involvedObject: Required value"]
    ok = {"metadata": dict(META), "involvedObject": {"kind": "Pod", "namespace": "default"}}
    assert check(EVENT, ok) == []
    other = {"metadata": dict(META), "involvedObject": {"kind": "Pod", "namespace": "x"}}
    assert check(EVENT, other) == [
        'involvedObject.namespace: Invalid value: "x": does not match event.namespace'
    ]
    new_style = {**ok, "eventTime": "2024-01-01T00:00:00.000000Z", "type": "Normal"}
    assert check(EVENT, new_style) == [
        "reportingComponent: Required value",
        "reportingInstance: Required value",
        "action: Required value",
        "reason: Required value",
    ]


def test_endpoints(check: Check) -> None:
    subsets = [{"addresses": [{"ip": "10.0.0.300"}], "ports": [{"port": 80, "name": "a"}]}]
    assert check(EP, {"metadata": dict(META), "subsets": subsets}) == [
        'subsets[0].addresses[0].ip: Invalid value: "10.0.0.300": must be a valid IP address, '
        "(e.g. 10.9.8.7 or 2001:db8::ffff)"
    ]
