"""The watch cache (kube-apiserver's cacher): one per stored resource type.

Model and invariants:
- Fed by ONE store watch on the type's prefix, started right after a list at revision R0;
  so the cache holds exactly the store's state under the prefix at `revision` (the latest
  event it applied, or R0).
- Each object is kept as its JSON bytes (resourceVersion included) plus a small projection
  (`attrs`: name, namespace, labels and the kind's selectable fields) used for selectors —
  never the full decoded dict, which keeps 10k pods small.
- A ring of the last `event_ring_size` events serves watches from "N": every event with a
  revision > `ring_start` is in the ring; N < ring_start is 410 Expired.
- Fan-out: an event is dispatched synchronously to every watcher whose namespace and
  selector it concerns; each watcher has a bounded queue, and a watcher whose queue is full
  is closed (it re-watches from the last resourceVersion it saw), never blocking others.
- Each event's wire line (`{"type":..,"object":..}\n`) is encoded once per event type and
  shared by all JSON watchers.
- Selector transitions follow kube: an object that stops matching is sent as DELETED, one
  that starts matching as ADDED.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from pacific.api.errors import Gone
from pacific.api.resources import Obj, ResourceType
from pacific.store.errors import Compacted, StoreError
from pacific.store.protocol import EventType, Store, WatchEvent

log = logging.getLogger(__name__)

Filter = Callable[[Obj], bool]
ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"


def _get_path(obj: Obj, path: str) -> object:
    cur: object = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _set_path(out: Obj, path: str, value: object) -> None:
    parts = path.split(".")
    cur = out
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def project(rt: ResourceType, obj: Obj) -> Obj:
    """The attributes selectors look at: metadata name/namespace/labels + selectable fields."""
    meta = obj.get("metadata") or {}
    attrs: Obj = {
        "metadata": {"name": meta.get("name", ""), "namespace": meta.get("namespace", "")}
    }
    if meta.get("labels"):
        attrs["metadata"]["labels"] = meta["labels"]
    for path in rt.field_selectors:
        value = _get_path(obj, path)
        if value is not None:
            _set_path(attrs, path, value)
    return attrs


@dataclass(slots=True)
class Entry:
    key: str
    namespace: str
    revision: int
    raw: bytes  # the object's JSON, resourceVersion included
    attrs: Obj


@dataclass(slots=True)
class Event:
    type: str
    entry: Entry  # for DELETED: the last state, with the deleting revision
    prev: Entry | None
    lines: dict[str, bytes] = field(default_factory=dict)

    @property
    def revision(self) -> int:
        return self.entry.revision

    def line(self, event_type: str) -> bytes:
        """`{"type":T,"object":...}\n`, encoded once per type."""
        cached = self.lines.get(event_type)
        if cached is None:
            cached = b'{"type":"' + event_type.encode() + b'","object":' + self.entry.raw + b"}\n"
            self.lines[event_type] = cached
        return cached


@dataclass(slots=True, eq=False)
class Watcher:
    namespace: str | None
    filter: Filter | None
    limit: int
    queue: deque[tuple[str, Event]] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False  # overflowed, or the cache was reset: the stream must end

    def offer(self, event: Event) -> None:
        if self.closed:
            return
        if self.namespace is not None and event.entry.namespace != self.namespace:
            return
        event_type = event.type
        if self.filter is not None:
            if event.type == DELETED:
                now, before = False, self.filter(event.entry.attrs)
            else:
                now = self.filter(event.entry.attrs)
                before = event.prev is not None and self.filter(event.prev.attrs)
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


def _entry_of(rt: ResourceType, key: str, value: bytes, revision: int) -> Entry:
    obj: Obj = orjson.loads(value)
    meta = obj.setdefault("metadata", {})
    meta["resourceVersion"] = str(revision)
    return Entry(key, meta.get("namespace", ""), revision, orjson.dumps(obj), project(rt, obj))


class WatchCache:
    def __init__(self, rt: ResourceType, store: Store, *, ring_size: int, queue_size: int) -> None:
        self.rt = rt
        self.store = store
        self.ring_size = ring_size
        self.queue_size = queue_size
        self.objects: dict[str, Entry] = {}
        self.ring: deque[Event] = deque()
        self.revision = 0
        self.ring_start = 0
        self.watchers: set[Watcher] = set()
        self.ready = asyncio.Event()
        self._progress = asyncio.Event()

    async def _load(self) -> None:
        result = await self.store.list(self.rt.prefix())
        self.objects = {
            kv.key: _entry_of(self.rt, kv.key, kv.value, kv.mod_revision) for kv in result.items
        }
        self.revision = result.revision
        self.ring.clear()
        self.ring_start = result.revision
        self._notify()

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
        entry = _entry_of(self.rt, key, ev.kv.value, ev.kv.mod_revision)
        if ev.type is EventType.DELETE:
            self.objects.pop(key, None)
            event = Event(DELETED, entry, prev)
        else:
            self.objects[key] = entry
            event = Event(ADDED if prev is None else MODIFIED, entry, prev)
        self.ring.append(event)
        if len(self.ring) > self.ring_size:
            self.ring_start = self.ring.popleft().revision
        self.revision = ev.kv.mod_revision
        for w in self.watchers:
            w.offer(event)
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
