from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson

from pacific.api.resources import ResourceType
from pacific.client.cache import Change, by_node_name
from pacific.client.client import Client
from pacific.client.informer import Informer, key_of, split_key
from pacific.testing.clock import FakeClock

PODS = ResourceType("", "v1", "Pod", "pods", "pod", namespaced=True)
MakeClient = Callable[..., Client]
Obj = dict[str, Any]
END = object()


def pod(name: str, rv: str, ns: str = "ns", node: str = "") -> Obj:
    meta = {"name": name, "namespace": ns, "resourceVersion": rv}
    return {"metadata": meta, "spec": {"nodeName": node} if node else {}}


class FakeServer:
    """Scripted list and watch answers: `objects` for lists, one feed per opened watch."""

    def __init__(self) -> None:
        self.objects: list[Obj] = []
        self.revision = "1"
        self.lists = 0
        self.watch_params: list[httpx.QueryParams] = []
        self.feeds: list[asyncio.Queue[object]] = []
        self.opened = asyncio.Event()

    def handler(self, req: httpx.Request) -> httpx.Response:
        if req.url.params.get("watch") == "true":
            feed: asyncio.Queue[object] = asyncio.Queue()
            self.feeds.append(feed)
            self.watch_params.append(req.url.params)
            self.opened.set()
            return httpx.Response(200, content=self._stream(feed))
        self.lists += 1
        body = {"metadata": {"resourceVersion": self.revision}, "items": list(self.objects)}
        return httpx.Response(200, content=orjson.dumps(body))

    async def _stream(self, feed: asyncio.Queue[object]) -> AsyncIterator[bytes]:
        while (item := await feed.get()) is not END:
            if isinstance(item, Exception):
                raise item
            assert isinstance(item, bytes)
            yield item

    async def next_watch(self, count: int) -> asyncio.Queue[object]:
        while len(self.feeds) < count:
            self.opened.clear()
            await self.opened.wait()
        return self.feeds[count - 1]

    @staticmethod
    def event(type_: str, obj: Obj) -> bytes:
        return orjson.dumps({"type": type_, "object": obj}) + b"\n"


async def start(informer: Informer, tg: asyncio.TaskGroup) -> asyncio.Task[None]:
    task = tg.create_task(informer.run())
    await informer.wait_synced()
    return task


async def test_list_then_watch_keeps_cache_and_notifies(make_client: MakeClient) -> None:
    server = FakeServer()
    server.objects = [pod("a", "1", node="n1"), pod("b", "1")]
    server.revision = "5"
    log: list[tuple[str, str]] = []
    async with make_client(server.handler) as c:
        inf = Informer(c, PODS, indexers={"node": by_node_name})
        inf.on_add(lambda o: log.append(("add", key_of(o))))
        inf.on_update(lambda old, new: log.append(("update", key_of(new))))
        inf.on_delete(lambda o: log.append(("delete", key_of(o))))
        changes = inf.subscribe()
        async with asyncio.TaskGroup() as tg:
            task = await start(inf, tg)
            assert inf.get("ns", "a") is not None and len(inf.list("ns")) == 2
            assert inf.get("ns", "a")["kind"] == "Pod"  # type: ignore[index]
            feed = await server.next_watch(1)
            assert server.watch_params[0]["resourceVersion"] == "5"
            feed.put_nowait(server.event("ADDED", pod("c", "6")))
            feed.put_nowait(server.event("MODIFIED", pod("a", "7", node="n2")))
            feed.put_nowait(server.event("DELETED", pod("b", "8")))
            feed.put_nowait(server.event("BOOKMARK", {"metadata": {"resourceVersion": "9"}}))
            await asyncio.sleep(0.05)
            assert [o["metadata"]["name"] for o in inf.by_index("node", "n2")] == ["a"]
            assert inf.resource_version == "9"
            feed.put_nowait(END)  # server-side timeout: watch again from the last version
            await server.next_watch(2)
            assert server.watch_params[1]["resourceVersion"] == "9"
            assert server.lists == 1
            task.cancel()
    assert log == [
        ("add", "ns/a"),
        ("add", "ns/b"),
        ("add", "ns/c"),
        ("update", "ns/a"),
        ("delete", "ns/b"),
    ]
    seen: list[Change] = [changes.get_nowait() for _ in range(changes.qsize())]
    assert [c.type for c in seen] == ["add", "add", "add", "update", "delete"]


async def test_gone_relists_and_emits_the_difference(make_client: MakeClient) -> None:
    server = FakeServer()
    server.objects = [pod("keep", "1"), pod("change", "1"), pod("gone", "1")]
    log: list[tuple[str, str]] = []
    async with make_client(server.handler) as c:
        inf = Informer(c, PODS, namespace="ns")
        inf.on_add(lambda o: log.append(("add", o["metadata"]["name"])))
        inf.on_update(lambda old, new: log.append(("update", new["metadata"]["name"])))
        inf.on_delete(lambda o: log.append(("delete", o["metadata"]["name"])))
        async with asyncio.TaskGroup() as tg:
            task = await start(inf, tg)
            log.clear()
            feed = await server.next_watch(1)
            server.objects = [pod("keep", "1"), pod("change", "20"), pod("new", "21")]
            server.revision = "22"
            gone = {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}
            feed.put_nowait(server.event("ERROR", gone))
            await server.next_watch(2)
            assert server.lists == 2
            assert server.watch_params[1]["resourceVersion"] == "22"
            task.cancel()
    assert log == [("update", "change"), ("add", "new"), ("delete", "gone")]


