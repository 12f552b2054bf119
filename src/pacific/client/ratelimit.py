"""How long a work-queue key waits before it is retried, like client-go's rate limiters.

A `RateLimiter` answers `when(key)` (the delay before the key may be processed again, and
counts one more requeue), `forget(key)` (the key succeeded: start its backoff over) and
`requeues(key)`. The default combines two limits and takes the larger delay:
- per key, exponential: 5 ms, 10 ms, 20 ms, … capped at 1000 s, so one failing object backs
  off without slowing the others;
- overall, a token bucket (10 per second, burst 100), so a mass failure cannot turn the
  controller into a tight loop against the API server.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol

from pacific.client.backoff import exponential_delay
from pacific.client.clock import Clock


class RateLimiter(Protocol):
    def when(self, key: Hashable) -> float: ...

    def forget(self, key: Hashable) -> None: ...

    def requeues(self, key: Hashable) -> int: ...


class ItemExponentialLimiter:
    def __init__(self, base: float = 0.005, cap: float = 1000.0) -> None:
        self.base = base
        self.cap = cap
        self._failures: dict[Hashable, int] = {}

    def when(self, key: Hashable) -> float:
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        return exponential_delay(n, initial=self.base, cap=self.cap)

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def requeues(self, key: Hashable) -> int:
        return self._failures.get(key, 0)


class TokenBucketLimiter:
    """`qps` tokens per second, at most `burst` saved up; each `when` reserves one token."""

    def __init__(self, clock: Clock, qps: float = 10.0, burst: int = 100) -> None:
        if qps <= 0 or burst < 1:
            raise ValueError("qps must be > 0 and burst >= 1")
        self.clock = clock
        self.qps = qps
        self.burst = burst
        self._tokens = float(burst)
        self._last = clock.monotonic()

    def when(self, key: Hashable) -> float:
        now = self.clock.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1.0
        # A negative balance is a reservation: wait until it has been paid back.
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, key: Hashable) -> None:
        return None

    def requeues(self, key: Hashable) -> int:
        return 0


class MaxOfLimiter:
    """The largest delay any of the limiters asks for."""

    def __init__(self, *limiters: RateLimiter) -> None:
        if not limiters:
            raise ValueError("MaxOfLimiter needs at least one limiter")
        self.limiters = limiters

    def when(self, key: Hashable) -> float:
        return max(limiter.when(key) for limiter in self.limiters)

    def forget(self, key: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(key)

    def requeues(self, key: Hashable) -> int:
        return max(limiter.requeues(key) for limiter in self.limiters)


def default_rate_limiter(clock: Clock) -> RateLimiter:
    return MaxOfLimiter(ItemExponentialLimiter(), TokenBucketLimiter(clock))
