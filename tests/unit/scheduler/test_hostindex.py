import random

import pytest

from pacific.scheduler.cache import ASSUMED_TTL, SchedulerCache
from pacific.scheduler.framework import ClusterView, FitError, Placement, schedule
from pacific.scheduler.hostindex import HostIndex, is_plain, state_key
from pacific.scheduler.nodeinfo import NodeInfo
from pacific.scheduler.scores import LEAST_ALLOCATED, MOST_ALLOCATED
from pacific.scheduler.workload import Workload

from .build import node, workload

TOPO = '[{"id":0,"cpus":"0-3","memory":"4Gi"},{"id":1,"cpus":"4-7","memory":"4Gi"}]'
NUMA = {"pacific.dev/numa-topology": TOPO}
SHAPES = [
    {"cpu": "500m", "memory": "512Mi"},
    {"cpu": "2", "memory": "3Gi"},
    {"limits": {"cpu": "2", "memory": "1Gi"}},
    {"limits": {"cpu": "3", "memory": "2Gi"}},
    {},
]


def indexed(nodes: list[NodeInfo]) -> ClusterView:
    index = HostIndex()
    index.rebuild(nodes)
    return ClusterView(nodes, index=index)


def random_cluster(rng: random.Random, count: int) -> list[NodeInfo]:
    nodes = []
    for i in range(count):
        taints = []
        if rng.random() < 0.1:
            taints.append({"key": "soft", "effect": "PreferNoSchedule"})
        if rng.random() < 0.05:
            taints.append({"key": "hard", "effect": "NoSchedule"})
        n = node(
            f"n{i:04}",
            cpu=rng.choice(["4", "8"]),
            memory="8Gi",
            pods=rng.choice(["3", "110"]),
            taints=taints,
            unschedulable=rng.random() < 0.05,
            annotations=NUMA,
        )
        for j in range(rng.randrange(4)):
            w = workload(name=f"{n.name}-{j}", **rng.choice(SHAPES))
            n.add(w, rng.randrange(2) if w.pinned else None)
        nodes.append(n)
    return nodes


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("strategy", [LEAST_ALLOCATED, MOST_ALLOCATED])
def test_index_decides_like_a_scan_of_every_host(seed: int, strategy: str) -> None:
    rng = random.Random(seed)
    nodes = random_cluster(rng, rng.choice([1, 7, 40, 150]))
    w = workload(name="new", **rng.choice(SHAPES))
    start = rng.randrange(len(nodes))
    # percentage 100: the index is used whatever the number of classes
    fast = schedule(w, indexed(nodes), start=start, percentage=100, strategy=strategy)
    full = schedule(w, ClusterView(nodes), start=start, percentage=100, strategy=strategy)
    if isinstance(full, FitError):
        assert isinstance(fast, FitError)
        assert (fast.histogram, fast.unresolvable_hosts, fast.total, fast.message) == (
            full.histogram,
            full.unresolvable_hosts,
            full.total,
            full.message,
        )
    else:
        assert isinstance(fast, Placement)
        assert (fast.node, fast.numa_node) == (full.node, full.numa_node)
        if len(nodes) < 100:
            assert fast.next_start == full.next_start


def test_too_many_classes_fall_back_to_the_sampled_scan() -> None:
    nodes = [node(f"n{i:03}", cpu=str(4 + i)) for i in range(300)]
    view = indexed(nodes)
    assert len(view.index or ()) == 300
    assert schedule(workload(), view) == schedule(workload(), ClusterView(nodes))


def test_equal_hosts_take_turns_on_large_clusters() -> None:
    nodes = [node(f"n{i:03}") for i in range(300)]
    view = indexed(nodes)
    assert len(view.index or ()) == 1
    first = schedule(workload(), view, start=5)
    assert first == Placement("n005", None, 6)
    second = schedule(workload(), view, start=299)
    assert second == Placement("n299", None, 0)


def test_update_moves_a_host_between_classes() -> None:
    nodes = [node("a"), node("b"), node("c")]
    index = HostIndex()
    index.rebuild(nodes)
    assert len(index) == 1
    nodes[1].add(workload(name="x", cpu="1"))
    index.update(nodes[1])
    assert len(index) == 2
    assert sorted(c.positions for c in index.classes()) == [[0, 2], [1]]
    nodes[1].remove("uid-x")
    index.update(nodes[1])
    assert [c.positions for c in index.classes()] == [[0, 1, 2]]
    assert state_key(nodes[0]) == state_key(nodes[1])


def test_busy_host_loses_to_idle_ones_through_the_index() -> None:
    nodes = [node(f"n{i:03}") for i in range(120)]
    view = indexed(nodes)
    nodes[7].add(workload(name="x", cpu="2"))
    assert view.index is not None
    view.index.update(nodes[7])
    placed = schedule(workload(cpu="1"), view, start=7, strategy=LEAST_ALLOCATED)
    assert placed == Placement("n008", None, 9)
    packed = schedule(workload(cpu="1"), view, start=0, strategy=MOST_ALLOCATED)
    assert isinstance(packed, Placement) and packed.node == "n007"


def test_plain_workloads() -> None:
    assert is_plain(workload(cpu="1", tolerations=[{"key": "k", "operator": "Exists"}]))
    assert not is_plain(workload(nodeSelector={"disk": "ssd"}))
    assert not is_plain(workload(nodeName="n1"))
    spread = [{"maxSkew": 1, "topologyKey": "zone", "labelSelector": {}}]
    assert not is_plain(workload(topologySpreadConstraints=spread))


def test_labels_matter_only_to_workloads_that_are_not_plain() -> None:
    ssd, hdd = node("ssd", labels={"disk": "ssd"}), node("hdd")
    view = indexed([hdd, ssd])
    assert len(view.index or ()) == 1
    picky: Workload = workload(nodeSelector={"disk": "ssd"})
    placed = schedule(picky, view)
    assert isinstance(placed, Placement) and placed.node == "ssd"


def _classes(index: HostIndex) -> list[list[int]]:
    return sorted(cls.positions for cls in index.classes())


def test_cache_keeps_its_index_in_step() -> None:
    cache = SchedulerCache()
    for name in ("a", "b", "c"):
        cache.set_node({"metadata": {"name": name}, "status": {"allocatable": {"cpu": "4"}}})
    view = cache.view()
    assert view.index is not None and _classes(view.index) == [[0, 1, 2]]
    x, y = workload(name="x", cpu="1"), workload(name="y", cpu="1")
    cache.assume(x, "b", None)
    cache.assume(y, "c", None)
    assert _classes(view.index) == [[0], [1, 2]]
    cache.forget(y.uid)
    cache.finish_binding(x.uid, 0.0)
    cache.expire(ASSUMED_TTL)
    assert _classes(view.index) == [[0, 1, 2]]
    cache.set_node({"metadata": {"name": "a"}, "spec": {"unschedulable": True},
                    "status": {"allocatable": {"cpu": "4"}}})  # fmt: skip
    assert _classes(view.index) == [[0], [1, 2]]
    cache.delete_node("b")
    fresh = cache.view()
    assert fresh.index is not None and _classes(fresh.index) == [[0], [1]]
    assert [n.name for n in fresh.index.order] == ["a", "c"]
