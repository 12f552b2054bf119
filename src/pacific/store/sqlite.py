"""SQLiteStore: the embedded default Store, one SQLite file in WAL mode.

Model (see `sqlite_db` for the schema, `sqlite_writer` for group commit):
- The apiserver process owns the file: `open()` takes an exclusive lock on `<path>.lock`, so a
  second process fails fast instead of writing behind this one's watches.
- Writes go to one writer thread that commits queued writes together (group commit) with
  synchronous=FULL by default: a write returns only once it is durable, and after a crash
  every acknowledged write is there.
- One global revision counter, persisted with each commit; it keeps rising across restarts,
  compaction and deleting every key, and is never reused.
- Reads: `get` is one indexed lookup on the loop's own read connection (cheaper than a thread
  hop, and a WAL reader never waits for the writer). `list` and history reads for watches run
  on a small pool of reader threads, each with its own connection.
- Watches are fed in process: after each commit the writer's callback publishes the events to
  the `WatchHub`, in revision order, before acknowledging the writes. Catch-up reads history
  from the file (`watch.stream_events` joins the two without gap or duplicate). A watcher that
  falls `watch_queue_size` events behind ends with `WatchOverflow` (a `Compacted`).
- `compact(C)` moves the persistent compaction point first, then purges obsolete history in
  chunks of revisions, each chunk a separate writer operation so writes interleave.
- `close()` finishes queued writes, then ends every watch with `StoreClosed`.
"""

from __future__ import annotations

import asyncio
import builtins
import fcntl
import functools
import os
import queue
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from pacific.store import sqlite_db
from pacific.store.errors import StoreClosed, StoreError
from pacific.store.protocol import Capabilities, KeyValue, ListResult, WatchEvent
from pacific.store.sqlite_writer import (
    Create,
    Delete,
    Purge,
    SetCompacted,
    Update,
    Writer,
)
from pacific.store.watch import DEFAULT_QUEUE_SIZE, WatchHub, stream_events

T = TypeVar("T")

PURGE_CHUNK = 10_000  # revisions per compaction step


class _ReaderPool:
    """Threads that run read queries, each query on a connection of its own."""

    def __init__(self, path: Path, size: int) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="sqlite-read")
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []

    async def run(self, query: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, self._run, query)
        except RuntimeError as exc:  # the executor was shut down: the store closed
            raise StoreClosed("store closed") from exc
        return await future

    def _run(self, query: Callable[[sqlite3.Connection], T]) -> T:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = sqlite_db.connect(self._path, "NORMAL")
            self._all.append(conn)
        try:
            return query(conn)
        finally:
            self._idle.put(conn)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        for conn in self._all:
            conn.close()


class SQLiteStore:
    capabilities = Capabilities(durable=True, name="sqlite")

    def __init__(
        self,
        path: Path,
        lock_fd: int,
        loop_conn: sqlite3.Connection,
        writer_conn: sqlite3.Connection,
        meta: tuple[int, int],
        readers: int,
        watch_queue_size: int,
    ) -> None:
        """Use `await SQLiteStore.open(path)`."""
        self.path = path
        self._lock_fd = lock_fd
        self._revision, self._compacted = meta
        self._closed = False
        self._hub = WatchHub(self._revision, watch_queue_size)
        self._conn = loop_conn
        self._readers = _ReaderPool(path, readers)
        self._writer = Writer(writer_conn, *meta, asyncio.get_running_loop(), self._on_commit)

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        synchronous: str = "FULL",
        watch_queue_size: int = DEFAULT_QUEUE_SIZE,
        readers: int = 2,
    ) -> SQLiteStore:
        path = Path(path)
        lock_fd = _lock(path)
        try:
            writer_conn = await asyncio.to_thread(sqlite_db.connect, path, synchronous)
            meta = await asyncio.to_thread(sqlite_db.ensure_schema, writer_conn)
            loop_conn = sqlite_db.connect(path, "NORMAL")
        except BaseException:
            os.close(lock_fd)
            raise
        return cls(path, lock_fd, loop_conn, writer_conn, meta, readers, watch_queue_size)

    async def __aenter__(self) -> SQLiteStore:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def get(self, key: str) -> KeyValue | None:
        self._check_open()
        return sqlite_db.get(self._conn, key)

    async def list(
        self, prefix: str, *, start_after: str = "", limit: int = 0, revision: int = 0
    ) -> ListResult:
        self._check_open()
        query = functools.partial(
            sqlite_db.list_range,
            prefix=prefix,
            start_after=start_after,
            limit=limit,
            revision=revision,
        )
        return await self._readers.run(query)

    async def create(self, key: str, value: bytes) -> KeyValue:
        self._check_open()
        return await self._writer.submit_write(Create(key, value))

    async def update(self, key: str, value: bytes, *, expected_revision: int) -> KeyValue:
        self._check_open()
        return await self._writer.submit_write(Update(key, value, expected_revision))

    async def delete(self, key: str, *, expected_revision: int = 0) -> KeyValue:
        self._check_open()
        return await self._writer.submit_write(Delete(key, expected_revision))

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
        if not await self._writer.submit_compaction(SetCompacted(revision)):
            return
        low = await self._readers.run(_oldest_revision)
        while low < revision:
            high = min(low + PURGE_CHUNK, revision)
            await self._writer.submit_compaction(Purge(revision, low, high))
            low = high

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._writer.stop()
        self._hub.close()
        await asyncio.to_thread(self._readers.close)
        self._conn.close()
        os.close(self._lock_fd)

    async def _read_history(self, prefix: str, after: int, limit: int) -> builtins.list[WatchEvent]:
        self._check_open()
        query = functools.partial(sqlite_db.read_history, prefix=prefix, after=after, limit=limit)
        return await self._readers.run(query)

    def _on_commit(self, events: Sequence[WatchEvent], revision: int, compacted: int) -> None:
        self._revision, self._compacted = revision, compacted
        self._hub.publish(events)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("store closed")


def _lock(path: Path) -> int:
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise StoreError(f"{path} is in use by another store") from exc
    return fd


def _oldest_revision(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT MIN(revision) FROM kv").fetchone()
    return int(row[0] or 0)
