from __future__ import annotations

import asyncio

import pytest

from pacific.client.ratelimit import (
    ItemExponentialLimiter,
    MaxOfLimiter,
    TokenBucketLimiter,
)
from pacific.client.workqueue import ShutDown, WorkQueue, run_worker
from pacific.testing.clock import FakeClock


def queue(clock: FakeClock) -> WorkQueue[str]:
    return WorkQueue(clock=clock, rate_limiter=ItemExponentialLimiter(base=1.0, cap=8.0))


async def test_add_dedups_waiting_keys(clock: FakeClock) -> None:
    q = queue(clock)
    for key in ["a", "b", "a", "a"]:
        q.add(key)
    assert len(q) == 2
    assert [await q.get(), await q.get()] == ["a", "b"]


async def test_key_added_while_processing_is_requeued_only_at_done(clock: FakeClock) -> None:
    q = queue(clock)
    q.add("a")
    key = await q.get()
    q.add("a")
    assert len(q) == 0  # never handed to a second worker while processing
    q.done(key)
    assert len(q) == 1 and await q.get() == "a"


async def test_done_without_readd_does_not_requeue(clock: FakeClock) -> None:
    q = queue(clock)
    q.add("a")
    q.done(await q.get())
    assert len(q) == 0 and q.processing == frozenset()


async def test_get_waits_for_add(clock: FakeClock) -> None:
    q = queue(clock)
    getter = asyncio.create_task(q.get())
    await clock.settle()
    assert not getter.done()
    q.add("x")
    assert await getter == "x"


async def test_add_after_waits_on_the_clock(clock: FakeClock) -> None:
    q = queue(clock)
    getter = asyncio.create_task(q.get())
    q.add_after("x", 5)
    await clock.wait_sleepers(1)
    clock.advance(4.9)
    await clock.settle()
    assert not getter.done()
    clock.advance(0.1)
    assert await getter == "x"


async def test_add_after_keeps_the_earliest_deadline(clock: FakeClock) -> None:
    q = queue(clock)
    q.add_after("x", 10)
    q.add_after("x", 2)
    q.add_after("x", 7)
    assert q.delayed() == {"x": 2}
    clock.advance(2)
    assert await q.get() == "x"
    q.done("x")
    getter = asyncio.create_task(q.get())
    await clock.step(10)
    assert not getter.done()  # the superseded 10 s entry does not fire again
    getter.cancel()


async def test_rate_limited_requeue_backs_off_exponentially(clock: FakeClock) -> None:
    q = queue(clock)
    for expected in [1.0, 2.0, 4.0, 8.0, 8.0]:
        q.add_rate_limited("x")
        assert q.delayed()["x"] == expected
        clock.advance(expected)
        assert await q.get() == "x"
        q.done("x")
    assert q.requeues("x") == 5
    q.forget("x")
    assert q.requeues("x") == 0


async def test_shut_down_wakes_getters(clock: FakeClock) -> None:
    q = queue(clock)
    getter = asyncio.create_task(q.get())
    await clock.settle()
    q.shut_down()
    with pytest.raises(ShutDown):
        await getter
    q.add("late")
    assert len(q) == 0


async def test_token_bucket_spreads_a_burst(clock: FakeClock) -> None:
    bucket = TokenBucketLimiter(clock, qps=10, burst=2)
    assert [bucket.when("k") for _ in range(4)] == [
        0.0,
        0.0,
        pytest.approx(0.1),
        pytest.approx(0.2),
    ]
    clock.advance(10)
    assert bucket.when("k") == 0.0


async def test_max_of_limiter_takes_the_longest_delay(clock: FakeClock) -> None:
    limiter = MaxOfLimiter(ItemExponentialLimiter(base=1, cap=100), TokenBucketLimiter(clock, 1, 1))
    assert limiter.when("a") == 1.0
    assert limiter.when("a") == 2.0
    assert limiter.requeues("a") == 2


async def test_run_worker_forgets_on_success_and_requeues_failures(clock: FakeClock) -> None:
    q = queue(clock)
    seen: list[str] = []

    async def reconcile(key: str) -> None:
        seen.append(key)
        if key == "bad" and seen.count("bad") < 3:
            raise RuntimeError("try again")

    async with asyncio.TaskGroup() as tg:
        tg.create_task(run_worker(q, reconcile))
        q.add("good")
        q.add("bad")
        await clock.settle()
        assert seen == ["good", "bad"] and q.delayed() == {"bad": 1.0}
        await clock.step(1)
        assert q.delayed() == {"bad": 2.0}
        await clock.step(2)
        assert seen.count("bad") == 3 and q.requeues("bad") == 0
        q.shut_down()
