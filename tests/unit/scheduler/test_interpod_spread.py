from typing import Any

import pytest

from pacific.scheduler.interpod import (
    AFFINITY_MISMATCH,
    ANTI_AFFINITY_MISMATCH,
    EXISTING_ANTI_AFFINITY_MISMATCH,
    interpod_filter,
    prepare_interpod,
)
from pacific.scheduler.nodeinfo import NodeInfo
from pacific.scheduler.spread import (
    SPREAD_MISMATCH,
    SPREAD_MISSING_LABEL,
    prepare_spread,
    spread_filter,
)
from pacific.scheduler.workload import Workload

from .build import node, workload

HOST = "kubernetes.io/hostname"


def _term(app: str, key: str = "zone", **extra: Any) -> dict[str, Any]:
    return {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key, **extra}


def _aff(kind: str, *terms: dict[str, Any]) -> dict[str, Any]:
    return {kind: {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}}


def _cluster(*placed: tuple[str, str, Workload]) -> list[NodeInfo]:
    """Three hosts: a1, a2 in zone a; b1 in zone b; `placed` = (host, _, workload)."""
    nodes = {n: node(n, labels={"zone": n[0], HOST: n}) for n in ("a1", "a2", "b1")}
    for host, _, w in placed:
        nodes[host].add(w)
    return list(nodes.values())


def _verdicts(w: Workload, nodes: list[NodeInfo], ns: dict[str, Any] | None = None) -> list[Any]:
    holders = [(p, n) for n in nodes for p, _ in n.workloads.values() if p.pod_anti_affinity]
    state = prepare_interpod(w, nodes, holders, ns or {})
    return [interpod_filter(w, state, n) for n in nodes]


def test_affinity_goes_to_the_zone_of_a_match() -> None:
    nodes = _cluster(("b1", "", workload(name="db", labels={"app": "db"})))
    w = workload(affinity=_aff("podAffinity", _term("db")))
    assert _verdicts(w, nodes) == [(AFFINITY_MISMATCH,), (AFFINITY_MISMATCH,), ()]


def test_affinity_with_no_match_anywhere() -> None:
    nodes = _cluster()
    w = workload(affinity=_aff("podAffinity", _term("db")))
    assert _verdicts(w, nodes) == [(AFFINITY_MISMATCH,)] * 3
    # the first pod of a self-affine group may go anywhere
    first = workload(labels={"app": "db"}, affinity=_aff("podAffinity", _term("db")))
    assert _verdicts(first, nodes) == [()] * 3


def test_affinity_respects_namespaces() -> None:
    nodes = _cluster(("b1", "", workload(name="db", namespace="other", labels={"app": "db"})))
    w = workload(affinity=_aff("podAffinity", _term("db")))
    assert _verdicts(w, nodes) == [(AFFINITY_MISMATCH,)] * 3
    anywhere = workload(affinity=_aff("podAffinity", _term("db", namespaceSelector={})))
    assert _verdicts(anywhere, nodes)[2] == ()
    labelled = workload(affinity=_aff("podAffinity", _term(
        "db", namespaceSelector={"matchLabels": {"team": "x"}})))  # fmt: skip
    assert _verdicts(labelled, nodes)[2] == (AFFINITY_MISMATCH,)
    assert _verdicts(labelled, nodes, {"other": {"team": "x"}})[2] == ()


def test_anti_affinity_by_host_and_zone() -> None:
    nodes = _cluster(("a1", "", workload(name="web0", labels={"app": "web"})))
    by_host = workload(affinity=_aff("podAntiAffinity", _term("web", HOST)))
    assert _verdicts(by_host, nodes) == [(ANTI_AFFINITY_MISMATCH,), (), ()]
    by_zone = workload(affinity=_aff("podAntiAffinity", _term("web")))
    assert _verdicts(by_zone, nodes) == [(ANTI_AFFINITY_MISMATCH,)] * 2 + [()]


def test_existing_anti_affinity_is_symmetric() -> None:
    loner = workload(name="loner", affinity=_aff("podAntiAffinity", _term("web", HOST)))
    nodes = _cluster(("a2", "", loner))
    incoming = workload(labels={"app": "web"})
    assert _verdicts(incoming, nodes) == [(), (EXISTING_ANTI_AFFINITY_MISMATCH,), ()]
    assert _verdicts(workload(labels={"app": "other"}), nodes) == [()] * 3


def _spread(max_skew: int = 1, key: str = "zone", **extra: Any) -> list[dict[str, Any]]:
    return [{"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule",
             "labelSelector": {"matchLabels": {"app": "web"}}, **extra}]  # fmt: skip


def _web(name: str) -> Workload:
    return workload(name=name, labels={"app": "web"})


def _spread_verdicts(w: Workload, nodes: list[NodeInfo]) -> list[Any]:
    state = prepare_spread(w, nodes)
    return [spread_filter(w, state, n) for n in nodes]


@pytest.mark.parametrize(
    ("placed", "max_skew", "expected"),
    [
        ([], 1, [(), (), ()]),
        ([("a1", "w0")], 1, [(SPREAD_MISMATCH,), (SPREAD_MISMATCH,), ()]),
        ([("a1", "w0")], 2, [(), (), ()]),
        ([("a1", "w0"), ("b1", "w1")], 1, [(), (), ()]),
    ],
)
def test_spread_by_zone(placed: list[tuple[str, str]], max_skew: int, expected: list[Any]) -> None:
    nodes = _cluster(*((host, "", _web(name)) for host, name in placed))
    w = workload(labels={"app": "web"}, topologySpreadConstraints=_spread(max_skew))
    assert _spread_verdicts(w, nodes) == expected


def test_spread_min_domains_and_missing_label() -> None:
    nodes = _cluster(("a1", "", _web("w0")), ("b1", "", _web("w1")))
    w = workload(labels={"app": "web"}, topologySpreadConstraints=_spread(minDomains=3))
    # fewer domains than minDomains: the global minimum counts as 0
    assert _spread_verdicts(w, nodes) == [(SPREAD_MISMATCH,)] * 3
    nodes.append(node("x", labels={}))
    assert _spread_verdicts(workload(labels={"app": "web"}, topologySpreadConstraints=_spread()),
                            nodes)[3] == (SPREAD_MISSING_LABEL,)  # fmt: skip


def test_spread_ignores_schedule_anyway_and_other_namespaces() -> None:
    nodes = _cluster(("a1", "", workload(name="w0", namespace="x", labels={"app": "web"})))
    w = workload(labels={"app": "web"}, topologySpreadConstraints=_spread())
    assert _spread_verdicts(w, nodes) == [()] * 3
    soft = _spread()
    soft[0]["whenUnsatisfiable"] = "ScheduleAnyway"
    assert prepare_spread(workload(topologySpreadConstraints=soft), nodes) is None


def test_spread_honors_node_affinity() -> None:
    nodes = _cluster(("a1", "", _web("w0")))
    # only zone a hosts count as domains: the minimum is a2 (0), so a1 (1 + 1) is too skewed
    w = workload(labels={"app": "web"}, nodeSelector={"zone": "a"},
                 topologySpreadConstraints=_spread(key=HOST))  # fmt: skip
    assert _spread_verdicts(w, nodes)[:2] == [(SPREAD_MISMATCH,), ()]
