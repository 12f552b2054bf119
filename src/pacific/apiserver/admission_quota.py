"""LimitRange and ResourceQuota admission in the write path, with atomic quota reservation.

    await admit(server, rt, obj, old, dry_run=...)

Runs after defaulting and validation of a create (old None) or an update, before the
object is stored, in kube's order: LimitRanger's defaults (a changed Pod is defaulted and
validated again), LimitRanger's checks, then ResourceQuota. The pure rules live in
`pacific.api.admission`; this module only reads and writes.

Reads: the namespace's LimitRanges, and whether it has any ResourceQuota at all, come from
the watch cache (a dict lookup, no store round trip; kube reads them from an informer too).
When quotas exist they are read again from the store, so the check sees the latest
status.used.

Reservation: the new status.used of every quota the object is charged to is written with
a compare-and-swap on the quota's resourceVersion (through `Registry.update`, which raises
Conflict when the stored quota changed since it was read); on a conflict everything is read
and checked again. On top of that, admissions of one namespace are serialized in-process
by an asyncio lock, so concurrent creates on this server never race each other's CAS (20
creates against a quota of 5 do not retry 20 times); the CAS alone is what keeps several
API servers, and the quota controller's writes, from overshooting a quota. The locks are
keyed by the server's Registry (weakly), so they live and die with the server.

As in kube, a reservation whose object then fails to be stored (a name conflict) stays
charged until the quota controller recomputes status.used; a multi-quota reservation
interrupted by a conflict may charge the first quotas twice, with the same remedy.
`dry_run` checks everything and reserves nothing.
"""

from __future__ import annotations

import asyncio
import copy
import weakref
from typing import Any

import orjson

from pacific.api.admission.limitrange import (
    applies_to,
    apply_limit_ranges,
    check_limit_ranges,
    is_pod,
)
from pacific.api.admission.quota import new_usage
from pacific.api.admission.usage import handles
from pacific.api.defaults import apply_defaults
from pacific.api.errors import Conflict, InternalError, NotFound
from pacific.api.resources import Obj, ResourceType
from pacific.api.validation import validate_create
from pacific.apiserver.context import Server
from pacific.apiserver.registry import Registry, decode

MAX_ATTEMPTS = 16
GENERATED_SUFFIX = 5  # characters generateName appends

_LOCKS: weakref.WeakKeyDictionary[Registry, dict[str, asyncio.Lock]] = weakref.WeakKeyDictionary()


def _lock(registry: Registry, namespace: str) -> asyncio.Lock:
    locks = _LOCKS.setdefault(registry, {})
    lock = locks.get(namespace)
    if lock is None:
        lock = locks[namespace] = asyncio.Lock()
    return lock


def shown_name(obj: Obj) -> str:
    """The name kube's messages use: generateName when the name was generated from it
    (admission runs before name generation in kube)."""
    meta = obj.get("metadata") or {}
    name, base = str(meta.get("name") or ""), str(meta.get("generateName") or "")
    if base and name.startswith(base) and len(name) == len(base) + GENERATED_SUFFIX:
        return base
    return name or base or "Unknown"


def _cached(server: Server, plural: str, namespace: str) -> list[Obj]:
    """The namespace's objects of a core kind as the watch cache has them."""
    rt = server.kinds.by_resource("", "v1", plural)
    if rt is None or rt.prefix() not in server.caches.caches:
        return []
    entries = server.caches.of(rt).snapshot(namespace)
    return [orjson.loads(e.raw) for e in entries]


def _limit(server: Server, rt: ResourceType, obj: Obj, old: Obj | None, name: str) -> None:
    operation = "create" if old is None else "update"
    namespace = str((obj.get("metadata") or {}).get("namespace") or "")
    if not applies_to(rt, operation, old):
        return
    ranges = _cached(server, "limitranges", namespace)
    if not ranges:
        return
    if is_pod(rt) and old is None:
        before = copy.deepcopy(obj)
        apply_limit_ranges(rt, obj, ranges)
        if obj != before:
            apply_defaults(rt, obj)
            validate_create(rt, obj)
    check_limit_ranges(rt, obj, ranges, name=name)


async def _reserve(
    server: Server, quota_rt: ResourceType, quotas: dict[str, Obj], used: dict[str, Any]
) -> bool:
    """CAS each quota's status.used; False when one changed since it was read."""
    for quota_name, new_used in used.items():
        wanted = copy.deepcopy(quotas[quota_name])
        wanted.setdefault("status", {})["used"] = new_used
        namespace = wanted["metadata"].get("namespace")

        async def transform(stored: Obj, wanted: Obj = wanted) -> Obj:
            return wanted  # carries the resourceVersion read: Conflict if it moved

        try:
            await server.registry.update(quota_rt, namespace, quota_name, transform, dry_run=False)
        except (Conflict, NotFound):
            return False
    return True


async def admit(
    server: Server, rt: ResourceType, obj: Obj, old: Obj | None, *, dry_run: bool
) -> None:
    """LimitRange then quota for a write of `obj` (`old` None for a create)."""
    namespace = (obj.get("metadata") or {}).get("namespace")
    if not rt.namespaced or not namespace:
        return
    name = shown_name(obj)
    _limit(server, rt, obj, old, name)
    if not handles(rt, "create" if old is None else "update"):
        return
    if not _cached(server, "resourcequotas", namespace):
        return
    quota_rt = server.kinds.by_resource("", "v1", "resourcequotas")
    if quota_rt is None:
        return
    async with _lock(server.registry, namespace):
        for _ in range(MAX_ATTEMPTS):
            page = await server.registry.list_page(
                quota_rt.prefix(namespace), start_after="", limit=0, revision=0
            )
            quotas = [decode(kv.value, kv.mod_revision) for kv in page.items]
            used = new_usage(quotas, rt, obj, old, name=name, now=server.clock())
            if dry_run or not used:
                return
            by_name = {q["metadata"]["name"]: q for q in quotas}
            if await _reserve(server, quota_rt, by_name, used):
                return
    raise InternalError(f"too many conflicts reserving resource quota in namespace {namespace}")
