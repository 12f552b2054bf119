from pacific.controllers.endpoints_plan import (
    endpoints_differ,
    endpoints_for,
    plan_subsets,
    resolve_port,
)

from .builders import pod


def service(selector=None, ports=None, **spec):
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default", "labels": {"team": "a"}},
        "spec": {
            "selector": selector if selector is not None else {"app": "web"},
            "ports": ports if ports is not None else [{"name": "http", "port": 80,
                                                       "targetPort": "http", "protocol": "TCP"}],
            **spec,
        },
    }  # fmt: skip


HTTP = [{"name": "c", "image": "nginx", "ports": [{"name": "http", "containerPort": 8080}]}]


def test_resolve_port():
    p = pod("a", containers=HTTP)
    assert resolve_port(p, {"port": 80, "targetPort": "http"}) == 8080
    assert resolve_port(p, {"port": 80, "targetPort": 9090}) == 9090
    assert resolve_port(p, {"port": 80}) == 80
    assert resolve_port(p, {"port": 80, "targetPort": "missing"}) is None
    assert resolve_port(p, {"port": 80, "targetPort": "http", "protocol": "UDP"}) is None


def test_ready_and_not_ready_addresses():
    pods = [
        pod("a", ip="10.0.0.2", ready=True, containers=HTTP, node="n1"),
        pod("b", ip="10.0.0.1", containers=HTTP),
        pod("no-ip", containers=HTTP),
        pod("other", ip="10.0.0.3", labels={"app": "other"}, containers=HTTP),
        pod("gone", ip="10.0.0.4", containers=HTTP, deleting=True),
        pod("done", ip="10.0.0.5", containers=HTTP, phase="Succeeded"),
    ]
    subsets = plan_subsets(service(), pods)
    assert subsets == [
        {
            "addresses": [
                {"ip": "10.0.0.2", "nodeName": "n1",
                 "targetRef": {"kind": "Pod", "namespace": "default", "name": "a", "uid": "uid-a"}}
            ],
            "notReadyAddresses": [
                {"ip": "10.0.0.1",
                 "targetRef": {"kind": "Pod", "namespace": "default", "name": "b", "uid": "uid-b"}}
            ],
            "ports": [{"port": 8080, "protocol": "TCP", "name": "http"}],
        }
    ]  # fmt: skip


def test_pods_with_different_ports_get_different_subsets():
    pods = [
        pod("a", ip="10.0.0.1", ready=True, containers=HTTP),
        pod("b", ip="10.0.0.2", ready=True),  # no named port: left out
        pod("c", ip="10.0.0.3", ready=True,
            containers=[{"name": "c", "ports": [{"name": "http", "containerPort": 9000}]}]),
    ]  # fmt: skip
    subsets = plan_subsets(service(), pods)
    assert [s["ports"][0]["port"] for s in subsets] == [8080, 9000]
    assert [s["addresses"][0]["ip"] for s in subsets] == ["10.0.0.1", "10.0.0.3"]


def test_publish_not_ready_addresses():
    pods = [pod("a", ip="10.0.0.1", containers=HTTP)]
    subsets = plan_subsets(service(publishNotReadyAddresses=True), pods)
    assert "addresses" in subsets[0] and "notReadyAddresses" not in subsets[0]


def test_selectorless_and_headless():
    assert plan_subsets(service(selector={}), [pod("a", ip="10.0.0.1")]) == []
    headless = service(ports=[], clusterIP="None")
    subsets = plan_subsets(headless, [pod("a", ip="10.0.0.1", ready=True)])
    assert subsets[0]["addresses"][0]["ip"] == "10.0.0.1" and "ports" not in subsets[0]
    ep = endpoints_for(headless, subsets)
    assert ep["metadata"]["labels"] == {"team": "a", "service.kubernetes.io/headless": ""}


def test_endpoints_differ():
    svc = service()
    desired = endpoints_for(svc, [])
    assert not endpoints_differ({**desired, "subsets": []}, desired)
    assert endpoints_differ(desired, endpoints_for(svc, [{"addresses": [{"ip": "1.2.3.4"}]}]))
