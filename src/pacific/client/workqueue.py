"""A work queue for controllers, with the semantics of client-go's workqueue.

Model: keys (usually "namespace/name") are added by event handlers and taken by workers.
Invariants, the reason this is not a plain asyncio.Queue:
- Dedup: a key is queued at most once. Adding a key that is already waiting is a no-op.
- Exclusivity: a key handed out by `get()` is "processing" until `done(key)`; adding it
  meanwhile marks it dirty and it is queued again only at `done`, so two workers never
  reconcile the same key at once, and no change made during processing is lost.
- Delays: `add_after(key, s)` queues the key once `s` seconds have passed on the injected
  clock; an earlier pending deadline for the same key wins.
- Rate-limited requeue: `add_rate_limited(key)` delays by the rate limiter (per-key
  exponential backoff and an overall token bucket by default); `forget(key)` after a
  success resets the key's backoff.
- `shut_down()` wakes every waiting `get()` with `ShutDown`; later adds are ignored.

Delayed keys need no background task: `get()` promotes due keys itself and, while the queue
is empty, sleeps on the clock until the earliest deadline or until something is added.
`run_worker()` is the usual worker loop around a reconcile coroutine.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from pacific.client.clock import Clock, SystemClock
from pacific.client.ratelimit import RateLimiter, default_rate_limiter

K = TypeVar("K", bound=Hashable)

log = logging.getLogger(__name__)


class ShutDown(Exception):
    """The queue was shut down; workers should return."""


class WorkQueue(Generic[K]):
    def __init__(
        self,
        *,
        clock: Clock | None = None,
        rate_limiter: RateLimiter | None = None,
        name: str = "",
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.rate_limiter = rate_limiter or default_rate_limiter(self.clock)
        self.name = name
        self._queue: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._delayed: list[tuple[float, int, K]] = []
        self._ready_at: dict[K, float] = {}
        self._seq = itertools.count()
        self._waiters: set[asyncio.Future[None]] = set()
        self._shut = False

    def __len__(self) -> int:
        """Keys ready to be handed out (not counting delayed or processing ones)."""
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shut

    @property
    def processing(self) -> frozenset[K]:
        return frozenset(self._processing)

    def delayed(self) -> dict[K, float]:
        """Keys waiting on `add_after`, with the seconds left until each is due."""
        now = self.clock.monotonic()
        return {key: at - now for key, at in self._ready_at.items()}

    def add(self, key: K) -> None:
        if self._shut or key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        self._wake()

    def add_after(self, key: K, delay: float) -> None:
        if self._shut:
            return
        if delay <= 0:
            self.add(key)
            return
        at = self.clock.monotonic() + delay
        current = self._ready_at.get(key)
        if current is not None and current <= at:
            return
        self._ready_at[key] = at
        heapq.heappush(self._delayed, (at, next(self._seq), key))
        self._wake()  # a waiting get() may now have an earlier deadline

    def add_rate_limited(self, key: K) -> None:
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: K) -> None:
        self.rate_limiter.forget(key)

    def requeues(self, key: K) -> int:
        return self.rate_limiter.requeues(key)

    def done(self, key: K) -> None:
        self._processing.discard(key)
        if key in self._dirty and not self._shut:
            self._queue.append(key)
            self._wake()

    def shut_down(self) -> None:
        self._shut = True
        self._queue.clear()
        self._delayed.clear()
        self._ready_at.clear()
        self._wake()

    async def get(self) -> K:
        """The next key to process; the caller must call `done(key)` when finished."""
        while True:
            if self._shut:
                raise ShutDown(self.name)
            self._promote_due()
            if self._queue:
                key = self._queue.popleft()
                self._processing.add(key)
                self._dirty.discard(key)
                return key
            await self._wait()

    def _promote_due(self) -> None:
        now = self.clock.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            at, _, key = heapq.heappop(self._delayed)
            if self._ready_at.get(key) == at:  # else superseded by an earlier deadline
                del self._ready_at[key]
                self.add(key)

    async def _wait(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        sleeper: asyncio.Task[None] | None = None
        try:
            if self._delayed:
                delay = self._delayed[0][0] - self.clock.monotonic()
                sleeper = asyncio.create_task(self.clock.sleep(delay))
                await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
            else:
                await waiter
        finally:
            self._waiters.discard(waiter)
            if sleeper is not None and not sleeper.done():
                sleeper.cancel()
                await asyncio.gather(sleeper, return_exceptions=True)

    def _wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)


async def run_worker(queue: WorkQueue[K], reconcile: Callable[[K], Awaitable[None]]) -> None:
    """Take keys and reconcile them until the queue shuts down.

    Success forgets the key's backoff; an exception is logged and the key requeued with
    rate limiting. Cancellation propagates (the owner's TaskGroup is stopping).
    """
    while True:
        try:
            key = await queue.get()
        except ShutDown:
            return
        try:
            await reconcile(key)
        except Exception:
            log.exception("%s: reconciling %r failed; requeueing", queue.name or "queue", key)
            queue.add_rate_limited(key)
        else:
            queue.forget(key)
        finally:
            queue.done(key)
