"""Commit rates of the embedded store, beside the floor set by the disk.

- `measure_sqlite_commit_rate`: raw sqlite3, WAL, synchronous=FULL, one small row per
  transaction, one writer. Every durable write the apiserver acknowledges costs at most one
  such commit, so this is the floor the apiserver benchmark prints beside its own figures.
- `measure_store_create_rate`: SQLiteStore creates from concurrent asyncio tasks. Group commit
  lets it go past the raw rate, since one fsync covers every write queued meanwhile.

Run: `.venv/bin/python benchmarks/store_commit.py [--seconds 2] [--clients 8] [--dir DIR]`
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from pacific.store.sqlite import SQLiteStore


def measure_sqlite_commit_rate(path: Path, seconds: float = 2.0) -> float:
    """Commits per second of raw sqlite3 (WAL, synchronous=FULL), one small row each."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY, value BLOB)")
        commits = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bench (value) VALUES (?)", (b"x" * 64,))
            conn.execute("COMMIT")
            commits += 1
        return commits / (time.perf_counter() - start)
    finally:
        conn.close()


async def measure_store_create_rate(
    path: Path, seconds: float = 2.0, clients: int = 8, value_size: int = 512
) -> float:
    """Creates per second into SQLiteStore (synchronous=FULL) from `clients` tasks."""
    value = b"v" * value_size
    async with await SQLiteStore.open(path) as store:
        deadline = time.perf_counter() + seconds
        counts = [0] * clients

        async def client(n: int) -> None:
            while time.perf_counter() < deadline:
                await store.create(f"/registry/bench/{n}/{counts[n]}", value)
                counts[n] += 1

        start = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for n in range(clients):
                group.create_task(client(n))
        return sum(counts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--dir", type=Path, help="where to put the databases (default: tmp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        raw = measure_sqlite_commit_rate(Path(tmp) / "raw.db", args.seconds)
        print(f"raw sqlite3 commits/s (WAL, synchronous=FULL, 1 writer): {raw:,.0f}")
        rate = asyncio.run(
            measure_store_create_rate(Path(tmp) / "store.db", args.seconds, args.clients)
        )
        print(f"SQLiteStore creates/s ({args.clients} concurrent tasks, FULL): {rate:,.0f}")


if __name__ == "__main__":
    main()
