import asyncio

import orjson
import pytest

from pacific.api.errors import Gone
from pacific.api.kinds import by_resource
from pacific.apiserver.watchcache import WatchCache
from pacific.store.memory import MemoryStore

PODS = by_resource("", "v1", "pods")
assert PODS is not None


def pod(name: str, app: str) -> bytes:
    return orjson.dumps({"metadata": {"name": name, "namespace": "ns", "labels": {"app": app}}})


async def started(
    store: MemoryStore, ring: int = 100, queue: int = 100
) -> tuple[WatchCache, asyncio.Task[None]]:
    cache = WatchCache(PODS, store, ring_size=ring, queue_size=queue)  # type: ignore[arg-type]
    task = asyncio.create_task(cache.run())
    await cache.ready.wait()
    return cache, task


async def test_cache_follows_store_and_watchers_get_events() -> None:
    store = MemoryStore()
    await store.create(PODS.key("ns", "a"), pod("a", "web"))  # type: ignore[union-attr]
    cache, task = await started(store)
    watcher, initial = cache.watch("ns", None, None)
    assert [e.key for e in initial] == [PODS.key("ns", "a")]  # type: ignore[union-attr]
    kv = await store.create(PODS.key("ns", "b"), pod("b", "web"))  # type: ignore[union-attr]
    assert await cache.wait_for(kv.mod_revision, 2)
    event_type, event = watcher.queue.popleft()
    assert event_type == "ADDED"
    assert orjson.loads(event.entry.raw)["metadata"]["resourceVersion"] == str(kv.mod_revision)
    task.cancel()


async def test_selector_transition_and_too_old() -> None:
    store = MemoryStore()
    cache, task = await started(store, ring=2)
    key = PODS.key("ns", "a")  # type: ignore[union-attr]
    created = await store.create(key, pod("a", "web"))

    def web(attrs: dict[str, object]) -> bool:
        return attrs["metadata"].get("labels", {}).get("app") == "web"  # type: ignore[attr-defined]

    watcher, _ = cache.watch(None, web, created.mod_revision - 1)
    updated = await store.update(key, pod("a", "db"), expected_revision=created.mod_revision)
    await store.update(key, pod("a", "x"), expected_revision=updated.mod_revision)
    assert await cache.wait_for(updated.mod_revision + 1, 2)
    assert [t for t, _ in watcher.queue] == ["ADDED", "DELETED"]
    with pytest.raises(Gone):
        cache.watch(None, None, created.mod_revision - 1)
    task.cancel()


async def test_slow_watcher_is_closed_not_blocking() -> None:
    store = MemoryStore()
    cache, task = await started(store, queue=2)
    slow, _ = cache.watch(None, None, None)
    for i in range(3):
        await store.create(PODS.key("ns", f"p{i}"), pod(f"p{i}", "web"))  # type: ignore[union-attr]
    assert await cache.wait_for(await store.current_revision(), 2)
    assert slow.closed
    task.cancel()
