from typing import Any

import pytest

from pacific.scheduler import filters
from pacific.scheduler.nodeinfo import NodeInfo
from pacific.scheduler.workload import Workload

from .build import node, workload

GI = 1024**3
TOPO = '[{"id":0,"cpus":"0-3","memory":"4Gi"},{"id":1,"cpus":"4-7","memory":"4Gi"}]'


def _full(n: NodeInfo, **kwargs: Any) -> NodeInfo:
    n.add(workload(name="existing", **kwargs))
    return n


@pytest.mark.parametrize(
    ("w", "n", "reasons"),
    [
        (workload(cpu="1", memory="1Gi"), node(), ()),
        (workload(cpu="5"), node(), ("Insufficient cpu",)),
        (workload(memory="9Gi"), node(), ("Insufficient memory",)),
        (workload(cpu="5", memory="9Gi"), node(), ("Insufficient cpu", "Insufficient memory")),
        (workload(cpu="2"), _full(node(), cpu="3"), ("Insufficient cpu",)),
        (workload(), _full(node(pods="1")), ("Too many pods",)),
        (workload(), node(), ()),  # best effort fits anywhere with pod room
    ],
)
def test_fit_resources(w: Workload, n: NodeInfo, reasons: tuple[str, ...]) -> None:
    assert filters.fit_resources(w, n) == reasons


def test_fit_resources_extended() -> None:
    w = workload(limits={"nvidia.com/gpu": "1"})
    assert filters.fit_resources(w, node()) == ("Insufficient nvidia.com/gpu",)


@pytest.mark.parametrize(
    ("w", "n", "reasons"),
    [
        (workload(), node(unschedulable=True), ("node(s) were unschedulable",)),
        (workload(tolerations=[{"key": "node.kubernetes.io/unschedulable",
                                "operator": "Exists", "effect": "NoSchedule"}]),
         node(unschedulable=True), ()),
        (workload(), node(), ()),
    ],
)  # fmt: skip
def test_node_unschedulable(w: Workload, n: NodeInfo, reasons: tuple[str, ...]) -> None:
    assert filters.node_unschedulable(w, n) == reasons


def test_node_name() -> None:
    assert filters.node_name(workload(nodeName="n2"), node("n1")) == (
        "node(s) didn't match the requested node name",
    )
    assert filters.node_name(workload(nodeName="n1"), node("n1")) == ()
    assert filters.node_name(workload(), node("n1")) == ()


def _req(*terms: dict[str, Any]) -> dict[str, Any]:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": list(terms)}}}  # fmt: skip


def _expr(key: str, op: str, *values: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": key, "operator": op, "values": list(values)}]}


MISMATCH = ("node(s) didn't match Pod's node affinity/selector",)


@pytest.mark.parametrize(
    ("spec", "labels", "name", "reasons"),
    [
        ({"nodeSelector": {"disk": "ssd"}}, {"disk": "ssd"}, "n1", ()),
        ({"nodeSelector": {"disk": "ssd"}}, {"disk": "hdd"}, "n1", MISMATCH),
        ({"affinity": _req(_expr("zone", "In", "a", "b"))}, {"zone": "b"}, "n1", ()),
        ({"affinity": _req(_expr("zone", "NotIn", "a"))}, {}, "n1", ()),
        ({"affinity": _req(_expr("zone", "In", "a"))}, {"zone": "c"}, "n1", MISMATCH),
        # terms are ORed
        ({"affinity": _req(_expr("zone", "In", "a"), _expr("zone", "In", "c"))},
         {"zone": "c"}, "n1", ()),
        ({"affinity": _req(_expr("cores", "Gt", "8"))}, {"cores": "16"}, "n1", ()),
        ({"affinity": _req(_expr("cores", "Lt", "8"))}, {"cores": "16"}, "n1", MISMATCH),
        ({"affinity": _req(_expr("cores", "Gt", "x"))}, {"cores": "16"}, "n1", MISMATCH),
        ({"affinity": _req(_expr("gpu", "DoesNotExist"))}, {"gpu": "1"}, "n1", MISMATCH),
        ({"affinity": _req({})}, {}, "n1", MISMATCH),  # an empty term matches nothing
        ({"affinity": _req({"matchFields": [{"key": "metadata.name", "operator": "In",
                                             "values": ["n2"]}]})}, {}, "n2", ()),
        ({"affinity": _req({"matchFields": [{"key": "metadata.name", "operator": "In",
                                             "values": ["n2"]}]})}, {}, "n1", MISMATCH),
        # nodeSelector and affinity must both hold
        ({"nodeSelector": {"disk": "ssd"}, "affinity": _req(_expr("zone", "In", "a"))},
         {"zone": "a"}, "n1", MISMATCH),
    ],
)  # fmt: skip
def test_node_affinity(
    spec: dict[str, Any], labels: dict[str, str], name: str, reasons: tuple[str, ...]
) -> None:
    assert filters.node_affinity(workload(**spec), node(name, labels=labels)) == reasons


UNREACHABLE = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}


