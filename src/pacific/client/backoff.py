"""Exponential backoff, as a pure function plus a small per-sequence counter.

delay(n) = min(initial * factor**n, cap) for the n-th consecutive failure (n from 0). The
caller owns the sleeping (on its injected clock); `Backoff` only counts failures and is
reset by the first success, so a long healthy period never inflates the next delay.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def exponential_delay(attempt: int, *, initial: float, factor: float = 2.0, cap: float) -> float:
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    # Exponent capped so huge attempt counts cannot overflow a float.
    return min(initial * factor ** min(attempt, 64), cap)


@dataclass
class Backoff:
    initial: float = 0.2
    cap: float = 30.0
    factor: float = 2.0
    failures: int = field(default=0, init=False)

    def next_delay(self) -> float:
        """The delay before the next attempt, counting one more failure."""
        delay = exponential_delay(
            self.failures, initial=self.initial, factor=self.factor, cap=self.cap
        )
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
