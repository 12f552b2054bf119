"""The informer's local copy of a set of objects, with indexes, and the changes it sees.

Model: objects are keyed by (namespace, name); cluster-scoped objects have namespace "".
The cache only changes through `apply(event)` (one watch event) and `replace(objects)` (a
full relist); both return the `Change`s they made, so the informer can notify exactly what
its cache saw. Relisting compares resourceVersions: a new key is an add, a changed version
an update, a key that disappeared a delete carrying the last known object.

Indexes: `namespace` is always present; extra indexers map an object to zero or more index
values (e.g. owner uids, `spec.nodeName`), and `by_index(name, value)` answers in O(result).
Invariant: every index holds exactly the cached objects, kept in step on every change.
Cached objects are shared, not copied: treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace or "", name)
Indexer = Callable[[Obj], Iterable[str]]
Objects = list[Obj]
ChangeType = Literal["add", "update", "delete"]

NAMESPACE_INDEX = "namespace"


def object_key(obj: Obj) -> Key:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def resource_version(obj: Obj | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("resourceVersion") or "")


def by_namespace(obj: Obj) -> list[str]:
    return [object_key(obj)[0]]


def by_owner_uid(obj: Obj) -> list[str]:
    """Index value per owner reference: the owner's uid."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [str(ref["uid"]) for ref in refs if isinstance(ref, dict) and ref.get("uid")]


def by_node_name(obj: Obj) -> list[str]:
    """Pods (and VMs) by the host they are bound to; unbound objects are not indexed."""
    node = (obj.get("spec") or {}).get("nodeName")
    return [str(node)] if node else []


@dataclass(frozen=True, slots=True)
class Change:
    """One change the cache made. `old` is None for an add; `new` is None for a delete."""

    type: ChangeType
    old: Obj | None
    new: Obj | None

    @property
    def object(self) -> Obj:
        """The object as it is now (for a delete: as it last was)."""
        obj = self.new if self.new is not None else self.old
        if obj is None:
            raise ValueError("a change has an old or a new object")
        return obj

    @property
    def key(self) -> Key:
        return object_key(self.object)


Changes = list[Change]


class Cache:
    def __init__(self, indexers: dict[str, Indexer] | None = None) -> None:
        self._indexers: dict[str, Indexer] = {NAMESPACE_INDEX: by_namespace, **(indexers or {})}
        self._objects: dict[Key, Obj] = {}
        self._indexes: dict[str, dict[str, set[Key]]] = {name: {} for name in self._indexers}

    def __len__(self) -> int:
        return len(self._objects)

    def get(self, namespace: str | None, name: str) -> Obj | None:
        return self._objects.get((namespace or "", name))

    def list(self, namespace: str | None = None) -> Objects:
        if namespace is None:
            return list(self._objects.values())
        return self.by_index(NAMESPACE_INDEX, namespace)

    def by_index(self, index: str, value: str) -> Objects:
        if index not in self._indexes:
            raise KeyError(f"no index named {index!r}")
        return [self._objects[k] for k in self._indexes[index].get(value, ())]

    def apply(self, event_type: str, obj: Obj) -> Change | None:
        """Apply one watch event (ADDED/MODIFIED/DELETED); BOOKMARK changes nothing."""
        key = object_key(obj)
        old = self._objects.get(key)
        if event_type == "DELETED":
            if old is None:
                return None
            self._remove(key, old)
            return Change("delete", old, None)
        if event_type not in ("ADDED", "MODIFIED"):
            return None
        self._put(key, old, obj)
        return Change("add", None, obj) if old is None else Change("update", old, obj)

    def replace(self, objects: Iterable[Obj]) -> Changes:
        """Make the cache hold exactly `objects`; the changes, deletes last."""
        changes: list[Change] = []
        fresh: dict[Key, Obj] = {object_key(o): o for o in objects}
        for key, obj in fresh.items():
            old = self._objects.get(key)
            if old is None:
                self._put(key, None, obj)
                changes.append(Change("add", None, obj))
            elif resource_version(old) != resource_version(obj) or not resource_version(obj):
                self._put(key, old, obj)
                changes.append(Change("update", old, obj))
        for key in [k for k in self._objects if k not in fresh]:
            old = self._objects[key]
            self._remove(key, old)
            changes.append(Change("delete", old, None))
        return changes

    def _put(self, key: Key, old: Obj | None, new: Obj) -> None:
        if old is not None:
            self._unindex(key, old)
        self._objects[key] = new
        for name, indexer in self._indexers.items():
            for value in indexer(new):
                self._indexes[name].setdefault(value, set()).add(key)

    def _remove(self, key: Key, old: Obj) -> None:
        self._unindex(key, old)
        del self._objects[key]

    def _unindex(self, key: Key, old: Obj) -> None:
        for name, indexer in self._indexers.items():
            index = self._indexes[name]
            for value in indexer(old):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
