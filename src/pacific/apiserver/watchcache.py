"""The watch cache (kube-apiserver's cacher): one per stored resource type.

Model and invariants:
- Fed by ONE store watch on the type's prefix, started right after a list at revision R0;
  so the cache holds exactly the store's state under the prefix at `revision` (the latest
  event it applied, or R0).
- Each object is an `entries.Entry`: its JSON bytes (resourceVersion included) and a
  compact tuple of the values selectors look at — never a decoded dict, which keeps 10k
  pods small (see `entries`).
- A ring of the last `event_ring_size` events serves watches from "N": every event with a
  revision > `ring_start` is in the ring; N < ring_start is 410 Expired. An event keeps the
  new entry and only the previous *values* (for selector transitions), not the previous
  bytes.
- Fan-out: an event is dispatched synchronously to every watcher whose namespace and
  selector it concerns; each watcher has a bounded queue, and a watcher whose queue is full
  is closed (it re-watches from the last resourceVersion it saw), never blocking others.
  The selector projection of an event is built at most once per dispatch, and only when
  some watcher has a selector.
- Selector transitions follow kube: an object that stops matching is sent as DELETED, one
  that starts matching as ADDED.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from pacific.api.errors import Gone
from pacific.api.resources import Obj, ResourceType
from pacific.apiserver.entries import Entry, Interner, Values, attrs_of, make_entry, stored_prefix
from pacific.store.errors import Compacted, StoreError
from pacific.store.protocol import EventType, KeyValue, Store, WatchEvent

log = logging.getLogger(__name__)

Filter = Callable[[Obj], bool]
ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
LOAD_PAGE = 500


@dataclass(slots=True)
class Event:
    type: str
    entry: Entry  # for DELETED: the last state, with the deleting revision
    prev: Values | None  # the previous state's selector values (None: there was none)

    @property
    def revision(self) -> int:
        return self.entry.revision

    def prev_attrs(self) -> Obj | None:
        if self.prev is None:
            return None
        entry = self.entry
        return attrs_of(entry.name, entry.namespace, self.prev, entry.paths)


class Projections:
    """An event's selector projections (now, before), built on first use, once."""

    __slots__ = ("_before", "_now", "event")

    def __init__(self, event: Event) -> None:
        self.event = event
        self._now: Obj | None = None
        self._before: Obj | None = None

    def now(self) -> Obj:
        if self._now is None:
            self._now = self.event.entry.attrs
        return self._now

    def before(self) -> Obj | None:
        if self._before is None:
            self._before = self.event.prev_attrs()
        return self._before


@dataclass(slots=True, eq=False)
class Watcher:
    namespace: str | None
    filter: Filter | None
    limit: int
    queue: deque[tuple[str, Event]] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False  # overflowed, or the cache was reset: the stream must end

    def offer(self, event: Event, views: Projections | None = None) -> None:
        if self.closed:
            return
        if self.namespace is not None and event.entry.namespace != self.namespace:
            return
        event_type = event.type
        if self.filter is not None:
            views = views or Projections(event)
            if event.type == DELETED:
                now, before = False, self.filter(views.now())
            else:
                now = self.filter(views.now())
                prev = views.before()
                before = prev is not None and self.filter(prev)
            if now and before:
                event_type = MODIFIED
            elif now:
                event_type = ADDED
            elif before:
                event_type = DELETED
            else:
                return
        if len(self.queue) >= self.limit:
            self.closed = True
            self.queue.clear()
        else:
            self.queue.append((event_type, event))
        self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()


