"""A fake clock for tests: time stands still until the test moves it.

`FakeClock` satisfies `pacific.client.clock.Clock`. `sleep(s)` parks the caller until a test
calls `advance()` far enough; `advance(seconds)` moves both wall and monotonic time and
wakes every sleeper whose deadline has been reached, in deadline order. Woken coroutines
run at the test's next `await`; `settle()` yields until the loop has nothing left to run.
`wait_sleepers(n)` lets a test wait until the code under test is parked in `sleep`, so
"advance by exactly the backoff" can be asserted without polling real time.

Invariants: time only moves forward; a sleeper is woken at most once; a cancelled sleeper
is forgotten.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = _EPOCH, monotonic_start: float = 1000.0) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock start must be timezone-aware")
        self._wall = start
        self._mono = monotonic_start
        self._seq = itertools.count()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._changed = asyncio.Event()

    def now(self) -> datetime:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    @property
    def sleepers(self) -> int:
        """How many coroutines are parked in `sleep` right now."""
        return sum(1 for _, _, fut in self._sleepers if not fut.done())

    def deadlines(self) -> list[float]:
        """Remaining seconds until each parked sleeper wakes, soonest first."""
        return sorted(d - self._mono for d, _, fut in self._sleepers if not fut.done())

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._mono + seconds, next(self._seq), fut))
        self._changed.set()
        await fut

    def advance(self, seconds: float) -> None:
        """Move time forward and wake the sleepers that are due."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._mono += seconds
        self._wall += timedelta(seconds=seconds)
        while self._sleepers and self._sleepers[0][0] <= self._mono:
            _, _, fut = heapq.heappop(self._sleepers)
            if not fut.done():
                fut.set_result(None)

    async def settle(self, rounds: int = 20) -> None:
        """Yield to the event loop repeatedly so woken coroutines get to run."""
        for _ in range(rounds):
            await asyncio.sleep(0)

    async def wait_sleepers(self, count: int = 1) -> None:
        """Return once at least `count` coroutines are parked in `sleep`."""
        while self.sleepers < count:
            self._changed.clear()
            await self._changed.wait()

    async def step(self, seconds: float) -> None:
        """`advance(seconds)` then `settle()`: the common step of a time-driven test."""
        self.advance(seconds)
        await self.settle()
