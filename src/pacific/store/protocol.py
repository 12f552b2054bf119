"""The Store protocol: a revisioned key-value store in the shape of etcd v3.

Model and invariants:
- One global revision counter, starting at 0 for an empty store. Every successful write
  (create, update, delete) increments it by exactly one and stamps the written key with it
  (`mod_revision`). A key's `create_revision` is the revision that created it.
- Values are opaque bytes (the apiserver stores JSON). The store never parses them.
- Writes are compare-and-swap on the key's `mod_revision`, so the apiserver can offer
  optimistic concurrency without holding locks.
- History is kept for watches: `watch(prefix, from_revision=R)` yields every change with
  revision > R under the prefix, in revision order, then live changes. Once `compact(C)` ran,
  a watch or list at a revision < C raises `Compacted` (the apiserver turns it into 410 Gone).
- A write is acknowledged (the coroutine returns) only once it is durable.

Backends: `memory.MemoryStore` (tests), `sqlite.SQLiteStore` (the embedded default); etcd
later. All pass one conformance suite (tests/unit/store/test_conformance.py).
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    create_revision: int
    mod_revision: int


class EventType(enum.Enum):
    PUT = "PUT"  # created or updated: kv.create_revision == kv.mod_revision means created
    DELETE = "DELETE"


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: EventType
    kv: KeyValue  # for DELETE: key, the last value, mod_revision = the deleting revision
    prev: KeyValue | None  # the value before this change (None for a create)

    @property
    def revision(self) -> int:
        return self.kv.mod_revision


@dataclass(frozen=True, slots=True)
class ListResult:
    items: list[KeyValue]  # sorted by key
    revision: int  # the revision the list was read at
    more: bool  # True when `limit` cut the list short


@dataclass(frozen=True, slots=True)
class Capabilities:
    durable: bool  # survives a process restart
    name: str


class Store(Protocol):
    capabilities: Capabilities

    async def get(self, key: str) -> KeyValue | None: ...

    async def list(
        self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0
    ) -> ListResult:
        """Keys under `prefix`, sorted, strictly after `start_after`, at most `limit` (0: all).

        `revision` 0 reads the latest state; otherwise the state as of that revision (raises
        `Compacted` if it is older than the compaction point, `FutureRevision` if newer than
        the current one).
        """
        ...

    async def create(self, key: str, value: bytes) -> KeyValue:
        """Raises `KeyExists`."""
        ...

    async def update(self, key: str, value: bytes, *, expected_revision: int) -> KeyValue:
        """Compare-and-swap on mod_revision. Raises `KeyNotFound`, `RevisionMismatch`
        (carrying the current KeyValue)."""
        ...

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        """Deletes; `expected_revision` 0 means unconditional. Returns the deleted KeyValue with
        mod_revision set to the deleting revision. Raises `KeyNotFound`, `RevisionMismatch`."""
        ...

    def watch(self, prefix: str, *, from_revision: int) -> AsyncIterator[WatchEvent]:
        """Changes with revision > from_revision under prefix, then live ones, forever (until
        the consumer stops iterating or the store closes). Raises `Compacted` at once (on the
        first step) if from_revision + 1 is already compacted away; `WatchOverflow` (a
        `Compacted`) if the consumer falls too far behind live changes; `StoreClosed` when the
        store closes. A from_revision beyond the current revision just waits for it."""
        ...

    async def current_revision(self) -> int: ...

    async def compacted_revision(self) -> int: ...

    async def compact(self, revision: int) -> None:
        """Forget history older than `revision` (the latest value of every live key is kept).

        Afterwards reads at a revision < `revision` and watches from < `revision` - 1 raise
        `Compacted`. A `revision` at or below the compaction point does nothing; one beyond
        the current revision raises `FutureRevision`."""
        ...

    async def close(self) -> None: ...
