"""A token bucket for best-effort writes (the scheduler's `Scheduled` events).

Model: `rate` tokens per second accumulate up to `burst`; `allow(now)` takes one if there
is one. Under a burst of thousands of bindings a second, a `Scheduled` event per pod would
double the API writes the scheduler makes; kube's event broadcaster rate-limits and drops
likewise. Failure events (FailedScheduling, Preempted) are never limited. Time comes from
the caller (the injected clock), so tests drive it directly.
"""

from __future__ import annotations


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at: float | None = None

    def allow(self, now: float) -> bool:
        if self._at is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False