class WatchCache:
    def __init__(self, rt: ResourceType, store: Store, *, ring_size: int, queue_size: int) -> None:
        self.rt = rt
        self.store = store
        self.paths = tuple(rt.field_selectors)
        self.prefix_bytes = stored_prefix(rt.api_version, rt.kind)
        self.interner = Interner()
        self.ring_size = ring_size
        self.queue_size = queue_size
        self.objects: dict[str, Entry] = {}
        self.ring: deque[Event] = deque()
        self.revision = 0
        self.ring_start = 0
        self.watchers: set[Watcher] = set()
        self.ready = asyncio.Event()
        self._progress = asyncio.Event()

    def _entry(self, kv: KeyValue) -> Entry:
        return make_entry(
            kv.key,
            kv.value,
            kv.mod_revision,
            prefix=self.prefix_bytes,
            paths=self.paths,
            interner=self.interner,
        )

    async def _load(self) -> None:
        """The state under the prefix at one revision, read in pages (so that loading 10k
        objects never holds all their stored bytes at once), retried if compacted away."""
        while True:
            try:
                objects, revision = await self._read_all()
                break
            except Compacted:
                continue
        self.objects = objects
        self.revision = revision
        self.ring.clear()
        self.ring_start = revision
        self._notify()

    async def _read_all(self) -> tuple[dict[str, Entry], int]:
        objects: dict[str, Entry] = {}
        prefix = self.rt.prefix()
        result = await self.store.list(prefix, limit=LOAD_PAGE)
        revision = result.revision
        while True:
            for kv in result.items:
                objects[kv.key] = self._entry(kv)
            if not result.more or not result.items:
                return objects, revision
            result = await self.store.list(
                prefix, start_after=result.items[-1].key, limit=LOAD_PAGE, revision=revision
            )

    async def run(self) -> None:
        """Load, then follow the store forever; on a broken store watch reload and reset."""
        while True:
            await self._load()
            self.ready.set()
            try:
                async for ev in self.store.watch(self.rt.prefix(), from_revision=self.revision):
                    self.apply(ev)
            except (Compacted, StoreError) as exc:
                log.warning(
                    "watch cache %s: store watch ended (%s); reloading", self.rt.qualified, exc
                )
            for w in list(self.watchers):
                w.close()
            self.watchers.clear()

    def apply(self, ev: WatchEvent) -> None:
        key = ev.kv.key
        prev = self.objects.get(key)
        prev_values = prev.values if prev is not None else None
        entry = self._entry(ev.kv)  # for a DELETE: the last state, at the deleting revision
        if ev.type is EventType.DELETE:
            self.objects.pop(key, None)
            event = Event(DELETED, entry, prev_values)
        else:
            self.objects[key] = entry
            event = Event(ADDED if prev is None else MODIFIED, entry, prev_values)
        self.ring.append(event)
        if len(self.ring) > self.ring_size:
            self.ring_start = self.ring.popleft().revision
        self.revision = ev.kv.mod_revision
        views = Projections(event)
        for w in self.watchers:
            w.offer(event, views)
        self._notify()

    def _notify(self) -> None:
        self._progress.set()
        self._progress = asyncio.Event()

    async def wait_for(self, revision: int, limit_s: float) -> bool:
        """Wait until the cache has applied `revision`; False on timeout."""
        await self.ready.wait()
        try:
            async with asyncio.timeout(limit_s):
                while self.revision < revision:
                    await self._progress.wait()
        except TimeoutError:
            return False
        return True

    def snapshot(self, namespace: str | None) -> list[Entry]:
        """Current objects, sorted by key (the store's order)."""
        if namespace is not None:
            prefix = self.rt.prefix(namespace)
            entries = [e for k, e in self.objects.items() if k.startswith(prefix)]
        else:
            entries = list(self.objects.values())
        entries.sort(key=lambda e: e.key)
        return entries

    def watch(
        self, namespace: str | None, filter: Filter | None, after: int | None
    ) -> tuple[Watcher, list[Entry]]:
        """Register a watcher. `after` None: the current state is returned to send as ADDED
        first; else every event with revision > after is queued. Raises Gone when too old."""
        w = Watcher(namespace, filter, self.queue_size)
        initial: list[Entry] = []
        if after is None:
            initial = [e for e in self.snapshot(namespace) if filter is None or filter(e.attrs)]
        else:
            if after < self.ring_start:
                raise Gone(f"too old resource version: {after} ({self.ring_start})")
            for event in self.ring:
                if event.revision > after:
                    w.offer(event)
        self.watchers.add(w)
        return w, initial

    def stop(self, w: Watcher) -> None:
        self.watchers.discard(w)


class WatchCaches:
    """One WatchCache per stored resource type; their tasks are owned by `run()`."""

    def __init__(
        self, store: Store, kinds: list[ResourceType], *, ring_size: int, queue_size: int
    ) -> None:
        self.caches = {
            rt.prefix(): WatchCache(rt, store, ring_size=ring_size, queue_size=queue_size)
            for rt in kinds
            if rt.stored
        }

    def of(self, rt: ResourceType) -> WatchCache:
        return self.caches[rt.prefix()]

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tg:
            for cache in self.caches.values():
                tg.create_task(cache.run())

    async def wait_ready(self) -> None:
        for cache in self.caches.values():
            await cache.ready.wait()

    def close_watchers(self) -> None:
        for cache in self.caches.values():
            for w in list(cache.watchers):
                w.close()
