"""Periodic compaction: keep about `keep_s` seconds of history, like kube-apiserver (5 min).

Revisions carry no time, so the compactor samples (monotonic time, current revision) every
`interval_s` and compacts to the newest sampled revision that is at least `keep_s` old. A
watcher or a list continue token younger than `keep_s` therefore always finds its history;
older ones get `Compacted` (410 Gone) and re-list.

`compaction_target` is the pure decision; `run_compactor` is the loop around it, owned by
whoever owns the store (run it in the same TaskGroup, cancel it before closing the store).
Time is injected: anything with `monotonic()` and `async sleep()` will do
(`pacific.testing.clock.FakeClock` in tests).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from typing import Protocol

from pacific.store.errors import StoreClosed, StoreError
from pacific.store.protocol import Store

log = logging.getLogger(__name__)

Sample = tuple[float, int]  # (monotonic seconds, revision)


class CompactorClock(Protocol):
    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class _SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def compaction_target(samples: Sequence[Sample], now: float, keep_s: float) -> int:
    """The newest sampled revision taken at least `keep_s` before `now`; 0 if none is."""
    target = 0
    for taken_at, revision in samples:
        if now - taken_at >= keep_s:
            target = max(target, revision)
    return target


async def run_compactor(
    store: Store,
    interval_s: float = 60.0,
    keep_s: float = 300.0,
    *,
    clock: CompactorClock | None = None,
) -> None:
    """Compact `store` every `interval_s`, keeping at least `keep_s` of history. Runs until
    cancelled or the store closes; a failed compaction is logged and retried next round."""
    if interval_s <= 0 or keep_s < 0:
        raise ValueError("interval_s must be positive and keep_s not negative")
    clock = clock or _SystemClock()
    samples: deque[Sample] = deque()
    while True:
        try:
            now = clock.monotonic()
            samples.append((now, await store.current_revision()))
            target = compaction_target(samples, now, keep_s)
            while len(samples) > 1 and now - samples[1][0] >= keep_s:
                samples.popleft()  # only the newest sample old enough still matters
            if target > await store.compacted_revision():
                await store.compact(target)
                log.debug("compacted store history before revision %d", target)
        except StoreClosed:
            return
        except StoreError as exc:
            log.warning("store compaction failed: %s", exc)
        await clock.sleep(interval_s)
