"""The object store layer: API objects in and out of the revisioned key-value Store.

Model and invariants:
- An object lives at `rt.key(namespace, name)` as orjson bytes WITHOUT
  metadata.resourceVersion; on the way out resourceVersion is the key's mod_revision, so the
  store's one global revision is the API's resourceVersion.
- Writes are compare-and-swap on the revision read. An update whose body carries a
  resourceVersion must match the stored one (else 409 Conflict); one without retries on a
  lost race (kube's GuaranteedUpdate) — the transform runs again on the fresh object.
- Namespaced creates need the namespace to exist (404) and not be terminating (403).
- `dry_run` runs every check and returns what would be stored, storing nothing.
- Values allocated from a shared pool (a Service's cluster IP and NodePorts) are taken by an
  `Allocator` registered for the type, around the store write: reserved before it,
  committed after it succeeded, rolled back after it failed (also between the retries of a
  compare-and-swap), released once the object is gone. `load_allocations()` rebuilds every
  allocator from the stored objects, before the server serves.
- `last_write[prefix]` is the revision of this server's latest write under a resource
  prefix: the watch cache is fresh for a consistent read once it has seen that revision.
  (Sound because the apiserver is the store's only writer.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import orjson

from pacific.api.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Details,
    Forbidden,
    Gone,
    InternalError,
    NotFound,
    Timeout,
)
from pacific.api.resources import Obj, ResourceType
from pacific.apiserver.deletion import DeleteOptions, plan_delete, should_delete_on_update
from pacific.store.errors import (
    Compacted,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    RevisionMismatch,
)
from pacific.store.protocol import KeyValue, Store

Transform = Callable[[Obj], Awaitable[Obj]]
MAX_RETRIES = 16

NAMESPACES_KEY_PREFIX = "/registry/core/namespaces/"


def encode(obj: Obj) -> bytes:
    """Stored form: the object without metadata.resourceVersion, apiVersion/kind/metadata
    first (so the watch cache can splice the resourceVersion in, see `entries`)."""
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "resourceVersion" in meta:
        meta = {k: v for k, v in meta.items() if k != "resourceVersion"}
    if not isinstance(meta, dict):
        return orjson.dumps(obj)
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    head: Obj = {"metadata": meta}
    if isinstance(api_version, str) and isinstance(kind, str):
        head = {"apiVersion": api_version, "kind": kind, "metadata": meta}
    return orjson.dumps({**head, **{k: v for k, v in obj.items() if k not in head}})


def decode(value: bytes, revision: int) -> Obj:
    obj: Obj = orjson.loads(value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


def with_revision(obj: Obj, revision: int) -> Obj:
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


def parse_resource_version(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f'resourceVersion: Invalid value: "{text}": must be an integer') from None
    if value < 0:
        raise BadRequest(f'resourceVersion: Invalid value: "{text}": must be >= 0')
    return value


@dataclass(frozen=True, slots=True)
class Page:
    items: list[KeyValue]
    revision: int
    more: bool


def _name_of(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


class Reservation(Protocol):
    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Allocator(Protocol):
    """Values of a shared pool that objects of one type hold (see the module docstring)."""

    def rebuild(self, objs: Iterable[Obj]) -> None: ...

    def reserve_update(self, old: Obj | None, new: Obj, dry_run: bool) -> Reservation: ...

    def release(self, obj: Obj) -> None: ...


class _Nothing:
    def commit(self) -> None:
        return None

    def rollback(self) -> None:
        return None


NOTHING = _Nothing()


class Registry:
    def __init__(
        self,
        store: Store,
        clock: Callable[[], dt.datetime],
        allocators: Mapping[str, Allocator] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.last_write: dict[str, int] = {}
        self.allocators: dict[str, Allocator] = dict(allocators or {})  # by rt.prefix()

    async def load_allocations(self) -> None:
        """Rebuild every allocator from the objects stored under its prefix."""
        for prefix, allocator in self.allocators.items():
            result = await self.store.list(prefix)
            allocator.rebuild(orjson.loads(kv.value) for kv in result.items)

    def _reserve(self, rt: ResourceType, old: Obj | None, new: Obj, dry_run: bool) -> Reservation:
        allocator = self.allocators.get(rt.prefix())
        return NOTHING if allocator is None else allocator.reserve_update(old, new, dry_run)

    def _release(self, rt: ResourceType, obj: Obj) -> None:
        allocator = self.allocators.get(rt.prefix())
        if allocator is not None:
            allocator.release(obj)

    def _wrote(self, rt: ResourceType, revision: int) -> None:
        prefix = rt.prefix()
        if revision > self.last_write.get(prefix, 0):
            self.last_write[prefix] = revision

    # -- reads ---------------------------------------------------------------------------

    async def get_kv(self, rt: ResourceType, namespace: str | None, name: str) -> KeyValue:
        kv = await self.store.get(rt.key(namespace, name))
        if kv is None:
            raise NotFound.of(rt.plural, rt.group, name)
        return kv

    async def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        kv = await self.get_kv(rt, namespace, name)
        return decode(kv.value, kv.mod_revision)

    async def list_page(self, prefix: str, *, start_after: str, limit: int, revision: int) -> Page:
        try:
            result = await self.store.list(
                prefix, start_after=start_after, limit=limit, revision=revision
            )
        except Compacted as exc:
            raise Gone(f"too old resource version: {exc.requested} ({exc.compacted})") from exc
        except FutureRevision as exc:
            raise Timeout(
                f"Too large resource version: {exc.requested}, current: {exc.current}"
            ) from exc
        return Page(result.items, result.revision, result.more)

    # -- writes --------------------------------------------------------------------------

    async def check_namespace(self, rt: ResourceType, namespace: str, name: str) -> None:
        """A namespaced create needs its namespace to exist and not be terminating."""
        kv = await self.store.get(NAMESPACES_KEY_PREFIX + namespace)
        if kv is None:
            raise NotFound.of("namespaces", "", namespace)
        ns = orjson.loads(kv.value)
        if (
            "deletionTimestamp" in (ns.get("metadata") or {})
            or (ns.get("status") or {}).get("phase") == "Terminating"
        ):
            resource = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
            raise Forbidden(
                f'{resource} "{name}" is forbidden: unable to create new content in namespace '
                f"{namespace} because it is being terminated",
                Details(name=name, group=rt.group, kind=rt.plural),
            )

    async def create(
        self, rt: ResourceType, namespace: str | None, obj: Obj, *, dry_run: bool
    ) -> Obj:
        name = _name_of(obj)
        if rt.namespaced and namespace:
            await self.check_namespace(rt, namespace, name)
        key = rt.key(namespace, name)
        if dry_run:
            if await self.store.get(key) is not None:
                raise AlreadyExists.of(rt.plural, rt.group, name)
            self._reserve(rt, None, obj, dry_run=True)
            obj.get("metadata", {}).pop("resourceVersion", None)
            return obj
        reservation = self._reserve(rt, None, obj, dry_run=False)
        try:
            kv = await self.store.create(key, encode(obj))
        except KeyExists:
            reservation.rollback()
            raise AlreadyExists.of(rt.plural, rt.group, name) from None
        except BaseException:
            reservation.rollback()
            raise
        reservation.commit()
        self._wrote(rt, kv.mod_revision)
        return with_revision(obj, kv.mod_revision)

    async def update(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        transform: Transform,
        *,
        dry_run: bool,
    ) -> tuple[Obj, bool]:
        """Read, transform, compare-and-swap. Returns (object, deleted)."""
        key = rt.key(namespace, name)
        kv = await self.get_kv(rt, namespace, name)
        for _ in range(MAX_RETRIES):
            old = decode(kv.value, kv.mod_revision)
            new = await transform(old)
            wanted = (new.get("metadata") or {}).get("resourceVersion")
            if wanted and wanted != str(kv.mod_revision):
                raise Conflict.modified(rt.plural, rt.group, name)
            if should_delete_on_update(rt, new):
                if dry_run:
                    return new, True
                try:
                    deleted = await self.store.delete(key, expected_revision=kv.mod_revision)
                except RevisionMismatch as exc:
                    kv = await self._retry_or_conflict(rt, name, exc, bool(wanted))
                    continue
                except KeyNotFound:
                    raise NotFound.of(rt.plural, rt.group, name) from None
                self._release(rt, old)
                self._wrote(rt, deleted.mod_revision)
                return with_revision(new, deleted.mod_revision), True
            reservation = self._reserve(rt, old, new, dry_run)
            if dry_run:
                return new, False
            try:
                written = await self.store.update(
                    key, encode(new), expected_revision=kv.mod_revision
                )
            except RevisionMismatch as exc:
                reservation.rollback()
                kv = await self._retry_or_conflict(rt, name, exc, bool(wanted))
                continue
            except KeyNotFound:
                reservation.rollback()
                raise NotFound.of(rt.plural, rt.group, name) from None
            except BaseException:
                reservation.rollback()
                raise
            reservation.commit()
            self._wrote(rt, written.mod_revision)
            return with_revision(new, written.mod_revision), False
        raise InternalError(f"too many conflicts updating {rt.qualified} {name}")

    async def _retry_or_conflict(
        self, rt: ResourceType, name: str, exc: RevisionMismatch, conditional: bool
    ) -> KeyValue:
        if conditional:
            raise Conflict.modified(rt.plural, rt.group, name) from None
        return exc.current

    async def delete(
        self, rt: ResourceType, namespace: str | None, name: str, options: DeleteOptions
    ) -> tuple[Obj, bool]:
        """Returns (the object as deleted or as now stored, removed now?)."""
        key = rt.key(namespace, name)
        kv = await self.get_kv(rt, namespace, name)
        for _ in range(MAX_RETRIES):
            obj = decode(kv.value, kv.mod_revision)
            marked = plan_delete(rt, obj, options, self.clock())
            if marked is None:
                if options.dry_run:
                    return obj, True
                try:
                    gone = await self.store.delete(key, expected_revision=kv.mod_revision)
                except RevisionMismatch as exc:
                    kv = exc.current
                    continue
                except KeyNotFound:
                    raise NotFound.of(rt.plural, rt.group, name) from None
                self._release(rt, obj)
                self._wrote(rt, gone.mod_revision)
                return with_revision(obj, gone.mod_revision), True
            if options.dry_run or marked == obj:
                return marked, False
            try:
                written = await self.store.update(
                    key, encode(marked), expected_revision=kv.mod_revision
                )
            except RevisionMismatch as exc:
                kv = exc.current
                continue
            except KeyNotFound:
                raise NotFound.of(rt.plural, rt.group, name) from None
            self._wrote(rt, written.mod_revision)
            return with_revision(marked, written.mod_revision), False
        raise InternalError(f"too many conflicts deleting {rt.qualified} {name}")

    async def current_revision(self) -> int:
        return await self.store.current_revision()
