"""The garbage collector: the effectful loop around `gc_plan`.

Watches every kind that commonly owns or depends on others (`GC_KINDS`) with shared
informers indexed by owner uid. Work items are (resource, namespace, name). Any change to
an object queues it; a deletion, or a change in how it is being deleted, also queues its
dependents (they may now be dangling or waiting) and its owners (a foreground owner may
now be free to go).

One pass over an object does both of its roles: as an owner being deleted (orphan:
unlink dependents, drop the finalizer; foreground: drop the finalizer once no blocking
dependent is left) and as a dependent (unlink stale references, or delete it).

An owner missing from the cache is confirmed with a live GET before anything is deleted:
the owner's informer may simply lag behind the dependent's (a Deployment's ReplicaSet can
arrive before the Deployment). Owners of kinds the collector does not watch are always
looked up live; owners of kinds the API does not serve count as present (never delete on
a guess). Deletes carry a uid precondition, so a recreated object is never hit.
"""

from __future__ import annotations

import contextlib
import logging

from pacific.api import kinds
from pacific.api.errors import Conflict, NotFound
from pacific.api.resources import ResourceType
from pacific.client import Client, Clock, Informer, WorkQueue
from pacific.controllers.gc_plan import (
    OwnerState,
    owner_state,
    plan_dependent,
    plan_owner,
    without_refs,
)
from pacific.controllers.informers import OWNER_INDEX, SharedInformers, resource, run_workers
from pacific.controllers.objects import (
    Obj,
    finalizers_of,
    is_deleting,
    name_of,
    namespace_of,
    owner_refs,
    uid_of,
)
from pacific.controllers.patches import finalizers_patch, set_owner_refs

log = logging.getLogger(__name__)

GC_KINDS = (
    ("", "Pod"),
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "Service"),
    ("", "Endpoints"),
    ("", "ServiceAccount"),
    ("", "PersistentVolumeClaim"),
    ("apps", "ReplicaSet"),
    ("apps", "Deployment"),
)

Item = tuple[str, str, str]  # (qualified resource, namespace or "", name)


def _group_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


class GarbageCollector:
    def __init__(
        self, client: Client, informers: SharedInformers, clock: Clock, *, workers: int = 5
    ) -> None:
        self.client = client
        self.clock = clock
        self.workers = workers
        self.queue: WorkQueue[Item] = WorkQueue(clock=clock, name="garbage-collector")
        self.watched: dict[str, tuple[ResourceType, Informer]] = {}
        for group, kind in GC_KINDS:
            rt = resource(group, kind)
            informer = informers.get(rt)
            self.watched[rt.qualified] = (rt, informer)
            informer.on_add(self._changed)
            informer.on_update(self._updated)
            informer.on_delete(self._deleted)

    async def run(self) -> None:
        informers = [informer for _, informer in self.watched.values()]
        await run_workers(self.queue, self.reconcile, informers, self.workers)

    # -- event handlers --------------------------------------------------------------------

    def _item(self, obj: Obj) -> Item | None:
        group, version = _group_version(str(obj.get("apiVersion") or ""))
        rt = kinds.by_kind(group, version, str(obj.get("kind") or ""))
        if rt is None or rt.qualified not in self.watched:
            return None
        return (rt.qualified, namespace_of(obj), name_of(obj))

    def _changed(self, obj: Obj) -> None:
        item = self._item(obj)
        if item is not None and (owner_refs(obj) or is_deleting(obj)):
            self.queue.add(item)

    def _updated(self, old: Obj, new: Obj) -> None:
        self._changed(new)
        if is_deleting(old) != is_deleting(new) or finalizers_of(old) != finalizers_of(new):
            self._wake_dependents(new)
        if owner_refs(old) != owner_refs(new):
            self._wake_owners(old)

    def _deleted(self, obj: Obj) -> None:
        self._wake_dependents(obj)
        self._wake_owners(obj)

    def _wake_dependents(self, owner: Obj) -> None:
        for dependent in self.dependents(owner):
            item = self._item(dependent)
            if item is not None:
                self.queue.add(item)

    def _wake_owners(self, dependent: Obj) -> None:
        for ref in owner_refs(dependent):
            group, version = _group_version(str(ref.get("apiVersion") or ""))
            rt = kinds.by_kind(group, version, str(ref.get("kind") or ""))
            if rt is not None and rt.qualified in self.watched:
                namespace = namespace_of(dependent) if rt.namespaced else ""
                self.queue.add((rt.qualified, namespace, str(ref.get("name") or "")))

    def dependents(self, owner: Obj) -> list[Obj]:
        uid = uid_of(owner)
        out: list[Obj] = []
        for _, informer in self.watched.values():
            out.extend(informer.by_index(OWNER_INDEX, uid))
        return out

    # -- reconcile -------------------------------------------------------------------------

    async def reconcile(self, item: Item) -> None:
        qualified, namespace, name = item
        rt, informer = self.watched[qualified]
        obj = informer.get(namespace or None, name)
        if obj is None:
            return
        owner_action = plan_owner(obj, self.dependents(obj))
        for dependent in owner_action.unlink:
            await self._unlink(dependent, [uid_of(obj)])
        if owner_action.remove_finalizer is not None:
            remaining = [f for f in finalizers_of(obj) if f != owner_action.remove_finalizer]
            with contextlib.suppress(NotFound):
                await self.client.patch(
                    rt, name, finalizers_patch(obj, remaining), namespace=namespace or None
                )
            return
        if not owner_refs(obj):
            return
        states = {str(ref.get("uid")): await self._owner_state(obj, ref) for ref in owner_refs(obj)}
        action = plan_dependent(obj, states, bool(self.dependents(obj)))
        if action.unlink:
            await self._unlink(obj, list(action.unlink))
        elif action.delete:
            log.info("garbage collecting %s %s/%s (%s)", qualified, namespace, name, action.policy)
            with contextlib.suppress(NotFound, Conflict):
                await self.client.delete(
                    rt,
                    name,
                    namespace or None,
                    propagation_policy=action.policy,
                    preconditions={"uid": uid_of(obj)},
                )

    async def _owner_state(self, dependent: Obj, ref: Obj) -> OwnerState:
        group, version = _group_version(str(ref.get("apiVersion") or ""))
        rt = kinds.by_kind(group, version, str(ref.get("kind") or ""))
        if rt is None:
            return OwnerState.PRESENT
        uid = str(ref.get("uid") or "")
        name = str(ref.get("name") or "")
        namespace = namespace_of(dependent) if rt.namespaced else None
        watched = self.watched.get(rt.qualified)
        if watched is not None:
            state = owner_state(watched[1].get(namespace, name), uid)
            if state is not OwnerState.ABSENT:
                return state
        try:
            live = await self.client.get(rt, name, namespace)
        except NotFound:
            return OwnerState.ABSENT
        return owner_state(live, uid)

    async def _unlink(self, dependent: Obj, uids: list[str]) -> None:
        group, version = _group_version(str(dependent.get("apiVersion") or ""))
        rt = kinds.by_kind(group, version, str(dependent.get("kind") or ""))
        if rt is None:
            return
        with contextlib.suppress(NotFound):
            await set_owner_refs(self.client, rt, dependent, without_refs(dependent, uids))