async def test_broken_stream_backs_off_on_the_clock_then_relists(
    make_client: MakeClient, clock: FakeClock
) -> None:
    server = FakeServer()
    server.objects = [pod("a", "1")]
    async with make_client(server.handler) as c:
        inf = Informer(c, PODS)
        async with asyncio.TaskGroup() as tg:
            task = await start(inf, tg)
            for n, delay in [(1, 0.5), (2, 1.0)]:
                feed = await server.next_watch(n)
                feed.put_nowait(httpx.ReadError("connection reset"))
                await clock.wait_sleepers(1)
                assert clock.deadlines() == [delay]
                assert server.lists == n
                clock.advance(delay)
            await server.next_watch(3)
            assert server.lists == 3
            task.cancel()


async def test_resync_reemits_every_object(make_client: MakeClient, clock: FakeClock) -> None:
    server = FakeServer()
    server.objects = [pod("a", "1"), pod("b", "1")]
    updates: list[str] = []
    async with make_client(server.handler) as c:
        inf = Informer(c, PODS, resync_period=60)
        inf.on_update(lambda old, new: updates.append(new["metadata"]["name"]))
        async with asyncio.TaskGroup() as tg:
            task = await start(inf, tg)
            await clock.wait_sleepers(1)
            assert clock.deadlines() == [60]
            await clock.step(60)
            assert sorted(updates) == ["a", "b"]
            task.cancel()


async def test_a_failing_handler_does_not_stop_the_others(make_client: MakeClient) -> None:
    server = FakeServer()
    server.objects = [pod("a", "1")]
    seen: list[str] = []

    def broken(obj: Obj) -> None:
        raise RuntimeError("handler bug")

    async with make_client(server.handler) as c:
        inf = Informer(c, PODS)
        inf.on_add(broken)
        inf.on_add(lambda o: seen.append(o["metadata"]["name"]))
        async with asyncio.TaskGroup() as tg:
            task = await start(inf, tg)
            task.cancel()
    assert seen == ["a"]


def test_keys() -> None:
    assert key_of(pod("a", "1")) == "ns/a"
    assert key_of({"metadata": {"name": "node1"}}) == "node1"
    assert split_key("ns/a") == ("ns", "a") and split_key("node1") == ("", "node1")


async def test_late_handlers_and_subscribers_see_the_cache_first(make_client: MakeClient) -> None:
    server = FakeServer()
    server.objects = [pod("a", "1"), pod("b", "1")]
    async with make_client(server.handler) as c:
        inf = Informer(c, PODS)
        async with asyncio.TaskGroup() as tg:
            task = await start(inf, tg)
            late: list[str] = []
            inf.on_add(lambda o: late.append(o["metadata"]["name"]))
            queue = inf.subscribe()
            task.cancel()
    assert sorted(late) == ["a", "b"]
    assert queue.qsize() == 2


async def test_expired_list_backs_off_instead_of_spinning(
    make_client: MakeClient, clock: FakeClock
) -> None:
    calls = 0

    def handler(req: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        gone = {"kind": "Status", "code": 410, "reason": "Expired", "message": "continue expired"}
        return httpx.Response(410, content=orjson.dumps(gone))

    async with make_client(handler) as c:
        inf = Informer(c, PODS)
        async with asyncio.TaskGroup() as tg:
            task = tg.create_task(inf.run())
            await clock.wait_sleepers(1)
            assert calls == 1 and clock.deadlines() == [0.5]
            task.cancel()
    assert not inf.synced


async def test_empty_watches_are_reopened_with_backoff(
    make_client: MakeClient, clock: FakeClock
) -> None:
    server = FakeServer()
    async with make_client(server.handler) as c:
        inf = Informer(c, PODS)
        async with asyncio.TaskGroup() as tg:
            task = await start(inf, tg)
            (await server.next_watch(1)).put_nowait(END)
            await clock.wait_sleepers(1)
            assert clock.deadlines() == [0.5] and len(server.feeds) == 1
            clock.advance(0.5)
            await server.next_watch(2)
            assert server.lists == 1  # a normal end resumes the watch, no relist
            task.cancel()


def with_bookkeeping(obj: Obj) -> Obj:
    obj["metadata"]["managedFields"] = [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]
    obj["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": "{}"}
    return obj


async def test_cache_holds_compacted_objects_by_default(make_client: MakeClient) -> None:
    server = FakeServer()
    server.objects = [with_bookkeeping(pod("listed", "1"))]
    async with make_client(server.handler) as c:
        inf = Informer(c, PODS)
        added: list[Obj] = []
        inf.on_add(added.append)
        async with asyncio.TaskGroup() as tg:
            task = await start(inf, tg)
            feed = await server.next_watch(1)
            feed.put_nowait(server.event("ADDED", with_bookkeeping(pod("watched", "2"))))
            await asyncio.sleep(0.05)
            task.cancel()
    for name in ("listed", "watched"):
        cached = inf.get("ns", name)
        assert cached is not None
        assert cached["metadata"] == {
            "name": name,
            "namespace": "ns",
            "resourceVersion": cached["metadata"]["resourceVersion"],
        }
    assert [o["metadata"]["name"] for o in added] == ["listed", "watched"]
    assert all("managedFields" not in o["metadata"] for o in added)


async def test_custom_or_no_transform(make_client: MakeClient) -> None:
    server = FakeServer()
    server.objects = [with_bookkeeping(pod("a", "1"))]
    async with make_client(server.handler) as c:
        whole = Informer(c, PODS, transform=None)
        labelled = Informer(c, PODS, transform=lambda o: {**o, "seen": True})
        async with asyncio.TaskGroup() as tg:
            tasks = [await start(whole, tg), await start(labelled, tg)]
            for task in tasks:
                task.cancel()
    kept = whole.get("ns", "a")
    assert kept is not None and "managedFields" in kept["metadata"]
    seen = labelled.get("ns", "a")
    assert seen is not None and seen["seen"] is True
