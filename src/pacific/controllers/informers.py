"""Shared informers and the worker loop every controller runs.

`SharedInformers` hands out one `Informer` per resource type, so the pod watch the
ReplicaSet, endpoints and garbage collectors all need is opened once. Every informer
indexes objects by owner uid (`OWNER_INDEX`). Controllers ask for their informers and
register handlers in their constructors; the manager then runs `SharedInformers.run()`
alongside the controllers in one TaskGroup. Informers asked for after `run()` started are
started too.

What the informers cache is `compact`ed (pacific.client.informer_transform): no
managedFields, no last-applied annotation, interned strings. No controller reads either
field, and every controller write is a patch of the fields it owns (controllers.patches),
never a PUT of a cached object, so nothing they leave out is lost.

`run_workers(queue, reconcile, informers, workers)` waits until the given informers have
synced (a controller must not act on a half-filled cache: it would re-create what it cannot
see), then runs `workers` loops taking keys from the queue. A reconcile that raises
`Requeue` is retried with the queue's rate limiting and logged quietly; any other
exception is logged with its traceback and retried the same way; success forgets the key's
backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from pacific.api import kinds
from pacific.api.errors import APIError
from pacific.api.resources import ResourceType
from pacific.client import Client, Clock, Informer, ShutDown, WorkQueue, by_owner_uid
from pacific.client.errors import ClientError
from pacific.client.informer_transform import compact

log = logging.getLogger(__name__)

OWNER_INDEX = "owner"
K = TypeVar("K", bound=Hashable)


def resource(group: str, kind: str, version: str = "v1") -> ResourceType:
    """The served ResourceType of a built-in kind (LookupError if it is not served)."""
    rt = kinds.by_kind(group, version, kind)
    if rt is None:
        raise LookupError(f"{group}/{version} {kind} is not a served kind")
    return rt


class Requeue(Exception):
    """Reconcile could not finish now (a conflict, a failed create); try again later."""


class SharedInformers:
    def __init__(self, client: Client, clock: Clock) -> None:
        self.client = client
        self.clock = clock
        self._informers: dict[tuple[str, str, str], Informer] = {}
        self._group: asyncio.TaskGroup | None = None

    def get(self, rt: ResourceType) -> Informer:
        key = (rt.group, rt.version, rt.plural)
        informer = self._informers.get(key)
        if informer is None:
            informer = Informer(
                self.client,
                rt,
                clock=self.clock,
                indexers={OWNER_INDEX: by_owner_uid},
                transform=compact,
            )
            self._informers[key] = informer
            if self._group is not None:
                self._group.create_task(informer.run())
        return informer

    def all(self) -> list[Informer]:
        return list(self._informers.values())

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tg:
            self._group = tg
            for informer in list(self._informers.values()):
                tg.create_task(informer.run())
            await asyncio.Future()  # run until cancelled


async def run_workers(
    queue: WorkQueue[K],
    reconcile: Callable[[K], Awaitable[None]],
    informers: list[Informer],
    workers: int,
) -> None:
    for informer in informers:
        await informer.wait_synced()
    try:
        async with asyncio.TaskGroup() as tg:
            for _ in range(workers):
                tg.create_task(_worker(queue, reconcile))
    finally:
        queue.shut_down()


async def _worker(queue: WorkQueue[K], reconcile: Callable[[K], Awaitable[None]]) -> None:
    while True:
        try:
            key = await queue.get()
        except ShutDown:
            return
        try:
            await reconcile(key)
        except Requeue as exc:
            log.info("%s: %r: %s; retrying", queue.name, key, exc)
            queue.add_rate_limited(key)
        except (APIError, ClientError) as exc:
            log.warning("%s: %r: %s; retrying", queue.name, key, exc)
            queue.add_rate_limited(key)
        except Exception:
            log.exception("%s: reconciling %r failed; retrying", queue.name, key)
            queue.add_rate_limited(key)
        else:
            queue.forget(key)
        finally:
            queue.done(key)
