"""What only the SQLite backend promises: durability, exclusivity, history on disk."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pacific.store import sqlite as sqlite_module
from pacific.store.errors import StoreError
from pacific.store.protocol import KeyValue
from pacific.store.sqlite import SQLiteStore
from pacific.store.sqlite_db import prefix_end

_BURST = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from pacific.store.sqlite import SQLiteStore

    async def main():
        store = await SQLiteStore.open(Path(sys.argv[1]))
        async def client(n):
            i = 0
            while True:
                kv = await store.create(f"/burst/{n}/{i}", b"x" * 100)
                print(kv.mod_revision, kv.key, flush=True)
                i += 1
        await asyncio.gather(*(client(n) for n in range(8)))

    asyncio.run(main())
    """
)


def rows(path: Path) -> list[tuple[int, str, int]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT revision, key, deleted FROM kv ORDER BY revision").fetchall()


async def test_every_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _BURST, str(path), stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    acked: dict[str, int] = {}
    try:
        async with asyncio.timeout(60):
            async for line in proc.stdout:
                acked_revision, key = line.decode().split()
                acked[key] = int(acked_revision)
                if len(acked) >= 2000:
                    break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        await proc.wait()
    assert len(acked) >= 2000, "the writer died before the kill"
    async with await SQLiteStore.open(path) as store:
        for key, revision in acked.items():
            kv = await store.get(key)
            assert kv is not None and kv.mod_revision == revision
        current = await store.current_revision()
        assert current >= max(acked.values())
        assert (await store.create("/after", b"")).mod_revision == current + 1


async def test_a_second_open_of_the_same_file_fails(tmp_path: Path) -> None:
    async with await SQLiteStore.open(tmp_path / "db"):
        with pytest.raises(StoreError, match="in use"):
            await SQLiteStore.open(tmp_path / "db")
    async with await SQLiteStore.open(tmp_path / "db"):
        pass  # the lock went with the close


async def test_bad_synchronous_mode_is_refused_and_releases_the_lock(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        await SQLiteStore.open(tmp_path / "db", synchronous="SOMETIMES")
    async with await SQLiteStore.open(tmp_path / "db", synchronous="NORMAL") as store:
        assert (await store.create("/a", b"")).mod_revision == 1


async def test_compaction_purges_obsolete_rows_in_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "PURGE_CHUNK", 3)
    path = tmp_path / "db"
    async with await SQLiteStore.open(path) as store:
        kv = await store.create("/k/a", b"0")  # 1
        for i in range(1, 10):  # 2..10
            kv = await store.update("/k/a", str(i).encode(), expected_revision=kv.mod_revision)
        gone = await store.create("/k/b", b"")  # 11
        await store.delete("/k/b", expected_revision=gone.mod_revision)  # 12
        await store.create("/k/c", b"")  # 13
        await store.compact(12)
        # Below 12 only the newest row of each key survives (11 is the `prev` of event 12).
        assert rows(path) == [(10, "/k/a", 0), (11, "/k/b", 0), (12, "/k/b", 1), (13, "/k/c", 0)]
        listed = await store.list("/k/", revision=12)
        assert [(kv.key, kv.value) for kv in listed.items] == [("/k/a", b"9")]
        await store.compact(13)
        assert rows(path) == [(10, "/k/a", 0), (13, "/k/c", 0)]


async def test_watch_catch_up_reads_history_from_disk_after_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db"
    async with await SQLiteStore.open(path) as store:
        kv = await store.create("/h/a", b"1")
        await store.update("/h/a", b"2", expected_revision=kv.mod_revision)
    async with await SQLiteStore.open(path) as store:
        events = store.watch("/h/", from_revision=0)
        async with asyncio.timeout(5):
            first, second = await anext(events), await anext(events)
        assert (first.kv.value, second.kv.value) == (b"1", b"2")
        assert second.prev == first.kv


def test_prefix_end() -> None:
    assert prefix_end("/a/b/") == "/a/b0"
    assert prefix_end("a\U0010ffff") == "b"
    assert prefix_end("") > "\U0010ffff" * 4


async def test_a_write_that_breaks_its_batch_fails_alone(tmp_path: Path) -> None:
    async with await SQLiteStore.open(tmp_path / "db") as store:
        unbindable: Any = {"not": "bytes"}
        outcomes = await asyncio.gather(
            store.create("/b/1", b""),
            store.create("/b/bad", unbindable),
            store.create("/b/2", b""),
            return_exceptions=True,
        )
        assert isinstance(outcomes[1], StoreError)
        good = [o for o in outcomes if isinstance(o, KeyValue)]
        assert sorted(kv.mod_revision for kv in good) == [1, 2]
        assert await store.get("/b/bad") is None
        assert (await store.create("/b/3", b"")).mod_revision == 3
