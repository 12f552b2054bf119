"""The single writer of a SQLite store: one thread, group commit.

Model:
- Callers on the event loop `submit` write operations; each gets an asyncio future. The
  writer thread takes everything queued, applies the operations in submission order inside
  ONE transaction, commits once (one fsync with synchronous=FULL), then hands the outcomes
  back to the loop in ONE callback. So N concurrent writers cost one commit, yet each write
  still gets its own revision and its own compare-and-swap verdict, exactly as if they had
  run one by one.
- A compare-and-swap that loses (KeyExists, KeyNotFound, RevisionMismatch) writes nothing and
  uses no revision; it fails only its own future.
- Outcomes reach the loop only after COMMIT returned, so a write is acknowledged only once it
  is durable, and `on_commit` sees the committed events in revision order (it feeds watches).
- If the transaction fails (disk full, I/O error, a value SQLite cannot bind), it is rolled
  back and the revision counter goes back; then each write of the batch is retried in a
  transaction of its own, so only the writes that fail by themselves fail (with StoreError).
- A write whose caller stopped waiting (cancelled) still happens if it was already queued.
- `stop()` lets the thread finish everything submitted before it; later submits raise
  StoreClosed.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pacific.store.errors import (
    FutureRevision,
    KeyExists,
    KeyNotFound,
    RevisionMismatch,
    StoreClosed,
    StoreError,
)
from pacific.store.protocol import EventType, KeyValue, WatchEvent

MAX_BATCH = 1024

_CURRENT = """
SELECT kv.value, kv.create_revision, kv.revision
FROM current JOIN kv ON kv.revision = current.revision
WHERE current.key = ?
"""
_INSERT_ROW = """
INSERT INTO kv (revision, key, create_revision, prev_revision, deleted, value)
VALUES (?, ?, ?, ?, ?, ?)
"""
_PURGE = """
DELETE FROM kv WHERE revision >= ? AND revision < ? AND (
    deleted = 1 OR EXISTS (
        SELECT 1 FROM kv AS newer
        WHERE newer.key = kv.key AND newer.revision > kv.revision AND newer.revision < ?
    )
)
"""


@dataclass(slots=True)
class Create:
    key: str
    value: bytes


@dataclass(slots=True)
class Update:
    key: str
    value: bytes
    expected_revision: int


@dataclass(slots=True)
class Delete:
    key: str
    expected_revision: int


@dataclass(slots=True)
class SetCompacted:
    """Moves the compaction point to `revision`; resolves to False if it was already there."""

    revision: int


@dataclass(slots=True)
class Purge:
    """Deletes history made obsolete by compaction point `compacted`, in [low, high)."""

    compacted: int
    low: int
    high: int


Operation = Create | Update | Delete | SetCompacted | Purge


@dataclass(slots=True)
class _Request:
    op: Operation
    future: asyncio.Future[Any]
    outcome: Any = None
    error: BaseException | None = None
    events: list[WatchEvent] = field(default_factory=list)


# Called on the loop after each commit: (events in revision order, revision, compacted).
CommitCallback = Callable[[Sequence[WatchEvent], int, int], None]


class Writer:
    def __init__(
        self,
        conn: sqlite3.Connection,
        revision: int,
        compacted: int,
        loop: asyncio.AbstractEventLoop,
        on_commit: CommitCallback,
    ) -> None:
        self._conn = conn
        self._revision = revision
        self._compacted = compacted
        self._loop = loop
        self._on_commit = on_commit
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()  # None: stop
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self._thread.start()

    def submit_write(self, op: Create | Update | Delete) -> asyncio.Future[KeyValue]:
        """Resolves to the written KeyValue, or fails with the operation's StoreError."""
        return self._submit(op)

    def submit_compaction(self, op: SetCompacted | Purge) -> asyncio.Future[bool]:
        """Resolves to False for a SetCompacted that changed nothing, True otherwise."""
        return self._submit(op)

    def _submit(self, op: Operation) -> asyncio.Future[Any]:
        if self._stopping:
            raise StoreClosed("store closed")
        future: asyncio.Future[Any] = self._loop.create_future()
        self._queue.put(_Request(op, future))
        return future

    async def stop(self) -> None:
        if not self._stopping:
            self._stopping = True
            self._queue.put(None)
        await asyncio.to_thread(self._thread.join)

    def _run(self) -> None:
        try:
            stop = False
            while not stop:
                batch: list[_Request] = []
                item = self._queue.get()
                while True:
                    if item is None:
                        stop = True
                        break
                    batch.append(item)
                    if len(batch) >= MAX_BATCH:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if batch:
                    self._commit(batch)
        finally:
            self._conn.close()

    def _commit(self, batch: list[_Request]) -> None:
        if not self._transact(batch) and len(batch) > 1:
            # Let the writes that did not break the batch through, each on its own.
            for request in batch:
                self._transact([request])
        # A closed loop means nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._deliver, batch, self._revision, self._compacted)

    def _transact(self, requests: list[_Request]) -> bool:
        """Applies `requests` in one transaction; False (and all failed) if it rolled back."""
        start_revision, start_compacted = self._revision, self._compacted
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for request in requests:
                request.error, request.events = None, []
                try:
                    request.outcome = self._apply(request)
                except StoreError as exc:
                    request.error = exc
            if self._revision != start_revision:
                self._conn.execute(
                    "UPDATE meta SET value = ? WHERE name = 'revision'", (self._revision,)
                )
            self._conn.execute("COMMIT")
            return True
        except Exception as exc:  # the writer thread must outlive any failure of one batch
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._revision, self._compacted = start_revision, start_compacted
            for request in requests:
                request.error, request.events = StoreError(f"write failed: {exc}"), []
                request.error.__cause__ = exc
            return False

    def _deliver(self, batch: list[_Request], revision: int, compacted: int) -> None:
        self._on_commit([e for request in batch for e in request.events], revision, compacted)
        for request in batch:
            if request.future.done():
                continue
            if request.error is not None:
                request.future.set_exception(request.error)
            else:
                request.future.set_result(request.outcome)

    def _apply(self, request: _Request) -> Any:
        op = request.op
        if isinstance(op, Create):
            return self._create(request, op)
        if isinstance(op, Update | Delete):
            return self._change(request, op)
        if isinstance(op, SetCompacted):
            return self._set_compacted(op)
        self._conn.execute(_PURGE, (op.low, op.high, op.compacted))
        return True

    def _create(self, request: _Request, op: Create) -> KeyValue:
        revision = self._revision + 1
        inserted = self._conn.execute(
            "INSERT OR IGNORE INTO current (key, revision) VALUES (?, ?)", (op.key, revision)
        )
        if inserted.rowcount == 0:
            raise KeyExists(op.key)
        self._conn.execute(_INSERT_ROW, (revision, op.key, revision, 0, 0, op.value))
        self._revision = revision
        kv = KeyValue(op.key, op.value, revision, revision)
        request.events.append(WatchEvent(EventType.PUT, kv, None))
        return kv

    def _change(self, request: _Request, op: Update | Delete) -> KeyValue:
        row = self._conn.execute(_CURRENT, (op.key,)).fetchone()
        if row is None:
            raise KeyNotFound(op.key)
        prev = KeyValue(op.key, row[0], row[1], row[2])
        if op.expected_revision and prev.mod_revision != op.expected_revision:
            raise RevisionMismatch(op.key, prev)
        revision = self._revision + 1
        deleted = isinstance(op, Delete)
        value = prev.value if isinstance(op, Delete) else op.value
        self._conn.execute(
            _INSERT_ROW, (revision, op.key, prev.create_revision, prev.mod_revision, deleted, value)
        )
        if deleted:
            self._conn.execute("DELETE FROM current WHERE key = ?", (op.key,))
        else:
            self._conn.execute("UPDATE current SET revision = ? WHERE key = ?", (revision, op.key))
        self._revision = revision
        kv = KeyValue(op.key, value, prev.create_revision, revision)
        kind = EventType.DELETE if deleted else EventType.PUT
        request.events.append(WatchEvent(kind, kv, prev))
        return kv

    def _set_compacted(self, op: SetCompacted) -> bool:
        if op.revision > self._revision:
            raise FutureRevision(op.revision, self._revision)
        if op.revision <= self._compacted:
            return False
        self._conn.execute("UPDATE meta SET value = ? WHERE name = 'compacted'", (op.revision,))
        self._compacted = op.revision
        return True
