from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from pacific.testing.clock import FakeClock


async def test_time_stands_still_until_advanced() -> None:
    clock = FakeClock(datetime(2030, 5, 1, tzinfo=UTC), monotonic_start=10)
    assert clock.now() == datetime(2030, 5, 1, tzinfo=UTC) and clock.monotonic() == 10
    clock.advance(90)
    assert clock.now() == datetime(2030, 5, 1, 0, 1, 30, tzinfo=UTC)
    assert clock.monotonic() == 100
    with pytest.raises(ValueError):
        clock.advance(-1)


async def test_sleepers_wake_in_deadline_order() -> None:
    clock = FakeClock()
    woke: list[str] = []

    async def nap(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(name)

    async with asyncio.TaskGroup() as tg:
        tg.create_task(nap("late", 5))
        tg.create_task(nap("early", 2))
        await clock.wait_sleepers(2)
        assert clock.deadlines() == [2, 5]
        await clock.step(2)
        assert woke == ["early"]
        await clock.step(2.9)
        assert woke == ["early"]
        await clock.step(0.1)
    assert woke == ["early", "late"]


async def test_cancelled_sleepers_are_forgotten() -> None:
    clock = FakeClock()
    task = asyncio.create_task(clock.sleep(3))
    await clock.wait_sleepers(1)
    task.cancel()
    await clock.settle()
    assert clock.sleepers == 0
    clock.advance(5)  # resolving nothing, raising nothing


async def test_zero_sleep_only_yields() -> None:
    clock = FakeClock()
    await clock.sleep(0)
    assert clock.sleepers == 0


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError):
        FakeClock(datetime(2030, 1, 1))