@pytest.mark.parametrize(
    ("tolerations", "taints", "reasons"),
    [
        ([], [UNREACHABLE], ("node(s) had untolerated taint {node.kubernetes.io/unreachable: }",)),
        ([], [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}],
         ("node(s) had untolerated taint {dedicated: db}",)),
        ([], [{"key": "soft", "effect": "PreferNoSchedule"}], ()),
        ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}], [UNREACHABLE], ()),
        ([{"operator": "Exists"}], [UNREACHABLE], ()),  # tolerates everything
        ([{"key": "dedicated", "value": "db", "effect": "NoSchedule"}],
         [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}], ()),
        ([{"key": "dedicated", "value": "web", "effect": "NoSchedule"}],
         [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}],
         ("node(s) had untolerated taint {dedicated: db}",)),
        ([{"key": "dedicated", "value": "db", "effect": "NoExecute"}],
         [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}],
         ("node(s) had untolerated taint {dedicated: db}",)),
    ],
)  # fmt: skip
def test_taint_toleration(
    tolerations: list[dict[str, str]], taints: list[dict[str, str]], reasons: tuple[str, ...]
) -> None:
    w = workload(tolerations=tolerations)
    assert filters.taint_toleration(w, node(taints=taints)) == reasons


@pytest.mark.parametrize(
    ("limits", "pinned_used", "reasons"),
    [
        ({"cpu": "4", "memory": "4Gi"}, {}, ()),
        ({"cpu": "5", "memory": "1Gi"}, {}, (filters.NUMA_MISFIT,)),  # 8 cpus, 4 per node
        ({"cpu": "2", "memory": "1Gi"}, {0: (3000, 0), 1: (3000, 0)}, (filters.NUMA_MISFIT,)),
        ({"cpu": "2", "memory": "1Gi"}, {0: (3000, 0)}, ()),
        ({"cpu": "1500m", "memory": "1Gi"}, {0: (4000, 0), 1: (4000, 0)}, ()),  # not pinned
    ],
)
def test_numa_fit(
    limits: dict[str, str], pinned_used: dict[int, tuple[int, int]], reasons: tuple[str, ...]
) -> None:
    n = node(cpu="8", memory="8Gi", annotations={"pacific.dev/numa-topology": TOPO})
    n.numa_used.update(pinned_used)
    assert filters.numa_fit(workload(limits=limits), n) == reasons


def test_numa_fit_without_topology_uses_the_whole_host() -> None:
    n = node(cpu="8", memory="8Gi")
    assert filters.numa_fit(workload(limits={"cpu": "8", "memory": "8Gi"}), n) == ()
    assert filters.pick_numa_node(workload(limits={"cpu": "8", "memory": "8Gi"}), n) == 0
