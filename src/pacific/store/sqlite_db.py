"""The SQLite schema of the store and the read queries over it (pure functions of a connection).

Schema (MVCC in the manner of kine/etcd):
- `kv`: one row per revision still kept. `revision` is the rowid. A row is a put (`deleted`
  0) or a tombstone (`deleted` 1, carrying the key's last value and create_revision).
  `prev_revision` names the row this one superseded (0 for a create), so a watch event can
  carry its `prev` by a rowid lookup.
- `current`: key -> revision of its live row, for O(log n) gets, compare-and-swap checks and
  key-ordered paging of the latest state. Deleted keys are absent.
- `meta`: `revision`, the highest revision ever issued (so revisions keep rising across
  restarts even when compaction left no row of the newest ones), and `compacted`, the
  compaction point C: revisions < C may have lost history.

Compaction to C keeps every row at revision >= C, and below C only the newest row of each key
unless it is a tombstone. That keeps the state at any revision >= C rebuildable and the
`prev` row of every event at >= C.

Reads open a transaction first, so the data and the revision they report are one snapshot.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pacific.store.errors import Compacted, FutureRevision
from pacific.store.protocol import EventType, KeyValue, ListResult, WatchEvent

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    revision INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_key_revision ON kv (key, revision);
CREATE TABLE IF NOT EXISTS current (
    key TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
"""

_GET = """
SELECT kv.value, kv.create_revision, kv.revision
FROM current JOIN kv ON kv.revision = current.revision
WHERE current.key = ?
"""

_LIST_LATEST = """
SELECT current.key, kv.value, kv.create_revision, kv.revision
FROM current JOIN kv ON kv.revision = current.revision
WHERE current.key >= ? AND current.key > ? AND current.key < ?
ORDER BY current.key
LIMIT ?
"""

_LIST_AT = """
SELECT kv.key, kv.value, kv.create_revision, kv.revision
FROM kv JOIN (
    SELECT MAX(revision) AS revision FROM kv
    WHERE key >= ? AND key > ? AND key < ? AND revision <= ?
    GROUP BY key
) AS newest ON kv.revision = newest.revision
WHERE kv.deleted = 0
ORDER BY kv.key
LIMIT ?
"""

_HISTORY = """
SELECT row.key, row.value, row.create_revision, row.revision, row.deleted,
       prev.value, prev.create_revision, prev.revision
FROM kv AS row LEFT JOIN kv AS prev ON prev.revision = row.prev_revision
WHERE row.revision > ? AND row.key >= ? AND row.key < ?
ORDER BY row.revision
LIMIT ?
"""

# Larger than any key: the upper bound of the empty prefix.
_NO_UPPER_BOUND = "\U0010ffff" * 8


def connect(path: Path, synchronous: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, given sync level."""
    if synchronous not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}, not {synchronous!r}")
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA journal_size_limit=67108864")  # truncate a WAL left big by a burst
    return conn


def ensure_schema(conn: sqlite3.Connection) -> tuple[int, int]:
    """Creates the tables if needed; returns (revision, compacted)."""
    conn.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;")
    return read_meta(conn)


def read_meta(conn: sqlite3.Connection) -> tuple[int, int]:
    meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
    return int(meta["revision"]), int(meta["compacted"])


def prefix_end(prefix: str) -> str:
    """The smallest string greater than every string that starts with `prefix`."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            return prefix[:-1] + chr(last + 1)
        prefix = prefix[:-1]
    return _NO_UPPER_BOUND


def get(conn: sqlite3.Connection, key: str) -> KeyValue | None:
    row = conn.execute(_GET, (key,)).fetchone()
    return None if row is None else KeyValue(key, row[0], row[1], row[2])


def list_range(
    conn: sqlite3.Connection, prefix: str, start_after: str, limit: int, revision: int
) -> ListResult:
    """Keys under `prefix` after `start_after`, at most `limit` (0: all), at `revision`."""
    bounds = (prefix, start_after, prefix_end(prefix))
    fetch = limit + 1 if limit > 0 else -1
    conn.execute("BEGIN")
    try:
        current, compacted = read_meta(conn)
        if revision == 0:
            rows = conn.execute(_LIST_LATEST, (*bounds, fetch)).fetchall()
        elif revision < compacted:
            raise Compacted(revision, compacted)
        elif revision > current:
            raise FutureRevision(revision, current)
        else:
            rows = conn.execute(_LIST_AT, (*bounds, revision, fetch)).fetchall()
    finally:
        conn.execute("COMMIT")
    more = limit > 0 and len(rows) > limit
    items = [KeyValue(r[0], r[1], r[2], r[3]) for r in (rows[:limit] if more else rows)]
    return ListResult(items=items, revision=revision or current, more=more)


def read_history(conn: sqlite3.Connection, prefix: str, after: int, limit: int) -> list[WatchEvent]:
    """Up to `limit` events under `prefix` with revision > `after`, in revision order."""
    conn.execute("BEGIN")
    try:
        _, compacted = read_meta(conn)
        if after + 1 < compacted:
            raise Compacted(after + 1, compacted)
        rows = conn.execute(_HISTORY, (after, prefix, prefix_end(prefix), limit)).fetchall()
    finally:
        conn.execute("COMMIT")
    return [_event(row) for row in rows]


def _event(
    row: tuple[str, bytes, int, int, int, bytes | None, int | None, int | None],
) -> WatchEvent:
    key, value, create_revision, revision, deleted, p_value, p_create, p_revision = row
    kv = KeyValue(key, value, create_revision, revision)
    prev = None
    if p_value is not None and p_create is not None and p_revision is not None:
        prev = KeyValue(key, p_value, p_create, p_revision)
    return WatchEvent(EventType.DELETE if deleted else EventType.PUT, kv, prev)
