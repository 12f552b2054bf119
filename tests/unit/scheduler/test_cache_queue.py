import asyncio
from datetime import UTC, datetime

from pacific.scheduler.binding import condition_patch
from pacific.scheduler.cache import ASSUMED_TTL, SchedulerCache
from pacific.scheduler.queue import BOUND, ERROR, UNSCHEDULABLE, SchedulingQueue
from pacific.testing.clock import FakeClock

from .build import pod, workload


def _node(name: str) -> dict[str, object]:
    return {"metadata": {"name": name}, "status": {"allocatable": {"cpu": "4", "memory": "8Gi"}}}


def test_assumed_then_confirmed_counts_once() -> None:
    cache = SchedulerCache()
    cache.set_node(_node("n1"))
    w = workload(name="a", cpu="1")
    cache.assume(w, "n1", None)
    info = cache.node("n1")
    assert info is not None and info.requested.cpu == 1000 and cache.is_assumed(w.uid)
    cache.add_bound({**pod(name="a", cpu="1"), "spec": {**pod(cpu="1")["spec"], "nodeName": "n1"}})
    assert info.requested.cpu == 1000 and not cache.is_assumed(w.uid)
    cache.remove(w.uid)
    assert info.requested.cpu == 0 and info.pod_count == 0


def test_forget_and_expire() -> None:
    cache = SchedulerCache()
    cache.set_node(_node("n1"))
    a, b = workload(name="a", cpu="1"), workload(name="b", cpu="1")
    cache.assume(a, "n1", None)
    cache.assume(b, "n1", None)
    cache.forget(a.uid)
    cache.finish_binding(b.uid, 100.0)
    cache.expire(100.0 + ASSUMED_TTL - 1)
    info = cache.node("n1")
    assert info is not None and info.requested.cpu == 1000
    cache.expire(100.0 + ASSUMED_TTL)
    assert info.requested.cpu == 0


def test_pods_on_unknown_hosts_wait_for_the_node() -> None:
    cache = SchedulerCache()
    bound = pod(name="a", cpu="1")
    bound["spec"]["nodeName"] = "late"
    cache.add_bound(bound)
    assert cache.node("late") is None and len(cache.view().nodes) == 0
    info = cache.set_node(_node("late"))
    assert info.requested.cpu == 1000 and [n.name for n in cache.view().nodes] == ["late"]
    cache.delete_node("late")
    assert cache.view().nodes == []


def test_view_lists_anti_affinity_holders() -> None:
    cache = SchedulerCache()
    cache.set_node(_node("n1"))
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"a": "b"}}, "topologyKey": "k"}]}}  # fmt: skip
    w = workload(name="x", affinity=anti)
    cache.assume(w, "n1", None)
    assert [h[0].name for h in cache.view().anti_affinity_holders] == ["x"]
    cache.forget(w.uid)
    assert list(cache.view().anti_affinity_holders) == []


async def test_queue_priority_then_fifo() -> None:
    q = SchedulingQueue(FakeClock())
    q.add("a")
    q.add("b", priority=10)
    q.add("c")
    q.add("a")  # dedup
    assert [await q.pop() for _ in range(3)] == ["b", "a", "c"]
    assert q.pop_nowait() is None


async def test_queue_backoff_doubles_on_the_clock() -> None:
    clock = FakeClock()
    q = SchedulingQueue(clock, initial_backoff=1.0, max_backoff=3.0)
    q.add("a")
    assert await q.pop() == "a"
    for expected in (1.0, 2.0, 3.0):
        q.done("a", ERROR)
        assert q.backoff_for("a") == expected
        assert q.pending()["backoff"] == 1
        waiter = asyncio.create_task(q.pop())
        await clock.wait_sleepers()
        clock.advance(expected - 0.5)
        await clock.settle()
        assert not waiter.done()
        clock.advance(0.5)
        assert await waiter == "a"


async def test_unschedulable_waits_for_a_cluster_change() -> None:
    clock = FakeClock()
    q = SchedulingQueue(clock, initial_backoff=1.0, max_unschedulable=300.0)
    q.add("a")
    assert await q.pop() == "a"
    q.done("a", UNSCHEDULABLE)
    assert q.pending()["unschedulable"] == 1
    clock.advance(5)
    assert q.pop_nowait() is None
    q.move_all()  # backoff (1s) has passed: straight to active
    assert q.pop_nowait() == "a"
    q.done("a", UNSCHEDULABLE)
    clock.advance(300)  # the periodic flush
    assert q.pop_nowait() == "a"
    q.done("a", BOUND)
    assert len(q) == 0 and q.backoff_for("a") == 0


async def test_update_during_decision_is_not_lost_and_delete_drops() -> None:
    q = SchedulingQueue(FakeClock())
    q.add("a")
    assert await q.pop() == "a"
    q.add("a")
    q.done("a", UNSCHEDULABLE)  # changed meanwhile: retried, not parked
    assert q.pending()["unschedulable"] == 0 and len(q) == 1
    q.delete("a")
    assert q.pop_nowait() is None


def test_condition_patch() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    patch = condition_patch({"status": {}}, "0/1 nodes are available: 1 Too many pods.", now)
    assert patch is not None
    cond = patch["status"]["conditions"][0]
    assert (cond["type"], cond["status"], cond["reason"]) == ("PodScheduled", "False",
                                                             "Unschedulable")  # fmt: skip
    assert cond["lastTransitionTime"] == "2025-01-01T00:00:00Z"
    pod_with = {"status": {"conditions": [cond]}}
    assert condition_patch(pod_with, cond["message"], now) is None
    later = datetime(2025, 1, 2, tzinfo=UTC)
    changed = condition_patch(pod_with, "other", later)
    assert changed is not None
    assert changed["status"]["conditions"][0]["lastTransitionTime"] == "2025-01-01T00:00:00Z"
