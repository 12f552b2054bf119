"""The clock every time-dependent part of the client reads: wall time, monotonic time, sleep.

Retries, informer backoff, resyncs, the work queue's delays and event timestamps all take a
`Clock` instead of calling `time`/`asyncio.sleep` directly, so tests can run them on
`pacific.testing.clock.FakeClock` and assert virtual durations without waiting.

Invariants: `monotonic()` never goes backwards; `now()` is timezone-aware UTC; `sleep(s)`
with s <= 0 still yields to the event loop once.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Wall-clock time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards; only differences are meaningful."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


def rfc3339(moment: datetime) -> str:
    """Kubernetes' metav1.Time wire form: second precision, UTC, `Z` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
