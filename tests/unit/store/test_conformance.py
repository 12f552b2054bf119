"""The Store protocol's behaviour, held against every backend (see conftest.open_store)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from pacific.store.errors import (
    Compacted,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    RevisionMismatch,
    StoreClosed,
    WatchOverflow,
)
from pacific.store.protocol import EventType, KeyValue, Store, WatchEvent

Opener = Callable[..., Awaitable[Store]]  # the `open_store` fixture


async def take(events: AsyncIterator[WatchEvent], n: int) -> list[WatchEvent]:
    out: list[WatchEvent] = []
    async with asyncio.timeout(10):
        while len(out) < n:
            out.append(await anext(events))
    return out


async def nothing_more(events: AsyncIterator[WatchEvent]) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await anext(events)


async def test_create_get(store: Store) -> None:
    assert await store.current_revision() == 0
    kv = await store.create("/a/x", b"1")
    assert kv == KeyValue("/a/x", b"1", 1, 1)
    assert await store.get("/a/x") == kv
    assert await store.get("/a/y") is None
    with pytest.raises(KeyExists):
        await store.create("/a/x", b"2")
    assert await store.current_revision() == 1


async def test_update_compare_and_swap(store: Store) -> None:
    created = await store.create("/k", b"1")
    updated = await store.update("/k", b"2", expected_revision=created.mod_revision)
    assert updated == KeyValue("/k", b"2", created.create_revision, 2)
    with pytest.raises(RevisionMismatch) as lost:
        await store.update("/k", b"3", expected_revision=created.mod_revision)
    assert lost.value.current == updated
    with pytest.raises(KeyNotFound):
        await store.update("/missing", b"3", expected_revision=1)
    assert await store.get("/k") == updated
    assert await store.current_revision() == 2  # failed writes use no revision


async def test_delete_compare_and_swap(store: Store) -> None:
    kv = await store.create("/k", b"v")
    await store.create("/j", b"w")
    with pytest.raises(RevisionMismatch):
        await store.delete("/k", expected_revision=kv.mod_revision + 1)
    deleted = await store.delete("/k", expected_revision=kv.mod_revision)
    assert deleted == KeyValue("/k", b"v", 1, 3)
    assert await store.get("/k") is None
    with pytest.raises(KeyNotFound):
        await store.delete("/k")
    assert (await store.delete("/j")).mod_revision == 4  # unconditional
    again = await store.create("/k", b"new")
    assert again.create_revision == again.mod_revision == 5


async def test_list_paging(store: Store) -> None:
    for name in "edcba":
        await store.create(f"/p/{name}", name.encode())
    page = await store.list("/p/", limit=2)
    assert [kv.key for kv in page.items] == ["/p/a", "/p/b"]
    assert page.more and page.revision == 5
    page = await store.list("/p/", start_after="/p/b", limit=2)
    assert [kv.key for kv in page.items] == ["/p/c", "/p/d"] and page.more
    page = await store.list("/p/", start_after="/p/d", limit=2)
    assert [kv.key for kv in page.items] == ["/p/e"] and not page.more
    page = await store.list("/p/", start_after="/p/c", limit=2)
    assert [kv.key for kv in page.items] == ["/p/d", "/p/e"] and not page.more
    everything = await store.list("/p/")
    assert len(everything.items) == 5 and not everything.more
    assert (await store.list("/q/")).items == []


async def test_prefix_isolation(store: Store) -> None:
    await store.create("/a/b/1", b"")
    await store.create("/a/bc/1", b"")
    await store.create("/a/b", b"")
    await store.create("/a/b0", b"")
    assert [kv.key for kv in (await store.list("/a/b/")).items] == ["/a/b/1"]
    assert [kv.key for kv in (await store.list("/a/bc/")).items] == ["/a/bc/1"]
    assert len((await store.list("")).items) == 4
    events = store.watch("/a/b/", from_revision=0)
    assert [e.kv.key for e in await take(events, 1)] == ["/a/b/1"]
    await store.create("/a/bc/2", b"")
    await store.create("/a/b/2", b"")
    assert [e.kv.key for e in await take(events, 1)] == ["/a/b/2"]


async def test_list_at_past_revision(store: Store) -> None:
    a = await store.create("/l/a", b"1")  # 1
    await store.create("/l/b", b"1")  # 2
    await store.update("/l/a", b"2", expected_revision=a.mod_revision)  # 3
    await store.delete("/l/b")  # 4
    await store.create("/l/c", b"1")  # 5

    def view(items: list[KeyValue]) -> dict[str, bytes]:
        return {kv.key: kv.value for kv in items}

    assert view((await store.list("/l/", revision=2)).items) == {"/l/a": b"1", "/l/b": b"1"}
    assert view((await store.list("/l/", revision=4)).items) == {"/l/a": b"2"}
    at3 = await store.list("/l/", revision=3, limit=1)
    assert at3.revision == 3 and at3.more and view(at3.items) == {"/l/a": b"2"}
    at3 = await store.list("/l/", revision=3, start_after="/l/a")
    assert view(at3.items) == {"/l/b": b"1"}
    assert view((await store.list("/l/")).items) == {"/l/a": b"2", "/l/c": b"1"}
    with pytest.raises(FutureRevision):
        await store.list("/l/", revision=6)


async def test_watch_catch_up_then_live(store: Store) -> None:
    a = await store.create("/w/a", b"1")
    b = await store.update("/w/a", b"2", expected_revision=a.mod_revision)
    events = store.watch("/w/", from_revision=0)
    first = await take(events, 2)
    assert [(e.type, e.kv, e.prev) for e in first] == [
        (EventType.PUT, a, None),
        (EventType.PUT, b, a),
    ]
    deleted = await store.delete("/w/a")
    await store.create("/other/x", b"")
    created = await store.create("/w/b", b"x")
    live = await take(events, 2)
    assert [(e.type, e.kv, e.prev) for e in live] == [
        (EventType.DELETE, deleted, b),
        (EventType.PUT, created, None),
    ]
    await nothing_more(events)


async def test_watch_from_middle_revision(store: Store) -> None:
    for i in range(5):
        await store.create(f"/m/{i}", b"")
    events = store.watch("/m/", from_revision=3)
    assert [e.revision for e in await take(events, 2)] == [4, 5]
    await nothing_more(events)


async def test_watch_catch_up_races_writers_without_gap_or_duplicate(store: Store) -> None:
    for i in range(1500):
        await store.create(f"/r/old{i}", b"")

    async def write() -> None:
        for i in range(300):
            await store.create(f"/r/new{i}", b"")

    writer = asyncio.create_task(write())
    events = store.watch("/r/", from_revision=0)
    seen = await take(events, 1800)
    await writer
    assert [e.revision for e in seen] == list(range(1, 1801))
    await nothing_more(events)


async def test_compaction(store: Store) -> None:
    a = await store.create("/c/a", b"1")  # 1
    await store.create("/c/b", b"1")  # 2
    await store.delete("/c/b")  # 3
    a = await store.update("/c/a", b"2", expected_revision=a.mod_revision)  # 4
    a = await store.update("/c/a", b"3", expected_revision=a.mod_revision)  # 5
    await store.create("/c/d", b"1")  # 6
    await store.compact(5)
    assert await store.compacted_revision() == 5
    with pytest.raises(Compacted):
        await store.list("/c/", revision=4)
    assert [kv.key for kv in (await store.list("/c/", revision=5)).items] == ["/c/a"]
    assert {kv.key for kv in (await store.list("/c/")).items} == {"/c/a", "/c/d"}
    with pytest.raises(Compacted):
        await anext(store.watch("/c/", from_revision=3))
    # From 4, the first event needed is 5: still there, with its prev.
    events = await take(store.watch("/c/", from_revision=4), 2)
    assert [(e.revision, e.prev) for e in events] == [
        (5, KeyValue("/c/a", b"2", 1, 4)),
        (6, None),
    ]
    await store.compact(2)  # older than the compaction point: nothing to do
    assert await store.compacted_revision() == 5
    with pytest.raises(FutureRevision):
        await store.compact(7)


async def test_compaction_of_everything_keeps_the_revision(store: Store) -> None:
    kv = await store.create("/z/a", b"")
    await store.delete("/z/a", expected_revision=kv.mod_revision)
    await store.compact(2)
    assert (await store.list("")).items == []
    assert (await store.create("/z/a", b"")).mod_revision == 3


async def test_concurrent_writers_get_distinct_revisions(store: Store) -> None:
    created = await asyncio.gather(*(store.create(f"/cc/{i}", b"") for i in range(400)))
    assert sorted(kv.mod_revision for kv in created) == list(range(1, 401))
    assert await store.current_revision() == 400


async def test_concurrent_compare_and_swap_has_one_winner(store: Store) -> None:
    kv = await store.create("/cas", b"0")
    outcomes = await asyncio.gather(
        *(store.update("/cas", b"x", expected_revision=kv.mod_revision) for _ in range(20)),
        *(store.create("/cas", b"y") for _ in range(5)),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if isinstance(o, KeyValue)]
    assert len(winners) == 1
    assert all(isinstance(o, RevisionMismatch | KeyExists) for o in outcomes if o not in winners)
    assert await store.current_revision() == 2


async def test_many_watchers_see_the_same_stream(store: Store) -> None:
    streams = [store.watch("/s/", from_revision=0) for _ in range(5)]
    firsts = []
    for i, stream in enumerate(streams):  # each starts (subscribes) after i writes
        task = asyncio.ensure_future(anext(stream))
        await store.create(f"/s/{i}", b"")
        firsts.append(await task)
    for first, stream in zip(firsts, streams, strict=True):
        revisions = [first.revision] + [e.revision for e in await take(stream, 4)]
        assert revisions == [1, 2, 3, 4, 5]
        await nothing_more(stream)


async def test_slow_watcher_overflows_without_blocking_writers(open_store: Opener) -> None:
    store = await open_store(watch_queue_size=10)
    events = store.watch("/o/", from_revision=0)
    first = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0.01)  # the watcher is live before the writes start
    await store.create("/o/0", b"")
    assert (await first).revision == 1
    for i in range(1, 30):  # the watcher does not read meanwhile
        await store.create(f"/o/{i}", b"")
    with pytest.raises(WatchOverflow) as overflow:
        await take(events, 30)
    assert isinstance(overflow.value, Compacted)


async def test_close_ends_watches_and_refuses_work(store: Store) -> None:
    events = store.watch("/x/", from_revision=0)
    pending = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0.05)
    await store.close()
    with pytest.raises(StoreClosed):
        await pending
    with pytest.raises(StoreClosed):
        await store.create("/x/a", b"")
    with pytest.raises(StoreClosed):
        await store.get("/x/a")


async def test_revision_keeps_rising_across_reopen(open_store: Opener) -> None:
    store = await open_store()
    if not store.capabilities.durable:
        pytest.skip(f"{store.capabilities.name} does not survive a restart")
    kv = await store.create("/d/a", b"1")
    await store.delete("/d/a", expected_revision=kv.mod_revision)
    await store.compact(2)
    await store.close()
    store = await open_store()
    assert await store.current_revision() == 2
    assert await store.compacted_revision() == 2
    assert (await store.create("/d/a", b"2")).mod_revision == 3
    await store.close()
    store = await open_store()
    assert await store.get("/d/a") == KeyValue("/d/a", b"2", 3, 3)


async def test_overflow_while_catching_up_is_recovered_from_history(open_store: Opener) -> None:
    store = await open_store(watch_queue_size=4)
    for i in range(50):
        await store.create(f"/u/old{i}", b"")
    events = store.watch("/u/", from_revision=0)
    seen = [(await anext(events)).revision]  # the watcher is now part way through history
    await asyncio.gather(*(store.create(f"/u/new{i}", b"") for i in range(100)))
    async with asyncio.timeout(10):
        while len(seen) < 150:
            seen.append((await anext(events)).revision)
    assert seen == list(range(1, 151))
    await nothing_more(events)


async def test_watch_from_a_future_revision_waits_for_it(store: Store) -> None:
    events = store.watch("/f/", from_revision=2)
    pending = asyncio.ensure_future(anext(events))
    for i in range(3):
        await store.create(f"/f/{i}", b"")
    async with asyncio.timeout(5):
        assert (await pending).revision == 3
