"""MemoryStore: the Store protocol held in process memory, for tests and fakes.

It keeps the same model as the SQLite backend, row for row, so the conformance suite can hold
both to one behaviour:
- `_rows` is the history: one `_Row` per revision still kept, in revision order. A row is a
  put (create or update) or a tombstone (delete; it carries the key's last value).
- `_current` maps each live key to its latest KeyValue; `_keys` is the same keys, sorted,
  for paging.
- `compact(C)` keeps every row at revision >= C, and for revisions below C only the latest row
  of each key, unless that is a tombstone. So the state at any revision >= C can be rebuilt,
  and every event at >= C still has its `prev` row. Reads at a revision < C and watches that
  need an event < C raise `Compacted`.
- Every operation runs to completion on the event loop without awaiting, so operations are
  atomic with respect to each other and watchers see changes in revision order.
"""

from __future__ import annotations

import bisect
import builtins
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pacific.store.errors import (
    Compacted,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    RevisionMismatch,
    StoreClosed,
)
from pacific.store.protocol import Capabilities, EventType, KeyValue, ListResult, WatchEvent
from pacific.store.watch import DEFAULT_QUEUE_SIZE, WatchHub, stream_events


@dataclass(frozen=True, slots=True)
class _Row:
    kv: KeyValue  # for a tombstone: the last value, mod_revision = the deleting revision
    deleted: bool
    prev: KeyValue | None

    def event(self) -> WatchEvent:
        kind = EventType.DELETE if self.deleted else EventType.PUT
        return WatchEvent(kind, self.kv, self.prev)


class MemoryStore:
    capabilities = Capabilities(durable=False, name="memory")

    def __init__(self, *, watch_queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._rows: list[_Row] = []
        self._current: dict[str, KeyValue] = {}
        self._keys: list[str] = []
        self._revision = 0
        self._compacted = 0
        self._hub = WatchHub(0, watch_queue_size)

    async def get(self, key: str) -> KeyValue | None:
        self._check_open()
        return self._current.get(key)

    async def list(
        self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0
    ) -> ListResult:
        self._check_open()
        if revision == 0:
            keys = self._keys
            current = self._current
        else:
            self._check_readable(revision)
            current = self._state_at(revision)
            keys = sorted(current)
        start = bisect.bisect_left(keys, prefix)
        if start_after >= prefix:
            start = bisect.bisect_right(keys, start_after)
        items: list[KeyValue] = []
        more = False
        for key in keys[start:]:
            if not key.startswith(prefix):
                break
            if limit and len(items) == limit:
                more = True
                break
            items.append(current[key])
        return ListResult(items=items, revision=revision or self._revision, more=more)

    async def create(self, key: str, value: bytes) -> KeyValue:
        self._check_open()
        if key in self._current:
            raise KeyExists(key)
        revision = self._revision + 1
        kv = KeyValue(key, value, revision, revision)
        bisect.insort(self._keys, key)
        self._commit(_Row(kv, deleted=False, prev=None))
        return kv

    async def update(self, key: str, value: bytes, *, expected_revision: int) -> KeyValue:
        self._check_open()
        prev = self._current_or_raise(key, expected_revision)
        kv = KeyValue(key, value, prev.create_revision, self._revision + 1)
        self._commit(_Row(kv, deleted=False, prev=prev))
        return kv

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        self._check_open()
        prev = self._current_or_raise(key, expected_revision)
        kv = KeyValue(key, prev.value, prev.create_revision, self._revision + 1)
        del self._keys[bisect.bisect_left(self._keys, key)]
        self._commit(_Row(kv, deleted=True, prev=prev))
        return kv

    def watch(self, prefix: str, *, from_revision: int) -> AsyncIterator[WatchEvent]:
        reader = functools.partial(self._read_history, prefix)
        return stream_events(self._hub, prefix, from_revision, reader)

    async def current_revision(self) -> int:
        self._check_open()
        return self._revision

    async def compacted_revision(self) -> int:
        self._check_open()
        return self._compacted

    async def compact(self, revision: int) -> None:
        self._check_open()
        if revision > self._revision:
            raise FutureRevision(revision, self._revision)
        if revision <= self._compacted:
            return
        self._compacted = revision
        latest_below: dict[str, _Row] = {}
        for row in self._rows:
            if row.kv.mod_revision >= revision:
                break
            latest_below[row.kv.key] = row
        kept_below = {id(row) for row in latest_below.values() if not row.deleted}
        self._rows = [
            row for row in self._rows if row.kv.mod_revision >= revision or id(row) in kept_below
        ]

    async def close(self) -> None:
        self._hub.close()

    def _commit(self, row: _Row) -> None:
        self._revision = row.kv.mod_revision
        self._rows.append(row)
        if row.deleted:
            del self._current[row.kv.key]
        else:
            self._current[row.kv.key] = row.kv
        self._hub.publish([row.event()])

    def _current_or_raise(self, key: str, expected_revision: int) -> KeyValue:
        current = self._current.get(key)
        if current is None:
            raise KeyNotFound(key)
        if expected_revision and current.mod_revision != expected_revision:
            raise RevisionMismatch(key, current)
        return current

    def _state_at(self, revision: int) -> dict[str, KeyValue]:
        state: dict[str, KeyValue] = {}
        for row in self._rows:
            if row.kv.mod_revision > revision:
                break
            if row.deleted:
                state.pop(row.kv.key, None)
            else:
                state[row.kv.key] = row.kv
        return state

    def _check_readable(self, revision: int) -> None:
        if revision < self._compacted:
            raise Compacted(revision, self._compacted)
        if revision > self._revision:
            raise FutureRevision(revision, self._revision)

    def _check_open(self) -> None:
        if self._hub.closed:
            raise StoreClosed("store closed")

    async def _read_history(self, prefix: str, after: int, limit: int) -> builtins.list[WatchEvent]:
        self._check_open()
        if after + 1 < self._compacted:
            raise Compacted(after + 1, self._compacted)
        start = bisect.bisect_right(self._rows, after, key=lambda row: row.kv.mod_revision)
        events: builtins.list[WatchEvent] = []
        for row in self._rows[start:]:
            if row.kv.key.startswith(prefix):
                events.append(row.event())
                if len(events) == limit:
                    break
        return events
