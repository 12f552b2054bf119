"""The ResourceQuota controller: keeps every quota's status (hard, used) true.

For each ResourceQuota, status.hard mirrors spec.hard and status.used is recomputed from
every object of the quota's namespace (`pacific.api.admission.used_in_namespace`), from
shared informers of the counted kinds (pods, claims, services, config maps, secrets,
quotas, deployments, replica sets: whichever of them the server serves). A quota is
recomputed when it is created or its spec changes, when any counted object of its
namespace changes, and every `resync_seconds` (which also releases what admission
reserved for objects that then failed to be stored).

Admission charges a quota before the object is stored, so the informers can briefly lag
behind a reservation. To avoid undoing a reservation whose object is still on its way, a
recomputation that would lower `used` is put off (`settle_seconds`, at most
`max_deferrals` times) while the quota is newer than every counted object this controller
has seen; after that the computed value is written anyway (the object never came).
Writes go through `PUT …/status` with the quota's resourceVersion: a conflict requeues.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pacific.api.admission import quota_status, used_in_namespace
from pacific.api.errors import Conflict, NotFound
from pacific.api.resources import ResourceType
from pacific.api.validation import parse_quantity
from pacific.client import Client, Clock, Informer, WorkQueue, key_of
from pacific.controllers.informers import Requeue, SharedInformers, resource, run_workers
from pacific.controllers.objects import Obj, namespace_of, same_status
from pacific.controllers.patches import guarded, merge_patch

log = logging.getLogger(__name__)

COUNTED = (
    ("", "Pod"),
    ("", "PersistentVolumeClaim"),
    ("", "Service"),
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "ResourceQuota"),
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
)


def _served(group: str, kind: str) -> ResourceType | None:
    try:
        return resource(group, kind)
    except LookupError:
        return None


def _revision(obj: Obj) -> int:
    text = str((obj.get("metadata") or {}).get("resourceVersion") or "0")
    return int(text) if text.isdigit() else 0


def lowers(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether any used value in `new` is below the one in `old`."""
    for name, value in new.items():
        if name in old and parse_quantity(value) < parse_quantity(old[name]):
            return True
    return False


class QuotaController:
    def __init__(
        self,
        client: Client,
        informers: SharedInformers,
        clock: Clock,
        *,
        workers: int = 2,
        resync_seconds: float = 30.0,
        settle_seconds: float = 1.0,
        max_deferrals: int = 3,
    ) -> None:
        self.client = client
        self.clock = clock
        self.workers = workers
        self.resync_seconds = resync_seconds
        self.settle_seconds = settle_seconds
        self.max_deferrals = max_deferrals
        self.quota_type = resource("", "ResourceQuota")
        self.quotas = informers.get(self.quota_type)
        self.counted: list[tuple[ResourceType, Informer]] = []
        for group, kind in COUNTED:
            rt = _served(group, kind)
            if rt is not None:
                self.counted.append((rt, informers.get(rt)))
        self.queue: WorkQueue[str] = WorkQueue(clock=clock, name="resourcequota")
        self.seen_revision = 0
        self.deferrals: dict[str, int] = {}
        self.quotas.on_add(self._enqueue)
        self.quotas.on_update(self._quota_updated)
        for _, informer in self.counted:
            informer.on_add(self._object_changed)
            informer.on_delete(self._object_changed)
            if informer is not self.quotas:  # a reservation is not a change to count
                informer.on_update(lambda old, new: self._object_changed(new))

    async def run(self) -> None:
        informers = [self.quotas, *(i for _, i in self.counted)]
        async with asyncio.TaskGroup() as tg:
            tg.create_task(run_workers(self.queue, self.reconcile, informers, self.workers))
            tg.create_task(self._resync())

    async def _resync(self) -> None:
        while True:
            await self.clock.sleep(self.resync_seconds)
            for quota in self.quotas.list():
                self._enqueue(quota)

    # -- event handlers --------------------------------------------------------------------

    def _enqueue(self, quota: Obj) -> None:
        self.queue.add(key_of(quota))

    def _quota_updated(self, old: Obj, new: Obj) -> None:
        if (old.get("spec") or {}) != (new.get("spec") or {}) or not same_status(
            quota_status(new, (new.get("status") or {}).get("used") or {}), new.get("status")
        ):
            self._enqueue(new)

    def _object_changed(self, obj: Obj) -> None:
        self.seen_revision = max(self.seen_revision, _revision(obj))
        for quota in self.quotas.list(namespace_of(obj)):
            self._enqueue(quota)

    # -- reconcile -------------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        quota = self.quotas.get(namespace, name)
        if quota is None:
            self.deferrals.pop(key, None)
            return
        objects = [(rt, informer.list(namespace)) for rt, informer in self.counted]
        used = used_in_namespace(quota, objects, self.clock.now())
        status = quota_status(quota, used)
        if same_status(status, quota.get("status")):
            self.deferrals.pop(key, None)
            return
        previous = (quota.get("status") or {}).get("used") or {}
        waited = self.deferrals.get(key, 0)
        if (
            lowers(previous, used)
            and _revision(quota) > self.seen_revision
            and waited < self.max_deferrals
        ):
            self.deferrals[key] = waited + 1
            self.queue.add_after(key, self.settle_seconds)
            return
        self.deferrals.pop(key, None)
        try:
            # A patch guarded by the cached version, never a PUT of the cached view.
            body = guarded(quota, {})
            body["status"] = merge_patch(quota.get("status") or {}, status)
            await self.client.patch(
                self.quota_type, name, body, namespace=namespace, subresource="status"
            )
        except NotFound:
            return
        except Conflict as exc:
            raise Requeue(f"quota {key} changed while recomputing it") from exc
