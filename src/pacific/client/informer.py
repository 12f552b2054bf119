"""Informer: a cache of one resource kept in step with the server by list + watch.

Model (client-go's reflector + indexer + handlers, in one small class):
1. List every matching object (paged), replace the cache, remember the list's
   resourceVersion, mark the informer synced.
2. Watch from that version (with bookmarks); apply each event to the cache and remember
   the event's resourceVersion. When the server ends the watch normally (its timeout),
   watch again from the last version (after a backoff if the watch carried nothing).
3. On `Gone` (410: the version is too old) relist at once; on any other failure (broken
   stream, transport error, server error) wait a backoff on the injected clock, then relist.
   A relist emits only the difference to the cache (add / update / delete), so handlers
   see every object's latest state exactly as if no event had been missed.
4. With `resync_period`, every cached object is re-emitted as an update (old is new) each
   period, so level-based controllers revisit everything now and then.
5. Every listed or watched object goes through `transform` before it is cached
   (pacific.client.informer_transform): by default `compact`, which drops managedFields and
   the last-applied annotation and interns strings. Cached objects are views to read, never
   to write back; `transform=None` caches objects exactly as the server sent them.

Every change the cache makes is delivered, in order, to the handlers registered with
`on_add/on_update/on_delete` (synchronous callbacks, typically `queue.add(key)`; an
exception in one is logged and does not stop the informer) and to every queue returned by
`subscribe()`. `run()` runs until cancelled; its owner runs it in a TaskGroup.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import aclosing

from pacific.api.errors import APIError, Gone
from pacific.api.resources import ResourceType
from pacific.client.backoff import Backoff
from pacific.client.cache import Cache, Change, Indexer, Key, Obj, Objects, object_key
from pacific.client.client import Client
from pacific.client.clock import Clock
from pacific.client.errors import ClientError
from pacific.client.informer_transform import Transform, compact

log = logging.getLogger(__name__)

AddHandler = Callable[[Obj], None]
UpdateHandler = Callable[[Obj, Obj], None]
DeleteHandler = Callable[[Obj], None]

WATCH_TIMEOUT_SECONDS = 300


def key_of(obj: Obj) -> str:
    """The work-queue key of an object: "namespace/name", or "name" if cluster-scoped."""
    namespace, name = object_key(obj)
    return f"{namespace}/{name}" if namespace else name


def split_key(key: str) -> Key:
    """The inverse of `key_of`: (namespace or "", name)."""
    namespace, _, name = key.rpartition("/")
    return namespace, name


class Informer:
    def __init__(
        self,
        client: Client,
        rt: ResourceType,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resync_period: float | None = None,
        indexers: dict[str, Indexer] | None = None,
        clock: Clock | None = None,
        page_size: int = 500,
        watch_timeout: int = WATCH_TIMEOUT_SECONDS,
        transform: Transform | None = compact,
    ) -> None:
        self.client = client
        self.rt = rt
        self.namespace = namespace if rt.namespaced else None
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.resync_period = resync_period
        self.clock: Clock = clock or client.clock
        self.page_size = page_size
        self.watch_timeout = watch_timeout
        self.transform = transform
        self.cache = Cache(indexers)
        self.resource_version = ""
        self.backoff = Backoff(initial=0.5, cap=30.0)
        self._synced = asyncio.Event()
        self._on_add: list[AddHandler] = []
        self._on_update: list[UpdateHandler] = []
        self._on_delete: list[DeleteHandler] = []
        self._subscribers: list[asyncio.Queue[Change]] = []

    # -- reading the cache -----------------------------------------------------------------

    def get(self, namespace: str | None, name: str) -> Obj | None:
        return self.cache.get(namespace, name)

    def list(self, namespace: str | None = None) -> list[Obj]:
        return self.cache.list(namespace)

    def by_index(self, index: str, value: str) -> Objects:
        return self.cache.by_index(index, value)

    @property
    def synced(self) -> bool:
        return self._synced.is_set()

    async def wait_synced(self) -> None:
        """Return once the first list has filled the cache."""
        await self._synced.wait()

    # -- handlers --------------------------------------------------------------------------

    def on_add(self, handler: AddHandler) -> None:
        """Call `handler(obj)` for every added object; once synced, first for those cached."""
        self._on_add.append(handler)
        for obj in self.cache.list() if self.synced else ():
            self._call(Change("add", None, obj), handler, obj)

    def on_update(self, handler: UpdateHandler) -> None:
        self._on_update.append(handler)

    def on_delete(self, handler: DeleteHandler) -> None:
        self._on_delete.append(handler)

    def subscribe(self) -> asyncio.Queue[Change]:
        """A queue of every change (unbounded); once synced, first an add per cached object."""
        queue: asyncio.Queue[Change] = asyncio.Queue()
        for obj in self.cache.list() if self.synced else ():
            queue.put_nowait(Change("add", None, obj))
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Change]) -> None:
        self._subscribers.remove(queue)

    def _notify(self, change: Change) -> None:
        if change.type == "add" and change.new is not None:
            for add in self._on_add:
                self._call(change, add, change.new)
        elif change.type == "update" and change.old is not None and change.new is not None:
            for update in self._on_update:
                self._call(change, update, change.old, change.new)
        elif change.old is not None:
            for delete in self._on_delete:
                self._call(change, delete, change.old)
        for queue in self._subscribers:
            queue.put_nowait(change)

    def _call(self, change: Change, handler: Callable[..., None], *args: Obj) -> None:
        try:
            handler(*args)
        except Exception:
            log.exception("%s informer: %s handler failed", self.rt.qualified, change.type)

    # -- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        """List and watch until cancelled."""
        async with asyncio.TaskGroup() as tg:
            if self.resync_period:
                tg.create_task(self._resync_loop(self.resync_period))
            await self._list_and_watch()

    async def _list_and_watch(self) -> None:
        need_list = True
        while True:
            try:
                if need_list:
                    await self.relist()
                    need_list = False
                if await self._watch_once() == 0:
                    # Ended at once with nothing: don't hammer a server that closes watches.
                    await self.clock.sleep(self.backoff.next_delay())
            except Gone as exc:
                if need_list:  # the list itself expired (continue token): do not spin
                    await self._back_off(exc)
                    continue
                log.info(
                    "%s informer: version %s expired, relisting",
                    self.rt.qualified,
                    self.resource_version,
                )
                need_list = True
            except (APIError, ClientError) as exc:
                need_list = True
                await self._back_off(exc)

    async def _back_off(self, exc: Exception) -> None:
        delay = self.backoff.next_delay()
        log.warning("%s informer: %s; relisting in %.1fs", self.rt.qualified, exc, delay)
        await self.clock.sleep(delay)

    async def relist(self) -> None:
        """List everything, replace the cache and emit the difference."""
        result = await self.client.list_all(
            self.rt,
            self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            page_size=self.page_size,
        )
        items = result.items
        if self.transform is not None:
            items = [self.transform(obj) for obj in items]
        for change in self.cache.replace(items):
            self._notify(change)
        self.resource_version = result.resource_version
        self._synced.set()

    async def _watch_once(self) -> int:
        """Follow one watch until the server ends it; returns how many events it carried."""
        received = 0
        stream = self.client.watch(
            self.rt,
            self.namespace,
            resource_version=self.resource_version,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            timeout_seconds=self.watch_timeout,
            allow_bookmarks=True,
        )
        async with aclosing(stream) as events:
            async for event in events:
                if event.type != "BOOKMARK":
                    if event.object.get("kind") is None:
                        event.object["kind"] = self.rt.kind
                        event.object["apiVersion"] = self.rt.api_version
                    obj = event.object
                    if self.transform is not None:
                        obj = self.transform(obj)
                    change = self.cache.apply(event.type, obj)
                    if change is not None:
                        self._notify(change)
                if rv := event.resource_version:
                    self.resource_version = rv
                self.backoff.reset()
                received += 1
        return received

    async def _resync_loop(self, period: float) -> None:
        await self.wait_synced()
        while True:
            await self.clock.sleep(period)
            for obj in self.cache.list():
                self._notify(Change("update", obj, obj))
