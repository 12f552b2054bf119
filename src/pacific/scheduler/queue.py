"""The scheduling queue: active, backoff and unschedulable workloads, by key.

Model (kube-scheduler's PriorityQueue):
- activeQ: ready to be tried, highest priority first, then first come first served.
- backoffQ: failed recently; ready again at `last failure + backoff(attempts)`, where
  backoff doubles from `initial_backoff` to `max_backoff`.
- unschedulable: no host fits; waits for a cluster change (`move_all`: a host added or
  updated, a placed workload deleted) or at most `max_unschedulable` seconds, then moves
  to backoffQ (or straight to activeQ if its backoff has passed).
Invariants: a key is in at most one of the three places, or "in flight" (popped, not yet
`done`); an `add` for an in-flight key is remembered and the key requeued at `done`, so
an update during a decision is never lost. `pop()` promotes due keys itself and sleeps
on the injected clock until the next deadline or the next add.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

from pacific.client.clock import Clock

BOUND = "bound"
UNSCHEDULABLE = "unschedulable"
ERROR = "error"


class SchedulingQueue:
    def __init__(
        self,
        clock: Clock,
        *,
        initial_backoff: float = 1.0,
        max_backoff: float = 10.0,
        max_unschedulable: float = 300.0,
    ) -> None:
        self.clock = clock
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_unschedulable = max_unschedulable
        self._seq = itertools.count()
        self._active: list[tuple[int, int, str]] = []
        self._active_keys: set[str] = set()
        self._priority: dict[str, int] = {}
        self._backoff: list[tuple[float, int, str]] = []
        self._backoff_at: dict[str, float] = {}
        self._unschedulable: dict[str, float] = {}
        self._attempts: dict[str, int] = {}
        self._failed_at: dict[str, float] = {}
        self._in_flight: set[str] = set()
        self._dirty: set[str] = set()
        self._wakeup = asyncio.Event()

    def __len__(self) -> int:
        return len(self._active_keys) + len(self._backoff_at) + len(self._unschedulable)

    def pending(self) -> dict[str, int]:
        """How many keys wait in each queue (for tests and metrics)."""
        return {
            "active": len(self._active_keys),
            "backoff": len(self._backoff_at),
            "unschedulable": len(self._unschedulable),
        }

    def add(self, key: str, priority: int = 0) -> None:
        """A new or changed workload: try it (again) now, unless it is backing off."""
        self._priority[key] = priority
        if key in self._in_flight:
            self._dirty.add(key)
            return
        if key in self._active_keys or key in self._backoff_at:
            return
        self._unschedulable.pop(key, None)
        self._activate_or_back_off(key)

    def delete(self, key: str) -> None:
        self._active_keys.discard(key)  # its heap entry is skipped at pop
        self._backoff_at.pop(key, None)
        self._unschedulable.pop(key, None)
        self._attempts.pop(key, None)
        self._failed_at.pop(key, None)
        self._priority.pop(key, None)
        self._dirty.discard(key)

    def move_all(self) -> None:
        """The cluster changed: every unschedulable workload may fit now."""
        keys = list(self._unschedulable)
        self._unschedulable.clear()
        for key in keys:
            self._activate_or_back_off(key)

    def done(self, key: str, outcome: str) -> None:
        """Finish an in-flight key: BOUND forgets it, UNSCHEDULABLE parks it until the
        cluster changes, ERROR retries after its backoff."""
        self._in_flight.discard(key)
        dirty = key in self._dirty
        self._dirty.discard(key)
        if outcome == BOUND:
            self._attempts.pop(key, None)
            self._failed_at.pop(key, None)
            if not dirty:
                self._priority.pop(key, None)
                return
        else:
            self._attempts[key] = self._attempts.get(key, 0) + 1
            self._failed_at[key] = self.clock.monotonic()
        if outcome == UNSCHEDULABLE and not dirty:
            self._unschedulable[key] = self.clock.monotonic()
        elif key in self._priority:
            self._activate_or_back_off(key)

    def backoff_for(self, key: str) -> float:
        attempts = self._attempts.get(key, 0)
        if attempts == 0:
            return 0.0
        delay: float = self.initial_backoff * 2.0 ** min(attempts - 1, 32)
        return min(delay, self.max_backoff)

    def _activate_or_back_off(self, key: str) -> None:
        ready = self._failed_at.get(key, 0.0) + self.backoff_for(key)
        if key in self._failed_at and ready > self.clock.monotonic():
            self._backoff_at[key] = ready
            heapq.heappush(self._backoff, (ready, next(self._seq), key))
        else:
            self._active_keys.add(key)
            heapq.heappush(self._active, (-self._priority.get(key, 0), next(self._seq), key))
        self._wakeup.set()

    def _promote(self) -> float | None:
        """Move due keys to activeQ; return the next deadline, if any."""
        now = self.clock.monotonic()
        while self._backoff and self._backoff[0][0] <= now:
            at, _, key = heapq.heappop(self._backoff)
            if self._backoff_at.get(key) == at:
                del self._backoff_at[key]
                self._active_keys.add(key)
                heapq.heappush(self._active, (-self._priority.get(key, 0), next(self._seq), key))
        stale = [k for k, t in self._unschedulable.items() if now - t >= self.max_unschedulable]
        for key in stale:
            del self._unschedulable[key]
            self._activate_or_back_off(key)
        deadlines = [self._backoff[0][0]] if self._backoff else []
        if self._unschedulable:
            deadlines.append(min(self._unschedulable.values()) + self.max_unschedulable)
        return min(deadlines) if deadlines else None

    def pop_nowait(self) -> str | None:
        self._promote()
        while self._active:
            _, _, key = heapq.heappop(self._active)
            if key in self._active_keys:
                self._active_keys.discard(key)
                self._in_flight.add(key)
                return key
        return None

    async def pop(self) -> str:
        """The next key to try; the caller must call `done(key, outcome)`."""
        while True:
            self._wakeup.clear()
            key = self.pop_nowait()
            if key is not None:
                return key
            deadline = self._promote()
            if deadline is None:
                await self._wakeup.wait()
                continue
            sleeper = asyncio.ensure_future(self.clock.sleep(deadline - self.clock.monotonic()))
            waker = asyncio.ensure_future(self._wakeup.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (sleeper, waker):
                    task.cancel()
                await asyncio.gather(sleeper, waker, return_exceptions=True)
