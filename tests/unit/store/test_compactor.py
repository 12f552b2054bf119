from __future__ import annotations

import asyncio

import pytest

from pacific.store.compactor import compaction_target, run_compactor
from pacific.store.memory import MemoryStore
from pacific.testing.clock import FakeClock


def test_target_is_newest_sample_old_enough() -> None:
    samples = [(0.0, 5), (60.0, 9), (120.0, 14)]
    assert compaction_target(samples, now=100.0, keep_s=300.0) == 0
    assert compaction_target(samples, now=300.0, keep_s=300.0) == 5
    assert compaction_target(samples, now=419.0, keep_s=300.0) == 9
    assert compaction_target(samples, now=1000.0, keep_s=300.0) == 14
    assert compaction_target([], now=1000.0, keep_s=0.0) == 0


async def test_compactor_keeps_the_last_keep_s_of_history() -> None:
    store = MemoryStore()
    clock = FakeClock()
    task = asyncio.create_task(run_compactor(store, interval_s=60, keep_s=180, clock=clock))
    revisions_at_tick = []
    for _ in range(6):
        await clock.wait_sleepers()
        revisions_at_tick.append(await store.current_revision())
        for i in range(3):
            await store.create(f"/k/{len(revisions_at_tick)}/{i}", b"")
        assert await store.compacted_revision() == (
            revisions_at_tick[-4] if len(revisions_at_tick) >= 4 else 0
        )
        await clock.step(60)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert revisions_at_tick == [0, 3, 6, 9, 12, 15]


async def test_compactor_stops_when_the_store_closes() -> None:
    store = MemoryStore()
    await store.close()
    async with asyncio.timeout(1):
        await run_compactor(store, interval_s=1, keep_s=0, clock=FakeClock())


async def test_compactor_rejects_a_bad_interval() -> None:
    with pytest.raises(ValueError):
        await run_compactor(MemoryStore(), interval_s=0)
