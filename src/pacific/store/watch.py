"""Watch fan-out shared by the store backends: a hub of subscriptions and the watch stream.

Model:
- A backend publishes every committed change to its `WatchHub`, in revision order, on the
  event loop thread, right after the change is durable. The hub copies each event into the
  queue of every `Subscription` whose prefix matches; it never waits for a consumer.
- Each subscription's queue is bounded. When a live consumer falls `queue_size` events
  behind, the subscription is marked overflowed, its queue dropped, and the next read raises
  `WatchOverflow` (a `Compacted`: the apiserver answers 410 and the client re-lists).
- `stream_events` turns a subscription plus the backend's history reader into the
  `Store.watch` iterator. It subscribes *before* reading history, so every change is either
  in history (committed before the read) or in the queue (published after subscribing), and
  it delivers each revision at most once by skipping queued events at or below the last
  revision delivered: no gap, no duplicate between catch-up and live.
- While still catching up, an overflow is harmless: the queue is cleared and history is read
  again from the last delivered revision, until a history read ends with nothing new and no
  overflow happened while it ran.
- Closing the hub ends every watch with `StoreClosed`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from pacific.store.errors import StoreClosed, WatchOverflow
from pacific.store.protocol import WatchEvent

DEFAULT_QUEUE_SIZE = 4096
HISTORY_PAGE = 1000

# (after, limit) -> up to `limit` events with revision > after under the watched prefix, in
# revision order. Raises `Compacted` when revision after + 1 is no longer kept.
HistoryReader = Callable[[int, int], Awaitable[list[WatchEvent]]]


class Subscription:
    """One watcher's bounded queue of live events under `prefix`."""

    def __init__(self, prefix: str, queue_size: int) -> None:
        self.prefix = prefix
        self.overflowed = False
        self.closed = False
        self._queue_size = queue_size
        self._queue: deque[WatchEvent] = deque()
        self._wakeup = asyncio.Event()
        self._overflow_at = 0

    def offer(self, event: WatchEvent) -> None:
        if self.overflowed or self.closed:
            return
        if len(self._queue) >= self._queue_size:
            self.overflowed = True
            self._overflow_at = event.revision
            self._queue.clear()
        else:
            self._queue.append(event)
        self._wakeup.set()

    def restart(self) -> None:
        """Forget queued events and any overflow (the caller re-reads them from history)."""
        self.overflowed = False
        self._queue.clear()

    def close(self) -> None:
        self.closed = True
        self._wakeup.set()

    async def next(self, last_delivered: int) -> WatchEvent:
        while True:
            if self.overflowed:
                raise WatchOverflow(last_delivered + 1, self._overflow_at)
            if self._queue:
                return self._queue.popleft()
            if self.closed:
                raise StoreClosed("store closed")
            self._wakeup.clear()
            await self._wakeup.wait()


class WatchHub:
    """Fans committed events out to subscriptions. Used on the event loop thread only."""

    def __init__(self, revision: int, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.last_published = revision  # the revision of the newest event published
        self._queue_size = queue_size
        self._subscriptions: set[Subscription] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def subscribe(self, prefix: str) -> Subscription:
        if self._closed:
            raise StoreClosed("store closed")
        subscription = Subscription(prefix, self._queue_size)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def publish(self, events: Iterable[WatchEvent]) -> None:
        for event in events:
            key = event.kv.key
            for subscription in self._subscriptions:
                if key.startswith(subscription.prefix):
                    subscription.offer(event)
            self.last_published = event.revision

    def close(self) -> None:
        self._closed = True
        for subscription in self._subscriptions:
            subscription.close()
        self._subscriptions.clear()


async def stream_events(
    hub: WatchHub, prefix: str, from_revision: int, read_history: HistoryReader
) -> AsyncIterator[WatchEvent]:
    """The `Store.watch` iterator: history after `from_revision`, then live events."""
    subscription = hub.subscribe(prefix)
    try:
        last = from_revision
        # Everything up to `last_published` is already in history; if the watcher starts at
        # or past it, whatever it needs is still to be published into its queue.
        caught_up = from_revision >= hub.last_published
        while not caught_up:
            page = await read_history(last, HISTORY_PAGE)
            for event in page:
                yield event
                last = event.revision
            if subscription.overflowed:
                subscription.restart()
            elif len(page) < HISTORY_PAGE:
                caught_up = True
        while True:
            event = await subscription.next(last)
            if event.revision > last:
                yield event
                last = event.revision
    finally:
        hub.unsubscribe(subscription)
